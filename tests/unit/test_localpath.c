/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/model/localpath.c: local return paths and how much
 * of a long one a sign-in keeps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "model/localpath.h"

static void test_local_paths(void **state)
{
    (void)state;
    assert_true(localpath_ok("/"));
    assert_true(localpath_ok("/a/b?c=d"));
    assert_false(localpath_ok(NULL));
    assert_false(localpath_ok(""));
    assert_false(localpath_ok("//evil.example"));
    assert_false(localpath_ok("/\\evil.example"));
    assert_false(localpath_ok("/\t/evil.example"));
    assert_false(localpath_ok("https://evil.example/"));
}

static void test_fit_keeps_what_fits(void **state)
{
    (void)state;
    assert_int_equal(localpath_fit("/a?b=c", 6), 6);
    assert_int_equal(localpath_fit("/a?b=c", 100), 6);
    assert_int_equal(localpath_fit("/", 1), 1);
}

static void test_fit_drops_the_query(void **state)
{
    (void)state;
    /* "/abc?x=1": 8 bytes, the path 4 */
    assert_int_equal(localpath_fit("/abc?x=1", 7), 4);
    assert_int_equal(localpath_fit("/abc?x=1", 4), 4);
    assert_int_equal(localpath_fit("/?x=1", 2), 1);
}

static void test_fit_gives_up(void **state)
{
    char path[600];

    (void)state;
    assert_int_equal(localpath_fit(NULL, 512), 0);
    assert_int_equal(localpath_fit("/abc?x=1", 3), 0);
    assert_int_equal(localpath_fit("/abcdef", 3), 0);
    memset(path, 'p', sizeof(path) - 1);
    path[0] = '/';
    path[sizeof(path) - 1] = '\0';
    path[550] = '?';
    assert_int_equal(localpath_fit(path, 512), 0);
    assert_int_equal(localpath_fit(path, 550), 550);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_paths),
        cmocka_unit_test(test_fit_keeps_what_fits),
        cmocka_unit_test(test_fit_drops_the_query),
        cmocka_unit_test(test_fit_gives_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
