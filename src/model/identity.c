/* SPDX-License-Identifier: Apache-2.0 */
/* The caller's identity, copied out of verified claims.
 *
 * Every value here ends up in environment variables and, with
 * WorkOSPassHeaders, in request headers to the backend, so strings are
 * bounded and those with control characters (a CR/LF would split a
 * header) are dropped rather than passed on. */
#include "model/identity.h"

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

/* Far above what WorkOS issues; bounds memory and header sizes. */
#define IDENTITY_MAX_LIST 256
#define IDENTITY_MAX_STR 512

/* 1 if s (of len bytes) is non-empty, bounded, and free of NULs and
 * control characters. */
static int identity_str_ok(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len > IDENTITY_MAX_STR)
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

/* A pool copy of a JSON string, or NULL if it is absent or unfit. */
static const char *identity_copy(apr_pool_t *p, json_t *v)
{
    if (!json_is_string(v)
        || !identity_str_ok(json_string_value(v), json_string_length(v)))
        return NULL;
    return apr_pstrmemdup(p, json_string_value(v), json_string_length(v));
}

static const char *identity_member(apr_pool_t *p, json_t *obj,
                                   const char *name)
{
    return identity_copy(p, json_object_get(obj, name));
}

/* Always an array (empty when the claim is absent or not an array), so
 * callers need no NULL checks. Entries past the bound are dropped, which
 * can only ever deny. */
static apr_array_header_t *identity_list(apr_pool_t *p, json_t *claims,
                                         const char *name)
{
    json_t *arr = json_object_get(claims, name);
    apr_array_header_t *list = apr_array_make(p, 4, sizeof(const char *));
    size_t i;

    for (i = 0; i < json_array_size(arr); i++) {
        const char *s;
        if (list->nelts >= IDENTITY_MAX_LIST)
            break;
        s = identity_copy(p, json_array_get(arr, i));
        if (s != NULL)
            APR_ARRAY_PUSH(list, const char *) = s;
    }
    return list;
}

static long long identity_time(json_t *claims, const char *name)
{
    json_t *v = json_object_get(claims, name);

    if (json_is_integer(v))
        return (long long)json_integer_value(v);
    /* Reals outside long long's range would be undefined to convert. */
    if (json_is_real(v) && json_real_value(v) > 0
        && json_real_value(v) < 9.2e18)
        return (long long)json_real_value(v);
    return 0;
}

/* The whole claims object as JSON text, for the claim-based Require
 * provider and WorkOSPassClaim (and to travel through caches): the text
 * the claims were parsed from when the caller has it (a token's decoded
 * payload; re-serialising it would cost as much as parsing it again),
 * else compact JSON written from the claims. */
static const char *identity_claims_text(apr_pool_t *p, json_t *claims,
                                        const char *text, size_t len)
{
    char *dumped;
    const char *copy = NULL;

    if (text != NULL) {
        /* parsed text holds no NUL byte: a JSON string cannot carry one
         * unescaped, and nothing else may stand outside strings */
        if (len > IDENTITY_MAX_CLAIMS_JSON || memchr(text, '\0', len))
            return NULL;
        return apr_pstrmemdup(p, text, len);
    }
    dumped = json_dumps(claims, JSON_COMPACT);
    if (dumped && strlen(dumped) <= IDENTITY_MAX_CLAIMS_JSON)
        copy = apr_pstrdup(p, dumped);
    free(dumped);
    return copy;
}

wos_identity_t *identity_from_claims(apr_pool_t *p, json_t *claims,
                                     const char *text, size_t len)
{
    wos_identity_t *id;
    const char *sub;

    if (!json_is_object(claims))
        return NULL;
    sub = identity_member(p, claims, "sub");
    if (sub == NULL)
        return NULL;
    id = apr_pcalloc(p, sizeof(*id));
    id->user_id = sub;
    id->session_id = identity_member(p, claims, "sid");
    id->org_id = identity_member(p, claims, "org_id");
    id->role = identity_member(p, claims, "role");
    id->roles = identity_list(p, claims, "roles");
    id->permissions = identity_list(p, claims, "permissions");
    id->entitlements = identity_list(p, claims, "entitlements");
    id->feature_flags = identity_list(p, claims, "feature_flags");
    /* RFC 8693 actor claim: WorkOS names the impersonating admin here. */
    id->impersonator_email =
        identity_member(p, json_object_get(claims, "act"), "sub");
    id->exp = identity_time(claims, "exp");
    id->iat = identity_time(claims, "iat");
    id->claims_json = identity_claims_text(p, claims, text, len);
    return id;
}

void identity_add_session(apr_pool_t *p, wos_identity_t *id,
                          json_t *session)
{
    const char *email;

    if (id == NULL || !json_is_object(session))
        return;
    email = identity_member(p, json_object_get(session, "user"), "email");
    if (email != NULL)
        id->email = email;
    /* The token's act claim is what WorkOS signed for this request; the
     * sealed copy only fills in when the token has none. */
    if (id->impersonator_email == NULL)
        id->impersonator_email = identity_member(
            p, json_object_get(session, "impersonator"), "email");
}

const char *identity_join(apr_pool_t *p, const apr_array_header_t *list)
{
    if (list == NULL || list->nelts == 0)
        return "";
    return apr_array_pstrcat(p, list, ',');
}
