/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOS API key validation; see apikey.h.
 *
 * The order of the checks matters:
 *  1. the key's shape (length, printable ASCII): anything else is refused
 *     before it costs a hash, a cache lookup or a call;
 *  2. the address guard (apikey_guard.h), before the cache, so an
 *     address that has used up its failures cannot go on probing for
 *     keys that happen to be cached as valid;
 *  3. the cached result, under a SHA-256 of the key (never the key);
 *  4. one call to WorkOS per key at a time across the cache's processes,
 *     the others waiting for its answer. The request that calls is
 *     charged to its address first, so concurrent guesses can never get
 *     past the budget; the charge is given back when the key is valid or
 *     WorkOS cannot say, so only real failures count. A request that got
 *     "invalid" from the cache or from another's call is counted after.
 * Everything shared lives in the cache; nothing here is static and
 * mutable, so any thread of any process may run it.
 */
#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"
#include <openssl/crypto.h>
#include <unistd.h>
#include "request/apikey.h"
#include "request/apikey_guard.h"
#include "workos/apikey_parse.h"
#include "workos/workos_api.h"
#include "codec/crypto.h"
#include "store/cachens.h"
#include "state/flight.h"
#include "base/client.h"
#include "state/marks.h"
#include "base/cache.h"
#include "base/module.h"


/* Invalid keys are remembered for less time than valid ones: long enough
 * to absorb a misconfigured client's retries, short enough that a key
 * created a moment ago starts working soon. */
#define APIKEY_NEG_TTL_MAX 10
#define APIKEY_MAX_ANSWER 65536
#define APIKEY_MAX_CACHED 16384
#define APIKEY_POLL_USEC 10000

int apikey_looks_like_key(const char *value)
{
    const char *dot = strchr(value, '.');
    return !(dot && strchr(dot + 1, '.'));
}

/* A cache key for a key's answer or lock: "wos:apikey[-lock]:<env>:<hash>",
 * for the server's WorkOS environment: a key one environment validated
 * means nothing to another. The registry keeps these types away from the
 * others in shmcb, since unauthenticated callers can make as many of them
 * as they like. */
static const cachens_key_t *apikey_ckey(apr_pool_t *p, const wos_srv_cfg *sc,
                                        cachens_type type, const char *id)
{
    return cachens_key(p, type, sc->env_tag, id, NULL);
}

/* --- results: cached, or from WorkOS ------------------------------------ */

/* One API-key check: what it works on and what it learns. */
typedef struct {
    request_rec *r;
    const wos_srv_cfg *sc;
    const char *value;   /* the key: never logged, never stored */
    const cachens_key_t *result;  /* its result's: a hash, not the key */
    const cachens_key_t *lock;    /* held by the one request asking WorkOS */
    apikey_guard_t g;
    apikey_info_t info;
    const char *why;
    int retry_after;
    apikey_rc shared;    /* the answer another request's call left */
} apikey_req_t;

static void apikey_req_init(apikey_req_t *q, request_rec *r,
                            const wos_srv_cfg *sc, const char *value)
{
    const char *h = crypto_sha256_hex(r->pool, value, strlen(value));

    memset(q, 0, sizeof(*q));
    q->r = r;
    q->sc = sc;
    q->value = value;
    q->result = apikey_ckey(r->pool, sc, CACHENS_APIKEY, h);
    q->lock = apikey_ckey(r->pool, sc, CACHENS_APIKEY_LOCK, h);
    apikey_guard_init(r, sc, &q->g);
}

/* A cached yes for a key whose api_key.revoked event came since is a no. */
static apikey_answer_t apikey_unless_revoked(apikey_req_t *q,
                                             apikey_answer_t a)
{
    return a == APIKEY_ANSWER_VALID
           && marks_apikey_revoked(q->r, q->sc, q->info.id)
           ? APIKEY_ANSWER_INVALID : a;
}

/* VALID or INVALID from the cache; GARBAGE stands for a miss. */
static apikey_answer_t apikey_cached(apikey_req_t *q)
{
    apr_size_t len;
    char *val;

    if (cache_get(q->sc->cache, q->r->server, q->result, &val, &len,
                  APIKEY_MAX_CACHED, q->r->pool) != APR_SUCCESS) {
        return APIKEY_ANSWER_GARBAGE;
    }
    return apikey_unless_revoked(q, apikey_deserialise(q->r->pool, val, len,
                                                       &q->info));
}

static void apikey_store(apikey_req_t *q, apikey_rc rc)
{
    int ttl = q->sc->apikey_cache_ttl;
    const char *val = NULL;

    if (rc == APIKEY_OK) {
        val = apikey_serialise(q->r->pool, &q->info);
    }
    else if (rc == APIKEY_INVALID) {
        val = APIKEY_CACHED_NO;
        ttl = ttl < APIKEY_NEG_TTL_MAX ? ttl : APIKEY_NEG_TTL_MAX;
    }
    if (!val || ttl <= 0) {
        return;  /* WorkOS could not say: nothing to remember */
    }
    if (cache_put(q->sc->cache, q->r->server, q->result, val, strlen(val),
                  apr_time_now() + apr_time_from_sec(ttl), q->r->pool)
        != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, WOSLOGNO(00803)
                      "cannot cache an API key result in %s; every "
                      "request with it will ask WorkOS",
                      cache_spec(q->sc->cache));
    }
}

/* Too many failures from the request's address. */
static apikey_rc apikey_limited(apikey_req_t *q)
{
    apikey_guard_limited(q->r, q->sc, &q->g, &q->why, &q->retry_after);
    return APIKEY_LIMITED;
}

/* A yes or a no about the key, from WorkOS or from the cache; garbage is
 * neither. */
static int apikey_answered(apikey_req_t *q, apikey_answer_t answer,
                           apikey_rc *rc)
{
    if (answer == APIKEY_ANSWER_VALID) {
        *rc = APIKEY_OK;
        return 1;
    }
    if (answer == APIKEY_ANSWER_INVALID) {
        q->why = "unknown or revoked API key";
        *rc = APIKEY_INVALID;
        return 1;
    }
    return 0;
}

/* What an HTTP answer from WorkOS means. Only a well-formed 200 says
 * anything about the key: a 401 means WorkOS refused our WorkOSAPIKey, a
 * 404 a wrong WorkOSAPIBaseURL; neither may count against the client. */
static apikey_rc apikey_read(apikey_req_t *q, const http_response_t *res)
{
    apikey_rc rc;

    if (res->status == 200
        && apikey_answered(q, apikey_parse_answer(q->r->pool, res->body,
                                                  res->len, &q->info),
                           &rc)) {
        return rc;
    }
    q->why = apr_psprintf(q->r->pool, "no usable answer from WorkOS's API "
                          "key validation (HTTP %ld)", res->status);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, WOSLOGNO(00801)
                  "API key validation with WorkOS failed: HTTP %ld%s",
                  res->status, res->status == 200 ? ", unreadable answer"
                  : res->status == 401 ? " (is WorkOSAPIKey right?)" : "");
    return APIKEY_UNAVAILABLE;
}

/* POST /api_keys/validations, our WorkOSAPIKey as the bearer. */
static apikey_rc apikey_call(apikey_req_t *q)
{
    const char *url = workos_api_apikey_validate_url(q->r->pool,
                                                     q->sc->api_base);
    http_response_t res;
    api_client_t c;
    apr_size_t len;
    char *body;
    int rv;

    if (!q->sc->api_key) {
        q->why = "WorkOSAPIKey is not set";
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, WOSLOGNO(00802)
                      "WorkOSTokenSource apikey needs WorkOSAPIKey in this "
                      "server's config to validate keys");
        return APIKEY_UNAVAILABLE;
    }
    body = apikey_request_body(q->r->pool, q->value, &len);
    c = client_for(q->sc);
    rv = workos_api_send(q->r->pool, WORKOS_EP_APIKEY_VALIDATE, "POST", url,
                         "application/json", body, len, q->sc->api_key,
                         &c.net, APIKEY_MAX_ANSWER, &res);
    OPENSSL_cleanse(body, len);  /* the pool outlives this call */
    if (rv != 0) {
        q->why = apr_pstrcat(q->r->pool, "API key validation: ", res.error,
                             NULL);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, WOSLOGNO(00808)
                      "API key validation with WorkOS failed: %s",
                      res.error);
        return APIKEY_UNAVAILABLE;
    }
    return apikey_read(q, &res);
}

/* Asks WorkOS, charged to the address first, so concurrent guesses can
 * never get past its budget; the charge is given back unless the key
 * turned out invalid. */
static apikey_rc apikey_ask(apikey_req_t *q)
{
    apikey_rc rc;

    if (!apikey_guard_charge(q->r, q->sc, &q->g)) {
        return apikey_limited(q);
    }
    rc = apikey_call(q);
    if (rc != APIKEY_INVALID) {
        apikey_guard_refund(q->r, q->sc, &q->g);
    }
    apikey_store(q, rc);
    return rc;
}

/* The key's answer in the cache, for flight_board. */
static int apikey_landed(void *baton, apr_pool_t *tmp)
{
    apikey_req_t *q = baton;

    (void)tmp;  /* what it learns must outlive the round: q->r->pool */
    return apikey_answered(q, apikey_cached(q), &q->shared);
}

/* One request per key asks WorkOS; the others wait for its answer in the
 * cache, so a burst of requests with a new key costs one call. */
static apikey_rc apikey_validate(apikey_req_t *q)
{
    apr_interval_time_t wait = apr_time_from_sec(q->sc->http_timeout + 2);
    flight_t f = { q->lock, apr_psprintf(q->r->pool, "%" APR_PID_T_FMT,
                                         getpid()),
                   wait, wait, 0, APIKEY_POLL_USEC, apikey_landed, q };
    apikey_rc rc;
    flight_rc fl;

    if (q->sc->apikey_cache_ttl <= 0) {
        return apikey_ask(q);  /* nothing is shared: nothing to wait for */
    }
    fl = flight_board(q->sc->cache, q->r->server, q->r->pool, &f);
    switch (fl) {
    case FLIGHT_LANDED:
        return q->shared;
    case FLIGHT_MINE:
    case FLIGHT_ALONE:
        /* ours, or the cache is down: then each request goes alone */
        rc = apikey_ask(q);
        flight_leave(q->sc->cache, q->r->server, q->r->pool, &f, fl);
        return rc;
    case FLIGHT_ERROR:
        q->why = "out of memory";
        return APIKEY_UNAVAILABLE;
    case FLIGHT_TIMEOUT:
        break;
    }
    q->why = "timed out waiting for a concurrent validation of the same key";
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, WOSLOGNO(00807) "%s",
                  q->why);
    return APIKEY_UNAVAILABLE;
}

/* Keys carry permissions and an owner, never roles, entitlements or
 * feature flags: empty lists, so those Require lines deny them. */
static wos_identity_t *apikey_identity(apr_pool_t *p,
                                       const apikey_info_t *info)
{
    wos_identity_t *id = apr_pcalloc(p, sizeof(*id));

    id->user_id = info->id;
    id->api_key_id = info->id;
    id->org_id = info->org_id;
    id->permissions = info->permissions;
    id->roles = apr_array_make(p, 1, sizeof(const char *));
    id->entitlements = apr_array_make(p, 1, sizeof(const char *));
    id->feature_flags = apr_array_make(p, 1, sizeof(const char *));
    return id;
}

static apikey_rc apikey_outcome(apikey_req_t *q, apikey_rc rc,
                                const char *source)
{
    if (rc == APIKEY_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, q->r, WOSLOGNO(00804)
                      "API key %s accepted (%s)", q->info.id, source);
    }
    else if (rc == APIKEY_INVALID) {
        /* a request that waited for another's answer, or found it
         * cached, has not been charged yet */
        if (!q->g.charged) {
            apikey_guard_charge(q->r, q->sc, &q->g);
        }
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, WOSLOGNO(00805)
                      "failed API key attempt %d of %d from %s in this "
                      "window", q->g.count, q->sc->apikey_fail_limit,
                      q->r->useragent_ip);
    }
    return rc;
}

/* The checks in the order the top of this file gives. */
static apikey_rc apikey_decide(apikey_req_t *q)
{
    apikey_guard_read(q->r, q->sc, &q->g);
    if (q->g.count >= q->sc->apikey_fail_limit) {
        return apikey_limited(q);
    }
    switch (apikey_cached(q)) {
    case APIKEY_ANSWER_VALID:
        return apikey_outcome(q, APIKEY_OK, "cached");
    case APIKEY_ANSWER_INVALID:
        q->why = "unknown or revoked API key (cached)";
        return apikey_outcome(q, APIKEY_INVALID, "cached");
    default:
        return apikey_outcome(q, apikey_validate(q), "validated");
    }
}

apikey_rc apikey_check(request_rec *r, const wos_srv_cfg *sc,
                       const char *value, wos_identity_t **id,
                       const char **why, int *retry_after)
{
    apikey_req_t q;
    apikey_rc rc;

    *id = NULL;
    *retry_after = 0;
    if (!apikey_shape_ok(value)) {
        *why = "not an API key: too long or unexpected characters";
        return APIKEY_INVALID;
    }
    apikey_req_init(&q, r, sc, value);
    rc = apikey_decide(&q);
    if (rc == APIKEY_OK) {
        *id = apikey_identity(r->pool, &q.info);
    }
    *why = q.why;
    *retry_after = q.retry_after;
    return rc;
}
