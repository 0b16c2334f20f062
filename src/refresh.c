/* Single-flight refresh through the shared cache; see refresh.h. */
#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"
#include "refresh.h"
#include "workos_api.h"
#include "crypto.h"
#include "seal.h"
#include "stats.h"
#include "log.h"

APLOG_USE_MODULE(auth_workos);

#define REFRESH_POLL_USEC 20000
/* Seconds a refused refresher waits for a concurrent winner's result. */
#define REFRESH_RACE_GRACE 1

typedef struct {
    const char *lock_key;    /* held while one request calls WorkOS */
    const char *result_key;  /* "ok <sealed>" or "no <code>" */
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
    k->lock_key = apr_pstrcat(p, "wos:rt-lock:", env_tag, ":", h, NULL);
    k->result_key = apr_pstrcat(p, "wos:rt-done:", env_tag, ":", h, NULL);
}

static int refresh_take_result(request_rec *r, const wos_srv_cfg *sc,
                               const refresh_keys_t *k, refresh_rc *rc,
                               const char **sealed, const char **why)
{
    char *val;
    apr_size_t len;

    if (cache_get(sc->cache, r->server, k->result_key, &val, &len, 16384,
                  r->pool) != APR_SUCCESS || len < 3) {
        return 0;
    }
    if (!strncmp(val, "ok ", 3)) {
        *rc = REFRESH_OK;
        *sealed = val + 3;
    }
    else {
        *rc = REFRESH_REFUSED;
        *why = val + 3;
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
                            const refresh_keys_t *k, const char *val)
{
    apr_time_t keep = apr_time_now()
                      + apr_time_from_sec(REFRESH_RESULT_KEEP);

    if (cache_put(sc->cache, r->server, k->result_key, val, strlen(val),
                  keep, r->pool) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(00501)
                      "cannot share a refresh result through %s; "
                      "concurrent requests may be signed out",
                      cache_spec(sc->cache));
    }
}

/* WorkOS refused the token. If another request (on another host) used it
 * a moment ago, that refusal is only the race: its result is the answer,
 * so wait briefly for it, and never let a "no" replace an "ok". */
static refresh_rc refresh_refused(request_rec *r, const wos_srv_cfg *sc,
                                  const refresh_keys_t *k, const char *code,
                                  const char **sealed, const char **why)
{
    apr_time_t until = apr_time_now()
                       + apr_time_from_sec(REFRESH_RACE_GRACE);
    refresh_rc rc;

    do {
        if (refresh_take_result(r, sc, k, &rc, sealed, why)
            && rc == REFRESH_OK) {
            return REFRESH_OK;
        }
        apr_sleep(REFRESH_POLL_USEC);
    } while (apr_time_now() < until);
    *why = code;
    refresh_publish(r, sc, k, apr_pstrcat(r->pool, "no ", code, NULL));
    return REFRESH_REFUSED;
}

/* This request holds the lock: call WorkOS and share what it said. */
static refresh_rc refresh_call(request_rec *r, const wos_srv_cfg *sc,
                               const refresh_keys_t *k, json_t *old,
                               const char *rt, const char *org,
                               const char **sealed, const char **why)
{
    api_client_t c = { sc->api_base, sc->client_id, sc->api_key,
                       sc->http_timeout };
    api_result_t res;

    stats_inc(STAT_REFRESHES);
    api_refresh(r->pool, &c, rt, org, old, &res);
    if (res.status == API_OK && (*sealed = refresh_seal(r, sc,
                                                        res.session))) {
        refresh_publish(r, sc, k, apr_pstrcat(r->pool, "ok ", *sealed,
                                              NULL));
        return REFRESH_OK;
    }
    if (res.status == API_REFUSED) {
        return refresh_refused(r, sc, k, res.error, sealed, why);
    }
    *why = res.status == API_OK ? "cannot seal the new session" : res.error;
    stats_inc(STAT_API_ERRORS);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00502)
                  "session refresh failed: %s (HTTP %ld)", *why,
                  res.http_status);
    return REFRESH_UNAVAILABLE;
}

refresh_rc refresh_session(request_rec *r, const wos_srv_cfg *sc,
                           json_t *old, const char *refresh_token,
                           const char *org_id, const char **sealed,
                           const char **why)
{
    apr_time_t deadline = apr_time_now()
                          + apr_time_from_sec(sc->http_timeout + 2);
    refresh_keys_t k;
    refresh_rc rc = REFRESH_UNAVAILABLE;
    int claimed;
    const char *nonce = crypto_random(r->pool, 12);

    *why = "timed out waiting for a concurrent refresh";
    refresh_keys(r->pool, sc->env_tag, refresh_token, org_id, &k);
    do {
        if (refresh_take_result(r, sc, &k, &rc, sealed, why)) {
            stats_inc(STAT_REFRESH_SHARED);
            return rc;
        }
        claimed = cache_claim(sc->cache, r->server, k.lock_key,
                              nonce ? nonce : "-", deadline, r->pool);
        if (claimed != 0) {
            /* ours, or the cache is down: then each host goes alone. A
             * winner publishes before it lets go of the lock, so one that
             * finished between our first look and our claim left its
             * result: look again before spending the token. */
            if (refresh_take_result(r, sc, &k, &rc, sealed, why)) {
                cache_del(sc->cache, r->server, k.lock_key, r->pool);
                stats_inc(STAT_REFRESH_SHARED);
                return rc;
            }
            rc = refresh_call(r, sc, &k, old, refresh_token, org_id,
                              sealed, why);
            cache_del(sc->cache, r->server, k.lock_key, r->pool);
            return rc;
        }
        apr_sleep(REFRESH_POLL_USEC);  /* another request is at WorkOS */
    } while (apr_time_now() < deadline);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00503)
                  "session refresh: %s", *why);
    return REFRESH_UNAVAILABLE;
}
