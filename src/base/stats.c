/* SPDX-License-Identifier: Apache-2.0 */
/* Operator counters; see stats.h. */
#include "httpd.h"
#include "http_protocol.h"
#include "http_log.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "mod_status.h"
#include "base/stats.h"

/* One row per counter: its JSON / HTML name, and its Prometheus metric
 * (rows with the same metric and different labels are one family, and
 * must follow each other). */
typedef struct {
    const char *name;
    const char *metric;
    const char *labels;   /* "" or `key="value"` */
    const char *help;
} stats_row_t;

static const stats_row_t stats_table[STAT_COUNT] = {
    [STAT_ALLOWED] = { "requests_allowed", "workos_decisions_total",
        "outcome=\"allowed\"",
        "Authentication decisions by outcome (forbidden: authenticated, "
        "refused by a workos-* Require line)." },
    [STAT_DENIED] = { "requests_denied", "workos_decisions_total",
        "outcome=\"unauthenticated\"", NULL },
    [STAT_FORBIDDEN] = { "requests_forbidden", "workos_decisions_total",
        "outcome=\"forbidden\"", NULL },
    [STAT_CACHE_HITS] = { "credential_cache_hits",
        "workos_credential_cache_hits_total", "",
        "Credentials served from a process's verified-credential cache." },
    [STAT_CACHE_MISSES] = { "credential_cache_misses",
        "workos_credential_cache_misses_total", "",
        "Credentials not in the process cache (checked in full)." },
    [STAT_REFRESHES] = { "refreshes", "workos_refreshes_total", "",
        "Refresh-token exchanges with WorkOS." },
    [STAT_REFRESH_SHARED] = { "refreshes_shared",
        "workos_refreshes_shared_total", "",
        "Requests that took another request's refresh result." },
    [STAT_SIGN_INS] = { "sign_ins", "workos_sign_ins_total", "",
        "Completed sign-in callbacks." },
    [STAT_JWKS_FETCHES] = { "jwks_fetches", "workos_jwks_fetches_total", "",
        "JWKS fetches from WorkOS." },
    [STAT_JWKS_FAILURES] = { "jwks_fetch_failures",
        "workos_jwks_fetch_failures_total", "",
        "JWKS fetches that failed." },
    [STAT_API_ERRORS] = { "workos_api_errors", "workos_api_errors_total",
        "", "WorkOS unreachable, answering 5xx or garbage." },
    [STAT_WEBHOOKS] = { "webhooks", "workos_webhooks_total", "",
        "Webhook deliveries with a good signature." },
    [STAT_REVOCATIONS] = { "revocations_recorded",
        "workos_revocations_recorded_total", "",
        "Revocations and marks recorded (revocation table, WorkOSCache)." },
    [STAT_REVOKED_DENIED] = { "revoked_requests_denied",
        "workos_revoked_requests_denied_total", "",
        "Requests refused because their session, user or membership was "
        "revoked." },
    [STAT_EVENTS_APPLIED] = { "events_applied",
        "workos_events_applied_total", "",
        "WorkOS events applied (webhook and Events API)." },
    [STAT_EVENTS_POLLS] = { "events_polls", "workos_events_polls_total", "",
        "Events API pages read." },
    [STAT_EVENTS_POLL_FAILURES] = { "events_poll_failures",
        "workos_events_poll_failures_total", "",
        "Events API polls that failed (WorkOS down, bad answer)." },
    [STAT_SIG_VERIFIES] = { "signature_verifications",
        "workos_signature_verifications_total", "",
        "RSA signature checks of access tokens." },
    [STAT_SHARED_HITS] = { "shared_credential_hits",
        "workos_shared_credential_hits_total", "",
        "Credentials served from the shared (WorkOSCache) tier." },
    [STAT_SHARED_MISSES] = { "shared_credential_misses",
        "workos_shared_credential_misses_total", "",
        "Credentials not in the shared tier." },
    [STAT_SHARED_REJECTED] = { "shared_credential_rejected",
        "workos_shared_credential_rejected_total", "",
        "Shared-tier entries ignored: bad MAC, truncated, oversized, "
        "expired." },
    [STAT_VERIFY_WAITS] = { "verification_waits",
        "workos_verification_waits_total", "",
        "Requests that took another process's check of the same new "
        "credential instead of verifying it again." },
    [STAT_CACHE_REJECTED] = { "cache_rejected",
        "workos_cache_rejected_total", "",
        "Network-cache entries ignored as a miss: not sealed by this "
        "environment for their name, altered, truncated or expired." },
    [STAT_ACCESS_CACHED] = { "access_checks_cached",
        "workos_access_checks_total", "result=\"cached\"",
        "workos-access decisions: reused (cached), asked of WorkOS "
        "(asked), refusals among both (denied), not to be had (failed: "
        "503)." },
    [STAT_ACCESS_ASKED] = { "access_checks_asked",
        "workos_access_checks_total", "result=\"asked\"", NULL },
    [STAT_ACCESS_DENIED] = { "access_checks_denied",
        "workos_access_checks_total", "result=\"denied\"", NULL },
    [STAT_ACCESS_FAILED] = { "access_checks_failed",
        "workos_access_checks_total", "result=\"failed\"", NULL },
};

static const stats_row_t stats_gauges[GAUGE_COUNT] = {
    [GAUGE_POLL_LAST_OK] = { "events_poll_last_success",
        "workos_events_poll_last_success_timestamp_seconds", "",
        "Unix time of this host's last good Events API poll (0: never)." },
    [GAUGE_POLL_LAG] = { "events_poll_lag_seconds",
        "workos_events_poll_lag_seconds", "",
        "Seconds from the creation of the last polled event to its "
        "application." },
    [GAUGE_STARTED] = { "started", "workos_start_timestamp_seconds", "",
        "Unix time this server generation started (the counters' zero)." },
    [GAUGE_API_LAST_OK] = { "workos_api_last_success",
        "workos_api_last_success_timestamp_seconds", "",
        "Unix time WorkOS last answered a call (not a 5xx; 0: never)." },
    [GAUGE_API_LAST_FAIL] = { "workos_api_last_failure",
        "workos_api_last_failure_timestamp_seconds", "",
        "Unix time a call to WorkOS last got no answer or a 5xx (0: never)." },
    [GAUGE_JWKS_KEYS] = { "jwks_keys", "workos_jwks_keys", "",
        "Signing keys in the JWKS last installed." },
    [GAUGE_JWKS_FETCHED] = { "jwks_last_fetch",
        "workos_jwks_last_fetch_timestamp_seconds", "",
        "Unix time the JWKS last installed was fetched from WorkOS "
        "(0: never)." },
    [GAUGE_CACHE_LAST_OK] = { "cache_last_success",
        "workos_cache_last_success_timestamp_seconds", "",
        "Unix time the network cache (WorkOSCache redis/memcache) last "
        "answered (0: never or none)." },
    [GAUGE_CACHE_LAST_FAIL] = { "cache_last_failure",
        "workos_cache_last_failure_timestamp_seconds", "",
        "Unix time the network cache last failed to answer (0: never)." },
    [GAUGE_API_DOWN] = { "workos_api_unreachable", "workos_api_unreachable",
        "", "1 when the last call to WorkOS got no answer or a 5xx." },
    [GAUGE_CACHE_DOWN] = { "cache_down", "workos_cache_down", "",
        "1 when the network cache's last answer was a failure (this host "
        "then uses its own cache)." },
};

/* Calls to WorkOS: endpoint label (workos_api.h) x status class. */
#define STATS_EP ((apr_size_t)WORKOS_LABEL_COUNT)
static const char *const stats_classes[] = {
    "error", "2xx", "3xx", "4xx", "5xx"
};
#define STATS_SC (sizeof(stats_classes) / sizeof(stats_classes[0]))

/* The shared segment: counters, then calls, then gauges, then the last
 * errors (a write position and a ring of packed entries). */
#define STATS_GAUGES (STAT_COUNT + STATS_EP * STATS_SC)
#define STATS_RING (STATS_GAUGES + GAUGE_COUNT)
#define STATS_SLOTS (STATS_RING + 1 + STATS_ERRORS)
static apr_uint64_t *stats_counts;

apr_status_t stats_init(apr_pool_t *pconf)
{
    apr_shm_t *shm;
    apr_status_t rv;

    /* anonymous: inherited by every child of this generation */
    rv = apr_shm_create(&shm, sizeof(apr_uint64_t) * STATS_SLOTS, NULL,
                        pconf);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    stats_counts = apr_shm_baseaddr_get(shm);
    memset(stats_counts, 0, sizeof(apr_uint64_t) * STATS_SLOTS);
    stats_set(GAUGE_STARTED, apr_time_sec(apr_time_now()));
    return APR_SUCCESS;
}

static void stats_add(apr_size_t slot)
{
    if (stats_counts && slot < STATS_SLOTS) {
        __atomic_fetch_add(&stats_counts[slot], 1, __ATOMIC_RELAXED);
    }
}

void stats_inc(stat_t which)
{
    stats_add((apr_size_t)which);
}

void stats_set(gauge_t which, apr_int64_t value)
{
    if (stats_counts && which < GAUGE_COUNT) {
        __atomic_store_n(&stats_counts[STATS_GAUGES + which],
                         (apr_uint64_t)value, __ATOMIC_RELAXED);
    }
}

void stats_flag(gauge_t which, apr_int64_t value)
{
    if (stats_counts && which < GAUGE_COUNT
        && __atomic_load_n(&stats_counts[STATS_GAUGES + which],
                           __ATOMIC_RELAXED) != (apr_uint64_t)value) {
        __atomic_store_n(&stats_counts[STATS_GAUGES + which],
                         (apr_uint64_t)value, __ATOMIC_RELAXED);
    }
}

void stats_stamp(gauge_t which)
{
    stats_flag(which, apr_time_sec(apr_time_now()));
}

void stats_api_call(workos_ep_t ep, long status)
{
    apr_size_t cls = (status >= 200 && status < 600) ? (apr_size_t)
                     (status / 100 - 1) : 0;

    stats_add(STAT_COUNT + (apr_size_t)workos_api_ep_label(ep) * STATS_SC
              + cls);
    /* a 4xx is an answer (a refused refresh token): WorkOS is reachable */
    stats_stamp(status >= 100 && status < 500 ? GAUGE_API_LAST_OK
                                              : GAUGE_API_LAST_FAIL);
    stats_flag(GAUGE_API_DOWN, !(status >= 100 && status < 500));
}

/* An entry of the ring: time << 24 | number << 4 | level, so one atomic
 * store writes it whole; 0 is an empty slot. */
#define STATS_ERR_PACK(t, n, l) (((apr_uint64_t)(t) << 24) \
                                 | ((apr_uint64_t)(n) << 4) | (apr_uint64_t)(l))

void stats_error_log(const ap_errorlog_info *info, const char *errstr)
{
    int level = info ? (info->level & APLOG_LEVELMASK) : APLOG_DEBUG;
    int n = 0, i;
    apr_uint64_t pos;

    if (!stats_counts || level > APLOG_WARNING || !errstr
        || strncmp(errstr, "WOS", 3) != 0) {
        return;
    }
    for (i = 3; i < 8; i++) {
        if (errstr[i] < '0' || errstr[i] > '9') {
            return;
        }
        n = n * 10 + (errstr[i] - '0');
    }
    if (errstr[8] != ':') {
        return;
    }
    pos = __atomic_fetch_add(&stats_counts[STATS_RING], 1, __ATOMIC_RELAXED);
    __atomic_store_n(&stats_counts[STATS_RING + 1 + pos % STATS_ERRORS],
                     STATS_ERR_PACK(apr_time_sec(apr_time_now()), n, level),
                     __ATOMIC_RELAXED);
}

int stats_errors(stats_error_t *out, int max)
{
    apr_uint64_t pos, v;
    int got = 0, i;

    if (!stats_counts) {
        return 0;
    }
    pos = __atomic_load_n(&stats_counts[STATS_RING], __ATOMIC_RELAXED);
    for (i = 1; i <= STATS_ERRORS && got < max && (apr_uint64_t)i <= pos;
         i++) {
        v = __atomic_load_n(&stats_counts[STATS_RING + 1
                                          + (pos - (apr_uint64_t)i)
                                            % STATS_ERRORS],
                            __ATOMIC_RELAXED);
        if (v) {
            out[got].when = (apr_int64_t)(v >> 24);
            out[got].number = (int)((v >> 4) & 0xfffff);
            out[got].level = (int)(v & 0xf);
            got++;
        }
    }
    return got;
}

static apr_uint64_t stats_get(apr_size_t i)
{
    return stats_counts && i < STATS_SLOTS
           ? __atomic_load_n(&stats_counts[i], __ATOMIC_RELAXED) : 0;
}

static apr_int64_t stats_gauge(gauge_t g)
{
    return (apr_int64_t)stats_get(STATS_GAUGES + g);
}

apr_uint64_t stats_value(stat_t which)
{
    return which < STAT_COUNT ? stats_get(which) : 0;
}

const char *stats_name(stat_t which)
{
    return which < STAT_COUNT ? stats_table[which].name : "";
}

const char *stats_help(stat_t which)
{
    return which < STAT_COUNT ? stats_table[which].help : NULL;
}

apr_int64_t stats_gauge_value(gauge_t which)
{
    return which < GAUGE_COUNT ? stats_gauge(which) : 0;
}

const char *stats_gauge_name(gauge_t which)
{
    return which < GAUGE_COUNT ? stats_gauges[which].name : "";
}

const char *stats_class_name(int cls)
{
    return cls >= 0 && (apr_size_t)cls < STATS_SC ? stats_classes[cls] : "";
}

apr_uint64_t stats_api_value(workos_label_t label, int cls)
{
    return (apr_size_t)label < STATS_EP && cls >= 0
           && (apr_size_t)cls < STATS_SC
           ? stats_get(STAT_COUNT + (apr_size_t)label * STATS_SC
                       + (apr_size_t)cls)
           : 0;
}

/* [{"number":"WOS00107","level":"warn","time":1700000000}, ...] */
static const char *stats_errors_json(apr_pool_t *p)
{
    static const char *const levels[] = { "emerg", "alert", "crit",
                                          "error", "warn" };
    stats_error_t e[STATS_ERRORS];
    int n = stats_errors(e, STATS_ERRORS), i;
    const char *out = "[";

    for (i = 0; i < n; i++) {
        out = apr_psprintf(p, "%s%s{\"number\":\"WOS%05d\",\"level\":\"%s\","
                           "\"time\":%" APR_INT64_T_FMT "}", out, i ? "," : "",
                           e[i].number, e[i].level <= APLOG_WARNING
                           ? levels[e[i].level] : "warn", e[i].when);
    }
    return apr_pstrcat(p, out, "]", NULL);
}

const char *stats_json(apr_pool_t *p)
{
    const char *out = "{";
    apr_size_t e, c;
    int i;

    for (i = 0; i < STAT_COUNT; i++) {
        out = apr_psprintf(p, "%s%s\"%s\":%" APR_UINT64_T_FMT, out,
                           i ? "," : "", stats_table[i].name, stats_get(i));
    }
    for (i = 0; i < GAUGE_COUNT; i++) {
        out = apr_psprintf(p, "%s,\"%s\":%" APR_INT64_T_FMT, out,
                           stats_gauges[i].name, stats_gauge(i));
    }
    out = apr_pstrcat(p, out, ",\"api_calls\":{", NULL);
    for (e = 0; e < STATS_EP; e++) {
        for (c = 0; c < STATS_SC; c++) {
            out = apr_psprintf(p, "%s%s\"%s %s\":%" APR_UINT64_T_FMT, out,
                               e || c ? "," : "",
                               workos_api_label_name((workos_label_t)e),
                               stats_classes[c],
                               stats_get(STAT_COUNT + e * STATS_SC + c));
        }
    }
    return apr_pstrcat(p, out, "},\"last_errors\":", stats_errors_json(p),
                       "}\n", NULL);
}

const char *stats_html(apr_pool_t *p)
{
    const char *out = "<table class=\"workos\">\n";
    int i;

    for (i = 0; i < STAT_COUNT; i++) {
        out = apr_psprintf(p, "%s<tr><th>%s</th><td>%" APR_UINT64_T_FMT
                           "</td></tr>\n", out, stats_table[i].name,
                           stats_get(i));
    }
    for (i = 0; i < GAUGE_COUNT; i++) {
        out = apr_psprintf(p, "%s<tr><th>%s</th><td>%" APR_INT64_T_FMT
                           "</td></tr>\n", out, stats_gauges[i].name,
                           stats_gauge(i));
    }
    return apr_pstrcat(p, out, "</table>\n", NULL);
}

/* # HELP and # TYPE once per family, then one sample per row. */
static const char *stats_family(apr_pool_t *p, const char *out,
                                const stats_row_t *row,
                                const stats_row_t *prev, const char *type,
                                const char *value)
{
    if (!prev || strcmp(prev->metric, row->metric) != 0) {
        out = apr_pstrcat(p, out, "# HELP ", row->metric, " ", row->help,
                          "\n# TYPE ", row->metric, " ", type, "\n", NULL);
    }
    return apr_pstrcat(p, out, row->metric, *row->labels ? "{" : "",
                       row->labels, *row->labels ? "}" : "", " ", value,
                       "\n", NULL);
}

const char *stats_prometheus(apr_pool_t *p)
{
    const char *out = "";
    apr_size_t e, c;
    int i;

    for (i = 0; i < STAT_COUNT; i++) {
        out = stats_family(p, out, &stats_table[i],
                           i ? &stats_table[i - 1] : NULL, "counter",
                           apr_psprintf(p, "%" APR_UINT64_T_FMT,
                                        stats_get(i)));
    }
    for (i = 0; i < GAUGE_COUNT; i++) {
        out = stats_family(p, out, &stats_gauges[i], NULL, "gauge",
                           apr_psprintf(p, "%" APR_INT64_T_FMT,
                                        stats_gauge(i)));
    }
    out = apr_pstrcat(p, out, "# HELP workos_api_calls_total Calls to "
                      "WorkOS by endpoint and status class (error: no "
                      "answer).\n# TYPE workos_api_calls_total counter\n",
                      NULL);
    for (e = 0; e < STATS_EP; e++) {
        for (c = 0; c < STATS_SC; c++) {
            out = apr_psprintf(p, "%sworkos_api_calls_total{endpoint=\"%s\","
                               "status=\"%s\"} %" APR_UINT64_T_FMT "\n", out,
                               workos_api_label_name((workos_label_t)e),
                               stats_classes[c],
                               stats_get(STAT_COUNT + e * STATS_SC + c));
        }
    }
    return out;
}

typedef enum { STATS_JSON, STATS_HTML, STATS_PROM } stats_format_t;

static int stats_arg(request_rec *r, const char *what)
{
    return r->args && ap_strstr_c(r->args, what) != NULL;
}

static stats_format_t stats_format(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");

    if (stats_arg(r, "format=json")) {
        return STATS_JSON;
    }
    if (stats_arg(r, "format=prometheus")) {
        return STATS_PROM;
    }
    if (stats_arg(r, "format=html")) {
        return STATS_HTML;
    }
    /* Prometheus scrapers send text/plain;version=0.0.4 (or OpenMetrics
     * first, with text/plain as a fallback) */
    if (accept && (ap_strstr_c(accept, "text/plain")
                   || ap_strstr_c(accept, "application/openmetrics-text"))) {
        return STATS_PROM;
    }
    return accept && ap_strstr_c(accept, "text/html") ? STATS_HTML
                                                      : STATS_JSON;
}

int stats_wants_html(request_rec *r)
{
    return stats_format(r) == STATS_HTML;
}

int stats_handle(request_rec *r)
{
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    switch (stats_format(r)) {
    case STATS_HTML:
        ap_set_content_type(r, "text/html; charset=utf-8");
        ap_rputs("<!DOCTYPE html>\n<html><head><title>mod_auth_workos"
                 "</title></head><body><h1>mod_auth_workos</h1>\n", r);
        ap_rputs(stats_html(r->pool), r);
        ap_rputs("</body></html>\n", r);
        return OK;
    case STATS_PROM:
        ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
        ap_rputs(stats_prometheus(r->pool), r);
        return OK;
    default:
        ap_set_content_type(r, "application/json");
        ap_rputs(stats_json(r->pool), r);
        return OK;
    }
}

int stats_status_hook(request_rec *r, int flags)
{
    int i;

    if (flags & AP_STATUS_SHORT) {
        for (i = 0; i < STAT_COUNT; i++) {
            ap_rprintf(r, "WorkOS %s: %" APR_UINT64_T_FMT "\n",
                       stats_table[i].name, stats_get(i));
        }
        return OK;
    }
    ap_rputs("<hr />\n<h2>mod_auth_workos</h2>\n", r);
    ap_rputs(stats_html(r->pool), r);
    return OK;
}
