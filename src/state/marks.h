/* SPDX-License-Identifier: Apache-2.0 */
/* Marks that events leave for credentials other than sessions: a revoked
 * API key id, and the time a user's organisation membership (role,
 * permissions) changed. Kept with the revocations (revoke.h), keyed by
 * the server's WorkOS environment tag, so every process and host sees
 * them at once. */
#ifndef WOS_MARKS_H
#define WOS_MARKS_H

#include "httpd.h"
#include "base/config.h"
#include "model/identity.h"

/* api_key.revoked: 0 on success. */
int marks_apikey_revoke(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                        const char *key_id);
/* 1 if the API key with this id was revoked. */
int marks_apikey_revoked(request_rec *r, const wos_srv_cfg *sc,
                         const char *key_id);

/* organization_membership.updated at time when (seconds): 0 on success.
 * A later time replaces an earlier one, never the reverse. */
int marks_user_changed(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                       const char *user_id, apr_int64_t when);
/* 1 if the identity's token was issued before its user's last membership
 * change: a session must refresh, a bearer token is refused. */
int marks_user_stale(request_rec *r, const wos_srv_cfg *sc,
                     const wos_identity_t *id);

#endif
