/* SPDX-License-Identifier: Apache-2.0 */
/* What Require workos-access keeps: WorkOS's decisions and the
 * membership ids they are asked for, in this process's memo and in the
 * shared cache (WorkOSCache: every process, and with a network cache
 * every host), each under its WorkOS environment.
 *
 * Every name (model/access.h) starts with the environment's access
 * generation, which the events that change who may do what move on
 * (access_cache_drop): what was kept under an older one is never read
 * again. The generation is a record of state/revoke.h, so it reaches
 * this host's processes at once and the other hosts within
 * REVOKE_POLL_USEC, as revocations do. */
#ifndef WOS_ACCESS_CACHE_H
#define WOS_ACCESS_CACHE_H

#include "httpd.h"
#include "base/config.h"
#include "store/cachens.h"

/* The process memo (child_init). */
void access_cache_child_init(apr_pool_t *p);

/* The environment's access generation now (0 before any drop). */
long long access_cache_gen(request_rec *r, const wos_srv_cfg *sc);

/* The shared cache's key for name, of type CACHENS_ACC, CACHENS_ACC_LOCK,
 * CACHENS_ACC_FAIL, CACHENS_ACC_OM or CACHENS_ACC_OM_LOCK. */
const cachens_key_t *access_cache_key(apr_pool_t *p, const wos_srv_cfg *sc,
                                      cachens_type type, const char *name);

/* Names are model/access.h's, which hold the environment.
 * 1 and *value (in p) if name of type (CACHENS_ACC or CACHENS_ACC_OM) is
 * kept and not expired: the memo first, then the shared cache (*shared
 * set to 1 when from there; may be NULL), for CACHENS_ACC also this
 * host's CACHENS_ACC_FAIL entry; what is read there is kept in the memo
 * no longer than this host's own TTL for the type. 0 otherwise. */
int access_cache_get(request_rec *r, const wos_srv_cfg *sc,
                     cachens_type type, const char *name, apr_pool_t *p,
                     const char **value, int *shared);

/* Keeps value (at most ACCESS_MAX_ID bytes) for ttl seconds, in the memo
 * and the shared cache; a failure to share is logged. */
void access_cache_put(request_rec *r, const wos_srv_cfg *sc,
                      cachens_type type, const char *name,
                      const char *value, int ttl);

/* Moves sc's environment's access generation on: every decision and
 * membership id kept so far is dropped, on every process and host. 0 on
 * success. */
int access_cache_drop(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc);

/* 1 for the WorkOS events after which decisions are dropped:
 * organization_membership.*, role.*, organization_role.*, permission.*. */
int access_cache_event(const char *event);

#endif
