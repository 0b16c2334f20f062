/* SPDX-License-Identifier: Apache-2.0 */
/* What the backend sees: REMOTE_USER, the WORKOS_* variables and, when
 * asked, X-WorkOS-* request headers. */
#ifndef WOS_ENV_H
#define WOS_ENV_H

#include "httpd.h"
#include "model/identity.h"
#include "base/config.h"

/* Removes every incoming X-WorkOS-* and X_WorkOS_* header (any case), so
 * none can be forged; run on every request of a configured server. */
void env_strip_forged(request_rec *r);

/* The one place the backend's view of the caller is set. First removes
 * every X-WorkOS-* request header, every WORKOS_* variable, every
 * WorkOSPassClaim variable (and httpd's REDIRECT_ copies of any of them,
 * made by an internal redirect); then sets r->user as WorkOSRemoteUser
 * says, the WORKOS_* variables, the WorkOSPassClaim ones and, with
 * WorkOSPassHeaders, the X-WorkOS-* headers. A claim value with a
 * control character, invalid UTF-8 or too long is dropped with a log
 * line. 1, or 0 (logged, nothing published) when the identity has no
 * value for WorkOSRemoteUser. */
int env_publish(request_rec *r, const wos_identity_t *id,
                const wos_dir_cfg *dc);

/* WorkOSStripCookies: removes the session cookie (cookie_name) and every
 * wos-auth-verifier* cookie from the Cookie header the backend sees. */
void env_strip_cookies(request_rec *r, const char *cookie_name);

#endif
