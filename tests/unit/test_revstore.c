/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the shared revocation table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <apr_general.h>
#include "store/revstore.h"

static apr_pool_t *pool;

static void test_put_get_expire(void **state)
{
    revstore_t *s = revstore_create(pool, 1024);
    long long v = -1;

    (void)state;
    assert_non_null(s);
    assert_int_equal(revstore_get(s, "env:sid:session_1", 100, &v), 0);
    assert_int_equal(revstore_put(s, "env:sid:session_1", 0, 200, 100), 0);
    assert_int_equal(revstore_get(s, "env:sid:session_1", 150, &v), 1);
    assert_int_equal(v, 0);
    /* another environment's name is another record */
    assert_int_equal(revstore_get(s, "other:sid:session_1", 150, &v), 0);
    assert_int_equal(revstore_get(s, "env:sid:session_1", 200, &v), 0);
}

static void test_value_and_expiry_only_grow(void **state)
{
    revstore_t *s = revstore_create(pool, 1024);
    long long v = 0;

    (void)state;
    assert_int_equal(revstore_put(s, "env:role:user_1", 50, 300, 100), 0);
    assert_int_equal(revstore_put(s, "env:role:user_1", 40, 200, 100), 0);
    assert_int_equal(revstore_get(s, "env:role:user_1", 250, &v), 1);
    assert_int_equal(v, 50);
    assert_int_equal(revstore_put(s, "env:role:user_1", 70, 200, 100), 0);
    assert_int_equal(revstore_get(s, "env:role:user_1", 150, &v), 1);
    assert_int_equal(v, 70);
}

static void test_generation_counts_puts(void **state)
{
    revstore_t *s = revstore_create(pool, 1024);
    unsigned int g = revstore_generation(s);

    (void)state;
    assert_int_equal(revstore_put(s, "a", 0, 200, 100), 0);
    assert_true(revstore_generation(s) != g);
}

/* Live entries are never pushed out: a full table refuses, and takes new
 * records again once entries expire. */
static void test_full_refuses_then_reuses_expired(void **state)
{
    revstore_t *s = revstore_create(pool, REVSTORE_PROBE);
    char name[32];
    long long v;
    int i;

    (void)state;
    for (i = 0; i < REVSTORE_PROBE; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        assert_int_equal(revstore_put(s, name, 0, 200, 100), 0);
    }
    assert_int_equal(revstore_put(s, "one-more", 0, 200, 100), -1);
    for (i = 0; i < REVSTORE_PROBE; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        assert_int_equal(revstore_get(s, name, 150, &v), 1);
    }
    assert_int_equal(revstore_put(s, "one-more", 0, 400, 300), 0);
    assert_int_equal(revstore_get(s, "one-more", 350, &v), 1);
}

/* What a forked child records, the parent (and its other children) see. */
static void test_shared_across_fork(void **state)
{
    revstore_t *s = revstore_create(pool, 1024);
    long long v;
    pid_t pid;
    int status;

    (void)state;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        _exit(revstore_put(s, "env:user:user_9", 7, 200, 100) == 0 ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(revstore_get(s, "env:user:user_9", 150, &v), 1);
    assert_int_equal(v, 7);
}

static int count_live(void *baton, const char *hex, long long value,
                      long long until)
{
    char want[33];

    assert_int_equal(revstore_hash_hex("env:sid:s2", want), 0);
    if (strcmp(hex, want) == 0) {
        assert_int_equal(value, 3);
        assert_int_equal(until, 300);
    }
    (*(int *)baton)++;
    return 0;
}

/* The table can be published again without the names it was given. */
static void test_each_and_unshared(void **state)
{
    revstore_t *s = revstore_create(pool, 1024);
    char a[33], b[33];
    int n = 0;

    (void)state;
    assert_int_equal(revstore_put(s, "env:sid:s1", 0, 200, 100), 0);
    assert_int_equal(revstore_put(s, "env:sid:s2", 3, 300, 100), 0);
    assert_int_equal(revstore_each(s, 150, count_live, &n), 0);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(revstore_each(s, 250, count_live, &n), 0);
    assert_int_equal(n, 1);   /* s1 expired */
    assert_int_equal(revstore_hash_hex("env:sid:s1", a), 0);
    assert_int_equal(revstore_hash_hex("other:sid:s1", b), 0);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    assert_false(revstore_take_unshared(s));
    revstore_mark_unshared(s);
    assert_true(revstore_take_unshared(s));
    assert_false(revstore_take_unshared(s));
}

static void test_bad_sizes(void **state)
{
    (void)state;
    assert_null(revstore_create(pool, 1000));
    assert_null(revstore_create(pool, REVSTORE_PROBE / 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_expire),
        cmocka_unit_test(test_value_and_expiry_only_grow),
        cmocka_unit_test(test_generation_counts_puts),
        cmocka_unit_test(test_full_refuses_then_reuses_expired),
        cmocka_unit_test(test_shared_across_fork),
        cmocka_unit_test(test_each_and_unshared),
        cmocka_unit_test(test_bad_sizes),
    };
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
