/* Refresh-token exchange, once per refresh token across every thread and
 * process sharing the cache: refresh tokens are single-use, so the first
 * request calls WorkOS and the others take its result. */
#ifndef WOS_REFRESH_H
#define WOS_REFRESH_H

#include "httpd.h"
#include <jansson.h>
#include "config.h"

typedef enum {
    REFRESH_OK = 0,
    REFRESH_REFUSED,      /* WorkOS said no: invalid_grant, not a member */
    REFRESH_UNAVAILABLE   /* WorkOS or the cache could not answer in time */
} refresh_rc;

/* How long a refresh result is kept for requests still carrying the old
 * cookie, in seconds. */
#define REFRESH_RESULT_KEEP 30

/* Exchanges refresh_token (into organization org_id when not NULL) and
 * seals the new session. On REFRESH_OK *sealed is the new cookie value;
 * on REFRESH_REFUSED *why is WorkOS's error code. */
refresh_rc refresh_session(request_rec *r, const wos_srv_cfg *sc,
                           json_t *old, const char *refresh_token,
                           const char *org_id, const char **sealed,
                           const char **why);

#endif
