/* SPDX-License-Identifier: Apache-2.0 */
/* The one place a server's config becomes the way it calls WorkOS. */
#ifndef WOS_CLIENT_H
#define WOS_CLIENT_H

#include "base/config.h"
#include "workos/workos_api.h"

/* Base, client id, API key, timeout, outgoing proxy and CA bundle of sc. */
api_client_t client_for(const wos_srv_cfg *sc);

/* url as a log line may show it: no user, password, query or fragment
 * (tokens and keys never travel there, but a base URL may carry a
 * password). */
const char *client_log_url(apr_pool_t *p, const char *url);

/* The token endpoint (code and refresh grants) of sc, for the log. */
const char *client_token_url(apr_pool_t *p, const wos_srv_cfg *sc);

#endif
