/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/codec/word.c: the one [A-Za-z0-9_]{1,N} check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "codec/word.h"

static void test_words_accepted(void **state)
{
    (void)state;
    assert_true(word_valid("org_01ABC", 64));
    assert_true(word_valid("a", 1));
    assert_true(word_valid("ZZ_09", 0));
    assert_true(word_chars("abc_XYZ_019", 11));
    assert_true(word_chars("", 0));
}

static void test_words_refused(void **state)
{
    (void)state;
    assert_false(word_valid(NULL, 64));
    assert_false(word_valid("", 64));
    assert_false(word_valid("", 0));
    assert_false(word_valid("org-1", 64));
    assert_false(word_valid("org 1", 64));
    assert_false(word_valid("org.1", 64));
    assert_false(word_valid("\xc3\xa9t\xc3\xa9", 64));
    assert_false(word_chars("ab\0cd", 5));
    assert_false(word_chars("ab/cd", 5));
}

static void test_bound_is_inclusive(void **state)
{
    char s[70];

    (void)state;
    memset(s, 'a', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    s[64] = '\0';
    assert_true(word_valid(s, 64));
    s[64] = 'a';
    s[65] = '\0';
    assert_false(word_valid(s, 64));
    assert_true(word_valid(s, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_accepted),
        cmocka_unit_test(test_words_refused),
        cmocka_unit_test(test_bound_is_inclusive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
