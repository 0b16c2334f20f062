/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for identity fields and shared-tier entries (credentry.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <apr_general.h>
#include <apr_strings.h>
#include "model/credentry.h"

#define KEY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define NAME "wos:cred:b:00112233aabbccdd:0badf00d:ffee"

static apr_pool_t *pool;

static apr_array_header_t *list(const char *a, const char *b)
{
    apr_array_header_t *l = apr_array_make(pool, 2, sizeof(const char *));

    if (a) {
        APR_ARRAY_PUSH(l, const char *) = a;
    }
    if (b) {
        APR_ARRAY_PUSH(l, const char *) = b;
    }
    return l;
}

static wos_identity_t *identity(void)
{
    wos_identity_t *id = apr_pcalloc(pool, sizeof(*id));

    id->user_id = "user_01ALICE";
    id->session_id = "session_01";
    id->org_id = "org_01ACME";
    id->role = "admin";
    id->roles = list("admin", "billing");
    id->permissions = list("posts:write", NULL);
    id->entitlements = list(NULL, NULL);
    id->feature_flags = NULL;
    id->email = "alice@example.com";
    id->impersonator_email = "root@example.com";
    id->exp = 2000;
    id->iat = 1700;
    id->claims_json = "{\"sub\":\"user_01ALICE\",\"urn:tier\":\"gold\"}";
    return id;
}

static char *seal(const wos_identity_t *id, long long until, size_t *len)
{
    char *e = credentry_seal(pool, KEY, NAME, id, until, len);

    assert_non_null(e);
    return e;
}

static void test_round_trip_carries_everything(void **state)
{
    size_t len;
    char *e = seal(identity(), 1970, &len);
    wos_identity_t *got;
    long long until = 0;

    (void)state;
    assert_int_equal(credentry_open(pool, KEY, NAME, e, len, 1000, &got,
                                    &until), CREDENTRY_OK);
    assert_int_equal(until, 1970);
    assert_string_equal(got->user_id, "user_01ALICE");
    assert_string_equal(got->session_id, "session_01");
    assert_string_equal(got->org_id, "org_01ACME");
    assert_string_equal(got->role, "admin");
    assert_int_equal(got->roles->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(got->roles, 1, const char *),
                        "billing");
    assert_int_equal(got->permissions->nelts, 1);
    assert_int_equal(got->entitlements->nelts, 0);
    assert_int_equal(got->feature_flags->nelts, 0);
    assert_string_equal(got->email, "alice@example.com");
    assert_string_equal(got->impersonator_email, "root@example.com");
    assert_null(got->api_key_id);
    assert_int_equal(got->exp, 2000);
    assert_int_equal(got->iat, 1700);
    assert_string_equal(got->claims_json,
                        "{\"sub\":\"user_01ALICE\",\"urn:tier\":\"gold\"}");
}

static void test_every_altered_byte_fails_the_mac(void **state)
{
    size_t len, i;
    char *e = seal(identity(), 1970, &len), *copy;
    wos_identity_t *got;
    long long until;

    (void)state;
    for (i = 0; i < len; i++) {
        copy = apr_pmemdup(pool, e, len);
        copy[i] ^= 0x01;
        assert_int_equal(credentry_open(pool, KEY, NAME, copy, len, 1000,
                                        &got, &until), CREDENTRY_BAD_MAC);
        assert_null(got);
    }
}

static void test_other_key_or_name_fails(void **state)
{
    size_t len;
    char *e = seal(identity(), 1970, &len);
    wos_identity_t *got;
    long long until;

    (void)state;
    assert_int_equal(credentry_open(pool, KEY "x", NAME, e, len, 1000, &got,
                                    &until), CREDENTRY_BAD_MAC);
    /* a genuine entry moved under another credential's key */
    assert_int_equal(credentry_open(pool, KEY, NAME "0", e, len, 1000, &got,
                                    &until), CREDENTRY_BAD_MAC);
}

static void test_truncated_oversized_expired(void **state)
{
    size_t len, i;
    char *e = seal(identity(), 1970, &len);
    char *big = apr_pcalloc(pool, CREDENTRY_MAX + 1);
    wos_identity_t *got;
    long long until;
    credentry_rc rc;

    (void)state;
    for (i = 0; i < len; i++) {
        rc = credentry_open(pool, KEY, NAME, e, i, 1000, &got, &until);
        assert_true(rc == (i < CREDENTRY_HEAD + CREDENTRY_MAC
                           ? CREDENTRY_TRUNCATED : CREDENTRY_BAD_MAC));
    }
    assert_int_equal(credentry_open(pool, KEY, NAME, big, CREDENTRY_MAX + 1,
                                    1000, &got, &until),
                     CREDENTRY_OVERSIZED);
    assert_int_equal(credentry_open(pool, KEY, NAME, e, len, 1970, &got,
                                    &until), CREDENTRY_EXPIRED);
    assert_null(got);
}

static void test_too_large_or_userless_is_not_sealed(void **state)
{
    wos_identity_t *id = identity();
    char *huge = apr_palloc(pool, CREDENTRY_MAX_FIELDS + 1);
    size_t len;

    (void)state;
    memset(huge, 'x', CREDENTRY_MAX_FIELDS);
    huge[CREDENTRY_MAX_FIELDS] = '\0';
    id->claims_json = huge;
    assert_null(credentry_seal(pool, KEY, NAME, id, 1970, &len));
    id = identity();
    id->user_id = NULL;
    assert_null(credentry_seal(pool, KEY, NAME, id, 1970, &len));
}

/* "u" then n NULs: n fields, the first "u" (or "" without a user). */
static wos_identity_t *unpack_fields(int n, int user, int tail)
{
    char *blob = apr_pcalloc(pool, (size_t)n + 2);

    blob[0] = user ? 'u' : '\0';
    if (tail) {
        blob[n + 1] = 'x';   /* bytes after the last terminator */
    }
    return credentry_unpack(pool, user ? blob : blob + 1,
                            (size_t)n + (user ? 1 : 0) + (tail ? 1 : 0), 0,
                            0);
}

static void test_unpack_wants_exactly_the_fields(void **state)
{
    (void)state;
    assert_null(unpack_fields(CREDENTRY_FIELDS - 1, 1, 0));
    assert_non_null(unpack_fields(CREDENTRY_FIELDS, 1, 0));
    assert_null(unpack_fields(CREDENTRY_FIELDS + 1, 1, 0));
    assert_null(unpack_fields(CREDENTRY_FIELDS, 0, 0));
    assert_null(unpack_fields(CREDENTRY_FIELDS, 1, 1));
}

/* A host-local entry (no MAC key) carries the same identity and costs no
 * MAC; it never opens as a network cache's entry, nor one of those as
 * it, so a redis entry without a MAC is not a way around the check. */
static void test_local_entries_and_the_two_forms_apart(void **state)
{
    size_t len = 0, mlen = 0;
    char *e = credentry_seal(pool, NULL, NAME, identity(), 1970, &len);
    char *m = seal(identity(), 1970, &mlen);
    wos_identity_t *got = NULL;
    long long until = 0;

    (void)state;
    assert_non_null(e);
    assert_int_equal(len + CREDENTRY_MAC, mlen);
    assert_int_equal(credentry_open(pool, NULL, NAME, e, len, 1000, &got,
                                    &until), CREDENTRY_OK);
    assert_int_equal(until, 1970);
    assert_string_equal(got->user_id, "user_01ALICE");
    assert_string_equal(got->claims_json,
                        "{\"sub\":\"user_01ALICE\",\"urn:tier\":\"gold\"}");
    assert_int_equal(got->iat, 1700);
    assert_int_equal(credentry_open(pool, KEY, NAME, e, len, 1000, &got,
                                    &until), CREDENTRY_BAD_MAC);
    assert_null(got);
    assert_int_equal(credentry_open(pool, NULL, NAME, m, mlen, 1000, &got,
                                    &until), CREDENTRY_MALFORMED);
    assert_int_equal(credentry_open(pool, NULL, NAME, m, mlen - CREDENTRY_MAC,
                                    1000, &got, &until), CREDENTRY_MALFORMED);
    assert_int_equal(credentry_open(pool, NULL, NAME, e, len, 1970, &got,
                                    &until), CREDENTRY_EXPIRED);
    assert_int_equal(credentry_open(pool, NULL, NAME, e, CREDENTRY_HEAD - 1,
                                    1000, &got, &until), CREDENTRY_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_carries_everything),
        cmocka_unit_test(test_every_altered_byte_fails_the_mac),
        cmocka_unit_test(test_other_key_or_name_fails),
        cmocka_unit_test(test_truncated_oversized_expired),
        cmocka_unit_test(test_too_large_or_userless_is_not_sealed),
        cmocka_unit_test(test_unpack_wants_exactly_the_fields),
        cmocka_unit_test(test_local_entries_and_the_two_forms_apart),
    };
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
