/* SPDX-License-Identifier: Apache-2.0 */
/* Any access-token claim; see claims.h. */
#include "model/claims.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#define CLAIMS_USERDATA "wos-claims"

typedef struct {
    const char *text;
    json_t *root;
} claims_memo_t;

static apr_status_t claims_release(void *data)
{
    claims_memo_t *m = data;

    json_decref(m->root);
    m->root = NULL;
    return APR_SUCCESS;
}

json_t *claims_load(apr_pool_t *p, const char *text)
{
    void *data = NULL;
    claims_memo_t *m;
    json_t *root;

    if (text == NULL)
        return NULL;
    if (apr_pool_userdata_get(&data, CLAIMS_USERDATA, p) == APR_SUCCESS
        && data != NULL) {
        m = data;
        if (m->text == text)
            return m->root;
    }
    /* NUL inside a string is kept, so claims_text can refuse it */
    root = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    m = apr_palloc(p, sizeof(*m));
    m->text = text;
    m->root = root;
    /* A second identity in the same pool replaces the first; the cleanup
     * of each memo releases its own root. */
    apr_pool_cleanup_register(p, m, claims_release, apr_pool_cleanup_null);
    if (apr_pool_userdata_setn(m, CLAIMS_USERDATA, NULL, p) != APR_SUCCESS)
        return NULL;
    return root;
}

claims_rc claims_find(const json_t *claims, const char *name,
                      const json_t **out)
{
    const json_t *cur = claims;
    const char *seg, *dot, *segs[CLAIMS_MAX_DEPTH];
    size_t lens[CLAIMS_MAX_DEPTH];
    int depth = 0, i;

    *out = NULL;
    if (name == NULL || *name == '\0')
        return CLAIMS_BAD_PATH;
    if (!json_is_object(claims))
        return CLAIMS_ABSENT;
    *out = json_object_get(claims, name);
    if (*out != NULL)
        return CLAIMS_FOUND;
    if (strchr(name, '.') == NULL)
        return CLAIMS_ABSENT;
    /* the segments in one pass: too deep, then empty, as they come */
    for (seg = dot = name;; dot++) {
        if (*dot != '.' && *dot != '\0')
            continue;
        if (depth == CLAIMS_MAX_DEPTH)
            return CLAIMS_TOO_DEEP;
        if (dot == seg)
            return CLAIMS_BAD_PATH;
        segs[depth] = seg;
        lens[depth++] = (size_t)(dot - seg);
        if (*dot == '\0')
            break;
        seg = dot + 1;
    }
    for (i = 0; i < depth; i++) {
        if (!json_is_object(cur))
            return CLAIMS_ABSENT;
        cur = json_object_getn(cur, segs[i], lens[i]);
        if (cur == NULL)
            return CLAIMS_ABSENT;
    }
    *out = cur;
    return CLAIMS_FOUND;
}

/* ---- finding a claim in the claims text without parsing all of it ----
 * A cached identity carries its claims as compact JSON text. Parsing the
 * whole object for every workos-claim check costs ~80,000 instructions;
 * skipping over the text to the one member wanted and parsing only its
 * value costs a few thousand. The skipper accepts any input (the fuzzer
 * drives it) and gives up, as "absent", on anything it does not follow. */

#define CLAIMS_SKIP_DEPTH 64

static const char *claims_ws(const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++;
    return s;
}

/* s at '"': just past the closing quote, or NULL. */
static const char *claims_skip_string(const char *s, const char *e)
{
    for (s++; s < e; s++) {
        if (*s == '\\') {
            s++;
            continue;
        }
        if (*s == '"')
            return s + 1;
    }
    return NULL;
}

static const char *claims_skip_value(const char *s, const char *e,
                                     int depth);

/* s at '{' or '[': just past the matching close, or NULL. */
static const char *claims_skip_container(const char *s, const char *e,
                                         int depth)
{
    char close = *s == '{' ? '}' : ']';
    int object = *s == '{';

    if (depth >= CLAIMS_SKIP_DEPTH)
        return NULL;
    s = claims_ws(s + 1, e);
    if (s < e && *s == close)
        return s + 1;
    for (;;) {
        if (object) {
            if (s >= e || *s != '"' || !(s = claims_skip_string(s, e)))
                return NULL;
            s = claims_ws(s, e);
            if (s >= e || *s != ':')
                return NULL;
            s = claims_ws(s + 1, e);
        }
        if (!(s = claims_skip_value(s, e, depth + 1)))
            return NULL;
        s = claims_ws(s, e);
        if (s < e && *s == ',') {
            s = claims_ws(s + 1, e);
            continue;
        }
        return s < e && *s == close ? s + 1 : NULL;
    }
}

static const char *claims_skip_value(const char *s, const char *e,
                                     int depth)
{
    const char *start = s;

    if (s >= e)
        return NULL;
    if (*s == '"')
        return claims_skip_string(s, e);
    if (*s == '{' || *s == '[')
        return claims_skip_container(s, e, depth);
    while (s < e && ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z')
                     || *s == '-' || *s == '+' || *s == '.' || *s == 'E'))
        s++;
    return s > start ? s : NULL;
}

/* Whether the JSON string token [ks, ke) (quotes included) is key. */
static int claims_key_is(const char *ks, const char *ke, const char *key,
                         size_t klen)
{
    json_t *k;
    int same;

    if (memchr(ks, '\\', (size_t)(ke - ks)) == NULL)
        return (size_t)(ke - ks) == klen + 2 && memcmp(ks + 1, key, klen) == 0;
    k = json_loadb(ks, (size_t)(ke - ks), JSON_DECODE_ANY | JSON_ALLOW_NUL,
                   NULL);
    same = json_is_string(k) && json_string_length(k) == klen
           && memcmp(json_string_value(k), key, klen) == 0;
    json_decref(k);
    return same;
}

/* In the object at [s, e), the value of member key: its span in *vs, *ve.
 * 1 if found. */
static int claims_member(const char *s, const char *e, const char *key,
                         size_t klen, const char **vs, const char **ve)
{
    s = claims_ws(s, e);
    if (s >= e || *s != '{')
        return 0;
    s = claims_ws(s + 1, e);
    if (s < e && *s == '}')
        return 0;
    for (;;) {
        const char *ks = s, *ke, *v;
        if (s >= e || *s != '"' || !(ke = claims_skip_string(s, e)))
            return 0;
        s = claims_ws(ke, e);
        if (s >= e || *s != ':')
            return 0;
        v = claims_ws(s + 1, e);
        if (!(s = claims_skip_value(v, e, 1)))
            return 0;
        if (claims_key_is(ks, ke, key, klen)) {
            *vs = v;
            *ve = s;
            return 1;
        }
        s = claims_ws(s, e);
        if (s >= e || *s != ',')
            return 0;
        s = claims_ws(s + 1, e);
    }
}

static apr_status_t claims_release_value(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

claims_rc claims_lookup(apr_pool_t *p, const char *text, const char *name,
                        const json_t **out)
{
    const char *s, *e, *vs, *ve, *seg, *dot;
    json_t *v;
    int depth = 0;

    *out = NULL;
    if (name == NULL || *name == '\0')
        return CLAIMS_BAD_PATH;
    if (text == NULL)
        return CLAIMS_ABSENT;
    s = text;
    e = text + strlen(text);
    if (!claims_member(s, e, name, strlen(name), &vs, &ve)) {
        if (strchr(name, '.') == NULL)
            return CLAIMS_ABSENT;
        for (seg = name;; seg = dot + 1) {
            dot = strchr(seg, '.');
            if (++depth > CLAIMS_MAX_DEPTH)
                return CLAIMS_TOO_DEEP;
            if ((dot ? dot : seg + strlen(seg)) == seg)
                return CLAIMS_BAD_PATH;
            if (!dot)
                break;
        }
        for (seg = name;; seg = dot + 1) {
            dot = strchr(seg, '.');
            if (!claims_member(s, e, seg,
                               dot ? (size_t)(dot - seg) : strlen(seg),
                               &vs, &ve))
                return CLAIMS_ABSENT;
            if (!dot)
                break;
            s = vs;
            e = ve;
        }
    }
    v = json_loadb(vs, (size_t)(ve - vs), JSON_DECODE_ANY | JSON_ALLOW_NUL,
                   NULL);
    if (v == NULL)
        return CLAIMS_ABSENT;
    apr_pool_cleanup_register(p, v, claims_release_value,
                              apr_pool_cleanup_null);
    *out = v;
    return CLAIMS_FOUND;
}

/* What a lookup found, matched against the line's values; the one place
 * that says why a claim did not match. */
static int claims_decide(claims_rc rc, const json_t *v,
                         const apr_array_header_t *values, const char **why)
{
    const char *dummy;
    int i;

    if (why == NULL)
        why = &dummy;
    *why = NULL;
    switch (rc) {
    case CLAIMS_FOUND:
        break;
    case CLAIMS_TOO_DEEP:
        *why = "claim path deeper than 8 levels";
        return 0;
    case CLAIMS_BAD_PATH:
        *why = "empty claim name or path segment";
        return 0;
    default:
        *why = "no such claim";
        return 0;
    }
    for (i = 0; values != NULL && i < values->nelts; i++) {
        if (claims_value_matches(v, APR_ARRAY_IDX(values, i, const char *),
                                 why))
            return 1;
    }
    return 0;
}

int claims_match_text(apr_pool_t *p, const char *text, const char *name,
                      const apr_array_header_t *values, const char **why)
{
    const json_t *v = NULL;
    claims_rc rc = claims_lookup(p, text, name, &v);

    return claims_decide(rc, v, values, why);
}

claims_rc claims_lookup_identity(apr_pool_t *p, const wos_identity_t *id,
                                 const char *name, const json_t **out)
{
    json_t *root = id->claims_root && id->claims_json
                   ? id->claims_root(id->claims_owner) : NULL;
    claims_rc rc;
    int memo = 0;

    /* a text that does not parse (duplicate members) is scanned as ever */
    if (root == NULL)
        return claims_lookup(p, id->claims_json, name, out);
    if (name && id->claims_memo_get
        && id->claims_memo_get(id->claims_owner, name, &memo, out))
        return (claims_rc)memo;
    rc = claims_find(root, name, out);
    if (name && id->claims_memo_put)
        id->claims_memo_put(id->claims_owner, name, (int)rc, *out);
    return rc;
}

int claims_match_identity(apr_pool_t *p, const wos_identity_t *id,
                          const char *name, const apr_array_header_t *values,
                          const char **why)
{
    const json_t *v = NULL;
    claims_rc rc = claims_lookup_identity(p, id, name, &v);

    return claims_decide(rc, v, values, why);
}

/* want read whole as a JSON number (strtod alone takes "inf", hex, ...). */
static int claims_json_number(const char *want, double *d)
{
    const char *s = want;
    char *end;

    if (*s == '-')
        s++;
    if (*s < '0' || *s > '9')
        return 0;
    for (; *s; s++) {
        if (!strchr("0123456789.eE+-", *s))
            return 0;
    }
    *d = strtod(want, &end);
    return *end == '\0';
}

static int claims_matches_at(const json_t *v, const char *want, int depth,
                             const char **why)
{
    char buf[32];
    double d;
    size_t i;

    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_string_length(v) == strlen(want)
               && memcmp(json_string_value(v), want,
                         json_string_length(v)) == 0;
    case JSON_INTEGER:
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        return strcmp(buf, want) == 0;
    case JSON_REAL:
        return claims_json_number(want, &d) && d == json_real_value(v);
    case JSON_TRUE:
        return strcmp(want, "true") == 0;
    case JSON_FALSE:
        return strcmp(want, "false") == 0;
    case JSON_ARRAY:
        if (depth >= CLAIMS_MAX_DEPTH) {
            *why = "array nested too deeply";
            return 0;
        }
        for (i = 0; i < json_array_size(v); i++) {
            if (claims_matches_at(json_array_get(v, i), want, depth + 1,
                                  why))
                return 1;
        }
        return 0;
    case JSON_OBJECT:
        *why = "the claim is an object, which never equals a value";
        return 0;
    default:
        return 0;
    }
}

int claims_value_matches(const json_t *v, const char *want,
                         const char **why)
{
    const char *dummy;

    if (why == NULL)
        why = &dummy;
    if (v == NULL || want == NULL)
        return 0;
    return claims_matches_at(v, want, 0, why);
}

int claims_match(const json_t *claims, const char *name,
                 const apr_array_header_t *values, const char **why)
{
    const json_t *v = NULL;
    claims_rc rc = claims_find(claims, name, &v);

    return claims_decide(rc, v, values, why);
}

int claims_utf8_ok(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, n, k;
    unsigned long cp, min;

    while (i < len) {
        unsigned char c = u[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1; cp = c & 0x1f; min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2; cp = c & 0x0f; min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3; cp = c & 0x07; min = 0x10000;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (k = 1; k <= n; k++) {
            if ((u[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (u[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* Text fit for an environment variable or header: bounded, valid UTF-8,
 * no control character. */
static const char *claims_safe(const char *s, size_t len, const char **why)
{
    size_t i;

    if (len > CLAIMS_MAX_TEXT) {
        *why = "value too long";
        return NULL;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            *why = "value holds a control character (CR, LF, NUL, ...)";
            return NULL;
        }
    }
    if (!claims_utf8_ok(s, len)) {
        *why = "value is not valid UTF-8";
        return NULL;
    }
    return s;
}

/* Scalars and containers as JSON text (compact); NULL if it fails. */
static const char *claims_dump(apr_pool_t *p, const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY
                               | JSON_REAL_PRECISION(17));
    const char *copy;

    if (text == NULL)
        return NULL;
    copy = apr_pstrdup(p, text);
    free(text);
    return copy;
}

/* One value's text without the safety check; strings raw (with length). */
static const char *claims_raw(apr_pool_t *p, const json_t *v, size_t *len)
{
    const char *s;

    if (json_is_string(v)) {
        *len = json_string_length(v);
        return apr_pstrmemdup(p, json_string_value(v), *len);
    }
    if (json_is_null(v))
        return NULL;
    s = claims_dump(p, v);
    *len = s ? strlen(s) : 0;
    return s;
}

const char *claims_text(apr_pool_t *p, const json_t *v, const char **why)
{
    const char *dummy, *s;
    size_t len = 0, i;

    if (why == NULL)
        why = &dummy;
    *why = NULL;
    if (v == NULL)
        return NULL;
    if (json_is_array(v)) {
        apr_array_header_t *parts = apr_array_make(p, 4, sizeof(char *));
        size_t total = 0;
        for (i = 0; i < json_array_size(v); i++) {
            const char *part = claims_raw(p, json_array_get(v, i), &len);
            if (part == NULL)
                continue;
            /* a NUL inside a member would cut the joined text short */
            if (strlen(part) != len) {
                *why = "value holds a control character (CR, LF, NUL, ...)";
                return NULL;
            }
            total += len + 1;
            if (total > CLAIMS_MAX_TEXT + 1) {
                *why = "value too long";
                return NULL;
            }
            APR_ARRAY_PUSH(parts, const char *) = part;
        }
        s = apr_array_pstrcat(p, parts, ',');
        len = strlen(s);
    } else {
        s = claims_raw(p, v, &len);
        if (s == NULL)
            return NULL;
    }
    return claims_safe(s, len, why);
}

const char *claims_scalar_text(apr_pool_t *p, const json_t *v,
                               const char **why)
{
    const char *dummy;

    if (why == NULL)
        why = &dummy;
    *why = NULL;
    if (!json_is_string(v) && !json_is_number(v)) {
        if (v != NULL && !json_is_null(v))
            *why = "the claim is not a string or a number";
        return NULL;
    }
    return claims_text(p, v, why);
}

static int claims_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9');
}

const char *claims_var_name(apr_pool_t *p, const char *name)
{
    static const char prefix[] = "WORKOS_CLAIM_";
    size_t n = strlen(name), i;
    char *out = apr_palloc(p, sizeof(prefix) + n);

    memcpy(out, prefix, sizeof(prefix) - 1);
    for (i = 0; i < n; i++) {
        char c = name[i];
        out[sizeof(prefix) - 1 + i] = !claims_alnum(c) ? '_'
                                      : (c >= 'a' && c <= 'z') ? c - 32 : c;
    }
    out[sizeof(prefix) - 1 + n] = '\0';
    return out;
}

const char *claims_header_name(apr_pool_t *p, const char *name)
{
    static const char prefix[] = "X-WorkOS-Claim-";
    size_t n = strlen(name), i;
    char *out = apr_palloc(p, sizeof(prefix) + n);

    memcpy(out, prefix, sizeof(prefix) - 1);
    for (i = 0; i < n; i++)
        out[sizeof(prefix) - 1 + i] = claims_alnum(name[i]) ? name[i] : '-';
    out[sizeof(prefix) - 1 + n] = '\0';
    return out;
}
