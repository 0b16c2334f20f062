/* SPDX-License-Identifier: Apache-2.0 */
/* The sealed session object WorkOS's libraries keep in the wos-session
 * cookie: {"accessToken", "refreshToken", "user", "organizationId",
 * "impersonator", ...}. Pure: APR, jansson and seal.c. */
#ifndef WOS_SESSION_H
#define WOS_SESSION_H

#include <apr_pools.h>
#include <jansson.h>
#include "codec/seal.h"

typedef struct {
    json_t *data;              /* the whole object; released with the pool */
    const char *access_token;
    const char *refresh_token; /* NULL when absent */
    const char *user_id;       /* user.id, NULL when absent */
} session_t;

/* Longest access or refresh token taken from a session. */
#define SESSION_MAX_TOKEN 8192

/* Unseals and reads a cookie value. Returns 0, or -1 with *why set to a
 * short reason fit for a log line (never any part of the value). */
int session_open(apr_pool_t *p, const char *cookie,
                 const seal_password_t *pws, int npws, long long now_ms,
                 session_t *out, const char **why);

#endif
