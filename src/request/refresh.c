/* SPDX-License-Identifier: Apache-2.0 */
/* Single-flight refresh through the shared cache; see refresh.h. */
#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"
#include <openssl/crypto.h>
#include "request/refresh.h"
#include "workos/workos_api.h"
#include "base/client.h"
#include "codec/crypto.h"
#include "codec/seal.h"
#include "store/cachens.h"
#include "state/flight.h"
#include "base/stats.h"
#include "base/cache.h"
#include "base/module.h"


#define REFRESH_POLL_USEC 20000
/* Seconds a refused refresher waits for a concurrent winner's result. */
#define REFRESH_RACE_GRACE 1

typedef struct {
    const cachens_key_t *lock_key;    /* held while one request calls
                                         WorkOS */
    const cachens_key_t *result_key;  /* "ok <sealed>" or "no <code>" */
} refresh_keys_t;

/* Keyed by the WorkOS environment the token belongs to (env_tag): a
 * result one environment got is never handed to another's servers. */
static void refresh_keys(apr_pool_t *p, const char *env_tag, const char *rt,
                         const char *org, refresh_keys_t *k)
{
    /* a hash: the cache never holds a refresh token */
    const char *h = crypto_sha256_hex(p, apr_pstrcat(p, rt, "|",
                                                   org ? org : "", NULL),
                                    strlen(rt) + 1 + (org ? strlen(org) : 0));
    unsigned char holder[CACHENS_HOLDER_KEY_LEN];

    k->lock_key = cachens_key(p, CACHENS_RT_LOCK, env_tag, h, NULL);
    /* The result is a new session: on a network cache it is encrypted
     * under a key only those holding the refresh token can derive, so a
     * reader of the cache server gets nothing it can use. No key: no
     * result_key, and the cache refuses the entry. */
    k->result_key = NULL;
    if (crypto_derive_key(rt, apr_pstrcat(p, "refresh-result\n", env_tag,
                                          "\n", org ? org : "", NULL),
                          holder, sizeof(holder)) == 0) {
        k->result_key = cachens_key_held(p, cachens_key(p, CACHENS_RT_DONE,
                                                        env_tag, h, NULL),
                                         holder);
    }
    OPENSSL_cleanse(holder, sizeof(holder));
}

/* Reads a published result into out (copied into r->pool), using tmp
 * for the lookup so a waiting loop allocates nothing that lasts. */
static int refresh_take_result(request_rec *r, const wos_srv_cfg *sc,
                               const refresh_keys_t *k, apr_pool_t *tmp,
                               refresh_rc *rc, refresh_out_t *out)
{
    char *val, *end;
    apr_size_t len;
    long secs;

    if (cache_get(sc->cache, r->server, k->result_key, &val, &len, 16384,
                  tmp) != APR_SUCCESS || len < 3) {
        return 0;
    }
    if (!strncmp(val, "ok ", 3)) {
        *rc = REFRESH_OK;
        out->sealed = apr_pstrdup(r->pool, val + 3);
    }
    else if (!strncmp(val, "no ", 3)) {
        *rc = REFRESH_REFUSED;
        out->why = apr_pstrdup(r->pool, val + 3);
    }
    else if (!strncmp(val, "retry ", 6)) {
        /* "retry <until, seconds since the epoch> <why>" */
        secs = strtol(val + 6, &end, 10) - (long)apr_time_sec(apr_time_now());
        *rc = REFRESH_UNAVAILABLE;
        /* never trusted beyond the longest wait a host publishes */
        out->retry_after = secs < 1 ? 1 : secs > 300 ? 300 : (int)secs;
        out->why = apr_pstrcat(r->pool, "a refresh failed a moment ago: ",
                               *end ? end + 1 : "", NULL);
    }
    else {
        return 0;
    }
    return 1;
}

static const char *refresh_seal(request_rec *r, const wos_srv_cfg *sc,
                                json_t *session)
{
    char *text = json_dumps(session, JSON_COMPACT);
    char *sealed = NULL;
    seal_status_t st;

    if (!text) {
        return NULL;
    }
    st = seal_seal(r->pool, text, strlen(text),
                   (const seal_password_t *)sc->passwords->elts,
                   apr_time_as_msec(apr_time_now()), 0, &sealed);
    memset(text, 0, strlen(text));
    free(text);
    return st == SEAL_OK ? sealed : NULL;
}

static void refresh_publish(request_rec *r, const wos_srv_cfg *sc,
                            const refresh_keys_t *k, const char *val,
                            int keep_secs)
{
    apr_time_t keep = apr_time_now() + apr_time_from_sec(keep_secs);

    if (cache_put(sc->cache, r->server, k->result_key, val, strlen(val),
                  keep, r->pool) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(00501)
                      "cannot share a refresh result through %s; "
                      "concurrent requests may be signed out",
                      cache_spec(sc->cache));
    }
}

/* WorkOS refused the token. If another request (on another host) used it
 * a moment ago, that invalid_grant is only the race: its result is the
 * answer, so wait briefly for it, and never let a "no" replace an "ok". */
static refresh_rc refresh_refused(request_rec *r, const wos_srv_cfg *sc,
                                  const refresh_keys_t *k, const char *code,
                                  refresh_out_t *out)
{
    apr_time_t until = apr_time_now()
                       + apr_time_from_sec(REFRESH_RACE_GRACE);
    refresh_rc rc;
    apr_pool_t *tmp;

    if (!strcmp(code, "invalid_grant")
        && apr_pool_create(&tmp, r->pool) == APR_SUCCESS) {
        do {
            apr_pool_clear(tmp);
            if (refresh_take_result(r, sc, k, tmp, &rc, out)
                && rc == REFRESH_OK) {
                apr_pool_destroy(tmp);
                return REFRESH_OK;
            }
            apr_sleep(REFRESH_POLL_USEC);
        } while (apr_time_now() < until);
        apr_pool_destroy(tmp);
    }
    out->why = code;
    refresh_publish(r, sc, k, apr_pstrcat(r->pool, "no ", code, NULL),
                    REFRESH_RESULT_KEEP);
    return REFRESH_REFUSED;
}

/* The call failed in a way worth retrying: the requests behind this one
 * take the failure for a moment instead of calling WorkOS again. */
static refresh_rc refresh_failed(request_rec *r, const wos_srv_cfg *sc,
                                 const refresh_keys_t *k, int retry_after,
                                 refresh_out_t *out)
{
    int hold = retry_after > REFRESH_RETRY_HOLD ? retry_after
                                                : REFRESH_RETRY_HOLD;

    if (hold > REFRESH_RETRY_MAX) {
        hold = REFRESH_RETRY_MAX;
    }
    out->retry_after = hold;
    refresh_publish(r, sc, k, apr_psprintf(r->pool, "retry %" APR_TIME_T_FMT
                                           " %.128s",
                                           apr_time_sec(apr_time_now())
                                           + hold, out->why), hold);
    return REFRESH_UNAVAILABLE;
}

/* This request holds the lock: call WorkOS and share what it said. */
static refresh_rc refresh_call(request_rec *r, const wos_srv_cfg *sc,
                               const refresh_keys_t *k, json_t *old,
                               const char *rt, const char *org,
                               refresh_out_t *out)
{
    api_client_t c = client_for(sc);
    api_result_t res;

    stats_inc(STAT_REFRESHES);
    api_refresh(r->pool, &c, rt, org, old, &res);
    if (res.status == API_OK && (out->sealed = refresh_seal(r, sc,
                                                            res.session))) {
        refresh_publish(r, sc, k, apr_pstrcat(r->pool, "ok ", out->sealed,
                                              NULL), REFRESH_RESULT_KEEP);
        return REFRESH_OK;
    }
    if (res.status == API_REFUSED && (org || api_signs_out(res.error))) {
        return refresh_refused(r, sc, k, res.error, out);
    }
    stats_inc(STAT_API_ERRORS);
    if (res.status == API_REFUSED) {
        /* not an answer about this session: about this server */
        out->why = apr_pstrcat(r->pool, "WorkOS refused the refresh: ",
                               res.error, NULL);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(02310)
                      "session refresh refused with %s (HTTP %ld): the "
                      "session is kept; %s", res.error, res.http_status,
                      api_misconfigured(res.error, res.http_status)
                      ? "check WorkOSClientID and WorkOSAPIKey"
                      : "WorkOS's answer is not one that ends a session");
        return refresh_failed(r, sc, k, 0, out);
    }
    out->why = res.status == API_OK ? "cannot seal the new session"
                                    : res.error;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00502)
                  "session refresh failed: POST %s: %s (HTTP %ld)",
                  client_token_url(r->pool, sc), out->why, res.http_status);
    return refresh_failed(r, sc, k, res.retry_after, out);
}

/* A concurrent refresh's published result, for flight_board. */
typedef struct {
    request_rec *r;
    const wos_srv_cfg *sc;
    const refresh_keys_t *k;
    refresh_rc rc;
    refresh_out_t *out;
} refresh_wait_t;

static int refresh_landed(void *baton, apr_pool_t *tmp)
{
    refresh_wait_t *w = baton;

    return refresh_take_result(w->r, w->sc, w->k, tmp, &w->rc, w->out);
}

refresh_rc refresh_session(request_rec *r, const wos_srv_cfg *sc,
                           json_t *old, const char *refresh_token,
                           const char *org_id, refresh_out_t *out)
{
    const char *nonce = crypto_random(r->pool, 12);
    refresh_keys_t k;
    refresh_wait_t w = { r, sc, &k, REFRESH_UNAVAILABLE, out };
    /* a waiter gives up within the timeout; the lock outlives a call. A
     * winner publishes before it lets go of the lock, so one that
     * finished between our first look and our claim left its result:
     * look again before spending the token. */
    flight_t f = { NULL, nonce ? nonce : "-",
                   apr_time_from_sec(sc->http_timeout),
                   apr_time_from_sec(sc->http_timeout + 2), 0,
                   REFRESH_POLL_USEC, refresh_landed, &w };
    refresh_rc rc;
    flight_rc fl;

    memset(out, 0, sizeof(*out));
    out->why = "timed out waiting for a concurrent refresh";
    out->retry_after = REFRESH_RETRY_HOLD;
    refresh_keys(r->pool, sc->env_tag, refresh_token, org_id, &k);
    f.lock = k.lock_key;
    fl = flight_board(sc->cache, r->server, r->pool, &f);
    switch (fl) {
    case FLIGHT_LANDED:
        stats_inc(STAT_REFRESH_SHARED);
        return w.rc;
    case FLIGHT_MINE:
    case FLIGHT_ALONE:
        /* ours, or the cache is down: then each host goes alone */
        rc = refresh_call(r, sc, &k, old, refresh_token, org_id, out);
        flight_leave(sc->cache, r->server, r->pool, &f, fl);
        return rc;
    case FLIGHT_ERROR:
        out->why = "out of memory";
        return REFRESH_UNAVAILABLE;
    case FLIGHT_TIMEOUT:
        break;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00503)
                  "session refresh: %s", out->why);
    return REFRESH_UNAVAILABLE;
}
