/* SPDX-License-Identifier: Apache-2.0 */
/* The directives: one handler each (or one per kind of value), and the
 * table the module record points at; see config_cmds.h. A handler checks
 * its value and stores it; what depends on several directives is checked
 * by cfg_check (config_check.h). */
#include "httpd.h"
#include "http_config.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "base/config_cmds.h"
#include "base/config.h"
#include "base/cache.h"
#include "base/module.h"
#include "codec/seal.h"
#include "codec/word.h"

static wos_srv_cfg *cfg_srv(cmd_parms *cmd)
{
    wos_srv_cfg *c = ap_get_module_config(cmd->server->module_config,
                                          &auth_workos_module);
    c->used = 1;
    return c;
}

/* Values that end up inside a Set-Cookie header or a URL. */
static int cfg_plain(const char *v)
{
    for (; *v; v++) {
        if (apr_iscntrl(*v) || *v == ';' || *v == ',' || *v == ' '
            || *v == '"' || *v == '\\') {
            return 0;
        }
    }
    return 1;
}

static const char *cfg_set_srv_string(cmd_parms *cmd, void *d, const char *v)
{
    (void)d;
    if (!*v) {
        return apr_psprintf(cmd->pool, "%s: the value is empty",
                            cmd->cmd->name);
    }
    if (!strncasecmp(cmd->cmd->name, "WorkOSCookie", 12) && !cfg_plain(v)) {
        return apr_psprintf(cmd->pool, "%s: '%s' has characters a cookie "
                            "attribute cannot hold", cmd->cmd->name, v);
    }
    *(const char **)((char *)cfg_srv(cmd) + (size_t)cmd->info) = v;
    return NULL;
}

static const char *cfg_set_srv_url(cmd_parms *cmd, void *d, const char *v)
{
    apr_uri_t u;
    char *url;
    size_t n;

    if (apr_uri_parse(cmd->pool, v, &u) != APR_SUCCESS || !u.scheme
        || !u.hostname || (strcasecmp(u.scheme, "https")
                           && strcasecmp(u.scheme, "http"))) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not an absolute "
                            "http(s) URL", cmd->cmd->name, v);
    }
    url = apr_pstrdup(cmd->pool, v);
    n = strlen(url);
    /* "<base>/" + "/sso/..." would double the slash; other URLs are sent
     * as written, since WorkOS compares redirect URIs exactly */
    while ((size_t)cmd->info == APR_OFFSETOF(wos_srv_cfg, api_base)
           && n > 8 && url[n - 1] == '/') {
        url[--n] = '\0';
    }
    return cfg_set_srv_string(cmd, d, url);
}

static const char *cfg_parse_int(cmd_parms *cmd, const char *v, int min,
                                 int max, int *out)
{
    char *end;
    apr_int64_t n = apr_strtoi64(v, &end, 10);

    if (!*v || *end || n < min || n > max) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number "
                            "from %d to %d", cmd->cmd->name, v, min, max);
    }
    *out = (int)n;
    return NULL;
}

static const char *cfg_set_srv_int(cmd_parms *cmd, void *d, const char *v)
{
    int n = 0;
    const char *err = cfg_parse_int(cmd, v, 0, 86400 * 366, &n);

    (void)d;
    if (err) {
        return err;
    }
    *(int *)((char *)cfg_srv(cmd) + (size_t)cmd->info) = n;
    return NULL;
}

/* WorkOSAccessCacheTTL: at most an hour, well inside the 24 h the access
 * generation that drops decisions is kept (state/access_cache.h), so no
 * decision outlives the record that would drop it. */
static const char *cfg_set_access_ttl(cmd_parms *cmd, void *d,
                                      const char *v)
{
    int n = 0;
    const char *err = cfg_parse_int(cmd, v, 0, WOS_ACCESS_CACHE_TTL_MAX, &n);

    (void)d;
    if (err) {
        return err;
    }
    *(int *)((char *)cfg_srv(cmd) + (size_t)cmd->info) = n;
    return NULL;
}

static const char *cfg_set_srv_flag(cmd_parms *cmd, void *d, int on)
{
    (void)d;
    *(int *)((char *)cfg_srv(cmd) + (size_t)cmd->info) = on;
    return NULL;
}

static const char *cfg_set_password(cmd_parms *cmd, void *d,
                                    const char *secret, const char *id)
{
    wos_srv_cfg *c = cfg_srv(cmd);
    seal_password_t *pw;

    (void)d;
    if (strlen(secret) < SEAL_MIN_PASSWORD_LEN) {
        /* the length only: the value itself must never be echoed */
        return apr_psprintf(cmd->pool, "WorkOSCookiePassword must be at "
                            "least %d characters (got %d)",
                            SEAL_MIN_PASSWORD_LEN, (int)strlen(secret));
    }
    if (id && !word_valid(id, 64)) {
        return "WorkOSCookiePassword: the password id must be letters, "
               "digits or '_'";
    }
    pw = apr_array_push(c->passwords);
    pw->secret = secret;
    pw->id = id ? id : "1";
    return NULL;
}

static const char *cfg_add_issuer(cmd_parms *cmd, void *d, const char *v)
{
    (void)d;
    if (!*v) {
        return "WorkOSIssuer: the value is empty";
    }
    *(const char **)apr_array_push(cfg_srv(cmd)->issuers) = v;
    return NULL;
}

static const char *cfg_set_cache(cmd_parms *cmd, void *d, const char *v)
{
    (void)d;
    return cache_configure(cmd->pool, v, &cfg_srv(cmd)->cache);
}

/* WorkOSCredentialCacheSize: bytes, or with a K or M suffix. */
static const char *cfg_set_cred_cache(cmd_parms *cmd, void *d,
                                      const char *v)
{
    char *end;
    apr_int64_t n = apr_strtoi64(v, &end, 10);

    (void)d;
    if (end == v || n > (apr_int64_t)1 << 30) {
        n = -1;   /* no digits, or too large before any suffix */
    }
    else if (*end == 'K' || *end == 'k') {
        n *= 1024;
        end++;
    }
    else if (*end == 'M' || *end == 'm') {
        n *= 1024 * 1024;
        end++;
    }
    if (!*v || *v == '-' || *end || n < 0 || n > (apr_int64_t)1 << 30) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a size from 0 to "
                            "1024M (bytes, or with a K or M suffix)",
                            cmd->cmd->name, v);
    }
    cfg_srv(cmd)->cred_cache_bytes = n;
    return NULL;
}

static const char *cfg_set_samesite(cmd_parms *cmd, void *d, const char *v)
{
    static const char *const ok[] = { "Lax", "Strict", "None" };
    size_t i;

    (void)d;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (!strcasecmp(v, ok[i])) {
            cfg_srv(cmd)->cookie_samesite = ok[i];
            return NULL;
        }
    }
    return "WorkOSCookieSameSite must be Lax, Strict or None";
}

static const char *cfg_set_max_age(cmd_parms *cmd, void *d, const char *v)
{
    int n = 0;
    const char *err = cfg_parse_int(cmd, v, 0, 400 * 86400, &n);

    (void)d;
    if (!err) {
        cfg_srv(cmd)->cookie_max_age = n;
    }
    return err;
}

static const char *cfg_set_fail_limit(cmd_parms *cmd, void *d, const char *n,
                                      const char *secs)
{
    wos_srv_cfg *c = cfg_srv(cmd);
    const char *err = cfg_parse_int(cmd, n, 1, 1000000,
                                    &c->apikey_fail_limit);

    (void)d;
    if (!err && secs) {
        err = cfg_parse_int(cmd, secs, 1, 86400, &c->apikey_fail_window);
    }
    return err;
}

static const char *cfg_set_unauth(cmd_parms *cmd, void *d, const char *v)
{
    wos_dir_cfg *c = d;

    (void)cmd;
    if (!strcasecmp(v, "auth")) {
        c->unauth_action = WOS_UNAUTH_AUTH;
    }
    else if (!strcmp(v, "401")) {
        c->unauth_action = WOS_UNAUTH_401;
    }
    else if (!strcasecmp(v, "pass")) {
        c->unauth_action = WOS_UNAUTH_PASS;
    }
    else {
        return "WorkOSUnauthAction must be auth, 401 or pass";
    }
    return NULL;
}

static const char *cfg_add_source(cmd_parms *cmd, void *d, const char *v)
{
    wos_dir_cfg *c = d;
    int bit;

    (void)cmd;
    if (!strcasecmp(v, "cookie")) {
        bit = WOS_SRC_COOKIE;
    }
    else if (!strcasecmp(v, "bearer")) {
        bit = WOS_SRC_BEARER;
    }
    else if (!strcasecmp(v, "apikey")) {
        bit = WOS_SRC_APIKEY;
    }
    else {
        return "WorkOSTokenSource takes cookie, bearer and/or apikey";
    }
    /* the first value on a line replaces the inherited set */
    c->token_sources = (c->token_sources == WOS_UNSET) ? bit
                                                       : c->token_sources | bit;
    return NULL;
}

static const char *cfg_set_dir_flag(cmd_parms *cmd, void *d, int on)
{
    *(int *)((char *)d + (size_t)cmd->info) = on;
    return NULL;
}

static const char *cfg_set_signin_org(cmd_parms *cmd, void *d, const char *v)
{
    (void)cmd;
    ((wos_dir_cfg *)d)->signin_org = v;
    return NULL;
}

/* 1 if path is a regular file (at most 16 MiB) with a PEM certificate. */
static int cfg_pem_file(apr_pool_t *p, const char *path)
{
    apr_finfo_t fi;
    apr_file_t *f;
    apr_size_t len;
    char *buf;
    int ok;

    if (apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_SIZE, p)
        != APR_SUCCESS || fi.filetype != APR_REG
        || fi.size > 16 * 1024 * 1024
        || apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p)
           != APR_SUCCESS) {
        return 0;
    }
    len = (apr_size_t)fi.size;
    buf = apr_palloc(p, len + 1);
    ok = apr_file_read_full(f, buf, len, &len) == APR_SUCCESS;
    apr_file_close(f);
    buf[ok ? len : 0] = '\0';
    return ok && ap_strstr_c(buf, "-----BEGIN CERTIFICATE-----") != NULL;
}

static const char *cfg_set_ca_bundle(cmd_parms *cmd, void *d, const char *v)
{
    const char *path = ap_server_root_relative(cmd->pool, v);

    (void)d;
    /* a directory opens too, and curl would then fail every call: ask
     * for a readable file holding at least one PEM certificate */
    if (!path || !cfg_pem_file(cmd->temp_pool, path)) {
        return apr_psprintf(cmd->pool, "WorkOSCABundle: '%s' is not a "
                            "readable file of PEM certificates", v);
    }
    cfg_srv(cmd)->ca_bundle = path;
    return NULL;
}

static const char *cfg_set_remote_user(cmd_parms *cmd, void *d,
                                       const char *mode, const char *claim)
{
    wos_dir_cfg *c = d;

    (void)cmd;
    if (!strcasecmp(mode, "sub") && !claim) {
        c->remote_user = WOS_RU_SUB;
    }
    else if (!strcasecmp(mode, "email") && !claim) {
        c->remote_user = WOS_RU_EMAIL;
    }
    else if (!strcasecmp(mode, "claim") && claim && *claim) {
        c->remote_user = WOS_RU_CLAIM;
    }
    else {
        return "WorkOSRemoteUser takes sub, email, or claim NAME";
    }
    c->remote_user_claim = claim;
    return NULL;
}

/* Variables httpd, CGI, mod_ssl, the dynamic linker or this module set or
 * read: a claim must never replace one (a claim in WORKOS_ORG_ID, PATH or
 * LD_PRELOAD). Compared without case: subprocess_env is a table that
 * ignores it. A name ending in '_' is a prefix. */
static const struct {
    const char *name;
    const char *who;
} cfg_reserved_vars[] = {
    { "WORKOS_CLAIM_", NULL },            /* the module's claim names: ok */
    { "WORKOS_", "this module sets WORKOS_* (other than WORKOS_CLAIM_*)" },
    { "REMOTE_", "httpd sets REMOTE_*" },
    { "AUTH_TYPE", "httpd sets AUTH_TYPE" },
    { "HTTP_", "httpd passes request headers as HTTP_*" },
    { "HTTPS", "mod_ssl and CGI set HTTPS" },
    { "SERVER_", "httpd sets SERVER_*" },
    { "GATEWAY_", "CGI sets GATEWAY_INTERFACE" },
    { "CONTENT_", "CGI sets CONTENT_TYPE and CONTENT_LENGTH" },
    { "QUERY_STRING", "CGI sets QUERY_STRING" },
    { "REQUEST_", "httpd sets REQUEST_*" },
    { "SCRIPT_", "CGI sets SCRIPT_*" },
    { "DOCUMENT_", "httpd sets DOCUMENT_*" },
    { "CONTEXT_", "httpd sets CONTEXT_*" },
    { "PATH", "CGI sets PATH" },
    { "PATH_", "CGI sets PATH_INFO and PATH_TRANSLATED" },
    { "SSL_", "mod_ssl sets SSL_*" },
    { "UNIQUE_ID", "mod_unique_id sets UNIQUE_ID" },
    { "REDIRECT_", "httpd sets REDIRECT_* on internal redirects" },
    { "LD_", "the dynamic linker reads LD_*" },
};

/* Why var may not be a WorkOSPassClaim variable, or NULL. */
static const char *cfg_reserved_var(const char *var)
{
    size_t i;

    for (i = 0; i < sizeof(cfg_reserved_vars) / sizeof(cfg_reserved_vars[0]);
         i++) {
        const char *n = cfg_reserved_vars[i].name;
        size_t len = strlen(n);

        if (n[len - 1] == '_' ? !strncasecmp(var, n, len)
                              : !strcasecmp(var, n)) {
            return cfg_reserved_vars[i].who;
        }
    }
    return NULL;
}

static const char *cfg_add_pass_claim(cmd_parms *cmd, void *d,
                                      const char *name, const char *var)
{
    wos_dir_cfg *c = d;
    wos_pass_claim_t *pc;
    const char *why;

    if (!*name || !cfg_plain(name)) {
        return "WorkOSPassClaim: the claim name is empty or has spaces or "
               "control characters";
    }
    if (var && !word_valid(var, 0)) {
        return apr_psprintf(cmd->pool, "WorkOSPassClaim: '%s' is not a "
                            "variable name (letters, digits, '_')", var);
    }
    if (var && (why = cfg_reserved_var(var))) {
        return apr_psprintf(cmd->pool, "WorkOSPassClaim: '%s' is a reserved "
                            "variable (%s): a claim must not replace it; "
                            "choose another name, or leave it out for "
                            "WORKOS_CLAIM_<NAME>", var, why);
    }
    if (!c->pass_claims) {
        c->pass_claims = apr_array_make(cmd->pool, 2, sizeof(*pc));
    }
    pc = apr_array_push(c->pass_claims);
    pc->name = name;
    pc->var = var;
    return NULL;
}

#define SRV(f) (void *)APR_OFFSETOF(wos_srv_cfg, f)
#define DIR_(f) (void *)APR_OFFSETOF(wos_dir_cfg, f)

const command_rec cfg_cmds[] = {
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
    AP_INIT_TAKE1("WorkOSCredentialCacheSize", cfg_set_cred_cache, NULL,
                  RSRC_CONF, "bytes of each process's cache of verified "
                  "credentials (K, M suffixes)"),
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
    AP_INIT_TAKE1("WorkOSAccessCacheTTL", cfg_set_access_ttl,
                  SRV(access_cache_ttl), RSRC_CONF,
                  "seconds a workos-access decision is reused (0: ask "
                  "every time)"),
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
