/* SPDX-License-Identifier: Apache-2.0 */
/* The module's configuration: per server (RSRC_CONF) and per directory
 * (OR_AUTHCFG), and how each is made and merged. The directives that set
 * it are in config_cmds.h, the check that completes it (defaults, tags,
 * secrets) in config_check.h, the secrets themselves in secrets.h. */
#ifndef WOS_CONFIG_H
#define WOS_CONFIG_H

#include "httpd.h"
#include "apr_tables.h"

struct wos_cache;    /* base/cache.h */
struct wos_keys;     /* state/keys.h */
struct wos_secrets;  /* base/secrets.h */

#define WOS_UNSET (-1)
/* The longest WorkOSAccessCacheTTL: decisions never outlive the access
 * generation that drops them (kept REVOKE_KEEP_SECONDS, 24 h). */
#define WOS_ACCESS_CACHE_TTL_MAX 3600

enum { WOS_UNAUTH_AUTH = 0, WOS_UNAUTH_401 = 1, WOS_UNAUTH_PASS = 2 };
enum { WOS_SRC_COOKIE = 1, WOS_SRC_BEARER = 2, WOS_SRC_APIKEY = 4 };
enum { WOS_RU_SUB = 0, WOS_RU_EMAIL = 1, WOS_RU_CLAIM = 2 };

/* Length of the environment tags below (hex characters). */
#define WOS_TAG_LEN 16

/* One WorkOSPassClaim line. */
typedef struct {
    const char *name;      /* the claim (top-level name or dotted path) */
    const char *var;       /* the variable, NULL for WORKOS_CLAIM_<NAME> */
} wos_pass_claim_t;

typedef struct {
    int used;                    /* any WorkOS* directive here */
    const char *client_id;
    const char *api_key;         /* never logged */
    const char *api_base;
    const char *jwks_url;
    apr_array_header_t *issuers;   /* const char * */
    apr_array_header_t *passwords; /* seal_password_t, first seals */
    struct wos_cache *cache;     /* wos_cache_t */
    struct wos_keys *keys;       /* set by cfg_check */
    int jwks_ttl;
    const char *redirect_uri;
    const char *redirect_path;   /* its path, decoded (cfg_check) */
    const char *cookie_name;
    const char *cookie_domain;
    const char *cookie_path;
    const char *cookie_samesite;
    long long cookie_max_age;
    int cookie_secure;
    int clock_skew;
    const char *webhook_secret;  /* never logged */
    int http_timeout;
    const char *logout_return_to;
    int apikey_cache_ttl;
    int apikey_fail_limit;
    int apikey_fail_window;
    int refresh_before;          /* seconds before exp a session refreshes */
    int events_poll;             /* seconds between Events API polls; 0 off */
    int access_cache_ttl;        /* seconds a workos-access decision is
                                    reused; 0 asks every time */
    const char *outgoing_proxy;  /* proxy URL for calls to WorkOS, or NULL */
    const char *ca_bundle;       /* CA file for calls to WorkOS, or NULL */
    long long cred_cache_bytes;  /* WorkOSCredentialCacheSize (the main
                                  * server's holds: one cache per process) */
    /* Set by cfg_check, WOS_TAG_LEN hex characters each. Every cached
     * thing is keyed by the tag of what made it valid, so one virtual
     * host never accepts what another verified (isolation):
     * env_tag    the WorkOS environment: API base and client id
     *            (revocations, refresh results, API-key answers,
     *            failure counters, the events cursor);
     * verify_tag env_tag + JWKS URL + issuers (verified bearer tokens);
     * cookie_tag verify_tag + the cookie passwords (verified cookies). */
    const char *env_tag;
    const char *verify_tag;
    const char *cookie_tag;
    /* Derived once by cfg_check from the first (sealing) cookie password,
     * read through secrets.h; NULL where cfg_check skipped the server. */
    const struct wos_secrets *secrets;
} wos_srv_cfg;

typedef struct {
    int unauth_action;
    int token_sources;
    int refresh;
    int pass_headers;
    const char *signin_org;
    int signup;                  /* WorkOSSignUp */
    int remote_user;             /* WOS_RU_*, WOS_UNSET for sub */
    const char *remote_user_claim; /* with WOS_RU_CLAIM */
    apr_array_header_t *pass_claims; /* wos_pass_claim_t; NULL for none */
    int strip_cookies;           /* WorkOSStripCookies */
    int auto_switch_org;         /* WorkOSAutoSwitchOrg */
} wos_dir_cfg;

void *cfg_create_srv(apr_pool_t *p, server_rec *s);
void *cfg_merge_srv(apr_pool_t *p, void *base, void *add);
void *cfg_create_dir(apr_pool_t *p, char *dir);
void *cfg_merge_dir(apr_pool_t *p, void *base, void *add);

#endif
