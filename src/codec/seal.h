/* SPDX-License-Identifier: Apache-2.0 */
/* iron "Fe26.2" seals, byte-compatible with iron-webcrypto, iron-session
 * and @workos-inc/node: PBKDF2-HMAC-SHA1 (1 iteration, 64-hex-char salt
 * used as text) derives an AES-256-CBC key and an HMAC-SHA256 key.
 * Pure: APR pools and OpenSSL only. */
#ifndef WOS_SEAL_H
#define WOS_SEAL_H

#include <apr_pools.h>

#define SEAL_MIN_PASSWORD_LEN 32
/* Longest seal accepted (a cookie is at most ~4 KiB; leave room). */
#define SEAL_MAX_LEN 16384
/* iron's default skew on the expiration field, in milliseconds. */
#define SEAL_EXPIRY_SKEW_MS 60000

typedef struct {
    const char *id;     /* password id: [A-Za-z0-9_]+ ; "1" as WorkOS uses */
    const char *secret; /* at least SEAL_MIN_PASSWORD_LEN characters */
} seal_password_t;

typedef enum {
    SEAL_OK = 0,
    SEAL_ERR_FORMAT,      /* not eight '*'-separated fields, bad prefix... */
    SEAL_ERR_TOO_LARGE,
    SEAL_ERR_NO_PASSWORD, /* several passwords and none has the seal's id */
    SEAL_ERR_MAC,         /* HMAC mismatch (checked in constant time) */
    SEAL_ERR_EXPIRED,
    SEAL_ERR_DECRYPT,     /* bad padding after a good MAC: wrong key */
    SEAL_ERR_CRYPTO       /* OpenSSL failure */
} seal_status_t;

const char *seal_status_str(seal_status_t s);

/* Opens a seal, with or without iron-session's "~N" suffix (N: 1 to 9999,
 * no leading zero; anything else after '~' is SEAL_ERR_FORMAT).
 * With one password it is used whatever the seal's id (as iron does);
 * with several, the seal's id picks one (an empty id looks for the
 * password whose id is "default", as iron's password maps do).
 * A missing password, or one shorter than SEAL_MIN_PASSWORD_LEN, is
 * SEAL_ERR_NO_PASSWORD. Fields are bounded before any key is derived:
 * salts 1-128 hex characters, id at most 64 word characters, IV exactly
 * 16 bytes, MAC exactly 32, ciphertext whole AES blocks, expiration at
 * most 15 digits; base64url is strict (b64url.h). The MAC is checked
 * before the expiration and before decrypting.
 * now_ms: current time in milliseconds since the epoch.
 * On success *plain is NUL-terminated (pool memory), *plain_len its
 * length, and *version the N of "~N" or 0 when there is no suffix. */
seal_status_t seal_unseal(apr_pool_t *p, const char *sealed, size_t len,
                          const seal_password_t *pws, int npws,
                          long long now_ms, char **plain,
                          size_t *plain_len, int *version);

/* Seals plain with pw (its id goes into the seal; NULL means an empty id),
 * appending "~2" as iron-session and @workos-inc/node do. ttl_ms 0 = no
 * expiration. A plaintext whose seal would pass SEAL_MAX_LEN is
 * SEAL_ERR_TOO_LARGE; an id that is not [A-Za-z0-9_]* or a negative ttl
 * is SEAL_ERR_FORMAT. */
seal_status_t seal_seal(apr_pool_t *p, const char *plain, size_t len,
                        const seal_password_t *pw, long long now_ms,
                        long long ttl_ms, char **sealed);

#endif
