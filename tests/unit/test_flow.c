/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/model/flow.c: per-flow verifier cookie names (checked
 * against @workos/authkit-session's fnv1a32Hex), pending cookies, hints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "model/flow.h"

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

/* Values computed with authkit-session 0.7.1's fnv1a32Hex. */
static void test_fnv_matches_authkit_session(void **state)
{
    char h[9];
    (void)state;
    flow_fnv1a32_hex("", h);
    assert_string_equal(h, "811c9dc5");
    flow_fnv1a32_hex("a", h);
    assert_string_equal(h, "e40c292c");
    flow_fnv1a32_hex("Fe26.2*1*abc~2", h);
    assert_string_equal(h, "a691916b");
    assert_string_equal(flow_cookie_name(pool, "a"),
                        "wos-auth-verifier-e40c292c");
}

static void test_cookies_found_in_order(void **state)
{
    apr_array_header_t *a;
    (void)state;
    a = flow_cookies(pool, "x=1; wos-auth-verifier-0000abcd=v1; "
                     "wos-session=s;wos-auth-verifierX=no; "
                     "wos-auth-verifier=legacy; wos-auth-verifier-ff= \"q\" ",
                     10);
    assert_int_equal(a->nelts, 3);
    assert_string_equal(APR_ARRAY_IDX(a, 0, flow_cookie_t).name,
                        "wos-auth-verifier-0000abcd");
    assert_string_equal(APR_ARRAY_IDX(a, 0, flow_cookie_t).value, "v1");
    assert_string_equal(APR_ARRAY_IDX(a, 1, flow_cookie_t).name,
                        "wos-auth-verifier");
    assert_string_equal(APR_ARRAY_IDX(a, 2, flow_cookie_t).value, "q");
}

static void test_cookies_bounded_and_empty(void **state)
{
    (void)state;
    assert_int_equal(flow_cookies(pool, NULL, 5)->nelts, 0);
    assert_int_equal(flow_cookies(pool, "", 5)->nelts, 0);
    assert_int_equal(flow_cookies(pool, "wos-auth-verifier-1=a; "
                                  "wos-auth-verifier-2=b; "
                                  "wos-auth-verifier-3=c", 2)->nelts, 2);
    assert_int_equal(flow_cookies(pool, "wos-auth-verifier-1", 5)->nelts, 0);
}

static void test_hints_good(void **state)
{
    (void)state;
    assert_null(flow_hint_check(FLOW_HINT_SCREEN, "sign-in"));
    assert_null(flow_hint_check(FLOW_HINT_SCREEN, "sign-up"));
    assert_null(flow_hint_check(FLOW_HINT_LOGIN, "alice+x@example.com"));
    assert_null(flow_hint_check(FLOW_HINT_DOMAIN, "example.co.uk"));
    assert_null(flow_hint_check(FLOW_HINT_ORG, "org_01H5JQDV7R7ATEYZDEG0W5PRYS"));
    assert_null(flow_hint_check(FLOW_HINT_CONNECTION, "conn_01E4ZCR3C56J083X43JQXF3JK5"));
    assert_null(flow_hint_check(FLOW_HINT_INVITATION, "Z1uX3RbwcIl5fIGJJJCXXisdI"));
}

static void test_hints_bad(void **state)
{
    char big[400];
    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_non_null(flow_hint_check(FLOW_HINT_SCREEN, "signup"));
    assert_non_null(flow_hint_check(FLOW_HINT_SCREEN, "sign-up\r\n"));
    assert_non_null(flow_hint_check(FLOW_HINT_LOGIN, "alice@example.com\r\nX: y"));
    assert_non_null(flow_hint_check(FLOW_HINT_LOGIN, "al ice@example.com"));
    assert_non_null(flow_hint_check(FLOW_HINT_LOGIN, "al\xc3\xa9@example.com"));
    assert_non_null(flow_hint_check(FLOW_HINT_LOGIN, "no-at-sign"));
    assert_non_null(flow_hint_check(FLOW_HINT_LOGIN, big));
    assert_non_null(flow_hint_check(FLOW_HINT_DOMAIN, "exa mple.com"));
    assert_non_null(flow_hint_check(FLOW_HINT_DOMAIN, ".example.com"));
    assert_non_null(flow_hint_check(FLOW_HINT_DOMAIN, "example..com"));
    assert_non_null(flow_hint_check(FLOW_HINT_DOMAIN, "ex\xc3\xa9.com"));
    assert_non_null(flow_hint_check(FLOW_HINT_ORG, "org_"));
    assert_non_null(flow_hint_check(FLOW_HINT_ORG, "conn_1"));
    assert_non_null(flow_hint_check(FLOW_HINT_ORG, "org_1&x=y"));
    assert_non_null(flow_hint_check(FLOW_HINT_CONNECTION, "org_1"));
    assert_non_null(flow_hint_check(FLOW_HINT_INVITATION, "a b"));
    assert_non_null(flow_hint_check(FLOW_HINT_INVITATION, "a\nb"));
    assert_non_null(flow_hint_check(FLOW_HINT_INVITATION, big));
    assert_non_null(flow_hint_check(FLOW_HINT_INVITATION, ""));
    assert_non_null(flow_hint_check(FLOW_HINT_COUNT, "x"));
}

#define TTL 600000LL
#define SKEW 60000LL
#define NOW 1800000000000LL

/* issuedAt when the state has it; else the seal's expiry minus the ttl. */
static void test_flow_age(void **state)
{
    (void)state;
    assert_int_equal(flow_issued(1, NOW - 1000, 0, NOW, TTL, SKEW),
                     NOW - 1000);
    assert_int_equal(flow_issued(1, NOW - TTL - 1, 0, NOW, TTL, SKEW), -1);
    assert_int_equal(flow_issued(1, NOW + SKEW + 1, 0, NOW, TTL, SKEW), -1);
    /* issuedAt wins over the seal's expiry */
    assert_int_equal(flow_issued(1, NOW - TTL - 1, NOW + TTL, NOW, TTL,
                                 SKEW), -1);
    /* authkit-nextjs: sealed 100 s ago with iron's ttl of 600 s */
    assert_int_equal(flow_issued(0, 0, NOW - 100000 + TTL, NOW, TTL, SKEW),
                     NOW - 100000);
    assert_int_equal(flow_issued(0, 0, NOW, NOW, TTL, SKEW), NOW - TTL);
    assert_int_equal(flow_issued(0, 0, NOW - 1, NOW, TTL, SKEW), -1);
    /* a seal that never expires, or outlives 10 minutes from now */
    assert_int_equal(flow_issued(0, 0, 0, NOW, TTL, SKEW), -1);
    assert_int_equal(flow_issued(0, 0, NOW + TTL + SKEW, NOW, TTL, SKEW),
                     NOW + SKEW);
    assert_int_equal(flow_issued(0, 0, NOW + TTL + SKEW + 1, NOW, TTL, SKEW),
                     -1);
    assert_int_equal(flow_issued(0, 0, NOW + 3600000, NOW, TTL, SKEW), -1);
}

static void test_seal_expiry_field(void **state)
{
    (void)state;
    assert_true(flow_seal_expiry("Fe26.2*1*aa*iv*ct*1796626779541*ms*mac~2")
                == 1796626779541LL);
    assert_true(flow_seal_expiry("Fe26.2**aa*iv*ct*42*ms*mac") == 42);
    assert_true(flow_seal_expiry("Fe26.2*1*aa*iv*ct**ms*mac~2") == 0);
    assert_true(flow_seal_expiry("Fe26.2*1*aa*iv*ct*12a*ms*mac") == 0);
    assert_true(flow_seal_expiry("Fe26.2*1*aa*iv*ct*-5*ms*mac") == 0);
    assert_true(flow_seal_expiry("Fe26.2*1*aa*iv*ct*1234567890123456*m*m")
                == 0);
    assert_true(flow_seal_expiry("Fe26.2*1*aa*iv*ct*123") == 0);
    assert_true(flow_seal_expiry("Fe26.1*1*aa*iv*ct*123*ms*mac") == 0);
    assert_true(flow_seal_expiry("") == 0);
    assert_true(flow_seal_expiry(NULL) == 0);
}

/* issuedAt from JSON: only finite values within 1e15 ms become an
 * integer (converting a larger double is undefined behaviour) */
static void test_issued_at_bounded(void **state)
{
    long long ms = -1;

    (void)state;
    assert_true(flow_issued_ms(1767225600000.0, &ms));
    assert_true(ms == 1767225600000LL);
    assert_true(flow_issued_ms(0.0, &ms) && ms == 0);
    assert_true(flow_issued_ms(1e15, &ms) && ms == 1000000000000000LL);
    assert_true(flow_issued_ms(-1e15, &ms) && ms == -1000000000000000LL);
    ms = 7;
    assert_false(flow_issued_ms(1e15 + 1024.0, &ms));
    assert_false(flow_issued_ms(-1e15 - 1024.0, &ms));
    assert_false(flow_issued_ms(1e300, &ms));
    assert_false(flow_issued_ms(9.3e18, &ms));
    assert_false(flow_issued_ms(strtod("nan", NULL), &ms));
    assert_false(flow_issued_ms(strtod("inf", NULL), &ms));
    assert_false(flow_issued_ms(strtod("-inf", NULL), &ms));
    assert_true(ms == 7);   /* untouched when refused */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issued_at_bounded),
        cmocka_unit_test(test_fnv_matches_authkit_session),
        cmocka_unit_test(test_cookies_found_in_order),
        cmocka_unit_test(test_cookies_bounded_and_empty),
        cmocka_unit_test(test_hints_good),
        cmocka_unit_test(test_hints_bad),
        cmocka_unit_test(test_flow_age),
        cmocka_unit_test(test_seal_expiry_field),
    };
    apr_initialize();
    atexit(apr_terminate);
    return cmocka_run_group_tests(tests, setup, teardown);
}
