/* SPDX-License-Identifier: Apache-2.0 */
/* How a verified identity is written down: as NUL-terminated fields (the
 * per-process cache keeps it so), and as an authenticated entry for the
 * shared tier (WorkOSCache), where whoever can write to a cache server
 * must not be able to mint or alter an identity:
 *
 *   "WC1" | until | exp | iat (8 bytes big-endian each) | fields |
 *   HMAC-SHA256(mac key, name NUL everything before the MAC)
 *
 * The MAC covers the entry's cache key (name), so a genuine entry moved
 * under another credential's key fails too.
 *
 * A host-local cache (shmcb: shared memory only this host's httpd
 * processes can write, like their own memory) needs no MAC and pays for
 * none: there the entry is "WL1" | until | exp | iat | fields. The two
 * forms never open as each other. Pure: APR and OpenSSL. */
#ifndef WOS_CREDENTRY_H
#define WOS_CREDENTRY_H

#include <apr_pools.h>
#include "model/identity.h"

#define CREDENTRY_FIELDS 12
/* Bound on the fields of one identity (claims_json is at most 16 KiB). */
#define CREDENTRY_MAX_FIELDS 32768
#define CREDENTRY_HEAD 27   /* magic 3 + until, exp, iat */
#define CREDENTRY_MAC 32
#define CREDENTRY_MAX (CREDENTRY_HEAD + CREDENTRY_MAX_FIELDS + CREDENTRY_MAC)

/* The identity as CREDENTRY_FIELDS NUL-terminated fields in p (lists
 * '\n'-joined). NULL if they would exceed CREDENTRY_MAX_FIELDS. */
char *credentry_pack(apr_pool_t *p, const wos_identity_t *id, size_t *len);

/* The identity of fields made by credentry_pack, read in place (blob
 * must live as long as the identity); exp and iat are set from the
 * arguments. NULL unless blob is exactly CREDENTRY_FIELDS NUL-terminated
 * fields with a user id. */
wos_identity_t *credentry_unpack(apr_pool_t *p, char *blob, size_t len,
                                 long long exp, long long iat);

typedef enum {
    CREDENTRY_OK = 0,
    CREDENTRY_TRUNCATED,   /* shorter than an empty entry */
    CREDENTRY_OVERSIZED,   /* longer than CREDENTRY_MAX */
    CREDENTRY_BAD_MAC,     /* not written by a holder of the key, or
                              altered, or stored under another name */
    CREDENTRY_MALFORMED,   /* authentic but unreadable (other version) */
    CREDENTRY_EXPIRED      /* until <= now */
} credentry_rc;

/* An entry for name in p, *len bytes (binary). mac_key is any secret
 * string, or NULL for a host-local cache's entry (no MAC). NULL if the
 * identity is too large or has no user id. */
char *credentry_seal(apr_pool_t *p, const char *mac_key, const char *name,
                     const wos_identity_t *id, long long until,
                     size_t *len);

/* Checks the MAC (constant time) before reading anything else; with
 * mac_key NULL accepts only a host-local entry. On CREDENTRY_OK *id (in
 * p) and *until are set. */
credentry_rc credentry_open(apr_pool_t *p, const char *mac_key,
                            const char *name, const char *entry,
                            size_t len, long long now,
                            wos_identity_t **id, long long *until);

const char *credentry_rc_str(credentry_rc rc);

#endif
