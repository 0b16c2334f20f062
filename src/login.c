/* Sign-in start and callback; see login.h. */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"
#include "util_script.h"
#include "apr_strings.h"
#include <openssl/crypto.h>
#include "login.h"
#include "reply.h"
#include "verify.h"
#include "workos_api.h"
#include "session.h"
#include "cookie.h"
#include "localpath.h"
#include "pkce.h"
#include "crypto.h"
#include "seal.h"
#include "stats.h"
#include "diagnose.h"
#include "log.h"

APLOG_USE_MODULE(auth_workos);

#define LOGIN_PURPOSE "mod_auth_workos sign-in verifier v1"
#define LOGIN_TTL_MS (REPLY_VERIFIER_MAX_AGE * 1000LL)

/* The verifier is sealed under its own derived password: a session cookie
 * cannot stand in for it, nor it for a session. */
static seal_password_t login_password(request_rec *r, const wos_srv_cfg *sc)
{
    const seal_password_t *pw = (const seal_password_t *)sc->passwords->elts;
    seal_password_t v;

    v.id = "1";
    v.secret = crypto_derive_password(r->pool, pw[0].secret, LOGIN_PURPOSE);
    return v;
}

static const char *login_seal_state(request_rec *r, const wos_srv_cfg *sc,
                                    const char *verifier,
                                    const char *return_to)
{
    const char *nonce = crypto_random(r->pool, 16);
    seal_password_t pw = login_password(r, sc);
    json_t *st;
    char *text, *sealed = NULL;
    seal_status_t rc = SEAL_ERR_CRYPTO;

    if (!nonce || !pw.secret) {
        return NULL;
    }
    st = json_pack("{s:s, s:s, s:s}", "nonce", nonce, "codeVerifier",
                   verifier, "returnPathname", return_to);
    if (st && (text = json_dumps(st, JSON_COMPACT))) {
        rc = seal_seal(r->pool, text, strlen(text), &pw,
                       apr_time_as_msec(apr_time_now()), LOGIN_TTL_MS,
                       &sealed);
        free(text);
    }
    json_decref(st);
    return rc == SEAL_OK ? sealed : NULL;
}

static const char *login_url(request_rec *r, const wos_srv_cfg *sc,
                             const char *challenge, const char *state,
                             const char *org)
{
    apr_pool_t *p = r->pool;

    return apr_pstrcat(p, sc->api_base, "/user_management/authorize",
                       "?client_id=", ap_escape_urlencoded(p, sc->client_id),
                       "&redirect_uri=",
                       ap_escape_urlencoded(p, sc->redirect_uri),
                       "&response_type=code&provider=authkit",
                       "&code_challenge=", challenge,
                       "&code_challenge_method=S256",
                       "&state=", ap_escape_urlencoded(p, state),
                       org ? "&organization_id=" : "",
                       org ? ap_escape_urlencoded(p, org) : "", NULL);
}

int login_start(request_rec *r, const wos_srv_cfg *sc, const char *org,
                const char *return_to)
{
    const char *verifier, *state;

    if (!sc->redirect_uri) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00601)
                      "cannot start sign-in: WorkOSRedirectURI is not set");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    verifier = crypto_random(r->pool, 32);
    state = verifier ? login_seal_state(r, sc, verifier, return_to) : NULL;
    if (!state) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00602)
                      "cannot start sign-in: no randomness or sealing");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    reply_set_verifier(r, sc, state);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(00603)
                  "sending the browser to sign in");
    return reply_redirect(r, login_url(r, sc, pkce_challenge(r->pool,
                                                             verifier),
                                       state, org));
}

typedef struct {
    const char *verifier;
    const char *return_to;
} login_state_t;

/* Checks state against the cookie and opens it; a page on failure. */
static int login_check_state(request_rec *r, const wos_srv_cfg *sc,
                             const char *state, login_state_t *out)
{
    const char *h = apr_table_get(r->headers_in, "Cookie");
    const char *cookie = h ? cookie_get(r->pool, h, REPLY_VERIFIER_COOKIE)
                           : NULL;
    seal_password_t pw = login_password(r, sc);
    char *plain;
    size_t len;
    int version;
    json_t *st;

    if (!cookie || !*cookie) {
        return reply_page(r, HTTP_BAD_REQUEST, "Sign-in cookie missing",
                          "The wos-auth-verifier cookie did not come back: "
                          "it expires after 10 minutes, or a proxy or "
                          "browser setting dropped it. Please sign in "
                          "again.");
    }
    if (!state || strlen(state) != strlen(cookie)
        || CRYPTO_memcmp(state, cookie, strlen(cookie)) != 0) {
        return reply_page(r, HTTP_BAD_REQUEST, "Sign-in state mismatch",
                          "The state WorkOS returned does not match this "
                          "browser's sign-in. Please sign in again.");
    }
    if (seal_unseal(r->pool, cookie, strlen(cookie), &pw, 1,
                    apr_time_as_msec(apr_time_now()), &plain, &len,
                    &version) != SEAL_OK
        || !(st = json_loadb(plain, len, JSON_REJECT_DUPLICATES, NULL))) {
        return reply_page(r, HTTP_BAD_REQUEST, "Sign-in expired",
                          "This sign-in is no longer valid. Please sign in "
                          "again.");
    }
    out->verifier = apr_pstrdup(r->pool, json_string_value(
        json_object_get(st, "codeVerifier")));
    out->return_to = apr_pstrdup(r->pool, json_string_value(
        json_object_get(st, "returnPathname")));
    json_decref(st);
    return out->verifier ? DECLINED : reply_page(r, HTTP_BAD_REQUEST,
        "Sign-in expired", "Please sign in again.");
}

static const char *login_seal_session(request_rec *r, const wos_srv_cfg *sc,
                                      json_t *session)
{
    char *text = json_dumps(session, JSON_COMPACT), *sealed = NULL;
    seal_status_t st = SEAL_ERR_CRYPTO;

    if (text) {
        st = seal_seal(r->pool, text, strlen(text),
                       (const seal_password_t *)sc->passwords->elts,
                       apr_time_as_msec(apr_time_now()), 0, &sealed);
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    return st == SEAL_OK ? sealed : NULL;
}

/* WorkOS answered with a session: check it and hand it to the browser. */
static int login_adopt(request_rec *r, const wos_srv_cfg *sc, json_t *sess,
                       const char *return_to)
{
    const char *at = json_string_value(json_object_get(sess, "accessToken"));
    const char *uid = json_string_value(json_object_get(
        json_object_get(sess, "user"), "id"));
    wos_identity_t *id;
    const char *why, *sealed;
    verify_rc vr = at ? verify_token_trusted(r, sc, at, 0, &id, &why)
                      : VERIFY_BAD;

    if (vr == VERIFY_UNAVAILABLE) {
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
        return reply_page(r, HTTP_SERVICE_UNAVAILABLE, "Try again shortly",
                          "Sign-in could not be checked right now.");
    }
    if (vr != VERIFY_OK || !uid || strcmp(uid, id->user_id) != 0
        || !(sealed = login_seal_session(r, sc, sess))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00604)
                      "sign-in: WorkOS's session does not check out: %s",
                      vr != VERIFY_OK ? why : "user id or sealing");
        return reply_page(r, HTTP_BAD_GATEWAY, "Sign-in failed",
                          "The session WorkOS returned could not be used.");
    }
    reply_set_session(r, sc, sealed);
    reply_clear_verifier(r, sc);
    stats_inc(STAT_SIGN_INS);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(00605)
                  "signed in %s", id->user_id);
    r->status = HTTP_MOVED_TEMPORARILY;
    apr_table_setn(r->headers_out, "Location",
                   localpath_ok(return_to) ? return_to : "/");
    return OK;
}

static int login_exchange(request_rec *r, const wos_srv_cfg *sc,
                          const char *code, const login_state_t *st)
{
    api_client_t c = { sc->api_base, sc->client_id, sc->api_key,
                       sc->http_timeout };
    api_result_t res;

    api_authenticate_code(r->pool, &c, code, st->verifier, &res);
    if (res.status == API_REFUSED) {
        reply_clear_verifier(r, sc);
        diagnose_refusal(r, "sign-in: the code exchange", res.error,
                         res.http_status);
        return reply_page(r, HTTP_BAD_REQUEST, "Sign-in failed",
                          apr_psprintf(r->pool, "WorkOS refused the sign-in "
                                       "(%s). Please sign in again.",
                                       res.error));
    }
    if (res.status != API_OK) {
        stats_inc(STAT_API_ERRORS);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00607)
                      "sign-in: code exchange failed: %s (HTTP %ld)",
                      res.error, res.http_status);
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
        return reply_page(r, HTTP_SERVICE_UNAVAILABLE, "Try again shortly",
                          "WorkOS could not be reached to finish signing "
                          "in.");
    }
    return login_adopt(r, sc, res.session, st->return_to);
}

int login_callback(request_rec *r, const wos_srv_cfg *sc)
{
    apr_table_t *args;
    const char *code, *err;
    login_state_t st = { NULL, NULL };
    int rc;

    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    ap_args_to_table(r, &args);
    if ((err = apr_table_get(args, "error"))) {
        diagnose_refusal(r, "sign-in: WorkOS's callback", err, 0);
        reply_clear_verifier(r, sc);
        return reply_page(r, HTTP_BAD_REQUEST, "Sign-in failed",
                          apr_psprintf(r->pool, "WorkOS reported: %.64s",
                                       err));
    }
    rc = login_check_state(r, sc, apr_table_get(args, "state"), &st);
    if (rc != DECLINED) {
        reply_clear_verifier(r, sc);
        return rc;
    }
    if (!(code = apr_table_get(args, "code")) || !*code
        || strlen(code) > 512) {
        reply_clear_verifier(r, sc);
        return reply_page(r, HTTP_BAD_REQUEST, "Sign-in failed",
                          "The callback carries no code.");
    }
    return login_exchange(r, sc, code, &st);
}
