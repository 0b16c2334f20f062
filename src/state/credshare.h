/* SPDX-License-Identifier: Apache-2.0 */
/* The shared tier of verified credentials, behind each process's private
 * cache (credcache): an identity verified once (one RSA check) is stored
 * in WorkOSCache for every process and host of the fleet, until the
 * token's exp (a cookie's until its refresh window opens). Keyed by the
 * isolation tag that made it valid (sc->cookie_tag for cookies,
 * sc->verify_tag for bearer tokens), a fingerprint of the MAC key and the
 * credential's hash (never the credential); in a network cache
 * authenticated with a key derived from the first cookie password
 * (credentry.h), so a writer to a cache server cannot mint or alter
 * identities. Callers check revocations after a hit, as for the private
 * tier. */
#ifndef WOS_CREDSHARE_H
#define WOS_CREDSHARE_H

#include "httpd.h"
#include "base/config.h"
#include "model/identity.h"
#include "store/credcache.h"

/* The identity any process stored for key (a credcache key of either
 * kind), authentic and valid at now, with *until; else NULL: absent, or an
 * entry that failed its MAC, was truncated, oversized or expired (those
 * are counted and logged, and never served). */
wos_identity_t *credshare_get(request_rec *r, const wos_srv_cfg *sc,
                              cred_kind_t kind,
                              const unsigned char key[CREDCACHE_KEY],
                              long long now, long long *until);

/* The same, but a miss or an entry that fails its checks is neither
 * counted nor logged (credshare_get did that first): for a request
 * looking again while another process verifies the credential. */
wos_identity_t *credshare_poll(request_rec *r, const wos_srv_cfg *sc,
                               cred_kind_t kind,
                               const unsigned char key[CREDCACHE_KEY],
                               long long now, long long *until);

/* Stores a freshly verified identity until until (seconds). Best effort:
 * a cache that cannot take it costs a verification elsewhere, no more. */
void credshare_put(request_rec *r, const wos_srv_cfg *sc, cred_kind_t kind,
                   const unsigned char key[CREDCACHE_KEY],
                   const wos_identity_t *id, long long until);

#endif
