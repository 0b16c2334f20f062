/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/workos/apikey_parse.c: key shapes, the validation request
 * and answer, and the cached form of a result. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <jansson.h>

#include "workos/apikey_parse.h"

static apr_pool_t *pool;

static const char *perm(const apikey_info_t *k, int i)
{
    return APR_ARRAY_IDX(k->permissions, i, const char *);
}

static apikey_answer_t parse(const char *body, apikey_info_t *k)
{
    return apikey_parse_answer(pool, body, strlen(body), k);
}

static void shape_accepts_keys(void **state)
{
    char max[APIKEY_MAX_LEN + 1];

    (void)state;
    memset(max, 'k', APIKEY_MAX_LEN);
    max[APIKEY_MAX_LEN] = '\0';
    assert_true(apikey_shape_ok("sk_test_abc123"));
    assert_true(apikey_shape_ok("a"));
    assert_true(apikey_shape_ok("~!@#$%^&*()_+\"\\"));
    assert_true(apikey_shape_ok(max));
}

static void shape_refuses_the_rest(void **state)
{
    char over[APIKEY_MAX_LEN + 2];

    (void)state;
    memset(over, 'k', APIKEY_MAX_LEN + 1);
    over[APIKEY_MAX_LEN + 1] = '\0';
    assert_false(apikey_shape_ok(NULL));
    assert_false(apikey_shape_ok(""));
    assert_false(apikey_shape_ok(over));
    assert_false(apikey_shape_ok("sk key"));
    assert_false(apikey_shape_ok("sk\tkey"));
    assert_false(apikey_shape_ok("sk\r\nX-Evil: 1"));
    assert_false(apikey_shape_ok("sk\x7f"));
    assert_false(apikey_shape_ok("sk_\xc3\xa9"));
}

static void request_body_is_json(void **state)
{
    const char *value = "sk_\"quoted\"\\back/slash";
    apr_size_t len;
    char *body = apikey_request_body(pool, value, &len);
    json_error_t err;
    json_t *j = json_loadb(body, len, 0, &err);

    (void)state;
    assert_int_equal(len, strlen(body));
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "value")),
                        value);
    assert_int_equal(json_object_size(j), 1);
    json_decref(j);
}

static void answer_org_key(void **state)
{
    apikey_info_t k;

    (void)state;
    assert_int_equal(parse("{\"api_key\":{\"object\":\"api_key\","
                           "\"id\":\"api_key_01\",\"owner\":{\"type\":"
                           "\"organization\",\"id\":\"org_01ACME\"},"
                           "\"name\":\"CI\",\"permissions\":[\"posts:read\","
                           "\"posts:write\"]}}", &k),
                     APIKEY_ANSWER_VALID);
    assert_string_equal(k.id, "api_key_01");
    assert_string_equal(k.org_id, "org_01ACME");
    assert_int_equal(k.permissions->nelts, 2);
    assert_string_equal(perm(&k, 0), "posts:read");
    assert_string_equal(perm(&k, 1), "posts:write");
}

static void answer_user_key(void **state)
{
    apikey_info_t k;

    (void)state;
    assert_int_equal(parse("{\"api_key\":{\"id\":\"api_key_02\",\"owner\":"
                           "{\"type\":\"user\",\"id\":\"user_01\","
                           "\"organization_id\":\"org_01OTHER\"}}}", &k),
                     APIKEY_ANSWER_VALID);
    assert_string_equal(k.org_id, "org_01OTHER");
    assert_non_null(k.permissions);
    assert_int_equal(k.permissions->nelts, 0);
    assert_int_equal(parse("{\"api_key\":{\"id\":\"api_key_03\",\"owner\":"
                           "{\"type\":\"user\",\"id\":\"user_01\"}}}", &k),
                     APIKEY_ANSWER_VALID);
    assert_null(k.org_id);
}

static void answer_null_is_invalid(void **state)
{
    apikey_info_t k;

    (void)state;
    assert_int_equal(parse("{\"api_key\":null}", &k), APIKEY_ANSWER_INVALID);
}

static void answer_garbage(void **state)
{
    static const char *const bad[] = {
        "", "{not json", "[]", "null", "{}", "{\"apiKey\":null}",
        "{\"api_key\":\"api_key_01\"}",
        "{\"api_key\":{}}",
        "{\"api_key\":{\"id\":\"\"}}",
        "{\"api_key\":{\"id\":7}}",
        "{\"api_key\":{\"id\":\"a\\nb\"}}",
        "{\"api_key\":{\"id\":\"k\",\"permissions\":\"posts:read\"}}",
        "{\"api_key\":{\"id\":\"k\",\"owner\":{\"type\":\"organization\"}}}",
        "{\"api_key\":null,\"api_key\":{\"id\":\"k\"}}",
    };
    apikey_info_t k;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(bad[i], &k), APIKEY_ANSWER_GARBAGE);
    }
}

static void answer_drops_unfit_permissions(void **state)
{
    apikey_info_t k;

    (void)state;
    assert_int_equal(parse("{\"api_key\":{\"id\":\"k\",\"permissions\":"
                           "[\"a\",1,\"\",\"b\\r\\nc\",null,\"d\"]}}", &k),
                     APIKEY_ANSWER_VALID);
    assert_int_equal(k.permissions->nelts, 2);
    assert_string_equal(perm(&k, 0), "a");
    assert_string_equal(perm(&k, 1), "d");
    /* an unknown owner type: the key stands, with no organisation */
    assert_int_equal(parse("{\"api_key\":{\"id\":\"k\",\"owner\":"
                           "{\"type\":\"team\",\"id\":\"t\"}}}", &k),
                     APIKEY_ANSWER_VALID);
    assert_null(k.org_id);
}

static void cache_round_trip(void **state)
{
    apikey_info_t k, back;
    const char *s;

    (void)state;
    assert_int_equal(parse("{\"api_key\":{\"id\":\"api_key_01\",\"owner\":"
                           "{\"type\":\"organization\",\"id\":\"org_1\"},"
                           "\"permissions\":[\"x\",\"y\"]}}", &k),
                     APIKEY_ANSWER_VALID);
    s = apikey_serialise(pool, &k);
    assert_non_null(s);
    assert_int_equal(strncmp(s, "ok ", 3), 0);
    assert_int_equal(apikey_deserialise(pool, s, strlen(s), &back),
                     APIKEY_ANSWER_VALID);
    assert_string_equal(back.id, "api_key_01");
    assert_string_equal(back.org_id, "org_1");
    assert_int_equal(back.permissions->nelts, 2);
    assert_string_equal(perm(&back, 1), "y");
}

static void cache_round_trip_without_org(void **state)
{
    apikey_info_t k = { "api_key_9", NULL, NULL }, back;
    const char *s;

    (void)state;
    k.permissions = apr_array_make(pool, 1, sizeof(const char *));
    s = apikey_serialise(pool, &k);
    assert_non_null(s);
    assert_int_equal(apikey_deserialise(pool, s, strlen(s), &back),
                     APIKEY_ANSWER_VALID);
    assert_null(back.org_id);
    assert_int_equal(back.permissions->nelts, 0);
}

static void cache_negative_and_garbage(void **state)
{
    static const char *const bad[] = {
        "", "o", "ok", "ok ", "ok {", "ok []", "ok {}", "no ", "nope",
        "ok {\"id\":\"\"}", "ok {\"id\":\"k\",\"org\":5}",
        "ok {\"id\":\"k\",\"perms\":{}}",
    };
    apikey_info_t k;
    size_t i;

    (void)state;
    assert_int_equal(apikey_deserialise(pool, "no", 2, &k),
                     APIKEY_ANSWER_INVALID);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(apikey_deserialise(pool, bad[i], strlen(bad[i]),
                                            &k), APIKEY_ANSWER_GARBAGE);
    }
    k.id = NULL;
    assert_null(apikey_serialise(pool, &k));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shape_accepts_keys),
        cmocka_unit_test(shape_refuses_the_rest),
        cmocka_unit_test(request_body_is_json),
        cmocka_unit_test(answer_org_key),
        cmocka_unit_test(answer_user_key),
        cmocka_unit_test(answer_null_is_invalid),
        cmocka_unit_test(answer_garbage),
        cmocka_unit_test(answer_drops_unfit_permissions),
        cmocka_unit_test(cache_round_trip),
        cmocka_unit_test(cache_round_trip_without_org),
        cmocka_unit_test(cache_negative_and_garbage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
