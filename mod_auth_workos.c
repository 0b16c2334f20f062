/* mod_auth_workos: WorkOS AuthKit sessions and RBAC for Apache httpd 2.4.
 * This file is the glue only: the directive table, the hooks and the
 * module record. The work is done in src/. */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_request.h"
#include "http_protocol.h"
#include "mod_auth.h"
#include "base/config.h"
#include "base/cache.h"
#include "state/keys.h"
#include "workos/http.h"
#include "workos/workos_api.h"
#include "request/authn.h"
#include "state/credwait.h"
#include "request/authz.h"
#include "handlers/handlers.h"
#include "request/autoswitch.h"
#include "state/revoke.h"
#include "base/stats.h"
#include "request/env.h"
#include "request/route.h"
#include "events/events.h"
#include "mod_status.h"
#define WOS_MODULE_RECORD
#include "base/module.h"


#define SRV(f) (void *)APR_OFFSETOF(wos_srv_cfg, f)
#define DIR_(f) (void *)APR_OFFSETOF(wos_dir_cfg, f)

static const command_rec auth_workos_cmds[] = {
    AP_INIT_TAKE1("WorkOSClientID", cfg_set_srv_string, SRV(client_id),
                  RSRC_CONF, "WorkOS client id (client_...)"),
    AP_INIT_TAKE1("WorkOSAPIKey", cfg_set_srv_string, SRV(api_key),
                  RSRC_CONF, "WorkOS API key (sk_...)"),
    AP_INIT_TAKE12("WorkOSCookiePassword", cfg_set_password, NULL,
                   RSRC_CONF, "cookie sealing password (>= 32 chars) "
                   "and optional id; may repeat for rotation"),
    AP_INIT_TAKE1("WorkOSAPIBaseURL", cfg_set_srv_url, SRV(api_base),
                  RSRC_CONF, "base URL of the WorkOS API"),
    AP_INIT_TAKE1("WorkOSJWKSURL", cfg_set_srv_url, SRV(jwks_url),
                  RSRC_CONF, "URL of the JWKS"),
    AP_INIT_ITERATE("WorkOSIssuer", cfg_add_issuer, NULL, RSRC_CONF,
                    "accepted iss values of access tokens"),
    AP_INIT_TAKE1("WorkOSCache", cfg_set_cache, NULL, RSRC_CONF,
                  "socache provider[:args] for shared state"),
    AP_INIT_TAKE1("WorkOSJWKSCacheTTL", cfg_set_srv_int, SRV(jwks_ttl),
                  RSRC_CONF, "seconds fetched keys are trusted"),
    AP_INIT_TAKE1("WorkOSRedirectURI", cfg_set_srv_url, SRV(redirect_uri),
                  RSRC_CONF, "absolute URL of the callback location"),
    AP_INIT_TAKE1("WorkOSCookieName", cfg_set_srv_string, SRV(cookie_name),
                  RSRC_CONF, "session cookie name"),
    AP_INIT_TAKE1("WorkOSCookieDomain", cfg_set_srv_string,
                  SRV(cookie_domain), RSRC_CONF, "session cookie Domain"),
    AP_INIT_TAKE1("WorkOSCookiePath", cfg_set_srv_string, SRV(cookie_path),
                  RSRC_CONF, "session cookie Path"),
    AP_INIT_TAKE1("WorkOSCookieSameSite", cfg_set_samesite, NULL,
                  RSRC_CONF, "Lax, Strict or None"),
    AP_INIT_TAKE1("WorkOSCookieMaxAge", cfg_set_max_age, NULL, RSRC_CONF,
                  "session cookie Max-Age in seconds"),
    AP_INIT_FLAG("WorkOSCookieSecure", cfg_set_srv_flag, SRV(cookie_secure),
                 RSRC_CONF, "mark cookies Secure"),
    AP_INIT_TAKE1("WorkOSClockSkew", cfg_set_srv_int, SRV(clock_skew),
                  RSRC_CONF, "seconds of leeway on exp/nbf/iat"),
    AP_INIT_TAKE1("WorkOSWebhookSecret", cfg_set_srv_string,
                  SRV(webhook_secret), RSRC_CONF, "webhook signing secret"),
    AP_INIT_TAKE1("WorkOSHTTPTimeout", cfg_set_srv_int, SRV(http_timeout),
                  RSRC_CONF, "seconds allowed for a call to WorkOS"),
    AP_INIT_TAKE1("WorkOSLogoutReturnTo", cfg_set_srv_url,
                  SRV(logout_return_to), RSRC_CONF,
                  "where WorkOS sends the browser after logout"),
    AP_INIT_TAKE1("WorkOSAPIKeyCacheTTL", cfg_set_srv_int,
                  SRV(apikey_cache_ttl), RSRC_CONF,
                  "seconds a validated API key is trusted"),
    AP_INIT_TAKE12("WorkOSAPIKeyFailureLimit", cfg_set_fail_limit, NULL,
                   RSRC_CONF, "failed API key validations per address "
                   "[per SECONDS] before 429"),
    AP_INIT_TAKE1("WorkOSRefreshBefore", cfg_set_srv_int,
                  SRV(refresh_before), RSRC_CONF,
                  "seconds before expiry a session is refreshed"),
    AP_INIT_TAKE1("WorkOSEventsPoll", cfg_set_srv_int, SRV(events_poll),
                  RSRC_CONF, "seconds between polls of WorkOS's Events API "
                  "(0: off)"),
    AP_INIT_TAKE1("WorkOSOutgoingProxy", cfg_set_srv_url,
                  SRV(outgoing_proxy), RSRC_CONF,
                  "HTTP(S) proxy for every call to WorkOS"),
    AP_INIT_TAKE1("WorkOSCABundle", cfg_set_ca_bundle, NULL, RSRC_CONF,
                  "CA certificates trusted for calls to WorkOS"),
    AP_INIT_TAKE1("WorkOSUnauthAction", cfg_set_unauth, NULL, OR_AUTHCFG,
                  "auth, 401 or pass"),
    AP_INIT_ITERATE("WorkOSTokenSource", cfg_add_source, NULL, OR_AUTHCFG,
                    "cookie, bearer, apikey"),
    AP_INIT_FLAG("WorkOSRefresh", cfg_set_dir_flag, DIR_(refresh),
                 OR_AUTHCFG, "refresh expired access tokens"),
    AP_INIT_FLAG("WorkOSPassHeaders", cfg_set_dir_flag, DIR_(pass_headers),
                 OR_AUTHCFG, "send identity as X-WorkOS-* headers"),
    AP_INIT_TAKE1("WorkOSSignInOrganization", cfg_set_signin_org, NULL,
                  OR_AUTHCFG, "organisation to sign into"),
    AP_INIT_FLAG("WorkOSSignUp", cfg_set_dir_flag, DIR_(signup), OR_AUTHCFG,
                 "sign-in redirects open AuthKit's sign-up screen"),
    AP_INIT_TAKE12("WorkOSRemoteUser", cfg_set_remote_user, NULL,
                   OR_AUTHCFG, "sub, email, or claim NAME"),
    AP_INIT_TAKE12("WorkOSPassClaim", cfg_add_pass_claim, NULL, OR_AUTHCFG,
                   "export an access-token claim [as VARIABLE]"),
    AP_INIT_FLAG("WorkOSStripCookies", cfg_set_dir_flag,
                 DIR_(strip_cookies), OR_AUTHCFG,
                 "hide the session and verifier cookies from the backend"),
    AP_INIT_FLAG("WorkOSAutoSwitchOrg", cfg_set_dir_flag,
                 DIR_(auto_switch_org), OR_AUTHCFG,
                 "switch a signed-in user into the organisation a Require "
                 "workos-org line asks for"),
    { NULL }
};

static int auth_workos_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                                  apr_pool_t *ptemp)
{
    (void)plog; (void)ptemp;
    return cache_register_mutexes(pconf) == APR_SUCCESS ? OK : !OK;
}

static int auth_workos_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                    apr_pool_t *ptemp, server_rec *s)
{
    (void)plog; (void)ptemp;
    return cfg_check(pconf, s) == OK ? events_check_config(s) : !OK;
}

static int auth_workos_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                   apr_pool_t *ptemp, server_rec *s)
{
    int rc;

    (void)plog; (void)ptemp;
    /* The first pass only checks the config; caches are made once. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if (stats_init(pconf) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, WOSLOGNO(00004)
                     "cannot create the shared counters");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    workos_api_set_observer(stats_api_call);
    if (http_global_init() != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, WOSLOGNO(00003)
                     "cannot initialise libcurl");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((rc = revoke_init(pconf, s)) != OK || (rc = credwait_init(s)) != OK) {
        return rc;
    }
    for (; s; s = s->next) {
        wos_srv_cfg *c = ap_get_module_config(s->module_config,
                                              &auth_workos_module);
        if (c->cache && (rc = cache_init(c->cache, pconf, s)) != OK) {
            return rc;
        }
        if (c->cache && c->keys) {
            keys_carry_over(c->keys, c->cache, s, pconf);
        }
    }
    return OK;
}

static void auth_workos_child_init(apr_pool_t *p, server_rec *s)
{
    server_rec *main_s = s;

    revoke_child_init(p);
    authn_child_init(p);
    for (; s; s = s->next) {
        wos_srv_cfg *c = ap_get_module_config(s->module_config,
                                              &auth_workos_module);
        if (c->cache) {
            cache_child_init(c->cache, p, s);
        }
    }
    events_child_init(p, main_s);
}

static wos_srv_cfg *auth_workos_srv(request_rec *r)
{
    return ap_get_module_config(r->server->module_config,
                                &auth_workos_module);
}

/* Every request of a configured server, authenticated or not: no client
 * may forge the identity headers the backend trusts. */
static int auth_workos_post_read_request(request_rec *r)
{
    if (auth_workos_srv(r)->used) {
        env_strip_forged(r);
    }
    return DECLINED;
}

/* The callback path is the callback wherever it lies, SetHandler or not;
 * an anonymous request leaves without a user. */
static int auth_workos_fixups(request_rec *r)
{
    wos_srv_cfg *sc = auth_workos_srv(r);

    if (sc->used && route_is_callback(r, sc)) {
        r->handler = "workos-callback";
    }
    return authn_fixups(r);
}

static void auth_workos_register_hooks(apr_pool_t *p)
{
    /* ahead of mod_proxy's handler, so a proxied site's callback path is
     * answered here */
    static const char *const before_proxy[] = { "mod_proxy.c", NULL };

    cfg_set_keys_factory(keys_create);
    ap_hook_pre_config(auth_workos_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(auth_workos_check_config, NULL, NULL,
                         APR_HOOK_MIDDLE);
    ap_hook_post_config(auth_workos_post_config, NULL, NULL,
                        APR_HOOK_MIDDLE);
    ap_hook_child_init(auth_workos_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_authn(authn_check_user_id, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(authn_note_failure, NULL, NULL,
                              APR_HOOK_MIDDLE);
    ap_hook_force_authn(authn_force, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_read_request(auth_workos_post_read_request, NULL, NULL,
                              APR_HOOK_MIDDLE);
    ap_hook_fixups(auth_workos_fixups, NULL, NULL, APR_HOOK_LAST);
    ap_hook_handler(handlers_dispatch, NULL, before_proxy, APR_HOOK_FIRST);
    ap_hook_insert_error_filter(autoswitch_error_status, NULL, NULL,
                                APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, stats_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
    authz_register(p);
}

AP_DECLARE_MODULE(auth_workos) = {
    STANDARD20_MODULE_STUFF,
    cfg_create_dir,
    cfg_merge_dir,
    cfg_create_srv,
    cfg_merge_srv,
    auth_workos_cmds,
    auth_workos_register_hooks,
    AP_MODULE_FLAG_NONE
};
