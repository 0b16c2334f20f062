/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOSAPIKeyFailureLimit: failed API keys counted per client address
 * (mod_remoteip's when in use) and WorkOS environment, in the shared
 * cache, so every process and host sharing it sees one budget. An
 * address that has used up its failures in the window gets 429 until the
 * window ends.
 *
 * The count is one entry, "count start-usec", expiring with its window,
 * updated under a short lock (flight.h): the cache offers
 * create-if-absent, not increment. A request that cannot get the lock
 * (the cache fails, or a dead holder's lock has yet to lapse) goes on
 * without it. */
#ifndef WOS_APIKEY_GUARD_H
#define WOS_APIKEY_GUARD_H

#include "httpd.h"
#include "base/config.h"
#include "store/cachens.h"

typedef struct {
    const cachens_key_t *key;   /* the address's count */
    const cachens_key_t *lock;
    int count;           /* failures in the current window */
    apr_time_t start;    /* when that window opened */
    apr_time_t charged;  /* start of the window a charge went to, or 0 */
} apikey_guard_t;

/* The guard of r's address. Reads nothing yet. */
void apikey_guard_init(request_rec *r, const wos_srv_cfg *sc,
                       apikey_guard_t *g);

/* Reads the address's current window into g: none (count 0, opening
 * now) when there is no entry or its window is over. */
void apikey_guard_read(request_rec *r, const wos_srv_cfg *sc,
                       apikey_guard_t *g);

/* Counts one failure against the address. 0 (and nothing counted) when
 * the window's budget is already spent. */
int apikey_guard_charge(request_rec *r, const wos_srv_cfg *sc,
                        apikey_guard_t *g);

/* Takes back this request's charge, which turned out not to be a
 * failure, unless its window has closed meanwhile. */
void apikey_guard_refund(request_rec *r, const wos_srv_cfg *sc,
                         apikey_guard_t *g);

/* Why the address is refused, and the seconds for Retry-After. */
void apikey_guard_limited(request_rec *r, const wos_srv_cfg *sc,
                          const apikey_guard_t *g, const char **why,
                          int *retry_after);

#endif
