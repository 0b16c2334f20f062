/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/codec/crypto.c's keyed hash, which names the
 * workos-access entries of the shared cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>

#include "codec/crypto.h"

static apr_pool_t *pool;

/* RFC 4231, test case 2 */
static void test_hmac_sha256_known_answer(void **state)
{
    const char *h = crypto_hmac_sha256_hex(pool,
                                           (const unsigned char *)"Jefe", 4,
                                           "what do ya want for nothing?",
                                           28);

    (void)state;
    assert_non_null(h);
    assert_string_equal(h, "5bdcc146bf60754e6a042426089575c7"
                           "5a003f089d2739839dec58b964ec3843");
}

/* the same name under another key is another name; without a key none */
static void test_hmac_sha256_needs_the_key(void **state)
{
    static const unsigned char k1[32] = { 1 }, k2[32] = { 2 };
    const char *a = crypto_hmac_sha256_hex(pool, k1, sizeof(k1), "om", 2);
    const char *b = crypto_hmac_sha256_hex(pool, k2, sizeof(k2), "om", 2);

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    assert_string_not_equal(a, b);
    assert_string_not_equal(a, crypto_sha256_hex(pool, "om", 2));
    assert_null(crypto_hmac_sha256_hex(pool, NULL, 32, "om", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_sha256_known_answer),
        cmocka_unit_test(test_hmac_sha256_needs_the_key),
    };
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
