/* SPDX-License-Identifier: Apache-2.0 */
/* Single flight through the shared cache: of the requests that need the
 * same slow or once-only piece of work (an API key's validation, a
 * refresh-token exchange, an update of a failure counter), one claims a
 * lock entry and does it; the others poll until its result appears, the
 * lock is theirs, or they run out of time.
 *
 *   flight_t f = { lock, holder, wait, hold, 0, poll, landed, baton };
 *   switch (flight_board(cache, s, p, &f)) {
 *   case FLIGHT_LANDED:  the result is there (landed() took it)
 *   case FLIGHT_MINE:    do the work, publish, then flight_leave()
 *   case FLIGHT_ALONE:   the cache cannot arbitrate: do the work anyway
 *   case FLIGHT_TIMEOUT: nobody finished in time
 *   case FLIGHT_ERROR:   out of memory
 *   }
 *
 * Each poll runs in a subpool cleared every round, so a waiter costs the
 * same few bytes however long it waits. Thread- and process-safe: all
 * shared state is in the cache. */
#ifndef WOS_FLIGHT_H
#define WOS_FLIGHT_H

#include "httpd.h"
#include "base/cache.h"
#include "store/cachens.h"

typedef struct {
    const cachens_key_t *lock;
    const char *holder;        /* the lock's value: who holds it */
    apr_interval_time_t wait;  /* a waiter gives up this long after the
                                  start */
    apr_interval_time_t hold;  /* the lock lapses this long after the
                                  start, so a dead holder frees it ... */
    int hold_per_claim;        /* ... or, if set, after each claim */
    apr_interval_time_t poll;  /* the pause between two looks */
    /* 1 when the result is there (and taken); called before each claim,
     * and once more after winning one: a holder that finished between
     * our look and our claim left its result, and the work must not be
     * done twice. tmp is the round's pool. NULL: only the lock is
     * wanted. */
    int (*landed)(void *baton, apr_pool_t *tmp);
    void *baton;
} flight_t;

typedef enum {
    FLIGHT_LANDED = 0,
    FLIGHT_MINE,
    FLIGHT_ALONE,
    FLIGHT_TIMEOUT,
    FLIGHT_ERROR
} flight_rc;

flight_rc flight_board(wos_cache_t *c, server_rec *s, apr_pool_t *p,
                       const flight_t *f);

/* Lets go of the lock after the work, if rc says it is held. */
void flight_leave(wos_cache_t *c, server_rec *s, apr_pool_t *p,
                  const flight_t *f, flight_rc rc);

#endif
