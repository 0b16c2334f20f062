/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration check; see config_check.h. It completes each merged
 * server configuration (defaults, isolation tags, derived secrets, cache,
 * key store) and refuses what cannot work, naming the directive. */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_mmn.h"
#include "apr_optional.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_hash.h"
#include "base/config_check.h"
#include "base/config_access.h"
#include "base/config_authz.h"
#include "base/config_reach.h"
#include "base/config.h"
#include "base/cache.h"
#include "base/secrets.h"
#include "base/module.h"
#include "codec/crypto.h"
#include "codec/seal.h"
#include "workos/workos_api.h"


#define CFG_DEFAULT_BASE "https://api.workos.com"
#define CFG_DEFAULT_MAX_AGE 34560000LL /* 400 days, as authkit */

static cfg_keys_fn cfg_keys_factory;

void cfg_set_keys_factory(cfg_keys_fn fn)
{
    cfg_keys_factory = fn;
}

/* The callback path as r->uri spells it, from WorkOSRedirectURI
 * (decoded); NULL when unset. */
static const char *cfg_callback_path(apr_pool_t *p, const char *redirect_uri)
{
    apr_uri_t u;
    char *path;

    if (!redirect_uri || apr_uri_parse(p, redirect_uri, &u) != APR_SUCCESS) {
        return NULL;
    }
    path = apr_pstrdup(p, u.path && *u.path ? u.path : "/");
    /* r->uri is decoded; a path that does not decode is compared raw */
    if (ap_unescape_url(path) != OK) {
        path = apr_pstrdup(p, u.path);
    }
    return path;
}

#define CFG_DEFAULT(f, v) if (c->f == WOS_UNSET) c->f = (v)

static void cfg_defaults(apr_pool_t *p, wos_srv_cfg *c)
{
    CFG_DEFAULT(jwks_ttl, 300);
    CFG_DEFAULT(clock_skew, 30);
    CFG_DEFAULT(http_timeout, 5);
    CFG_DEFAULT(cookie_secure, 1);
    CFG_DEFAULT(cookie_max_age, CFG_DEFAULT_MAX_AGE);
    CFG_DEFAULT(apikey_cache_ttl, 60);
    CFG_DEFAULT(apikey_fail_limit, 20);
    CFG_DEFAULT(apikey_fail_window, 60);
    CFG_DEFAULT(refresh_before, 30);
    CFG_DEFAULT(events_poll, 0);
    CFG_DEFAULT(access_cache_ttl, 10);
    if (!c->api_base) c->api_base = CFG_DEFAULT_BASE;
    if (!c->cookie_name) c->cookie_name = "wos-session";
    if (!c->cookie_path) c->cookie_path = "/";
    if (!c->cookie_samesite) c->cookie_samesite = "Lax";
    if (!c->jwks_url && c->client_id) {
        c->jwks_url = workos_api_jwks_url(p, c->api_base, c->client_id);
    }
    if (!c->issuers->nelts && c->client_id) {
        c->issuers = apr_array_make(p, 2, sizeof(const char *));
        *(const char **)apr_array_push(c->issuers) =
            workos_api_issuer(p, c->api_base, c->client_id);
        *(const char **)apr_array_push(c->issuers) = c->api_base;
    }
}

static const char *cfg_tag(apr_pool_t *p, const char *text)
{
    return apr_pstrndup(p, crypto_sha256_hex(p, text, strlen(text)),
                        WOS_TAG_LEN);
}

/* The isolation tags (config.h). Passwords enter only through a key
 * derived from each, so no tag reveals anything of them. */
static void cfg_tags(apr_pool_t *p, wos_srv_cfg *c)
{
    const seal_password_t *pw = (const seal_password_t *)c->passwords->elts;
    const char *t;
    int i;

    c->env_tag = cfg_tag(p, apr_pstrcat(p, "env\n", c->api_base, "\n",
                                        c->client_id, NULL));
    t = apr_pstrcat(p, "verify\n", c->env_tag, "\n", c->jwks_url, NULL);
    for (i = 0; i < c->issuers->nelts; i++) {
        t = apr_pstrcat(p, t, "\n", APR_ARRAY_IDX(c->issuers, i,
                                                  const char *), NULL);
    }
    c->verify_tag = cfg_tag(p, t);
    t = apr_pstrcat(p, "cookie\n", c->verify_tag, NULL);
    for (i = 0; i < c->passwords->nelts; i++) {
        t = apr_pstrcat(p, t, "\n", pw[i].id, "=",
                        crypto_derive_password(p, pw[i].secret,
                                               "cache-tag"), NULL);
    }
    c->cookie_tag = cfg_tag(p, t);
}

static const char *cfg_required(wos_srv_cfg *c)
{
    if (!c->client_id) {
        return "WorkOSClientID is required where WorkOS is configured";
    }
    if (!c->passwords->nelts) {
        return "WorkOSCookiePassword is required where WorkOS is "
               "configured";
    }
    return NULL;
}

/* RFC 6265 cookie-name: an RFC 7230 token. */
static int cfg_cookie_token(const char *v)
{
    if (!*v) {
        return 0;
    }
    for (; *v; v++) {
        if (!apr_isalnum(*v) && !strchr("!#$%&'*+-.^_`|~", *v)) {
            return 0;
        }
    }
    return 1;
}

/* Hosts browsers treat as secure over plain http (secure contexts). */
static int cfg_loopback(const char *host)
{
    size_t n = strlen(host);
    apr_uint32_t a, b, c, d;
    char tail;

    if (!strcasecmp(host, "localhost") || !strcmp(host, "::1")
        || !strcmp(host, "[::1]")
        || (n > 10 && !strcasecmp(host + n - 10, ".localhost"))) {
        return 1;
    }
    return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4
           && a == 127 && b < 256 && c < 256 && d < 256;
}

/* RFC 6265 5.1.3 domain-match of the redirect URI's host. */
static int cfg_domain_match(const char *host, const char *domain)
{
    size_t hn = strlen(host), dn;

    if (*domain == '.') {
        domain++;
    }
    dn = strlen(domain);
    if (!strcasecmp(host, domain)) {
        return 1;
    }
    return dn && hn > dn + 1 && host[hn - dn - 1] == '.'
           && !strcasecmp(host + hn - dn, domain);
}

/* Cookie settings that can never work, or that guarantee a sign-in loop
 * because the browser drops the cookie the callback sets. */
static const char *cfg_cookie_problem(apr_pool_t *p, const wos_srv_cfg *c)
{
    apr_uri_t u;

    if (!cfg_cookie_token(c->cookie_name)) {
        return apr_psprintf(p, "WorkOSCookieName '%s' is not a cookie name "
                            "(letters, digits and !#$%%&'*+-.^_`|~ only; "
                            "no '=', blank or separator)", c->cookie_name);
    }
    if (!strcmp(c->cookie_samesite, "None") && c->cookie_secure != 1) {
        return "WorkOSCookieSameSite None needs WorkOSCookieSecure On: "
               "browsers drop SameSite=None cookies that are not Secure";
    }
    if (!c->redirect_uri
        || apr_uri_parse(p, c->redirect_uri, &u) != APR_SUCCESS
        || !u.hostname) {
        return NULL;
    }
    if (c->cookie_domain && !cfg_domain_match(u.hostname, c->cookie_domain)) {
        return apr_psprintf(p, "WorkOSCookieDomain %s does not domain-match "
                            "the host of WorkOSRedirectURI (%s): the browser "
                            "would refuse the session cookie the callback "
                            "sets, and every sign-in would loop",
                            c->cookie_domain, u.hostname);
    }
    if (c->cookie_secure == 1 && !strcasecmp(u.scheme, "http")
        && !cfg_loopback(u.hostname)) {
        return apr_psprintf(p, "WorkOSRedirectURI %s is plain http on a host "
                            "browsers do not treat as secure, but "
                            "WorkOSCookieSecure is On: the browser would "
                            "drop the session cookie and every sign-in would "
                            "loop. Use https (or WorkOSCookieSecure Off for "
                            "local testing only)", c->redirect_uri);
    }
    return NULL;
}

/* mod_authn_core's AuthType reader: core itself only gets it after
 * post_config, and this check runs before. */
APR_DECLARE_OPTIONAL_FN(const char *, authn_ap_auth_type, (request_rec *r));

/* A request as httpd makes one, for a client that sent nothing: AuthType
 * is an ap_expr evaluated against a request, and an expression may read
 * any table, config vector or address of it (%{HTTP:...}, %{HTTPS},
 * %{CONTEXT_PREFIX}...), so none may be missing. Such an expression gives
 * nothing useful here (no header, no client): it is not "WorkOS", and the
 * scope is checked at its first request instead (authn.c). */
static request_rec *cfg_bare_request(apr_pool_t *p, server_rec *s)
{
    conn_rec *c = apr_pcalloc(p, sizeof(*c));
    apr_sockaddr_t *sa = NULL;
    request_rec *r;

    if (apr_sockaddr_info_get(&sa, "0.0.0.0", APR_INET, 0, 0, p)
        != APR_SUCCESS) {
        return NULL;
    }
    c->pool = p;
    c->base_server = s;
    c->log = &s->log;
    c->conn_config = ap_create_conn_config(p);
    c->notes = apr_table_make(p, 1);
    c->bucket_alloc = apr_bucket_alloc_create(p);
    c->local_addr = c->client_addr = sa;
    c->local_ip = c->client_ip = "0.0.0.0";
    c->local_host = s->server_hostname;
#if AP_MODULE_MAGIC_AT_LEAST(20120211, 106)
    r = ap_create_request(c);
#else
    r = apr_pcalloc(p, sizeof(*r));
    r->pool = p;
    r->connection = c;
    r->server = s;
    r->request_config = ap_create_request_config(p);
    r->headers_in = apr_table_make(p, 1);
    r->trailers_in = apr_table_make(p, 1);
    r->subprocess_env = apr_table_make(p, 1);
    r->headers_out = apr_table_make(p, 1);
    r->err_headers_out = apr_table_make(p, 1);
    r->trailers_out = apr_table_make(p, 1);
    r->notes = apr_table_make(p, 1);
    r->useragent_addr = c->client_addr;
    r->useragent_ip = c->client_ip;
    r->log = &s->log;
    r->status = HTTP_OK;
    r->request_time = apr_time_now();
    if (ap_run_create_request(r) != OK) {
        return NULL;
    }
#endif
    r->method = "GET";
    r->method_number = M_GET;
    r->protocol = "HTTP/1.1";
    r->proto_num = HTTP_VERSION(1, 1);
    r->the_request = "GET / HTTP/1.1";
    r->uri = r->unparsed_uri = "/";
    r->hostname = s->server_hostname;
    return r;
}

/* 1 when this section (a Location/Directory config vector) says
 * AuthType WorkOS; *action is its own WorkOSUnauthAction or WOS_UNSET.
 * r is a bare request (cfg_bare_request), NULL if none could be made. */
static int cfg_section_workos(request_rec *r, ap_conf_vector_t *v,
                              module *authn_core,
                              const char *(*auth_type)(request_rec *),
                              int *action)
{
    const char *t;
    wos_dir_cfg *dc = ap_get_module_config(v, &auth_workos_module);

    *action = dc ? dc->unauth_action : WOS_UNSET;
    if (!r || !ap_get_module_config(v, authn_core)) {
        return 0;  /* no authn_core directive in this section */
    }
    r->per_dir_config = v;
    t = auth_type(r);
    return t && !strcasecmp(t, "WorkOS");
}

/* Whether a section (of the same kind) that sets WorkOSUnauthAction 401
 * or pass may enclose path: a regex section, or a path prefix. */
static int cfg_enclosed(const apr_array_header_t *quiet, const char *path)
{
    int i;

    for (i = 0; i < quiet->nelts; i++) {
        const core_dir_config *q = APR_ARRAY_IDX(quiet, i,
                                                 core_dir_config *);
        if (!q || q->r || !q->d || !strncmp(path, q->d, strlen(q->d))) {
            return 1;
        }
    }
    return 0;
}

/* A section of this server that sends browsers to sign in (AuthType
 * WorkOS and WorkOSUnauthAction auth, explicit or by default), named for
 * the message; NULL if none. A section that leaves WorkOSUnauthAction
 * unset does not count when a section setting it to 401 or pass may
 * enclose it (a path prefix, or a regex section): that case, .htaccess
 * files and an AuthType expression that needs a real request are caught
 * at the first request instead (500, WOS05201 names the cause). r is the
 * bare request the AuthType lines are evaluated against. */
static const char *cfg_signin_scope_in(apr_pool_t *p, server_rec *s,
                                       request_rec *r)
{
    core_server_config *cs = ap_get_core_module_config(s->module_config);
    module *authn_core = ap_find_linked_module("mod_authn_core.c");
    const char *(*auth_type)(request_rec *) =
        APR_RETRIEVE_OPTIONAL_FN(authn_ap_auth_type);
    apr_array_header_t *secs[2], *quiet[2];
    int i, j, action, server_action;
    int workos;

    if (!authn_core || !auth_type) {
        return NULL;
    }
    secs[0] = cs->sec_url;
    secs[1] = cs->sec_dir;
    workos = cfg_section_workos(r, s->lookup_defaults, authn_core,
                                auth_type, &server_action);
    if (server_action == WOS_UNAUTH_401 || server_action == WOS_UNAUTH_PASS) {
        return NULL;  /* every scope inherits it */
    }
    if (workos) {
        return "the server config (AuthType WorkOS outside any section)";
    }
    for (j = 0; j < 2; j++) {
        quiet[j] = apr_array_make(p, 4, sizeof(core_dir_config *));
        for (i = 0; secs[j] && i < secs[j]->nelts; i++) {
            ap_conf_vector_t *v = APR_ARRAY_IDX(secs[j], i,
                                                ap_conf_vector_t *);
            cfg_section_workos(r, v, authn_core, auth_type, &action);
            if (action == WOS_UNAUTH_401 || action == WOS_UNAUTH_PASS) {
                *(core_dir_config **)apr_array_push(quiet[j]) =
                    ap_get_core_module_config(v);
            }
        }
    }
    for (j = 0; j < 2; j++) {
        for (i = 0; secs[j] && i < secs[j]->nelts; i++) {
            ap_conf_vector_t *v = APR_ARRAY_IDX(secs[j], i,
                                                ap_conf_vector_t *);
            core_dir_config *cd = ap_get_core_module_config(v);
            const char *path = cd && cd->d ? cd->d : "?";

            if (!cfg_section_workos(r, v, authn_core, auth_type, &action)
                || (action != WOS_UNAUTH_AUTH && action != WOS_UNSET)
                || (action == WOS_UNSET
                    && (!cd || cd->r || cfg_enclosed(quiet[j], path)))) {
                continue;
            }
            return apr_psprintf(p, "<%s%s %s>",
                                j ? "Directory" : "Location",
                                cd && cd->r ? "Match" : "", path);
        }
    }
    return NULL;
}

/* The bare request lives in a pool of its own, gone once the check is
 * done (p is the configuration's pool, kept for the whole generation). */
static const char *cfg_signin_scope(apr_pool_t *p, server_rec *s)
{
    apr_pool_t *tp;
    const char *where;

    if (apr_pool_create(&tp, p) != APR_SUCCESS) {
        return NULL;
    }
    where = cfg_signin_scope_in(p, s, cfg_bare_request(tp, s));
    apr_pool_destroy(tp);
    return where;
}

int cfg_check(apr_pool_t *p, server_rec *s)
{
    server_rec *main_s = s;
    const wos_srv_cfg *main_c = ap_get_module_config(s->module_config,
                                                     &auth_workos_module);
    apr_hash_t *keys = apr_hash_make(p);
    wos_cache_t *dflt = NULL;
    const char *err;

    for (; s; s = s->next) {
        wos_srv_cfg *c = ap_get_module_config(s->module_config,
                                              &auth_workos_module);
        if (!c->used) {
            continue;
        }
        if ((err = cfg_required(c))) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, WOSLOGNO(00001)
                         "%s (server %s)", err, s->server_hostname);
            return !OK;
        }
        cfg_defaults(p, c);
        cfg_tags(p, c);
        c->secrets = secrets_derive(p, APR_ARRAY_IDX(c->passwords, 0,
                                                     seal_password_t).secret,
                                    c->api_key, c->env_tag);
        c->redirect_path = cfg_callback_path(p, c->redirect_uri);
        if ((err = cfg_cookie_problem(p, c))) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, WOSLOGNO(02401)
                         "%s (server %s)", err, s->server_hostname);
            return !OK;
        }
        /* a vhost's own WorkOSRedirectURI (an inherited one is the main
         * server's, and this vhost may never sign anyone in) */
        if (c->redirect_uri != main_c->redirect_uri
            && (err = cfg_reach_problem(p, main_s, s, c->redirect_uri))) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, WOSLOGNO(05551)
                         "%s", err);
            return !OK;
        }
        if (!c->redirect_uri && (err = cfg_signin_scope(p, s))) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, WOSLOGNO(02402)
                         "WorkOSRedirectURI is required: %s has AuthType "
                         "WorkOS and sends browsers to sign in (server %s). "
                         "Set WorkOSRedirectURI to the absolute URL of the "
                         "callback, or WorkOSUnauthAction 401 there", err,
                         s->server_hostname);
            return !OK;
        }
        if (!c->cache && !dflt && (err = cache_configure(p, "shmcb",
                                                         &dflt))) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, WOSLOGNO(00002)
                         "%s; load mod_socache_shmcb or set WorkOSCache",
                         err);
            return !OK;
        }
        if (!c->cache) {
            c->cache = dflt;
        }
        if (!(c->keys = apr_hash_get(keys, c->jwks_url,
                                     APR_HASH_KEY_STRING))) {
            c->keys = cfg_keys_factory(p, c->jwks_url);
            apr_hash_set(keys, c->jwks_url, APR_HASH_KEY_STRING, c->keys);
        }
    }
    if ((err = cfg_access_problem(p, main_s))) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, main_s, WOSLOGNO(05700)
                     "%s", err);
        return !OK;
    }
    cfg_authz_warn(p, main_s);
    return OK;
}
