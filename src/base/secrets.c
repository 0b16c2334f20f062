/* SPDX-License-Identifier: Apache-2.0 */
/* The secrets derived from the sealing cookie password; see secrets.h.
 * The derivations are part of the shared tier's format: every host of a
 * fleet must derive the same keys, so they change only with it. */
#include <string.h>
#include "apr_strings.h"
#include "base/secrets.h"
#include "codec/crypto.h"
#include "store/credcache.h"

struct wos_secrets {
    const char *mac_key;
    const char *mac_fp;
    unsigned char hash_key[CREDCACHE_HASH_KEY];
    int have_fleet;
    unsigned char fleet_mac[SECRETS_FLEET_KEY];
    unsigned char fleet_enc[SECRETS_FLEET_KEY];
};

/* The network cache's keys: bound to the environment, so an entry of
 * another environment on the same cache server never opens. */
static void secrets_fleet(apr_pool_t *p, struct wos_secrets *s,
                          const char *secret, const char *env_tag)
{
    if (!secret || !env_tag
        || crypto_derive_key(secret, apr_pstrcat(p, "network-cache-mac\n",
                                                 env_tag, NULL),
                             s->fleet_mac, sizeof(s->fleet_mac)) != 0
        || crypto_derive_key(secret, apr_pstrcat(p, "network-cache-enc\n",
                                                 env_tag, NULL),
                             s->fleet_enc, sizeof(s->fleet_enc)) != 0) {
        memset(s->fleet_mac, 0, sizeof(s->fleet_mac));
        memset(s->fleet_enc, 0, sizeof(s->fleet_enc));
        return;
    }
    s->have_fleet = 1;
}

const struct wos_secrets *secrets_derive(apr_pool_t *p, const char *password,
                                         const char *fleet_secret,
                                         const char *env_tag)
{
    struct wos_secrets *s = apr_pcalloc(p, sizeof(*s));

    secrets_fleet(p, s, fleet_secret ? fleet_secret : password, env_tag);

    s->mac_key = crypto_derive_password(p, password, "shared-credential-mac");
    if (crypto_derive_key(password, "credential-hash", s->hash_key,
                          sizeof(s->hash_key)) != 0) {
        memset(s->hash_key, 0, sizeof(s->hash_key));
    }
    s->mac_fp = s->mac_key
        ? apr_pstrndup(p, crypto_sha256_hex(p, s->mac_key,
                                            strlen(s->mac_key)), 8)
        : NULL;
    return s;
}

const char *secrets_mac_key(const struct wos_secrets *s)
{
    return s ? s->mac_key : NULL;
}

const char *secrets_mac_fp(const struct wos_secrets *s)
{
    return s ? s->mac_fp : NULL;
}

const unsigned char *secrets_hash_key(const struct wos_secrets *s)
{
    static const unsigned char none[CREDCACHE_HASH_KEY];

    return s ? s->hash_key : none;
}

const unsigned char *secrets_fleet_mac_key(const struct wos_secrets *s)
{
    return s && s->have_fleet ? s->fleet_mac : NULL;
}

const unsigned char *secrets_fleet_enc_key(const struct wos_secrets *s)
{
    return s && s->have_fleet ? s->fleet_enc : NULL;
}
