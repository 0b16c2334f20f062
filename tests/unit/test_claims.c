/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/model/claims.c: finding, matching and passing on claims. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "model/claims.h"

static apr_pool_t *pool;

static const char *CLAIMS =
    "{\"sub\":\"user_1\",\"urn:app:tier\":\"gold\","
    "\"org_meta\":{\"plan\":{\"tier\":\"gold\",\"seats\":25}},"
    "\"org_meta.plan.tier\":\"top\",\"level\":3,\"ratio\":1.5,"
    "\"beta\":true,\"off\":false,\"nothing\":null,"
    "\"groups\":[\"eng\",\"ops\",7,[\"deep\"]],"
    "\"meta\":{\"a\":1,\"b\":[true,null]},"
    "\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":\"x\"}}}}}}}},"
    "\"crlf\":\"a\\r\\nb\",\"tab\":\"a\\tb\",\"nul\":\"a\\u0000b\","
    "\"list_crlf\":[\"ok\",\"x\\ny\"],\"utf8\":\"Zo\\u00eb \\u2603\","
    "\"big\":12345678901234}";

static int setup(void **state)
{
    (void)state;
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    return 0;
}

static json_t *root(void)
{
    json_t *r = claims_load(pool, CLAIMS);
    assert_non_null(r);
    return r;
}

static apr_array_header_t *vals(const char *a, const char *b)
{
    apr_array_header_t *v = apr_array_make(pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(v, const char *) = a;
    if (b)
        APR_ARRAY_PUSH(v, const char *) = b;
    return v;
}

static int match(const char *name, const char *a, const char *b,
                 const char **why)
{
    return claims_match(root(), name, vals(a, b), why);
}

static void test_load_memo_and_bad_text(void **state)
{
    (void)state;
    assert_non_null(claims_load(pool, CLAIMS));
    assert_ptr_equal(claims_load(pool, CLAIMS), claims_load(pool, CLAIMS));
    assert_null(claims_load(pool, NULL));
    assert_null(claims_load(pool, "[1,2]"));
    assert_null(claims_load(pool, "{not json"));
}

static void test_find(void **state)
{
    const json_t *v;
    (void)state;
    assert_int_equal(claims_find(root(), "urn:app:tier", &v), CLAIMS_FOUND);
    assert_string_equal(json_string_value(v), "gold");
    /* the top-level name wins over the path */
    assert_int_equal(claims_find(root(), "org_meta.plan.tier", &v),
                     CLAIMS_FOUND);
    assert_string_equal(json_string_value(v), "top");
    assert_int_equal(claims_find(root(), "org_meta.plan.seats", &v),
                     CLAIMS_FOUND);
    assert_int_equal(json_integer_value(v), 25);
    assert_int_equal(claims_find(root(), "org_meta.nope", &v),
                     CLAIMS_ABSENT);
    assert_int_equal(claims_find(root(), "urn:app:tier.x", &v),
                     CLAIMS_ABSENT);       /* through a string */
    assert_int_equal(claims_find(root(), "missing", &v), CLAIMS_ABSENT);
    assert_int_equal(claims_find(root(), "", &v), CLAIMS_BAD_PATH);
    assert_int_equal(claims_find(root(), "org_meta..tier", &v),
                     CLAIMS_BAD_PATH);
    assert_int_equal(claims_find(root(), "org_meta.", &v), CLAIMS_BAD_PATH);
    assert_int_equal(claims_find(root(), "a.b.c.d.e.f.g.h", &v),
                     CLAIMS_FOUND);        /* 8 levels */
    assert_true(json_is_object(v));
    assert_int_equal(claims_find(root(), "a.b.c.d.e.f.g.h.i", &v),
                     CLAIMS_TOO_DEEP);     /* 9 */
    assert_null(v);
}

/* claims_lookup over the text agrees with claims_find over the parse. */
static void test_lookup_agrees_with_find(void **state)
{
    static const char *names[] = {
        "urn:app:tier", "org_meta.plan.tier", "org_meta.plan.seats",
        "org_meta.plan", "org_meta.nope", "urn:app:tier.x", "missing", "",
        "org_meta..tier", "org_meta.", "a.b.c.d.e.f.g.h",
        "a.b.c.d.e.f.g.h.i", "groups", "meta", "meta.b", "nothing", "nul",
        "utf8", "big", "beta", "ratio",
    };
    char *text = json_dumps(root(), JSON_COMPACT);
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const json_t *a, *b;
        claims_rc ra = claims_find(root(), names[i], &a);
        claims_rc rb = claims_lookup(pool, text, names[i], &b);
        assert_int_equal(ra, rb);
        if (ra == CLAIMS_FOUND)
            assert_true(json_equal((json_t *)a, (json_t *)b));
        /* the spaced-out source text too */
        rb = claims_lookup(pool, CLAIMS, names[i], &b);
        assert_int_equal(ra, rb);
    }
    free(text);
}

static json_t *root_of(void *owner)
{
    return owner;
}

/* An identity whose cache parsed its claims: the parsed object answers,
 * as the text would; without one (or when it did not parse) the text. */
static void test_identity_lookup_agrees(void **state)
{
    static const char *names[] = {
        "urn:app:tier", "org_meta.plan.tier", "org_meta.plan.seats",
        "org_meta.nope", "", "org_meta..tier", "a.b.c.d.e.f.g.h.i",
        "groups", "missing",
    };
    wos_identity_t with, without;
    size_t i;
    (void)state;
    memset(&with, 0, sizeof(with));
    memset(&without, 0, sizeof(without));
    with.claims_json = without.claims_json = CLAIMS;
    with.claims_root = without.claims_root = root_of;
    with.claims_owner = root();
    without.claims_owner = NULL;   /* "did not parse" */
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const json_t *a, *b;
        claims_rc ra = claims_lookup_identity(pool, &with, names[i], &a);
        claims_rc rb = claims_lookup_identity(pool, &without, names[i], &b);
        assert_int_equal(ra, rb);
        assert_int_equal(ra, claims_find(root(), names[i], &b));
        if (ra == CLAIMS_FOUND)
            assert_true(json_equal((json_t *)a, (json_t *)b));
    }
    assert_true(claims_match_identity(pool, &with, "org_meta.plan.tier",
                                      vals("top", NULL), NULL));
    assert_false(claims_match_identity(pool, &with, "urn:app:tier",
                                       vals("silver", NULL), NULL));
}

static void test_lookup_odd_text(void **state)
{
    const json_t *v;
    const char *why;
    (void)state;
    /* an escaped key is decoded before it is compared */
    assert_int_equal(claims_lookup(pool, "{\"t\\u0069er\":\"gold\"}",
                                   "tier", &v), CLAIMS_FOUND);
    assert_string_equal(json_string_value(v), "gold");
    assert_int_equal(claims_lookup(pool, "{\"a\\\"b\":1}", "a\"b", &v),
                     CLAIMS_FOUND);
    /* a key that only looks like it inside a value is not a key */
    assert_int_equal(claims_lookup(pool, "{\"x\":\"\\\"tier\\\":1\"}",
                                   "tier", &v), CLAIMS_ABSENT);
    assert_int_equal(claims_lookup(pool, "{\"x\":{\"tier\":1}}", "tier",
                                   &v), CLAIMS_ABSENT);
    assert_int_equal(claims_lookup(pool, "{\"x\":[1,{\"y\":2}],\"tier\":3}",
                                   "tier", &v), CLAIMS_FOUND);
    assert_int_equal(json_integer_value(v), 3);
    /* broken text: never found, never a crash */
    assert_int_equal(claims_lookup(pool, "{\"tier\":", "tier", &v),
                     CLAIMS_ABSENT);
    assert_int_equal(claims_lookup(pool, "{\"tier\" 1}", "tier", &v),
                     CLAIMS_ABSENT);
    assert_int_equal(claims_lookup(pool, "[\"tier\"]", "tier", &v),
                     CLAIMS_ABSENT);
    assert_int_equal(claims_lookup(pool, "{\"x\":[[[[", "tier", &v),
                     CLAIMS_ABSENT);
    assert_int_equal(claims_lookup(pool, "", "tier", &v), CLAIMS_ABSENT);
    assert_int_equal(claims_lookup(pool, NULL, "tier", &v), CLAIMS_ABSENT);
    assert_int_equal(claims_lookup(pool, "{}", "", &v), CLAIMS_BAD_PATH);
    assert_true(claims_match_text(pool, CLAIMS, "groups", vals("ops", NULL),
                                  &why));
    assert_false(claims_match_text(pool, CLAIMS, "meta", vals("x", NULL),
                                   &why));
    assert_non_null(strstr(why, "object"));
    assert_false(claims_match_text(pool, CLAIMS, "a.b.c.d.e.f.g.h.i",
                                   vals("x", NULL), &why));
    assert_non_null(strstr(why, "deeper than 8"));
}

static void test_match_kinds(void **state)
{
    const char *why;
    (void)state;
    assert_true(match("urn:app:tier", "silver", "gold", &why));
    assert_false(match("urn:app:tier", "Gold", NULL, &why));
    assert_false(match("urn:app:tier", "gol", NULL, &why));
    assert_true(match("level", "3", NULL, &why));
    assert_false(match("level", "03", NULL, &why));
    assert_false(match("level", "3.0", NULL, &why));
    assert_true(match("big", "12345678901234", NULL, &why));
    assert_true(match("ratio", "1.5", NULL, &why));
    assert_true(match("ratio", "1.50", NULL, &why));
    assert_false(match("ratio", "1.5x", NULL, &why));
    assert_false(match("ratio", "inf", NULL, &why));
    assert_true(match("beta", "true", NULL, &why));
    assert_false(match("beta", "TRUE", NULL, &why));
    assert_true(match("off", "false", NULL, &why));
    assert_false(match("nothing", "null", NULL, &why));
    assert_true(match("groups", "ops", NULL, &why));
    assert_true(match("groups", "7", NULL, &why));
    assert_true(match("groups", "deep", NULL, &why));
    assert_false(match("groups", "eng,ops", NULL, &why));
    assert_true(match("org_meta.plan.seats", "25", NULL, &why));
    assert_true(match("utf8", "Zo\xc3\xab \xe2\x98\x83", NULL, &why));
}

static void test_match_refusals_say_why(void **state)
{
    const char *why;
    (void)state;
    assert_false(match("meta", "x", NULL, &why));
    assert_non_null(why);
    assert_non_null(strstr(why, "object"));
    assert_false(match("a.b.c.d.e.f.g.h.i", "x", NULL, &why));
    assert_non_null(strstr(why, "deeper than 8"));
    assert_false(match("missing", "x", NULL, &why));
    assert_string_equal(why, "no such claim");
    /* a NUL inside a string never equals the text before it */
    assert_false(match("nul", "a", NULL, &why));
    assert_false(claims_match(NULL, "x", vals("x", NULL), &why));
    assert_false(claims_match(root(), "urn:app:tier", NULL, &why));
}

static void test_nested_array_bound(void **state)
{
    json_t *deep = json_string("x");
    const char *why = NULL;
    int i;
    (void)state;
    for (i = 0; i < CLAIMS_MAX_DEPTH; i++)
        deep = json_pack("[o]", deep);
    assert_true(claims_value_matches(deep, "x", &why));
    deep = json_pack("[o]", deep);
    assert_false(claims_value_matches(deep, "x", &why));
    assert_non_null(why);
    json_decref(deep);
}

static const char *text_of(const char *name, const char **why)
{
    const json_t *v;
    if (claims_find(root(), name, &v) != CLAIMS_FOUND)
        return NULL;
    return claims_text(pool, v, why);
}

static void test_text(void **state)
{
    const char *why;
    (void)state;
    assert_string_equal(text_of("urn:app:tier", &why), "gold");
    assert_string_equal(text_of("level", &why), "3");
    assert_string_equal(text_of("ratio", &why), "1.5");
    assert_string_equal(text_of("beta", &why), "true");
    assert_string_equal(text_of("groups", &why), "eng,ops,7,[\"deep\"]");
    assert_string_equal(text_of("meta", &why), "{\"a\":1,\"b\":[true,null]}");
    assert_string_equal(text_of("utf8", &why), "Zo\xc3\xab \xe2\x98\x83");
    assert_null(text_of("nothing", &why));
    assert_null(why);
}

static void test_text_refuses_unsafe(void **state)
{
    const char *why;
    json_t *bad;
    (void)state;
    assert_null(text_of("crlf", &why));
    assert_non_null(strstr(why, "control"));
    assert_null(text_of("tab", &why));
    assert_null(text_of("nul", &why));
    assert_non_null(why);
    assert_null(text_of("list_crlf", &why));
    assert_non_null(why);
    bad = json_stringn_nocheck("caf\xe9", 4);   /* Latin-1, not UTF-8 */
    assert_null(claims_text(pool, bad, &why));
    assert_non_null(strstr(why, "UTF-8"));
    json_decref(bad);
    bad = json_pack("[s,o]", "ok", json_stringn_nocheck("\xc0\xaf", 2));
    assert_null(claims_text(pool, bad, &why));
    json_decref(bad);
}

static void test_text_bound(void **state)
{
    char *big = malloc(CLAIMS_MAX_TEXT + 2);
    json_t *v;
    const char *why;
    (void)state;
    memset(big, 'a', CLAIMS_MAX_TEXT + 1);
    big[CLAIMS_MAX_TEXT + 1] = '\0';
    v = json_string(big);
    assert_null(claims_text(pool, v, &why));
    assert_non_null(strstr(why, "long"));
    json_decref(v);
    big[CLAIMS_MAX_TEXT] = '\0';
    v = json_string(big);
    assert_non_null(claims_text(pool, v, &why));
    json_decref(v);
    free(big);
}

static void test_scalar_text(void **state)
{
    const json_t *v;
    const char *why;
    (void)state;
    claims_find(root(), "urn:app:tier", &v);
    assert_string_equal(claims_scalar_text(pool, v, &why), "gold");
    claims_find(root(), "level", &v);
    assert_string_equal(claims_scalar_text(pool, v, &why), "3");
    claims_find(root(), "groups", &v);
    assert_null(claims_scalar_text(pool, v, &why));
    assert_non_null(why);
    claims_find(root(), "beta", &v);
    assert_null(claims_scalar_text(pool, v, &why));
    claims_find(root(), "crlf", &v);
    assert_null(claims_scalar_text(pool, v, &why));
    assert_null(claims_scalar_text(pool, NULL, &why));
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(claims_utf8_ok("plain", 5));
    assert_true(claims_utf8_ok("\xf0\x9f\x98\x80", 4));
    assert_false(claims_utf8_ok("\xf0\x9f\x98", 3));        /* truncated */
    assert_false(claims_utf8_ok("\xe0\x80\xaf", 3));        /* overlong */
    assert_false(claims_utf8_ok("\xed\xa0\x80", 3));        /* surrogate */
    assert_false(claims_utf8_ok("\xf4\x90\x80\x80", 4));    /* > U+10FFFF */
    assert_false(claims_utf8_ok("\xff", 1));
    assert_false(claims_utf8_ok("\x80", 1));
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(claims_var_name(pool, "urn:app:tier"),
                        "WORKOS_CLAIM_URN_APP_TIER");
    assert_string_equal(claims_var_name(pool, "org_meta.plan"),
                        "WORKOS_CLAIM_ORG_META_PLAN");
    assert_string_equal(claims_header_name(pool, "urn:app:tier"),
                        "X-WorkOS-Claim-urn-app-tier");
    assert_string_equal(claims_header_name(pool, "MY_VAR"),
                        "X-WorkOS-Claim-MY-VAR");
    assert_string_equal(claims_header_name(pool, "a\r\nb: c"),
                        "X-WorkOS-Claim-a--b--c");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_memo_and_bad_text),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_lookup_agrees_with_find),
        cmocka_unit_test(test_lookup_odd_text),
        cmocka_unit_test(test_identity_lookup_agrees),
        cmocka_unit_test(test_match_kinds),
        cmocka_unit_test(test_match_refusals_say_why),
        cmocka_unit_test(test_nested_array_bound),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_text_refuses_unsafe),
        cmocka_unit_test(test_text_bound),
        cmocka_unit_test(test_scalar_text),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_names),
    };
    apr_initialize();
    return cmocka_run_group_tests(tests, setup, teardown);
}
