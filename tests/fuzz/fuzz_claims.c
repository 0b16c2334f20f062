/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the claim-path matcher and claim-to-text conversion
 * (src/model/claims.c). The input is a claim name or dotted path, a newline,
 * then a claims document (JSON, as an access token's payload).
 *
 * Properties: nothing crashes or leaks; a path found is at most
 * CLAIMS_MAX_DEPTH segments (or the exact top-level name); a string claim
 * without NUL matches its own text, and an object never matches; text
 * for the environment is bounded, valid UTF-8 and free of control
 * characters; variable and header names hold only safe characters;
 * claims_lookup, which scans the text, agrees with claims_find over the
 * parsed document (for the compact text identities carry, nested no
 * deeper than its skipper follows), and never crashes on any text. */
#include <string.h>

#include "fuzz_common.h"
#include "model/claims.h"

static int fuzz_segments(const char *name)
{
    int n = 1;

    for (; *name; name++)
        n += *name == '.';
    return n;
}

static void fuzz_check_text(const char *t)
{
    const char *c;

    if (t == NULL)
        return;
    FUZZ_CHECK(strlen(t) <= CLAIMS_MAX_TEXT);
    FUZZ_CHECK(claims_utf8_ok(t, strlen(t)));
    for (c = t; *c; c++)
        FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
}

static void fuzz_check_names(apr_pool_t *p, const char *name)
{
    const char *v = claims_var_name(p, name), *h, *c;

    FUZZ_CHECK(strncmp(v, "WORKOS_CLAIM_", 13) == 0);
    for (c = v; *c; c++)
        FUZZ_CHECK((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
                   || *c == '_');
    h = claims_header_name(p, name);
    FUZZ_CHECK(strncmp(h, "X-WorkOS-Claim-", 15) == 0);
    for (c = h; *c; c++)
        FUZZ_CHECK((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z')
                   || (*c >= '0' && *c <= '9') || *c == '-');
}

static int fuzz_depth(const json_t *v, int d)
{
    size_t i;
    const char *k;
    json_t *m;
    int best = d;

    if (d > 40)
        return d;
    if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++) {
            int x = fuzz_depth(json_array_get(v, i), d + 1);
            best = x > best ? x : best;
        }
    } else if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, m) {
            int x = fuzz_depth(m, d + 1);
            best = x > best ? x : best;
        }
    }
    return best;
}

static void fuzz_check_lookup(apr_pool_t *p, const json_t *claims,
                              const char *name, const char *doc)
{
    const json_t *a = NULL, *b = NULL;
    claims_rc ra, rb;
    char *text;

    (void)claims_lookup(p, doc, name, &b);
    if (claims == NULL || fuzz_depth(claims, 0) > 32)
        return;
    text = json_dumps(claims, JSON_COMPACT);
    if (text == NULL)
        return;
    ra = claims_find(claims, name, &a);
    rb = claims_lookup(p, text, name, &b);
    FUZZ_CHECK(ra == rb);
    if (ra == CLAIMS_FOUND)
        FUZZ_CHECK(json_equal((json_t *)a, (json_t *)b));
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *input = fuzz_cstr(data, size);
    char *nl = strchr(input, '\n');
    const char *name = input, *doc = nl ? nl + 1 : "{}", *why = NULL;
    const json_t *claims, *v = NULL;
    apr_array_header_t *vals = apr_array_make(p, 2, sizeof(const char *));
    claims_rc rc;

    if (nl)
        *nl = '\0';
    fuzz_check_names(p, name);
    claims = claims_load(p, doc);
    fuzz_check_lookup(p, claims, name, doc);
    rc = claims_find(claims, name, &v);
    FUZZ_CHECK((rc == CLAIMS_FOUND) == (v != NULL));
    if (rc == CLAIMS_FOUND && json_object_get(claims, name) != v)
        FUZZ_CHECK(fuzz_segments(name) <= CLAIMS_MAX_DEPTH);
    if (rc == CLAIMS_FOUND) {
        const char *t = claims_text(p, v, &why);
        fuzz_check_text(t);
        FUZZ_CHECK(t != NULL || why != NULL || json_is_null(v));
        fuzz_check_text(claims_scalar_text(p, v, &why));
        if (json_is_string(v)
            && strlen(json_string_value(v)) == json_string_length(v)) {
            APR_ARRAY_PUSH(vals, const char *) = json_string_value(v);
            FUZZ_CHECK(claims_match(claims, name, vals, &why) == 1);
        }
        if (json_is_object(v)) {
            APR_ARRAY_PUSH(vals, const char *) = "x";
            FUZZ_CHECK(claims_match(claims, name, vals, &why) == 0);
        }
    }
    /* the document's own text as a value: never a crash */
    APR_ARRAY_PUSH(vals, const char *) = doc;
    (void)claims_match(claims, name, vals, &why);
    free(input);
    fuzz_end(p);
    return 0;
}
