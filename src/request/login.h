/* SPDX-License-Identifier: Apache-2.0 */
/* Sign-in with AuthKit: the redirect to WorkOS with PKCE, and the callback
 * that exchanges the code for a session. Each sign-in is a flow with its
 * own verifier cookie, wos-auth-verifier-<FNV-1a of the state> (flow.h),
 * holding the sealed state {nonce, codeVerifier, issuedAt, returnPathname}
 * that is also the OAuth state, exactly as @workos/authkit-session 0.5+
 * writes it: either side can finish a flow the other started. */
#ifndef WOS_LOGIN_H
#define WOS_LOGIN_H

#include "httpd.h"
#include "base/config.h"
#include "model/flow.h"

/* Seconds a flow stays valid (cookie Max-Age and sealed TTL). */
#define LOGIN_FLOW_TTL 600

/* What AuthKit is asked for; NULL entries are not sent. */
typedef struct {
    const char *hint[FLOW_HINT_COUNT];
} login_hints_t;

/* Starts a flow: sets its verifier cookie (clearing the oldest pending
 * flows beyond FLOW_MAX_PENDING) and returns the AuthKit URL, or NULL
 * (logged) when sign-in cannot start. return_to must be a local path. */
const char *login_begin(request_rec *r, const wos_srv_cfg *sc,
                        const login_hints_t *h, const char *return_to);

/* Sends the browser to AuthKit from an AuthType WorkOS scope; org may be
 * NULL. WorkOSSignUp On in the scope asks for the sign-up screen.
 * Returns the status for the hook. */
int login_start(request_rec *r, const wos_srv_cfg *sc, const char *org,
                const char *return_to);

/* The workos-login handler: ?return_to= and the hints, each validated
 * (400 for a bad one, nothing forwarded). */
int login_handle(request_rec *r, const wos_srv_cfg *sc);

/* The workos-callback handler. */
int login_callback(request_rec *r, const wos_srv_cfg *sc);

#endif
