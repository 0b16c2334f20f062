/* The WorkOS user-management calls the module makes, and the conversion
 * of their snake_case answers into the camelCase session object WorkOS's
 * SDKs seal. Knows nothing of httpd: APR, jansson and http.c. */
#ifndef WOS_WORKOS_API_H
#define WOS_WORKOS_API_H

#include <apr_pools.h>
#include <jansson.h>
#include "http.h"

/* Built from a server's config by client_for() (client.h), so every call
 * to WorkOS takes the same timeout, proxy and CA bundle. */
typedef struct {
    const char *base;       /* WorkOSAPIBaseURL */
    const char *client_id;
    const char *api_key;    /* client_secret; never logged */
    http_net_t net;         /* WorkOSHTTPTimeout, WorkOSOutgoingProxy,
                               WorkOSCABundle */
} api_client_t;

typedef enum {
    API_OK = 0,
    API_REFUSED,      /* WorkOS said no (4xx): invalid_grant, not a member */
    API_UNAVAILABLE   /* unreachable, timed out, 5xx, or an unreadable answer */
} api_status_t;

typedef struct {
    api_status_t status;
    long http_status;
    const char *error;  /* WorkOS's error code, or what went wrong */
    json_t *session;    /* API_OK: {accessToken, refreshToken, user, ...};
                           released with the pool */
} api_result_t;

/* Largest answer read from WorkOS. */
#define API_MAX_ANSWER 65536

/* grant_type=authorization_code with the PKCE verifier. */
void api_authenticate_code(apr_pool_t *p, const api_client_t *c,
                           const char *code, const char *verifier,
                           api_result_t *out);

/* grant_type=refresh_token; organization_id may be NULL. The new session
 * keeps the fields of old that the answer does not replace. */
void api_refresh(apr_pool_t *p, const api_client_t *c,
                 const char *refresh_token, const char *organization_id,
                 json_t *old, api_result_t *out);

/* Any other WorkOS API call, authorised with the API key: method "GET"
 * or "POST", path from the base ("/user_management/..."), body may be
 * NULL. On API_OK *answer is the JSON answer (released with the pool). */
api_status_t api_call(apr_pool_t *p, const api_client_t *c,
                      const char *method, const char *path, json_t *body,
                      json_t **answer, const char **error);

/* Turns an authenticate answer into the sealed-session shape, keeping
 * the unknown fields of old (may be NULL). Pure: exposed for tests. */
json_t *api_session_from_answer(json_t *answer, json_t *old);

#endif
