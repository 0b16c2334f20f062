/* SPDX-License-Identifier: Apache-2.0 */
/* Require providers over the verified identity; see authz.h. */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_provider.h"
#include "ap_expr.h"
#include "mod_auth.h"
#include "http_request.h"
#include "apr_strings.h"
#include "request/authz.h"
#include "request/authn.h"
#include "model/require.h"
#include "request/autoswitch.h"
#include "request/access.h"
#include "model/access.h"
#include "model/claims.h"
#include "base/stats.h"
#include "base/module.h"


/* One parsed Require line. Values holding "%{" are ap_expr string
 * expressions, parsed here once and evaluated per request; each gives
 * one value (never several: a tenant taken from a URL cannot widen the
 * line). */
typedef struct {
    require_kind_t kind;           /* unless is_claim */
    int is_claim;                  /* workos-claim: not one of require.c's
                                      fixed kinds */
    int is_access;                 /* workos-access: request/access.h */
    const char *name;              /* provider, for messages */
    const char *claim;             /* workos-claim NAME */
    apr_array_header_t *values;    /* const char *: the literal text */
    apr_array_header_t *exprs;     /* ap_expr_info_t *, NULL for a literal;
                                      NULL when the line has none */
} authz_line_t;

static const char *authz_parse_line(cmd_parms *cmd, const char *line,
                                    authz_line_t *al)
{
    const char *err = NULL;
    apr_array_header_t *words = require_parse(cmd->pool, line, &err);
    int i;

    if (!words) {
        return apr_psprintf(cmd->pool, "Require %s: %s (in '%s')", al->name,
                            err, line ? line : "");
    }
    if (al->is_claim) {
        al->claim = APR_ARRAY_IDX(words, 0, const char *);
        if (words->nelts < 2) {
            return apr_psprintf(cmd->pool, "Require %s: needs a claim name "
                                "and at least one value (in '%s')", al->name,
                                line);
        }
        if (ap_strstr_c(al->claim, "%{")) {
            return apr_psprintf(cmd->pool, "Require %s: the claim name "
                                "'%s' cannot be an expression (only the "
                                "values can)", al->name, al->claim);
        }
        /* the rest are the values */
        al->values = apr_array_make(cmd->pool, words->nelts - 1,
                                    sizeof(const char *));
        for (i = 1; i < words->nelts; i++) {
            APR_ARRAY_PUSH(al->values, const char *) =
                APR_ARRAY_IDX(words, i, const char *);
        }
    }
    else {
        al->values = words;
    }
    if (al->is_access && words->nelts != 2 && words->nelts != 3) {
        return apr_psprintf(cmd->pool, "Require %s: needs PERMISSION "
                            "RESOURCE_ID or PERMISSION TYPE EXTERNAL_ID, "
                            "not %d words (in '%s')", al->name, words->nelts,
                            line);
    }
    for (i = 0; i < al->values->nelts; i++) {
        const char *v = APR_ARRAY_IDX(al->values, i, const char *);
        ap_expr_info_t *expr = NULL;

        if (ap_strstr_c(v, "%{")) {
            expr = ap_expr_parse_cmd(cmd, v, AP_EXPR_FLAG_STRING_RESULT,
                                     &err, NULL);
            if (err) {
                return apr_psprintf(cmd->pool, "Require %s: cannot parse "
                                    "expression '%s': %s", al->name, v, err);
            }
        }
        if (!expr && al->is_access && !access_id_ok(v)) {
            return apr_psprintf(cmd->pool, "Require %s: '%s' is not a "
                                "usable permission or resource: 1 to %d "
                                "printable characters, no spaces", al->name,
                                v, ACCESS_MAX_ID);
        }
        if (expr && !al->exprs) {
            al->exprs = apr_array_make(cmd->pool, al->values->nelts,
                                       sizeof(ap_expr_info_t *));
            while (al->exprs->nelts < i) {
                APR_ARRAY_PUSH(al->exprs, ap_expr_info_t *) = NULL;
            }
        }
        if (al->exprs) {
            APR_ARRAY_PUSH(al->exprs, ap_expr_info_t *) = expr;
        }
    }
    return NULL;
}

/* The values for this request: the literals, with every expression
 * evaluated. An expression that fails or gives nothing stands for no
 * value; NULL when no value is left (which denies). */
static const apr_array_header_t *authz_values(request_rec *r,
                                              const authz_line_t *al)
{
    apr_array_header_t *out;
    int i;

    if (!al->exprs) {
        return al->values;
    }
    out = apr_array_make(r->pool, al->values->nelts, sizeof(const char *));
    for (i = 0; i < al->values->nelts; i++) {
        const ap_expr_info_t *expr = APR_ARRAY_IDX(al->exprs, i,
                                                   ap_expr_info_t *);
        const char *v = APR_ARRAY_IDX(al->values, i, const char *);
        const char *err = NULL;

        if (expr) {
            v = ap_expr_str_exec(r, expr, &err);
            if (err) {
                ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                              WOSLOGNO(02501) "Require %s: cannot evaluate "
                              "'%s': %s", al->name,
                              APR_ARRAY_IDX(al->values, i, const char *),
                              err);
                continue;
            }
            if (!v || !*v) {
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                              WOSLOGNO(02502) "Require %s: '%s' is empty "
                              "for this request", al->name,
                              APR_ARRAY_IDX(al->values, i, const char *));
                continue;
            }
        }
        APR_ARRAY_PUSH(out, const char *) = v;
    }
    return out->nelts ? out : NULL;
}

static authz_status authz_denied(request_rec *r, const authz_line_t *al,
                                 const wos_identity_t *id, const char *why)
{
    stats_inc(STAT_FORBIDDEN);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(00401)
                  "Require %s: not granted to %s%s%s", al->name,
                  id ? r->user : "an anonymous caller", why ? ": " : "",
                  why ? why : "");
    return AUTHZ_DENIED;
}

/* The one place where a signed-in user's organisation is not among those
 * a workos-org line asks for (orgs: this request's values). */
static authz_status authz_org_refused(request_rec *r, const authz_line_t *al,
                                      const wos_identity_t *id,
                                      const apr_array_header_t *orgs)
{
    if (autoswitch_org(r, orgs)) {
        return AUTHZ_GRANTED;
    }
    return authz_denied(r, al, id, "not in that organisation");
}

static int authz_claim_granted(request_rec *r, const authz_line_t *al,
                               const apr_array_header_t *values,
                               const wos_identity_t *id)
{
    const char *why = NULL;

    if (!id->claims_json) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(02503)
                      "Require %s %s: this credential carries no claims "
                      "(an API key, or claims over 16 KiB)", al->name,
                      al->claim);
        return 0;
    }
    if (claims_match_identity(r->pool, id, al->claim, values, &why)) {
        return 1;
    }
    if (why && strcmp(why, "no such claim") != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(02504)
                      "Require %s %s: denied, %s", al->name, al->claim, why);
    }
    return 0;
}

static authz_status authz_check(request_rec *r, const authz_line_t *al)
{
    const wos_identity_t *id;
    const apr_array_header_t *values;

    /* the module's own handlers need no session (authn.h) */
    if (authn_module_request(r)) {
        return AUTHZ_GRANTED;
    }
    /* Without a user, authentication has not run yet: saying so makes
     * httpd run it and ask again. */
    if (!r->user) {
        return AUTHZ_DENIED_NO_USER;
    }
    id = authn_identity(r);
    if (!id) {
        return authz_denied(r, al, NULL, NULL);
    }
    values = authz_values(r, al);
    if (!values) {
        return authz_denied(r, al, id, "no value for this request");
    }
    if (al->is_access) {
        /* every word is one of the check's: none may be missing */
        if (values->nelts != al->values->nelts) {
            return authz_denied(r, al, id, "a word of the line is empty for "
                                "this request");
        }
        switch (access_check(r, id, values)) {
        case AUTHZ_GRANTED:
            return AUTHZ_GRANTED;
        case AUTHZ_GENERAL_ERROR:
            /* WorkOS could not answer: neither a grant nor a denial, so
             * that "Require not" cannot make it a grant (503) */
            return AUTHZ_GENERAL_ERROR;
        default:
            return authz_denied(r, al, id, NULL);
        }
    }
    if (al->is_claim ? authz_claim_granted(r, al, values, id)
                                : require_match(al->kind, values, id)) {
        return AUTHZ_GRANTED;
    }
    if (!al->is_claim && al->kind == REQ_ORG) {
        return authz_org_refused(r, al, id, values);
    }
    return authz_denied(r, al, id, NULL);
}

#define AUTHZ_PROVIDER(fn, kind_, claim_, name_)                           \
    static const char *fn##_parse(cmd_parms *cmd, const char *line,       \
                                  const void **parsed)                    \
    {                                                                     \
        authz_line_t *al = apr_pcalloc(cmd->pool, sizeof(*al));           \
        const char *err;                                                  \
        al->kind = kind_;                                                 \
        al->is_claim = claim_ == 1;                                       \
        al->is_access = claim_ == 2;                                      \
        al->name = name_;                                                 \
        err = authz_parse_line(cmd, line, al);                            \
        *parsed = al;                                                     \
        return err;                                                       \
    }                                                                     \
    static authz_status fn(request_rec *r, const char *line,              \
                           const void *parsed)                            \
    {                                                                     \
        (void)line;                                                       \
        return authz_check(r, parsed);                                    \
    }

AUTHZ_PROVIDER(authz_permission, REQ_PERMISSION, 0, "workos-permission")
AUTHZ_PROVIDER(authz_role, REQ_ROLE, 0, "workos-role")
AUTHZ_PROVIDER(authz_org, REQ_ORG, 0, "workos-org")
AUTHZ_PROVIDER(authz_entitlement, REQ_ENTITLEMENT, 0, "workos-entitlement")
AUTHZ_PROVIDER(authz_flag, REQ_FEATURE_FLAG, 0, "workos-feature-flag")
AUTHZ_PROVIDER(authz_claim, REQ_PERMISSION, 1, "workos-claim")
AUTHZ_PROVIDER(authz_access, REQ_PERMISSION, 2, "workos-access")

static const authz_provider authz_providers[] = {
    { authz_permission, authz_permission_parse },
    { authz_role, authz_role_parse },
    { authz_org, authz_org_parse },
    { authz_entitlement, authz_entitlement_parse },
    { authz_flag, authz_flag_parse },
    { authz_claim, authz_claim_parse },
    { authz_access, authz_access_parse },
};

static const char *const authz_names[] = {
    "workos-permission", "workos-role", "workos-org", "workos-entitlement",
    "workos-feature-flag", "workos-claim", "workos-access",
};

/* Per URI, not per configuration: a Require line may depend on the URI
 * (%{env:MATCH_TENANT} from a LocationMatch), and with PER_CONF httpd
 * reuses the first URI's decision for an internal redirect or subrequest
 * whose merged configuration is the same (a CGI's local redirect to
 * another tenant's page). This makes httpd run authentication for every
 * URI too; authn.c reuses the first check's credential result. */
void authz_register(apr_pool_t *p)
{
    size_t i;

    for (i = 0; i < sizeof(authz_names) / sizeof(authz_names[0]); i++) {
        ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, authz_names[i],
                                  AUTHZ_PROVIDER_VERSION,
                                  &authz_providers[i],
                                  AP_AUTH_INTERNAL_PER_URI);
    }
}
