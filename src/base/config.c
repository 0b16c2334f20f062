/* SPDX-License-Identifier: Apache-2.0 */
/* Making and merging the configuration; see config.h. Defaults are
 * filled in later, by cfg_check (config_check.h), once a server's
 * configuration is merged: an unset value is WOS_UNSET or NULL here. */
#include "httpd.h"
#include "apr_tables.h"
#include "base/config.h"
#include "codec/seal.h"

void *cfg_create_srv(apr_pool_t *p, server_rec *s)
{
    wos_srv_cfg *c = apr_pcalloc(p, sizeof(*c));

    (void)s;
    c->issuers = apr_array_make(p, 2, sizeof(const char *));
    c->passwords = apr_array_make(p, 2, sizeof(seal_password_t));
    c->jwks_ttl = c->clock_skew = c->http_timeout = WOS_UNSET;
    c->cookie_secure = c->apikey_cache_ttl = WOS_UNSET;
    c->apikey_fail_limit = c->apikey_fail_window = WOS_UNSET;
    c->cookie_max_age = WOS_UNSET;
    c->refresh_before = c->events_poll = WOS_UNSET;
    c->access_cache_ttl = WOS_UNSET;
    c->cred_cache_bytes = WOS_UNSET;
    return c;
}

#define CFG_PICK(f) m->f = a->f ? a->f : b->f
#define CFG_PICK_INT(f) m->f = a->f != WOS_UNSET ? a->f : b->f
#define CFG_PICK_ARR(f) m->f = a->f->nelts ? a->f : b->f

void *cfg_merge_srv(apr_pool_t *p, void *base, void *add)
{
    wos_srv_cfg *b = base, *a = add, *m = apr_pcalloc(p, sizeof(*m));

    m->used = a->used || b->used;
    CFG_PICK(client_id); CFG_PICK(api_key); CFG_PICK(api_base);
    CFG_PICK(jwks_url); CFG_PICK(cache); CFG_PICK(redirect_uri);
    CFG_PICK(cookie_name); CFG_PICK(cookie_domain); CFG_PICK(cookie_path);
    CFG_PICK(cookie_samesite); CFG_PICK(webhook_secret);
    CFG_PICK(logout_return_to);
    CFG_PICK_ARR(issuers); CFG_PICK_ARR(passwords);
    CFG_PICK_INT(jwks_ttl); CFG_PICK_INT(cookie_max_age);
    CFG_PICK_INT(cookie_secure); CFG_PICK_INT(clock_skew);
    CFG_PICK_INT(http_timeout); CFG_PICK_INT(apikey_cache_ttl);
    CFG_PICK_INT(apikey_fail_limit); CFG_PICK_INT(apikey_fail_window);
    CFG_PICK_INT(refresh_before); CFG_PICK_INT(events_poll);
    CFG_PICK_INT(access_cache_ttl);
    CFG_PICK(outgoing_proxy); CFG_PICK(ca_bundle);
    CFG_PICK_INT(cred_cache_bytes);
    return m;
}

void *cfg_create_dir(apr_pool_t *p, char *dir)
{
    wos_dir_cfg *c = apr_pcalloc(p, sizeof(*c));

    (void)dir;
    c->unauth_action = c->token_sources = WOS_UNSET;
    c->refresh = c->pass_headers = WOS_UNSET;
    c->signup = c->remote_user = WOS_UNSET;
    c->strip_cookies = c->auto_switch_org = WOS_UNSET;
    return c;
}

void *cfg_merge_dir(apr_pool_t *p, void *base, void *add)
{
    wos_dir_cfg *b = base, *a = add, *m = apr_pcalloc(p, sizeof(*m));

    CFG_PICK_INT(unauth_action); CFG_PICK_INT(token_sources);
    CFG_PICK_INT(refresh); CFG_PICK_INT(pass_headers);
    CFG_PICK(signin_org);
    CFG_PICK_INT(signup); CFG_PICK_INT(strip_cookies);
    CFG_PICK_INT(auto_switch_org);
    CFG_PICK_INT(remote_user);
    m->remote_user_claim = a->remote_user != WOS_UNSET ? a->remote_user_claim
                                                       : b->remote_user_claim;
    /* an inner scope's WorkOSPassClaim lines add to the outer ones */
    m->pass_claims = !a->pass_claims ? b->pass_claims
                     : !b->pass_claims ? a->pass_claims
                     : apr_array_append(p, b->pass_claims, a->pass_claims);
    return m;
}
