/* SPDX-License-Identifier: Apache-2.0 */
/* The per-address limit on failed API keys; see apikey_guard.h. */
#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"
#include <stdio.h>
#include "request/apikey_guard.h"
#include "state/flight.h"
#include "store/cachens.h"
#include "base/module.h"


/* The address counter's lock is held for one cache read and write; a
 * holder that died loses it after this long. */
#define APIKEY_GUARD_LOCK_USEC \
    apr_time_from_sec(cachens_ttl(CACHENS_APIKEY_FAIL_LOCK))
#define APIKEY_GUARD_POLL_USEC 1000
#define APIKEY_GUARD_MAX_VAL 64

void apikey_guard_init(request_rec *r, const wos_srv_cfg *sc,
                       apikey_guard_t *g)
{
    /* useragent_ip is mod_remoteip's client address when it is in use */
    const char *ip = r->useragent_ip ? r->useragent_ip : "unknown";

    memset(g, 0, sizeof(*g));
    g->key = cachens_key(r->pool, CACHENS_APIKEY_FAIL, sc->env_tag, ip,
                         NULL);
    g->lock = cachens_key(r->pool, CACHENS_APIKEY_FAIL_LOCK, sc->env_tag, ip,
                          NULL);
}

static apr_time_t apikey_guard_window(const wos_srv_cfg *sc)
{
    return apr_time_from_sec(sc->apikey_fail_window);
}

/* An entry whose window is over may linger until the cache drops it. */
void apikey_guard_read(request_rec *r, const wos_srv_cfg *sc,
                       apikey_guard_t *g)
{
    apr_time_t now = apr_time_now();
    apr_int64_t start;
    apr_size_t len;
    char *val;
    int count;

    g->count = 0;
    g->start = now;
    if (cache_get(sc->cache, r->server, g->key, &val, &len,
                  APIKEY_GUARD_MAX_VAL, r->pool) != APR_SUCCESS
        || sscanf(val, "%d %" APR_INT64_T_FMT, &count, &start) != 2
        || count < 0 || now >= (apr_time_t)start + apikey_guard_window(sc)
        /* a window read back is never trusted to start after now */
        || (apr_time_t)start > now) {
        return;
    }
    g->count = count;
    g->start = (apr_time_t)start;
}

/* Zero is no entry: every store takes a slot in shmcb's cyclic index,
 * a removal does not, so the common charge-then-refund of a valid key
 * costs one store. */
static void apikey_guard_write(request_rec *r, const wos_srv_cfg *sc,
                               const apikey_guard_t *g)
{
    const char *v = apr_psprintf(r->pool, "%d %" APR_INT64_T_FMT, g->count,
                                 (apr_int64_t)g->start);

    if (g->count == 0) {
        cache_del(sc->cache, r->server, g->key, r->pool);
    }
    else if (cache_put(sc->cache, r->server, g->key, v, strlen(v),
                       g->start + apikey_guard_window(sc), r->pool)
             != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(00806)
                      "cannot count failed API key attempts in %s; "
                      "the guard is not in force", cache_spec(sc->cache));
    }
}

/* The address's lock: the cache offers create-if-absent, not
 * increment, hence a lock. Nothing to wait for but the lock itself. */
static void apikey_guard_flight(const apikey_guard_t *g, flight_t *f)
{
    memset(f, 0, sizeof(*f));
    f->lock = g->lock;
    f->holder = "1";
    f->wait = APIKEY_GUARD_LOCK_USEC;
    f->hold = APIKEY_GUARD_LOCK_USEC;
    f->hold_per_claim = 1;
    f->poll = APIKEY_GUARD_POLL_USEC;
}

/* 1 if this request now holds the address's lock, 0 to go on without
 * it: the cache failed, or a dead holder's lock has yet to expire. */
static int apikey_guard_lock(request_rec *r, const wos_srv_cfg *sc,
                             const apikey_guard_t *g)
{
    flight_t f;

    apikey_guard_flight(g, &f);
    return flight_board(sc->cache, r->server, r->pool, &f) == FLIGHT_MINE;
}

static void apikey_guard_unlock(request_rec *r, const wos_srv_cfg *sc,
                                const apikey_guard_t *g, int held)
{
    flight_t f;

    apikey_guard_flight(g, &f);
    flight_leave(sc->cache, r->server, r->pool, &f,
                 held ? FLIGHT_MINE : FLIGHT_ALONE);
}

int apikey_guard_charge(request_rec *r, const wos_srv_cfg *sc,
                        apikey_guard_t *g)
{
    int held = apikey_guard_lock(r, sc, g), ok = 0;

    apikey_guard_read(r, sc, g);
    if (g->count < sc->apikey_fail_limit) {
        g->count++;
        g->charged = g->start;
        apikey_guard_write(r, sc, g);
        ok = 1;
    }
    apikey_guard_unlock(r, sc, g, held);
    return ok;
}

/* A window that closed meanwhile took the count with it. */
void apikey_guard_refund(request_rec *r, const wos_srv_cfg *sc,
                         apikey_guard_t *g)
{
    int held;

    if (!g->charged) {
        return;
    }
    held = apikey_guard_lock(r, sc, g);
    apikey_guard_read(r, sc, g);
    if (g->count > 0 && g->start == g->charged) {
        g->count--;
        apikey_guard_write(r, sc, g);
    }
    g->charged = 0;
    apikey_guard_unlock(r, sc, g, held);
}

static int apikey_guard_retry_after(const wos_srv_cfg *sc,
                                    const apikey_guard_t *g)
{
    apr_time_t left = g->start + apikey_guard_window(sc) - apr_time_now();
    apr_time_t secs = (left + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC;

    return secs < 1 ? 1 : (int)secs;
}

void apikey_guard_limited(request_rec *r, const wos_srv_cfg *sc,
                          const apikey_guard_t *g, const char **why,
                          int *retry_after)
{
    *retry_after = apikey_guard_retry_after(sc, g);
    *why = apr_psprintf(r->pool, "%d failed API key attempts from this "
                        "address within %d s", g->count,
                        sc->apikey_fail_window);
}
