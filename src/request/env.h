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

/* Sets the WORKOS_* variables, and the headers when pass_headers. */
void env_publish(request_rec *r, const wos_identity_t *id, int pass_headers);

/* WorkOSPassClaim: each listed claim as its variable (WORKOS_CLAIM_<NAME>
 * or the one given) and, when pass_headers, as X-WorkOS-Claim-<...>. A
 * value with a control character, invalid UTF-8 or too long is dropped
 * with a log line. */
void env_pass_claims(request_rec *r, const wos_identity_t *id,
                     const apr_array_header_t *pass_claims, int pass_headers);

/* WorkOSRemoteUser: what REMOTE_USER is for this identity (mode WOS_RU_*
 * or WOS_UNSET for sub), or NULL, logged, when the credential has no
 * such value. */
const char *env_remote_user(request_rec *r, const wos_identity_t *id,
                            int mode, const char *claim);

/* WorkOSStripCookies: removes the session cookie (cookie_name) and every
 * wos-auth-verifier* cookie from the Cookie header the backend sees. */
void env_strip_cookies(request_rec *r, const char *cookie_name);

#endif
