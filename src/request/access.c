/* SPDX-License-Identifier: Apache-2.0 */
/* Require workos-access; see access.h. */
#include <unistd.h>
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"
#include "request/access.h"
#include "model/access.h"
#include "state/access_cache.h"
#include "state/flight.h"
#include "workos/workos_api.h"
#include "base/config.h"
#include "base/client.h"
#include "base/stats.h"
#include "base/module.h"


/* Set when WorkOS could not answer: the error (500) becomes 503. */
#define ACCESS_NOTE_UNAVAILABLE "wos-access-unavailable"
/* Seconds a client is asked to wait then. */
#define ACCESS_RETRY_AFTER "5"
/* How often a request waiting for another's check looks. */
#define ACCESS_POLL_USEC 10000
/* What is kept for a decision: granted, denied, or WorkOS could not
 * answer (CACHENS_ACC_FAIL, on this host only, a second: the requests
 * waiting for that check, and those right behind them, get their 503 at
 * once instead of each asking a WorkOS that is away). */
#define ACCESS_KEPT_GRANTED "1"
#define ACCESS_KEPT_DENIED "0"
#define ACCESS_KEPT_FAILED "x"
/* Kept instead of a membership id when WorkOS lists none, for
 * ACCESS_NOT_MEMBER_KEEP seconds. */
#define ACCESS_NOT_MEMBER "!"
#define ACCESS_NOT_MEMBER_KEEP 30

typedef enum {
    ACCESS_DENIED = 0,
    ACCESS_GRANTED = 1,
    ACCESS_UNAVAILABLE = -1
} access_rc;

static authz_status access_unavailable(request_rec *r)
{
    stats_inc(STAT_ACCESS_FAILED);
    apr_table_setn(r->notes, ACCESS_NOTE_UNAVAILABLE, "1");
    apr_table_setn(r->err_headers_out, "Retry-After", ACCESS_RETRY_AFTER);
    /* an error, not a denial: "Require not workos-access" would turn a
     * denial into a grant, so an outage would let everyone in */
    return AUTHZ_GENERAL_ERROR;
}

void access_error_status(request_rec *r)
{
    if (apr_table_get(r->notes, ACCESS_NOTE_UNAVAILABLE)
        && (r->status == HTTP_INTERNAL_SERVER_ERROR
            || r->status == HTTP_FORBIDDEN
            || r->status == HTTP_UNAUTHORIZED)) {
        r->status = HTTP_SERVICE_UNAVAILABLE;
        r->status_line = NULL;
    }
}

/* The resource as logs name it. */
static const char *access_resource(apr_pool_t *p, const char *type,
                                   const char *ext)
{
    return type ? apr_pstrcat(p, type, " ", ext, NULL) : ext;
}

/* ---- single flight: one call for the requests that need the same
 * answer, on any process or host --------------------------------------- */

typedef struct {
    request_rec *r;
    const wos_srv_cfg *sc;
    cachens_type type;
    const char *name;
    const char *value;  /* what landed, in r->pool */
} access_wait_t;

static int access_landed(void *baton, apr_pool_t *tmp)
{
    access_wait_t *w = baton;
    const char *v;

    if (access_cache_get(w->r, w->sc, w->type, w->name, tmp, &v, NULL)) {
        w->value = apr_pstrdup(w->r->pool, v);
        return 1;
    }
    return 0;
}

/* How long a request waits for the one leading its lookup (lock
 * CACHENS_ACC_OM_LOCK) or check (CACHENS_ACC_LOCK): at least as long as
 * the leader can take, with 2 s to spare. A membership lookup is one call
 * (WorkOSHTTPTimeout, connect and transfer, no retry). A check is the
 * leader's membership lookup, which may itself wait for another's and
 * then make its own call, and then the check's call. A waiter that runs
 * out of time asks WorkOS itself: it never grants on a timeout. */
static apr_interval_time_t access_wait(const wos_srv_cfg *sc,
                                       cachens_type lock)
{
    int call = sc->http_timeout;
    int om = call + 2;                   /* an OM waiter's bound */

    return apr_time_from_sec(lock == CACHENS_ACC_OM_LOCK
                             ? om : om + call + call + 2);
}

static flight_t access_flight(request_rec *r, const wos_srv_cfg *sc,
                              cachens_type lock, access_wait_t *w)
{
    apr_interval_time_t wait = access_wait(sc, lock);
    flight_t f = { access_cache_key(r->pool, sc, lock, w->name),
                   apr_psprintf(r->pool, "%" APR_PID_T_FMT, getpid()),
                   wait, wait, 0, ACCESS_POLL_USEC, access_landed, w };

    return f;
}

/* ---- the membership: one id per (user, organisation) ------------------ */

/* ACCESS_GRANTED and *om, ACCESS_DENIED (not a member), or
 * ACCESS_UNAVAILABLE. */
static access_rc access_membership_fetch(request_rec *r,
                                         const wos_srv_cfg *sc,
                                         const wos_identity_t *id,
                                         const char **om)
{
    api_client_t c = client_for(sc);
    json_t *answer = NULL;
    const char *err = NULL;
    api_status_t st = api_call(r->pool, &c, WORKOS_EP_MEMBERSHIPS_LIST, "GET",
                               workos_api_membership_url(r->pool, sc->api_base,
                                                         id->user_id,
                                                         id->org_id),
                               NULL, &answer, &err);

    if (st != API_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(05403)
                      "Require workos-access: cannot look up the membership "
                      "of %s in %s (%s): 503", id->user_id, id->org_id,
                      err ? err : "no answer");
        return ACCESS_UNAVAILABLE;
    }
    *om = access_membership_from_list(answer, id->user_id, id->org_id);
    if (!*om) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(05402)
                      "Require workos-access: WorkOS lists no membership of "
                      "%s in %s: refused", id->user_id, id->org_id);
        return ACCESS_DENIED;
    }
    *om = apr_pstrdup(r->pool, *om);
    return ACCESS_GRANTED;
}

static access_rc access_membership(request_rec *r, const wos_srv_cfg *sc,
                                   const wos_identity_t *id, long long gen,
                                   const char **om)
{
    access_wait_t w = { r, sc, CACHENS_ACC_OM,
                        access_membership_name(r->pool, sc->env_tag, gen,
                                               id->user_id, id->org_id),
                        NULL };
    flight_t f;
    flight_rc fl;
    access_rc rc;

    if (access_cache_get(r, sc, CACHENS_ACC_OM, w.name, r->pool, om, NULL)) {
        return strcmp(*om, ACCESS_NOT_MEMBER) ? ACCESS_GRANTED
                                              : ACCESS_DENIED;
    }
    f = access_flight(r, sc, CACHENS_ACC_OM_LOCK, &w);
    fl = flight_board(sc->cache, r->server, r->pool, &f);
    if (fl == FLIGHT_LANDED) {
        *om = w.value;
        return strcmp(*om, ACCESS_NOT_MEMBER) ? ACCESS_GRANTED
                                              : ACCESS_DENIED;
    }
    if (fl == FLIGHT_ERROR) {
        return ACCESS_UNAVAILABLE;
    }
    if (fl == FLIGHT_TIMEOUT) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(05409)
                      "Require workos-access: no answer in time from the "
                      "lookup another request is making: asking WorkOS");
    }
    rc = access_membership_fetch(r, sc, id, om);
    if (rc == ACCESS_GRANTED) {
        access_cache_put(r, sc, CACHENS_ACC_OM, w.name, *om,
                         cachens_ttl(CACHENS_ACC_OM));
    }
    else if (rc == ACCESS_DENIED) {
        access_cache_put(r, sc, CACHENS_ACC_OM, w.name, ACCESS_NOT_MEMBER,
                         ACCESS_NOT_MEMBER_KEEP);
    }
    flight_leave(sc->cache, r->server, r->pool, &f, fl);
    return rc;
}

/* ---- the check --------------------------------------------------------- */

static void access_release(json_t *j)
{
    json_decref(j);
}

/* *keep: whether the answer is WorkOS's decision, to be kept. */
static access_rc access_ask(request_rec *r, const wos_srv_cfg *sc,
                            const char *om, const char *perm,
                            const char *type, const char *ext)
{
    api_client_t c = client_for(sc);
    json_t *body = access_check_body(perm, type, ext), *answer = NULL;
    const char *err = NULL;
    api_status_t st;
    int a;

    if (!body) {
        return ACCESS_UNAVAILABLE;
    }
    stats_inc(STAT_ACCESS_ASKED);
    st = api_call(r->pool, &c, WORKOS_EP_AUTHZ_CHECK, "POST",
                  workos_api_authz_check_url(r->pool, sc->api_base, om), body,
                  &answer, &err);
    access_release(body);
    if (st == API_OK) {
        if ((a = access_answer(answer)) < 0) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(05404)
                          "Require workos-access: WorkOS's access check "
                          "answered without a boolean \"authorized\": 503");
            return ACCESS_UNAVAILABLE;
        }
        return a ? ACCESS_GRANTED : ACCESS_DENIED;
    }
    if (st == API_REFUSED && err && !strcmp(err, "HTTP 404")) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(05405)
                      "Require workos-access %s: WorkOS knows no resource "
                      "%s: refused", perm,
                      access_resource(r->pool, type, ext));
        return ACCESS_DENIED;
    }
    if (st == API_REFUSED && err && !strcmp(err, "HTTP 422")) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(05406)
                      "Require workos-access %s: WorkOS cannot check %s "
                      "(HTTP 422): refused", perm,
                      access_resource(r->pool, type, ext));
        return ACCESS_DENIED;
    }
    if (st == API_REFUSED) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(05407)
                      "Require workos-access: WorkOS refused the access "
                      "check (%s); is WorkOSAPIKey right? 503",
                      err ? err : "no reason");
        return ACCESS_UNAVAILABLE;
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(05408)
                  "Require workos-access: WorkOS did not answer the access "
                  "check (%s): 503", err ? err : "no answer");
    return ACCESS_UNAVAILABLE;
}

/* What a kept value says. */
static access_rc access_kept(const char *v)
{
    return !strcmp(v, ACCESS_KEPT_GRANTED) ? ACCESS_GRANTED
           : !strcmp(v, ACCESS_KEPT_FAILED) ? ACCESS_UNAVAILABLE
           : ACCESS_DENIED;
}

/* The membership, then WorkOS's decision for it. */
static access_rc access_membership_ask(request_rec *r, const wos_srv_cfg *sc,
                                       const wos_identity_t *id,
                                       long long gen, const char *perm,
                                       const char *type, const char *ext)
{
    const char *om = NULL;
    access_rc rc = access_membership(r, sc, id, gen, &om);

    return rc == ACCESS_GRANTED ? access_ask(r, sc, om, perm, type, ext)
                                : rc;
}

/* A kept decision costs one memo lookup: decisions are kept per
 * (user, organisation), which is one membership, so the membership id
 * is only looked up to ask WorkOS. */
static access_rc access_decide(request_rec *r, const wos_srv_cfg *sc,
                               const wos_identity_t *id, long long gen,
                               const char *perm, const char *type,
                               const char *ext)
{
    access_wait_t w = { r, sc, CACHENS_ACC,
                        access_decision_name(r->pool, sc->env_tag, gen,
                                             id->user_id, id->org_id, perm,
                                             type, ext), NULL };
    const char *v;
    flight_t f;
    flight_rc fl;
    access_rc rc;

    if (sc->access_cache_ttl <= 0) {
        return access_membership_ask(r, sc, id, gen, perm, type, ext);
    }
    if (access_cache_get(r, sc, CACHENS_ACC, w.name, r->pool, &v, NULL)) {
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, WOSLOGNO(05411)
                      "Require workos-access %s %s: kept decision %s", perm,
                      access_resource(r->pool, type, ext), v);
        rc = access_kept(v);
        if (rc != ACCESS_UNAVAILABLE) {
            stats_inc(STAT_ACCESS_CACHED);
        }
        return rc;
    }
    f = access_flight(r, sc, CACHENS_ACC_LOCK, &w);
    fl = flight_board(sc->cache, r->server, r->pool, &f);
    if (fl == FLIGHT_LANDED) {
        rc = access_kept(w.value);
        if (rc != ACCESS_UNAVAILABLE) {
            stats_inc(STAT_ACCESS_CACHED);
        }
        return rc;
    }
    if (fl == FLIGHT_ERROR) {
        return ACCESS_UNAVAILABLE;
    }
    if (fl == FLIGHT_TIMEOUT) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(05410)
                      "Require workos-access %s: no answer in time from the "
                      "check another request is making: asking WorkOS",
                      perm);
    }
    rc = access_membership_ask(r, sc, id, gen, perm, type, ext);
    if (rc == ACCESS_UNAVAILABLE) {
        access_cache_put(r, sc, CACHENS_ACC_FAIL, w.name, ACCESS_KEPT_FAILED,
                         cachens_ttl(CACHENS_ACC_FAIL));
    }
    else {
        access_cache_put(r, sc, CACHENS_ACC, w.name,
                         rc == ACCESS_GRANTED ? ACCESS_KEPT_GRANTED
                                              : ACCESS_KEPT_DENIED,
                         sc->access_cache_ttl);
    }
    flight_leave(sc->cache, r->server, r->pool, &f, fl);
    return rc;
}

authz_status access_check(request_rec *r, const wos_identity_t *id,
                          const apr_array_header_t *values)
{
    const wos_srv_cfg *sc = ap_get_module_config(r->server->module_config,
                                                 &auth_workos_module);
    const char *perm = APR_ARRAY_IDX(values, 0, const char *);
    const char *type = NULL, *ext;
    long long gen;
    int i;
    access_rc rc;

    if (values->nelts == 3) {
        type = APR_ARRAY_IDX(values, 1, const char *);
        ext = APR_ARRAY_IDX(values, 2, const char *);
    }
    else {
        ext = APR_ARRAY_IDX(values, 1, const char *);
    }
    if (!access_id_ok(perm) || (type && !access_id_ok(type))
        || !access_id_ok(ext)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(05400)
                      "Require workos-access: this request's permission or "
                      "resource is empty, not printable or over %d bytes: "
                      "refused without asking WorkOS", ACCESS_MAX_ID);
        return AUTHZ_DENIED;
    }
    /* the token's organisation-wide permissions first, as WorkOS says */
    for (i = 0; id->permissions && i < id->permissions->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(id->permissions, i, const char *), perm)) {
            return AUTHZ_GRANTED;
        }
    }
    if (id->api_key_id || !id->org_id || !id->user_id) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(05401)
                      "Require workos-access %s: %s has no organisation "
                      "membership to ask WorkOS about; decided by its own "
                      "permissions only: refused", perm,
                      id->api_key_id ? "an API key" : "a session without "
                      "an organisation");
        return AUTHZ_DENIED;
    }
    gen = access_cache_gen(r, sc);
    rc = access_decide(r, sc, id, gen, perm, type, ext);
    if (rc == ACCESS_UNAVAILABLE) {
        return access_unavailable(r);
    }
    if (rc == ACCESS_DENIED) {
        stats_inc(STAT_ACCESS_DENIED);
        return AUTHZ_DENIED;
    }
    return AUTHZ_GRANTED;
}
