/* SPDX-License-Identifier: Apache-2.0 */
/* Refresh-token exchange, once per refresh token across every thread and
 * process sharing the cache: refresh tokens are single-use, so the first
 * request calls WorkOS and the others take its result. */
#ifndef WOS_REFRESH_H
#define WOS_REFRESH_H

#include "httpd.h"
#include <jansson.h>
#include "base/config.h"

typedef enum {
    REFRESH_OK = 0,
    REFRESH_REFUSED,      /* WorkOS said no: invalid_grant, sso_required,
                             mfa_enrollment; for a switch, not a member */
    REFRESH_UNAVAILABLE   /* retryable: WorkOS slow, down, rate limiting
                             (429, 408, 5xx), or the cache not answering */
} refresh_rc;

/* How long a refresh result is kept for requests still carrying the old
 * cookie, in seconds. */
#define REFRESH_RESULT_KEEP 30
/* After a failed call, how long the next requests take that failure
 * instead of calling WorkOS again (unless WorkOS's Retry-After says
 * longer, up to REFRESH_RETRY_MAX). */
#define REFRESH_RETRY_HOLD 2
#define REFRESH_RETRY_MAX 300

typedef struct {
    const char *sealed;  /* REFRESH_OK: the new cookie value */
    const char *why;     /* otherwise: WorkOS's error code (REFUSED) or
                            what went wrong; never a secret */
    int retry_after;     /* REFRESH_UNAVAILABLE: seconds to tell clients */
} refresh_out_t;

/* Exchanges refresh_token (into organization org_id when not NULL) and
 * seals the new session. A plain refresh (org_id NULL) is REFUSED only for
 * the answers that end a session (api_signs_out); WorkOS refusing for any
 * other reason (a wrong API key) is UNAVAILABLE and logged. Requests
 * waiting for a concurrent refresh cost constant memory and give up within
 * WorkOSHTTPTimeout. */
refresh_rc refresh_session(request_rec *r, const wos_srv_cfg *sc,
                           json_t *old, const char *refresh_token,
                           const char *org_id, refresh_out_t *out);

#endif
