/* SPDX-License-Identifier: Apache-2.0 */
/* The WorkOS client: endpoints, URLs, calls; see workos_api.h. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_escape.h>
#include <apr_lib.h>
#include "workos/workos_api.h"
#include "workos/http.h"
#include "workos/events_parse.h"
#include "workos/workos_errors.h"

/* Each endpoint's path from the base, and the label its calls are
 * counted under. */
static const struct {
    const char *path;
    workos_label_t label;
} workos_api_eps[WORKOS_EP_COUNT] = {
    [WORKOS_EP_AUTHENTICATE] = { "/user_management/authenticate",
                                 WORKOS_LABEL_AUTHENTICATE },
    [WORKOS_EP_JWKS] = { "/sso/jwks/", WORKOS_LABEL_JWKS },
    [WORKOS_EP_APIKEY_VALIDATE] = { "/api_keys/validations",
                                    WORKOS_LABEL_API_KEYS },
    [WORKOS_EP_SESSIONS_LIST] = { "/user_management/users/",
                                  WORKOS_LABEL_SESSIONS },
    [WORKOS_EP_SESSION_REVOKE] = { "/user_management/sessions/revoke",
                                   WORKOS_LABEL_SESSIONS },
    [WORKOS_EP_EVENTS] = { "/events", WORKOS_LABEL_EVENTS },
    [WORKOS_EP_MEMBERSHIPS_LIST] = {
        "/user_management/organization_memberships", WORKOS_LABEL_OTHER },
    /* never called by the module: browsers go there */
    [WORKOS_EP_AUTHZ_CHECK] = { "/authorization/organization_memberships/",
                                WORKOS_LABEL_OTHER },
    [WORKOS_EP_AUTHORIZE] = { "/user_management/authorize",
                              WORKOS_LABEL_OTHER },
    [WORKOS_EP_LOGOUT] = { "/user_management/sessions/logout",
                           WORKOS_LABEL_SESSIONS },
};

static const char *const workos_api_labels[WORKOS_LABEL_COUNT] = {
    [WORKOS_LABEL_AUTHENTICATE] = "authenticate",
    [WORKOS_LABEL_JWKS] = "jwks",
    [WORKOS_LABEL_API_KEYS] = "api_keys",
    [WORKOS_LABEL_SESSIONS] = "sessions",
    [WORKOS_LABEL_EVENTS] = "events",
    [WORKOS_LABEL_OTHER] = "other",
};

workos_label_t workos_api_ep_label(workos_ep_t ep)
{
    return (unsigned)ep < WORKOS_EP_COUNT ? workos_api_eps[ep].label
                                          : WORKOS_LABEL_OTHER;
}

const char *workos_api_label_name(workos_label_t label)
{
    return workos_api_labels[(unsigned)label < WORKOS_LABEL_COUNT
                             ? label : WORKOS_LABEL_OTHER];
}

static workos_api_observer_fn workos_api_observer;

void workos_api_set_observer(workos_api_observer_fn fn)
{
    workos_api_observer = fn;
}

int workos_api_send(apr_pool_t *p, workos_ep_t ep, const char *method,
                    const char *url, const char *content_type,
                    const char *body, apr_size_t len, const char *bearer,
                    const http_net_t *net, apr_size_t maxlen,
                    http_response_t *out)
{
    int rc = http_call(p, method, url, content_type, body, len, bearer, net,
                       maxlen, out);

    if (workos_api_observer) {
        workos_api_observer(ep, rc == 0 ? out->status : 0);
    }
    return rc;
}

static const char *workos_api_path(apr_pool_t *p, const char *base,
                                   workos_ep_t ep)
{
    return apr_pstrcat(p, base, workos_api_eps[ep].path, NULL);
}

/* A query value, application/x-www-form-urlencoded (as httpd's
 * ap_escape_urlencoded: a space is '+'). */
static const char *workos_api_q(apr_pool_t *p, const char *value)
{
    return apr_pescape_urlencoded(p, value);
}

const char *workos_api_authenticate_url(apr_pool_t *p, const char *base)
{
    return workos_api_path(p, base, WORKOS_EP_AUTHENTICATE);
}

const char *workos_api_apikey_validate_url(apr_pool_t *p, const char *base)
{
    return workos_api_path(p, base, WORKOS_EP_APIKEY_VALIDATE);
}

const char *workos_api_session_revoke_url(apr_pool_t *p, const char *base)
{
    return workos_api_path(p, base, WORKOS_EP_SESSION_REVOKE);
}

const char *workos_api_jwks_url(apr_pool_t *p, const char *base,
                                const char *client_id)
{
    return apr_pstrcat(p, base, workos_api_eps[WORKOS_EP_JWKS].path,
                       client_id, NULL);
}

const char *workos_api_issuer(apr_pool_t *p, const char *base,
                              const char *client_id)
{
    return apr_pstrcat(p, base, "/user_management/", client_id, NULL);
}

const char *workos_api_sessions_url(apr_pool_t *p, const char *base,
                                    const char *user_id, const char *after)
{
    return apr_pstrcat(p, base, workos_api_eps[WORKOS_EP_SESSIONS_LIST].path,
                       apr_pescape_path_segment(p, user_id),
                       "/sessions?limit=100", after ? "&after=" : "",
                       after ? workos_api_q(p, after) : "", NULL);
}

const char *workos_api_memberships_url(apr_pool_t *p, const char *base,
                                       const char *user_id)
{
    return apr_pstrcat(p, base,
                       workos_api_eps[WORKOS_EP_MEMBERSHIPS_LIST].path,
                       "?user_id=", workos_api_q(p, user_id),
                       "&statuses=active&limit=100", NULL);
}

const char *workos_api_membership_url(apr_pool_t *p, const char *base,
                                      const char *user_id,
                                      const char *org_id)
{
    return apr_pstrcat(p, base,
                       workos_api_eps[WORKOS_EP_MEMBERSHIPS_LIST].path,
                       "?user_id=", workos_api_q(p, user_id),
                       "&organization_id=", workos_api_q(p, org_id), NULL);
}

const char *workos_api_authz_check_url(apr_pool_t *p, const char *base,
                                       const char *membership_id)
{
    return apr_pstrcat(p, base, workos_api_eps[WORKOS_EP_AUTHZ_CHECK].path,
                       apr_pescape_path_segment(p, membership_id), "/check",
                       NULL);
}

const char *workos_api_events_url(apr_pool_t *p, const char *base,
                                  const char *cursor, int limit,
                                  apr_time_t now)
{
    return apr_pstrcat(p, base, workos_api_eps[WORKOS_EP_EVENTS].path, "?",
                       events_params(p, cursor, limit, now), NULL);
}

const char *workos_api_authorize_url(apr_pool_t *p, const char *base,
                                     const char *client_id,
                                     const char *redirect_uri,
                                     const char *challenge, const char *state,
                                     const char *const *hints)
{
    const char *url;
    int i;

    url = apr_pstrcat(p, base, workos_api_eps[WORKOS_EP_AUTHORIZE].path,
                      "?client_id=", workos_api_q(p, client_id),
                      "&redirect_uri=", workos_api_q(p, redirect_uri),
                      "&response_type=code",
                      /* WorkOS takes a connection or AuthKit, not both */
                      hints && hints[FLOW_HINT_CONNECTION] ? ""
                                                : "&provider=authkit",
                      "&code_challenge=", challenge,
                      "&code_challenge_method=S256",
                      "&state=", workos_api_q(p, state), NULL);
    for (i = 0; hints && i < FLOW_HINT_COUNT; i++) {
        if (hints[i]) {
            url = apr_pstrcat(p, url, "&", flow_hint_name((flow_hint_t)i),
                              "=", workos_api_q(p, hints[i]), NULL);
        }
    }
    return url;
}

const char *workos_api_logout_url(apr_pool_t *p, const char *base,
                                  const char *session_id,
                                  const char *return_to)
{
    return apr_pstrcat(p, base, workos_api_eps[WORKOS_EP_LOGOUT].path,
                       "?session_id=", workos_api_q(p, session_id),
                       return_to ? "&return_to=" : "",
                       return_to ? workos_api_q(p, return_to) : "", NULL);
}

static apr_status_t api_release(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

/* "first_name" -> "firstName", as the SDKs' deserializers name fields. */
static char *api_camel(const char *key)
{
    char *out = malloc(strlen(key) + 1), *o = out;

    if (!out) {
        return NULL;
    }
    for (; *key; key++) {
        if (*key == '_' && key[1] && o != out) {
            *o++ = (char)apr_toupper(*++key);
        }
        else {
            *o++ = *key;
        }
    }
    *o = '\0';
    return out;
}

/* Top-level keys renamed; values (e.g. user metadata) left as they are. */
static json_t *api_camel_object(json_t *obj)
{
    json_t *out = json_object(), *v;
    const char *k;

    if (!out) {
        return NULL;
    }
    json_object_foreach(obj, k, v) {
        char *ck = api_camel(k);
        if (!ck || json_object_set(out, ck, v) != 0) {
            free(ck);
            json_decref(out);
            return NULL;
        }
        free(ck);
    }
    return out;
}

static int api_set_new(json_t *dst, const char *key, json_t *v)
{
    return v ? json_object_set_new(dst, key, v) : -1;
}

json_t *api_session_from_answer(json_t *answer, json_t *old)
{
    json_t *s, *user = json_object_get(answer, "user");
    json_t *imp = json_object_get(answer, "impersonator");
    json_t *org = json_object_get(answer, "organization_id");
    json_t *method = json_object_get(answer, "authentication_method");
    json_t *at = json_object_get(answer, "access_token");
    json_t *rt = json_object_get(answer, "refresh_token");

    if (!json_is_string(at) || !json_is_string(rt) || !json_is_object(user)
        || !json_is_string(json_object_get(user, "id"))) {
        return NULL;
    }
    s = json_is_object(old) ? json_deep_copy(old) : json_object();
    if (!s || json_object_set(s, "accessToken", at)
        || json_object_set(s, "refreshToken", rt)
        || api_set_new(s, "user", api_camel_object(user))) {
        json_decref(s);
        return NULL;
    }
    if (json_is_object(imp)) {
        json_object_set_new(s, "impersonator", api_camel_object(imp));
    }
    else {
        json_object_del(s, "impersonator");
    }
    if (json_is_string(org)) {
        json_object_set(s, "organizationId", org);
    }
    if (json_is_string(method)) {
        json_object_set(s, "authenticationMethod", method);
    }
    return s;
}

static const char *api_error_code(json_t *answer)
{
    const char *e = json_string_value(json_object_get(answer, "error"));

    if (!e) {
        e = json_string_value(json_object_get(answer, "code"));
    }
    return e;
}

int api_signs_out(const char *code)
{
    return workos_errors_is(code, WORKOS_ERRORS_SIGNS_OUT);
}

int api_needs_signin(const char *code)
{
    return workos_errors_is(code, WORKOS_ERRORS_ORG_SIGNIN);
}

int api_misconfigured(const char *code, long http_status)
{
    return workos_errors_fix(code, http_status) != NULL;
}

api_status_t api_status_of(long status)
{
    if (status >= 200 && status < 300) {
        return API_OK;
    }
    if (status == 408 || status == 429) {
        return API_UNAVAILABLE;
    }
    return (status >= 400 && status < 500) ? API_REFUSED : API_UNAVAILABLE;
}

static void api_read_answer(apr_pool_t *p, const http_response_t *res,
                            json_t *old, api_result_t *out)
{
    json_error_t jerr;
    json_t *answer = json_loadb(res->body, res->len, JSON_REJECT_DUPLICATES,
                                &jerr);
    const char *code;

    out->http_status = res->status;
    if (answer) {
        apr_pool_cleanup_register(p, answer, api_release,
                                  apr_pool_cleanup_null);
    }
    if (api_status_of(res->status) == API_REFUSED) {
        out->status = API_REFUSED;
        code = api_error_code(answer);
        out->error = code ? apr_pstrndup(p, code, 64) : "refused";
        return;
    }
    if (res->status != 200 || !json_is_object(answer)) {
        out->status = API_UNAVAILABLE;
        out->retry_after = (int)res->retry_after;
        out->error = res->status == 429 ? "rate limited (HTTP 429)"
                     : res->status == 408 ? "request timeout (HTTP 408)"
                     : res->status != 200 ? "unexpected HTTP status"
                     : "answer is not JSON";
        return;
    }
    if (!(out->session = api_session_from_answer(answer, old))) {
        out->status = API_UNAVAILABLE;
        out->error = "answer lacks tokens or user";
        return;
    }
    apr_pool_cleanup_register(p, out->session, api_release,
                              apr_pool_cleanup_null);
    out->status = API_OK;
}

static void api_authenticate(apr_pool_t *p, const api_client_t *c,
                             json_t *body, json_t *old, api_result_t *out)
{
    http_response_t res;
    char *text;
    const char *url = workos_api_authenticate_url(p, c->base);

    memset(out, 0, sizeof(*out));
    text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        out->status = API_UNAVAILABLE;
        out->error = "cannot build the request";
        return;
    }
    /* the API key as the bearer too, as WorkOS's description requires
     * and @workos-inc/node sends it (its client adds it to every call) */
    if (workos_api_send(p, WORKOS_EP_AUTHENTICATE, "POST", url,
                        "application/json", text, strlen(text), c->api_key,
                        &c->net, API_MAX_ANSWER, &res) != 0) {
        out->status = API_UNAVAILABLE;
        out->error = res.error;
    }
    else {
        api_read_answer(p, &res, old, out);
    }
    /* the body held the client secret and a code or refresh token */
    memset(text, 0, strlen(text));
    free(text);
}

void api_authenticate_code(apr_pool_t *p, const api_client_t *c,
                           const char *code, const char *verifier,
                           api_result_t *out)
{
    json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s}",
                             "grant_type", "authorization_code",
                             "client_id", c->client_id,
                             "client_secret", c->api_key ? c->api_key : "",
                             "code", code, "code_verifier", verifier);
    api_authenticate(p, c, body, NULL, out);
}

void api_refresh(apr_pool_t *p, const api_client_t *c,
                 const char *refresh_token, const char *organization_id,
                 json_t *old, api_result_t *out)
{
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}",
                             "grant_type", "refresh_token",
                             "client_id", c->client_id,
                             "client_secret", c->api_key ? c->api_key : "",
                             "refresh_token", refresh_token);

    if (body && organization_id) {
        json_object_set_new(body, "organization_id",
                            json_string(organization_id));
    }
    api_authenticate(p, c, body, old, out);
}

api_status_t api_call(apr_pool_t *p, const api_client_t *c, workos_ep_t ep,
                      const char *method, const char *url, json_t *body,
                      json_t **answer, const char **error)
{
    http_response_t res;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    api_status_t st;
    int rc;

    *answer = NULL;
    if (body && !text) {
        *error = "cannot build the request";
        return API_UNAVAILABLE;
    }
    rc = workos_api_send(p, ep, method, url,
                         text ? "application/json" : NULL, text,
                         text ? strlen(text) : 0, c->api_key, &c->net,
                         API_MAX_ANSWER, &res);
    free(text);
    if (rc != 0) {
        *error = res.error;
        return API_UNAVAILABLE;
    }
    st = api_status_of(res.status);
    *answer = json_loadb(res.body, res.len, JSON_REJECT_DUPLICATES, NULL);
    if (*answer) {
        apr_pool_cleanup_register(p, *answer, api_release,
                                  apr_pool_cleanup_null);
    }
    else if (st == API_OK && res.len) {
        *error = "answer is not JSON";
        return API_UNAVAILABLE;
    }
    *error = st == API_OK ? NULL
             : apr_psprintf(p, "HTTP %ld", res.status);
    return st;
}
