/* SPDX-License-Identifier: Apache-2.0 */
/* Revoked sessions, users and organisation memberships, and any other
 * record a WorkOS event leaves (a kind and an id, with a value), kept per
 * WorkOS environment (the server's env_tag): two virtual hosts of the
 * same environment share them, other environments never see them.
 *
 * Where they live: a table in shared memory made once per parent process
 * (revstore.h), so they outlive a graceful restart and nothing a caller
 * can create pushes them out; with a network cache (redis, memcache) also
 * there, so every host of a fleet sees them. Each process keeps a memo of
 * what it looked up (revmemo.h), cleared when anything new is recorded. */
#ifndef WOS_REVOKE_H
#define WOS_REVOKE_H

#include "httpd.h"
#include "base/config.h"
#include "model/identity.h"

/* How long a revocation is kept: longer than any access token lives. */
#define REVOKE_KEEP_SECONDS (24 * 3600)
/* How often a process asks a network cache whether anything new was
 * revoked on another host (this host's own table is read every time). */
#define REVOKE_POLL_USEC 1000000

/* Kinds of record. */
#define REVOKE_SESSION "sid"
#define REVOKE_USER "user"
#define REVOKE_MEMBERSHIP "mem"   /* id "<user id>:<organisation id>" */

/* Makes the shared table once per parent process (post_config, every
 * generation: later ones find the first). */
int revoke_init(apr_pool_t *pconf, server_rec *s);

/* Per-process state (child_init). */
void revoke_child_init(apr_pool_t *p);

/* Whether anything was revoked or marked since: 1 and *epoch, a number
 * that moves on whenever this process may have learnt of a revocation or
 * a mark (recorded here, by another process of this host, or by another
 * host through the network cache, polled as revoke_lookup polls); an
 * identity found clean under an epoch is clean while it stays the same.
 * Lock free. 0 when there is no memo to tie the epoch to (always check). */
int revoke_epoch(request_rec *r, const wos_srv_cfg *sc,
                 apr_uint32_t *epoch);

/* 1 if the identity's session, user or membership is revoked. */
int revoke_check(request_rec *r, const wos_srv_cfg *sc,
                 const wos_identity_t *id);

/* Records (kind, id) for sc's WorkOS environment for
 * REVOKE_KEEP_SECONDS with value (0 when the record's presence is all it
 * says); a pair recorded again keeps the larger value. Only for
 * authenticated sources. 0 on success. */
int revoke_record(request_rec *r, const wos_srv_cfg *sc, const char *kind,
                  const char *id, long long value);
/* The same from a server and a pool, without a request (the events
 * poller). */
int revoke_record_in(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                     const char *kind, const char *id, long long value);

/* 1 and *value if (kind, id) is recorded for sc's environment, else 0
 * (also when the store cannot say). With a network cache the value is
 * the larger of this host's and the cache's. */
int revoke_lookup(request_rec *r, const wos_srv_cfg *sc, const char *kind,
                  const char *id, long long *value);

/* The same without the memo, from a server and a pool: 1 and *value
 * (the larger of this host's and the network cache's), 0 not recorded,
 * -1 the network cache cannot say. */
int revoke_read_in(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                   const char *kind, const char *id, long long *value);

/* The three kinds WorkOS events revoke. */
int revoke_session(request_rec *r, const wos_srv_cfg *sc, const char *sid);
int revoke_user(request_rec *r, const wos_srv_cfg *sc, const char *uid);
int revoke_membership(request_rec *r, const wos_srv_cfg *sc,
                      const char *uid, const char *org);

#endif
