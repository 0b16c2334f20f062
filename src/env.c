/* Identity to environment and headers; see env.h. */
#include "httpd.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "env.h"

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

static void env_set(request_rec *r, const env_name_t *n, const char *v,
                    int pass_headers)
{
    if (!v || !*v || !env_safe(v)) {
        return;
    }
    apr_table_setn(r->subprocess_env, n->var, v);
    if (pass_headers) {
        apr_table_setn(r->headers_in, n->header, v);
    }
}

void env_publish(request_rec *r, const wos_identity_t *id, int pass_headers)
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

    env_set(r, &n[0], id->user_id, pass_headers);
    env_set(r, &n[1], id->session_id, pass_headers);
    env_set(r, &n[2], id->org_id, pass_headers);
    env_set(r, &n[3], id->role, pass_headers);
    env_set(r, &n[4], id->roles && id->roles->nelts
                      ? identity_join(p, id->roles) : id->role, pass_headers);
    env_set(r, &n[5], identity_join(p, id->permissions), pass_headers);
    env_set(r, &n[6], identity_join(p, id->entitlements), pass_headers);
    env_set(r, &n[7], identity_join(p, id->feature_flags), pass_headers);
    env_set(r, &n[8], id->email, pass_headers);
    env_set(r, &n[9], id->impersonator_email, pass_headers);
    env_set(r, &n[10], id->api_key_id, pass_headers);
}
