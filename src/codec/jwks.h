/* SPDX-License-Identifier: Apache-2.0 */
/* JSON Web Key Sets (RFC 7517): RSA public keys by kid.
 * Pure: APR pools, jansson and OpenSSL EVP only. */
#ifndef WOS_JWKS_H
#define WOS_JWKS_H

#include <apr_pools.h>
#include <openssl/evp.h>

/* Largest JWKS document accepted. */
#define JWKS_MAX_LEN 65536
/* Most keys kept from one document. */
#define JWKS_MAX_KEYS 32

typedef struct jwks jwks_t;

/* Parses a JWKS document. Keeps keys with kty "RSA", a kid, n and e, whose
 * "use" is absent or "sig" and "alg" absent or "RS256"; skips others.
 * EVP_PKEYs are freed by a cleanup on p. Returns NULL and sets *err (a
 * static message) if the document is not a JWKS or has no usable key. */
jwks_t *jwks_parse(apr_pool_t *p, const char *json, size_t len,
                   const char **err);

/* The key with that kid, or NULL. */
EVP_PKEY *jwks_find(const jwks_t *set, const char *kid);

int jwks_count(const jwks_t *set);

#endif
