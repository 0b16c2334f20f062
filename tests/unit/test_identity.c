/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/model/identity.c: claims and sealed session to identity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "model/identity.h"

static apr_pool_t *pool;

static json_t *load(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &err);

    assert_non_null(j);
    return j;
}

static wos_identity_t *from(const char *text)
{
    json_t *claims = load(text);
    wos_identity_t *id = identity_from_claims(pool, claims, NULL, 0);

    /* Everything must have been copied: the JSON goes away now. */
    json_decref(claims);
    return id;
}

static const char *item(const apr_array_header_t *list, int i)
{
    return APR_ARRAY_IDX(list, i, const char *);
}

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

static void test_all_claims(void **state)
{
    wos_identity_t *id = from(
        "{\"sub\":\"user_01H\",\"sid\":\"session_01H\",\"org_id\":\"org_01H\","
        "\"role\":\"admin\",\"roles\":[\"admin\",\"member\"],"
        "\"permissions\":[\"posts:read\",\"posts:write\"],"
        "\"entitlements\":[\"audit-logs\"],"
        "\"feature_flags\":[\"new-editor\",\"beta\"],"
        "\"act\":{\"sub\":\"support@example.com\"},"
        "\"exp\":1700000300,\"iss\":\"https://api.workos.com\"}");

    (void)state;
    assert_non_null(id);
    assert_string_equal(id->user_id, "user_01H");
    assert_string_equal(id->session_id, "session_01H");
    assert_string_equal(id->org_id, "org_01H");
    assert_string_equal(id->role, "admin");
    assert_int_equal(id->roles->nelts, 2);
    assert_string_equal(item(id->roles, 1), "member");
    assert_int_equal(id->permissions->nelts, 2);
    assert_string_equal(item(id->permissions, 0), "posts:read");
    assert_int_equal(id->entitlements->nelts, 1);
    assert_string_equal(item(id->entitlements, 0), "audit-logs");
    assert_int_equal(id->feature_flags->nelts, 2);
    assert_string_equal(item(id->feature_flags, 1), "beta");
    assert_string_equal(id->impersonator_email, "support@example.com");
    assert_null(id->email);
    assert_int_equal(id->exp, 1700000300LL);
    assert_string_equal(identity_join(pool, id->permissions),
                        "posts:read,posts:write");
}

static void test_minimal_claims(void **state)
{
    wos_identity_t *id = from("{\"sub\":\"user_01H\"}");

    (void)state;
    assert_non_null(id);
    assert_null(id->session_id);
    assert_null(id->org_id);
    assert_null(id->role);
    assert_null(id->impersonator_email);
    assert_int_equal(id->exp, 0);
    /* Lists are empty, never NULL. */
    assert_non_null(id->roles);
    assert_int_equal(id->roles->nelts, 0);
    assert_int_equal(id->permissions->nelts, 0);
    assert_int_equal(id->entitlements->nelts, 0);
    assert_int_equal(id->feature_flags->nelts, 0);
    assert_string_equal(identity_join(pool, id->roles), "");
}

static void test_no_sub(void **state)
{
    json_t *arr = load("[\"sub\"]");

    (void)state;
    assert_null(from("{\"sid\":\"s\"}"));
    assert_null(from("{\"sub\":\"\"}"));
    assert_null(from("{\"sub\":42}"));
    assert_null(from("{\"sub\":null}"));
    assert_null(from("{\"sub\":[\"u\"]}"));
    assert_null(from("{\"sub\":\"a\\nb\"}"));
    assert_null(identity_from_claims(pool, NULL, NULL, 0));
    assert_null(identity_from_claims(pool, arr, NULL, 0));
    json_decref(arr);
}

static void test_wrong_types(void **state)
{
    wos_identity_t *id = from(
        "{\"sub\":\"u\",\"sid\":1,\"org_id\":{\"id\":\"org\"},\"role\":[\"a\"],"
        "\"roles\":\"admin\",\"permissions\":{\"a\":1},\"entitlements\":null,"
        "\"feature_flags\":7,\"act\":\"x@example.com\",\"exp\":\"soon\"}");

    (void)state;
    assert_non_null(id);
    assert_null(id->session_id);
    assert_null(id->org_id);
    assert_null(id->role);
    assert_int_equal(id->roles->nelts, 0);
    assert_int_equal(id->permissions->nelts, 0);
    assert_int_equal(id->entitlements->nelts, 0);
    assert_int_equal(id->feature_flags->nelts, 0);
    assert_null(id->impersonator_email);
    assert_int_equal(id->exp, 0);
}

static void test_non_string_entries_skipped(void **state)
{
    wos_identity_t *id = from(
        "{\"sub\":\"u\",\"roles\":[1,\"a\",null,{\"x\":1},[\"y\"],true,\"b\","
        "\"\",\"c\\r\\nX-Evil: 1\",\"d\\u007f\",\"\\u00e9t\\u00e9\"]}");

    (void)state;
    assert_int_equal(id->roles->nelts, 3);
    assert_string_equal(item(id->roles, 0), "a");
    assert_string_equal(item(id->roles, 1), "b");
    assert_string_equal(item(id->roles, 2), "\xc3\xa9t\xc3\xa9");
    assert_string_equal(identity_join(pool, id->roles), "a,b,\xc3\xa9t\xc3\xa9");
}

static void test_bounds(void **state)
{
    char long_str[600];
    const char *list = "";
    wos_identity_t *id;
    int i;

    (void)state;
    memset(long_str, 'p', sizeof(long_str) - 1);
    long_str[sizeof(long_str) - 1] = '\0';
    for (i = 0; i < 300; i++)
        list = apr_psprintf(pool, "%s%s\"p%d\"", list, i ? "," : "", i);
    id = from(apr_psprintf(pool, "{\"sub\":\"u\",\"org_id\":\"%s\","
                           "\"permissions\":[\"%s\",\"ok\"],"
                           "\"feature_flags\":[%s]}", long_str, long_str,
                           list));
    assert_null(id->org_id);
    assert_int_equal(id->permissions->nelts, 1);
    assert_string_equal(item(id->permissions, 0), "ok");
    assert_int_equal(id->feature_flags->nelts, 256);
    assert_string_equal(item(id->feature_flags, 255), "p255");
    /* 512 bytes is still accepted. */
    long_str[512] = '\0';
    id = from(apr_psprintf(pool, "{\"sub\":\"u\",\"role\":\"%s\"}", long_str));
    assert_non_null(id->role);
    assert_int_equal(strlen(id->role), 512);
}

static void test_act(void **state)
{
    (void)state;
    assert_string_equal(from("{\"sub\":\"u\",\"act\":{\"sub\":\"a@b.c\"}}")
                            ->impersonator_email, "a@b.c");
    assert_null(from("{\"sub\":\"u\",\"act\":{}}")->impersonator_email);
    assert_null(from("{\"sub\":\"u\",\"act\":{\"sub\":5}}")
                    ->impersonator_email);
    assert_null(from("{\"sub\":\"u\",\"act\":[\"a@b.c\"]}")
                    ->impersonator_email);
}

static void test_exp_real(void **state)
{
    (void)state;
    assert_int_equal(from("{\"sub\":\"u\",\"exp\":1700000300.75}")->exp,
                     1700000300LL);
    assert_int_equal(from("{\"sub\":\"u\",\"exp\":1e300}")->exp, 0);
}

static void test_add_session(void **state)
{
    wos_identity_t *id = from("{\"sub\":\"user_01H\"}");
    json_t *session = load(
        "{\"accessToken\":\"x\",\"user\":{\"id\":\"user_01H\","
        "\"email\":\"jo@example.com\"},"
        "\"impersonator\":{\"email\":\"admin@example.com\","
        "\"reason\":\"support\"}}");

    (void)state;
    identity_add_session(pool, id, session);
    json_decref(session);
    assert_string_equal(id->email, "jo@example.com");
    assert_string_equal(id->impersonator_email, "admin@example.com");
}

static void test_add_session_keeps_act(void **state)
{
    wos_identity_t *id = from("{\"sub\":\"u\",\"act\":{\"sub\":\"act@x.y\"}}");
    json_t *session = load("{\"user\":{\"email\":\"jo@example.com\"},"
                           "\"impersonator\":{\"email\":\"other@x.y\"}}");

    (void)state;
    identity_add_session(pool, id, session);
    json_decref(session);
    assert_string_equal(id->impersonator_email, "act@x.y");
}

static void test_add_session_missing_or_odd(void **state)
{
    wos_identity_t *id = from("{\"sub\":\"u\"}");
    json_t *odd = load("{\"user\":{\"email\":7},\"impersonator\":null}");
    json_t *empty = load("{}");
    json_t *arr = load("[]");

    (void)state;
    identity_add_session(pool, id, odd);
    identity_add_session(pool, id, empty);
    identity_add_session(pool, id, arr);
    identity_add_session(pool, id, NULL);
    identity_add_session(pool, NULL, empty);
    assert_null(id->email);
    assert_null(id->impersonator_email);
    json_decref(odd);
    json_decref(empty);
    json_decref(arr);
}

/* The text the claims came from is kept as it is (no second writing of
 * the same claims); without it, compact JSON is written. Text that is
 * too long or holds a NUL is not kept. */
static void test_claims_text(void **state)
{
    const char *text = "{ \"sub\": \"user_1\",\n \"x\": [1, 2] }";
    json_t *claims = load(text);
    wos_identity_t *id;
    char *big;
    size_t n = IDENTITY_MAX_CLAIMS_JSON + 1;

    (void)state;
    id = identity_from_claims(pool, claims, text, strlen(text));
    assert_non_null(id);
    assert_string_equal(id->claims_json, text);
    assert_ptr_not_equal(id->claims_json, text);
    id = identity_from_claims(pool, claims, NULL, 0);
    assert_string_equal(id->claims_json, "{\"sub\":\"user_1\",\"x\":[1,2]}");
    id = identity_from_claims(pool, claims, "{\"sub\":\"a\"}\0x", 15);
    assert_null(id->claims_json);
    big = apr_palloc(pool, n);
    memset(big, ' ', n);
    id = identity_from_claims(pool, claims, big, n);
    assert_null(id->claims_json);
    json_decref(claims);
}

static void test_join(void **state)
{
    apr_array_header_t *list = apr_array_make(pool, 2, sizeof(const char *));

    (void)state;
    assert_string_equal(identity_join(pool, NULL), "");
    assert_string_equal(identity_join(pool, list), "");
    APR_ARRAY_PUSH(list, const char *) = "a";
    assert_string_equal(identity_join(pool, list), "a");
    APR_ARRAY_PUSH(list, const char *) = "b";
    APR_ARRAY_PUSH(list, const char *) = "c";
    assert_string_equal(identity_join(pool, list), "a,b,c");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_claims),
        cmocka_unit_test(test_minimal_claims),
        cmocka_unit_test(test_no_sub),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_non_string_entries_skipped),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_act),
        cmocka_unit_test(test_exp_real),
        cmocka_unit_test(test_add_session),
        cmocka_unit_test(test_add_session_keeps_act),
        cmocka_unit_test(test_add_session_missing_or_odd),
        cmocka_unit_test(test_claims_text),
        cmocka_unit_test(test_join),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
