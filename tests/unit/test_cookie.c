/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/model/cookie.c: Cookie parsing and Set-Cookie building. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "model/cookie.h"

static apr_pool_t *pool;

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

static const char *get(const char *header, const char *name)
{
    return cookie_get(pool, header, name);
}

/* ---- cookie_get ------------------------------------------------------ */

static void test_single(void **state)
{
    (void)state;
    assert_string_equal(get("wos-session=abc", "wos-session"), "abc");
}

static void test_several(void **state)
{
    const char *h = "a=1; wos-session=Fe26.2*1*x~2; b=2";

    (void)state;
    assert_string_equal(get(h, "a"), "1");
    assert_string_equal(get(h, "wos-session"), "Fe26.2*1*x~2");
    assert_string_equal(get(h, "b"), "2");
    assert_null(get(h, "c"));
}

static void test_first_wins(void **state)
{
    (void)state;
    assert_string_equal(get("s=first; s=second", "s"), "first");
}

static void test_spaces_and_tabs(void **state)
{
    (void)state;
    assert_string_equal(get("  a = 1 ;\tb\t=\t2\t", "b"), "2");
    assert_string_equal(get("a=1;b=2", "b"), "2");
    assert_string_equal(get(" a = 1 ", "a"), "1");
}

static void test_quotes(void **state)
{
    (void)state;
    assert_string_equal(get("s=\"quoted\"", "s"), "quoted");
    assert_string_equal(get("s= \"quoted\" ; t=1", "s"), "quoted");
    assert_string_equal(get("s=\"\"", "s"), "");
    /* Only a matching pair is removed. */
    assert_string_equal(get("s=\"half", "s"), "\"half");
    assert_string_equal(get("s=\"", "s"), "\"");
}

/* A name that merely ends or starts with the one asked for is another
 * cookie. */
static void test_prefix_confusion(void **state)
{
    (void)state;
    assert_string_equal(get("xwos-session=1; wos-session=2", "wos-session"),
                        "2");
    assert_string_equal(get("wos-session-x=1; wos-session=2", "wos-session"),
                        "2");
    assert_null(get("xwos-session=1", "wos-session"));
    assert_null(get("wos-session2=1", "wos-session"));
    assert_null(get("wos=1", "wos-session"));
    /* A value holding "name=" is not a cookie of that name. */
    assert_null(get("a=wos-session=1", "wos-session"));
    assert_string_equal(get("a=wos-session=1", "a"), "wos-session=1");
}

static void test_case_sensitive(void **state)
{
    (void)state;
    assert_null(get("WOS-SESSION=1", "wos-session"));
    assert_string_equal(get("WOS-SESSION=1; wos-session=2", "wos-session"),
                        "2");
}

static void test_missing_and_empty(void **state)
{
    (void)state;
    assert_null(get(NULL, "a"));
    assert_null(get("", "a"));
    assert_null(get(";;;", "a"));
    assert_null(get("a", "a"));
    assert_null(get("a=1", NULL));
    assert_null(get("a=1", ""));
    assert_null(get("=1", ""));
    assert_string_equal(get("a=", "a"), "");
    assert_string_equal(get("a=; b=2", "a"), "");
    assert_string_equal(get("junk; a=1", "a"), "1");
    assert_string_equal(get("=x; a=1;", "a"), "1");
}

static void test_oversize(void **state)
{
    char *h = malloc(COOKIE_MAX_HEADER + 2);

    (void)state;
    assert_non_null(h);
    memcpy(h, "a=1; b=", 7);
    memset(h + 7, 'x', COOKIE_MAX_HEADER - 7);
    h[COOKIE_MAX_HEADER] = '\0';
    /* Exactly the limit is examined. */
    assert_string_equal(get(h, "a"), "1");
    assert_int_equal(strlen(get(h, "b")), COOKIE_MAX_HEADER - 7);
    /* One byte more is refused whole, not cut. */
    h[COOKIE_MAX_HEADER] = 'x';
    h[COOKIE_MAX_HEADER + 1] = '\0';
    assert_null(get(h, "a"));
    assert_null(get(h, "b"));
    free(h);
}

/* ---- cookie_set_header ----------------------------------------------- */

static void test_set_all_attributes(void **state)
{
    cookie_attrs_t a = { "example.com", "/app", "Strict", 34560000, 1 };

    (void)state;
    assert_string_equal(cookie_set_header(pool, "wos-session", "v~2", &a),
                        "wos-session=v~2; Domain=example.com; Path=/app; "
                        "Max-Age=34560000; HttpOnly; Secure; SameSite=Strict");
}

static void test_set_defaults(void **state)
{
    cookie_attrs_t a = { NULL, NULL, NULL, 60, 0 };

    (void)state;
    assert_string_equal(cookie_set_header(pool, "s", "v", &a),
                        "s=v; Path=/; Max-Age=60; HttpOnly");
}

static void test_set_same_site_values(void **state)
{
    cookie_attrs_t a = { NULL, "/", "Lax", 1, 1 };

    (void)state;
    assert_string_equal(cookie_set_header(pool, "s", "v", &a),
                        "s=v; Path=/; Max-Age=1; HttpOnly; Secure; SameSite=Lax");
    a.same_site = "None";
    assert_string_equal(cookie_set_header(pool, "s", "v", &a),
                        "s=v; Path=/; Max-Age=1; HttpOnly; Secure; "
                        "SameSite=None");
    a.same_site = "lax";
    assert_null(cookie_set_header(pool, "s", "v", &a));
    a.same_site = "Lax; Domain=evil";
    assert_null(cookie_set_header(pool, "s", "v", &a));
}

static void test_set_large_max_age(void **state)
{
    cookie_attrs_t a = { NULL, "/", NULL, 9000000000LL, 0 };

    (void)state;
    assert_string_equal(cookie_set_header(pool, "s", "v", &a),
                        "s=v; Path=/; Max-Age=9000000000; HttpOnly");
}

static void test_set_clearing(void **state)
{
    cookie_attrs_t a = { "example.com", "/", "Lax", 0, 1 };
    const char *want = "wos-session=; Domain=example.com; Path=/; "
                       "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                       "HttpOnly; Secure; SameSite=Lax";

    (void)state;
    assert_string_equal(cookie_set_header(pool, "wos-session", "old", &a),
                        want);
    assert_string_equal(cookie_set_header(pool, "wos-session", NULL, &a),
                        want);
    a.max_age = -5;
    assert_string_equal(cookie_set_header(pool, "wos-session", "old", &a),
                        want);
}

/* WorkOSCookieMaxAge 0: no Max-Age and no Expires, the value kept. */
static void test_set_session_only(void **state)
{
    cookie_attrs_t a = { NULL, "/", "Lax", COOKIE_SESSION_ONLY, 1 };

    (void)state;
    assert_string_equal(cookie_set_header(pool, "wos-session", "v~2", &a),
                        "wos-session=v~2; Path=/; HttpOnly; Secure; "
                        "SameSite=Lax");
}

/* ---- cookie_get_all -------------------------------------------------- */

static void test_all_in_order(void **state)
{
    apr_array_header_t *all = cookie_get_all(pool,
        "wos-session=sibling; a=1; wos-session=ours; wos-session=\"q\"",
        "wos-session");

    (void)state;
    assert_non_null(all);
    assert_int_equal(all->nelts, 3);
    assert_string_equal(APR_ARRAY_IDX(all, 0, const char *), "sibling");
    assert_string_equal(APR_ARRAY_IDX(all, 1, const char *), "ours");
    assert_string_equal(APR_ARRAY_IDX(all, 2, const char *), "q");
}

static void test_all_bounded_and_missing(void **state)
{
    const char *h = "s=1; s=2; s=3; s=4; s=5; s=6";
    apr_array_header_t *all = cookie_get_all(pool, h, "s");
    char *big;

    (void)state;
    assert_int_equal(all->nelts, COOKIE_MAX_SAME_NAME);
    assert_string_equal(APR_ARRAY_IDX(all, 0, const char *), "1");
    assert_null(cookie_get_all(pool, h, "t"));
    assert_null(cookie_get_all(pool, NULL, "s"));
    assert_null(cookie_get_all(pool, h, ""));
    big = apr_palloc(pool, COOKIE_MAX_HEADER + 8);
    memset(big, 'a', COOKIE_MAX_HEADER + 7);
    memcpy(big, "s=1; x=", 7);
    big[COOKIE_MAX_HEADER + 7] = '\0';
    assert_null(cookie_get_all(pool, big, "s"));
    assert_string_equal(get(h, "s"), "1");
}

/* Nothing that could end the value or add an attribute gets through. */
static void test_set_rejects_injection(void **state)
{
    cookie_attrs_t a = { NULL, "/", "Lax", 10, 1 };
    static const char *const bad_values[] = {
        "a;b", "a b", "a,b", "a\"b", "a\\b", "a\r\nSet-Cookie: x=1", "a\tb",
        "caf\xc3\xa9",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++)
        assert_null(cookie_set_header(pool, "s", bad_values[i], &a));
    assert_null(cookie_set_header(pool, "a=b", "v", &a));
    assert_null(cookie_set_header(pool, "a;b", "v", &a));
    assert_null(cookie_set_header(pool, "", "v", &a));
    assert_null(cookie_set_header(pool, NULL, "v", &a));
    assert_null(cookie_set_header(pool, "s", "v", NULL));
    a.path = "/; Domain=evil";
    assert_null(cookie_set_header(pool, "s", "v", &a));
    a.path = "/\r\n";
    assert_null(cookie_set_header(pool, "s", "v", &a));
    a.path = "/";
    a.domain = "a.com\nX: y";
    assert_null(cookie_set_header(pool, "s", "v", &a));
}

/* A header built here parses back to its value. */
static void test_round_trip(void **state)
{
    cookie_attrs_t a = { NULL, "/", "Lax", 10, 1 };
    const char *v = "Fe26.2*1*abc*-_*x**def*ghi~2";
    const char *h = cookie_set_header(pool, "wos-session", v, &a);
    const char *semi;

    (void)state;
    assert_non_null(h);
    semi = strchr(h, ';');
    assert_string_equal(get(apr_pstrmemdup(pool, h, (size_t)(semi - h)),
                            "wos-session"), v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single),
        cmocka_unit_test(test_several),
        cmocka_unit_test(test_first_wins),
        cmocka_unit_test(test_spaces_and_tabs),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_prefix_confusion),
        cmocka_unit_test(test_case_sensitive),
        cmocka_unit_test(test_missing_and_empty),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_set_all_attributes),
        cmocka_unit_test(test_set_defaults),
        cmocka_unit_test(test_set_same_site_values),
        cmocka_unit_test(test_set_large_max_age),
        cmocka_unit_test(test_set_session_only),
        cmocka_unit_test(test_all_in_order),
        cmocka_unit_test(test_all_bounded_and_missing),
        cmocka_unit_test(test_set_clearing),
        cmocka_unit_test(test_set_rejects_injection),
        cmocka_unit_test(test_round_trip),
    };
    apr_initialize();
    atexit(apr_terminate);
    return cmocka_run_group_tests(tests, setup, teardown);
}
