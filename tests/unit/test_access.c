/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/model/access.c: which ids Require workos-access may
 * send to WorkOS, the names its decisions are kept under, the check's
 * body and how its answers and the membership list are read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "model/access.h"

static apr_pool_t *pool;

static void test_id_ok(void **state)
{
    char long_id[ACCESS_MAX_ID + 2];

    (void)state;
    assert_true(access_id_ok("project:edit"));
    assert_true(access_id_ok("authz_resource_01HXYZ"));
    assert_true(access_id_ok("~!@#$%^&*()"));
    assert_false(access_id_ok(NULL));
    assert_false(access_id_ok(""));
    assert_false(access_id_ok("two words"));
    assert_false(access_id_ok("tab\there"));
    assert_false(access_id_ok("nl\n"));
    assert_false(access_id_ok("del\x7f"));
    assert_false(access_id_ok("caf\xc3\xa9"));
    assert_false(access_id_ok("sep\x1fsep"));
    memset(long_id, 'x', sizeof(long_id));
    long_id[ACCESS_MAX_ID] = '\0';
    assert_true(access_id_ok(long_id));       /* 128 bytes */
    long_id[ACCESS_MAX_ID] = 'x';
    long_id[ACCESS_MAX_ID + 1] = '\0';
    assert_false(access_id_ok(long_id));      /* 129 */
}

static void test_names_apart(void **state)
{
    const char *a, *b;

    (void)state;
    a = access_decision_name(pool, "env", 0, "u", "org", "p", "project",
                             "web");
    assert_string_equal(a, "env\x1f" "0\x1fu\x1forg\x1fp\x1fproject\x1fweb");
    /* a resource id is not the external id of a typed resource */
    b = access_decision_name(pool, "env", 0, "u", "org", "p", NULL, "web");
    assert_string_not_equal(a, b);
    /* every part counts: environment, generation, user, organisation,
     * permission, type, resource */
    assert_string_not_equal(a, access_decision_name(pool, "env2", 0, "u",
                                                    "org", "p", "project",
                                                    "web"));
    assert_string_not_equal(a, access_decision_name(pool, "env", 1, "u",
                                                    "org", "p", "project",
                                                    "web"));
    assert_string_not_equal(a, access_decision_name(pool, "env", 0, "v",
                                                    "org", "p", "project",
                                                    "web"));
    assert_string_not_equal(a, access_decision_name(pool, "env", 0, "u",
                                                    "org2", "p", "project",
                                                    "web"));
    assert_string_not_equal(a, access_decision_name(pool, "env", 0, "u",
                                                    "org", "q", "project",
                                                    "web"));
    assert_string_not_equal(a, access_decision_name(pool, "env", 0, "u",
                                                    "org", "p", "projects",
                                                    "web"));
    assert_string_not_equal(a, access_decision_name(pool, "env", 0, "u",
                                                    "org", "p", "project",
                                                    "api"));
    /* the large generations the events write; never negative */
    assert_string_equal(access_decision_name(pool, "e", 1796640000123456LL,
                                             "u", "o", "p", NULL, "r"),
                        "e\x1f" "1796640000123456\x1fu\x1fo\x1fp\x1f\x1fr");
    assert_string_equal(access_membership_name(pool, "e", 7, "user_1",
                                               "org_1"),
                        "e\x1f" "7\x1fuser_1\x1forg_1");
    assert_string_equal(access_membership_name(pool, "e", -5, "u", "o"),
                        "e\x1f" "0\x1fu\x1fo");
    /* a membership's name is never a decision's */
    assert_string_not_equal(access_membership_name(pool, "e", 0, "u", "o"),
                            access_decision_name(pool, "e", 0, "u", "o", "",
                                                 "", ""));
}

static void test_body_in_the_sdk_order(void **state)
{
    json_t *b;
    char *s;

    (void)state;
    b = access_check_body("project:edit", "project", "web");
    s = json_dumps(b, JSON_COMPACT);
    assert_string_equal(s, "{\"permission_slug\":\"project:edit\","
                        "\"resource_external_id\":\"web\","
                        "\"resource_type_slug\":\"project\"}");
    free(s);
    json_decref(b);
    b = access_check_body("project:edit", NULL, "authz_resource_1");
    s = json_dumps(b, JSON_COMPACT);
    assert_string_equal(s, "{\"permission_slug\":\"project:edit\","
                        "\"resource_id\":\"authz_resource_1\"}");
    free(s);
    json_decref(b);
}

static int answer(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    int a = access_answer(j);

    json_decref(j);
    return a;
}

static void test_answer(void **state)
{
    (void)state;
    assert_int_equal(answer("{\"authorized\":true}"), 1);
    assert_int_equal(answer("{\"authorized\":false}"), 0);
    assert_int_equal(answer("{\"authorized\":\"true\"}"), -1);
    assert_int_equal(answer("{\"authorized\":1}"), -1);
    assert_int_equal(answer("{\"authorized\":null}"), -1);
    assert_int_equal(answer("{}"), -1);
    assert_int_equal(answer("[true]"), -1);
    assert_int_equal(access_answer(NULL), -1);
}

static const char *member(const char *text, const char *user,
                          const char *org)
{
    json_t *j = json_loads(text, 0, NULL);
    const char *om = access_membership_from_list(j, user, org);
    const char *out = om ? apr_pstrdup(pool, om) : NULL;

    json_decref(j);
    return out;
}

static void test_membership_from_list(void **state)
{
    (void)state;
    assert_string_equal(member("{\"data\":[{\"id\":\"om_A\",\"user_id\":"
                               "\"u\",\"organization_id\":\"org_X\"},"
                               "{\"id\":\"om_B\",\"user_id\":\"u\","
                               "\"organization_id\":\"org_Y\","
                               "\"status\":\"active\"}]}", "u", "org_Y"),
                        "om_B");
    /* another user's, an inactive one, an unusable id: none */
    assert_null(member("{\"data\":[{\"id\":\"om_A\",\"user_id\":\"v\","
                       "\"organization_id\":\"org_X\"}]}", "u", "org_X"));
    assert_null(member("{\"data\":[{\"id\":\"om_A\",\"user_id\":\"u\","
                       "\"organization_id\":\"org_X\",\"status\":"
                       "\"inactive\"}]}", "u", "org_X"));
    assert_null(member("{\"data\":[{\"id\":\"om A\",\"user_id\":\"u\","
                       "\"organization_id\":\"org_X\"}]}", "u", "org_X"));
    assert_null(member("{\"data\":[]}", "u", "org_X"));
    assert_null(member("{\"data\":{}}", "u", "org_X"));
    assert_null(member("[]", "u", "org_X"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_ok),
        cmocka_unit_test(test_names_apart),
        cmocka_unit_test(test_body_in_the_sdk_order),
        cmocka_unit_test(test_answer),
        cmocka_unit_test(test_membership_from_list),
    };
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
