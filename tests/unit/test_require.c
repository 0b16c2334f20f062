/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/model/require.c: Require line values and matching. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "model/require.h"

static apr_pool_t *pool;

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    apr_pool_create(&pool, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

static const char *val(const apr_array_header_t *a, int i)
{
    return APR_ARRAY_IDX(a, i, const char *);
}

static apr_array_header_t *ok(const char *line)
{
    const char *err = NULL;
    apr_array_header_t *a = require_parse(pool, line, &err);

    assert_non_null(a);
    assert_null(err);
    return a;
}

static void refused(const char *line)
{
    const char *err = NULL;

    assert_null(require_parse(pool, line, &err));
    assert_non_null(err);
    assert_true(strlen(err) > 0);
}

static apr_array_header_t *list(const char *a, const char *b)
{
    apr_array_header_t *l = apr_array_make(pool, 2, sizeof(const char *));

    if (a)
        APR_ARRAY_PUSH(l, const char *) = a;
    if (b)
        APR_ARRAY_PUSH(l, const char *) = b;
    return l;
}

static wos_identity_t *identity(void)
{
    wos_identity_t *id = apr_pcalloc(pool, sizeof(*id));

    id->user_id = "user_01";
    id->org_id = "org_01H";
    id->role = "admin";
    id->roles = list("admin", "billing");
    id->permissions = list("posts:read", "posts:write");
    id->entitlements = list("audit-logs", NULL);
    id->feature_flags = list("new-editor", NULL);
    return id;
}

/* ---- parsing ---------------------------------------------------------- */

static void test_parse_plain(void **state)
{
    apr_array_header_t *a = ok("  admin\towner  billing ");

    (void)state;
    assert_int_equal(a->nelts, 3);
    assert_string_equal(val(a, 0), "admin");
    assert_string_equal(val(a, 1), "owner");
    assert_string_equal(val(a, 2), "billing");
    a = ok("posts:write");
    assert_int_equal(a->nelts, 1);
    assert_string_equal(val(a, 0), "posts:write");
}

static void test_parse_quotes(void **state)
{
    apr_array_header_t *a = ok("\"two words\" 'single q' plain \"it's\" "
                               "'say \"hi\"'");

    (void)state;
    assert_int_equal(a->nelts, 5);
    assert_string_equal(val(a, 0), "two words");
    assert_string_equal(val(a, 1), "single q");
    assert_string_equal(val(a, 2), "plain");
    assert_string_equal(val(a, 3), "it's");
    assert_string_equal(val(a, 4), "say \"hi\"");
    /* A quote inside a bare word is just a character. */
    a = ok("a\"b it's");
    assert_string_equal(val(a, 0), "a\"b");
    assert_string_equal(val(a, 1), "it's");
}

static void test_parse_empty(void **state)
{
    const char *err = NULL;

    (void)state;
    refused("");
    refused("   \t ");
    refused("\"\"");
    refused("a ''");
    assert_null(require_parse(pool, NULL, &err));
    assert_non_null(err);
    assert_null(require_parse(pool, "", NULL));
}

static void test_parse_unterminated(void **state)
{
    (void)state;
    refused("\"admin");
    refused("admin 'owner");
    refused("\"a\"b");
    refused("'a''b'");
}

static void test_parse_too_many(void **state)
{
    const char *line = "";
    int i;

    (void)state;
    for (i = 0; i < REQUIRE_MAX_VALUES; i++)
        line = apr_psprintf(pool, "%s v%d", line, i);
    assert_int_equal(ok(line)->nelts, REQUIRE_MAX_VALUES);
    refused(apr_pstrcat(pool, line, " one-more", NULL));
}

static void test_parse_too_long(void **state)
{
    char *line = apr_palloc(pool, REQUIRE_MAX_LINE + 2);

    (void)state;
    memset(line, 'a', REQUIRE_MAX_LINE + 1);
    line[REQUIRE_MAX_LINE + 1] = '\0';
    refused(line);
    line[REQUIRE_MAX_LINE] = '\0';
    assert_int_equal(ok(line)->nelts, 1);
}

static void test_parse_control_chars(void **state)
{
    (void)state;
    refused("adm\x01in");
    refused("admin\r\n");
    refused("\"a\tb\"");
    refused("'a\nb'");
    refused("del\x7f");
    refused("ok \x1b[31m");
    /* Non-ASCII UTF-8 is fine. */
    assert_string_equal(val(ok("r\xc3\xb4le"), 0), "r\xc3\xb4le");
}

/* ---- matching --------------------------------------------------------- */

static void test_match_each_kind(void **state)
{
    wos_identity_t *id = identity();

    (void)state;
    assert_true(require_match(REQ_PERMISSION, ok("posts:write"), id));
    assert_true(require_match(REQ_ROLE, ok("admin"), id));
    assert_true(require_match(REQ_ROLE, ok("billing"), id));
    assert_true(require_match(REQ_ORG, ok("org_01H"), id));
    assert_true(require_match(REQ_ENTITLEMENT, ok("audit-logs"), id));
    assert_true(require_match(REQ_FEATURE_FLAG, ok("new-editor"), id));
}

static void test_match_any_of_several(void **state)
{
    wos_identity_t *id = identity();

    (void)state;
    assert_true(require_match(REQ_PERMISSION, ok("users:delete posts:read"),
                              id));
    assert_true(require_match(REQ_ORG, ok("org_other org_01H"), id));
    assert_false(require_match(REQ_ORG, ok("org_a org_b"), id));
}

static void test_match_none(void **state)
{
    wos_identity_t *id = identity();

    (void)state;
    assert_false(require_match(REQ_PERMISSION, ok("posts:delete"), id));
    assert_false(require_match(REQ_PERMISSION, ok("posts"), id));
    assert_false(require_match(REQ_PERMISSION, ok("Posts:Write"), id));
    assert_false(require_match(REQ_ROLE, ok("Admin"), id));
    assert_false(require_match(REQ_ROLE, ok("'admin '"), id));
    assert_false(require_match(REQ_ORG, ok("org_01h"), id));
    assert_false(require_match(REQ_ORG, ok("org_01"), id));
    assert_false(require_match(REQ_ENTITLEMENT, ok("audit"), id));
    assert_false(require_match(REQ_FEATURE_FLAG, ok("new-editor-2"), id));
    /* Kinds do not leak into each other. */
    assert_false(require_match(REQ_PERMISSION, ok("admin"), id));
    assert_false(require_match(REQ_ROLE, ok("posts:write"), id));
    assert_false(require_match(REQ_ORG, ok("admin"), id));
    assert_false(require_match(REQ_FEATURE_FLAG, ok("audit-logs"), id));
    assert_false(require_match(REQ_ENTITLEMENT, ok("new-editor"), id));
}

static void test_match_role_sources(void **state)
{
    wos_identity_t *id = identity();

    (void)state;
    /* Only the single "role" claim. */
    id->roles = list(NULL, NULL);
    assert_true(require_match(REQ_ROLE, ok("admin"), id));
    assert_false(require_match(REQ_ROLE, ok("billing"), id));
    /* Only "roles". */
    id->role = NULL;
    id->roles = list("member", NULL);
    assert_true(require_match(REQ_ROLE, ok("member"), id));
    assert_false(require_match(REQ_ROLE, ok("admin"), id));
}

static void test_match_empty_identity(void **state)
{
    wos_identity_t *id = apr_pcalloc(pool, sizeof(*id));
    apr_array_header_t *none = apr_array_make(pool, 1, sizeof(const char *));

    (void)state;
    /* Fields left NULL, as for an API-key client, never match. */
    assert_false(require_match(REQ_PERMISSION, ok("x"), id));
    assert_false(require_match(REQ_ROLE, ok("x"), id));
    assert_false(require_match(REQ_ORG, ok("x"), id));
    assert_false(require_match(REQ_ENTITLEMENT, ok("x"), id));
    assert_false(require_match(REQ_FEATURE_FLAG, ok("x"), id));
    assert_false(require_match(REQ_ROLE, NULL, identity()));
    assert_false(require_match(REQ_ROLE, none, identity()));
}

static void test_match_null_identity(void **state)
{
    (void)state;
    assert_false(require_match(REQ_PERMISSION, ok("posts:write"), NULL));
    assert_false(require_match(REQ_ROLE, ok("admin"), NULL));
    assert_false(require_match(REQ_ORG, ok("org_01H"), NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_plain),
        cmocka_unit_test(test_parse_quotes),
        cmocka_unit_test(test_parse_empty),
        cmocka_unit_test(test_parse_unterminated),
        cmocka_unit_test(test_parse_too_many),
        cmocka_unit_test(test_parse_too_long),
        cmocka_unit_test(test_parse_control_chars),
        cmocka_unit_test(test_match_each_kind),
        cmocka_unit_test(test_match_any_of_several),
        cmocka_unit_test(test_match_none),
        cmocka_unit_test(test_match_role_sources),
        cmocka_unit_test(test_match_empty_identity),
        cmocka_unit_test(test_match_null_identity),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
