/* SPDX-License-Identifier: Apache-2.0 */
/* mod_auth_workos: WorkOS AuthKit sessions and RBAC for Apache httpd 2.4.
 * This file is the glue only: the hooks and the module record, which
 * points at the directive table (src/base/config_cmds.c). The work is
 * done in src/. */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_request.h"
#include "http_protocol.h"
#include "mod_auth.h"
#include "base/config.h"
#include "base/config_cmds.h"
#include "base/config_check.h"
#include "base/cache.h"
#include "state/keys.h"
#include "workos/http.h"
#include "workos/workos_api.h"
#include "request/authn.h"
#include "state/credwait.h"
#include "request/authz.h"
#include "handlers/handlers.h"
#include "request/autoswitch.h"
#include "request/access.h"
#include "state/access_cache.h"
#include "state/revoke.h"
#include "base/stats.h"
#include "request/env.h"
#include "request/route.h"
#include "events/events.h"
#include "mod_status.h"
#define WOS_MODULE_RECORD
#include "base/module.h"


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
    authn_child_init(p, s);
    access_cache_child_init(p);
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
    ap_hook_error_log(stats_error_log, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_authn(authn_check_user_id, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(authn_note_failure, NULL, NULL,
                              APR_HOOK_MIDDLE);
    ap_hook_force_authn(authn_force, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_read_request(auth_workos_post_read_request, NULL, NULL,
                              APR_HOOK_MIDDLE);
    ap_hook_fixups(auth_workos_fixups, NULL, NULL, APR_HOOK_LAST);
    ap_hook_fixups(autoswitch_fixups, NULL, NULL, APR_HOOK_REALLY_LAST);
    ap_hook_post_perdir_config(autoswitch_post_perdir_config, NULL, NULL,
                               APR_HOOK_MIDDLE);
    ap_hook_handler(handlers_dispatch, NULL, before_proxy, APR_HOOK_FIRST);
    ap_hook_handler(autoswitch_handle, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_insert_error_filter(autoswitch_error_status, NULL, NULL,
                                APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(access_error_status, NULL, NULL,
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
    cfg_cmds,
    auth_workos_register_hooks,
    AP_MODULE_FLAG_NONE
};
