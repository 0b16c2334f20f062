/* The WorkOS user-management calls the module makes, and the conversion
 * of their snake_case answers into the camelCase session object WorkOS's
 * SDKs seal. Knows nothing of httpd: APR, jansson and http.c. */
#ifndef WOS_WORKOS_API_H
#define WOS_WORKOS_API_H

#include <apr_pools.h>
#include <jansson.h>
#include "workos/http.h"

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
    API_REFUSED,      /* WorkOS said no: a 4xx other than 408 and 429
                         (invalid_grant, sso_required, not a member...) */
    API_UNAVAILABLE   /* retryable: unreachable, timed out, 408, 429, 5xx,
                         or an unreadable answer */
} api_status_t;

typedef struct {
    api_status_t status;
    long http_status;
    const char *error;  /* WorkOS's error code, or what went wrong */
    int retry_after;    /* API_UNAVAILABLE: seconds WorkOS asked to wait
                           (Retry-After), 0 when it did not say */
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

/* 1 for the error codes after which a session is over and its user must
 * sign in again: invalid_grant, mfa_enrollment, sso_required. */
int api_signs_out(const char *code);

/* 1 for the answers that mean "sign in again to that organisation":
 * sso_required, mfa_enrollment, organization_authentication_methods_required. */
int api_needs_signin(const char *code);

/* 1 for the codes that mean this server's configuration is wrong
 * (invalid_client, unauthorized_client, an unknown redirect URI). */
int api_misconfigured(const char *code);

/* The status of an HTTP answer: 2xx API_OK; 408, 429 and 5xx retryable;
 * other 4xx API_REFUSED. Pure: exposed for tests. */
api_status_t api_status_of(long status);

/* Turns an authenticate answer into the sealed-session shape, keeping
 * the unknown fields of old (may be NULL). Pure: exposed for tests. */
json_t *api_session_from_answer(json_t *answer, json_t *old);

#endif
