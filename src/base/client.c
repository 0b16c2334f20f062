/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOS client settings from a server's config; see client.h. */
#include "base/client.h"

api_client_t client_for(const wos_srv_cfg *sc)
{
    api_client_t c;

    c.base = sc->api_base;
    c.client_id = sc->client_id;
    c.api_key = sc->api_key;
    c.net.timeout = sc->http_timeout;
    c.net.proxy = sc->outgoing_proxy;
    c.net.ca_bundle = sc->ca_bundle;
    c.net.cancel = NULL;
    return c;
}
