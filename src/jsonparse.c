/* Strict JSON reader building jansson values; see jsonparse.h. */
#include "jsonparse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *p;   /* next byte */
    const unsigned char *end;
    char *scratch;            /* room for the longest string (the input) */
    int depth;
    int max_depth;
} jp_t;

static json_t *jp_value(jp_t *jp);

static void jp_ws(jp_t *jp)
{
    while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t'
                               || *jp->p == '\n' || *jp->p == '\r'))
        jp->p++;
}

static int jp_hex4(const unsigned char *s, long *out)
{
    long v = 0;
    int i;

    for (i = 0; i < 4; i++) {
        unsigned char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t jp_put_utf8(char *out, long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the valid UTF-8 sequence starting at s (non-ASCII lead), or
 * 0: no overlongs, no surrogates, nothing above U+10FFFF. */
static size_t jp_utf8_len(const unsigned char *s, const unsigned char *end)
{
    unsigned char c = s[0];
    size_t n, i;
    long cp;

    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - s) < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)
        || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return n;
}

/* An escape after the backslash at jp->p; writes UTF-8 to out. */
static int jp_escape(jp_t *jp, char *out, size_t *outlen)
{
    long cp, lo;

    if (jp->end - jp->p < 2)
        return -1;
    switch (jp->p[1]) {
    case '"':  *out = '"';  break;
    case '\\': *out = '\\'; break;
    case '/':  *out = '/';  break;
    case 'b':  *out = '\b'; break;
    case 'f':  *out = '\f'; break;
    case 'n':  *out = '\n'; break;
    case 'r':  *out = '\r'; break;
    case 't':  *out = '\t'; break;
    case 'u':
        if (jp->end - jp->p < 6 || jp_hex4(jp->p + 2, &cp) != 0)
            return -1;
        jp->p += 6;
        if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
            return -1;   /* NUL, or a low surrogate alone */
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (jp->end - jp->p < 6 || jp->p[0] != '\\' || jp->p[1] != 'u'
                || jp_hex4(jp->p + 2, &lo) != 0
                || lo < 0xDC00 || lo > 0xDFFF)
                return -1;
            jp->p += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        *outlen = jp_put_utf8(out, cp);
        return 0;
    default:
        return -1;
    }
    jp->p += 2;
    *outlen = 1;
    return 0;
}

/* A string at jp->p (its opening quote), unescaped into the scratch
 * buffer: *s and *n. */
static int jp_string(jp_t *jp, const char **s, size_t *n)
{
    char *out = jp->scratch;
    size_t o = 0, k;

    jp->p++;
    for (;;) {
        const unsigned char *run = jp->p;
        while (jp->p < jp->end && *jp->p >= 0x20 && *jp->p < 0x80
               && *jp->p != '"' && *jp->p != '\\')
            jp->p++;
        memcpy(out + o, run, (size_t)(jp->p - run));
        o += (size_t)(jp->p - run);
        if (jp->p >= jp->end)
            return -1;
        if (*jp->p == '"') {
            jp->p++;
            break;
        }
        if (*jp->p == '\\') {
            if (jp_escape(jp, out + o, &k) != 0)
                return -1;
            o += k;
        } else if (*jp->p >= 0x80) {
            if ((k = jp_utf8_len(jp->p, jp->end)) == 0)
                return -1;
            memcpy(out + o, jp->p, k);
            o += k;
            jp->p += k;
        } else {
            return -1;   /* a raw control character */
        }
    }
    out[o] = '\0';
    *s = out;
    *n = o;
    return 0;
}

static json_t *jp_number(jp_t *jp)
{
    const unsigned char *start = jp->p;
    char buf[64], *endp;
    int is_real = 0;
    size_t len;

    if (jp->p < jp->end && *jp->p == '-')
        jp->p++;
    if (jp->p >= jp->end)
        return NULL;
    if (*jp->p == '0') {
        jp->p++;
    } else if (*jp->p >= '1' && *jp->p <= '9') {
        while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9')
            jp->p++;
    } else {
        return NULL;
    }
    if (jp->p < jp->end && *jp->p == '.') {
        is_real = 1;
        jp->p++;
        if (jp->p >= jp->end || *jp->p < '0' || *jp->p > '9')
            return NULL;
        while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9')
            jp->p++;
    }
    if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
        is_real = 1;
        jp->p++;
        if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-'))
            jp->p++;
        if (jp->p >= jp->end || *jp->p < '0' || *jp->p > '9')
            return NULL;
        while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9')
            jp->p++;
    }
    len = (size_t)(jp->p - start);
    /* Longer numbers are copied to the scratch buffer (room enough). */
    endp = len < sizeof(buf) ? buf : jp->scratch;
    memcpy(endp, start, len);
    endp[len] = '\0';
    errno = 0;
    if (!is_real) {
        long long v = strtoll(endp, NULL, 10);
        return errno == ERANGE ? NULL : json_integer((json_int_t)v);
    } else {
        double d = strtod(endp, NULL);
        if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
            return NULL;
        return json_real(d);
    }
}

static int jp_literal(jp_t *jp, const char *word, size_t n)
{
    if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
        return -1;
    jp->p += n;
    return 0;
}

/* Member names this long or shorter are kept on the stack. */
#define JP_SHORT_KEY 64

static json_t *jp_object(jp_t *jp)
{
    json_t *obj = json_object(), *v;
    const char *key;
    char *k, short_key[JP_SHORT_KEY + 1];
    size_t klen;

    if (obj == NULL)
        return NULL;
    jp->p++;
    jp_ws(jp);
    if (jp->p < jp->end && *jp->p == '}') {
        jp->p++;
        return obj;
    }
    for (;;) {
        if (jp->p >= jp->end || *jp->p != '"' || jp_string(jp, &key, &klen))
            goto fail;
        /* the value's strings reuse the scratch buffer: keep the key */
        k = klen <= JP_SHORT_KEY ? short_key : malloc(klen + 1);
        if (k == NULL)
            goto fail;
        memcpy(k, key, klen + 1);
        jp_ws(jp);
        if (jp->p >= jp->end || *jp->p != ':' || json_object_get(obj, k))
            v = NULL;
        else {
            jp->p++;
            jp_ws(jp);
            v = jp_value(jp);
        }
        if (v == NULL || json_object_set_new_nocheck(obj, k, v) != 0) {
            if (k != short_key)
                free(k);
            goto fail;
        }
        if (k != short_key)
            free(k);
        jp_ws(jp);
        if (jp->p < jp->end && *jp->p == ',') {
            jp->p++;
            jp_ws(jp);
            continue;
        }
        if (jp->p < jp->end && *jp->p == '}') {
            jp->p++;
            return obj;
        }
        goto fail;
    }
fail:
    json_decref(obj);
    return NULL;
}

static json_t *jp_array(jp_t *jp)
{
    json_t *arr = json_array(), *v;

    if (arr == NULL)
        return NULL;
    jp->p++;
    jp_ws(jp);
    if (jp->p < jp->end && *jp->p == ']') {
        jp->p++;
        return arr;
    }
    for (;;) {
        v = jp_value(jp);
        if (v == NULL || json_array_append_new(arr, v) != 0)
            break;
        jp_ws(jp);
        if (jp->p < jp->end && *jp->p == ',') {
            jp->p++;
            jp_ws(jp);
            continue;
        }
        if (jp->p < jp->end && *jp->p == ']') {
            jp->p++;
            return arr;
        }
        break;
    }
    json_decref(arr);
    return NULL;
}

static json_t *jp_value(jp_t *jp)
{
    const char *s;
    size_t n;
    json_t *v;

    if (jp->p >= jp->end)
        return NULL;
    /* Every value counts one level, as jansson counts. */
    if (++jp->depth > jp->max_depth)
        return NULL;
    switch (*jp->p) {
    case '{':
        v = jp_object(jp);
        break;
    case '[':
        v = jp_array(jp);
        break;
    case '"':
        v = jp_string(jp, &s, &n) == 0 ? json_stringn_nocheck(s, n) : NULL;
        break;
    case 't':
        v = jp_literal(jp, "true", 4) == 0 ? json_true() : NULL;
        break;
    case 'f':
        v = jp_literal(jp, "false", 5) == 0 ? json_false() : NULL;
        break;
    case 'n':
        v = jp_literal(jp, "null", 4) == 0 ? json_null() : NULL;
        break;
    default:
        v = jp_number(jp);
        break;
    }
    jp->depth--;
    return v;
}

json_t *jsonparse_object(const char *buf, size_t len, int max_depth)
{
    jp_t jp;
    json_t *v = NULL;

    if (buf == NULL || max_depth < 1)
        return NULL;
    jp.p = (const unsigned char *)buf;
    jp.end = jp.p + len;
    jp.depth = 0;
    jp.max_depth = max_depth;
    /* every string and number fits in the input's length */
    if ((jp.scratch = malloc(len + 1)) == NULL)
        return NULL;
    jp_ws(&jp);
    if (jp.p < jp.end && *jp.p == '{')
        v = jp_value(&jp);
    if (v != NULL) {
        jp_ws(&jp);
        if (jp.p != jp.end) {
            json_decref(v);
            v = NULL;
        }
    }
    free(jp.scratch);
    return v;
}
