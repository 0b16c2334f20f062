/* Revocations; see revoke.h. */
#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"
#include "apr_hash.h"
#include "apr_thread_mutex.h"
#include "revoke.h"
#include "stats.h"
#include "log.h"

APLOG_USE_MODULE(auth_workos);

#define REVOKE_GEN_KEY "wos:rev:gen"
#define REVOKE_MEMO_MAX 20000

/* One per process: every server's lookups share it. */
static struct {
    apr_thread_mutex_t *lock;
    apr_pool_t *pool;         /* owns memo; recreated when memo is full */
    apr_hash_t *memo;         /* cache key -> "1" revoked / "" not */
    char gen[64];             /* last generation seen */
    apr_time_t polled;        /* when gen was last read */
} revoke_proc;

void revoke_child_init(apr_pool_t *p)
{
    if (apr_thread_mutex_create(&revoke_proc.lock, APR_THREAD_MUTEX_DEFAULT,
                                p) != APR_SUCCESS
        || apr_pool_create_unmanaged_ex(&revoke_proc.pool, NULL, NULL)
           != APR_SUCCESS) {
        revoke_proc.lock = NULL;
        return;
    }
    revoke_proc.memo = apr_hash_make(revoke_proc.pool);
}

/* Under the lock. */
static void revoke_forget(void)
{
    apr_pool_clear(revoke_proc.pool);
    revoke_proc.memo = apr_hash_make(revoke_proc.pool);
}

/* Reads the generation at most once per poll interval; a change means a
 * revocation was recorded somewhere, so the memo starts again. */
static void revoke_poll(request_rec *r, const wos_srv_cfg *sc)
{
    apr_time_t now = apr_time_now();
    char *gen = NULL;
    apr_size_t len;
    int due;

    apr_thread_mutex_lock(revoke_proc.lock);
    due = now - revoke_proc.polled >= REVOKE_POLL_USEC;
    if (due) {
        revoke_proc.polled = now;
    }
    apr_thread_mutex_unlock(revoke_proc.lock);
    if (!due || cache_get(sc->cache, r->server, REVOKE_GEN_KEY, &gen, &len,
                          sizeof(revoke_proc.gen) - 1, r->pool)
                != APR_SUCCESS) {
        return;
    }
    apr_thread_mutex_lock(revoke_proc.lock);
    if (strcmp(gen, revoke_proc.gen) != 0) {
        apr_cpystrn(revoke_proc.gen, gen, sizeof(revoke_proc.gen));
        revoke_forget();
    }
    apr_thread_mutex_unlock(revoke_proc.lock);
}

/* The value recorded under key ("" when none), memoised per process. */
static const char *revoke_value(request_rec *r, const wos_srv_cfg *sc,
                                const char *key)
{
    const char *known;
    char *val;
    apr_size_t len;
    apr_status_t rv;

    apr_thread_mutex_lock(revoke_proc.lock);
    known = apr_hash_get(revoke_proc.memo, key, APR_HASH_KEY_STRING);
    if (known) {
        /* copied under the lock: another thread may clear the memo */
        known = apr_pstrdup(r->pool, known);
    }
    apr_thread_mutex_unlock(revoke_proc.lock);
    if (known) {
        return known;
    }
    rv = cache_get(sc->cache, r->server, key, &val, &len, 64, r->pool);
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        return ""; /* unknown: do not memo, ask again next time */
    }
    apr_thread_mutex_lock(revoke_proc.lock);
    if (apr_hash_count(revoke_proc.memo) >= REVOKE_MEMO_MAX) {
        revoke_forget();
    }
    known = apr_pstrdup(revoke_proc.pool, rv == APR_SUCCESS ? val : "");
    apr_hash_set(revoke_proc.memo, apr_pstrdup(revoke_proc.pool, key),
                 APR_HASH_KEY_STRING, known);
    apr_thread_mutex_unlock(revoke_proc.lock);
    return rv == APR_SUCCESS ? val : "";
}

static int revoke_lookup(request_rec *r, const wos_srv_cfg *sc,
                         const char *key)
{
    return *revoke_value(r, sc, key) != '\0';
}

const char *revoke_mark_get(request_rec *r, const wos_srv_cfg *sc,
                            const char *key)
{
    if (!revoke_proc.lock) {
        return "";
    }
    revoke_poll(r, sc);
    return revoke_value(r, sc, key);
}

int revoke_check(request_rec *r, const wos_srv_cfg *sc,
                 const wos_identity_t *id)
{
    if (!revoke_proc.lock || !id->user_id || id->api_key_id) {
        return 0;
    }
    revoke_poll(r, sc);
    if (id->session_id && revoke_lookup(r, sc, apr_pstrcat(
            r->pool, "wos:rev:sid:", id->session_id, NULL))) {
        return 1;
    }
    if (revoke_lookup(r, sc, apr_pstrcat(r->pool, "wos:rev:user:",
                                         id->user_id, NULL))) {
        return 1;
    }
    return id->org_id && revoke_lookup(r, sc, apr_pstrcat(
        r->pool, "wos:rev:mem:", id->user_id, ":", id->org_id, NULL));
}

int revoke_mark_put(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                    const char *key, const char *val)
{
    apr_time_t keep = apr_time_now()
                      + apr_time_from_sec(REVOKE_KEEP_SECONDS);
    const char *gen = apr_psprintf(p, "%" APR_TIME_T_FMT "-%"
                                   APR_PID_T_FMT, apr_time_now(), getpid());
    apr_status_t rv;

    rv = cache_put(sc->cache, s, key, val, strlen(val), keep, p);
    if (rv == APR_SUCCESS) {
        rv = cache_put(sc->cache, s, REVOKE_GEN_KEY, gen, strlen(gen), keep,
                       p);
    }
    if (revoke_proc.lock) {
        apr_thread_mutex_lock(revoke_proc.lock);
        revoke_forget();
        apr_thread_mutex_unlock(revoke_proc.lock);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, WOSLOGNO(00901)
                     "cannot record a revocation in %s",
                     cache_spec(sc->cache));
        return -1;
    }
    stats_inc(STAT_REVOCATIONS);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, WOSLOGNO(00902)
                 "recorded revocation %s", key + 8);
    return 0;
}

int revoke_session(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                   const char *sid)
{
    return revoke_mark_put(s, p, sc, apr_pstrcat(p, "wos:rev:sid:", sid,
                                                 NULL), "1");
}

int revoke_user(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                const char *uid)
{
    return revoke_mark_put(s, p, sc, apr_pstrcat(p, "wos:rev:user:", uid,
                                                 NULL), "1");
}

int revoke_membership(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                      const char *uid, const char *org)
{
    return revoke_mark_put(s, p, sc, apr_pstrcat(p, "wos:rev:mem:", uid,
                                                 ":", org, NULL), "1");
}
