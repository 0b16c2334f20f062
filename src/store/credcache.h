/* SPDX-License-Identifier: Apache-2.0 */
/* Credentials this process has already verified, so a repeated cookie or
 * bearer token skips the unseal, the JSON parsing and the RSA check.
 * Keyed by a keyed hash of the credential (never the credential): SipHash
 * with a 128-bit output under a secret key (the server's, derived from
 * its cookie password), so nobody without that key can aim two
 * credentials at one entry; a quarter of the instructions of a SHA-256
 * over a ~1 KB token, paid on every request. Entries
 * valid until a time the caller sets (at most the token's exp).
 *
 * Set-associative: CREDCACHE_SETS sets of CREDCACHE_WAYS entries; a key's
 * set comes from its hash, and a full set gives up its expired entry, or
 * else the one least recently used. 10,000 live credentials fill a third
 * of the slots, so conflicts between live ones are rare (see the unit
 * test). Memory is bounded: identities take at most CREDCACHE_MAX_BYTES
 * (the least recently used go first beyond that), plus the slot table
 * (CREDCACHE_SETS * CREDCACHE_WAYS * 32 bytes = 1 MiB, zero pages until
 * used).
 * Thread safe: one lock per stripe of sets. Pure: APR and OpenSSL. */
#ifndef WOS_CREDCACHE_H
#define WOS_CREDCACHE_H

#include <apr_pools.h>
#include "model/identity.h"

#define CREDCACHE_KEY 16                 /* bytes of a cache key */
#define CREDCACHE_HASH_KEY 16            /* bytes of the hash's key */
#define CREDCACHE_WAYS 16
#define CREDCACHE_SETS 2048                 /* a power of two */
#define CREDCACHE_SLOTS (CREDCACHE_SETS * CREDCACHE_WAYS)
#define CREDCACHE_MAX_ENTRY 32768           /* identity fields, bytes */
#define CREDCACHE_MAX_BYTES (32u << 20)     /* all identities, bytes */

typedef struct credcache credcache_t;

/* NULL if memory or a mutex cannot be had. */
credcache_t *credcache_create(apr_pool_t *p);

/* Where a credential came from. Its character is part of every cache
 * key, the process tier's hash and the shared tier's name ("wos:cred:c:"),
 * so one kind can never be taken for the other. */
typedef enum {
    CRED_COOKIE = 'c',
    CRED_BEARER = 'b'
} cred_kind_t;

/* kind tells apart credentials of different sources; tag is what made the
 * credential valid (the server's cookie_tag or verify_tag), so what one
 * virtual host verified is never served to another; hash_key is the
 * secret key of the hash (the same on every process and host that share
 * entries). On failure key is all zeros, which no stored entry has. */
void credcache_key(credcache_t *c, cred_kind_t kind, const char *tag,
                   const unsigned char hash_key[CREDCACHE_HASH_KEY],
                   const char *credential, size_t len,
                   unsigned char key[CREDCACHE_KEY]);

/* A copy of the identity in p, or NULL (absent or valid_until <= now). */
wos_identity_t *credcache_get(credcache_t *c,
                              const unsigned char key[CREDCACHE_KEY],
                              long long now, apr_pool_t *p);

/* Stores the identity until valid_until (exclusive); now tells which
 * entries have expired and may be replaced first. */
void credcache_put(credcache_t *c, const unsigned char key[CREDCACHE_KEY],
                   const wos_identity_t *id, long long valid_until,
                   long long now);

/* Drops everything (a revocation was recorded). */
void credcache_clear(credcache_t *c);

/* Bytes the stored identities take now (at most CREDCACHE_MAX_BYTES). */
size_t credcache_bytes(credcache_t *c);

#endif
