/* SPDX-License-Identifier: Apache-2.0 */
/* Per-flow verifier cookies and sign-in hints; see flow.h. */
#include <string.h>
#include <math.h>
#include <apr_strings.h>
#include "model/flow.h"

void flow_fnv1a32_hex(const char *s, char out[9])
{
    static const char hex[] = "0123456789abcdef";
    apr_uint32_t h = 0x811c9dc5u;
    int i;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x01000193u;
    }
    for (i = 7; i >= 0; i--) {
        out[i] = hex[h & 0xf];
        h >>= 4;
    }
    out[8] = '\0';
}

const char *flow_cookie_name(apr_pool_t *p, const char *state)
{
    char hex[9];

    flow_fnv1a32_hex(state, hex);
    return apr_pstrcat(p, FLOW_COOKIE_PREFIX "-", hex, NULL);
}

static int flow_is_verifier_name(const char *name, size_t len)
{
    size_t pl = sizeof(FLOW_COOKIE_PREFIX) - 1;

    return len >= pl && !memcmp(name, FLOW_COOKIE_PREFIX, pl)
           && (len == pl || name[pl] == '-');
}

apr_array_header_t *flow_cookies(apr_pool_t *p, const char *header, int max)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(flow_cookie_t));
    const char *s = header, *name, *eq, *end;

    while (s && *s && out->nelts < max) {
        while (*s == ' ' || *s == '\t' || *s == ';') {
            s++;
        }
        name = s;
        end = strchr(s, ';');
        if (!end) {
            end = s + strlen(s);
        }
        eq = memchr(name, '=', (size_t)(end - name));
        if (eq) {
            const char *ne = eq, *v = eq + 1, *ve = end;
            while (ne > name && (ne[-1] == ' ' || ne[-1] == '\t')) {
                ne--;
            }
            while (v < ve && (*v == ' ' || *v == '\t')) {
                v++;
            }
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) {
                ve--;
            }
            if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
                v++;
                ve--;
            }
            if (flow_is_verifier_name(name, (size_t)(ne - name))) {
                flow_cookie_t *c = apr_array_push(out);
                c->name = apr_pstrmemdup(p, name, (apr_size_t)(ne - name));
                c->value = apr_pstrmemdup(p, v, (apr_size_t)(ve - v));
            }
        }
        s = end;
    }
    return out;
}

long long flow_issued(int has_issued_at, long long issued_at,
                      long long seal_exp, long long now_ms, long long ttl_ms,
                      long long skew_ms)
{
    long long at = issued_at;

    if (!has_issued_at) {
        if (seal_exp <= 0) {
            return -1;  /* iron's ttl 0: a flow that never expires */
        }
        at = seal_exp - ttl_ms;
    }
    return at < now_ms - ttl_ms || at > now_ms + skew_ms ? -1 : at;
}

/* The expiration is the sixth of the seal's '*'-separated fields. */
#define FLOW_SEAL_EXP_FIELD 5
#define FLOW_SEAL_EXP_DIGITS 15

long long flow_seal_expiry(const char *sealed)
{
    const char *s = sealed, *end;
    long long v = 0;
    int i;

    if (!s || strncmp(s, "Fe26.2*", 7) != 0) {
        return 0;
    }
    for (i = 0; i < FLOW_SEAL_EXP_FIELD; i++) {
        if (!(s = strchr(s, '*'))) {
            return 0;
        }
        s++;
    }
    end = strchr(s, '*');
    if (!end || end == s || end - s > FLOW_SEAL_EXP_DIGITS) {
        return 0;
    }
    for (; s < end; s++) {
        if (*s < '0' || *s > '9') {
            return 0;
        }
        v = v * 10 + (*s - '0');
    }
    return v;
}

static const char *const flow_hint_names[FLOW_HINT_COUNT] = {
    "screen_hint", "login_hint", "domain_hint", "organization_id",
    "connection_id", "invitation_token",
};

const char *flow_hint_name(flow_hint_t h)
{
    return h < FLOW_HINT_COUNT ? flow_hint_names[h] : "";
}

static int flow_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9');
}

/* prefix followed by 1+ letters and digits. */
static const char *flow_id(const char *v, const char *prefix,
                           const char *what)
{
    size_t pl = strlen(prefix);

    if (strncmp(v, prefix, pl) != 0 || !v[pl]) {
        return what;
    }
    for (v += pl; *v; v++) {
        if (!flow_alnum(*v)) {
            return what;
        }
    }
    return NULL;
}

static const char *flow_email(const char *v)
{
    const char *at = strchr(v, '@');

    if (!at || at == v || !at[1] || strchr(at + 1, '@')) {
        return "login_hint must be an e-mail address";
    }
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (c <= 0x20 || c >= 0x7f || strchr("\"(),:;<>[\\]", c)) {
            return "login_hint must be an e-mail address (ASCII, no "
                   "spaces or control characters)";
        }
    }
    return NULL;
}

static const char *flow_domain(const char *v)
{
    const char *label = v;

    if (*v == '.' || *v == '-') {
        return "domain_hint must be a domain name";
    }
    for (; *v; v++) {
        if (*v == '.') {
            if (v == label || v[-1] == '-') {
                return "domain_hint must be a domain name";
            }
            label = v + 1;
        }
        else if (!flow_alnum(*v) && *v != '-') {
            return "domain_hint must be a domain name (letters, digits, "
                   "'-' and '.')";
        }
        if (v - label >= 63) {
            return "domain_hint has a label over 63 characters";
        }
    }
    return v[-1] == '.' || v[-1] == '-' ? "domain_hint must be a domain name"
                                        : NULL;
}

static const char *flow_token(const char *v)
{
    for (; *v; v++) {
        if (!flow_alnum(*v) && *v != '_' && *v != '-' && *v != '.') {
            return "invitation_token holds characters a WorkOS invitation "
                   "token never has";
        }
    }
    return NULL;
}

const char *flow_hint_check(flow_hint_t h, const char *v)
{
    static const size_t max[FLOW_HINT_COUNT] = { 7, 254, 253, 64, 64, 256 };

    if (h >= FLOW_HINT_COUNT || !v || !*v) {
        return "empty value";
    }
    if (strnlen(v, max[h] + 1) > max[h]) {
        return "value too long";
    }
    switch (h) {
    case FLOW_HINT_SCREEN:
        return strcmp(v, "sign-in") && strcmp(v, "sign-up")
               ? "screen_hint must be sign-in or sign-up" : NULL;
    case FLOW_HINT_LOGIN:
        return flow_email(v);
    case FLOW_HINT_DOMAIN:
        return flow_domain(v);
    case FLOW_HINT_ORG:
        return flow_id(v, "org_",
                       "organization_id must be org_ and letters or digits");
    case FLOW_HINT_CONNECTION:
        return flow_id(v, "conn_",
                       "connection_id must be conn_ and letters or digits");
    default:
        return flow_token(v);
    }
}

int flow_issued_ms(double v, long long *ms)
{
    if (!isfinite(v) || v > FLOW_MAX_MS || v < -FLOW_MAX_MS) {
        return 0;
    }
    *ms = (long long)v;
    return 1;
}
