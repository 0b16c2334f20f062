/* SPDX-License-Identifier: Apache-2.0 */
/* Cookie request headers and Set-Cookie values (RFC 6265). */
#include "model/cookie.h"

#include <string.h>

#include <apr_strings.h>

#define COOKIE_EPOCH "Thu, 01 Jan 1970 00:00:00 GMT"

static int cookie_is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Narrows [*s, *e) to drop surrounding blanks. */
static void cookie_trim(const char **s, const char **e)
{
    while (*s < *e && cookie_is_space(**s))
        (*s)++;
    while (*e > *s && cookie_is_space((*e)[-1]))
        (*e)--;
}

/* The value of one "name=value" pair [s, e) if its name is name. */
static const char *cookie_match(apr_pool_t *p, const char *s, const char *e,
                                const char *name, size_t name_len)
{
    const char *eq = memchr(s, '=', (size_t)(e - s));
    const char *ns = s, *ne, *vs, *ve;

    if (eq == NULL)
        return NULL;
    ne = eq;
    cookie_trim(&ns, &ne);
    if ((size_t)(ne - ns) != name_len || memcmp(ns, name, name_len) != 0)
        return NULL;
    vs = eq + 1;
    ve = e;
    cookie_trim(&vs, &ve);
    if (ve - vs >= 2 && vs[0] == '"' && ve[-1] == '"') {
        vs++;
        ve--;
    }
    return apr_pstrmemdup(p, vs, (size_t)(ve - vs));
}

/* The values of cookies called name, in header order, at most max of
 * them (max 1: the first only). NULL when there is none. */
static apr_array_header_t *cookie_scan(apr_pool_t *p, const char *header,
                                       const char *name, int max)
{
    apr_array_header_t *out = NULL;
    const char *s, *end;
    size_t name_len, len;

    if (header == NULL || name == NULL || *name == '\0')
        return NULL;
    /* Refuse rather than truncate: a cut-off value is a wrong value. */
    len = strnlen(header, COOKIE_MAX_HEADER + 1);
    if (len > COOKIE_MAX_HEADER)
        return NULL;
    end = header + len;
    name_len = strlen(name);
    for (s = header; s < end;) {
        const char *semi = memchr(s, ';', (size_t)(end - s));
        const char *e = semi ? semi : end;
        const char *v = cookie_match(p, s, e, name, name_len);
        if (v != NULL) {
            if (out == NULL)
                out = apr_array_make(p, 2, sizeof(const char *));
            *(const char **)apr_array_push(out) = v;
            if (out->nelts >= max)
                break;
        }
        s = e + 1;
    }
    return out;
}

const char *cookie_get(apr_pool_t *p, const char *header, const char *name)
{
    apr_array_header_t *all = cookie_scan(p, header, name, 1);

    return all ? APR_ARRAY_IDX(all, 0, const char *) : NULL;
}

apr_array_header_t *cookie_get_all(apr_pool_t *p, const char *header,
                                   const char *name)
{
    return cookie_scan(p, header, name, COOKIE_MAX_SAME_NAME);
}

/* RFC 6265 cookie-octet: printable ASCII without blank, '"', ',', ';'
 * and '\\'. Anything else could split or inject a header. */
static int cookie_octets_ok(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';'
            || c == '\\')
            return 0;
    }
    return 1;
}

/* Attribute values (Domain, Path): no control characters and no ';'. */
static int cookie_attr_ok(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || c == ';')
            return 0;
    }
    return 1;
}

static int cookie_same_site_ok(const char *s)
{
    return s == NULL || strcmp(s, "Lax") == 0 || strcmp(s, "Strict") == 0
           || strcmp(s, "None") == 0;
}

static int cookie_args_ok(const char *name, const char *value,
                          const cookie_attrs_t *a)
{
    return name != NULL && *name != '\0' && cookie_octets_ok(name)
           && strchr(name, '=') == NULL
           && (value == NULL || cookie_octets_ok(value))
           && (a->domain == NULL || cookie_attr_ok(a->domain))
           && (a->path == NULL || cookie_attr_ok(a->path))
           && cookie_same_site_ok(a->same_site);
}

const char *cookie_set_header(apr_pool_t *p, const char *name,
                              const char *value, const cookie_attrs_t *a)
{
    int clear;
    const char *domain, *age;

    if (a == NULL || !cookie_args_ok(name, value, a))
        return NULL;
    clear = a->max_age <= 0 && a->max_age != COOKIE_SESSION_ONLY;
    domain = a->domain ? apr_pstrcat(p, "; Domain=", a->domain, NULL) : "";
    /* APR's formatter has no %lld: print the 64-bit value its own way. */
    age = a->max_age == COOKIE_SESSION_ONLY ? ""
          : apr_psprintf(p, "; Max-Age=%" APR_INT64_T_FMT,
                         (apr_int64_t)(clear ? 0 : a->max_age));
    return apr_psprintf(p, "%s=%s%s; Path=%s%s%s; HttpOnly%s%s%s",
                        name, clear || value == NULL ? "" : value, domain,
                        a->path ? a->path : "/", age,
                        clear ? "; Expires=" COOKIE_EPOCH : "",
                        a->secure ? "; Secure" : "",
                        a->same_site ? "; SameSite=" : "",
                        a->same_site ? a->same_site : "");
}
