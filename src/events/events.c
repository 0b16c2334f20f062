/* SPDX-License-Identifier: Apache-2.0 */
/* The Events API poller; see events.h. */
#include <signal.h>
#include <pthread.h>
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "apr_strings.h"
#include "apr_thread_proc.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#include "events/events.h"
#include "workos/events_parse.h"
#include "workos/workos_api.h"
#include "events/events_apply.h"
#include "base/config.h"
#include "base/client.h"
#include "codec/crypto.h"
#include "store/cachens.h"
#include "base/stats.h"
#include "base/cache.h"
#include "base/module.h"


/* Largest /events answer read: 100 events of ordinary size fit easily. */
#define EVENTS_MAX_ANSWER (1024 * 1024)
/* Pages read in a row while catching up, before others get a turn. */
#define EVENTS_MAX_PAGES 20
/* Failures are logged at most this often (seconds). */
#define EVENTS_LOG_EVERY 60
/* The longest wait between tries while WorkOS is down (seconds). */
#define EVENTS_MAX_BACKOFF 60
/* How long WorkOS keeps events, less an hour. */
#define EVENTS_KEPT_BY_WORKOS (30 * 24 * 3600 - 3600)
/* How long the cursor is kept: longer than WorkOS keeps events. */
#define EVENTS_CURSOR_KEEP cachens_ttl(CACHENS_EVENTS_CURSOR)

/* One WorkOS environment this process may poll for. */
typedef struct {
    server_rec *s;
    const wos_srv_cfg *sc;
    const cachens_key_t *claim_key;
    const cachens_key_t *cursor_key;
    const char *me;            /* this process's claim value */
    int held;
    int limit;                 /* page size; halves on answers too large */
    int failures;              /* polls failed in a row */
    apr_time_t failing_since;
    apr_time_t logged;         /* last failure log line */
    apr_time_t next;           /* next poll due */
    char last[256];            /* the cursor this process last read or
                                  saved: where it goes on from when the
                                  cache's is gone or did not open */
} events_target_t;

static struct {
    apr_thread_t *thread;
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *cond;
    apr_array_header_t *targets;   /* events_target_t */
    int stop;
    int done;
} events_proc;

static int events_stopping(void)
{
    return __atomic_load_n(&events_proc.stop, __ATOMIC_RELAXED);
}

static wos_srv_cfg *events_cfg(server_rec *s)
{
    return ap_get_module_config(s->module_config, &auth_workos_module);
}

int events_check_config(server_rec *s)
{
    for (; s; s = s->next) {
        wos_srv_cfg *sc = events_cfg(s);
        if (sc && sc->events_poll > 0 && !sc->api_key) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                         WOSLOGNO(02601) "WorkOSEventsPoll needs WorkOSAPIKey "
                         "(the Events API is called with it) in %s:%d",
                         s->defn_name ? s->defn_name : "the main config",
                         s->defn_line_number);
            return !OK;
        }
    }
    return OK;
}

/* The lease outlives a few missed renewals, not a stopped holder. */
static apr_time_t events_lease(const events_target_t *t)
{
    return apr_time_from_sec(3 * t->sc->events_poll
                             + t->sc->http_timeout + 5);
}

/* Keeps or takes the claim; 1 when this process polls. */
static int events_hold(events_target_t *t, apr_pool_t *p)
{
    apr_time_t until = apr_time_now() + events_lease(t);
    char *cur;
    apr_size_t len;
    apr_status_t rv;
    int got;

    if (t->held) {
        rv = cache_get(t->sc->cache, t->s, t->claim_key, &cur, &len, 256, p);
        if (rv == APR_SUCCESS && !strcmp(cur, t->me)) {
            return cache_put(t->sc->cache, t->s, t->claim_key, t->me,
                             strlen(t->me), until, p) == APR_SUCCESS;
        }
        if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
            return 0;  /* the cache is away: no cursor either; try later */
        }
        t->held = 0;
        if (rv == APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, t->s, WOSLOGNO(02602)
                         "events: another process took over polling");
            return 0;
        }
    }
    got = cache_claim(t->sc->cache, t->s, t->claim_key, t->me, until, p);
    if (got == 1) {
        t->held = 1;
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, t->s, WOSLOGNO(02603)
                     "events: this process (pid %" APR_PID_T_FMT ") now "
                     "polls WorkOS's Events API every %d s",
                     getpid(), t->sc->events_poll);
    }
    return got == 1;
}

static void events_release(events_target_t *t, apr_pool_t *p)
{
    char *cur;
    apr_size_t len;

    if (t->held && cache_get(t->sc->cache, t->s, t->claim_key, &cur, &len,
                             256, p) == APR_SUCCESS
        && !strcmp(cur, t->me)) {
        cache_del(t->sc->cache, t->s, t->claim_key, p);
    }
    t->held = 0;
}

static const char *events_cursor(events_target_t *t, apr_pool_t *p)
{
    char *cur;
    apr_size_t len;
    apr_status_t rv;
    const char *now;

    rv = cache_get(t->sc->cache, t->s, t->cursor_key, &cur, &len,
                   sizeof(t->last) - 1, p);
    if (rv == APR_SUCCESS && events_cursor_ok(cur)) {
        apr_cpystrn(t->last, cur, sizeof(t->last));
        return cur;
    }
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        return NULL;  /* cache trouble: do not start over */
    }
    /* gone, or rejected (cache.h): not a reason to skip what came since
     * this process's own last cursor */
    if (events_cursor_ok(t->last)) {
        return apr_pstrdup(p, t->last);
    }
    /* first poll of this environment: from now on, not 30 days back */
    now = events_cursor_now(p, apr_time_now());
    if (cache_put(t->sc->cache, t->s, t->cursor_key, now, strlen(now),
                  apr_time_now() + apr_time_from_sec(EVENTS_CURSOR_KEEP), p)
        != APR_SUCCESS) {
        return NULL;
    }
    apr_cpystrn(t->last, now, sizeof(t->last));
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, t->s, WOSLOGNO(02604)
                 "events: no cursor kept yet, starting at %s", now + 6);
    return now;
}

static int events_save(events_target_t *t, apr_pool_t *p, const char *cursor)
{
    if (strlen(cursor) < sizeof(t->last)) {
        apr_cpystrn(t->last, cursor, sizeof(t->last));
    }
    return cache_put(t->sc->cache, t->s, t->cursor_key, cursor,
                     strlen(cursor), apr_time_now()
                     + apr_time_from_sec(EVENTS_CURSOR_KEEP), p)
           == APR_SUCCESS ? 0 : -1;
}

/* Logs a failed poll at most once a minute; backs off. */
static void events_failed(events_target_t *t, const char *why)
{
    apr_time_t now = apr_time_now();
    apr_time_t wait, cap;
    int shift = t->failures < 3 ? t->failures : 3;

    if (events_stopping()) {
        return;  /* the call was cut short to stop: not a failure */
    }
    stats_inc(STAT_EVENTS_POLL_FAILURES);
    if (!t->failures++) {
        t->failing_since = now;
    }
    if (t->failures == 1
        || now - t->logged >= apr_time_from_sec(EVENTS_LOG_EVERY)) {
        t->logged = now;
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, t->s, WOSLOGNO(02605)
                     "events: polling WorkOS's Events API failed (%d in a "
                     "row since %" APR_TIME_T_FMT " s ago): %s; revocations "
                     "are late until it works again", t->failures,
                     apr_time_sec(now - t->failing_since), why);
    }
    /* doubling up to 8 x the interval, past 60 s only when the interval
     * itself is longer */
    wait = apr_time_from_sec((apr_int64_t)t->sc->events_poll << shift);
    cap = apr_time_from_sec(t->sc->events_poll > EVENTS_MAX_BACKOFF
                            ? t->sc->events_poll : EVENTS_MAX_BACKOFF);
    if (wait > cap) {
        wait = cap;
    }
    t->next = now + wait;
}

typedef enum { EVENTS_PAGE_DONE, EVENTS_PAGE_MORE, EVENTS_PAGE_FAILED }
    events_page_rc;

/* Applies a page in order; the cursor moves past each event applied. */
static events_page_rc events_apply_page(events_target_t *t, apr_pool_t *p,
                                        const events_page_t *page,
                                        const char **cursor)
{
    apr_time_t now = apr_time_now();
    int i;

    for (i = 0; i < page->count; i++) {
        const events_item_t *it = &page->items[i];
        events_rc rc = it->event
                       ? events_apply(t->s, p, t->sc, it->event, it->data,
                                      it->created)
                       : EVENTS_BAD;

        if (rc == EVENTS_FAILED) {
            events_failed(t, "cannot record an event in the cache");
            return EVENTS_PAGE_FAILED;
        }
        if (rc == EVENTS_BAD) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, t->s, WOSLOGNO(02606)
                         "events: skipping event %s: malformed", it->id);
        }
        if (rc == EVENTS_APPLIED && it->created) {
            stats_set(GAUGE_POLL_LAG, apr_time_sec(now - it->created));
        }
        *cursor = apr_pstrcat(p, "after ", it->id, NULL);
    }
    return page->count >= t->limit ? EVENTS_PAGE_MORE : EVENTS_PAGE_DONE;
}

/* WorkOS forgot the cursor (older than its 30 days): go on from now. */
static events_page_rc events_lost_cursor(events_target_t *t, apr_pool_t *p,
                                         const char *cursor, long status)
{
    const char *now = events_cursor_now(p, apr_time_now());

    ap_log_error(APLOG_MARK, APLOG_ERR, 0, t->s, WOSLOGNO(02607)
                 "events: WorkOS no longer knows the cursor %s (HTTP %ld: "
                 "older than the 30 days it keeps events?); going on from "
                 "now (%s): events in between are not applied", cursor + 6,
                 status, now + 6);
    if (events_save(t, p, now) != 0) {
        events_failed(t, "cannot store the events cursor in the cache");
        return EVENTS_PAGE_FAILED;
    }
    return EVENTS_PAGE_DONE;
}

/* A cursor WorkOS may have forgotten: an event id (it answers an unknown
 * one with a 4xx), or a start time older than the 30 days it keeps. */
static int events_cursor_expired(const char *cursor)
{
    apr_time_t t;

    if (!strncmp(cursor, "after ", 6)) {
        return 1;
    }
    return events_parse_time(cursor + 6, &t) == 0
           && apr_time_now() - t > apr_time_from_sec(EVENTS_KEPT_BY_WORKOS);
}

/* Reads and applies one page. */
static events_page_rc events_page(events_target_t *t, apr_pool_t *p)
{
    api_client_t c = client_for(t->sc);
    const char *cursor = events_cursor(t, p), *why = NULL, *next;
    http_response_t res;
    events_page_t page;
    events_page_rc rc;

    if (!cursor) {
        events_failed(t, "cannot read the events cursor from the cache");
        return EVENTS_PAGE_FAILED;
    }
    c.net.cancel = &events_proc.stop;
    stats_inc(STAT_EVENTS_POLLS);
    if (workos_api_send(p, WORKOS_EP_EVENTS, "GET",
                        workos_api_events_url(p, t->sc->api_base, cursor,
                                              t->limit, apr_time_now()),
                        NULL, NULL, 0, t->sc->api_key, &c.net,
                        EVENTS_MAX_ANSWER, &res) != 0) {
        if (res.error && !strcmp(res.error, "answer too large")
            && t->limit > 1) {
            t->limit /= 2;  /* fewer events a page next time */
        }
        events_failed(t, res.error ? res.error : "no answer");
        return EVENTS_PAGE_FAILED;
    }
    if ((res.status == 400 || res.status == 404 || res.status == 422)
        && events_cursor_expired(cursor)) {
        return events_lost_cursor(t, p, cursor, res.status);
    }
    if (res.status != 200) {
        events_failed(t, apr_psprintf(p, "HTTP %ld%s", res.status,
                                      res.status == 401 || res.status == 403
                                      ? " (does WorkOSAPIKey allow reading "
                                        "events?)" : ""));
        return EVENTS_PAGE_FAILED;
    }
    if (events_parse_page(p, res.body, res.len, &page, &why) != 0) {
        events_failed(t, apr_pstrcat(p, "unusable answer: ", why, NULL));
        return EVENTS_PAGE_FAILED;
    }
    next = cursor;
    rc = events_apply_page(t, p, &page, &next);
    if (next != cursor && events_save(t, p, next) != 0) {
        events_failed(t, "cannot store the events cursor in the cache");
        return EVENTS_PAGE_FAILED;
    }
    return rc;
}

/* One turn for a target: hold the claim, read pages until caught up. */
static void events_turn(events_target_t *t, apr_pool_t *p)
{
    events_page_rc rc = EVENTS_PAGE_MORE;
    int pages;

    t->next = apr_time_now() + apr_time_from_sec(t->sc->events_poll);
    for (pages = 0; rc == EVENTS_PAGE_MORE && pages < EVENTS_MAX_PAGES
                    && !events_stopping(); pages++) {
        if (!events_hold(t, p)) {
            return;
        }
        rc = events_page(t, p);
        apr_pool_clear(p);
    }
    if (rc == EVENTS_PAGE_FAILED) {
        return;
    }
    if (t->failures) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, t->s, WOSLOGNO(02608)
                     "events: WorkOS's Events API answers again after %d "
                     "failed polls; caught up", t->failures);
        t->failures = 0;
    }
    stats_set(GAUGE_POLL_LAST_OK, apr_time_sec(apr_time_now()));
}

static void *APR_THREAD_FUNC events_main(apr_thread_t *thd, void *data)
{
    apr_pool_t *p = NULL;
    apr_time_t now, wake;
    int i;

    (void)data;
    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        goto out;
    }
    while (!events_stopping()) {
        now = apr_time_now();
        wake = now + apr_time_from_sec(1);
        for (i = 0; i < events_proc.targets->nelts && !events_stopping();
             i++) {
            events_target_t *t = &APR_ARRAY_IDX(events_proc.targets, i,
                                                events_target_t);
            if (now >= t->next) {
                events_turn(t, p);
            }
            wake = t->next < wake ? t->next : wake;
        }
        apr_thread_mutex_lock(events_proc.lock);
        now = apr_time_now();
        if (!events_stopping() && wake > now) {
            apr_thread_cond_timedwait(events_proc.cond, events_proc.lock,
                                      wake - now);
        }
        apr_thread_mutex_unlock(events_proc.lock);
    }
    for (i = 0; i < events_proc.targets->nelts; i++) {
        events_release(&APR_ARRAY_IDX(events_proc.targets, i,
                                      events_target_t), p);
    }
    apr_pool_destroy(p);
out:
    apr_thread_mutex_lock(events_proc.lock);
    events_proc.done = 1;
    apr_thread_cond_broadcast(events_proc.cond);
    apr_thread_mutex_unlock(events_proc.lock);
    /* a plain return, not apr_thread_exit(): pthread_exit() would leave
     * this function's frame without unwinding it, and the join gets
     * APR_SUCCESS either way */
    (void)thd;
    return NULL;
}

/* Stops the thread: every wait in it ends within about a second of the
 * flag (the HTTP call through its progress check), so the join is
 * bounded; past the bound the process exits without it. */
static apr_status_t events_stop(void *data)
{
    apr_time_t until = apr_time_now() + apr_time_from_sec(10);
    apr_status_t rv;
    int done;

    (void)data;
    apr_thread_mutex_lock(events_proc.lock);
    __atomic_store_n(&events_proc.stop, 1, __ATOMIC_RELAXED);
    apr_thread_cond_broadcast(events_proc.cond);
    while (!events_proc.done && apr_time_now() < until) {
        apr_thread_cond_timedwait(events_proc.cond, events_proc.lock,
                                  apr_time_from_msec(100));
    }
    done = events_proc.done;
    apr_thread_mutex_unlock(events_proc.lock);
    if (done) {
        apr_thread_join(&rv, events_proc.thread);
    }
    events_proc.thread = NULL;
    return APR_SUCCESS;
}

/* One target per WorkOS environment and cache among the servers. */
static void events_add(apr_pool_t *p, server_rec *s, wos_srv_cfg *sc,
                       const char *me)
{
    events_target_t *t;
    int i;

    for (i = 0; i < events_proc.targets->nelts; i++) {
        t = &APR_ARRAY_IDX(events_proc.targets, i, events_target_t);
        if (t->sc->cache == sc->cache && !strcmp(t->sc->env_tag, sc->env_tag)) {
            return;
        }
    }
    t = apr_array_push(events_proc.targets);
    memset(t, 0, sizeof(*t));
    t->s = s;
    t->sc = sc;
    t->me = me;
    t->limit = EVENTS_MAX_LIMIT;
    t->claim_key = cachens_key(p, CACHENS_EVENTS_CLAIM, sc->env_tag, NULL);
    t->cursor_key = cachens_key(p, CACHENS_EVENTS_CURSOR, sc->env_tag, NULL);
}

void events_child_init(apr_pool_t *p, server_rec *s)
{
    server_rec *main_s = s;
    apr_threadattr_t *attr = NULL;
    const char *rnd = crypto_random(p, 8), *me;
    sigset_t all, old;
    apr_status_t rv;

    if (!rnd) {
        return;
    }
    /* unique across hosts and restarts; says where the poller runs */
    me = apr_psprintf(p, "%" APR_PID_T_FMT ":%s", getpid(), rnd);
    events_proc.targets = apr_array_make(p, 2, sizeof(events_target_t));
    for (; s; s = s->next) {
        wos_srv_cfg *sc = events_cfg(s);
        if (sc && sc->events_poll > 0 && sc->api_key && sc->cache
            && sc->env_tag) {
            events_add(p, s, sc, me);
        }
    }
    if (!events_proc.targets->nelts) {
        return;
    }
    events_proc.stop = events_proc.done = 0;
    /* the thread starts with every signal blocked: the MPM's signals
     * (prefork's SIGTERM, graceful's SIGUSR1) go to its own thread */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rv = apr_thread_mutex_create(&events_proc.lock, APR_THREAD_MUTEX_DEFAULT,
                                 p);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_cond_create(&events_proc.cond, p);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_threadattr_create(&attr, p);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_thread_create(&events_proc.thread, attr, events_main, NULL,
                               p);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, main_s, WOSLOGNO(02609)
                     "events: cannot start the Events API poller thread; "
                     "revocations arrive only by webhook in this process");
        return;
    }
    /* a pre-cleanup: it must run before p's subpools (the thread's own
     * among them) are destroyed */
    apr_pool_pre_cleanup_register(p, NULL, events_stop);
}
