/* SPDX-License-Identifier: Apache-2.0 */
/* The signing keys: a JWKS fetched from WorkOS, shared between processes
 * through the cache, parsed once per process. */
#ifndef WOS_KEYS_H
#define WOS_KEYS_H

#include "httpd.h"
#include <openssl/evp.h>
#include "base/config.h"
#include "base/cache.h"
#include "store/cachens.h"

typedef struct wos_keys wos_keys_t;

typedef enum {
    KEYS_OK = 0,
    KEYS_UNKNOWN_KID,   /* keys are there, none has that kid */
    KEYS_UNAVAILABLE    /* no keys could be had: answer 503 */
} keys_status_t;

/* One per server (configuration time). */
wos_keys_t *keys_create(apr_pool_t *p, const char *url);

/* The key for kid, with a reference the caller drops with EVP_PKEY_free.
 * May fetch (bounded by WorkOSHTTPTimeout). An unknown kid refetches at
 * most once per KEYS_MISS_INTERVAL across all processes; a trusted one
 * (from inside a valid seal, or from WorkOS itself) has its own budget,
 * once per KEYS_TRUSTED_MISS_INTERVAL, which no unauthenticated request
 * can spend. */
keys_status_t keys_lookup(wos_keys_t *k, request_rec *r,
                          const wos_srv_cfg *cfg, const char *kid,
                          int trusted, EVP_PKEY **key);

/* A signature failed under kid's key, which this process has: the key
 * may have been replaced under the same kid (a signing service restarted
 * with a new key). Refetches the JWKS at most once per
 * KEYS_RECHECK_INTERVAL per host (a marker in this host's tier, holding
 * when; every process of the host takes what that fetch brought from the
 * shared copy). 1 if this process now holds keys newer than before the
 * call (verify again), else 0. */
int keys_recheck(wos_keys_t *k, request_rec *r, const wos_srv_cfg *cfg,
                 const char *kid);

/* 1 if this process's keys were fetched from WorkOS within secs seconds:
 * a kid they lack, or a signature they refuse, is then WorkOS's current
 * answer, not a stale copy's. */
int keys_fetched_within(wos_keys_t *k, int secs);

/* Carries the shared copy of the keys across a graceful restart: the
 * parent saves it when the old cache goes (a pconf cleanup registered
 * after the cache's own) and puts it into the new cache (post_config). */
void keys_carry_over(wos_keys_t *k, wos_cache_t *c, server_rec *s,
                     apr_pool_t *pconf);

/* Seconds between refetches caused by unknown kids. */
#define KEYS_MISS_INTERVAL cachens_ttl(CACHENS_JWKS_MISS)
/* ... by unknown kids of trusted tokens (a key rotation). */
#define KEYS_TRUSTED_MISS_INTERVAL cachens_ttl(CACHENS_JWKS_MISS_TRUSTED)
/* Seconds between refetches caused by failed signatures under a known
 * kid, per host. */
#define KEYS_RECHECK_INTERVAL cachens_ttl(CACHENS_JWKS_RECHECK)
/* Seconds before retrying after a failed fetch. */
#define KEYS_RETRY_INTERVAL 5
/* Seconds the other processes of the host take a failed fetch as theirs:
 * enough for those queued behind it on the fetch lock, short enough that
 * one failure does not keep a process without keys from trying soon. */
#define KEYS_FAIL_SHARED cachens_ttl(CACHENS_JWKS_FAIL)
/* How long the shared copy is kept for use when WorkOS is unreachable. */
#define KEYS_STALE_KEEP (24 * 3600)

#endif
