/* SPDX-License-Identifier: Apache-2.0 */
/* Marks that events leave for credentials other than sessions: a revoked
 * API key id, the time a user's organisation membership (role,
 * permissions) changed, and the time definitions changed (what a role
 * grants, permissions, flags: defchange.h), for the whole environment or
 * one organisation. Kept with the revocations (revoke.h, cache rows
 * wos:rev), keyed by the server's WorkOS environment tag, so every
 * process and host sees them at once. */
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
/* role.*, permission.*, flag.* (org_id NULL: the whole environment) or
 * organization_role.* (that organisation's tokens) at time when
 * (seconds): 0 on success. A later time replaces an earlier one. */
int marks_defs_changed(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                       const char *org_id, apr_int64_t when);

typedef enum {
    MARKS_FRESH = 0,     /* no change since the token was issued */
    MARKS_MEMBERSHIP,    /* the user's membership changed since */
    MARKS_DEFINITIONS    /* roles, permissions or flags changed since */
} marks_rc;

/* Whether the identity's token was issued before its user's last
 * membership change or a definition change that reaches it (its
 * environment's, its organisation's): a session must refresh, a bearer
 * token is refused. API keys and tokens without a user: MARKS_FRESH. */
marks_rc marks_user_stale(request_rec *r, const wos_srv_cfg *sc,
                               const wos_identity_t *id);

#endif
