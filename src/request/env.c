/* SPDX-License-Identifier: Apache-2.0 */
/* Identity to environment and headers; see env.h. */
#include "httpd.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include "http_log.h"
#include "request/env.h"
#include "model/claims.h"
#include "model/cookie_strip.h"
#include "model/flow.h"
#include "base/module.h"


typedef struct {
    const char *var;
    const char *header;
} env_name_t;

/* "X-WorkOS-", "X_WorkOS_" or a mix, in any case: mod_proxy passes the
 * underscore form, and WSGI/Rack read both as the same variable. */
static int env_forged_name(const char *k)
{
    return k && (k[0] == 'x' || k[0] == 'X') && (k[1] == '-' || k[1] == '_')
           && !strncasecmp(k + 2, "workos", 6)
           && (k[8] == '-' || k[8] == '_');
}

void env_strip_forged(request_rec *r)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *doomed = NULL;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (env_forged_name(e[i].key)) {
            if (!doomed) {
                doomed = apr_array_make(r->pool, 4, sizeof(const char *));
            }
            *(const char **)apr_array_push(doomed) = e[i].key;
        }
    }
    for (i = 0; doomed && i < doomed->nelts; i++) {
        apr_table_unset(r->headers_in, APR_ARRAY_IDX(doomed, i,
                                                     const char *));
    }
}

/* Claims are signed but still caller-chosen text: nothing that could
 * split a header or a log line goes out. */
static int env_safe(const char *v)
{
    for (; *v; v++) {
        if (apr_iscntrl(*v)) {
            return 0;
        }
    }
    return 1;
}

/* Added, not set: env_clear and env_strip_forged have just removed every
 * earlier value of these names, so there is none to replace. */
static void env_set(request_rec *r, const env_name_t *n, const char *v,
                    int pass_headers, int clean)
{
    if (!v || !*v || (!clean && !env_safe(v))) {
        return;
    }
    apr_table_addn(r->subprocess_env, n->var, v);
    if (pass_headers) {
        apr_table_addn(r->headers_in, n->header, v);
    }
}

/* A list as published: built once by the cache that keeps the identity,
 * or joined now. */
static const char *env_list(apr_pool_t *p, const char *text,
                            const apr_array_header_t *list)
{
    return text ? text : identity_join(p, list);
}

static void env_publish_vars(request_rec *r, const wos_identity_t *id,
                             int pass_headers)
{
    static const env_name_t n[] = {
        { "WORKOS_USER_ID", "X-WorkOS-User-Id" },
        { "WORKOS_SESSION_ID", "X-WorkOS-Session-Id" },
        { "WORKOS_ORG_ID", "X-WorkOS-Org-Id" },
        { "WORKOS_ROLE", "X-WorkOS-Role" },
        { "WORKOS_ROLES", "X-WorkOS-Roles" },
        { "WORKOS_PERMISSIONS", "X-WorkOS-Permissions" },
        { "WORKOS_ENTITLEMENTS", "X-WorkOS-Entitlements" },
        { "WORKOS_FEATURE_FLAGS", "X-WorkOS-Feature-Flags" },
        { "WORKOS_USER_EMAIL", "X-WorkOS-User-Email" },
        { "WORKOS_IMPERSONATOR_EMAIL", "X-WorkOS-Impersonator-Email" },
        { "WORKOS_API_KEY_ID", "X-WorkOS-API-Key-Id" },
    };
    apr_pool_t *p = r->pool;
    int clean = id->published_clean;  /* checked once by the cache */

    env_set(r, &n[0], id->user_id, pass_headers, clean);
    env_set(r, &n[1], id->session_id, pass_headers, clean);
    env_set(r, &n[2], id->org_id, pass_headers, clean);
    env_set(r, &n[3], id->role, pass_headers, clean);
    env_set(r, &n[4], id->roles_text ? id->roles_text
                      : id->roles && id->roles->nelts
                      ? identity_join(p, id->roles) : id->role,
            pass_headers, clean);
    env_set(r, &n[5], env_list(p, id->permissions_text, id->permissions),
            pass_headers, clean);
    env_set(r, &n[6], env_list(p, id->entitlements_text, id->entitlements),
            pass_headers, clean);
    env_set(r, &n[7], env_list(p, id->feature_flags_text,
                               id->feature_flags), pass_headers, clean);
    env_set(r, &n[8], id->email, pass_headers, clean);
    env_set(r, &n[9], id->impersonator_email, pass_headers, clean);
    env_set(r, &n[10], id->api_key_id, pass_headers, clean);
}

/* ---- WorkOSPassClaim and WorkOSRemoteUser -------------------------- */

static void env_pass_claims(request_rec *r, const wos_identity_t *id,
                            const apr_array_header_t *pass_claims,
                            int pass_headers)
{
    int i;

    if (!pass_claims || !pass_claims->nelts || !id->claims_json) {
        return;
    }
    for (i = 0; i < pass_claims->nelts; i++) {
        const wos_pass_claim_t *pc = &APR_ARRAY_IDX(pass_claims, i,
                                                    wos_pass_claim_t);
        const json_t *v = NULL;
        const char *text, *why = NULL;
        claims_rc rc = claims_lookup_identity(r->pool, id, pc->name, &v);

        if (rc == CLAIMS_TOO_DEEP) {
            why = "claim path deeper than 8 levels";
        }
        text = rc == CLAIMS_FOUND ? claims_text(r->pool, v, &why) : NULL;
        if (!text) {
            if (why) {
                ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                              WOSLOGNO(02510) "WorkOSPassClaim %s: not "
                              "passed on: %s", pc->name, why);
            }
            continue;
        }
        apr_table_setn(r->subprocess_env,
                       pc->var ? pc->var : claims_var_name(r->pool, pc->name),
                       text);
        if (pass_headers) {
            apr_table_setn(r->headers_in,
                           claims_header_name(r->pool,
                                              pc->var ? pc->var : pc->name),
                           text);
        }
    }
}

static const char *env_remote_user(request_rec *r,
                                   const wos_identity_t *id, int mode,
                                   const char *claim)
{
    const json_t *v = NULL;
    const char *why = NULL, *user = NULL;

    if (mode == WOS_RU_SUB || mode == WOS_UNSET) {
        return id->user_id;
    }
    if (mode == WOS_RU_EMAIL) {
        /* the sealed user object; a bearer token may carry an email claim */
        if (id->email) {
            return id->email;
        }
        claim = "email";
    }
    switch (claims_lookup_identity(r->pool, id, claim, &v)) {
    case CLAIMS_FOUND:
        user = claims_scalar_text(r->pool, v, &why);
        break;
    case CLAIMS_TOO_DEEP:
        why = "claim path deeper than 8 levels";
        break;
    default:
        break;
    }
    if (!user || !*user) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(02511)
                      "WorkOSRemoteUser %s%s: %s has no such value (%s); "
                      "no user", mode == WOS_RU_EMAIL ? "email" : "claim ",
                      mode == WOS_RU_EMAIL ? "" : claim,
                      id->api_key_id ? "this API key" : id->user_id,
                      why ? why : !id->claims_json
                                  ? "the credential has no claims"
                                  : "missing or empty");
        return NULL;
    }
    return user;
}

/* ---- publishing: the old view removed first ------------------------ */

/* A variable this module sets: WORKOS_*, a WorkOSPassClaim target, or
 * httpd's REDIRECT_ copy of one of them (an internal redirect renames
 * the first pass's variables so). */
static int env_ours(const char *k, const apr_array_header_t *pass_claims,
                    apr_pool_t *p)
{
    int i;

    while (!strncasecmp(k, "REDIRECT_", 9)) {
        k += 9;
    }
    if (!strncasecmp(k, "WORKOS_", 7) || !strcasecmp(k, "REMOTE_USER")) {
        return 1;
    }
    for (i = 0; pass_claims && i < pass_claims->nelts; i++) {
        const wos_pass_claim_t *pc = &APR_ARRAY_IDX(pass_claims, i,
                                                    wos_pass_claim_t);
        if (!strcmp(k, pc->var ? pc->var : claims_var_name(p, pc->name))) {
            return 1;
        }
    }
    return 0;
}

static void env_clear(request_rec *r, const apr_array_header_t *pass_claims)
{
    const apr_array_header_t *arr = apr_table_elts(r->subprocess_env);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *doomed = apr_array_make(r->pool, 8,
                                                sizeof(const char *));
    int i;

    env_strip_forged(r);
    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && env_ours(e[i].key, pass_claims, r->pool)) {
            APR_ARRAY_PUSH(doomed, const char *) = e[i].key;
        }
    }
    for (i = 0; i < doomed->nelts; i++) {
        apr_table_unset(r->subprocess_env,
                        APR_ARRAY_IDX(doomed, i, const char *));
    }
}

int env_publish(request_rec *r, const wos_identity_t *id,
                const wos_dir_cfg *dc)
{
    const char *user;
    int headers = dc->pass_headers == 1;

    env_clear(r, dc->pass_claims);
    user = env_remote_user(r, id, dc->remote_user, dc->remote_user_claim);
    if (!user) {
        return 0;
    }
    r->user = apr_pstrdup(r->pool, user);
    env_publish_vars(r, id, headers);
    env_pass_claims(r, id, dc->pass_claims, headers);
    return 1;
}

/* ---- WorkOSStripCookies -------------------------------------------- */

void env_strip_cookies(request_rec *r, const char *cookie_name)
{
    const char *h = apr_table_get(r->headers_in, "Cookie");
    const char *rest = cookie_strip(r->pool, h, cookie_name,
                                    FLOW_COOKIE_PREFIX);

    if (rest == h) {
        return;
    }
    if (rest) {
        apr_table_setn(r->headers_in, "Cookie", rest);
    }
    else {
        apr_table_unset(r->headers_in, "Cookie");
    }
}
