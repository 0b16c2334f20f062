/* Unit tests for the verified-credential cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <apr_general.h>
#include <apr_strings.h>
#include "credcache.h"

static apr_pool_t *pool;

static wos_identity_t *make_identity(const char *sub)
{
    wos_identity_t *id = apr_pcalloc(pool, sizeof(*id));

    id->user_id = sub;
    id->session_id = "session_1";
    id->org_id = "org_1";
    id->role = "admin";
    id->email = "a@example.com";
    id->roles = apr_array_make(pool, 2, sizeof(const char *));
    *(const char **)apr_array_push(id->roles) = "admin";
    *(const char **)apr_array_push(id->roles) = "billing";
    id->permissions = apr_array_make(pool, 1, sizeof(const char *));
    *(const char **)apr_array_push(id->permissions) = "posts:write";
    id->entitlements = apr_array_make(pool, 0, sizeof(const char *));
    id->feature_flags = NULL;
    id->exp = 2000;
    return id;
}

static void test_round_trip(void **state)
{
    credcache_t *c = credcache_create(pool);
    unsigned char k[32];
    wos_identity_t *got;

    (void)state;
    credcache_key(c, 'b', "tag", "token-1", 7, k);
    credcache_put(c, k, make_identity("user_1"), 1990);
    got = credcache_get(c, k, 1000, pool);
    assert_non_null(got);
    assert_string_equal(got->user_id, "user_1");
    assert_string_equal(got->session_id, "session_1");
    assert_string_equal(got->org_id, "org_1");
    assert_string_equal(got->role, "admin");
    assert_string_equal(got->email, "a@example.com");
    assert_null(got->impersonator_email);
    assert_null(got->api_key_id);
    assert_int_equal(got->roles->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(got->roles, 1, const char *),
                        "billing");
    assert_int_equal(got->permissions->nelts, 1);
    assert_int_equal(got->entitlements->nelts, 0);
    assert_int_equal(got->feature_flags->nelts, 0);
    assert_int_equal(got->exp, 2000);
}

static void test_expiry_kind_and_other_keys(void **state)
{
    credcache_t *c = credcache_create(pool);
    unsigned char k[32], cookie_k[32], other[32];

    (void)state;
    credcache_key(c, 'b', "tag", "token-1", 7, k);
    credcache_key(c, 'c', "tag", "token-1", 7, cookie_k);
    credcache_key(c, 'b', "tag", "token-2", 7, other);
    assert_memory_not_equal(k, cookie_k, 32);
    credcache_put(c, k, make_identity("user_1"), 1500);
    assert_null(credcache_get(c, k, 1500, pool));   /* until is exclusive */
    assert_non_null(credcache_get(c, k, 1499, pool));
    assert_null(credcache_get(c, cookie_k, 1000, pool));
    assert_null(credcache_get(c, other, 1000, pool));
}

/* What one virtual host verified is never served to another. */
static void test_tag_isolates(void **state)
{
    credcache_t *c = credcache_create(pool);
    unsigned char a[32], b[32], ab[32], ba[32];

    (void)state;
    credcache_key(c, 'b', "0123456789abcdef", "token-1", 7, a);
    credcache_key(c, 'b', "fedcba9876543210", "token-1", 7, b);
    /* the tag is delimited: "tag" + "Xtoken" is not "tagX" + "token" */
    credcache_key(c, 'b', "0123456789abcdef0", "token-1", 7, ab);
    credcache_key(c, 'b', "0123456789abcdef", "0token-1", 8, ba);
    assert_memory_not_equal(a, b, 32);
    assert_memory_not_equal(ab, ba, 32);
    credcache_put(c, a, make_identity("user_1"), 1500);
    assert_non_null(credcache_get(c, a, 1000, pool));
    assert_null(credcache_get(c, b, 1000, pool));
}

static void test_clear_and_replace(void **state)
{
    credcache_t *c = credcache_create(pool);
    unsigned char k[32];

    (void)state;
    credcache_key(c, 'b', "tag", "t", 1, k);
    credcache_put(c, k, make_identity("user_1"), 1500);
    credcache_put(c, k, make_identity("user_2"), 1500);
    assert_string_equal(credcache_get(c, k, 1000, pool)->user_id, "user_2");
    credcache_clear(c);
    assert_null(credcache_get(c, k, 1000, pool));
}

static void test_bounded(void **state)
{
    credcache_t *c = credcache_create(pool);
    unsigned char k[32];
    wos_identity_t *big = make_identity("user_1");
    char *huge = apr_palloc(pool, CREDCACHE_MAX_ENTRY + 1);
    int i;

    (void)state;
    memset(huge, 'x', CREDCACHE_MAX_ENTRY);
    huge[CREDCACHE_MAX_ENTRY] = '\0';
    big->email = huge;
    credcache_key(c, 'b', "tag", "big", 3, k);
    credcache_put(c, k, big, 1500);
    assert_null(credcache_get(c, k, 1000, pool));   /* refused, not cut */
    /* many more credentials than slots: no growth, the newest are kept */
    for (i = 0; i < 3 * CREDCACHE_SLOTS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "token-%d", i);
        credcache_key(c, 'b', "tag", name, strlen(name), k);
        credcache_put(c, k, make_identity("user_1"), 1500);
    }
    assert_non_null(credcache_get(c, k, 1000, pool));
}

static void test_no_user_is_not_stored(void **state)
{
    credcache_t *c = credcache_create(pool);
    unsigned char k[32];
    wos_identity_t *id = make_identity(NULL);

    (void)state;
    credcache_key(c, 'b', "tag", "t", 1, k);
    credcache_put(c, k, id, 1500);
    assert_null(credcache_get(c, k, 1000, pool));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_expiry_kind_and_other_keys),
        cmocka_unit_test(test_tag_isolates),
        cmocka_unit_test(test_clear_and_replace),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_no_user_is_not_stored),
    };
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
