/* SPDX-License-Identifier: Apache-2.0 */
/* Small cryptographic helpers several concerns share: random strings,
 * SHA-256 in hex, and purpose-bound keys derived from a secret.
 * Pure: OpenSSL and APR. */
#ifndef WOS_CRYPTO_H
#define WOS_CRYPTO_H

#include <apr_pools.h>

/* A base64url string of nbytes random bytes, or NULL if the system's
 * random source fails. */
const char *crypto_random(apr_pool_t *p, size_t nbytes);

/* A lowercase hex SHA-256 of data: cache keys that never hold a secret. */
const char *crypto_sha256_hex(apr_pool_t *p, const char *data, size_t len);

/* A lowercase hex HMAC-SHA256 of data under key (keylen bytes): names
 * only the key's holders can make or confirm. NULL without a key or on
 * failure. */
const char *crypto_hmac_sha256_hex(apr_pool_t *p, const unsigned char *key,
                                   size_t keylen, const char *data,
                                   size_t len);

/* A password for one purpose, derived from the cookie password with
 * HMAC-SHA256 (64 hex characters), so a blob sealed for that purpose is
 * opened by nothing that holds only the cookie password. */
const char *crypto_derive_password(apr_pool_t *p, const char *secret,
                                   const char *purpose);

/* n bytes (at most 32) of key for one purpose, derived from secret like
 * crypto_derive_password: 0 on success. */
int crypto_derive_key(const char *secret, const char *purpose,
                      unsigned char *out, size_t n);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void crypto_hex(const unsigned char *md, size_t n, char *out);

#endif
