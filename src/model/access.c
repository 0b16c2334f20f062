/* SPDX-License-Identifier: Apache-2.0 */
/* Require workos-access, the pure parts; see access.h. */
#include <string.h>
#include <apr_strings.h>
#include "model/access.h"

/* Between the parts of a cached name: never in a usable id. */
#define ACCESS_SEP "\x1f"

int access_id_ok(const char *s)
{
    size_t n = 0;

    if (!s) {
        return 0;
    }
    for (; s[n]; n++) {
        if (n >= ACCESS_MAX_ID || (unsigned char)s[n] < 0x21
            || (unsigned char)s[n] > 0x7e) {
            return 0;
        }
    }
    return n > 0;
}

/* gen in decimal, in p (generations are never negative: 0 or a time). */
static const char *access_gen_text(apr_pool_t *p, long long gen)
{
    char buf[24], *d = buf + sizeof(buf) - 1;
    unsigned long long v = gen > 0 ? (unsigned long long)gen : 0;

    *d = '\0';
    do {
        *--d = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return apr_pstrdup(p, d);
}

const char *access_decision_name(apr_pool_t *p, const char *env,
                                 long long gen, const char *user,
                                 const char *org, const char *perm,
                                 const char *type, const char *ext)
{
    return apr_pstrcat(p, env, ACCESS_SEP, access_gen_text(p, gen),
                       ACCESS_SEP, user, ACCESS_SEP, org, ACCESS_SEP, perm,
                       ACCESS_SEP, type ? type : "", ACCESS_SEP, ext, NULL);
}

const char *access_membership_name(apr_pool_t *p, const char *env,
                                   long long gen, const char *user,
                                   const char *org)
{
    return apr_pstrcat(p, env, ACCESS_SEP, access_gen_text(p, gen),
                       ACCESS_SEP, user, ACCESS_SEP, org, NULL);
}

json_t *access_check_body(const char *perm, const char *type,
                          const char *ext)
{
    json_t *b = json_object();

    if (!b || json_object_set_new(b, "permission_slug", json_string(perm))) {
        json_decref(b);
        return NULL;
    }
    if (type ? json_object_set_new(b, "resource_external_id",
                                   json_string(ext))
               || json_object_set_new(b, "resource_type_slug",
                                      json_string(type))
             : json_object_set_new(b, "resource_id", json_string(ext))) {
        json_decref(b);
        return NULL;
    }
    return b;
}

int access_answer(const json_t *answer)
{
    const json_t *a = json_is_object(answer)
                      ? json_object_get(answer, "authorized") : NULL;

    return json_is_boolean(a) ? json_is_true(a) : -1;
}

const char *access_membership_from_list(const json_t *answer,
                                        const char *user, const char *org)
{
    const json_t *data = json_is_object(answer)
                         ? json_object_get(answer, "data") : NULL;
    const json_t *m;
    size_t i;

    if (!json_is_array(data)) {
        return NULL;
    }
    json_array_foreach(data, i, m) {
        const char *id = json_string_value(json_object_get(m, "id"));
        const char *o = json_string_value(json_object_get(m,
                                                          "organization_id"));
        const char *u = json_string_value(json_object_get(m, "user_id"));
        const char *st = json_string_value(json_object_get(m, "status"));

        if (o && !strcmp(o, org) && (!u || !strcmp(u, user))
            && (!st || strcmp(st, "inactive") != 0) && access_id_ok(id)) {
            return id;
        }
    }
    return NULL;
}
