/* Authentication; see authn.h. */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"
#include "authn.h"
#include "config.h"
#include "keys.h"
#include "env.h"
#include "jwt.h"
#include "cookie.h"
#include "session.h"
#include "log.h"

APLOG_USE_MODULE(auth_workos);
extern module AP_MODULE_DECLARE_DATA auth_workos_module;

/* What authentication learnt about this request. */
typedef struct {
    wos_identity_t *id;
    int presented;      /* a credential was offered */
    const char *why;    /* why it failed: a short reason, no secrets */
} authn_state_t;

typedef enum { AUTHN_OK, AUTHN_NONE, AUTHN_BAD, AUTHN_UNAVAILABLE } authn_rc;

static authn_state_t *authn_state(request_rec *r)
{
    authn_state_t *st = ap_get_module_config(r->request_config,
                                             &auth_workos_module);
    if (!st) {
        st = apr_pcalloc(r->pool, sizeof(*st));
        ap_set_module_config(r->request_config, &auth_workos_module, st);
    }
    return st;
}

const wos_identity_t *authn_identity(request_rec *r)
{
    for (; r; r = r->main ? r->main : r->prev) {
        authn_state_t *st = ap_get_module_config(r->request_config,
                                                 &auth_workos_module);
        if (st && st->id) {
            return st->id;
        }
    }
    return NULL;
}

static int authn_is_workos(request_rec *r)
{
    const char *t = ap_auth_type(r);
    return t && !strcasecmp(t, "WorkOS");
}

/* Verifies an access token and returns its claims as an identity. */
static authn_rc authn_verify(request_rec *r, const wos_srv_cfg *sc,
                             const char *token, authn_state_t *st)
{
    jwt_t jwt;
    jwt_rules_t rules;
    EVP_PKEY *key = NULL;
    jwt_status_t js;
    keys_status_t ks;

    if ((js = jwt_parse(r->pool, token, strlen(token), &jwt)) != JWT_OK) {
        st->why = jwt_status_str(js);
        return AUTHN_BAD;
    }
    ks = keys_lookup(sc->keys, r, sc, jwt.kid, &key);
    if (ks == KEYS_UNAVAILABLE) {
        st->why = "no signing keys available";
        return AUTHN_UNAVAILABLE;
    }
    if (ks == KEYS_UNKNOWN_KID) {
        st->why = jwt_status_str(JWT_ERR_UNKNOWN_KID);
        return AUTHN_BAD;
    }
    js = jwt_verify_rs256(&jwt, key);
    EVP_PKEY_free(key);
    if (js == JWT_OK) {
        rules.now = apr_time_sec(apr_time_now());
        rules.skew = sc->clock_skew;
        rules.issuers = (const char *const *)sc->issuers->elts;
        rules.nissuers = sc->issuers->nelts;
        js = jwt_check_claims(&jwt, &rules);
    }
    if (js != JWT_OK || !(st->id = identity_from_claims(r->pool,
                                                         jwt.claims))) {
        st->why = jwt_status_str(js == JWT_OK ? JWT_ERR_CLAIMS : js);
        return AUTHN_BAD;
    }
    return AUTHN_OK;
}

static void authn_clear_cookie(request_rec *r, const wos_srv_cfg *sc)
{
    cookie_attrs_t a = { sc->cookie_domain, sc->cookie_path,
                         sc->cookie_samesite, 0, sc->cookie_secure };
    const char *h = cookie_set_header(r->pool, sc->cookie_name, "", &a);

    if (h) {
        apr_table_add(r->err_headers_out, "Set-Cookie", h);
    }
}

static authn_rc authn_cookie(request_rec *r, const wos_srv_cfg *sc,
                             const char *value, authn_state_t *st)
{
    session_t sess;
    authn_rc rc;

    st->presented = 1;
    if (session_open(r->pool, value,
                     (const seal_password_t *)sc->passwords->elts,
                     sc->passwords->nelts, apr_time_as_msec(apr_time_now()),
                     &sess, &st->why) != 0) {
        authn_clear_cookie(r, sc);
        return AUTHN_BAD;
    }
    rc = authn_verify(r, sc, sess.access_token, st);
    if (rc == AUTHN_OK && sess.user_id
        && strcmp(sess.user_id, st->id->user_id) != 0) {
        st->why = "sealed user id differs from the token's sub";
        st->id = NULL;
        rc = AUTHN_BAD;
    }
    if (rc == AUTHN_OK) {
        identity_add_session(r->pool, st->id, sess.data);
    }
    else if (rc == AUTHN_BAD) {
        authn_clear_cookie(r, sc);
    }
    return rc;
}

static const char *authn_bearer(request_rec *r)
{
    const char *h = apr_table_get(r->headers_in, "Authorization");

    if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
        return NULL;
    }
    for (h += 7; *h == ' '; h++)
        ;
    return h;
}

static authn_rc authn_credential(request_rec *r, const wos_srv_cfg *sc,
                                 const wos_dir_cfg *dc, authn_state_t *st)
{
    int src = dc->token_sources == WOS_UNSET
              ? (WOS_SRC_COOKIE | WOS_SRC_BEARER) : dc->token_sources;
    const char *v;

    if ((src & WOS_SRC_BEARER) && (v = authn_bearer(r))) {
        st->presented = 1;
        return authn_verify(r, sc, v, st);
    }
    if ((src & WOS_SRC_COOKIE)
        && (v = apr_table_get(r->headers_in, "Cookie"))
        && strlen(v) <= COOKIE_MAX_HEADER
        && (v = cookie_get(r->pool, v, sc->cookie_name))) {
        return authn_cookie(r, sc, v, st);
    }
    return AUTHN_NONE;
}

static void authn_challenge(request_rec *r, const authn_state_t *st)
{
    const char *realm = ap_auth_name(r) ? ap_auth_name(r) : "WorkOS";
    const char *v = apr_psprintf(r->pool, "Bearer realm=\"%s\"%s",
                                 ap_escape_quotes(r->pool, realm),
                                 st->presented && st->why
                                 ? ", error=\"invalid_token\"" : "");

    apr_table_setn(r->err_headers_out, "WWW-Authenticate", v);
}

static int authn_unauthenticated(request_rec *r, const wos_dir_cfg *dc,
                                 authn_state_t *st)
{
    if (dc->unauth_action == WOS_UNAUTH_PASS) {
        r->user = "";  /* anonymous: Require valid-user lets it through */
        return OK;
    }
    authn_challenge(r, st);
    return HTTP_UNAUTHORIZED;
}

int authn_check_user_id(request_rec *r)
{
    wos_srv_cfg *sc;
    wos_dir_cfg *dc;
    authn_state_t *st;
    authn_rc rc;

    if (!authn_is_workos(r)) {
        return DECLINED;
    }
    sc = ap_get_module_config(r->server->module_config, &auth_workos_module);
    dc = ap_get_module_config(r->per_dir_config, &auth_workos_module);
    if (!sc->keys) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00301)
                      "AuthType WorkOS needs WorkOSClientID and "
                      "WorkOSCookiePassword in this server's config");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    env_strip_forged(r);
    st = authn_state(r);
    rc = authn_credential(r, sc, dc, st);
    if (rc == AUTHN_OK) {
        r->user = apr_pstrdup(r->pool, st->id->user_id);
        r->ap_auth_type = "WorkOS";
        env_publish(r, st->id, dc->pass_headers == 1);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(00302)
                      "authenticated %s", r->user);
        return OK;
    }
    if (rc == AUTHN_UNAVAILABLE) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00303)
                      "cannot verify credentials: %s", st->why);
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(00304)
                  "no valid session: %s", st->why ? st->why
                                                  : "no credential");
    return authn_unauthenticated(r, dc, st);
}

int authn_note_failure(request_rec *r, const char *auth_type)
{
    if (!auth_type || strcasecmp(auth_type, "WorkOS")) {
        return DECLINED;
    }
    /* A request with a user is forbidden, never sent to sign in again. */
    authn_challenge(r, authn_state(r));
    return OK;
}
