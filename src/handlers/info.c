/* SPDX-License-Identifier: Apache-2.0 */
/* workos-info; see info.h. */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_time.h"
#include "apr_strings.h"
#include <jansson.h>
#include <stdlib.h>
#include "handlers/info.h"
#include "request/authn.h"
#include "request/reply.h"
#include "base/cache.h"
#include "base/stats.h"
#include "workos/workos_api.h"
#include "base/module.h"


static json_t *info_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *info_list(const apr_array_header_t *list)
{
    json_t *a = json_array();
    int i;

    for (i = 0; list && i < list->nelts; i++) {
        json_array_append_new(a, json_string(APR_ARRAY_IDX(list, i,
                                                           const char *)));
    }
    return a;
}

/* Everything an SPA needs to draw its signed-in state; no token, no
 * cookie value, nothing secret. */
static char *info_json(const wos_identity_t *id)
{
    json_t *o = json_object(), *imp;
    char *text;

    json_object_set_new(o, "authenticated", json_true());
    json_object_set_new(o, "user_id", info_str(id->user_id));
    json_object_set_new(o, "email", info_str(id->email));
    json_object_set_new(o, "organization_id", info_str(id->org_id));
    json_object_set_new(o, "role", info_str(id->role));
    /* as WORKOS_ROLES: a token with only "role" has that one role */
    if (id->roles && id->roles->nelts) {
        json_object_set_new(o, "roles", info_list(id->roles));
    }
    else {
        json_object_set_new(o, "roles", id->role
                            ? json_pack("[s]", id->role) : json_array());
    }
    json_object_set_new(o, "permissions", info_list(id->permissions));
    json_object_set_new(o, "entitlements", info_list(id->entitlements));
    json_object_set_new(o, "feature_flags", info_list(id->feature_flags));
    json_object_set_new(o, "session_id", info_str(id->session_id));
    imp = id->impersonator_email
          ? json_pack("{s:s}", "email", id->impersonator_email)
          : json_null();
    json_object_set_new(o, "impersonator", imp ? imp : json_null());
    if (id->api_key_id) {
        json_object_set_new(o, "api_key_id", json_string(id->api_key_id));
    }
    json_object_set_new(o, "access_token_expires_at",
                        id->exp > 0 ? json_integer(id->exp) : json_null());
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

int info_handle(request_rec *r, const wos_srv_cfg *sc)
{
    const wos_identity_t *id = NULL;
    char *text;
    int rc;

    if (r->method_number != M_GET) {
        apr_table_setn(r->err_headers_out, "Allow", "GET, HEAD");
        return reply_json(r, HTTP_METHOD_NOT_ALLOWED,
                          "{\"error\":\"method_not_allowed\"}\n");
    }
    rc = authn_identify(r, sc, &id);
    if (rc == HTTP_UNAUTHORIZED) {
        return reply_json(r, HTTP_UNAUTHORIZED,
                          "{\"authenticated\":false,"
                          "\"error\":\"not_signed_in\"}\n");
    }
    if (rc != OK) {
        return reply_json(r, rc, "{\"error\":\"try_again\"}\n");
    }
    text = info_json(id);
    if (!text) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(02530)
                      "workos-info: cannot build the answer");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    reply_json(r, HTTP_OK, apr_pstrcat(r->pool, text, "\n", NULL));
    free(text);
    return OK;
}

/* ---- workos-status for people ------------------------------------------ */

/* "2026-12-07 06:52:36 UTC (12 s ago)", or never. */
static const char *info_when(apr_pool_t *p, apr_int64_t t, apr_int64_t now)
{
    apr_time_exp_t tm;
    apr_size_t len;
    char buf[32];
    apr_int64_t ago = now - t;

    if (t <= 0 || apr_time_exp_gmt(&tm, apr_time_from_sec(t)) != APR_SUCCESS
        || apr_strftime(buf, &len, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC",
                        &tm) != APR_SUCCESS) {
        return "never";
    }
    return ago < 0 ? apr_pstrdup(p, buf)
           : ago < 120 ? apr_psprintf(p, "%s (%" APR_INT64_T_FMT " s ago)",
                                      buf, ago)
           : ago < 7200 ? apr_psprintf(p, "%s (%" APR_INT64_T_FMT
                                       " min ago)", buf, ago / 60)
           : apr_psprintf(p, "%s (%" APR_INT64_T_FMT " h ago)", buf,
                          ago / 3600);
}

/* One health row: what, its state (ok, down, idle: a class and a word),
 * and details (HTML, already escaped). */
static void info_health(request_rec *r, const char *what, const char *cls,
                        const char *state, const char *details)
{
    ap_rprintf(r, "<tr><th>%s</th><td class=\"%s\">%s</td><td>%s</td>"
               "</tr>\n", what, cls, state, details);
}

static void info_health_workos(request_rec *r, apr_int64_t now)
{
    apr_int64_t ok = stats_gauge_value(GAUGE_API_LAST_OK);
    apr_int64_t bad = stats_gauge_value(GAUGE_API_LAST_FAIL);
    const char *details = apr_pstrcat(
        r->pool, "last answer: ", info_when(r->pool, ok, now),
        "; last failure (no answer or 5xx): ", info_when(r->pool, bad, now),
        NULL);

    if (!ok && !bad) {
        info_health(r, "WorkOS", "idle", "not called yet", details);
    }
    else if (stats_gauge_value(GAUGE_API_DOWN)) {
        info_health(r, "WorkOS", "down", "unreachable", details);
    }
    else {
        info_health(r, "WorkOS", "ok", "reachable", details);
    }
}

static void info_health_keys(request_rec *r, apr_int64_t now)
{
    apr_int64_t n = stats_gauge_value(GAUGE_JWKS_KEYS);
    apr_int64_t at = stats_gauge_value(GAUGE_JWKS_FETCHED);
    const char *details = apr_psprintf(
        r->pool, "fetched from WorkOS: %s; fetches %" APR_UINT64_T_FMT
        ", failed %" APR_UINT64_T_FMT, info_when(r->pool, at, now),
        stats_value(STAT_JWKS_FETCHES), stats_value(STAT_JWKS_FAILURES));

    if (!at) {
        info_health(r, "Signing keys", "idle", "not fetched yet", details);
        return;
    }
    info_health(r, "Signing keys", n > 0 ? "ok" : "down",
                apr_psprintf(r->pool, "%" APR_INT64_T_FMT " key%s, %"
                             APR_INT64_T_FMT " min old", n, n == 1 ? "" : "s",
                             (now - at) / 60), details);
}

static void info_health_cache(request_rec *r, const wos_srv_cfg *sc,
                              apr_int64_t now)
{
    apr_int64_t ok = stats_gauge_value(GAUGE_CACHE_LAST_OK);
    apr_int64_t bad = stats_gauge_value(GAUGE_CACHE_LAST_FAIL);
    const char *spec = ap_escape_html(r->pool, sc && sc->cache
                                      ? cache_spec(sc->cache) : "shm");
    const char *details;

    if (!sc || !cache_is_remote(sc->cache)) {
        info_health(r, "Cache", "ok", "up",
                    apr_pstrcat(r->pool, spec, ": shared memory on this "
                                "host", NULL));
        return;
    }
    details = apr_pstrcat(r->pool, spec, "; last answer: ",
                          info_when(r->pool, ok, now), "; last failure: ",
                          info_when(r->pool, bad, now), NULL);
    if (stats_gauge_value(GAUGE_CACHE_DOWN)) {
        info_health(r, "Cache", "down", "down (this host uses its own)",
                    details);
    }
    else {
        info_health(r, "Cache", ok ? "ok" : "idle", ok ? "up" : "not used yet",
                    details);
    }
}

static void info_health_events(request_rec *r, apr_int64_t now)
{
    apr_int64_t ok = stats_gauge_value(GAUGE_POLL_LAST_OK);
    apr_uint64_t polls = stats_value(STAT_EVENTS_POLLS);
    apr_uint64_t failed = stats_value(STAT_EVENTS_POLL_FAILURES);
    const char *details = apr_psprintf(
        r->pool, "last good poll: %s; pages read %" APR_UINT64_T_FMT
        ", failed polls %" APR_UINT64_T_FMT "; events applied %"
        APR_UINT64_T_FMT, info_when(r->pool, ok, now), polls, failed,
        stats_value(STAT_EVENTS_APPLIED));

    if (!polls && !failed) {
        info_health(r, "Events poller", "idle", "not polling", details);
    }
    else {
        info_health(r, "Events poller", ok ? "ok" : "down",
                    ok ? apr_psprintf(r->pool, "lag %" APR_INT64_T_FMT " s",
                                      stats_gauge_value(GAUGE_POLL_LAG))
                       : "no good poll yet", details);
    }
}

static void info_errors(request_rec *r, apr_int64_t now)
{
    static const char *const levels[] = { "emerg", "alert", "crit",
                                          "error", "warn" };
    stats_error_t e[STATS_ERRORS];
    int n = stats_errors(e, STATS_ERRORS), i;

    ap_rputs("<h2>Last errors</h2>\n", r);
    if (!n) {
        ap_rputs("<p>None since start.</p>\n", r);
        return;
    }
    ap_rputs("<table class=\"workos-errors\">\n<tr><th>when</th>"
             "<th>level</th><th>message</th></tr>\n", r);
    for (i = 0; i < n; i++) {
        ap_rprintf(r, "<tr><td>%s</td><td>%s</td><td>WOS%05d</td></tr>\n",
                   info_when(r->pool, e[i].when, now),
                   e[i].level >= 0 && e[i].level <= APLOG_WARNING
                   ? levels[e[i].level] : "warn", e[i].number);
    }
    ap_rputs("</table>\n<p>The numbers are in the error log with their "
             "text, and in the troubleshooting guide.</p>\n", r);
}

/* The counters' groups, by the start of their name; a counter no prefix
 * claims is shown under "Other", so new rows need no change here. */
static const struct {
    const char *prefix;
    const char *group;
} info_groups[] = {
    { "requests_", "Requests" },
    { "revoked_", "Requests" },
    { "sign_ins", "Sessions" },
    { "refreshes", "Sessions" },
    { "credential_cache", "Credentials and caches" },
    { "shared_credential", "Credentials and caches" },
    { "cache_", "Credentials and caches" },
    { "verification_", "Credentials and caches" },
    { "signature_", "Credentials and caches" },
    { "jwks_", "WorkOS" },
    { "workos_api", "WorkOS" },
    { "webhooks", "Events and revocations" },
    { "events_", "Events and revocations" },
    { "revocations", "Events and revocations" },
};
static const char *const info_group_order[] = {
    "Requests", "Sessions", "Credentials and caches", "WorkOS",
    "Events and revocations", "Other",
};

static const char *info_group_of(const char *name)
{
    apr_size_t i;

    for (i = 0; i < sizeof(info_groups) / sizeof(info_groups[0]); i++) {
        if (!strncmp(name, info_groups[i].prefix,
                     strlen(info_groups[i].prefix))) {
            return info_groups[i].group;
        }
    }
    return "Other";
}

/* value per minute since start */
static const char *info_rate(apr_pool_t *p, apr_uint64_t v,
                             apr_int64_t uptime)
{
    return apr_psprintf(p, "%.2f/min", (double)v * 60.0
                        / (double)(uptime > 0 ? uptime : 1));
}

static void info_counters(request_rec *r, apr_int64_t uptime)
{
    apr_size_t g;
    int i, c, shown;

    ap_rputs("<h2>Counters</h2>\n", r);
    for (g = 0; g < sizeof(info_group_order) / sizeof(info_group_order[0]);
         g++) {
        shown = 0;
        for (i = 0; i < STAT_COUNT; i++) {
            const char *name = stats_name((stat_t)i);
            const char *help = stats_help((stat_t)i);
            apr_uint64_t v = stats_value((stat_t)i);

            if (strcmp(info_group_of(name), info_group_order[g]) != 0) {
                continue;
            }
            if (!shown++) {
                ap_rprintf(r, "<h3>%s</h3>\n<table class=\"workos\">\n"
                           "<tr><th>counter</th><th>count</th>"
                           "<th>rate since start</th><th>what</th></tr>\n",
                           info_group_order[g]);
            }
            ap_rprintf(r, "<tr><th>%s</th><td>%" APR_UINT64_T_FMT
                       "</td><td>%s</td><td>%s</td></tr>\n", name, v,
                       info_rate(r->pool, v, uptime),
                       help ? ap_escape_html(r->pool, help) : "");
        }
        if (shown) {
            ap_rputs("</table>\n", r);
        }
    }
    ap_rputs("<h3>Calls to WorkOS</h3>\n<table class=\"workos-calls\">\n"
             "<tr><th>endpoint</th>", r);
    for (c = 0; c < STATS_CLASSES; c++) {
        ap_rprintf(r, "<th>%s</th>", stats_class_name(c));
    }
    ap_rputs("</tr>\n", r);
    for (i = 0; i < WORKOS_LABEL_COUNT; i++) {
        ap_rprintf(r, "<tr><th>%s</th>",
                   workos_api_label_name((workos_label_t)i));
        for (c = 0; c < STATS_CLASSES; c++) {
            ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td>",
                       stats_api_value((workos_label_t)i, c));
        }
        ap_rputs("</tr>\n", r);
    }
    ap_rputs("</table>\n", r);
}

int info_status(request_rec *r, const wos_srv_cfg *sc)
{
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_int64_t started = stats_gauge_value(GAUGE_STARTED);

    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rputs("<!DOCTYPE html>\n<html><head><title>mod_auth_workos status"
             "</title></head><body><h1>mod_auth_workos status</h1>\n", r);
    ap_rprintf(r, "<p>Every process of this server since %s. Also as "
               "<a href=\"?format=json\">JSON</a> and "
               "<a href=\"?format=prometheus\">Prometheus</a> metrics.</p>\n",
               info_when(r->pool, started, now));
    ap_rputs("<h2>Health</h2>\n<table class=\"workos-health\">\n", r);
    info_health_workos(r, now);
    info_health_keys(r, now);
    info_health_cache(r, sc, now);
    info_health_events(r, now);
    ap_rputs("</table>\n", r);
    info_errors(r, now);
    info_counters(r, started ? now - started : 0);
    ap_rputs("</body></html>\n", r);
    return OK;
}
