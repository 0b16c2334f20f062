/* SPDX-License-Identifier: Apache-2.0 */
/* Automatic organisation switch; see autoswitch.h. */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"
#include "request/autoswitch.h"
#include "request/authn.h"
#include "base/config.h"
#include "codec/seal.h"
#include "codec/crypto.h"
#include "store/cachens.h"
#include "model/flow.h"
#include "request/login.h"
#include "request/refresh.h"
#include "model/session.h"
#include "workos/workos_api.h"
#include "model/localpath.h"
#include "base/cache.h"
#include "base/client.h"
#include "base/module.h"
#include "state/flight.h"


/* The status the request's denial becomes: "503" (WorkOS cannot answer)
 * or "429" (the user's switches are over the bound). */
#define AUTOSWITCH_NOTE_STATUS "wos-autoswitch-status"
#define AUTOSWITCH_NOTE_DONE "wos-autoswitch-done"
/* Set when this pass switched: "" to run the request again, or where
 * to send the browser back to (the confirmation form's POST). */
#define AUTOSWITCH_NOTE_RUN "wos-autoswitch-run"
/* Not "workos-...": route.c lets those through authorisation (the
 * module's own handlers answer for themselves), and this one is only
 * ever set by autoswitch_fixups. */
#define AUTOSWITCH_HANDLER "auth-workos-switched"
/* Ends the query of the confirmation form's POST. */
#define AUTOSWITCH_CONFIRM "workos_switch=confirm"
/* Most organisations one request tries to switch into. */
#define AUTOSWITCH_MAX_TRIES 4
/* Most distinct organisations one user is switched (tried) into per
 * minute, across sessions and hosts (CACHENS_ASW_RATE). */
#define AUTOSWITCH_ORGS_PER_MINUTE 10
/* How often a request waiting for another's memberships fetch looks. */
#define AUTOSWITCH_MEMBERS_POLL_USEC 20000

/* Largest memberships list kept (100 ids of at most 64 characters). */
#define AUTOSWITCH_MEMBERS_MAX 8192

/* Entries signed-in users cause (one per user and listed organisation):
 * keyed by the WorkOS environment. */
static const cachens_key_t *autoswitch_key(request_rec *r,
                                           const wos_srv_cfg *sc,
                                           const char *user, const char *org)
{
    const char *both = apr_pstrcat(r->pool, user, "|", org, NULL);

    return cachens_key(r->pool, CACHENS_ASW, sc->env_tag,
                       crypto_sha256_hex(r->pool, both, strlen(both)), NULL);
}

static const char *autoswitch_remembered(request_rec *r,
                                         const wos_srv_cfg *sc,
                                         const cachens_key_t *key)
{
    char *val;
    apr_size_t len;

    if (cache_get(sc->cache, r->server, key, &val, &len, 128, r->pool)
        != APR_SUCCESS || !len) {
        return NULL;
    }
    return val;
}

static void autoswitch_remember(request_rec *r, const wos_srv_cfg *sc,
                                const cachens_key_t *key,
                                const char *code)
{
    apr_time_t until = apr_time_now()
                       + apr_time_from_sec(cachens_ttl(CACHENS_ASW));

    if (cache_put(sc->cache, r->server, key, code, strlen(code), until,
                  r->pool) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(02330)
                      "cannot remember a refused organisation switch in "
                      "%s: the next request will ask WorkOS again",
                      cache_spec(sc->cache));
    }
}

/* The organisation wants SSO or MFA: a browser is sent to sign in to it
 * (the request's error answer becomes the redirect), anything else 403. */
static void autoswitch_signin(request_rec *r, const wos_srv_cfg *sc,
                              const char *org)
{
    login_hints_t h;
    const char *url;

    if (!authn_is_browser(r) || !localpath_ok(r->unparsed_uri)) {
        return;
    }
    memset(&h, 0, sizeof(h));
    h.hint[FLOW_HINT_ORG] = org;
    if ((url = login_begin(r, sc, &h, r->unparsed_uri))) {
        ap_custom_response(r, HTTP_FORBIDDEN, url);
        ap_custom_response(r, HTTP_UNAUTHORIZED, url);
    }
}

static void autoswitch_page(request_rec *r, const char *page)
{
    ap_custom_response(r, HTTP_FORBIDDEN, page);
    ap_custom_response(r, HTTP_UNAUTHORIZED, page);
}

static void autoswitch_unavailable(request_rec *r, int retry_after)
{
    static const char page[] =
        "\"<!DOCTYPE html>\n<html><head><title>Try again shortly</title>"
        "</head><body><h1>Try again shortly</h1><p>Your organisation could "
        "not be switched because WorkOS is not answering. You are still "
        "signed in.</p></body></html>\n";

    apr_table_setn(r->notes, AUTOSWITCH_NOTE_STATUS, "503");
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_itoa(r->pool, retry_after > 0 ? retry_after : 5));
    autoswitch_page(r, page);
}

/* ---- membership: no WorkOS refresh for an organisation the user is
 * not in ------------------------------------------------------------ */

/* " org1 org2 " of the user's active memberships, "?" when WorkOS's
 * list could not be had or did not fit one page: then the refresh
 * decides, as before. */
static const char *autoswitch_members_fetch(request_rec *r,
                                            const wos_srv_cfg *sc,
                                            const char *user)
{
    api_client_t c = client_for(sc);
    json_t *answer = NULL, *data, *m, *meta, *after;
    const char *err = NULL, *list = " ";
    size_t i;

    if (api_call(r->pool, &c, WORKOS_EP_MEMBERSHIPS_LIST, "GET",
                 workos_api_memberships_url(r->pool, sc->api_base, user),
                 NULL, &answer, &err) != API_OK
        || !json_is_array(data = json_object_get(answer, "data"))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(05101)
                      "cannot list the organisations of %s (%s): an "
                      "automatic switch asks WorkOS's refresh instead",
                      user, err ? err : "no data in the answer");
        return "?";
    }
    json_array_foreach(data, i, m) {
        const char *org = json_string_value(json_object_get(m,
                                                "organization_id"));
        const char *status = json_string_value(json_object_get(m,
                                                               "status"));

        if (org && !flow_hint_check(FLOW_HINT_ORG, org)
            && (!status || !strcmp(status, "active"))) {
            list = apr_pstrcat(r->pool, list, org, " ", NULL);
        }
    }
    meta = json_object_get(answer, "list_metadata");
    after = meta ? json_object_get(meta, "after") : NULL;
    if (json_is_string(after) || strlen(list) >= AUTOSWITCH_MEMBERS_MAX) {
        return "?";  /* more than a page: not all known */
    }
    return list;
}

typedef struct {
    request_rec *r;
    const wos_srv_cfg *sc;
    const cachens_key_t *key;
    const char *list;
} autoswitch_members_t;

/* The list in the cache, for flight_board. */
static int autoswitch_members_landed(void *baton, apr_pool_t *tmp)
{
    autoswitch_members_t *m = baton;
    char *val = NULL;
    apr_size_t len = 0;

    (void)tmp;  /* the list must outlive the round: r->pool */
    if (cache_get(m->sc->cache, m->r->server, m->key, &val, &len,
                  AUTOSWITCH_MEMBERS_MAX, m->r->pool) == APR_SUCCESS && len) {
        m->list = val;
        return 1;
    }
    return 0;
}

/* 1 a member of org, 0 not, -1 not known. The list is fetched once per
 * user and kept CACHENS_ASW_MEMBERS' lifetime; of the requests that need
 * it at once (a page and its assets), on any process or host, one asks
 * WorkOS and the others wait for its answer (state/flight.h). */
static int autoswitch_member(request_rec *r, const wos_srv_cfg *sc,
                             const char *user, const char *org)
{
    const char *h = crypto_sha256_hex(r->pool, user, strlen(user));
    apr_interval_time_t wait = apr_time_from_sec(sc->http_timeout + 2);
    autoswitch_members_t m = {
        r, sc, cachens_key(r->pool, CACHENS_ASW_MEMBERS, sc->env_tag, h,
                           NULL), NULL };
    flight_t f = { cachens_key(r->pool, CACHENS_ASW_MEMBERS_LOCK,
                               sc->env_tag, h, NULL),
                   apr_psprintf(r->pool, "%" APR_PID_T_FMT, getpid()),
                   wait, wait, 0, AUTOSWITCH_MEMBERS_POLL_USEC,
                   autoswitch_members_landed, &m };
    flight_rc fl = flight_board(sc->cache, r->server, r->pool, &f);

    if (fl == FLIGHT_MINE || fl == FLIGHT_ALONE) {
        m.list = autoswitch_members_fetch(r, sc, user);
        if (cache_put(sc->cache, r->server, m.key, m.list, strlen(m.list),
                      apr_time_now() + apr_time_from_sec(
                          cachens_ttl(CACHENS_ASW_MEMBERS)),
                      r->pool) != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(05102)
                          "cannot keep the organisations of %s in %s: the "
                          "next switch asks WorkOS again", user,
                          cache_spec(sc->cache));
        }
        flight_leave(sc->cache, r->server, r->pool, &f, fl);
    }
    if (!m.list || *m.list == '?') {
        return -1;  /* not known (or no answer in time): the refresh decides */
    }
    return ap_strstr_c(m.list, apr_pstrcat(r->pool, " ", org, " ", NULL))
           != NULL;
}

/* ---- the bound: AUTOSWITCH_ORGS_PER_MINUTE per user ---------------- */

/* 1 when the user may be switched into org now: it is one of the
 * organisations already tried this minute, or there is room for one
 * more. The read and write are not atomic: hosts racing on one user's
 * first switches of a minute may each get in, which is a few calls, not
 * an open door. 0, with Retry-After, when over. */
static int autoswitch_within_bound(request_rec *r, const wos_srv_cfg *sc,
                                   const char *user, const char *org)
{
    apr_time_t now = apr_time_now();
    long long minute = apr_time_sec(now) / 60;
    const char *both = apr_psprintf(r->pool, "%s|%lld", user, minute);
    const cachens_key_t *key = cachens_key(
        r->pool, CACHENS_ASW_RATE, sc->env_tag,
        crypto_sha256_hex(r->pool, both, strlen(both)), NULL);
    const char *tried = " ", *p;
    char *val = NULL;
    apr_size_t len = 0;
    int n = 0;

    if (cache_get(sc->cache, r->server, key, &val, &len,
                  AUTOSWITCH_MEMBERS_MAX, r->pool) == APR_SUCCESS && len) {
        tried = val;
    }
    if (ap_strstr_c(tried, apr_pstrcat(r->pool, " ", org, " ", NULL))) {
        return 1;
    }
    for (p = tried + 1; (p = strchr(p, ' ')); p++) {
        n++;
    }
    if (n >= AUTOSWITCH_ORGS_PER_MINUTE) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(05103)
                      "%s tried to switch into more than %d organisations "
                      "this minute: not switched to %s", user,
                      AUTOSWITCH_ORGS_PER_MINUTE, org);
        apr_table_setn(r->notes, AUTOSWITCH_NOTE_STATUS, "429");
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_itoa(r->pool, (int)(60 - apr_time_sec(now) % 60)));
        autoswitch_page(r, "\"<!DOCTYPE html>\n<html><head><title>Too "
                        "many organisation switches</title></head><body>"
                        "<h1>Too many organisation switches</h1><p>Try "
                        "again in a minute. You are still signed in.</p>"
                        "</body></html>\n");
        return 0;
    }
    tried = apr_pstrcat(r->pool, tried, org, " ", NULL);
    if (cache_put(sc->cache, r->server, key, tried, strlen(tried),
                  apr_time_from_sec((minute + 1) * 60 + 5), r->pool)
        != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(05104)
                      "cannot count the organisation switches of %s in %s",
                      user, cache_spec(sc->cache));
    }
    return 1;
}

/* ---- requests from another site ------------------------------------ */

static int autoswitch_cross_site(request_rec *r)
{
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");

    return site && (!strcasecmp(site, "cross-site")
                    || !strcasecmp(site, "same-site"));
}

/* A request that changes something must come from this origin. */
static int autoswitch_same_origin(request_rec *r)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *host = apr_table_get(r->headers_in, "Host");
    const char *sep;

    if (r->method_number == M_GET || !origin) {
        return 1;
    }
    sep = strstr(origin, "://");
    return sep && host && !strcasecmp(sep + 3, host);
}

/* The confirmation form's POST: its query ends with the marker. *back is
 * the page it came from (the URL without the marker). */
static int autoswitch_confirmed(request_rec *r, const char **back)
{
    const char *u = r->unparsed_uri;
    size_t n = strlen(u), m = strlen(AUTOSWITCH_CONFIRM);

    if (r->method_number != M_POST || n <= m + 1
        || strcmp(u + n - m, AUTOSWITCH_CONFIRM) != 0
        || (u[n - m - 1] != '?' && u[n - m - 1] != '&')) {
        return 0;
    }
    *back = apr_pstrndup(r->pool, u, n - m - 1);
    return localpath_ok(*back);
}

/* A switch another site asked for (a link, an image, a form): the session
 * stays and the user is asked, with a form that posts back to this same
 * URL from this origin. The page may not be framed, so the button cannot
 * be clicked through another site's overlay. */
static void autoswitch_ask(request_rec *r, const char *org)
{
    const char *action = apr_pstrcat(r->pool, r->unparsed_uri,
                                     r->args ? "&" : "?",
                                     AUTOSWITCH_CONFIRM, NULL);

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(05105)
                  "organisation switch to %s not done: the request came "
                  "from another site (Sec-Fetch-Site: %s)", org,
                  apr_table_get(r->headers_in, "Sec-Fetch-Site"));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->err_headers_out, "Content-Security-Policy",
                   "frame-ancestors 'none'");
    apr_table_setn(r->err_headers_out, "X-Frame-Options", "DENY");
    autoswitch_page(r, apr_psprintf(r->pool,
        "\"<!DOCTYPE html>\n<html><head><title>Switch organisation?"
        "</title></head><body><h1>Switch organisation?</h1><p>This page "
        "belongs to another of your organisations (%s). You are still "
        "signed in to your current one.</p>"
        "<form method=\"post\" action=\"%s\">"
        "<button type=\"submit\">Switch and continue</button></form>"
        "</body></html>\n", ap_escape_html(r->pool, org),
        ap_escape_html(r->pool, action)));
}

static void autoswitch_refuse_cross_site(request_rec *r, const char *org)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(05106)
                  "organisation switch to %s refused: a %s request from "
                  "another site", org, r->method);
    autoswitch_page(r, "\"<!DOCTYPE html>\n<html><head><title>Cross-site "
                    "request refused</title></head><body><h1>Cross-site "
                    "request refused</h1><p>Switching organisation must "
                    "come from this site.</p></body></html>\n");
}

/* One organisation: 1 switched, 0 not (refused, remembered or not),
 * -1 stop trying (WorkOS unavailable, or sent to sign in). */
static int autoswitch_one(request_rec *r, const wos_srv_cfg *sc,
                          const session_t *sess, const char *user,
                          const char *org)
{
    const cachens_key_t *key = autoswitch_key(r, sc, user, org);
    const char *code = autoswitch_remembered(r, sc, key);
    const wos_identity_t *now;
    refresh_out_t out;
    refresh_rc rc;

    if (!code) {
        int member = autoswitch_member(r, sc, user, org);

        if (member == 0) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(05107)
                          "%s is not a member of organisation %s: not "
                          "switched", user, org);
            return 0;
        }
        if (!autoswitch_within_bound(r, sc, user, org)) {
            return -1;
        }
        rc = refresh_session(r, sc, sess->data, sess->refresh_token, org,
                             &out);
        if (rc == REFRESH_OK) {
            if (!authn_replace_session(r, out.sealed)
                || !(now = authn_identity(r)) || !now->org_id
                || strcmp(now->org_id, org) != 0) {
                ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(02331)
                              "organisation switch for %s: WorkOS's new "
                              "session is not in %s", user, org);
                return 0;
            }
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(02332)
                          "switched %s to organisation %s automatically",
                          user, org);
            return 1;
        }
        if (rc == REFRESH_UNAVAILABLE) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(02333)
                          "organisation switch for %s to %s: %s", user, org,
                          out.why);
            autoswitch_unavailable(r, out.retry_after);
            return -1;
        }
        code = out.why;
        autoswitch_remember(r, sc, key, code);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(02334)
                      "WorkOS refused to switch %s to organisation %s: %s",
                      user, org, code);
    }
    if (api_needs_signin(code)) {
        autoswitch_signin(r, sc, org);
        return -1;
    }
    return 0;
}

/* This request is a pass run again after a switch (or a subrequest):
 * it never switches itself. */
static int autoswitch_rerun(request_rec *r)
{
    request_rec *q;

    if (r->main) {
        return 1;
    }
    for (q = r->prev; q; q = q->prev) {
        if (apr_table_get(q->notes, AUTOSWITCH_NOTE_RUN)) {
            return 1;
        }
    }
    return 0;
}

int autoswitch_org(request_rec *r, const apr_array_header_t *orgs)
{
    const wos_srv_cfg *sc = ap_get_module_config(r->server->module_config,
                                                 &auth_workos_module);
    const wos_dir_cfg *dc = ap_get_module_config(r->per_dir_config,
                                                 &auth_workos_module);
    const wos_identity_t *id = authn_identity(r);
    const char *sealed = authn_session_cookie(r), *why, *back = NULL;
    const char *try[AUTOSWITCH_MAX_TRIES];
    session_t sess;
    int i, n = 0, rc;

    if (!dc || dc->auto_switch_org != 1 || !sc->keys || !id || !sealed
        || !orgs || apr_table_get(r->notes, AUTOSWITCH_NOTE_DONE)
        || autoswitch_rerun(r)) {
        return 0;
    }
    /* one attempt per request, however many Require lines ask */
    apr_table_setn(r->notes, AUTOSWITCH_NOTE_DONE, "1");
    for (i = 0; i < orgs->nelts && n < AUTOSWITCH_MAX_TRIES; i++) {
        const char *org = APR_ARRAY_IDX(orgs, i, const char *);

        if (!flow_hint_check(FLOW_HINT_ORG, org)
            && !(id->org_id && !strcmp(id->org_id, org))) {
            try[n++] = org;
        }
    }
    if (!n) {
        return 0;
    }
    /* never silently for another site: a page is asked for, a change
     * (POST...) refused */
    if (autoswitch_cross_site(r) || !autoswitch_same_origin(r)) {
        if (r->method_number == M_GET) {   /* HEAD too */
            autoswitch_ask(r, try[0]);
        }
        else {
            autoswitch_refuse_cross_site(r, try[0]);
        }
        return 0;
    }
    if (session_open(r->pool, sealed,
                     (const seal_password_t *)sc->passwords->elts,
                     sc->passwords->nelts, apr_time_as_msec(apr_time_now()),
                     &sess, &why) != 0 || !sess.refresh_token) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if ((rc = autoswitch_one(r, sc, &sess, id->user_id, try[i])) != 0) {
            if (rc > 0) {
                /* the lines already evaluated saw the old identity: the
                 * request is run again (autoswitch_handle) */
                apr_table_setn(r->notes, AUTOSWITCH_NOTE_RUN,
                               autoswitch_confirmed(r, &back) ? back : "");
            }
            return rc > 0;
        }
    }
    return 0;
}

/* httpd sets a <LocationMatch>'s named groups (MATCH_*) only when it
 * walks the sections afresh; the run again reuses the first pass's walk,
 * and that pass's variables are there as REDIRECT_MATCH_*. Same URI,
 * same config: the values are the same, so "Require workos-org
 * %{env:MATCH_TENANT}" means the same on both passes. */
int autoswitch_post_perdir_config(request_rec *r)
{
    const apr_array_header_t *arr;
    const apr_table_entry_t *e;
    int i;

    if (!r->prev || !apr_table_get(r->prev->notes, AUTOSWITCH_NOTE_RUN)) {
        return DECLINED;
    }
    arr = apr_table_elts(r->subprocess_env);
    e = (const apr_table_entry_t *)arr->elts;
    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && !strncmp(e[i].key, "REDIRECT_MATCH_", 15)
            && !apr_table_get(r->subprocess_env, e[i].key + 9)) {
            apr_table_setn(r->subprocess_env, e[i].key + 9, e[i].val);
        }
    }
    return DECLINED;
}

int autoswitch_fixups(request_rec *r)
{
    if (apr_table_get(r->notes, AUTOSWITCH_NOTE_RUN)) {
        r->handler = AUTOSWITCH_HANDLER;
    }
    return DECLINED;
}

int autoswitch_handle(request_rec *r)
{
    const char *back = apr_table_get(r->notes, AUTOSWITCH_NOTE_RUN);

    if (!back || !r->handler || strcmp(r->handler, AUTOSWITCH_HANDLER)) {
        return DECLINED;
    }
    if (*back) {
        /* the confirmation form: back to the page, now switched */
        ap_discard_request_body(r);
        apr_table_setn(r->headers_out, "Location", back);
        return HTTP_SEE_OTHER;
    }
    /* httpd skips authentication and authorisation for an internal
     * redirect whose per-directory config is the very same vector as its
     * r->prev's: a copy of ours makes it run all of them again, on the
     * new session (authn.c takes it from this request) */
    r->per_dir_config = ap_merge_per_dir_configs(
        r->pool, r->per_dir_config, ap_create_per_dir_config(r->pool));
    ap_internal_redirect(r->unparsed_uri, r);
    return OK;
}

void autoswitch_error_status(request_rec *r)
{
    const char *st = apr_table_get(r->notes, AUTOSWITCH_NOTE_STATUS);

    if (st && (r->status == HTTP_FORBIDDEN
               || r->status == HTTP_UNAUTHORIZED)) {
        r->status = atoi(st);
        r->status_line = NULL;
    }
}
