/* Revoked sessions, users and organisation memberships, recorded in the
 * shared cache (by the webhook and the sessions handler) so every process
 * and host denies them. Each process keeps a memo of what it looked up and
 * polls one generation counter, so a request costs no cache round trip
 * unless the memo is cold or a revocation has just been recorded. */
#ifndef WOS_REVOKE_H
#define WOS_REVOKE_H

#include "httpd.h"
#include "config.h"
#include "identity.h"

/* How long a revocation is kept: longer than any access token lives. */
#define REVOKE_KEEP_SECONDS (24 * 3600)
/* How often a process asks whether anything new was revoked. */
#define REVOKE_POLL_USEC 1000000

/* Per-process state (child_init). */
void revoke_child_init(apr_pool_t *p);

/* 1 if the identity's session, user or membership is revoked. */
int revoke_check(request_rec *r, const wos_srv_cfg *sc,
                 const wos_identity_t *id);

/* Record a revocation; 0 on success. */
int revoke_session(request_rec *r, const wos_srv_cfg *sc, const char *sid);
int revoke_user(request_rec *r, const wos_srv_cfg *sc, const char *uid);
int revoke_membership(request_rec *r, const wos_srv_cfg *sc,
                      const char *uid, const char *org);

#endif
