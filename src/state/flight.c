/* SPDX-License-Identifier: Apache-2.0 */
/* Single flight through the shared cache; see flight.h. */
#include "httpd.h"
#include "state/flight.h"

static flight_rc flight_end(apr_pool_t *tmp, flight_rc rc)
{
    apr_pool_destroy(tmp);
    return rc;
}

flight_rc flight_board(wos_cache_t *c, server_rec *s, apr_pool_t *p,
                       const flight_t *f)
{
    apr_time_t start = apr_time_now();
    apr_time_t deadline = start + f->wait;
    apr_pool_t *tmp;
    int claimed;

    if (apr_pool_create(&tmp, p) != APR_SUCCESS) {
        return FLIGHT_ERROR;
    }
    do {
        apr_pool_clear(tmp);  /* each poll costs the same few bytes */
        if (f->landed && f->landed(f->baton, tmp)) {
            return flight_end(tmp, FLIGHT_LANDED);
        }
        claimed = cache_claim(c, s, f->lock, f->holder,
                              (f->hold_per_claim ? apr_time_now() : start)
                              + f->hold, tmp);
        if (claimed != 0) {
            /* ours, or the cache is down: then each goes alone */
            if (f->landed && f->landed(f->baton, tmp)) {
                if (claimed == 1) {
                    cache_del(c, s, f->lock, tmp);
                }
                return flight_end(tmp, FLIGHT_LANDED);
            }
            return flight_end(tmp, claimed == 1 ? FLIGHT_MINE
                                                : FLIGHT_ALONE);
        }
        apr_sleep(f->poll);  /* another request is at it */
    } while (apr_time_now() < deadline);
    return flight_end(tmp, FLIGHT_TIMEOUT);
}

void flight_leave(wos_cache_t *c, server_rec *s, apr_pool_t *p,
                  const flight_t *f, flight_rc rc)
{
    if (rc == FLIGHT_MINE) {
        cache_del(c, s, f->lock, p);
    }
}
