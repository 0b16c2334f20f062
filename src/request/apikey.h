/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOS API keys presented as "Authorization: Bearer <key>" by machine
 * clients (WorkOSTokenSource apikey): validated with WorkOS, results kept
 * in the shared cache under a hash of the key, failed attempts counted per
 * client address. */
#ifndef WOS_APIKEY_H
#define WOS_APIKEY_H

#include "httpd.h"
#include "base/config.h"
#include "model/identity.h"

typedef enum {
    APIKEY_OK = 0,       /* *id: user_id = key id, api_key_id, org_id,
                            permissions */
    APIKEY_INVALID,      /* unknown or revoked key: 401 */
    APIKEY_LIMITED,      /* too many failures from this address: 429 */
    APIKEY_UNAVAILABLE   /* WorkOS unreachable and nothing cached: 503 */
} apikey_rc;

/* A value that is not shaped like a JWT: what the apikey source takes. */
int apikey_looks_like_key(const char *value);

/* On APIKEY_LIMITED *retry_after is the seconds to put in Retry-After. */
apikey_rc apikey_check(request_rec *r, const wos_srv_cfg *sc,
                       const char *value, wos_identity_t **id,
                       const char **why, int *retry_after);

#endif
