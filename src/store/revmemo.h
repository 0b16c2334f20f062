/* SPDX-License-Identifier: Apache-2.0 */
/* A process's memo of revocation lookups, so a request costs no shared
 * read unless the memo is cold or something was revoked since. Ordered
 * with revocations: every clear starts a new epoch, and an answer read
 * under an older epoch is never written in, so a "not revoked" read just
 * before a revocation cannot outlive the clear that revocation caused.
 * Bounded (starts again when full). Thread safe. Pure: APR only. */
#ifndef WOS_REVMEMO_H
#define WOS_REVMEMO_H

#include <apr_pools.h>

typedef struct revmemo revmemo_t;

/* NULL if memory or a mutex cannot be had. */
revmemo_t *revmemo_create(apr_pool_t *p, unsigned int max_entries);

/* 1 recorded (*value set), 0 not recorded, -1 unknown. *epoch is the
 * epoch now: pass it to revmemo_put with what a shared read found. */
int revmemo_get(revmemo_t *m, const char *key, long long *value,
                unsigned long *epoch);

/* Remembers an answer read under epoch; dropped if a clear came since. */
void revmemo_put(revmemo_t *m, const char *key, int recorded,
                 long long value, unsigned long epoch);

/* The epoch now, without a lock (one atomic read): an answer found clean
 * under an epoch holds as long as the epoch is the same. */
unsigned long revmemo_epoch(revmemo_t *m);

/* Forgets everything and starts a new epoch (something was revoked). */
void revmemo_clear(revmemo_t *m);

#endif
