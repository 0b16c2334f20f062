/* SPDX-License-Identifier: Apache-2.0 */
/* Revocations; see revoke.h. */
#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "state/revoke.h"
#include "store/revstore.h"
#include "store/revmemo.h"
#include "store/cachens.h"
#include "base/stats.h"
#include "base/cache.h"
#include "base/module.h"


/* Per WorkOS environment: its entries are sealed under the environment's
 * key, so one generation shared by several would read as absent to all
 * but the last writer's, and hide their changes from each other. */
#define REVOKE_GEN_KEY(p, sc) cachens_key((p), CACHENS_REV_GEN, \
                                          (sc)->env_tag, NULL)
#define REVOKE_MEMO_MAX 20000
/* The table, in the process pool: it outlives this DSO's generation. */
#define REVOKE_STORE_NAME "auth_workos:revstore"
#define REVOKE_MAX_VAL 32

/* Made by the parent, inherited by every child (post_config). */
static revstore_t *revoke_store;

/* One per process: every server's lookups share it. */
static struct {
    revmemo_t *memo;
    apr_thread_mutex_t *lock; /* guards gen */
    unsigned int store_gen;   /* the table's generation last seen (atomic) */
    char gen[64];             /* the network cache's, last seen */
    apr_time_t polled;        /* when gen was last read (atomic) */
} revoke_proc;

int revoke_init(apr_pool_t *pconf, server_rec *s)
{
    apr_pool_t *proc = s->process->pool;
    void *found = NULL;

    (void)pconf;
    apr_pool_userdata_get(&found, REVOKE_STORE_NAME, proc);
    if (!found) {
        if (!(found = revstore_create(proc, REVSTORE_SLOTS))) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, WOSLOGNO(02001)
                         "cannot create the revocation table (%u slots in "
                         "shared memory)", REVSTORE_SLOTS);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        apr_pool_userdata_set(found, REVOKE_STORE_NAME, NULL, proc);
    }
    revoke_store = found;
    return OK;
}

void revoke_child_init(apr_pool_t *p)
{
    if (apr_thread_mutex_create(&revoke_proc.lock, APR_THREAD_MUTEX_DEFAULT,
                                p) != APR_SUCCESS) {
        return;
    }
    revoke_proc.memo = revmemo_create(p, REVOKE_MEMO_MAX);
    revoke_proc.store_gen = revstore_generation(revoke_store);
}

/* A network cache: revocations go there too, for the other hosts. */
static int revoke_shared(const wos_srv_cfg *sc)
{
    return !revoke_store || cache_is_remote(sc->cache);
}

/* A record's key in the network cache: "wos:rev:" and the hash that
 * names it in the table, so the table can publish it again. */
static const cachens_key_t *revoke_net_key(apr_pool_t *p, const char *name)
{
    char hex[33];

    if (revstore_hash_hex(name, hex) != 0) {
        return NULL;
    }
    return cachens_key(p, CACHENS_REV, hex, NULL);
}

static const cachens_key_t *revoke_net_key_hex(apr_pool_t *p,
                                               const char *hex)
{
    return cachens_key(p, CACHENS_REV, hex, NULL);
}

typedef struct {
    request_rec *r;
    const wos_srv_cfg *sc;
    int published;
} revoke_publish_t;

static int revoke_publish_one(void *baton, const char *hex, long long value,
                              long long until)
{
    revoke_publish_t *b = baton;
    const cachens_key_t *key = revoke_net_key_hex(b->r->pool, hex);
    const char *val;
    char *old = NULL;
    apr_size_t len;
    apr_status_t rv;

    /* the larger value wins, as in the table: a value another host
     * recorded meanwhile (a later access generation) is never put back */
    rv = cache_get(b->sc->cache, b->r->server, key, &old, &len,
                   REVOKE_MAX_VAL, b->r->pool);
    if (rv == APR_SUCCESS && apr_atoi64(old) >= value) {
        b->published++;
        return 0;
    }
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        return -1;
    }
    val = apr_psprintf(b->r->pool, "%" APR_INT64_T_FMT, (apr_int64_t)value);
    if (cache_put(b->sc->cache, b->r->server, key, val, strlen(val),
                  apr_time_from_sec(until), b->r->pool) != APR_SUCCESS
        || cache_remote_down(b->sc->cache)) {
        return -1;
    }
    b->published++;
    return 0;
}

/* Revocations this host recorded while the network cache was away live
 * only in its table: copy the table to the server once it answers again,
 * and move the generation on so every host looks again. */
static void revoke_publish(request_rec *r, const wos_srv_cfg *sc)
{
    revoke_publish_t b = { r, sc, 0 };
    apr_time_t now = apr_time_now();
    const char *gen = apr_psprintf(r->pool, "%" APR_TIME_T_FMT "-%"
                                   APR_PID_T_FMT, now, getpid());

    if (revstore_each(revoke_store, apr_time_sec(now), revoke_publish_one,
                      &b) != 0
        || cache_put(sc->cache, r->server, REVOKE_GEN_KEY(r->pool, sc), gen,
                     strlen(gen), now + apr_time_from_sec(REVOKE_KEEP_SECONDS),
                     r->pool)
           != APR_SUCCESS
        || cache_remote_down(sc->cache)) {
        revstore_mark_unshared(revoke_store);  /* next time */
        return;
    }
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, WOSLOGNO(02005)
                  "published %d revocations of this host to %s again",
                  b.published, cache_spec(sc->cache));
}

/* Anything new recorded since this process last looked starts its memo
 * again: this host's table every time (an atomic read), a network cache
 * at most once per poll interval. */
static void revoke_poll(request_rec *r, const wos_srv_cfg *sc)
{
    apr_time_t now = apr_time_now(), polled;
    unsigned int sg = revstore_generation(revoke_store);
    unsigned int seen = __atomic_load_n(&revoke_proc.store_gen,
                                        __ATOMIC_ACQUIRE);
    char *gen = NULL;
    apr_size_t len;
    int due = 0, changed = 0;

    /* lock free: a request pays two atomic reads; the one thread that
     * moves store_gen on (or takes the poll) does the rest */
    if (sg != seen) {
        changed = __atomic_compare_exchange_n(&revoke_proc.store_gen, &seen,
                                              sg, 0, __ATOMIC_ACQ_REL,
                                              __ATOMIC_ACQUIRE);
    }
    if (revoke_shared(sc)) {
        polled = __atomic_load_n(&revoke_proc.polled, __ATOMIC_ACQUIRE);
        due = now - polled >= REVOKE_POLL_USEC
              && __atomic_compare_exchange_n(&revoke_proc.polled, &polled,
                                             now, 0, __ATOMIC_ACQ_REL,
                                             __ATOMIC_ACQUIRE);
    }
    /* A generation that cannot be read (the server away, or restarted
     * empty) is one too: answers memoised meanwhile came from this host's
     * fallback, and are dropped once the server's generation reads again,
     * even if it is the one seen before the outage. */
    if (due && cache_get(sc->cache, r->server, REVOKE_GEN_KEY(r->pool, sc),
                         &gen, &len, sizeof(revoke_proc.gen) - 1, r->pool)
               != APR_SUCCESS) {
        gen = "";
    }
    if (due && !cache_remote_down(sc->cache)
        && revstore_take_unshared(revoke_store)) {
        revoke_publish(r, sc);
    }
    if (due) {
        apr_thread_mutex_lock(revoke_proc.lock);
        if (strcmp(gen, revoke_proc.gen) != 0) {
            apr_cpystrn(revoke_proc.gen, gen, sizeof(revoke_proc.gen));
            changed = 1;
        }
        apr_thread_mutex_unlock(revoke_proc.lock);
    }
    if (changed) {
        revmemo_clear(revoke_proc.memo);
    }
}

/* "<env tag>:<kind>:<id>": the table's name, the memo's key, and after
 * "wos:rev:" the network cache's key. */
static const char *revoke_name(apr_pool_t *p, const wos_srv_cfg *sc,
                               const char *kind, const char *id)
{
    return apr_pstrcat(p, sc->env_tag, ":", kind, ":", id, NULL);
}

/* The network cache's copy of the record: 1 and *value, 0 none, -1 the
 * cache cannot say. */
static int revoke_read_shared(server_rec *s, apr_pool_t *p,
                              const wos_srv_cfg *sc, const char *name,
                              long long *value)
{
    const cachens_key_t *key;
    apr_status_t rv;
    apr_size_t len;
    char *val;

    if (!(key = revoke_net_key(p, name))) {
        return -1;
    }
    rv = cache_get(sc->cache, s, key, &val, &len, REVOKE_MAX_VAL, p);
    if (rv == APR_NOTFOUND) {
        return 0;
    }
    if (rv != APR_SUCCESS) {
        return -1;
    }
    *value = apr_atoi64(val);
    return 1;
}

/* 1 recorded, 0 not, -1 the network cache cannot say. A record this
 * host holds is also read from the network cache, and the larger value
 * wins: another host may have recorded the same pair again since (a
 * later access generation, a later change), and a value that moves on
 * must move on for every host. */
static int revoke_read(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                       const char *name, long long *value)
{
    apr_time_t now = apr_time_now();
    long long shared = 0;

    if (revstore_get(revoke_store, name, apr_time_sec(now), value)) {
        if (revoke_shared(sc)
            && revoke_read_shared(s, p, sc, name, &shared) == 1
            && shared > *value) {
            *value = shared;
        }
        return 1;
    }
    if (!revoke_shared(sc)) {
        return 0;
    }
    return revoke_read_shared(s, p, sc, name, value);
}

int revoke_lookup(request_rec *r, const wos_srv_cfg *sc, const char *kind,
                  const char *id, long long *value)
{
    const char *name;
    unsigned long epoch;
    int found;

    *value = 0;
    name = revoke_name(r->pool, sc, kind, id);
    if (!revoke_proc.memo || !revoke_proc.lock) {
        /* no memo: ask */
        return revoke_read(r->server, r->pool, sc, name, value) == 1;
    }
    revoke_poll(r, sc);
    /* the epoch is taken before the read: an answer read before a
     * revocation cleared the memo is not written back in */
    found = revmemo_get(revoke_proc.memo, name, value, &epoch);
    if (found >= 0) {
        return found;
    }
    found = revoke_read(r->server, r->pool, sc, name, value);
    if (found < 0) {
        return 0; /* unknown: do not memo, ask again next time */
    }
    revmemo_put(revoke_proc.memo, name, found, *value, epoch);
    return found;
}

int revoke_read_in(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                   const char *kind, const char *id, long long *value)
{
    *value = 0;
    return revoke_read(s, p, sc, revoke_name(p, sc, kind, id), value);
}

int revoke_epoch(request_rec *r, const wos_srv_cfg *sc,
                 apr_uint32_t *epoch)
{
    if (!revoke_proc.memo || !revoke_proc.lock) {
        return 0;
    }
    revoke_poll(r, sc);
    *epoch = (apr_uint32_t)revmemo_epoch(revoke_proc.memo);
    return 1;
}

int revoke_check(request_rec *r, const wos_srv_cfg *sc,
                 const wos_identity_t *id)
{
    long long v;

    if (!id->user_id || id->api_key_id) {
        return 0;
    }
    if (id->session_id
        && revoke_lookup(r, sc, REVOKE_SESSION, id->session_id, &v)) {
        return 1;
    }
    if (revoke_lookup(r, sc, REVOKE_USER, id->user_id, &v)) {
        return 1;
    }
    return id->org_id && revoke_lookup(r, sc, REVOKE_MEMBERSHIP,
        apr_pstrcat(r->pool, id->user_id, ":", id->org_id, NULL), &v);
}

/* The network cache's copy, and its generation for the other hosts. */
static apr_status_t revoke_share(server_rec *s, apr_pool_t *p,
                                 const wos_srv_cfg *sc, const char *name,
                                 long long value, apr_time_t keep)
{
    const char *gen = apr_psprintf(p, "%" APR_TIME_T_FMT "-%"
                                   APR_PID_T_FMT, apr_time_now(), getpid());
    const char *val = apr_psprintf(p, "%" APR_INT64_T_FMT,
                                   (apr_int64_t)value);
    long long old = 0;
    apr_status_t rv;

    /* the larger value wins, as in the table */
    if (revoke_read(s, p, sc, name, &old) == 1 && old > value) {
        val = apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)old);
    }
    rv = revoke_net_key(p, name)
         ? cache_put(sc->cache, s, revoke_net_key(p, name), val, strlen(val),
                     keep, p)
         : APR_EGENERAL;
    if (rv == APR_SUCCESS) {
        rv = cache_put(sc->cache, s, REVOKE_GEN_KEY(p, sc), gen, strlen(gen),
                       keep, p);
    }
    /* only in this host's fallback: publish it once the server is back */
    if (rv != APR_SUCCESS || cache_remote_down(sc->cache)) {
        revstore_mark_unshared(revoke_store);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, WOSLOGNO(02002)
                     "cannot record a revocation in %s; other hosts do "
                     "not see it", cache_spec(sc->cache));
    }
    return rv;
}

int revoke_record_in(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                     const char *kind, const char *id, long long value)
{
    apr_time_t now = apr_time_now();
    apr_time_t keep = now + apr_time_from_sec(REVOKE_KEEP_SECONDS);
    const char *name = revoke_name(p, sc, kind, id);
    int stored = 0, shared = 0;

    if (revoke_store) {
        stored = revstore_put(revoke_store, name, value, apr_time_sec(keep),
                              apr_time_sec(now)) == 0;
        if (!stored) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, WOSLOGNO(02003)
                         "the revocation table is full (%u slots): a "
                         "revocation of kind %s was not kept on this host",
                         REVSTORE_SLOTS, kind);
        }
    }
    if (revoke_shared(sc)) {
        shared = revoke_share(s, p, sc, name, value, keep) == APR_SUCCESS;
    }
    if (revoke_proc.memo) {
        revmemo_clear(revoke_proc.memo);
    }
    if (!stored && !shared) {
        return -1;
    }
    stats_inc(STAT_REVOCATIONS);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, WOSLOGNO(02004)
                 "recorded revocation %s:%s", kind, id);
    return 0;
}

int revoke_record(request_rec *r, const wos_srv_cfg *sc, const char *kind,
                  const char *id, long long value)
{
    return revoke_record_in(r->server, r->pool, sc, kind, id, value);
}

int revoke_session(request_rec *r, const wos_srv_cfg *sc, const char *sid)
{
    return revoke_record(r, sc, REVOKE_SESSION, sid, 0);
}

int revoke_user(request_rec *r, const wos_srv_cfg *sc, const char *uid)
{
    return revoke_record(r, sc, REVOKE_USER, uid, 0);
}

int revoke_membership(request_rec *r, const wos_srv_cfg *sc,
                      const char *uid, const char *org)
{
    return revoke_record(r, sc, REVOKE_MEMBERSHIP,
                         apr_pstrcat(r->pool, uid, ":", org, NULL), 0);
}
