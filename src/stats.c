/* Operator counters; see stats.h. */
#include "httpd.h"
#include "http_protocol.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "mod_status.h"
#include "stats.h"

static apr_uint64_t *stats_counts;

static const char *const stats_names[STAT_COUNT] = {
    "requests_allowed", "requests_denied", "requests_forbidden",
    "credential_cache_hits", "credential_cache_misses", "refreshes",
    "refreshes_shared", "sign_ins", "jwks_fetches", "jwks_fetch_failures",
    "workos_api_errors", "webhooks", "revocations_recorded",
    "revoked_requests_denied", "signature_verifications",
    "shared_credential_hits", "shared_credential_misses",
    "shared_credential_rejected",
};

apr_status_t stats_init(apr_pool_t *pconf)
{
    apr_shm_t *shm;
    apr_status_t rv;

    /* anonymous: inherited by every child of this generation */
    rv = apr_shm_create(&shm, sizeof(apr_uint64_t) * STAT_COUNT, NULL,
                        pconf);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    stats_counts = apr_shm_baseaddr_get(shm);
    memset(stats_counts, 0, sizeof(apr_uint64_t) * STAT_COUNT);
    return APR_SUCCESS;
}

void stats_inc(stat_t which)
{
    if (stats_counts && which < STAT_COUNT) {
        __atomic_fetch_add(&stats_counts[which], 1, __ATOMIC_RELAXED);
    }
}

static apr_uint64_t stats_get(int i)
{
    return stats_counts ? __atomic_load_n(&stats_counts[i], __ATOMIC_RELAXED)
                        : 0;
}

const char *stats_json(apr_pool_t *p)
{
    const char *out = "{";
    int i;

    for (i = 0; i < STAT_COUNT; i++) {
        out = apr_psprintf(p, "%s%s\"%s\":%" APR_UINT64_T_FMT, out,
                           i ? "," : "", stats_names[i], stats_get(i));
    }
    return apr_pstrcat(p, out, "}\n", NULL);
}

const char *stats_html(apr_pool_t *p)
{
    const char *out = "<table class=\"workos\">\n";
    int i;

    for (i = 0; i < STAT_COUNT; i++) {
        out = apr_psprintf(p, "%s<tr><th>%s</th><td>%" APR_UINT64_T_FMT
                           "</td></tr>\n", out, stats_names[i],
                           stats_get(i));
    }
    return apr_pstrcat(p, out, "</table>\n", NULL);
}

static int stats_wants_html(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");

    if (r->args && ap_strstr_c(r->args, "format=json")) {
        return 0;
    }
    return (r->args && ap_strstr_c(r->args, "format=html"))
           || (accept && ap_strstr_c(accept, "text/html"));
}

int stats_handle(request_rec *r)
{
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (stats_wants_html(r)) {
        ap_set_content_type(r, "text/html; charset=utf-8");
        ap_rputs("<!DOCTYPE html>\n<html><head><title>mod_auth_workos"
                 "</title></head><body><h1>mod_auth_workos</h1>\n", r);
        ap_rputs(stats_html(r->pool), r);
        ap_rputs("</body></html>\n", r);
        return OK;
    }
    ap_set_content_type(r, "application/json");
    ap_rputs(stats_json(r->pool), r);
    return OK;
}

int stats_status_hook(request_rec *r, int flags)
{
    int i;

    if (flags & AP_STATUS_SHORT) {
        for (i = 0; i < STAT_COUNT; i++) {
            ap_rprintf(r, "WorkOS %s: %" APR_UINT64_T_FMT "\n",
                       stats_names[i], stats_get(i));
        }
        return OK;
    }
    ap_rputs("<hr />\n<h2>mod_auth_workos</h2>\n", r);
    ap_rputs(stats_html(r->pool), r);
    return OK;
}
