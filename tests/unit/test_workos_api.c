/* Unit tests for src/workos_api.c: which WorkOS answers are refusals,
 * which are retryable, which end a session. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include <apr_general.h>

#include "workos/workos_api.h"

static void test_status_classes(void **state)
{
    (void)state;
    assert_int_equal(api_status_of(200), API_OK);
    assert_int_equal(api_status_of(204), API_OK);
    assert_int_equal(api_status_of(400), API_REFUSED);
    assert_int_equal(api_status_of(401), API_REFUSED);
    assert_int_equal(api_status_of(403), API_REFUSED);
    /* retryable: WorkOS asks to come back later */
    assert_int_equal(api_status_of(408), API_UNAVAILABLE);
    assert_int_equal(api_status_of(429), API_UNAVAILABLE);
    assert_int_equal(api_status_of(500), API_UNAVAILABLE);
    assert_int_equal(api_status_of(502), API_UNAVAILABLE);
    assert_int_equal(api_status_of(503), API_UNAVAILABLE);
    assert_int_equal(api_status_of(0), API_UNAVAILABLE);
    assert_int_equal(api_status_of(302), API_UNAVAILABLE);
}

static void test_only_three_codes_sign_out(void **state)
{
    (void)state;
    assert_true(api_signs_out("invalid_grant"));
    assert_true(api_signs_out("mfa_enrollment"));
    assert_true(api_signs_out("sso_required"));
    assert_false(api_signs_out("organization_membership_not_found"));
    assert_false(api_signs_out("invalid_client"));
    assert_false(api_signs_out("rate_limited"));
    assert_false(api_signs_out("invalid_grant_x"));
    assert_false(api_signs_out(""));
    assert_false(api_signs_out(NULL));
}

static void test_sign_in_to_the_organisation(void **state)
{
    (void)state;
    assert_true(api_needs_signin("sso_required"));
    assert_true(api_needs_signin("mfa_enrollment"));
    assert_true(api_needs_signin("organization_authentication_methods_required"));
    assert_false(api_needs_signin("invalid_grant"));
    assert_false(api_needs_signin(NULL));
    assert_true(api_misconfigured("invalid_client"));
    assert_false(api_misconfigured("invalid_grant"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_classes),
        cmocka_unit_test(test_only_three_codes_sign_out),
        cmocka_unit_test(test_sign_in_to_the_organisation),
    };
    apr_initialize();
    atexit(apr_terminate);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
