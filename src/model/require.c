/* SPDX-License-Identifier: Apache-2.0 */
/* workos-* Require lines: parsing the values (once, at config time) and
 * matching them against an identity (on every request). */
#include "model/require.h"

#include <string.h>

#include <apr_strings.h>

static int require_is_space(char c)
{
    return c == ' ' || c == '\t';
}

static int require_is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/* Reads one value starting at *pos into *out (pool copy) and advances
 * *pos past it. Quotes only open a value at its start, as in httpd's own
 * config words; there are no escapes, since role and permission slugs
 * never need them. Returns NULL or a static error. */
static const char *require_word(apr_pool_t *p, const char **pos,
                                const char **out)
{
    const char *s = *pos, *start, *end;
    char quote = 0;

    if (*s == '"' || *s == '\'')
        quote = *s++;
    start = s;
    if (quote) {
        end = strchr(start, quote);
        if (end == NULL)
            return "unterminated quote in Require value";
        s = end + 1;
        if (*s != '\0' && !require_is_space(*s))
            return "text directly after a closing quote in Require value";
    } else {
        for (end = start; *end != '\0' && !require_is_space(*end); end++)
            ;
        s = end;
    }
    if (end == start)
        return "empty Require value";
    *out = apr_pstrmemdup(p, start, (apr_size_t)(end - start));
    *pos = s;
    return NULL;
}

/* Control characters could never match a claim (identity.c drops such
 * strings) and usually mean a config file mangled by an editor. */
static int require_has_control(const char *s)
{
    for (; *s != '\0'; s++) {
        if (require_is_control((unsigned char)*s))
            return 1;
    }
    return 0;
}

static const char *require_split(apr_pool_t *p, const char *line,
                                 apr_array_header_t *values)
{
    const char *pos = line, *word, *err;

    for (;;) {
        while (require_is_space(*pos))
            pos++;
        if (*pos == '\0')
            return NULL;
        if (values->nelts >= REQUIRE_MAX_VALUES)
            return "too many values on one Require line";
        err = require_word(p, &pos, &word);
        if (err != NULL)
            return err;
        if (require_has_control(word))
            return "control character in Require value";
        APR_ARRAY_PUSH(values, const char *) = word;
    }
}

apr_array_header_t *require_parse(apr_pool_t *p, const char *line,
                                  const char **err)
{
    apr_array_header_t *values;
    const char *dummy, *e;

    if (err == NULL)
        err = &dummy;
    if (line == NULL) {
        *err = "Require line needs at least one value";
        return NULL;
    }
    if (strlen(line) > REQUIRE_MAX_LINE) {
        *err = "Require line too long";
        return NULL;
    }
    values = apr_array_make(p, 4, sizeof(const char *));
    e = require_split(p, line, values);
    if (e == NULL && values->nelts == 0)
        e = "Require line needs at least one value";
    if (e != NULL) {
        *err = e;
        return NULL;
    }
    return values;
}

static int require_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int require_in_list(const apr_array_header_t *list, const char *v)
{
    int i;

    if (list == NULL)
        return 0;
    for (i = 0; i < list->nelts; i++) {
        if (require_eq(APR_ARRAY_IDX(list, i, const char *), v))
            return 1;
    }
    return 0;
}

static int require_match_one(require_kind_t kind, const char *v,
                             const wos_identity_t *id)
{
    switch (kind) {
    case REQ_PERMISSION:
        return require_in_list(id->permissions, v);
    case REQ_ROLE:
        return require_eq(id->role, v) || require_in_list(id->roles, v);
    case REQ_ORG:
        return require_eq(id->org_id, v);
    case REQ_ENTITLEMENT:
        return require_in_list(id->entitlements, v);
    case REQ_FEATURE_FLAG:
        return require_in_list(id->feature_flags, v);
    }
    return 0;
}

int require_match(require_kind_t kind, const apr_array_header_t *values,
                  const wos_identity_t *id)
{
    int i;

    if (id == NULL || values == NULL)
        return 0;
    for (i = 0; i < values->nelts; i++) {
        if (require_match_one(kind, APR_ARRAY_IDX(values, i, const char *),
                              id))
            return 1;
    }
    return 0;
}
