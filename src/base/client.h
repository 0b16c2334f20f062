/* SPDX-License-Identifier: Apache-2.0 */
/* The one place a server's config becomes the way it calls WorkOS. */
#ifndef WOS_CLIENT_H
#define WOS_CLIENT_H

#include "base/config.h"
#include "workos/workos_api.h"

/* Base, client id, API key, timeout, outgoing proxy and CA bundle of sc. */
api_client_t client_for(const wos_srv_cfg *sc);

#endif
