/* SPDX-License-Identifier: Apache-2.0 */
/* Access-token verification; see verify.h. */
#include "httpd.h"
#include "http_log.h"
#include "request/verify.h"
#include "state/keys.h"
#include "codec/jwt.h"
#include "model/cookie.h"
#include "codec/seal.h"
#include "base/stats.h"
#include "base/module.h"

static jwt_status_t verify_claims(const wos_srv_cfg *sc, const jwt_t *jwt,
                                  int allow_expired)
{
    jwt_rules_t rules;
    jwt_status_t js;

    rules.now = apr_time_sec(apr_time_now());
    rules.skew = sc->clock_skew;
    rules.issuers = (const char *const *)sc->issuers->elts;
    rules.nissuers = sc->issuers->nelts;
    js = jwt_check_claims(jwt, &rules);
    /* EXPIRED comes only after the shape and issuer checks passed */
    return (js == JWT_ERR_EXPIRED && allow_expired) ? JWT_OK : js;
}

/* A trusted token whose key the keys lack or refuse: WorkOS retired the
 * key if they were fetched moments ago, else they may be out of date. */
static verify_rc verify_key_gone(request_rec *r, const wos_srv_cfg *sc,
                                 const char *kid, const char *why)
{
    if (!keys_fetched_within(sc->keys, KEYS_RECHECK_INTERVAL)) {
        return VERIFY_UNAVAILABLE;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(05452)
                  "token signed by a key WorkOS no longer publishes (kid "
                  "%.64s: %s)", kid, why);
    return VERIFY_KEY_GONE;
}

/* The signature under kid's current key; one recheck of the keys when it
 * fails. *ks is the last lookup's status. */
static jwt_status_t verify_signature(request_rec *r, const wos_srv_cfg *sc,
                                     const jwt_t *jwt, int trusted,
                                     keys_status_t *ks)
{
    EVP_PKEY *key = NULL;
    jwt_status_t js;
    int again = 1;

    *ks = keys_lookup(sc->keys, r, sc, jwt->kid, trusted, &key);
    while (*ks == KEYS_OK) {
        stats_inc(STAT_SIG_VERIFIES);
        js = jwt_verify_rs256(jwt, key);
        EVP_PKEY_free(key);
        key = NULL;
        if (js != JWT_ERR_SIGNATURE || !again--
            || !keys_recheck(sc->keys, r, sc, jwt->kid)) {
            return js;
        }
        /* newer keys: the kid may be replaced, or gone */
        *ks = keys_lookup(sc->keys, r, sc, jwt->kid, trusted, &key);
    }
    return JWT_ERR_UNKNOWN_KID;
}

/* Where a token comes from: a request (bearer), WorkOS or a valid seal
 * (trusted), a valid seal whose refresh token can replace it (session). */
typedef enum { VERIFY_AS_BEARER, VERIFY_AS_TRUSTED, VERIFY_AS_SESSION }
    verify_as_t;

static verify_rc verify_as(request_rec *r, const wos_srv_cfg *sc,
                           const char *token, int allow_expired,
                           verify_as_t as, wos_identity_t **id,
                           const char **why)
{
    int trusted = as != VERIFY_AS_BEARER;
    jwt_t jwt;
    jwt_status_t js;
    keys_status_t ks;

    *id = NULL;
    if ((js = jwt_parse(r->pool, token, strlen(token), &jwt)) != JWT_OK) {
        *why = jwt_status_str(js);
        return VERIFY_BAD;
    }
    js = verify_signature(r, sc, &jwt, trusted, &ks);
    if (ks == KEYS_UNAVAILABLE) {
        *why = "no signing keys available";
        return VERIFY_UNAVAILABLE;
    }
    if (js == JWT_ERR_UNKNOWN_KID || js == JWT_ERR_SIGNATURE) {
        *why = jwt_status_str(js);
        if (as == VERIFY_AS_SESSION) {
            return verify_key_gone(r, sc, jwt.kid, *why);
        }
        /* a trusted kid the keys lack: try again, never "bad" */
        return trusted && js == JWT_ERR_UNKNOWN_KID ? VERIFY_UNAVAILABLE
                                                    : VERIFY_BAD;
    }
    if (js == JWT_OK) {
        jwt_remember_header(&jwt);
        js = verify_claims(sc, &jwt, allow_expired);
    }
    if (js != JWT_OK && js != JWT_ERR_EXPIRED) {
        *why = jwt_status_str(js);
        return VERIFY_BAD;
    }
    if (!(*id = identity_from_claims(r->pool, jwt.claims,
                                     jwt.claims_text,
                                     jwt.claims_text_len))) {
        *why = jwt_status_str(JWT_ERR_CLAIMS);
        return VERIFY_BAD;
    }
    *why = jwt_status_str(js);
    return js == JWT_OK ? VERIFY_OK : VERIFY_EXPIRED;
}

verify_rc verify_token(request_rec *r, const wos_srv_cfg *sc,
                       const char *token, int allow_expired,
                       wos_identity_t **id, const char **why)
{
    return verify_as(r, sc, token, allow_expired, VERIFY_AS_BEARER, id, why);
}

verify_rc verify_token_trusted(request_rec *r, const wos_srv_cfg *sc,
                               const char *token, int allow_expired,
                               wos_identity_t **id, const char **why)
{
    return verify_as(r, sc, token, allow_expired, VERIFY_AS_TRUSTED, id,
                     why);
}

verify_rc verify_session_token(request_rec *r, const wos_srv_cfg *sc,
                               const char *token, wos_identity_t **id,
                               const char **why)
{
    return verify_as(r, sc, token, 0, VERIFY_AS_SESSION, id, why);
}

int verify_cookie_session(request_rec *r, const wos_srv_cfg *sc,
                          int allow_expired, session_t *sess,
                          wos_identity_t **id)
{
    const char *h = apr_table_get(r->headers_in, "Cookie");
    /* a sibling domain's cookie of the same name may come first: the
     * first candidate that checks out is the session */
    apr_array_header_t *all = h ? cookie_get_all(r->pool, h, sc->cookie_name)
                                : NULL;
    const char *why;
    int i;

    for (i = 0; all && i < all->nelts; i++) {
        const char *v = APR_ARRAY_IDX(all, i, const char *);

        if (session_open(r->pool, v,
                         (const seal_password_t *)sc->passwords->elts,
                         sc->passwords->nelts,
                         apr_time_as_msec(apr_time_now()), sess,
                         &why) != 0
            || verify_token_trusted(r, sc, sess->access_token, allow_expired,
                                    id, &why) != VERIFY_OK) {
            continue;
        }
        if (!sess->user_id || !strcmp(sess->user_id, (*id)->user_id)) {
            return 1;
        }
    }
    return 0;
}
