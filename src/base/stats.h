/* SPDX-License-Identifier: Apache-2.0 */
/* Counters for operators, shared by every process of this server through
 * an anonymous shared-memory segment and bumped with atomic adds: no lock
 * and no cache write on the request path. */
#ifndef WOS_STATS_H
#define WOS_STATS_H

#include "httpd.h"
#include "http_core.h"
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
    GAUGE_STARTED,          /* unix time this server generation started */
    GAUGE_API_LAST_OK,      /* unix time WorkOS last answered (not 5xx) */
    GAUGE_API_LAST_FAIL,    /* ... last did not answer, or with a 5xx */
    GAUGE_JWKS_KEYS,        /* keys in the JWKS last installed */
    GAUGE_JWKS_FETCHED,     /* unix time that JWKS was fetched from WorkOS */
    GAUGE_CACHE_LAST_OK,    /* unix time the network cache last answered */
    GAUGE_CACHE_LAST_FAIL,  /* ... last failed to */
    GAUGE_API_DOWN,         /* 1: the last call to WorkOS got no answer
                               or a 5xx; 0: it was answered */
    GAUGE_CACHE_DOWN,       /* 1: the network cache's last answer failed */
    GAUGE_COUNT
} gauge_t;

/* The last errors and warnings the module logged, newest first. */
#define STATS_ERRORS 8
typedef struct {
    apr_int64_t when;   /* unix time */
    int number;         /* the N of WOSnnnnn */
    int level;          /* APLOG_EMERG .. APLOG_WARNING */
} stats_error_t;

/* Creates the segment (post_config); before that, counting does nothing. */
apr_status_t stats_init(apr_pool_t *pconf);

void stats_inc(stat_t which);
void stats_set(gauge_t which, apr_int64_t value);
/* Sets a time gauge to now (seconds), or a gauge to value, writing only
 * when it changes: cheap enough for every call on a hot path. */
void stats_stamp(gauge_t which);
void stats_flag(gauge_t which, apr_int64_t value);

/* For the status page: a counter's or gauge's value and name (its JSON
 * key), a counter's help text (NULL for the later rows of a family), the
 * calls to WorkOS of one endpoint label and status class (0 "error", 1
 * "2xx" ... 4 "5xx"), and the last errors (returns how many, at most
 * max, newest first). */
apr_uint64_t stats_value(stat_t which);
const char *stats_name(stat_t which);
const char *stats_help(stat_t which);
apr_int64_t stats_gauge_value(gauge_t which);
const char *stats_gauge_name(gauge_t which);
#define STATS_CLASSES 5
const char *stats_class_name(int cls);
apr_uint64_t stats_api_value(workos_label_t label, int cls);
int stats_errors(stats_error_t *out, int max);

/* httpd's error_log hook: remembers the module's own errors and warnings
 * (their WOS number, level and time; never their text). */
void stats_error_log(const ap_errorlog_info *info, const char *errstr);

/* Whether a workos-status request asks for the page for people (HTML). */
int stats_wants_html(request_rec *r);

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
