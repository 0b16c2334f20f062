/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOS client settings from a server's config; see client.h. */
#include "apr_uri.h"
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

const char *client_log_url(apr_pool_t *p, const char *url)
{
    apr_uri_t u;

    if (!url || apr_uri_parse(p, url, &u) != APR_SUCCESS) {
        return "(an unreadable URL)";
    }
    u.user = NULL;
    u.password = NULL;
    u.query = NULL;
    u.fragment = NULL;
    return apr_uri_unparse(p, &u, APR_URI_UNP_OMITUSERINFO);
}

const char *client_token_url(apr_pool_t *p, const wos_srv_cfg *sc)
{
    return client_log_url(p, workos_api_authenticate_url(p, sc->api_base));
}
