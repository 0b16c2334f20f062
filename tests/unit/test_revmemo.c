/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the per-process revocation memo. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <apr_general.h>
#include "store/revmemo.h"

static apr_pool_t *pool;

static void test_remembers(void **state)
{
    revmemo_t *m = revmemo_create(pool, 100);
    unsigned long e;
    long long v = -1;

    (void)state;
    assert_int_equal(revmemo_get(m, "k", &v, &e), -1);
    revmemo_put(m, "k", 0, 0, e);
    assert_int_equal(revmemo_get(m, "k", &v, &e), 0);
    revmemo_put(m, "r", 1, 1234, e);
    assert_int_equal(revmemo_get(m, "r", &v, &e), 1);
    assert_int_equal(v, 1234);
    revmemo_put(m, "z", 1, 0, e);
    assert_int_equal(revmemo_get(m, "z", &v, &e), 1);
    assert_int_equal(v, 0);
}

/* The race of issue 12.10: a lookup read "not revoked" from the shared
 * store, a revocation was then recorded and cleared the memo, and only
 * after that does the lookup write what it read. The stale "not revoked"
 * must not stay in the memo. */
static void test_stale_answer_after_clear_is_dropped(void **state)
{
    revmemo_t *m = revmemo_create(pool, 100);
    unsigned long before, now;
    long long v;

    (void)state;
    assert_int_equal(revmemo_get(m, "sid", &v, &before), -1);
    /* ... the shared read happens here, and says "not revoked" ... */
    revmemo_clear(m);                    /* a revocation was recorded */
    revmemo_put(m, "sid", 0, 0, before); /* the late write */
    assert_int_equal(revmemo_get(m, "sid", &v, &now), -1);
    assert_true(now != before);
    /* read again under the new epoch: that answer is kept */
    revmemo_put(m, "sid", 1, 0, now);
    assert_int_equal(revmemo_get(m, "sid", &v, &now), 1);
}

static void test_clear_forgets(void **state)
{
    revmemo_t *m = revmemo_create(pool, 100);
    unsigned long e;
    long long v;

    (void)state;
    revmemo_get(m, "a", &v, &e);
    revmemo_put(m, "a", 0, 0, e);
    revmemo_clear(m);
    assert_int_equal(revmemo_get(m, "a", &v, &e), -1);
}

static void test_bounded(void **state)
{
    revmemo_t *m = revmemo_create(pool, 3);
    unsigned long e;
    long long v;

    (void)state;
    revmemo_get(m, "a", &v, &e);
    revmemo_put(m, "a", 0, 0, e);
    revmemo_put(m, "b", 0, 0, e);
    revmemo_put(m, "c", 0, 0, e);
    revmemo_put(m, "d", 0, 0, e);   /* full: starts again */
    assert_int_equal(revmemo_get(m, "a", &v, &e), -1);
    assert_int_equal(revmemo_get(m, "d", &v, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remembers),
        cmocka_unit_test(test_stale_answer_after_clear_is_dropped),
        cmocka_unit_test(test_clear_forgets),
        cmocka_unit_test(test_bounded),
    };
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
