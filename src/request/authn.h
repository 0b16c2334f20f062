/* SPDX-License-Identifier: Apache-2.0 */
/* AuthType WorkOS: finds the caller's credential (sealed cookie or bearer
 * JWT), verifies it, and sets r->user and the environment. */
#ifndef WOS_AUTHN_H
#define WOS_AUTHN_H

#include "httpd.h"
#include "model/identity.h"
#include "base/config.h"

/* Per-process state (child_init). */
void authn_child_init(apr_pool_t *p, server_rec *s);

/* check_authn hook (AP_AUTH_INTERNAL_PER_CONF). */
int authn_check_user_id(request_rec *r);

/* note_auth_failure hook: authorisation failed with 401. */
int authn_note_failure(request_rec *r, const char *auth_type);

/* force_authn hook: with WorkOSUnauthAction pass, authentication runs
 * even where the Require lines grant access without a user. */
int authn_force(request_rec *r);

/* 1 when this request is for one of the module's own handlers under
 * AuthType WorkOS (route.h), known before authentication: the workos-*
 * Require providers let it through, the handler answers for itself. */
int authn_module_request(request_rec *r);

/* fixups hook: an anonymous request leaves with no r->user, so the
 * backend sees no REMOTE_USER at all; WorkOSStripCookies takes the
 * session cookie from every request of its scope (but the module's own
 * handlers), whether authentication ran or not. */
int authn_fixups(request_rec *r);

/* The verified identity of this request (or its parent), or NULL. */
const wos_identity_t *authn_identity(request_rec *r);

/* 1 for a person at a browser, who can be sent to sign in (a GET for
 * HTML, navigating, with no Authorization or X-Requested-With). */
int authn_is_browser(request_rec *r);

/* The session cookie value this request was authenticated with (after a
 * refresh, the new one), or NULL for a bearer token or API key. */
const char *authn_session_cookie(request_rec *r);

/* Puts a new sealed session (an organisation switch) in force for this
 * request: checked like a refreshed one, sent with Set-Cookie, the user
 * and environment replaced (env_publish). When this request is run
 * again (an internal redirect, autoswitch.h), authentication there
 * takes this session instead of the Cookie header. 1 on success, 0 when
 * it does not check out. */
int authn_replace_session(request_rec *r, const char *sealed);
/* For handlers outside AuthType WorkOS (workos-info): the identity
 * authentication found, or else the request's own credential checked the
 * same way (cache, refresh, revocations). OK with *id set, or
 * HTTP_UNAUTHORIZED, HTTP_SERVICE_UNAVAILABLE or HTTP_TOO_MANY_REQUESTS
 * (Retry-After set). */
int authn_identify(request_rec *r, const wos_srv_cfg *sc,
                   const wos_identity_t **id);

#endif
