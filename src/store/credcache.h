/* SPDX-License-Identifier: Apache-2.0 */
/* Credentials this process has already verified, so a repeated cookie or
 * bearer token skips the unseal, the JSON parsing and the RSA check.
 *
 * Found by a short keyed hash of a small part of the credential (its
 * length and its last CREDCACHE_TAIL bytes: a JWT's signature segment, a
 * seal's MAC) under a key random to this process, so nobody can aim
 * credentials at one set; a hit is confirmed by a constant-time compare of
 * the whole credential, its kind and its isolation tag, all kept with the
 * entry. A credential that collides in the hash is a miss, never another
 * credential's identity.
 *
 * An entry is immutable once stored and reference counted: a hit hands
 * the request the stored identity itself (a shallow copy of its struct)
 * with the lists already joined as the environment publishes them
 * (identity.h), and holds the entry until the request's pool is cleared,
 * so no copy and no parse is paid per request. Two mutable atomics ride
 * along: the revocation epoch the identity was last found clean at
 * (credcache_checked) and its claims parsed on first use
 * (credcache_claims).
 *
 * credcache_key is the other, full hash (SipHash-128 over all of the
 * credential under the fleet's key): the shared tier's name for a
 * credential (credshare.h), computed only on a miss here.
 *
 * Set-associative: CREDCACHE_SETS sets of CREDCACHE_WAYS slots; a full
 * set gives up its expired entry, or else the one least recently used.
 * Memory is bounded by the budget given to credcache_create (entries,
 * credentials included; beyond it the least recently used of the
 * stripes over their 64th of it go first),
 * plus the slot table (CREDCACHE_SLOTS * 24 bytes, zero pages until
 * used). Thread safe: a reader-writer lock per stripe of sets, taken
 * shared by a hit. Pure: APR, OpenSSL and jansson. */
#ifndef WOS_CREDCACHE_H
#define WOS_CREDCACHE_H

#include <apr_pools.h>
#include "model/identity.h"

#define CREDCACHE_KEY 16                 /* bytes of a shared-tier key */
#define CREDCACHE_HASH_KEY 16            /* bytes of that hash's key */
#define CREDCACHE_TAIL 32                /* bytes of a credential hashed */
#define CREDCACHE_WAYS 32
#define CREDCACHE_SETS 2048                 /* a power of two */
#define CREDCACHE_SLOTS (CREDCACHE_SETS * CREDCACHE_WAYS)
#define CREDCACHE_MAX_ENTRY 32768           /* identity fields, bytes */
#define CREDCACHE_MAX_CRED 65536            /* credential, bytes */
#define CREDCACHE_DEFAULT_BYTES (4u << 20)  /* WorkOSCredentialCacheSize */
#define CREDCACHE_MAX_BYTES (32u << 20)     /* the tests' large budget */

typedef struct credcache credcache_t;
typedef struct credcache_ent credcache_ent_t;

/* bytes: the budget of all stored entries together (an entry larger than
 * a 64th of it is not kept). NULL if memory or a lock cannot be had. */
credcache_t *credcache_create(apr_pool_t *p, size_t bytes);

/* Where a credential came from. Its character is part of every cache
 * key, the process tier's and the shared tier's name ("wos:cred:c:"), so
 * one kind can never be taken for the other. */
typedef enum {
    CRED_COOKIE = 'c',
    CRED_BEARER = 'b'
} cred_kind_t;

/* A credential as this cache names it: what it is (kind, the isolation
 * tag of what made it valid, the bytes, all borrowed) and the short hash
 * that finds its set. */
typedef struct {
    cred_kind_t kind;
    const char *tag;
    const char *cred;
    size_t len;
    apr_uint64_t hash;
} credcache_cred_t;

void credcache_cred(credcache_t *c, cred_kind_t kind, const char *tag,
                    const char *cred, size_t len, credcache_cred_t *out);

/* The shared tier's key: kind tells apart credentials of different
 * sources; tag is what made the credential valid (the server's cookie_tag
 * or verify_tag), so what one virtual host verified is never served to
 * another; hash_key is the secret key of the hash (the same on every
 * process and host that share entries). On failure key is all zeros,
 * which no stored entry has. */
void credcache_key(credcache_t *c, cred_kind_t kind, const char *tag,
                   const unsigned char hash_key[CREDCACHE_HASH_KEY],
                   const char *credential, size_t len,
                   unsigned char key[CREDCACHE_KEY]);

/* The stored identity (read only: its lists are shared) or NULL (absent
 * or valid_until <= now). The entry is held until p is cleared; *ent (if
 * not NULL) is set to it for credcache_checked and credcache_claims. */
wos_identity_t *credcache_find(credcache_t *c, const credcache_cred_t *cr,
                               long long now, apr_pool_t *p,
                               credcache_ent_t **ent);
#define credcache_get(c, cr, now, p) credcache_find((c), (cr), (now), (p), \
                                                    NULL)

/* Stores the identity until valid_until (exclusive); now tells which
 * entries have expired and may be replaced first. */
void credcache_put(credcache_t *c, const credcache_cred_t *cr,
                   const wos_identity_t *id, long long valid_until,
                   long long now);

/* The revocation epoch the entry's identity was last found clean at, and
 * recording one; 0 is never: epochs given are stored plus one. */
int credcache_checked(const credcache_ent_t *e, apr_uint32_t epoch);
void credcache_set_checked(credcache_ent_t *e, apr_uint32_t epoch);

/* The identity's claims_json parsed (once per entry; NULL when it has
 * none or it is not a JSON object). Borrowed: lives as the entry does. */
json_t *credcache_claims(credcache_ent_t *e);

/* Drops everything (a revocation was recorded). */
void credcache_clear(credcache_t *c);

/* Bytes the stored entries take now (at most the budget). */
size_t credcache_bytes(credcache_t *c);

#endif
