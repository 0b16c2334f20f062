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

/* Record a revocation; 0 on success. A server and a pool, not a
 * request, so the events poller records them too. */
int revoke_session(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                   const char *sid);
int revoke_user(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                const char *uid);
int revoke_membership(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                      const char *uid, const char *org);

/* The generic store under the three above (and marks.c): put records val
 * (at most 63 bytes) under key for REVOKE_KEEP_SECONDS and tells every
 * process; get returns what is recorded ("" for nothing), memoised like
 * the revocation checks. */
int revoke_mark_put(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                    const char *key, const char *val);
const char *revoke_mark_get(request_rec *r, const wos_srv_cfg *sc,
                            const char *key);

#endif
