/* SPDX-License-Identifier: Apache-2.0 */
/* The shared cache: an httpd socache provider (shmcb, redis, memcache...)
 * guarded, when the provider needs it (not MT-safe), by a global mutex.
 * Every process (and, with a network provider, every host) sees the same
 * entries. Three global mutexes, registered with ap_mutex_register so the
 * Mutex directive can tune them: WOS_CACHE_MUTEX around the provider,
 * WOS_FETCH_MUTEX so one process at a time fetches keys, and
 * WOS_CLAIM_MUTEX for cache_claim's read-then-write. */
#ifndef WOS_CACHE_H
#define WOS_CACHE_H

#include "httpd.h"
#include "ap_socache.h"
#include "apr_global_mutex.h"
#include "store/cachens.h"

#define WOS_CACHE_MUTEX "auth-workos-cache"
#define WOS_FETCH_MUTEX "auth-workos-fetch"
#define WOS_CLAIM_MUTEX "auth-workos-claim"

typedef struct wos_cache wos_cache_t;

/* Looks the provider up at configuration time, so a typo fails
 * configtest. spec is "name" or "name:args". */
const char *cache_configure(apr_pool_t *p, const char *spec,
                            wos_cache_t **out);

/* Registers the three mutex types (pre_config). */
apr_status_t cache_register_mutexes(apr_pool_t *pconf);

/* Creates the instance and mutexes once per parent process, so a graceful
 * restart keeps the contents (post_config). */
int cache_init(wos_cache_t *c, apr_pool_t *pconf, server_rec *s);

/* Reattaches the mutexes in a child (child_init). */
void cache_child_init(wos_cache_t *c, apr_pool_t *p, server_rec *s);

/* Keys come from cachens_key (store/cachens.h): the entry's type picks
 * its shmcb subcache, its tier (an entry of this host only never goes to
 * a network cache) and what the trace logs instead of the key. A NULL
 * key is refused (APR_EINVAL, or -1).
 *
 * A network cache is untrusted storage (SPEC): on one, cache_put seals
 * every entry of a fleet type (codec/envelope.h: a MAC bound to the type
 * and full name and the expiry, under the fleet key of s's WorkOS
 * environment, base/secrets.h; encrypted too for the types the registry
 * says), and cache_get opens it: an entry that does not open is
 * APR_NOTFOUND, counted as cache_rejected and logged at most once a
 * minute. Callers cannot opt out; a type the registry encrypts under its
 * holder's key (CACHENS_HOLDER_KEY) is refused (APR_EINVAL) in every
 * tier without one (cachens_key_held). This host's own shmcb tier holds
 * values as they are. maxlen bounds the value, not the envelope.
 *
 * APR_SUCCESS, APR_NOTFOUND, or an error (logged by the caller). *val is
 * NUL-terminated pool memory. */
apr_status_t cache_get(wos_cache_t *c, server_rec *s,
                       const cachens_key_t *key, char **val, apr_size_t *len,
                       apr_size_t maxlen, apr_pool_t *p);
apr_status_t cache_put(wos_cache_t *c, server_rec *s,
                       const cachens_key_t *key, const char *val,
                       apr_size_t len, apr_time_t expiry, apr_pool_t *p);
apr_status_t cache_del(wos_cache_t *c, server_rec *s,
                       const cachens_key_t *key, apr_pool_t *p);

/* Creates key (with value and expiry) only if it is absent: 1 if this
 * caller now holds it, 0 if someone else does, -1 on a cache error.
 * Atomic among this host's processes and threads. */
int cache_claim(wos_cache_t *c, server_rec *s, const cachens_key_t *key,
                const char *val, apr_time_t expiry, apr_pool_t *p);

/* Serialises slow work (a JWKS fetch) among this host's processes. */
apr_status_t cache_fetch_lock(wos_cache_t *c);
void cache_fetch_unlock(wos_cache_t *c);

const char *cache_spec(const wos_cache_t *c);

/* The tier only this host's processes share: the host-local shmcb tier of
 * a network cache, else c itself (for what one host learns about its own
 * network, which must not hold other hosts back). */
wos_cache_t *cache_this_host(wos_cache_t *c);

/* The cache the parent process may use (post_config, pconf cleanups):
 * the host-local shmcb tier of a network cache, else c itself. A parent
 * must never talk to a network cache: the connection it opened would be
 * inherited, and shared, by every child it forks. */
wos_cache_t *cache_for_parent(wos_cache_t *c);

/* 1 for a network provider (redis, memcache...): other hosts share it. */
int cache_is_remote(const wos_cache_t *c);

/* 1 while this process sees the network provider failing (and uses the
 * host's own cache instead). */
int cache_remote_down(wos_cache_t *c);

#endif
