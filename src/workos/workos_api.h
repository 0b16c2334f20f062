/* SPDX-License-Identifier: Apache-2.0 */
/* The WorkOS client: every WorkOS URL the module calls or sends a
 * browser to is built here (each endpoint one workos_ep_t), every call to
 * WorkOS goes through workos_api_send (which tells the observer the
 * endpoint and status), and the user-management answers are converted
 * from snake_case into the camelCase session object WorkOS's SDKs seal.
 * Knows nothing of httpd: APR, jansson and http.c. */
#ifndef WOS_WORKOS_API_H
#define WOS_WORKOS_API_H

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>
#include "workos/http.h"
#include "model/flow.h"

/* The WorkOS endpoints the module uses. */
typedef enum {
    WORKOS_EP_AUTHENTICATE = 0, /* POST /user_management/authenticate */
    WORKOS_EP_JWKS,             /* GET /sso/jwks/<client id> (or the
                                   WorkOSJWKSURL set instead) */
    WORKOS_EP_APIKEY_VALIDATE,  /* POST /api_keys/validations */
    WORKOS_EP_SESSIONS_LIST,    /* GET /user_management/users/<id>/sessions */
    WORKOS_EP_SESSION_REVOKE,   /* POST /user_management/sessions/revoke */
    WORKOS_EP_EVENTS,           /* GET /events */
    WORKOS_EP_MEMBERSHIPS_LIST, /* GET /user_management/
                                   organization_memberships */
    WORKOS_EP_AUTHORIZE,        /* browser: /user_management/authorize */
    WORKOS_EP_AUTHZ_CHECK,      /* POST /authorization/
                                   organization_memberships/<id>/check */
    WORKOS_EP_LOGOUT,           /* browser: /user_management/sessions/logout */
    WORKOS_EP_COUNT
} workos_ep_t;

/* The endpoint label of the calls counted for operators
 * (workos_api_calls_total), in the order they are shown. */
typedef enum {
    WORKOS_LABEL_AUTHENTICATE = 0,  /* "authenticate" */
    WORKOS_LABEL_JWKS,              /* "jwks" */
    WORKOS_LABEL_API_KEYS,          /* "api_keys" */
    WORKOS_LABEL_SESSIONS,          /* "sessions" */
    WORKOS_LABEL_EVENTS,            /* "events" */
    WORKOS_LABEL_OTHER,             /* "other" */
    WORKOS_LABEL_COUNT
} workos_label_t;

/* The label an endpoint's calls are counted under (WORKOS_LABEL_OTHER for
 * a value out of range), and a label's name. */
workos_label_t workos_api_ep_label(workos_ep_t ep);
const char *workos_api_label_name(workos_label_t label);

/* Told of every call's end: its endpoint and HTTP status (0 when no
 * answer came). Set once, before threads start; may be NULL. */
typedef void (*workos_api_observer_fn)(workos_ep_t ep, long status);
void workos_api_set_observer(workos_api_observer_fn fn);

/* http_call to a WorkOS endpoint, then the observer told of it. */
int workos_api_send(apr_pool_t *p, workos_ep_t ep, const char *method,
                    const char *url, const char *content_type,
                    const char *body, apr_size_t len, const char *bearer,
                    const http_net_t *net, apr_size_t maxlen,
                    http_response_t *out);

/* The URLs, from base (WorkOSAPIBaseURL, taken as it is: the directive
 * drops a trailing slash). Query values are form-urlencoded, a user id
 * in a path escaped as a path segment. */
const char *workos_api_authenticate_url(apr_pool_t *p, const char *base);
const char *workos_api_apikey_validate_url(apr_pool_t *p, const char *base);
const char *workos_api_session_revoke_url(apr_pool_t *p, const char *base);
/* The default WorkOSJWKSURL, and the first default WorkOSIssuer (the
 * second is base itself). */
const char *workos_api_jwks_url(apr_pool_t *p, const char *base,
                                const char *client_id);
const char *workos_api_issuer(apr_pool_t *p, const char *base,
                              const char *client_id);
/* A page of a user's sessions (100 a page); after (may be NULL) is the
 * list_metadata.after of the page before. */
const char *workos_api_sessions_url(apr_pool_t *p, const char *base,
                                    const char *user_id, const char *after);
/* The first page (100) of a user's active organisation memberships. */
const char *workos_api_memberships_url(apr_pool_t *p, const char *base,
                                       const char *user_id);

/* The membership of a user in one organisation (its id, for
 * WORKOS_EP_AUTHZ_CHECK); WORKOS_EP_MEMBERSHIPS_LIST. */
const char *workos_api_membership_url(apr_pool_t *p, const char *base,
                                      const char *user_id,
                                      const char *org_id);
/* Where a membership's access to a resource is checked. */
const char *workos_api_authz_check_url(apr_pool_t *p, const char *base,
                                       const char *membership_id);

/* A page of the events the module acts on, from cursor (events_parse.h;
 * one that is not usable: from now), at most limit of them. */
const char *workos_api_events_url(apr_pool_t *p, const char *base,
                                  const char *cursor, int limit,
                                  apr_time_t now);
/* Where a browser signs in: AuthKit with PKCE (S256), or, when hints
 * names a connection, that connection (WorkOS takes one or the other).
 * hints (may be NULL) is indexed by flow_hint_t; each one set is added. */
const char *workos_api_authorize_url(apr_pool_t *p, const char *base,
                                     const char *client_id,
                                     const char *redirect_uri,
                                     const char *challenge, const char *state,
                                     const char *const *hints);
/* Where a browser signs out of session_id; return_to may be NULL. */
const char *workos_api_logout_url(apr_pool_t *p, const char *base,
                                  const char *session_id,
                                  const char *return_to);

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

/* Any other WorkOS API call, authorised with the API key: endpoint ep
 * at url (built above), method "GET" or "POST", body may be NULL. On
 * API_OK *answer is the JSON answer (released with the pool). */
api_status_t api_call(apr_pool_t *p, const api_client_t *c, workos_ep_t ep,
                      const char *method, const char *url, json_t *body,
                      json_t **answer, const char **error);

/* What WorkOS's error codes mean, from the one table of them
 * (workos_errors.h). */

/* 1 for the error codes after which a session is over and its user must
 * sign in again: invalid_grant, mfa_enrollment, sso_required. */
int api_signs_out(const char *code);

/* 1 for the answers that mean "sign in again to that organisation":
 * sso_required, mfa_enrollment, organization_authentication_methods_required. */
int api_needs_signin(const char *code);

/* 1 when the refusal means this server's configuration is wrong
 * (invalid_client, unauthorized_client, an unknown redirect URI; or a
 * 401/403 with a code that is not the user's): workos_errors_fix. */
int api_misconfigured(const char *code, long http_status);

/* The status of an HTTP answer: 2xx API_OK; 408, 429 and 5xx retryable;
 * other 4xx API_REFUSED. Pure: exposed for tests. */
api_status_t api_status_of(long status);

/* Turns an authenticate answer into the sealed-session shape, keeping
 * the unknown fields of old (may be NULL). Pure: exposed for tests. */
json_t *api_session_from_answer(json_t *answer, json_t *old);

#endif
