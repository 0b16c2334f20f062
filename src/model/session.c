/* SPDX-License-Identifier: Apache-2.0 */
/* Opening the sealed session; see session.h. */
#include <string.h>
#include "model/session.h"

static apr_status_t session_release(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

static const char *session_string(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    const char *s = json_string_value(v);

    if (!s || !*s || json_string_length(v) > SESSION_MAX_TOKEN
        || strlen(s) != json_string_length(v)) {
        return NULL; /* absent, empty, huge, or with an embedded NUL */
    }
    return s;
}

/* iron-session versions before 2 nested the data under "persistent". */
static json_t *session_payload(json_t *root, int version)
{
    json_t *inner;

    if (version != 0 && version != 2
        && json_is_object(inner = json_object_get(root, "persistent"))) {
        return inner;
    }
    return root;
}

int session_open(apr_pool_t *p, const char *cookie,
                 const seal_password_t *pws, int npws, long long now_ms,
                 session_t *out, const char **why)
{
    char *plain;
    size_t plen;
    int version;
    json_error_t jerr;
    json_t *root, *data;
    seal_status_t st;

    memset(out, 0, sizeof(*out));
    st = seal_unseal(p, cookie, strlen(cookie), pws, npws, now_ms, &plain,
                     &plen, &version);
    if (st != SEAL_OK) {
        *why = seal_status_str(st);
        return -1;
    }
    root = json_loadb(plain, plen, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        *why = "sealed data is not a JSON object";
        return -1;
    }
    apr_pool_cleanup_register(p, root, session_release,
                              apr_pool_cleanup_null);
    data = session_payload(root, version);
    out->data = data;
    out->access_token = session_string(data, "accessToken");
    out->refresh_token = session_string(data, "refreshToken");
    out->user_id = session_string(json_object_get(data, "user"), "id");
    if (!out->access_token) {
        *why = "session has no access token";
        return -1;
    }
    return 0;
}
