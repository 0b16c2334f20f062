/* Sign-in with AuthKit: the redirect to WorkOS with PKCE, and the callback
 * that exchanges the code for a session. The PKCE verifier and the page
 * asked for are sealed into the wos-auth-verifier cookie, and that sealed
 * blob is also the OAuth state, as @workos/authkit-session does. */
#ifndef WOS_LOGIN_H
#define WOS_LOGIN_H

#include "httpd.h"
#include "config.h"

/* Sends the browser to AuthKit; return_to must already be a local path.
 * org may be NULL. Returns the status for the hook or handler. */
int login_start(request_rec *r, const wos_srv_cfg *sc, const char *org,
                const char *return_to);

/* The workos-callback handler. */
int login_callback(request_rec *r, const wos_srv_cfg *sc);

#endif
