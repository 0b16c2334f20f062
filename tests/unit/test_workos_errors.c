/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/workos/workos_errors.c: the one table of WorkOS
 * error codes, as the sign-in diagnosis and the refresh read it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "workos/workos_errors.h"

static void test_client_codes_are_misconfiguration(void **state)
{
    static const char *const codes[] = {
        "invalid_client", "unauthorized_client", NULL
    };
    int i;

    (void)state;
    for (i = 0; codes[i]; i++) {
        /* from the code exchange (HTTP 401) or the callback URL (0) */
        assert_non_null(strstr(workos_errors_fix(codes[i], 401),
                               "WorkOSAPIKey is a secret key"));
        assert_string_equal(workos_errors_fix(codes[i], 0),
                            workos_errors_fix(codes[i], 401));
        assert_true(workos_errors_is(codes[i], WORKOS_ERRORS_MISCONFIG));
        assert_false(workos_errors_is(codes[i], WORKOS_ERRORS_SIGNS_OUT));
    }
}

static void test_redirect_codes(void **state)
{
    (void)state;
    assert_non_null(strstr(workos_errors_fix("invalid_redirect_uri", 400),
                           "WorkOSRedirectURI"));
    assert_non_null(strstr(workos_errors_fix("redirect_uri_mismatch", 0),
                           "WorkOSRedirectURI"));
    /* exact codes only: a code that merely mentions a redirect is not
     * one WorkOS documents */
    assert_null(workos_errors_fix("Redirect_URI_Mismatch", 400));
    assert_null(workos_errors_fix("no_redirect_here", 0));
}

static void test_the_users_refusals_are_not_the_servers(void **state)
{
    static const char *const codes[] = {
        "invalid_grant", "access_denied", "sso_required", "mfa_enrollment",
        "organization_authentication_methods_required",
        "organization_membership_not_found", "email_verification_required",
        "organization_selection_required", "mfa_challenge", NULL
    };
    int i;

    (void)state;
    for (i = 0; codes[i]; i++) {
        /* whatever the HTTP status WorkOS sends them with */
        assert_null(workos_errors_fix(codes[i], 0));
        assert_null(workos_errors_fix(codes[i], 400));
        assert_null(workos_errors_fix(codes[i], 401));
        assert_null(workos_errors_fix(codes[i], 403));
        assert_false(workos_errors_is(codes[i], WORKOS_ERRORS_MISCONFIG));
    }
}

static void test_unknown_codes_by_status(void **state)
{
    (void)state;
    /* 401/403 without a code of the table: our credentials */
    assert_non_null(strstr(workos_errors_fix(NULL, 401),
                           "check WorkOSAPIKey"));
    assert_non_null(strstr(workos_errors_fix("unauthorized", 403),
                           "check WorkOSAPIKey"));
    assert_null(workos_errors_fix("something_new", 400));
    assert_null(workos_errors_fix(NULL, 0));
    assert_null(workos_errors_fix("", 500));
}

static void test_session_codes(void **state)
{
    (void)state;
    assert_true(workos_errors_is("invalid_grant", WORKOS_ERRORS_SIGNS_OUT));
    assert_true(workos_errors_is("sso_required", WORKOS_ERRORS_SIGNS_OUT));
    assert_true(workos_errors_is("mfa_enrollment", WORKOS_ERRORS_SIGNS_OUT));
    assert_false(workos_errors_is(
        "organization_authentication_methods_required",
        WORKOS_ERRORS_SIGNS_OUT));
    assert_true(workos_errors_is("sso_required", WORKOS_ERRORS_ORG_SIGNIN));
    assert_true(workos_errors_is("mfa_enrollment",
                                 WORKOS_ERRORS_ORG_SIGNIN));
    assert_true(workos_errors_is(
        "organization_authentication_methods_required",
        WORKOS_ERRORS_ORG_SIGNIN));
    assert_false(workos_errors_is("invalid_grant", WORKOS_ERRORS_ORG_SIGNIN));
    assert_false(workos_errors_is(NULL, WORKOS_ERRORS_SIGNS_OUT));
    assert_false(workos_errors_is("invalid_grant_x",
                                  WORKOS_ERRORS_SIGNS_OUT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_codes_are_misconfiguration),
        cmocka_unit_test(test_redirect_codes),
        cmocka_unit_test(test_the_users_refusals_are_not_the_servers),
        cmocka_unit_test(test_unknown_codes_by_status),
        cmocka_unit_test(test_session_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
