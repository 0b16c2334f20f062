/* PKCE (RFC 7636, S256) and the random values sign-in needs.
 * Pure: OpenSSL and APR. */
#ifndef WOS_PKCE_H
#define WOS_PKCE_H

#include <apr_pools.h>

/* A base64url string of nbytes random bytes, or NULL if the system's
 * random source fails. */
const char *pkce_random(apr_pool_t *p, size_t nbytes);

/* base64url(SHA-256(verifier)), the S256 code_challenge. */
const char *pkce_challenge(apr_pool_t *p, const char *verifier);

/* A lowercase hex SHA-256 of data: cache keys that never hold a secret. */
const char *pkce_sha256_hex(apr_pool_t *p, const char *data, size_t len);

/* A password for one purpose, derived from the cookie password with
 * HMAC-SHA256 (64 hex characters), so a blob sealed for that purpose is
 * opened by nothing that holds only the cookie password. */
const char *pkce_derive_password(apr_pool_t *p, const char *secret,
                                 const char *purpose);

#endif
