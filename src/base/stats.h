/* SPDX-License-Identifier: Apache-2.0 */
/* Counters for operators, shared by every process of this server through
 * an anonymous shared-memory segment and bumped with atomic adds: no lock
 * and no cache write on the request path. */
#ifndef WOS_STATS_H
#define WOS_STATS_H

#include "httpd.h"
#include "workos/workos_api.h"

typedef enum {
    STAT_ALLOWED = 0,     /* authenticated requests */
    STAT_DENIED,          /* no valid credential: 401 or sign-in */
    STAT_FORBIDDEN,       /* a workos-* Require line said no */
    STAT_CACHE_HITS,      /* credentials served from the process cache */
    STAT_CACHE_MISSES,
    STAT_REFRESHES,       /* refresh-token exchanges with WorkOS */
    STAT_REFRESH_SHARED,  /* requests that took another's refresh result */
    STAT_SIGN_INS,        /* completed callbacks */
    STAT_JWKS_FETCHES,
    STAT_JWKS_FAILURES,
    STAT_API_ERRORS,      /* WorkOS unreachable, 5xx or garbage */
    STAT_WEBHOOKS,
    STAT_REVOCATIONS,
    STAT_REVOKED_DENIED,  /* requests refused because of a revocation */
    STAT_EVENTS_APPLIED,  /* events recorded (webhook or Events API) */
    STAT_EVENTS_POLLS,    /* Events API pages read */
    STAT_EVENTS_POLL_FAILURES,
    STAT_SIG_VERIFIES,    /* RSA signature checks of access tokens */
    STAT_SHARED_HITS,     /* credentials served from the shared tier */
    STAT_SHARED_MISSES,
    STAT_SHARED_REJECTED, /* shared entries ignored: bad MAC, truncated,
                             oversized, expired */
    STAT_VERIFY_WAITS,    /* requests that took the result of another
                             process verifying the same credential */
    STAT_CACHE_REJECTED,  /* network-cache entries ignored: forged,
                             altered, moved, truncated, expired */
    STAT_ACCESS_CACHED,   /* workos-access decisions reused */
    STAT_ACCESS_ASKED,    /* ... asked of WorkOS */
    STAT_ACCESS_DENIED,   /* ... that said no (cached or asked) */
    STAT_ACCESS_FAILED,   /* ... that could not be had: 503 */
    STAT_COUNT            /* a new counter: an entry here and a row in
                             stats_table (stats.c) */
} stat_t;

/* Gauges: the last value set wins. */
typedef enum {
    GAUGE_POLL_LAST_OK = 0, /* unix time of the last good Events API poll */
    GAUGE_POLL_LAG,         /* seconds from an event's creation to its
                               application, for the last event polled */
    GAUGE_COUNT
} gauge_t;

/* Creates the segment (post_config); before that, counting does nothing. */
apr_status_t stats_init(apr_pool_t *pconf);

void stats_inc(stat_t which);
void stats_set(gauge_t which, apr_int64_t value);

/* Counts one call to WorkOS under its endpoint's label and its status
 * class (status 0: no answer). Given to workos_api_set_observer. */
void stats_api_call(workos_ep_t ep, long status);

/* The counters as JSON, as an HTML table, or in Prometheus's text
 * exposition format (version 0.0.4). */
const char *stats_json(apr_pool_t *p);
const char *stats_html(apr_pool_t *p);
const char *stats_prometheus(apr_pool_t *p);

/* The workos-status handler, and mod_status's hook. */
int stats_handle(request_rec *r);
int stats_status_hook(request_rec *r, int flags);

#endif
