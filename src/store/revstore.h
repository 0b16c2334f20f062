/* SPDX-License-Identifier: Apache-2.0 */
/* Revocations that outlive a graceful restart: a fixed table in anonymous
 * shared memory, made once per parent process (in its process pool, so
 * the children of every generation inherit the same table) and written
 * only by authenticated sources (the webhook, the sessions handler, the
 * events poller). Each entry is a 128-bit hash of a record's name, an
 * expiry and a value. Nothing pushes an entry out before it expires: when
 * every slot a name may use holds a live entry, the put fails and says
 * so. Lock-free (a sequence counter per slot), so any thread of any
 * process reads and writes it. Pure: APR and OpenSSL only. */
#ifndef WOS_REVSTORE_H
#define WOS_REVSTORE_H

#include <apr_pools.h>

/* Slots in the table the module makes (40 bytes each: 10 MiB of shared
 * memory, touched as it fills); a power of two. */
#define REVSTORE_SLOTS 262144
/* Slots a name may use, from the one its hash picks. */
#define REVSTORE_PROBE 64

typedef struct revstore revstore_t;

/* A table of nslots (a power of two, >= REVSTORE_PROBE) in shared memory
 * from p, inherited by processes forked afterwards; NULL on failure. */
revstore_t *revstore_create(apr_pool_t *p, unsigned int nslots);

/* Records name until `until` (seconds) with value; a name already there
 * keeps the later expiry and the larger value. 0 on success, -1 when
 * every slot the name may use holds a live entry. */
int revstore_put(revstore_t *s, const char *name, long long value,
                 long long until, long long now);

/* 1 (and *value) if name is recorded and has not expired, else 0. */
int revstore_get(revstore_t *s, const char *name, long long now,
                 long long *value);

/* Counts puts: a change means something new was recorded. */
unsigned int revstore_generation(revstore_t *s);

/* The 32 hex characters of name's hash, which names the record in the
 * table: a network cache's copy is kept under it, so the table can
 * publish its entries again without knowing their names. 0 on success. */
int revstore_hash_hex(const char *name, char hex[33]);

/* Calls fn for every live entry (hash in hex, value, expiry); stops when
 * fn returns non-zero and returns that. */
typedef int (*revstore_each_fn)(void *baton, const char *hex,
                                long long value, long long until);
int revstore_each(revstore_t *s, long long now, revstore_each_fn fn,
                  void *baton);

/* A flag in the table, for every process: set when a record could not
 * be copied to the network cache; revstore_take_unshared clears it and
 * says whether it was set. */
void revstore_mark_unshared(revstore_t *s);
int revstore_take_unshared(revstore_t *s);

#endif
