/* SPDX-License-Identifier: Apache-2.0 */
/* Checks an access token: JWT structure, signing key, signature, claims. */
#ifndef WOS_VERIFY_H
#define WOS_VERIFY_H

#include "httpd.h"
#include "base/config.h"
#include "model/identity.h"

typedef enum {
    VERIFY_OK = 0,
    VERIFY_EXPIRED,     /* genuine (signature and issuer good) but expired */
    VERIFY_BAD,         /* anything else wrong with it */
    VERIFY_UNAVAILABLE, /* no signing keys could be had */
    VERIFY_KEY_GONE     /* verify_session_token only: signed by a key
                           WorkOS no longer publishes (its kid is not in
                           the JWKS, or its signature fails, under keys
                           fetched moments ago): a session's refresh
                           token can still get a new one */
} verify_rc;

/* On VERIFY_OK and VERIFY_EXPIRED *id is the token's identity (with exp);
 * otherwise *why is a short reason for the log. With allow_expired, an
 * expired token is VERIFY_OK (logout reads such sessions). */
verify_rc verify_token(request_rec *r, const wos_srv_cfg *sc,
                       const char *token, int allow_expired,
                       wos_identity_t **id, const char **why);

/* All three: a signature that fails under a kid the keys have refetches
 * them (keys_recheck: once per 30 s per host) and checks again before
 * the token is refused.
 *
 * verify_token for a token from a trusted source: out of a valid seal
 * (the cookie's MAC proves it is ours) or straight from WorkOS. An
 * unknown kid may refetch the keys within its own budget, apart from
 * bearer tokens', and a key still missing is VERIFY_UNAVAILABLE (try
 * again), never VERIFY_BAD: a key miss never signs anyone out. */
verify_rc verify_token_trusted(request_rec *r, const wos_srv_cfg *sc,
                               const char *token, int allow_expired,
                               wos_identity_t **id, const char **why);

/* verify_token_trusted (allow_expired 0) for a sealed session's access
 * token, which a refresh can replace: a kid still missing, or a signature
 * still failing, under keys fetched from WorkOS moments ago is
 * VERIFY_KEY_GONE (WorkOS retired the key: refresh the session; logged
 * at info); under older keys (the fetch failed) VERIFY_UNAVAILABLE. */
verify_rc verify_session_token(request_rec *r, const wos_srv_cfg *sc,
                               const char *token, wos_identity_t **id,
                               const char **why);

/* The session in the request's wos-session cookie, checked like
 * verify_token (allow_expired for logout and org switch) and belonging to
 * the sealed user. 1 with *sess and *id set, else 0. */
#include "model/session.h"
int verify_cookie_session(request_rec *r, const wos_srv_cfg *sc,
                          int allow_expired, session_t *sess,
                          wos_identity_t **id);

#endif
