/* SPDX-License-Identifier: Apache-2.0 */
/* Sign-in start and callback; see login.h. */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "util_script.h"
#include "apr_strings.h"
#include <openssl/crypto.h>
#include "request/login.h"
#include "request/reply.h"
#include "request/verify.h"
#include "workos/workos_api.h"
#include "base/client.h"
#include "model/session.h"
#include "model/cookie.h"
#include "model/localpath.h"
#include "codec/pkce.h"
#include "codec/crypto.h"
#include "store/cachens.h"
#include "codec/seal.h"
#include "base/stats.h"
#include "request/diagnose.h"
#include "request/loop.h"
#include "base/cache.h"
#include "base/module.h"


#define LOGIN_TTL_MS (LOGIN_FLOW_TTL * 1000LL)
/* A flow issued on a host whose clock runs ahead, as authkit-session. */
#define LOGIN_SKEW_MS 60000LL
/* Most verifier cookies read from one request. */
#define LOGIN_MAX_COOKIES 32
/* Longest return path sealed into a flow: its sealed state (and cookie)
 * stays near 1 KB. */
#define LOGIN_RETURN_MAX 512
/* Bytes all of a browser's verifier cookies may take in its Cookie header
 * together: past it the oldest pending flows are cleared, so sign-ins
 * from long URLs never make a header httpd refuses on every path. */
#define LOGIN_FLOW_BUDGET 3000

/* Longest origin ("https://host:port") a flow remembers it started on. */
#define LOGIN_ORIGIN_MAX 200

/* Where this request came to, "scheme://host[:port]", for the log;
 * NULL when longer than LOGIN_ORIGIN_MAX (the Host header is the
 * client's). */
static const char *login_origin(request_rec *r)
{
    const char *url = ap_construct_url(r->pool, "", r);

    return url && strlen(url) <= LOGIN_ORIGIN_MAX ? url : NULL;
}

/* The state is sealed with the session cookie password, as
 * @workos/authkit-session seals it, so a flow either side started can be
 * finished by the other. It cannot stand in for a session (no tokens),
 * nor a session for it (no codeVerifier; a session seal never expires,
 * so without issuedAt it cannot be aged). "startedOn" (ours; other
 * readers ignore it) is the origin whose flow cookie the callback needs:
 * named in the log when the callback comes without it. */
static const char *login_seal_state(request_rec *r, const wos_srv_cfg *sc,
                                    const char *verifier,
                                    const char *return_to)
{
    const char *nonce = crypto_random(r->pool, 16);
    const char *origin = login_origin(r);
    long long now = apr_time_as_msec(apr_time_now());
    json_t *st;
    char *text, *sealed = NULL;
    seal_status_t rc = SEAL_ERR_CRYPTO;

    if (!nonce) {
        return NULL;
    }
    st = json_pack("{s:s, s:s, s:I, s:s}", "nonce", nonce, "codeVerifier",
                   verifier, "issuedAt", (json_int_t)now, "returnPathname",
                   return_to);
    if (st && origin
        && json_object_set_new(st, "startedOn", json_string(origin)) != 0) {
        json_decref(st);
        st = NULL;
    }
    if (st && (text = json_dumps(st, JSON_COMPACT))) {
        rc = seal_seal(r->pool, text, strlen(text),
                       (const seal_password_t *)sc->passwords->elts, now,
                       LOGIN_TTL_MS, &sealed);
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    json_decref(st);
    return rc == SEAL_OK ? sealed : NULL;
}

/* The sealed state opened, or NULL: tampered, expired, not a state. */
static json_t *login_open_state(request_rec *r, const wos_srv_cfg *sc,
                                const char *sealed, long long *issued)
{
    long long now = apr_time_as_msec(apr_time_now());
    char *plain;
    size_t len;
    int version;
    long long began, at_ms = 0;
    json_t *st, *at;

    if (seal_unseal(r->pool, sealed, strlen(sealed),
                    (const seal_password_t *)sc->passwords->elts,
                    sc->passwords->nelts, now, &plain, &len, &version)
        != SEAL_OK) {
        return NULL;
    }
    st = json_loadb(plain, len, JSON_REJECT_DUPLICATES, NULL);
    OPENSSL_cleanse(plain, len);
    /* no issuedAt (authkit-nextjs): the seal's authenticated expiry */
    at = json_object_get(st, "issuedAt");
    if (!json_is_object(st) || (at && !json_is_number(at))
        || (at && !flow_issued_ms(json_number_value(at), &at_ms))
        || !json_is_string(json_object_get(st, "codeVerifier"))
        || (json_object_get(st, "returnPathname")
            && !json_is_string(json_object_get(st, "returnPathname")))
        || (began = flow_issued(at != NULL, at_ms,
                                flow_seal_expiry(sealed), now, LOGIN_TTL_MS,
                                LOGIN_SKEW_MS)) < 0) {
        json_decref(st);
        return NULL;
    }
    *issued = began;
    return st;
}

static void login_flow_cookie(request_rec *r, const wos_srv_cfg *sc,
                              const char *name, const char *value)
{
    cookie_attrs_t a = { NULL, "/",
                         strcasecmp(sc->cookie_samesite, "None") ? "Lax"
                                                                 : "None",
                         value ? LOGIN_FLOW_TTL : 0, sc->cookie_secure };
    const char *h = cookie_set_header(r->pool, name, value ? value : "", &a);

    if (h) {
        apr_table_add(r->err_headers_out, "Set-Cookie", h);
    }
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
}

typedef struct {
    const char *name;
    long long issued;  /* 0: unreadable, so the oldest */
    apr_size_t size;   /* its bytes in the Cookie header */
} login_pending_t;

/* "name=value; " */
static apr_size_t login_cookie_size(const char *name, const char *value)
{
    return strlen(name) + 1 + strlen(value) + 2;
}

static int login_older(const void *a, const void *b)
{
    const login_pending_t *x = a, *y = b;

    return x->issued < y->issued ? -1 : x->issued > y->issued;
}

/* This browser already holds verifier cookies: past FLOW_MAX_PENDING
 * with the one being started (of new_size bytes), or past
 * LOGIN_FLOW_BUDGET bytes, the oldest go (their issuedAt says which). */
static void login_evict(request_rec *r, const wos_srv_cfg *sc,
                        apr_size_t new_size)
{
    apr_array_header_t *have = flow_cookies(
        r->pool, apr_table_get(r->headers_in, "Cookie"), LOGIN_MAX_COOKIES);
    login_pending_t *p;
    apr_size_t total = new_size;
    int i, count = have->nelts + 1, cleared = 0;

    if (!have->nelts) {
        return;
    }
    p = apr_pcalloc(r->pool, sizeof(*p) * (apr_size_t)have->nelts);
    for (i = 0; i < have->nelts; i++) {
        const flow_cookie_t *c = &APR_ARRAY_IDX(have, i, flow_cookie_t);
        p[i].name = c->name;
        p[i].size = login_cookie_size(c->name, c->value);
        total += p[i].size;
    }
    if (count <= FLOW_MAX_PENDING && total <= LOGIN_FLOW_BUDGET) {
        return;
    }
    for (i = 0; i < have->nelts; i++) {
        const flow_cookie_t *c = &APR_ARRAY_IDX(have, i, flow_cookie_t);
        json_decref(login_open_state(r, sc, c->value, &p[i].issued));
    }
    qsort(p, (size_t)have->nelts, sizeof(*p), login_older);
    for (i = 0; i < have->nelts && (count > FLOW_MAX_PENDING
                                    || total > LOGIN_FLOW_BUDGET); i++) {
        login_flow_cookie(r, sc, p[i].name, NULL);
        count--;
        total -= p[i].size;
        cleared++;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(02301)
                  "%d pending sign-ins: cleared the %d oldest", have->nelts,
                  cleared);
}

static const char *login_url(request_rec *r, const wos_srv_cfg *sc,
                             const char *challenge, const char *state,
                             const login_hints_t *h)
{
    return workos_api_authorize_url(r->pool, sc->api_base, sc->client_id,
                                    sc->redirect_uri, challenge, state,
                                    h->hint);
}

const char *login_begin(request_rec *r, const wos_srv_cfg *sc,
                        const login_hints_t *h, const char *return_to)
{
    const char *verifier, *state, *name;
    apr_size_t keep;

    if (!sc->redirect_uri) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00601)
                      "cannot start sign-in: WorkOSRedirectURI is not set");
        return NULL;
    }
    /* a long return path keeps its path without the query, or is "/":
     * the sealed state, a cookie, stays bounded */
    keep = localpath_fit(return_to, LOGIN_RETURN_MAX);
    return_to = keep ? apr_pstrmemdup(r->pool, return_to, keep) : "/";
    verifier = crypto_random(r->pool, 32);
    state = verifier ? login_seal_state(r, sc, verifier, return_to) : NULL;
    if (!state) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00602)
                      "cannot start sign-in: no randomness or sealing");
        return NULL;
    }
    name = flow_cookie_name(r->pool, state);
    login_evict(r, sc, login_cookie_size(name, state));
    login_flow_cookie(r, sc, name, state);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(00603)
                  "sending the browser to sign in");
    return login_url(r, sc, pkce_challenge(r->pool, verifier), state, h);
}

/* The scope's own WorkOSSignInOrganization and WorkOSSignUp. */
static void login_scope_hints(request_rec *r, login_hints_t *h)
{
    const wos_dir_cfg *dc = ap_get_module_config(r->per_dir_config,
                                                 &auth_workos_module);

    if (dc && !h->hint[FLOW_HINT_ORG] && !h->hint[FLOW_HINT_CONNECTION]) {
        h->hint[FLOW_HINT_ORG] = dc->signin_org;
    }
    if (dc && !h->hint[FLOW_HINT_SCREEN] && dc->signup == 1) {
        h->hint[FLOW_HINT_SCREEN] = "sign-up";
    }
}

int login_start(request_rec *r, const wos_srv_cfg *sc, const char *org,
                const char *return_to)
{
    login_hints_t h;
    const char *url;

    memset(&h, 0, sizeof(h));
    h.hint[FLOW_HINT_ORG] = org;
    login_scope_hints(r, &h);
    if (!(url = login_begin(r, sc, &h, return_to))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return reply_redirect(r, url);
}

int login_handle(request_rec *r, const wos_srv_cfg *sc)
{
    apr_table_t *args;
    login_hints_t h;
    const char *to, *url;
    int i;

    if (r->method_number != M_GET) {
        apr_table_setn(r->err_headers_out, "Allow", "GET");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    memset(&h, 0, sizeof(h));
    ap_args_to_table(r, &args);
    for (i = 0; i < FLOW_HINT_COUNT; i++) {
        const char *name = flow_hint_name((flow_hint_t)i);
        const char *v = apr_table_get(args, name), *err;

        if (!v || !*v) {
            continue;  /* an empty form field: no hint */
        }
        if ((err = flow_hint_check((flow_hint_t)i, v))) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(02302)
                          "sign-in refused: bad %s: %s", name, err);
            apr_table_setn(r->subprocess_env, "WORKOS_ERROR",
                           "invalid_request");
            apr_table_setn(r->subprocess_env, "WORKOS_ERROR_DESCRIPTION",
                           err);
            return reply_page(r, HTTP_BAD_REQUEST, "Bad sign-in link",
                              apr_pstrcat(r->pool, "This sign-in link's ",
                                          name, " is not valid: ", err,
                                          ".", NULL));
        }
        h.hint[i] = v;
    }
    to = apr_table_get(args, "return_to");
    login_scope_hints(r, &h);
    if (!(url = login_begin(r, sc, &h, localpath_ok(to) ? to : "/"))) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return reply_redirect(r, url);
}

/* A refused callback: logged with why, an error page, the flow forgotten. */
static int login_refuse(request_rec *r, const wos_srv_cfg *sc,
                        const char *cookie_name, int status,
                        const char *why, const char *title,
                        const char *message)
{
    if (cookie_name) {
        login_flow_cookie(r, sc, cookie_name, NULL);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(02303)
                  "sign-in callback refused: %s", why);
    apr_table_setn(r->subprocess_env, "WORKOS_ERROR",
                   status == HTTP_SERVICE_UNAVAILABLE ? "unavailable"
                                                      : "invalid_state");
    apr_table_setn(r->subprocess_env, "WORKOS_ERROR_DESCRIPTION", why);
    if (status == HTTP_SERVICE_UNAVAILABLE) {
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
    }
    return reply_page(r, status, title, message);
}

typedef struct {
    const char *verifier;
    const char *return_to;
} login_state_t;

/* This flow's verifier cookie in the request, or NULL; *held: how many
 * verifier cookies the request carries. */
static const char *login_flow_value(request_rec *r, const char *name,
                                    int *held)
{
    apr_array_header_t *have = flow_cookies(
        r->pool, apr_table_get(r->headers_in, "Cookie"), LOGIN_MAX_COOKIES);
    int i;

    *held = have->nelts;
    for (i = 0; i < have->nelts; i++) {
        const flow_cookie_t *c = &APR_ARRAY_IDX(have, i, flow_cookie_t);
        if (!strcmp(c->name, name)) {
            return c->value;
        }
    }
    return NULL;
}

/* 1 when state is the one this browser's flow cookie holds and opens:
 * the callback answers a sign-in this browser started here. */
static int login_state_ok(request_rec *r, const wos_srv_cfg *sc,
                          const char *state, const char *name)
{
    int held;
    const char *cookie = name ? login_flow_value(r, name, &held) : NULL;
    long long issued;
    json_t *st;

    if (!cookie || !*cookie || strlen(state) != strlen(cookie)
        || CRYPTO_memcmp(state, cookie, strlen(cookie)) != 0
        || !(st = login_open_state(r, sc, cookie, &issued))) {
        return 0;
    }
    json_decref(st);
    return 1;
}

/* A callback for a flow this module started (its state opens) came
 * without the flow's cookie: the browser kept it for the origin the
 * sign-in started on, which is not where WorkOS sent it back (a
 * WorkOSRedirectURI on another host or scheme than the site's), or dropped
 * it (Secure over http, a privacy setting). Said at warn, with both
 * origins; a state that does not open (junk, expired) stays at info. */
static void login_missing_cookie(request_rec *r, const wos_srv_cfg *sc,
                                 const char *state, int held)
{
    long long issued;
    json_t *st = login_open_state(r, sc, state, &issued);
    const char *started, *here = login_origin(r);

    if (!st) {
        return;
    }
    started = json_string_value(json_object_get(st, "startedOn"));
    if (started && here && !strcasecmp(started, here)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(05553)
                      "sign-in callback without its flow cookie, on the "
                      "host the sign-in started on (%s): the browser "
                      "dropped it (a Secure cookie over http, a privacy "
                      "setting or extension)%s",
                      ap_escape_logitem(r->pool, here),
                      held ? " or newer sign-ins pushed it out" : "");
        json_decref(st);
        return;
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(05550)
                  "sign-in callback without its flow cookie: the sign-in "
                  "started on %s (the cookie is set for that host), the "
                  "callback came to %s (WorkOSRedirectURI %s)%s; users must "
                  "start signing in on WorkOSRedirectURI's scheme and host",
                  started ? ap_escape_logitem(r->pool, started)
                          : "an unknown host",
                  here ? ap_escape_logitem(r->pool, here) : "a long Host",
                  sc->redirect_uri,
                  held ? " and the browser holds other sign-ins' cookies"
                       : "");
    json_decref(st);
}

/* Checks state against this flow's cookie and opens it; DECLINED when it
 * checks out, else the page already made. */
static int login_check_state(request_rec *r, const wos_srv_cfg *sc,
                             const char *state, const char *name,
                             login_state_t *out)
{
    int held;
    const char *cookie = login_flow_value(r, name, &held);
    long long issued;
    json_t *st;
    if (!cookie || !*cookie) {
        login_missing_cookie(r, sc, state, held);
        return login_refuse(r, sc, NULL, HTTP_BAD_REQUEST,
                            held ? "no verifier cookie for this flow"
                                        : "no verifier cookie",
                            "Sign-in cookie missing",
                            "This browser holds no sign-in in progress for "
                            "this link: it expires after 10 minutes, was "
                            "already used, was pushed out by newer sign-ins, "
                            "or a proxy or browser setting dropped it. "
                            "Please sign in again.");
    }
    if (strlen(state) != strlen(cookie)
        || CRYPTO_memcmp(state, cookie, strlen(cookie)) != 0) {
        return login_refuse(r, sc, name, HTTP_BAD_REQUEST,
                            "state does not match the verifier cookie",
                            "Sign-in state mismatch",
                            "The state WorkOS returned does not match this "
                            "browser's sign-in. Please sign in again.");
    }
    if (!(st = login_open_state(r, sc, cookie, &issued))) {
        return login_refuse(r, sc, name, HTTP_BAD_REQUEST,
                            "state expired, tampered or not ours",
                            "Sign-in expired",
                            "This sign-in is no longer valid. Please sign in "
                            "again.");
    }
    out->verifier = apr_pstrdup(r->pool, json_string_value(
        json_object_get(st, "codeVerifier")));
    out->return_to = json_string_value(json_object_get(st, "returnPathname"))
        ? apr_pstrdup(r->pool, json_string_value(
              json_object_get(st, "returnPathname"))) : "/";
    json_decref(st);
    return DECLINED;
}

/* A flow works once, on every process and host sharing the cache: it is
 * marked used before WorkOS is asked, so a replay never reaches WorkOS. */
static int login_mark_used(request_rec *r, const wos_srv_cfg *sc,
                           const char *state)
{
    const cachens_key_t *key = cachens_key(r->pool, CACHENS_FLOW,
                                           sc->env_tag,
                                           crypto_sha256_hex(r->pool, state,
                                                             strlen(state)),
                                           NULL);
    apr_time_t until = apr_time_now()
                       + apr_time_from_sec(LOGIN_FLOW_TTL + 120);

    return cache_claim(sc->cache, r->server, key, "1", until, r->pool);
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
    api_client_t c = client_for(sc);
    api_result_t res;

    api_authenticate_code(r->pool, &c, code, st->verifier, &res);
    if (res.status == API_REFUSED) {
        diagnose_refusal(r, "sign-in: the code exchange", res.error,
                         res.http_status);
        apr_table_setn(r->subprocess_env, "WORKOS_ERROR", res.error);
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
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_itoa(r->pool, res.retry_after > 0
                                         ? res.retry_after : 5));
        apr_table_setn(r->subprocess_env, "WORKOS_ERROR", "unavailable");
        return reply_page(r, HTTP_SERVICE_UNAVAILABLE, "Try again shortly",
                          "WorkOS could not be reached to finish signing "
                          "in. Please sign in again in a moment.");
    }
    return login_adopt(r, sc, res.session, st->return_to);
}

/* A callback with an error parameter. It is a link anyone can send, so
 * its text is never shown, exported or logged above info: only when its
 * state checks out is it WorkOS's answer to a sign-in this browser
 * started here, and a misconfiguration it names logged at error. */
static int login_callback_error(request_rec *r, const wos_srv_cfg *sc,
                                const char *state, const char *name,
                                const char *err)
{
    int ours = name && login_state_ok(r, sc, state, name);

    if (ours) {
        diagnose_refusal(r, "sign-in: WorkOS's callback", err, 0);
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(05302)
                      "sign-in callback with an error parameter (%s) but "
                      "no sign-in of this browser's: not diagnosed",
                      ap_escape_logitem(r->pool,
                                        apr_pstrndup(r->pool, err, 64)));
    }
    return login_refuse(r, sc, ours ? name : NULL, HTTP_BAD_REQUEST,
                        ours ? "WorkOS reported an error"
                             : "an error parameter without this browser's "
                               "sign-in state",
                        "Sign-in failed",
                        "The sign-in did not complete. Please sign in "
                        "again.");
}

int login_callback(request_rec *r, const wos_srv_cfg *sc)
{
    apr_table_t *args;
    const char *code, *err, *state, *name = NULL;
    login_state_t st = { NULL, NULL };
    int rc;

    if (r->method_number != M_GET) {
        apr_table_setn(r->err_headers_out, "Allow", "GET");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    ap_args_to_table(r, &args);
    state = apr_table_get(args, "state");
    if (state && *state && strlen(state) <= FLOW_MAX_STATE) {
        name = flow_cookie_name(r->pool, state);
    }
    if ((err = apr_table_get(args, "error"))) {
        return login_callback_error(r, sc, state, name, err);
    }
    if (!name) {
        return login_refuse(r, sc, NULL, HTTP_BAD_REQUEST,
                            "no usable state parameter", "Sign-in failed",
                            "The callback carries no sign-in state.");
    }
    rc = login_check_state(r, sc, state, name, &st);
    if (rc != DECLINED) {
        return rc;
    }
    if (!(code = apr_table_get(args, "code")) || !*code
        || strlen(code) > 512) {
        return login_refuse(r, sc, name, HTTP_BAD_REQUEST,
                            "no code", "Sign-in failed",
                            "The callback carries no code.");
    }
    /* only a callback that would sign this browser in counts toward the
     * loop guard: links to the callback from elsewhere never do */
    if ((rc = loop_check(r, sc)) != DECLINED) {
        return rc;
    }
    rc = login_mark_used(r, sc, state);
    if (rc == 0) {
        return login_refuse(r, sc, name, HTTP_BAD_REQUEST,
                            "this sign-in was already used (a replayed "
                            "callback)", "Sign-in already used",
                            "This sign-in link was already used. Please "
                            "sign in again.");
    }
    if (rc < 0) {
        return login_refuse(r, sc, name, HTTP_SERVICE_UNAVAILABLE,
                            apr_pstrcat(r->pool, "cannot mark the sign-in "
                                        "used in ", cache_spec(sc->cache),
                                        NULL), "Try again shortly",
                            "Sign-in could not be completed right now.");
    }
    login_flow_cookie(r, sc, name, NULL);
    return login_exchange(r, sc, code, &st);
}
