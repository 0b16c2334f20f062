/* SPDX-License-Identifier: Apache-2.0 */
/* The secrets a server derives once from its first (sealing) cookie
 * password: cfg_check (config_check.h) derives them and keeps them, out
 * of sight, behind wos_srv_cfg's secrets pointer. Only the files that use
 * one include this header. Each accessor takes that pointer, which is NULL
 * for a server cfg_check skipped (no WorkOS directive): then there is no
 * MAC key and no fingerprint, and the hash key is all zero bytes. */
#ifndef WOS_SECRETS_H
#define WOS_SECRETS_H

#include <apr_pools.h>

struct wos_secrets;

/* The secrets of password, allocated from p. The fleet keys come from
 * fleet_secret (WorkOSAPIKey where set, else password: what every host
 * of the WorkOS environment env_tag holds) and env_tag. */
const struct wos_secrets *secrets_derive(apr_pool_t *p, const char *password,
                                         const char *fleet_secret,
                                         const char *env_tag);

/* The key that authenticates shared-tier entries (credshare.h), hex. */
const char *secrets_mac_key(const struct wos_secrets *s);

/* The first 8 hex characters of the SHA-256 of that key, which name the
 * shared-tier entries made with it. */
const char *secrets_mac_fp(const struct wos_secrets *s);

/* The secret key of the credential-cache hash (CREDCACHE_HASH_KEY bytes,
 * credcache.h), so every process and host of a fleet names a credential
 * alike and nobody without the password can. */
const unsigned char *secrets_hash_key(const struct wos_secrets *s);

/* The keys (SECRETS_FLEET_KEY bytes) of the network cache's envelopes
 * (codec/envelope.h): the MAC key, and the key of the types encrypted
 * under no key of their own. NULL where there are none. */
#define SECRETS_FLEET_KEY 32
const unsigned char *secrets_fleet_mac_key(const struct wos_secrets *s);
const unsigned char *secrets_fleet_enc_key(const struct wos_secrets *s);

#endif
