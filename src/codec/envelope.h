/* SPDX-License-Identifier: Apache-2.0 */
/* The envelope of an entry in a network cache (SPEC: a network cache is
 * untrusted storage). The cache layer (base/cache.c) seals every entry of
 * a fleet type before it leaves the host and opens it when it comes back;
 * anything that does not open is a miss.
 *
 *   "WE1" | flags (1) | expiry (8, big-endian microseconds) | body | MAC
 *
 * body is the value, or with ENVELOPE_ENCRYPTED a 12-byte nonce, the
 * AES-256-GCM ciphertext and its 16-byte tag; the GCM additional data is
 * the type and name and the header. MAC is HMAC-SHA256 under mac_key over
 * a label, the entry's type name and full name (length-prefixed), the
 * header and the body: an entry cannot be altered, moved to another name
 * or type, truncated, extended or re-dated, and an entry of another
 * environment (another key) does not open. The expiry is checked against
 * the caller's now. Pure: OpenSSL and APR. */
#ifndef WOS_ENVELOPE_H
#define WOS_ENVELOPE_H

#include <apr_pools.h>
#include <apr_time.h>

#define ENVELOPE_KEY 32           /* bytes of either key */
#define ENVELOPE_HEADER 12        /* magic, flags, expiry */
#define ENVELOPE_NONCE 12
#define ENVELOPE_GCM_TAG 16
#define ENVELOPE_MAC 32
/* The most an envelope adds to a value. */
#define ENVELOPE_OVERHEAD (ENVELOPE_HEADER + ENVELOPE_NONCE \
                           + ENVELOPE_GCM_TAG + ENVELOPE_MAC)
/* The largest value sealed or opened. */
#define ENVELOPE_MAX_VALUE (1u << 20)

typedef enum {
    ENVELOPE_OK = 0,
    ENVELOPE_ERR_ARG,       /* a missing key or name, a value too long */
    ENVELOPE_ERR_FORMAT,    /* too short, wrong magic or flags */
    ENVELOPE_ERR_MAC,       /* not made by this environment for this name */
    ENVELOPE_ERR_EXPIRED,   /* its expiry has passed */
    ENVELOPE_ERR_DECRYPT,   /* ciphertext not under the given key */
    ENVELOPE_ERR_TOO_LONG,  /* the value is longer than the caller reads */
    ENVELOPE_ERR_CRYPTO     /* OpenSSL failed */
} envelope_rc;

/* Seals len bytes of val as the entry name (whose type is type), expiring
 * at expiry: into *out (pool memory, NUL-terminated), *outlen bytes.
 * enc_key NULL: authenticated only; else also encrypted under it. */
envelope_rc envelope_seal(apr_pool_t *p,
                          const unsigned char mac_key[ENVELOPE_KEY],
                          const unsigned char *enc_key, const char *type,
                          const char *name, apr_time_t expiry,
                          const char *val, apr_size_t len,
                          char **out, apr_size_t *outlen);

/* Opens rawlen bytes of raw read back as the entry name: the value into
 * *val (pool memory, NUL-terminated), *len bytes, at most maxlen. The
 * entry must have been sealed with the same keys: encrypted exactly when
 * enc_key is given. ENVELOPE_OK, or why it does not open. */
envelope_rc envelope_open(apr_pool_t *p,
                          const unsigned char mac_key[ENVELOPE_KEY],
                          const unsigned char *enc_key, const char *type,
                          const char *name, apr_time_t now,
                          const char *raw, apr_size_t rawlen,
                          apr_size_t maxlen, char **val, apr_size_t *len);

/* A few words for the log. */
const char *envelope_reason(envelope_rc rc);

#endif
