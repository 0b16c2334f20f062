/* Require providers over the verified identity; see authz.h. */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_provider.h"
#include "mod_auth.h"
#include "http_request.h"
#include "apr_strings.h"
#include "authz.h"
#include "authn.h"
#include "require.h"
#include "autoswitch.h"
#include "stats.h"
#include "log.h"

APLOG_USE_MODULE(auth_workos);

static const char *authz_parse(cmd_parms *cmd, const char *line,
                               const void **parsed)
{
    const char *err = NULL;
    apr_array_header_t *values = require_parse(cmd->pool, line, &err);

    if (!values) {
        return apr_psprintf(cmd->pool, "Require workos-*: %s (in '%s')",
                            err, line);
    }
    *parsed = values;
    return NULL;
}

static authz_status authz_check(request_rec *r, const void *parsed,
                                require_kind_t kind, const char *name)
{
    const wos_identity_t *id;

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
    if (id && require_match(kind, parsed, id)) {
        return AUTHZ_GRANTED;
    }
    if (kind == REQ_ORG && id && autoswitch_org(r, parsed)) {
        return AUTHZ_GRANTED;
    }
    stats_inc(STAT_FORBIDDEN);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(00401)
                  "Require %s: not granted to %s", name,
                  id ? r->user : "an anonymous caller");
    return AUTHZ_DENIED;
}

#define AUTHZ_PROVIDER(fn, kind, name)                                     \
    static authz_status fn(request_rec *r, const char *line,              \
                           const void *parsed)                            \
    {                                                                     \
        (void)line;                                                       \
        return authz_check(r, parsed, kind, name);                        \
    }

AUTHZ_PROVIDER(authz_permission, REQ_PERMISSION, "workos-permission")
AUTHZ_PROVIDER(authz_role, REQ_ROLE, "workos-role")
AUTHZ_PROVIDER(authz_org, REQ_ORG, "workos-org")
AUTHZ_PROVIDER(authz_entitlement, REQ_ENTITLEMENT, "workos-entitlement")
AUTHZ_PROVIDER(authz_flag, REQ_FEATURE_FLAG, "workos-feature-flag")

static const authz_provider authz_providers[] = {
    { authz_permission, authz_parse },
    { authz_role, authz_parse },
    { authz_org, authz_parse },
    { authz_entitlement, authz_parse },
    { authz_flag, authz_parse },
};

static const char *const authz_names[] = {
    "workos-permission", "workos-role", "workos-org", "workos-entitlement",
    "workos-feature-flag",
};

void authz_register(apr_pool_t *p)
{
    size_t i;

    for (i = 0; i < sizeof(authz_names) / sizeof(authz_names[0]); i++) {
        ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, authz_names[i],
                                  AUTHZ_PROVIDER_VERSION,
                                  &authz_providers[i],
                                  AP_AUTH_INTERNAL_PER_CONF);
    }
}
