/* SPDX-License-Identifier: Apache-2.0 */
/* Shared cache over an httpd socache provider; see cache.h. */
#include "httpd.h"
#include "http_log.h"
#include "ap_provider.h"
#include "util_mutex.h"
#include "apr_strings.h"
#include "apr_atomic.h"
#include "codec/envelope.h"
#include "base/cache.h"
#include "base/config.h"
#include "base/secrets.h"
#include "base/stats.h"
#include "base/module.h"


struct wos_cache {
    const char *spec;
    const char *name;
    const char *args;
    const ap_socache_provider_t *prov;
    ap_socache_instance_t *inst;
    apr_global_mutex_t *mutex;   /* only for providers that need one */
    apr_global_mutex_t *fetch;
    apr_global_mutex_t *claim;   /* short check-and-set sections */
    int ready;
    const char *mutex_id;        /* tells the local tier's mutexes apart */
    wos_cache_t *local;          /* this host's shmcb, when the cache is
                                    remote: used while that is down */
    volatile apr_uint32_t down;  /* 1 while the remote cache fails */
    volatile apr_uint32_t warned_at; /* seconds; rate-limits the warning */
};

#define CACHE_WARN_EVERY 30
/* Seconds between two warnings of this process about rejected entries. */
#define CACHE_REJECT_WARN_EVERY 60
/* Longer than a cache round trip on a LAN. */
#define CACHE_CLAIM_SETTLE_USEC 20000

/* A network cache can go away; keep a host-local one to fall back on. */
static void cache_configure_local(apr_pool_t *p, wos_cache_t *c)
{
    const ap_socache_provider_t *shm;

    shm = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "shmcb",
                             AP_SOCACHE_PROVIDER_VERSION);
    if (shm) {
        c->local = apr_pcalloc(p, sizeof(*c->local));
        c->local->spec = c->local->name = "shmcb";
        c->local->mutex_id = "local";
        c->local->prov = shm;
    }
}

const char *cache_configure(apr_pool_t *p, const char *spec,
                            wos_cache_t **out)
{
    wos_cache_t *c = apr_pcalloc(p, sizeof(*c));
    const char *colon = ap_strchr_c(spec, ':');

    c->spec = apr_pstrdup(p, spec);
    c->name = colon ? apr_pstrndup(p, spec, colon - spec) : c->spec;
    c->args = colon ? colon + 1 : NULL;
    c->prov = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, c->name,
                                 AP_SOCACHE_PROVIDER_VERSION);
    if (!c->prov) {
        return apr_psprintf(p, "WorkOSCache: unknown socache provider '%s'"
                            " (is mod_socache_%s loaded before it?)",
                            c->name, c->name);
    }
    if (strcmp(c->name, "shmcb") != 0) {
        cache_configure_local(p, c);
    }
    *out = c;
    return NULL;
}

apr_status_t cache_register_mutexes(apr_pool_t *pconf)
{
    apr_status_t rv = ap_mutex_register(pconf, WOS_CACHE_MUTEX, NULL,
                                        APR_LOCK_DEFAULT, 0);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = ap_mutex_register(pconf, WOS_FETCH_MUTEX, NULL, APR_LOCK_DEFAULT,
                           0);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return ap_mutex_register(pconf, WOS_CLAIM_MUTEX, NULL, APR_LOCK_DEFAULT,
                             0);
}

static apr_status_t cache_cleanup(void *data)
{
    wos_cache_t *c = data;

    if (c->inst) {
        c->prov->destroy(c->inst, NULL);
        c->inst = NULL;
    }
    c->ready = 0;
    return APR_SUCCESS;
}

static int cache_create_mutexes(wos_cache_t *c, apr_pool_t *pconf,
                                server_rec *s)
{
    apr_status_t rv;

    if (c->prov->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = ap_global_mutex_create(&c->mutex, NULL, WOS_CACHE_MUTEX,
                                    c->mutex_id, s, pconf, 0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, WOSLOGNO(00101)
                         "WorkOSCache: cannot create the cache mutex");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    rv = ap_global_mutex_create(&c->fetch, NULL, WOS_FETCH_MUTEX,
                                c->mutex_id, s, pconf, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, WOSLOGNO(00102)
                     "WorkOSCache: cannot create the fetch mutex");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = ap_global_mutex_create(&c->claim, NULL, WOS_CLAIM_MUTEX,
                                c->mutex_id, s, pconf, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, WOSLOGNO(00106)
                     "WorkOSCache: cannot create the claim mutex");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

int cache_init(wos_cache_t *c, apr_pool_t *pconf, server_rec *s)
{
    /* Most of the bytes are verified credentials (credshare.c: a ~100
     * byte key, 0.5-2 KB each), most of the entries small (revocations,
     * locks, refresh results). shmcb sizes its index from these hints; a
     * slot costs ~30 bytes, so they lean small (a slot per 500 bytes):
     * small entries always find one and big ones fill the data. The
     * default 512,000 bytes make 16 subcaches of 64 slots and ~32 KB (a
     * JWKS fits one); 64 MB make 256 subcaches of ~520 slots and 256 KB.
     * Half the subcaches are API-key guesses' (cache_id), so 64 MB hold
     * ~14,000 credentials of 2 KB (README, sizing). */
    struct ap_socache_hints hints = { 100, 400, apr_time_from_sec(300) };
    const char *err;
    apr_status_t rv;
    int st;

    if (c->ready) {
        return OK;
    }
    if (c->local && (st = cache_init(c->local, pconf, s)) != OK) {
        return st;
    }
    err = c->prov->create(&c->inst, c->args, pconf, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, WOSLOGNO(00103)
                     "WorkOSCache %s: %s", c->spec, err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((st = cache_create_mutexes(c, pconf, s)) != OK) {
        return st;
    }
    rv = c->prov->init(c->inst, "auth_workos", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, WOSLOGNO(00104)
                     "WorkOSCache %s: cannot initialise the cache", c->spec);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, c, cache_cleanup,
                              apr_pool_cleanup_null);
    c->ready = 1;
    return OK;
}

static void cache_reattach(apr_global_mutex_t **m, apr_pool_t *p,
                           server_rec *s)
{
    apr_status_t rv;

    if (!*m) {
        return;
    }
    rv = apr_global_mutex_child_init(m, apr_global_mutex_lockfile(*m), p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, WOSLOGNO(00105)
                     "WorkOSCache: cannot reattach a mutex in this child");
    }
}

void cache_child_init(wos_cache_t *c, apr_pool_t *p, server_rec *s)
{
    if (c->local) {
        cache_child_init(c->local, p, s);
    }
    if (c->ready == 1) {
        cache_reattach(&c->mutex, p, s);
        cache_reattach(&c->fetch, p, s);
        cache_reattach(&c->claim, p, s);
        c->ready = 2;
    }
}

static apr_status_t cache_lock(wos_cache_t *c)
{
    return c->mutex ? apr_global_mutex_lock(c->mutex) : APR_SUCCESS;
}

static void cache_unlock(wos_cache_t *c)
{
    if (c->mutex) {
        apr_global_mutex_unlock(c->mutex);
    }
}

/* shmcb picks a subcache from a key's first byte alone, and scrolls out
 * a full subcache's oldest entries, expired or not. A first byte from a
 * hash spreads the module's keys (which all start "wos:") over every
 * subcache; entries that callers can create at will (the registry's
 * CACHENS_SUB_CALLERS: API key guesses, used sign-in flows, remembered
 * organisation-switch refusals) get even bytes and all others odd ones,
 * so they can never push out a revocation or the keys. */
static const unsigned char *cache_id(apr_pool_t *p, const cachens_key_t *key,
                                     unsigned int *idlen)
{
    apr_size_t n = strlen(key->name);
    unsigned char *id = apr_palloc(p, n + 1);
    apr_uint32_t h = 2166136261u;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        h = (h ^ (unsigned char)key->name[i]) * 16777619u;
    }
    h ^= h >> 16;
    id[0] = (unsigned char)(cachens_row(key->type)->subcache
                            == CACHENS_SUB_CALLERS ? (h & 0xfe) : (h | 1));
    memcpy(id + 1, key->name, n);
    *idlen = (unsigned int)(n + 1);
    return id;
}

/* An entry of this host only never goes to the network cache. */
static wos_cache_t *cache_for(wos_cache_t *c, const cachens_key_t *key)
{
    return cachens_row(key->type)->scope == CACHENS_HOST
           ? cache_this_host(c) : c;
}

/* A key from cachens_key: NULL, or a type outside the registry, is none. */
static int cache_key_ok(const cachens_key_t *key)
{
    return key && key->name && cachens_row(key->type);
}

/* Trace of every operation, so tests can count what a request costs. It
 * names the entry's type, never the key, which may hold ids. */
static void cache_trace(server_rec *s, const wos_cache_t *c, const char *op,
                        const cachens_key_t *key, apr_status_t rv)
{
    ap_log_error(APLOG_MARK, APLOG_TRACE3, 0, s, WOSLOGNO(00109)
                 "cache %s %s in %s: %s", op, cachens_row(key->type)->name,
                 c->spec, rv == APR_SUCCESS ? "ok"
                 : rv == APR_NOTFOUND ? "not found" : "failed");
}

static apr_status_t cache_get1(wos_cache_t *c, server_rec *s,
                               const cachens_key_t *key, char **val,
                               apr_size_t *len, apr_size_t maxlen,
                               apr_pool_t *p)
{
    unsigned char *buf;
    unsigned int blen = (unsigned int)maxlen;
    const unsigned char *id;
    unsigned int idlen;
    apr_status_t rv;

    if (!c || !c->inst) {
        return APR_EINIT;
    }
    buf = apr_palloc(p, maxlen + 1);
    if ((rv = cache_lock(c)) != APR_SUCCESS) {
        return rv;
    }
    id = cache_id(p, key, &idlen);
    rv = c->prov->retrieve(c->inst, s, id, idlen, buf, &blen, p);
    cache_unlock(c);
    cache_trace(s, c, "get", key, rv);
    if (rv == APR_SUCCESS) {
        buf[blen] = '\0';
        *val = (char *)buf;
        *len = blen;
    }
    return rv;
}

static apr_status_t cache_put1(wos_cache_t *c, server_rec *s,
                               const cachens_key_t *key, const char *val,
                               apr_size_t len, apr_time_t expiry,
                               apr_pool_t *p)
{
    const unsigned char *id;
    unsigned int idlen;
    apr_status_t rv;

    if (!c || !c->inst) {
        return APR_EINIT;
    }
    if ((rv = cache_lock(c)) != APR_SUCCESS) {
        return rv;
    }
    id = cache_id(p, key, &idlen);
    rv = c->prov->store(c->inst, s, id, idlen, expiry,
                        (unsigned char *)val, (unsigned int)len, p);
    cache_unlock(c);
    cache_trace(s, c, "put", key, rv);
    return rv;
}

static apr_status_t cache_del1(wos_cache_t *c, server_rec *s,
                               const cachens_key_t *key, apr_pool_t *p)
{
    const unsigned char *id;
    unsigned int idlen;
    apr_status_t rv;

    if (!c || !c->inst) {
        return APR_EINIT;
    }
    if ((rv = cache_lock(c)) != APR_SUCCESS) {
        return rv;
    }
    id = cache_id(p, key, &idlen);
    rv = c->prov->remove(c->inst, s, id, idlen, p);
    cache_unlock(c);
    cache_trace(s, c, "del", key, rv);
    return rv;
}

/* Notes whether the remote cache answered; says so in the log when that
 * changes (at most every CACHE_WARN_EVERY seconds while it fails). */
static int cache_failed(wos_cache_t *c, server_rec *s, apr_status_t rv,
                        int notfound_ok)
{
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now());
    apr_uint32_t last;

    if (rv == APR_SUCCESS) {
        stats_stamp(GAUGE_CACHE_LAST_OK);
        stats_flag(GAUGE_CACHE_DOWN, 0);
        if (apr_atomic_xchg32(&c->down, 0)) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, WOSLOGNO(00108)
                         "WorkOSCache %s answers again", c->spec);
        }
        return 0;
    }
    /* While the server is known to be away its client answers "not found"
     * without asking it, so a miss then proves nothing. */
    if (notfound_ok && rv == APR_NOTFOUND) {
        return c->local && apr_atomic_read32(&c->down);
    }
    apr_atomic_set32(&c->down, 1);
    stats_stamp(GAUGE_CACHE_LAST_FAIL);
    stats_flag(GAUGE_CACHE_DOWN, 1);
    last = apr_atomic_read32(&c->warned_at);
    if (now - last >= CACHE_WARN_EVERY
        && apr_atomic_cas32(&c->warned_at, now, last) == last) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, WOSLOGNO(00107)
                     "WorkOSCache %s is unreachable; this host uses its own "
                     "cache until it answers again", c->spec);
    }
    return c->local != NULL;
}

/* The keys of the envelope (codec/envelope.h) an entry of key's type
 * carries on a network cache: the fleet keys of s's WorkOS environment
 * (secrets.h), and for a CACHENS_HOLDER_KEY type the key's own. mac NULL:
 * the value is stored as it is (CACHENS_OWN_MAC). -1 if the type cannot
 * go to a network cache from s: no fleet key, or a fleet type without
 * CACHENS_MAC (test_cachens keeps the registry free of those). */
typedef struct {
    const unsigned char *mac;
    const unsigned char *enc;
} cache_seal_t;

static int cache_seal_keys(server_rec *s, const cachens_key_t *key,
                           cache_seal_t *k)
{
    unsigned protect = cachens_row(key->type)->protect;
    const wos_srv_cfg *sc;

    k->mac = k->enc = NULL;
    if (protect & CACHENS_OWN_MAC) {
        return 0;
    }
    if (!(protect & CACHENS_MAC) || !s) {
        return -1;
    }
    sc = ap_get_module_config(s->module_config, &auth_workos_module);
    if (!sc || !(k->mac = secrets_fleet_mac_key(sc->secrets))) {
        return -1;
    }
    if (protect & CACHENS_HOLDER_KEY) {
        k->enc = key->holder_key;
    }
    else if (protect & CACHENS_ENCRYPTED) {
        k->enc = secrets_fleet_enc_key(sc->secrets);
    }
    return (protect & CACHENS_ENCRYPTED) && !k->enc ? -1 : 0;
}

/* A type whose value is encrypted under its holder's key is never
 * stored or read without it, in any tier. */
static int cache_holder_ok(const cachens_key_t *key)
{
    return !(cachens_row(key->type)->protect & CACHENS_HOLDER_KEY)
           || key->holder_key;
}

/* An entry of the network cache that did not open: a miss, counted, and
 * logged at most once a minute by this process. Names the type only. */
static void cache_rejected(wos_cache_t *c, server_rec *s,
                           const cachens_key_t *key, envelope_rc rc)
{
    static volatile apr_uint32_t warned_at;
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now());
    apr_uint32_t last = apr_atomic_read32(&warned_at);

    stats_inc(STAT_CACHE_REJECTED);
    if ((now - last >= CACHE_REJECT_WARN_EVERY || last == 0)
        && apr_atomic_cas32(&warned_at, now, last) == last) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, WOSLOGNO(05001)
                     "WorkOSCache %s: a %s entry was ignored (%s): it was "
                     "not written by a host of this WorkOS environment "
                     "under that name; taken as a miss and counted as "
                     "cache_rejected", c->spec,
                     cachens_row(key->type)->name, envelope_reason(rc));
    }
}

apr_status_t cache_get(wos_cache_t *c, server_rec *s,
                       const cachens_key_t *key, char **val, apr_size_t *len,
                       apr_size_t maxlen, apr_pool_t *p)
{
    cache_seal_t k = { NULL, NULL };
    apr_size_t rawmax = maxlen;
    envelope_rc erc;
    apr_status_t rv;
    apr_size_t rawlen = 0;
    char *raw = NULL;

    if (!cache_key_ok(key) || !cache_holder_ok(key)) {
        return APR_EINVAL;
    }
    c = cache_for(c, key);
    if (c && c->local) {
        if (cache_seal_keys(s, key, &k) != 0) {
            return APR_EINVAL;
        }
        if (k.mac) {
            rawmax = maxlen + ENVELOPE_OVERHEAD;
        }
    }
    rv = cache_get1(c, s, key, &raw, &rawlen, rawmax, p);

    if (c && c->local && rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        apr_status_t first = rv;

        /* a pooled connection may have gone stale: the client drops it */
        rv = cache_get1(c, s, key, &raw, &rawlen, rawmax, p);
        if (rv == APR_NOTFOUND) {
            /* or the server is away: the client then gives up on it and
             * answers "not found" without asking, so the failure is the
             * news (a process whose first call this is must learn it
             * here, or it never looks in this host's own tier) */
            cache_failed(c, s, first, 0);
        }
    }
    if (c && c->local && cache_failed(c, s, rv, 1)) {
        /* this host's own tier holds values as they are */
        return cache_get1(c->local, s, key, val, len, maxlen, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (k.mac) {
        erc = envelope_open(p, k.mac, k.enc, cachens_row(key->type)->name,
                            key->name, apr_time_now(), raw, rawlen, maxlen,
                            val, len);
        if (erc != ENVELOPE_OK) {
            /* the provider's clock rounds lifetimes to seconds: an entry
             * past its sealed expiry is a plain miss */
            if (erc != ENVELOPE_ERR_EXPIRED) {
                cache_rejected(c, s, key, erc);
            }
            return APR_NOTFOUND;
        }
        return APR_SUCCESS;
    }
    *val = raw;
    *len = rawlen;
    return APR_SUCCESS;
}

apr_status_t cache_put(wos_cache_t *c, server_rec *s,
                       const cachens_key_t *key, const char *val,
                       apr_size_t len, apr_time_t expiry, apr_pool_t *p)
{
    cache_seal_t k = { NULL, NULL };
    const char *sval = val;
    apr_size_t slen = len;
    apr_status_t rv;
    char *sealed;

    if (!cache_key_ok(key) || !cache_holder_ok(key)) {
        return APR_EINVAL;
    }
    c = cache_for(c, key);
    if (c && c->local) {
        if (cache_seal_keys(s, key, &k) != 0) {
            return APR_EINVAL;
        }
        if (k.mac) {
            if (envelope_seal(p, k.mac, k.enc, cachens_row(key->type)->name,
                              key->name, expiry, val, len, &sealed, &slen)
                != ENVELOPE_OK) {
                return APR_EGENERAL;
            }
            sval = sealed;
        }
    }
    rv = cache_put1(c, s, key, sval, slen, expiry, p);

    if (c && c->local && rv != APR_SUCCESS) {
        rv = cache_put1(c, s, key, sval, slen, expiry, p);
    }
    /* a store has no "not found": a network provider says so for a
     * connection it lost */
    if (c && c->local && cache_failed(c, s, rv, 0)) {
        rv = cache_put1(c->local, s, key, val, len, expiry, p);
    }
    return rv;
}

apr_status_t cache_del(wos_cache_t *c, server_rec *s,
                       const cachens_key_t *key, apr_pool_t *p)
{
    apr_status_t rv;

    if (!cache_key_ok(key)) {
        return APR_EINVAL;
    }
    c = cache_for(c, key);
    rv = cache_del1(c, s, key, p);

    if (c && c->local && cache_failed(c, s, rv, 1)) {
        rv = cache_del1(c->local, s, key, p);
    }
    return rv;
}

int cache_claim(wos_cache_t *c, server_rec *s, const cachens_key_t *key,
                const char *val, apr_time_t expiry, apr_pool_t *p)
{
    char *cur;
    apr_size_t len;
    apr_status_t rv;
    int claimed = -1;

    if (!cache_key_ok(key)) {
        return -1;
    }
    c = cache_for(c, key);
    if (!c || !c->claim || apr_global_mutex_lock(c->claim) != APR_SUCCESS) {
        return -1;
    }
    rv = cache_get(c, s, key, &cur, &len, 256, p);
    if (rv == APR_SUCCESS) {
        claimed = 0;
    }
    else if (rv == APR_NOTFOUND) {
        rv = cache_put(c, s, key, val, strlen(val), expiry, p);
        claimed = rv == APR_SUCCESS ? 1 : -1;
    }
    apr_global_mutex_unlock(c->claim);
    /* The mutex covers this host only: with a shared network cache another
     * host may have written at the same moment. Its write lands within a
     * round trip of ours; after a pause longer than that, every contender
     * reads the same last value, so exactly one of them wins. */
    if (claimed == 1 && c->local) {
        apr_sleep(CACHE_CLAIM_SETTLE_USEC);
        if (cache_get(c, s, key, &cur, &len, 256, p) == APR_SUCCESS
            && strcmp(cur, val) != 0) {
            claimed = 0;
        }
    }
    return claimed;
}

apr_status_t cache_fetch_lock(wos_cache_t *c)
{
    return (c && c->fetch) ? apr_global_mutex_lock(c->fetch) : APR_EINIT;
}

void cache_fetch_unlock(wos_cache_t *c)
{
    if (c && c->fetch) {
        apr_global_mutex_unlock(c->fetch);
    }
}

const char *cache_spec(const wos_cache_t *c)
{
    return c ? c->spec : "(none)";
}

int cache_is_remote(const wos_cache_t *c)
{
    return c && c->local != NULL;
}

int cache_remote_down(wos_cache_t *c)
{
    return c && c->local && apr_atomic_read32(&c->down) != 0;
}

wos_cache_t *cache_this_host(wos_cache_t *c)
{
    return (c && c->local) ? c->local : c;
}

wos_cache_t *cache_for_parent(wos_cache_t *c)
{
    return cache_this_host(c);
}
