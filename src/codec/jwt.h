/* SPDX-License-Identifier: Apache-2.0 */
/* Compact JWS parsing and RS256 verification (RFC 7515/7519, RFC 8725).
 * Pure: APR pools, jansson and OpenSSL EVP only. */
#ifndef WOS_JWT_H
#define WOS_JWT_H

#include <apr_pools.h>
#include <jansson.h>
#include <openssl/evp.h>

/* Longest token accepted (WorkOS access tokens are ~1 KiB). */
#define JWT_MAX_LEN 8192

typedef enum {
    JWT_OK = 0,
    JWT_ERR_MALFORMED,    /* segments, base64url, JSON, duplicate keys */
    JWT_ERR_TOO_LARGE,
    JWT_ERR_ALG,          /* anything but "RS256" (none, HS256, ...) */
    JWT_ERR_EMBEDDED_KEY, /* jwk, jku, x5u, x5c headers, crit */
    JWT_ERR_NO_KID,
    JWT_ERR_UNKNOWN_KID,  /* set by the caller's key lookup */
    JWT_ERR_SIGNATURE,
    JWT_ERR_EXPIRED,
    JWT_ERR_NOT_YET_VALID, /* nbf in the future */
    JWT_ERR_IAT,           /* iat in the future */
    JWT_ERR_ISSUER,
    JWT_ERR_CLAIMS         /* exp missing, sub missing, wrong types */
} jwt_status_t;

const char *jwt_status_str(jwt_status_t s);

typedef struct {
    json_t *header;       /* owned; released by a pool cleanup; NULL
                             when the header was one remembered */
    json_t *claims;       /* owned; released by a pool cleanup */
    const char *claims_text;   /* the payload as decoded: the JSON text
                                  claims came from, NUL-terminated */
    size_t claims_text_len;
    const char *kid;      /* points into header */
    const char *signing_input;   /* "<header>.<payload>" (not copied) */
    size_t signing_input_len;
    unsigned char *sig;   /* decoded signature, pool memory */
    size_t sig_len;
} jwt_t;

/* Parses a compact JWS of len bytes. Checks structure, header (alg RS256,
 * typ if present is "JWT", no embedded key), a kid string, JSON objects
 * without duplicate keys. Does NOT verify the signature or the claims.
 * The token must outlive *out (signing_input points into it). */
jwt_status_t jwt_parse(apr_pool_t *p, const char *token, size_t len,
                       jwt_t *out);

/* Remembers the header of a token whose signature verified, so later
 * tokens with the same header text skip parsing it (at most 16 headers
 * per process, never forgotten). Thread safe. */
void jwt_remember_header(const jwt_t *jwt);

/* RSASSA-PKCS1-v1_5 with SHA-256 over signing_input. */
jwt_status_t jwt_verify_rs256(const jwt_t *jwt, EVP_PKEY *key);

typedef struct {
    long long now;             /* seconds since the epoch */
    long long skew;            /* leeway for exp, nbf, iat */
    const char *const *issuers; /* accepted iss values */
    int nissuers;              /* 0 = iss not checked */
} jwt_rules_t;

/* exp (required, number), nbf, iat (optional numbers), iss, sub (string). */
jwt_status_t jwt_check_claims(const jwt_t *jwt, const jwt_rules_t *rules);

#endif
