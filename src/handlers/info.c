/* SPDX-License-Identifier: Apache-2.0 */
/* workos-info; see info.h. */
#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"
#include <jansson.h>
#include <stdlib.h>
#include "handlers/info.h"
#include "request/authn.h"
#include "request/reply.h"
#include "base/module.h"


static json_t *info_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *info_list(const apr_array_header_t *list)
{
    json_t *a = json_array();
    int i;

    for (i = 0; list && i < list->nelts; i++) {
        json_array_append_new(a, json_string(APR_ARRAY_IDX(list, i,
                                                           const char *)));
    }
    return a;
}

/* Everything an SPA needs to draw its signed-in state; no token, no
 * cookie value, nothing secret. */
static char *info_json(const wos_identity_t *id)
{
    json_t *o = json_object(), *imp;
    char *text;

    json_object_set_new(o, "authenticated", json_true());
    json_object_set_new(o, "user_id", info_str(id->user_id));
    json_object_set_new(o, "email", info_str(id->email));
    json_object_set_new(o, "organization_id", info_str(id->org_id));
    json_object_set_new(o, "role", info_str(id->role));
    /* as WORKOS_ROLES: a token with only "role" has that one role */
    if (id->roles && id->roles->nelts) {
        json_object_set_new(o, "roles", info_list(id->roles));
    }
    else {
        json_object_set_new(o, "roles", id->role
                            ? json_pack("[s]", id->role) : json_array());
    }
    json_object_set_new(o, "permissions", info_list(id->permissions));
    json_object_set_new(o, "entitlements", info_list(id->entitlements));
    json_object_set_new(o, "feature_flags", info_list(id->feature_flags));
    json_object_set_new(o, "session_id", info_str(id->session_id));
    imp = id->impersonator_email
          ? json_pack("{s:s}", "email", id->impersonator_email)
          : json_null();
    json_object_set_new(o, "impersonator", imp ? imp : json_null());
    if (id->api_key_id) {
        json_object_set_new(o, "api_key_id", json_string(id->api_key_id));
    }
    json_object_set_new(o, "access_token_expires_at",
                        id->exp > 0 ? json_integer(id->exp) : json_null());
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

int info_handle(request_rec *r, const wos_srv_cfg *sc)
{
    const wos_identity_t *id = NULL;
    char *text;
    int rc;

    if (r->method_number != M_GET) {
        apr_table_setn(r->err_headers_out, "Allow", "GET, HEAD");
        return reply_json(r, HTTP_METHOD_NOT_ALLOWED,
                          "{\"error\":\"method_not_allowed\"}\n");
    }
    rc = authn_identify(r, sc, &id);
    if (rc == HTTP_UNAUTHORIZED) {
        return reply_json(r, HTTP_UNAUTHORIZED,
                          "{\"authenticated\":false,"
                          "\"error\":\"not_signed_in\"}\n");
    }
    if (rc != OK) {
        return reply_json(r, rc, "{\"error\":\"try_again\"}\n");
    }
    text = info_json(id);
    if (!text) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(02530)
                      "workos-info: cannot build the answer");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    reply_json(r, HTTP_OK, apr_pstrcat(r->pool, text, "\n", NULL));
    free(text);
    return OK;
}
