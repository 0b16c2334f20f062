/* SPDX-License-Identifier: Apache-2.0 */
/* API-key shapes, answers and cached results; see apikey_parse.h.
 *
 * What comes out of here ends up in REMOTE_USER, environment variables
 * and (with WorkOSPassHeaders) request headers, so every string is
 * bounded and free of control characters, as identity.c does for claims.
 */
#include "workos/apikey_parse.h"

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

/* Far above what WorkOS issues; bounds memory and header sizes. */
#define APIKEY_MAX_STR 512
#define APIKEY_MAX_PERMS 256

int apikey_shape_ok(const char *value)
{
    size_t n;

    if (value == NULL) {
        return 0;
    }
    for (n = 0; value[n]; n++) {
        unsigned char c = (unsigned char)value[n];
        /* stop early: a huge value costs no more than the bound */
        if (n >= APIKEY_MAX_LEN || c <= 0x20 || c >= 0x7f) {
            return 0;
        }
    }
    return n > 0;
}

char *apikey_request_body(apr_pool_t *p, const char *value,
                          apr_size_t *len)
{
    static const char head[] = "{\"value\":\"", tail[] = "\"}";
    /* printable ASCII needs escaping only for '"' and '\\' */
    char *out = apr_palloc(p, sizeof(head) + 2 * strlen(value)
                              + sizeof(tail));
    char *o = out;

    memcpy(o, head, sizeof(head) - 1);
    o += sizeof(head) - 1;
    for (; *value; value++) {
        if (*value == '"' || *value == '\\') {
            *o++ = '\\';
        }
        *o++ = *value;
    }
    memcpy(o, tail, sizeof(tail));
    *len = (apr_size_t)(o - out) + sizeof(tail) - 1;
    return out;
}

/* A pool copy of a bounded, control-free JSON string, else NULL. */
static const char *apikey_str(apr_pool_t *p, json_t *v)
{
    const char *s = json_string_value(v);
    size_t i, n = json_string_length(v);

    if (s == NULL || n == 0 || n > APIKEY_MAX_STR) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            return NULL;
        }
    }
    return apr_pstrmemdup(p, s, n);
}

/* Absent is an empty list; a non-array is malformed (-1). Unfit entries
 * are dropped, which can only ever deny. */
static int apikey_perms(apr_pool_t *p, json_t *arr, apikey_info_t *out)
{
    size_t i;

    out->permissions = apr_array_make(p, 4, sizeof(const char *));
    if (arr == NULL) {
        return 0;
    }
    if (!json_is_array(arr)) {
        return -1;
    }
    for (i = 0; i < json_array_size(arr); i++) {
        const char *s = apikey_str(p, json_array_get(arr, i));
        if (out->permissions->nelts >= APIKEY_MAX_PERMS) {
            break;
        }
        if (s != NULL) {
            APR_ARRAY_PUSH(out->permissions, const char *) = s;
        }
    }
    return 0;
}

/* The owning organisation. An unknown owner type gives none, so
 * workos-org denies; an organisation owner without a usable id is a
 * malformed answer (-1). */
static int apikey_owner(apr_pool_t *p, json_t *owner, apikey_info_t *out)
{
    const char *type = json_string_value(json_object_get(owner, "type"));

    out->org_id = NULL;
    if (type && !strcmp(type, "organization")) {
        out->org_id = apikey_str(p, json_object_get(owner, "id"));
        return out->org_id ? 0 : -1;
    }
    if (type && !strcmp(type, "user")) {
        out->org_id = apikey_str(p, json_object_get(owner,
                                                    "organization_id"));
    }
    return 0;
}

static json_t *apikey_load(const char *text, apr_size_t len)
{
    json_error_t jerr;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

apikey_answer_t apikey_parse_answer(apr_pool_t *p, const char *body,
                                    apr_size_t len, apikey_info_t *out)
{
    json_t *answer = apikey_load(body, len), *key;
    apikey_answer_t rc = APIKEY_ANSWER_GARBAGE;

    memset(out, 0, sizeof(*out));
    if (answer == NULL) {
        return APIKEY_ANSWER_GARBAGE;
    }
    key = json_object_get(answer, "api_key");
    if (json_is_null(key)) {
        rc = APIKEY_ANSWER_INVALID;
    }
    else if (json_is_object(key)
             && (out->id = apikey_str(p, json_object_get(key, "id")))
             && apikey_owner(p, json_object_get(key, "owner"), out) == 0
             && apikey_perms(p, json_object_get(key, "permissions"),
                             out) == 0) {
        rc = APIKEY_ANSWER_VALID;
    }
    json_decref(answer);
    return rc;
}

static int apikey_put_perms(json_t *obj, const apr_array_header_t *perms)
{
    json_t *arr = json_array();
    int i;

    if (arr == NULL || json_object_set_new(obj, "perms", arr) != 0) {
        return -1;
    }
    for (i = 0; perms && i < perms->nelts; i++) {
        if (json_array_append_new(arr, json_string(
                APR_ARRAY_IDX(perms, i, const char *))) != 0) {
            return -1;
        }
    }
    return 0;
}

const char *apikey_serialise(apr_pool_t *p, const apikey_info_t *info)
{
    json_t *obj = json_object();
    const char *out = NULL;
    char *text;

    if (obj == NULL || info->id == NULL
        || json_object_set_new(obj, "id", json_string(info->id)) != 0
        || (info->org_id && json_object_set_new(
                obj, "org", json_string(info->org_id)) != 0)
        || apikey_put_perms(obj, info->permissions) != 0) {
        json_decref(obj);
        return NULL;
    }
    text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (text) {
        out = apr_pstrcat(p, "ok ", text, NULL);
        free(text);
    }
    return out;
}

apikey_answer_t apikey_deserialise(apr_pool_t *p, const char *text,
                                   apr_size_t len, apikey_info_t *out)
{
    json_t *obj, *org;
    apikey_answer_t rc = APIKEY_ANSWER_GARBAGE;

    memset(out, 0, sizeof(*out));
    if (len == sizeof(APIKEY_CACHED_NO) - 1
        && !memcmp(text, APIKEY_CACHED_NO, len)) {
        return APIKEY_ANSWER_INVALID;
    }
    if (len < 3 || memcmp(text, "ok ", 3) != 0
        || (obj = apikey_load(text + 3, len - 3)) == NULL) {
        return APIKEY_ANSWER_GARBAGE;
    }
    org = json_object_get(obj, "org");
    if ((out->id = apikey_str(p, json_object_get(obj, "id")))
        && (org == NULL || (out->org_id = apikey_str(p, org)))
        && apikey_perms(p, json_object_get(obj, "perms"), out) == 0) {
        rc = APIKEY_ANSWER_VALID;
    }
    json_decref(obj);
    return rc;
}
