/* SPDX-License-Identifier: Apache-2.0 */
/* Decisions and membership ids of Require workos-access; see
 * access_cache.h. */
#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"
#include "apr_hash.h"
#include "apr_thread_rwlock.h"
#include "state/access_cache.h"
#include "state/revoke.h"
#include "base/cache.h"
#include "codec/crypto.h"
#include "base/secrets.h"
#include "model/access.h"
#include "base/module.h"


/* The revocation record holding an environment's access generation. */
#define ACCESS_GEN_KIND "acc"
#define ACCESS_GEN_ID "gen"
/* Before a name in what its cache key is the keyed hash of. */
#define ACCESS_NAME_PURPOSE "mod_auth_workos access name v1\x1f"
/* Entries a memo generation takes before the older one goes: the memo
 * holds up to twice this many (a few MB at most per process), enough
 * for a working set of thousands of (membership, resource) pairs
 * without starting cold when it fills. */
#define ACCESS_MEMO_MAX 4096
/* Longest value kept: "<until> <value>". */
#define ACCESS_MAX_VAL (ACCESS_MAX_ID + 32)

typedef struct {
    apr_time_t until;
    const char *value;
} access_memo_entry_t;

/* One generation of the memo: a hash in a pool of its own, and how
 * many entries were put in it (every put allocates, so this bounds its
 * memory too, however often the same names are put again). */
typedef struct {
    apr_pool_t *pool;
    apr_hash_t *map;
    unsigned int puts;
} access_memo_gen_t;

/* This process's memo: two generations. Lookups read both under a
 * shared lock (threads do not queue behind each other on a hit); puts go
 * into the current one; when it is full, the older is emptied and
 * becomes the current, so what was used recently stays (a hit in the
 * older generation is put again in the current). */
static struct {
    access_memo_gen_t gen[2];
    int cur;
    apr_thread_rwlock_t *lock;
} access_memo;

void access_cache_child_init(apr_pool_t *p)
{
    int i;

    if (apr_thread_rwlock_create(&access_memo.lock, p) != APR_SUCCESS) {
        access_memo.lock = NULL;  /* no memo: the shared cache only */
        return;
    }
    for (i = 0; i < 2; i++) {
        if (apr_pool_create(&access_memo.gen[i].pool, p) != APR_SUCCESS) {
            access_memo.lock = NULL;
            return;
        }
        access_memo.gen[i].map = apr_hash_make(access_memo.gen[i].pool);
        access_memo.gen[i].puts = 0;
    }
    access_memo.cur = 0;
}

static void access_memo_put(const char *key, const char *value,
                            apr_time_t until)
{
    access_memo_entry_t *e;
    access_memo_gen_t *g;

    if (!access_memo.lock
        || apr_thread_rwlock_wrlock(access_memo.lock) != APR_SUCCESS) {
        return;
    }
    g = &access_memo.gen[access_memo.cur];
    if (g->puts >= ACCESS_MEMO_MAX) {
        access_memo.cur ^= 1;
        g = &access_memo.gen[access_memo.cur];
        apr_pool_clear(g->pool);
        g->map = apr_hash_make(g->pool);
        g->puts = 0;
    }
    g->puts++;
    e = apr_palloc(g->pool, sizeof(*e));
    e->until = until;
    e->value = apr_pstrdup(g->pool, value);
    apr_hash_set(g->map, apr_pstrdup(g->pool, key), APR_HASH_KEY_STRING, e);
    apr_thread_rwlock_unlock(access_memo.lock);
}

static int access_memo_get(const char *key, apr_time_t now, apr_pool_t *p,
                           const char **value)
{
    const access_memo_entry_t *e;
    apr_time_t older_until = 0;
    int found = 0, i;

    if (!access_memo.lock
        || apr_thread_rwlock_rdlock(access_memo.lock) != APR_SUCCESS) {
        return 0;
    }
    for (i = 0; i < 2 && !found; i++) {
        e = apr_hash_get(access_memo.gen[(access_memo.cur + i) & 1].map, key,
                         APR_HASH_KEY_STRING);
        if (e && e->until > now) {
            *value = apr_pstrdup(p, e->value);
            found = 1;
            older_until = i ? e->until : 0;
        }
    }
    apr_thread_rwlock_unlock(access_memo.lock);
    if (older_until) {
        /* still in use: kept past the older generation's end */
        access_memo_put(key, *value, older_until);
    }
    return found;
}

/* The generation last read by this thread, and the revocation epoch it
 * was read under: while the epoch is the same nothing was recorded or
 * marked anywhere this process has heard of, so neither was a new
 * generation (it is a revocation record), and the lookup, with the
 * memo's process-wide lock, is skipped. The environment is copied: a
 * thread may serve servers of several. */
#define ACCESS_GEN_ENV_MAX 128
static __thread struct {
    int ok;
    apr_uint32_t epoch;
    long long gen;
    char env[ACCESS_GEN_ENV_MAX];
} access_gen_seen;

long long access_cache_gen(request_rec *r, const wos_srv_cfg *sc)
{
    long long gen = 0;
    apr_uint32_t epoch = 0;
    int have = revoke_epoch(r, sc, &epoch);
    size_t n = strlen(sc->env_tag);

    if (have && access_gen_seen.ok && access_gen_seen.epoch == epoch
        && strcmp(access_gen_seen.env, sc->env_tag) == 0) {
        return access_gen_seen.gen;
    }
    if (!revoke_lookup(r, sc, ACCESS_GEN_KIND, ACCESS_GEN_ID, &gen)) {
        gen = 0;
    }
    /* read after the epoch: at least as new as what it stands for */
    access_gen_seen.ok = have && n < ACCESS_GEN_ENV_MAX;
    if (access_gen_seen.ok) {
        access_gen_seen.epoch = epoch;
        access_gen_seen.gen = gen;
        memcpy(access_gen_seen.env, sc->env_tag, n + 1);
    }
    return gen;
}

const cachens_key_t *access_cache_key(apr_pool_t *p, const wos_srv_cfg *sc,
                                      cachens_type type, const char *name)
{
    /* keyed under the fleet's key (every host of the environment has
     * it): a plain hash of a name made of ids anyone may know (a user, an
     * organisation, a resource) would let a reader of the cache confirm
     * who was checked for what. The purpose goes first, so the key is
     * used for nothing else's names. */
    const char *msg = apr_pstrcat(p, ACCESS_NAME_PURPOSE, name, NULL);
    const char *h = crypto_hmac_sha256_hex(p,
                                           secrets_fleet_mac_key(sc->secrets),
                                           SECRETS_FLEET_KEY, msg,
                                           strlen(msg));

    /* no fleet key (a server without WorkOS directives): nothing is
     * kept for it */
    return h ? cachens_key(p, type, sc->env_tag, h, NULL) : NULL;
}

static int access_shared_get(request_rec *r, const wos_srv_cfg *sc,
                             cachens_type type, const char *name,
                             apr_pool_t *p, char **val, apr_size_t *len)
{
    return cache_get(sc->cache, r->server, access_cache_key(p, sc, type, name),
                     val, len, ACCESS_MAX_VAL, p) == APR_SUCCESS && *len;
}

/* The longest this host keeps an entry of type. */
static apr_interval_time_t access_cache_keep(const wos_srv_cfg *sc,
                                             cachens_type type)
{
    return apr_time_from_sec(type == CACHENS_ACC ? sc->access_cache_ttl
                                                 : cachens_ttl(type));
}

int access_cache_get(request_rec *r, const wos_srv_cfg *sc,
                     cachens_type type, const char *name, apr_pool_t *p,
                     const char **value, int *shared)
{
    apr_time_t now = apr_time_now();
    /* names hold the environment, and a decision's has more parts
     * than a membership's (model/access.h): the memo's key */
    const char *mkey = name;
    char *val = NULL, *sp;
    apr_size_t len = 0;
    apr_int64_t until;

    if (shared) {
        *shared = 0;
    }
    if (access_memo_get(mkey, now, p, value)) {
        return 1;
    }
    if (!access_shared_get(r, sc, type, name, p, &val, &len)) {
        /* no decision: this host's memory of a check WorkOS did not
         * answer, if any */
        if (type != CACHENS_ACC) {
            return 0;
        }
        type = CACHENS_ACC_FAIL;
        if (!access_shared_get(r, sc, type, name, p, &val, &len)) {
            return 0;
        }
    }
    if (!(sp = strchr(val, ' '))) {
        return 0;
    }
    *sp = '\0';
    until = apr_atoi64(val);
    if (until <= now || !access_id_ok(sp + 1)) {
        return 0;
    }
    *value = sp + 1;
    /* another host's TTL may be longer than this one's: this host keeps
     * what it read no longer than it would have kept its own answer, and
     * then looks at the shared cache again */
    if (until > now + access_cache_keep(sc, type)) {
        until = now + access_cache_keep(sc, type);
    }
    access_memo_put(mkey, *value, (apr_time_t)until);
    if (shared) {
        *shared = 1;
    }
    return 1;
}

void access_cache_put(request_rec *r, const wos_srv_cfg *sc,
                      cachens_type type, const char *name,
                      const char *value, int ttl)
{
    apr_time_t until = apr_time_now() + apr_time_from_sec(ttl);
    const char *val = apr_psprintf(r->pool, "%" APR_TIME_T_FMT " %s", until,
                                   value);

    if (ttl <= 0) {
        return;
    }
    access_memo_put(name, value, until);
    if (cache_put(sc->cache, r->server,
                  access_cache_key(r->pool, sc, type, name), val,
                  strlen(val), until, r->pool) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(05420)
                      "cannot share a workos-access %s in %s: other "
                      "processes and hosts ask WorkOS again",
                      type == CACHENS_ACC ? "decision"
                      : type == CACHENS_ACC_FAIL ? "failed check"
                      : "membership id",
                      cache_spec(sc->cache));
    }
}

int access_cache_drop(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc)
{
    /* past the largest generation this host or the fleet has (hosts'
     * clocks differ), and the record keeps the larger value */
    long long now = (long long)apr_time_now(), cur = 0, next;
    int rc;

    if (revoke_read_in(s, p, sc, ACCESS_GEN_KIND, ACCESS_GEN_ID, &cur) < 0) {
        cur = 0;  /* the cache cannot say: this host's clock */
    }
    next = cur >= now ? cur + 1 : now;
    rc = revoke_record_in(s, p, sc, ACCESS_GEN_KIND, ACCESS_GEN_ID, next);

    if (rc != 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, WOSLOGNO(05421)
                     "cannot drop the cached workos-access decisions: they "
                     "stay until WorkOSAccessCacheTTL ends");
    }
    return rc;
}

int access_cache_event(const char *event)
{
    static const char *const prefixes[] = {
        "organization_membership.", "role.", "organization_role.",
        "permission.", NULL
    };
    int i;

    for (i = 0; prefixes[i]; i++) {
        if (!strncmp(event, prefixes[i], strlen(prefixes[i]))) {
            return 1;
        }
    }
    return 0;
}
