/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/model/cookie_strip.c: WorkOSStripCookies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <apr_general.h>

#include "model/cookie_strip.h"

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

static const char *strip(const char *h)
{
    return cookie_strip(pool, h, "wos-session", "wos-auth-verifier");
}

static void test_removes_ours_keeps_the_rest(void **state)
{
    (void)state;
    assert_string_equal(strip("a=1; wos-session=xyz; b=2"), "a=1; b=2");
    assert_string_equal(strip("wos-session=xyz; a=1"), "a=1");
    assert_string_equal(strip("a=1; wos-session=xyz"), "a=1");
    assert_string_equal(strip("a=1;wos-auth-verifier-0a1b2c3d=s; b=2"),
                        "a=1; b=2");
    assert_string_equal(strip("wos-auth-verifier=s;a=1"), "a=1");
    assert_string_equal(strip(" wos-session = xyz ;a=1"), "a=1");
}

static void test_other_bytes_untouched(void **state)
{
    (void)state;
    assert_string_equal(strip("a=\"q r\" ;  b=  2;c=3;wos-session=x"),
                        "a=\"q r\" ;  b=  2;c=3");
    assert_string_equal(strip("x=1; wos-sessionx=2; my-wos-session=3"),
                        "x=1; wos-sessionx=2; my-wos-session=3");
    assert_string_equal(strip("WOS-SESSION=1; wos-auth=2"),
                        "WOS-SESSION=1; wos-auth=2");
    assert_string_equal(strip("flag; a=1; wos-session=x; =v"),
                        "flag; a=1; =v");
}

static void test_nothing_removed_returns_header(void **state)
{
    const char *h = "a=1; b=2";
    (void)state;
    assert_ptr_equal(strip(h), h);
    h = "";
    assert_ptr_equal(strip(h), h);
}

static void test_all_ours_leaves_nothing(void **state)
{
    (void)state;
    assert_null(strip("wos-session=x"));
    assert_null(strip("wos-session=x; wos-auth-verifier-1=y"));
    assert_null(strip(NULL));
}

static void test_other_cookie_name(void **state)
{
    (void)state;
    assert_string_equal(cookie_strip(pool, "app=1; wos-session=2; s=3",
                                     "s", NULL),
                        "app=1; wos-session=2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_removes_ours_keeps_the_rest),
        cmocka_unit_test(test_other_bytes_untouched),
        cmocka_unit_test(test_nothing_removed_returns_header),
        cmocka_unit_test(test_all_ours_leaves_nothing),
        cmocka_unit_test(test_other_cookie_name),
    };
    apr_initialize();
    return cmocka_run_group_tests(tests, setup, teardown);
}
