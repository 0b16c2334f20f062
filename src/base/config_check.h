/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration check, run once the configuration is read and merged
 * (check_config hook): for every server with a WorkOS directive it fills
 * the defaults, derives the isolation tags (config.h) and the secrets
 * (secrets.h), attaches a cache and a key store, and refuses settings that
 * are missing or can never work. */
#ifndef WOS_CONFIG_CHECK_H
#define WOS_CONFIG_CHECK_H

#include "httpd.h"

struct wos_keys;

/* Fills defaults and checks what is required, for every server. A
 * message naming the directive is logged and !OK returned on error. */
int cfg_check(apr_pool_t *p, server_rec *s);

/* Called by cfg_check for each server, to attach the key store for its
 * JWKS URL (kept in the glue so this file needs no part above it). */
typedef struct wos_keys *(*cfg_keys_fn)(apr_pool_t *p, const char *url);
void cfg_set_keys_factory(cfg_keys_fn fn);

#endif
