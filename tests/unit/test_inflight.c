/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the table of credentials being verified (inflight.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <apr_general.h>
#include "store/inflight.h"

#define HOLD 200

static apr_pool_t *pool;

/* A key for slot `slot` whose tag bytes are `tag`. */
static void key_of(unsigned char k[16], unsigned int slot, unsigned int tag)
{
    memset(k, 0xab, 16);
    k[8] = (unsigned char)(slot >> 24);
    k[9] = (unsigned char)(slot >> 16);
    k[10] = (unsigned char)(slot >> 8);
    k[11] = (unsigned char)slot;
    k[12] = (unsigned char)(tag >> 24);
    k[13] = (unsigned char)(tag >> 16);
    k[14] = (unsigned char)(tag >> 8);
    k[15] = (unsigned char)tag;
}

static void test_one_claims_the_rest_wait(void **state)
{
    inflight_t *t = inflight_create(pool, 64);
    unsigned char a[16], b[16];

    (void)state;
    assert_non_null(t);
    key_of(a, 3, 0x1000);
    key_of(b, 3, 0x2000);     /* same slot, another credential */
    assert_int_equal(inflight_claim(t, a, 1000000, HOLD), INFLIGHT_MINE);
    assert_int_equal(inflight_claim(t, a, 1000001, HOLD), INFLIGHT_BUSY);
    assert_true(inflight_held(t, a, 1000001));
    /* the slot is taken: the other one goes without, never waits */
    assert_int_equal(inflight_claim(t, b, 1000001, HOLD), INFLIGHT_NONE);
    assert_false(inflight_held(t, b, 1000001));
    inflight_release(t, a, 1000000, HOLD);
    assert_false(inflight_held(t, a, 1000002));
    assert_int_equal(inflight_claim(t, b, 1000002, HOLD), INFLIGHT_MINE);
}

/* A holder that died frees the slot at its deadline; its late release
 * does not free the claim someone made since. */
static void test_a_claim_lapses(void **state)
{
    inflight_t *t = inflight_create(pool, 64);
    unsigned char a[16];

    (void)state;
    key_of(a, 5, 0x77);
    assert_int_equal(inflight_claim(t, a, 5000, HOLD), INFLIGHT_MINE);
    assert_int_equal(inflight_claim(t, a, 5000 + HOLD - 1, HOLD),
                     INFLIGHT_BUSY);
    assert_false(inflight_held(t, a, 5000 + HOLD));
    assert_int_equal(inflight_claim(t, a, 5000 + HOLD, HOLD), INFLIGHT_MINE);
    inflight_release(t, a, 5000, HOLD);            /* the first, too late */
    assert_true(inflight_held(t, a, 5000 + HOLD + 1));
    inflight_release(t, a, 5000 + HOLD, HOLD);
    assert_false(inflight_held(t, a, 5000 + HOLD + 1));
}

/* The deadline is kept in 32 bits: across the wrap it still lapses, and
 * a claim made just before the wrap still holds just after it. */
static void test_wrap(void **state)
{
    inflight_t *t = inflight_create(pool, 64);
    unsigned char a[16];
    apr_uint64_t near = 0xFFFFFFFFull - 50;

    (void)state;
    key_of(a, 9, 0x4242);
    assert_int_equal(inflight_claim(t, a, near, HOLD), INFLIGHT_MINE);
    assert_true(inflight_held(t, a, near + 100));
    assert_false(inflight_held(t, a, near + HOLD));
    assert_false(inflight_held(t, a, near + HOLD + 100000));
}

/* Each claim lasts as long as its own check may take (a virtual host's
 * WorkOSHTTPTimeout), up to the table's longest hold, and is released by
 * the same length it was made with. */
static void test_claims_of_other_lengths(void **state)
{
    inflight_t *t = inflight_create(pool, 64);
    unsigned char a[16], b[16];
    apr_uint64_t at = 100000;

    (void)state;
    key_of(a, 3, 0x31);
    key_of(b, 4, 0x32);
    assert_int_equal(inflight_claim(t, a, at, 6000), INFLIGHT_MINE);
    assert_true(inflight_held(t, a, at + 5999));
    assert_false(inflight_held(t, a, at + 6000));
    inflight_release(t, a, at, 6000);
    assert_false(inflight_held(t, a, at + 1));
    /* a longer hold than the table allows is cut to it */
    assert_int_equal(inflight_claim(t, b, at, 0xFFFFFFFFu), INFLIGHT_MINE);
    assert_true(inflight_held(t, b, at + INFLIGHT_HOLD_MAX_MS - 1));
    assert_false(inflight_held(t, b, at + INFLIGHT_HOLD_MAX_MS));
    inflight_release(t, b, at, 0xFFFFFFFFu);
    assert_false(inflight_held(t, b, at + 1));
}

/* Another process sees the claim: the table is shared memory. */
static void test_shared_between_processes(void **state)
{
    inflight_t *t = inflight_create(pool, 64);
    unsigned char a[16];
    pid_t pid;
    int status = 0;

    (void)state;
    key_of(a, 1, 0x99);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        _exit(inflight_claim(t, a, 7000, HOLD) == INFLIGHT_MINE ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(inflight_claim(t, a, 7001, HOLD), INFLIGHT_BUSY);
}

static void test_bad_sizes_and_no_table(void **state)
{
    unsigned char a[16];

    (void)state;
    key_of(a, 1, 1);
    assert_null(inflight_create(pool, 0));
    assert_null(inflight_create(pool, 100));
    assert_int_equal(inflight_claim(NULL, a, 1, HOLD), INFLIGHT_NONE);
    assert_false(inflight_held(NULL, a, 1));
    inflight_release(NULL, a, 1, HOLD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_claims_the_rest_wait),
        cmocka_unit_test(test_a_claim_lapses),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_claims_of_other_lengths),
        cmocka_unit_test(test_shared_between_processes),
        cmocka_unit_test(test_bad_sizes_and_no_table),
    };
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
