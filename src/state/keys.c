/* SPDX-License-Identifier: Apache-2.0 */
/* JWKS fetch, share and per-process parse; see keys.h. */
#include "httpd.h"
#include "http_log.h"
#include "http_core.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "state/keys.h"
#include "codec/jwks.h"
#include "workos/workos_api.h"
#include "store/cachens.h"
#include "base/client.h"
#include "base/stats.h"
#include "base/cache.h"
#include "base/module.h"


typedef enum { KEYS_WANT_FRESH, KEYS_WANT_KID } keys_want_t;

struct wos_keys {
    const char *url;
    const cachens_key_t *cache_key;
    const cachens_key_t *miss_key;
    const cachens_key_t *trusted_miss_key;
    const cachens_key_t *fail_key;
    const cachens_key_t *recheck_key;
    apr_thread_mutex_t *lock;  /* guards everything below */
    apr_pool_t *set_pool;      /* owns set */
    jwks_t *set;
    apr_time_t fetched_at;     /* when WorkOS served set */
    apr_time_t retry_after;    /* no fetch before this after a failure */
};

wos_keys_t *keys_create(apr_pool_t *p, const char *url)
{
    wos_keys_t *k = apr_pcalloc(p, sizeof(*k));

    k->url = url;
    k->cache_key = cachens_key(p, CACHENS_JWKS, url, NULL);
    k->miss_key = cachens_key(p, CACHENS_JWKS_MISS, url, NULL);
    k->trusted_miss_key = cachens_key(p, CACHENS_JWKS_MISS_TRUSTED, url,
                                      NULL);
    k->fail_key = cachens_key(p, CACHENS_JWKS_FAIL, url, NULL);
    k->recheck_key = cachens_key(p, CACHENS_JWKS_RECHECK, url, NULL);
    if (apr_thread_mutex_create(&k->lock, APR_THREAD_MUTEX_DEFAULT, p)
        != APR_SUCCESS) {
        return NULL;
    }
    return k;
}

/* Under k->lock: the key for kid if the set is fresh (or any set exists
 * and fresh_only is 0). */
static EVP_PKEY *keys_find_locked(wos_keys_t *k, const char *kid,
                                  apr_time_t now, apr_time_t ttl,
                                  int fresh_only)
{
    EVP_PKEY *key;

    if (!k->set || (fresh_only && now >= k->fetched_at + ttl)) {
        return NULL;
    }
    key = jwks_find(k->set, kid);
    if (key && EVP_PKEY_up_ref(key) != 1) {
        return NULL;
    }
    return key;
}

static EVP_PKEY *keys_find(wos_keys_t *k, const char *kid, apr_time_t ttl,
                           int fresh_only, int *have_set)
{
    EVP_PKEY *key;

    apr_thread_mutex_lock(k->lock);
    key = keys_find_locked(k, kid, apr_time_now(), ttl, fresh_only);
    *have_set = k->set != NULL;
    apr_thread_mutex_unlock(k->lock);
    return key;
}

/* Replaces the process copy with json if it is newer and parses. */
static int keys_install(wos_keys_t *k, request_rec *r, const char *json,
                        apr_size_t len, apr_time_t fetched_at)
{
    apr_pool_t *pool;
    const char *err = NULL;
    jwks_t *set;

    if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS) {
        return -1;
    }
    if (!(set = jwks_parse(pool, json, len, &err))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00201)
                      "JWKS from %s rejected: %s", k->url, err);
        apr_pool_destroy(pool);
        return -1;
    }
    apr_thread_mutex_lock(k->lock);
    if (fetched_at > k->fetched_at || !k->set) {
        apr_pool_t *old = k->set_pool;
        k->set_pool = pool;
        k->set = set;
        k->fetched_at = fetched_at;
        pool = old;
        stats_set(GAUGE_JWKS_KEYS, jwks_count(set));
        stats_set(GAUGE_JWKS_FETCHED, apr_time_sec(fetched_at));
    }
    apr_thread_mutex_unlock(k->lock);
    if (pool) {
        apr_pool_destroy(pool); /* keys in use hold their own reference */
    }
    return 0;
}

static int keys_have_newer(wos_keys_t *k, apr_time_t fetched)
{
    int have;

    apr_thread_mutex_lock(k->lock);
    have = k->set && k->fetched_at >= fetched;
    apr_thread_mutex_unlock(k->lock);
    return have;
}

/* The shared copy is "<fetched_at in microseconds> <json>". */
static int keys_load_shared(wos_keys_t *k, request_rec *r,
                            const wos_srv_cfg *cfg, apr_time_t *fetched)
{
    char *val, *sp;
    apr_size_t len;
    apr_status_t rv;

    rv = cache_get(cfg->cache, r->server, k->cache_key, &val, &len,
                   JWKS_MAX_LEN + 32, r->pool);
    if (rv != APR_SUCCESS) {
        if (rv != APR_NOTFOUND) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r, WOSLOGNO(00202)
                          "shared cache %s unreadable; using this "
                          "process's keys", cache_spec(cfg->cache));
        }
        return -1;
    }
    if (!(sp = memchr(val, ' ', len))) {
        return -1;
    }
    *fetched = (apr_time_t)apr_atoi64(val);
    /* No time read back from a cache is trusted beyond now: a set "fetched"
     * in the future would be fresh for ever and never refetched. */
    if (*fetched <= 0 || *fetched > apr_time_now()) {
        stats_inc(STAT_CACHE_REJECTED);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(05002)
                      "shared JWKS of %s ignored: fetched at a time that "
                      "has not come yet", k->url);
        *fetched = 0;
        return -1;
    }
    if (keys_have_newer(k, *fetched)) {
        return 0; /* nothing new: spare the parse */
    }
    sp++;
    return keys_install(k, r, sp, len - (sp - val), *fetched);
}

static void keys_store_shared(wos_keys_t *k, request_rec *r,
                              const wos_srv_cfg *cfg, const char *json,
                              apr_size_t len, apr_time_t fetched)
{
    const char *val = apr_psprintf(r->pool, "%" APR_TIME_T_FMT " %.*s",
                                   fetched, (int)len, json);
    apr_time_t keep = fetched + apr_time_from_sec(KEYS_STALE_KEEP);
    apr_status_t rv;

    rv = cache_put(cfg->cache, r->server, k->cache_key, val, strlen(val),
                   keep, r->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r, WOSLOGNO(00203)
                      "cannot store the JWKS in shared cache %s",
                      cache_spec(cfg->cache));
    }
    /* A network cache's copy is out of reach while its server is away:
     * keep one in this host's own tier too, for the processes started
     * meanwhile (and for the parent to carry over a graceful restart). */
    if (cache_this_host(cfg->cache) != cfg->cache) {
        cache_put(cache_this_host(cfg->cache), r->server, k->cache_key, val,
                  strlen(val), keep, r->pool);
    }
}

/* A failed fetch holds the other processes of this host off for
 * KEYS_FAIL_SHARED seconds from its end: in an outage those queued behind
 * it on the fetch lock would otherwise each wait out WorkOSHTTPTimeout in
 * turn, and each call WorkOS. Kept in this host's tier: another host's failure says nothing
 * about this one's network or proxy. */
static void keys_note_failure(wos_keys_t *k, request_rec *r,
                              const wos_srv_cfg *cfg, apr_time_t until)
{
    const char *val = apr_psprintf(r->pool, "%" APR_TIME_T_FMT, until);

    cache_put(cache_this_host(cfg->cache), r->server, k->fail_key, val,
              strlen(val), until, r->pool);
}

/* 1 if a process of this host failed to fetch a moment ago; this process
 * then waits as long. */
static int keys_failed_lately(wos_keys_t *k, request_rec *r,
                              const wos_srv_cfg *cfg)
{
    char *val;
    apr_size_t len;
    apr_time_t until;

    if (cache_get(cache_this_host(cfg->cache), r->server, k->fail_key, &val,
                  &len, 32, r->pool) != APR_SUCCESS) {
        return 0;
    }
    until = (apr_time_t)apr_atoi64(val);
    if (until <= apr_time_now()) {
        return 0;
    }
    apr_thread_mutex_lock(k->lock);
    if (until > k->retry_after) {
        k->retry_after = until;
    }
    apr_thread_mutex_unlock(k->lock);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(00207)
                  "JWKS fetch from %s failed moments ago in another "
                  "process; not fetching again before the retry", k->url);
    return 1;
}

static int keys_fetch(wos_keys_t *k, request_rec *r, const wos_srv_cfg *cfg)
{
    http_response_t res;
    apr_time_t now = apr_time_now();

    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(00204)
                  "fetching JWKS from %s", k->url);
    stats_inc(STAT_JWKS_FETCHES);
    api_client_t c = client_for(cfg);

    if (workos_api_send(r->pool, WORKOS_EP_JWKS, "GET", k->url, NULL, NULL,
                        0, NULL, &c.net, JWKS_MAX_LEN, &res) != 0
        || res.status != 200) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00205)
                      "JWKS fetch from %s failed: %s", k->url,
                      res.error ? res.error
                                : apr_psprintf(r->pool, "HTTP %ld",
                                               res.status));
        goto failed;
    }
    if (keys_install(k, r, res.body, res.len, now) != 0) {
        goto failed;
    }
    keys_store_shared(k, r, cfg, res.body, res.len, now);
    return 0;
failed:
    stats_inc(STAT_JWKS_FAILURES);
    apr_thread_mutex_lock(k->lock);
    k->retry_after = now + apr_time_from_sec(KEYS_RETRY_INTERVAL);
    apr_thread_mutex_unlock(k->lock);
    keys_note_failure(k, r, cfg, apr_time_now()
                                 + apr_time_from_sec(KEYS_FAIL_SHARED));
    return -1;
}

/* An unknown kid may refetch once per interval, across processes;
 * trusted kids and untrusted ones each have their own budget. */
static int keys_miss_allowed(wos_keys_t *k, request_rec *r,
                             const wos_srv_cfg *cfg, int trusted)
{
    const cachens_key_t *key = trusted ? k->trusted_miss_key : k->miss_key;
    char *val;
    apr_size_t len;
    apr_time_t until = apr_time_now() + apr_time_from_sec(
        trusted ? KEYS_TRUSTED_MISS_INTERVAL : KEYS_MISS_INTERVAL);

    if (cache_get(cfg->cache, r->server, key, &val, &len, 16, r->pool)
        == APR_SUCCESS) {
        return 0;
    }
    cache_put(cfg->cache, r->server, key, "1", 1, until, r->pool);
    return 1;
}

static int keys_retry_due(wos_keys_t *k)
{
    int due;

    apr_thread_mutex_lock(k->lock);
    due = apr_time_now() >= k->retry_after;
    apr_thread_mutex_unlock(k->lock);
    return due;
}

static int keys_fresh(wos_keys_t *k, apr_time_t ttl)
{
    int fresh;

    apr_thread_mutex_lock(k->lock);
    fresh = k->set && apr_time_now() < k->fetched_at + ttl;
    apr_thread_mutex_unlock(k->lock);
    return fresh;
}

/* Under the host-wide fetch lock: take what another process fetched, or
 * fetch ourselves. */
static void keys_refresh_locked(wos_keys_t *k, request_rec *r,
                                const wos_srv_cfg *cfg, const char *kid,
                                keys_want_t want, int trusted)
{
    apr_time_t ttl = apr_time_from_sec(cfg->jwks_ttl);
    apr_time_t fetched = 0;
    EVP_PKEY *key;
    int have, fresh;

    keys_load_shared(k, r, cfg, &fetched);
    fresh = keys_fresh(k, ttl);
    if (want == KEYS_WANT_KID && (key = keys_find(k, kid, ttl, 0, &have))) {
        EVP_PKEY_free(key);
        return;
    }
    if (want == KEYS_WANT_FRESH && fresh) {
        return;
    }
    if (!keys_retry_due(k) || keys_failed_lately(k, r, cfg)) {
        return;
    }
    if (want == KEYS_WANT_KID && fresh
        && !keys_miss_allowed(k, r, cfg, trusted)) {
        return;
    }
    keys_fetch(k, r, cfg);
}

static void keys_refresh(wos_keys_t *k, request_rec *r,
                         const wos_srv_cfg *cfg, const char *kid,
                         keys_want_t want, int trusted)
{
    apr_status_t rv = cache_fetch_lock(cfg->cache);

    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, WOSLOGNO(00206)
                      "cannot take the JWKS fetch lock");
        return;
    }
    keys_refresh_locked(k, r, cfg, kid, want, trusted);
    cache_fetch_unlock(cfg->cache);
}

keys_status_t keys_lookup(wos_keys_t *k, request_rec *r,
                          const wos_srv_cfg *cfg, const char *kid,
                          int trusted, EVP_PKEY **key)
{
    apr_time_t ttl = apr_time_from_sec(cfg->jwks_ttl);
    int have;

    if ((*key = keys_find(k, kid, ttl, 1, &have))) {
        return KEYS_OK;
    }
    if (!have || !(*key = keys_find(k, kid, ttl, 0, &have))) {
        /* no keys, or no such kid: a fetch may bring it */
        keys_refresh(k, r, cfg, kid, have ? KEYS_WANT_KID : KEYS_WANT_FRESH,
                     trusted);
    }
    else {
        /* stale but has the kid: refresh if due, else serve stale */
        EVP_PKEY_free(*key);
        if (keys_retry_due(k)) {
            keys_refresh(k, r, cfg, kid, KEYS_WANT_FRESH, trusted);
        }
    }
    if ((*key = keys_find(k, kid, ttl, 0, &have))) {
        return KEYS_OK;
    }
    return have ? KEYS_UNKNOWN_KID : KEYS_UNAVAILABLE;
}

static apr_time_t keys_fetched(wos_keys_t *k)
{
    apr_time_t at;

    apr_thread_mutex_lock(k->lock);
    at = k->set ? k->fetched_at : 0;
    apr_thread_mutex_unlock(k->lock);
    return at;
}

int keys_fetched_within(wos_keys_t *k, int secs)
{
    apr_time_t at = keys_fetched(k);

    return at && apr_time_now() - at < apr_time_from_sec(secs);
}

/* When this host last rechecked (its marker), or 0. */
static apr_time_t keys_rechecked_at(wos_keys_t *k, request_rec *r,
                                    const wos_srv_cfg *cfg)
{
    char *val;
    apr_size_t len;
    apr_time_t at;

    if (cache_get(cache_this_host(cfg->cache), r->server, k->recheck_key,
                  &val, &len, 32, r->pool) != APR_SUCCESS) {
        return 0;
    }
    at = (apr_time_t)apr_atoi64(val);
    return at > 0 ? at : 0;
}

/* Under the fetch lock: the shared copy may already hold what another
 * process's recheck brought; else this process rechecks, if the host has
 * not in the last KEYS_RECHECK_INTERVAL. */
static void keys_recheck_locked(wos_keys_t *k, request_rec *r,
                                const wos_srv_cfg *cfg, const char *kid,
                                apr_time_t before)
{
    apr_time_t now = apr_time_now(), fetched = 0;
    const char *val;

    keys_load_shared(k, r, cfg, &fetched);
    if (keys_fetched(k) > before || keys_rechecked_at(k, r, cfg)
        || !keys_retry_due(k) || keys_failed_lately(k, r, cfg)) {
        return;
    }
    val = apr_psprintf(r->pool, "%" APR_TIME_T_FMT, now);
    cache_put(cache_this_host(cfg->cache), r->server, k->recheck_key, val,
              strlen(val), now + apr_time_from_sec(KEYS_RECHECK_INTERVAL),
              r->pool);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(05450)
                  "signature check failed under kid %.64s: refetching the "
                  "JWKS from %s in case the key was replaced", kid, k->url);
    keys_fetch(k, r, cfg);
}

int keys_recheck(wos_keys_t *k, request_rec *r, const wos_srv_cfg *cfg,
                 const char *kid)
{
    apr_time_t before = keys_fetched(k);
    apr_time_t at = keys_rechecked_at(k, r, cfg);
    apr_time_t fetched = 0;
    apr_status_t rv;

    if (at) {
        /* rechecked lately: what it brought, if this process lacks it;
         * nothing else to do until the marker lapses */
        if (before < at) {
            keys_load_shared(k, r, cfg, &fetched);
        }
        return keys_fetched(k) > before;
    }
    if ((rv = cache_fetch_lock(cfg->cache)) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, WOSLOGNO(05451)
                      "cannot take the JWKS fetch lock");
        return 0;
    }
    keys_recheck_locked(k, r, cfg, kid, before);
    cache_fetch_unlock(cfg->cache);
    return keys_fetched(k) > before;
}

typedef struct {
    wos_keys_t *k;
    wos_cache_t *c;
    server_rec *s;
} keys_carry_t;

/* Process-pool userdata: the shared entry as last saved. */
static const char *keys_carry_name(apr_pool_t *p, const wos_keys_t *k)
{
    return apr_pstrcat(p, "auth_workos:", k->cache_key->name, NULL);
}

/* One buffer per JWKS URL in the process pool, reused at every restart:
 * bounded, and nothing to free at exit. */
static char *keys_carry_buffer(apr_pool_t *proc, const char *name)
{
    char *buf = NULL;

    apr_pool_userdata_get((void **)&buf, name, proc);
    if (!buf) {
        buf = apr_pcalloc(proc, JWKS_MAX_LEN + 64);
        apr_pool_userdata_set(buf, apr_pstrdup(proc, name), NULL, proc);
    }
    return buf;
}

static apr_status_t keys_save(void *data)
{
    keys_carry_t *kc = data;
    apr_pool_t *proc = kc->s->process->pool, *tmp;
    char *val;
    apr_size_t len;

    /* a restart, not the final exit: only then is there a next cache */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_DESTROY_CONFIG
        || apr_pool_create(&tmp, proc) != APR_SUCCESS) {
        return APR_SUCCESS;
    }
    if (cache_get(kc->c, kc->s, kc->k->cache_key, &val, &len,
                  JWKS_MAX_LEN + 32, tmp) == APR_SUCCESS) {
        memcpy(keys_carry_buffer(proc, keys_carry_name(tmp, kc->k)), val,
               len + 1);
    }
    apr_pool_destroy(tmp);
    return APR_SUCCESS;
}

void keys_carry_over(wos_keys_t *k, wos_cache_t *c, server_rec *s,
                     apr_pool_t *pconf)
{
    keys_carry_t *kc = apr_pcalloc(pconf, sizeof(*kc));
    char *saved = NULL;
    apr_time_t keep = apr_time_now() + apr_time_from_sec(KEYS_STALE_KEEP);

    /* with redis or memcache the keys outlive the restart there; what
     * the parent carries goes through this host's own tier only */
    c = cache_for_parent(c);
    apr_pool_userdata_get((void **)&saved, keys_carry_name(pconf, k),
                          s->process->pool);
    if (saved && *saved) {
        cache_put(c, s, k->cache_key, saved, strlen(saved), keep, pconf);
    }
    kc->k = k;
    kc->c = c;
    kc->s = s;
    apr_pool_cleanup_register(pconf, kc, keys_save, apr_pool_cleanup_null);
}
