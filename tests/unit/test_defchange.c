/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/model/defchange.c: which tokens a role, permission
 * or flag change reaches, and from when. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "model/defchange.h"

static void test_scopes(void **state)
{
    (void)state;
    assert_int_equal(defchange_scope("role.created"), DEFCHANGE_ENV);
    assert_int_equal(defchange_scope("role.updated"), DEFCHANGE_ENV);
    assert_int_equal(defchange_scope("role.deleted"), DEFCHANGE_ENV);
    assert_int_equal(defchange_scope("permission.deleted"), DEFCHANGE_ENV);
    assert_int_equal(defchange_scope("flag.rule_updated"), DEFCHANGE_ENV);
    assert_int_equal(defchange_scope("flag.updated"), DEFCHANGE_ENV);
    assert_int_equal(defchange_scope("organization_role.updated"),
                     DEFCHANGE_ORG);
    assert_int_equal(defchange_scope("organization_role.deleted"),
                     DEFCHANGE_ORG);
}

static void test_not_definitions(void **state)
{
    (void)state;
    assert_int_equal(defchange_scope(NULL), DEFCHANGE_NONE);
    assert_int_equal(defchange_scope(""), DEFCHANGE_NONE);
    assert_int_equal(defchange_scope("role."), DEFCHANGE_NONE);
    assert_int_equal(defchange_scope("role"), DEFCHANGE_NONE);
    assert_int_equal(defchange_scope("roles.updated"), DEFCHANGE_NONE);
    assert_int_equal(defchange_scope("organization_membership.updated"),
                     DEFCHANGE_NONE);
    assert_int_equal(defchange_scope("organization.updated"),
                     DEFCHANGE_NONE);
    assert_int_equal(defchange_scope("session.revoked"), DEFCHANGE_NONE);
    assert_int_equal(defchange_scope("xrole.updated"), DEFCHANGE_NONE);
}

static void test_when_never_in_the_future(void **state)
{
    (void)state;
    assert_int_equal(defchange_when(1000, 2000), 1000);
    assert_int_equal(defchange_when(2000, 2000), 2000);
    assert_int_equal(defchange_when(2001, 2000), 2000);
    assert_int_equal(defchange_when(0, 2000), 2000);
    assert_int_equal(defchange_when(-5, 2000), 2000);
}

static void test_stale(void **state)
{
    (void)state;
    assert_true(defchange_stale(999, 1000));
    assert_false(defchange_stale(1000, 1000));  /* the change's second */
    assert_false(defchange_stale(1001, 1000));
    assert_false(defchange_stale(0, 0));
    assert_false(defchange_stale(5, 0));
    assert_true(defchange_stale(0, 1000));      /* no iat: older */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_not_definitions),
        cmocka_unit_test(test_when_never_in_the_future),
        cmocka_unit_test(test_stale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
