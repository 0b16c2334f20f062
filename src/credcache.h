/* Credentials this process has already verified, so a repeated cookie or
 * bearer token skips the unseal, the JSON parsing and the RSA check.
 * Keyed by a SHA-256 of the credential (never the credential), bounded
 * (fixed slots, the newest wins a slot), entries valid until a time the
 * caller sets (at most the token's exp). Thread safe. Pure: APR only. */
#ifndef WOS_CREDCACHE_H
#define WOS_CREDCACHE_H

#include <apr_pools.h>
#include "identity.h"

#define CREDCACHE_SLOTS 4096
#define CREDCACHE_MAX_ENTRY 32768

typedef struct credcache credcache_t;

/* NULL if memory or a mutex cannot be had. */
credcache_t *credcache_create(apr_pool_t *p);

/* kind tells apart credentials of different sources ('c' cookie, 'b'
 * bearer) so one can never be taken for the other; tag is what made the
 * credential valid (the server's cookie_tag or verify_tag), so what one
 * virtual host verified is never served to another. */
void credcache_key(credcache_t *c, char kind, const char *tag,
                   const char *credential, size_t len,
                   unsigned char key[32]);

/* A copy of the identity in p, or NULL (absent or valid_until <= now). */
wos_identity_t *credcache_get(credcache_t *c, const unsigned char key[32],
                              long long now, apr_pool_t *p);

void credcache_put(credcache_t *c, const unsigned char key[32],
                   const wos_identity_t *id, long long valid_until);

/* Drops everything (a revocation was recorded). */
void credcache_clear(credcache_t *c);

#endif
