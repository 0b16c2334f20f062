/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/store/cachens.c: the registry of shared-cache
 * entries and its one key builder. The keys must stay byte for byte what
 * the module wrote before the registry existed: hosts of one fleet, and
 * revocations across restarts, depend on them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "store/cachens.h"

static apr_pool_t *pool;

static const char *key(const cachens_key_t *k, cachens_type type)
{
    assert_non_null(k);
    assert_int_equal(k->type, type);
    return k->name;
}

/* Each type's key, next to the string the hand-built code made. */
static void test_keys_are_todays(void **state)
{
    const char *url = "https://api.workos.com/sso/jwks/client_01X";
    const char *h = "9f86d081884c7d659a2feaa0c55ad015"
                    "a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const char *env = "e0123456789abcdef";

    (void)state;
    assert_string_equal(key(cachens_key(pool, CACHENS_JWKS, url, NULL),
                            CACHENS_JWKS),
                        apr_pstrcat(pool, "wos:jwks:", url, NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_JWKS_MISS, url, NULL),
                            CACHENS_JWKS_MISS),
                        apr_pstrcat(pool, "wos:jwks-miss:", url, NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_JWKS_MISS_TRUSTED, url,
                                        NULL), CACHENS_JWKS_MISS_TRUSTED),
                        apr_pstrcat(pool, "wos:jwks-miss-trusted:", url,
                                    NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_JWKS_FAIL, url, NULL),
                            CACHENS_JWKS_FAIL),
                        apr_pstrcat(pool, "wos:jwks-fail:", url, NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_JWKS_RECHECK, url,
                                        NULL), CACHENS_JWKS_RECHECK),
                        apr_pstrcat(pool, "wos:jwks-recheck:", url, NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_CRED, "b", "vtag",
                                        "fp01", h, NULL), CACHENS_CRED),
                        apr_psprintf(pool, "wos:cred:%c:%s:%s:%s", 'b',
                                     "vtag", "fp01", h));
    /* one generation per environment since entries are sealed under the
     * environment's key (it was "wos:rev:gen" for all) */
    assert_string_equal(key(cachens_key(pool, CACHENS_REV_GEN, env, NULL),
                            CACHENS_REV_GEN),
                        apr_pstrcat(pool, "wos:rev:gen:", env, NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_REV,
                                        "0123456789abcdef0123456789abcdef",
                                        NULL), CACHENS_REV),
                        "wos:rev:0123456789abcdef0123456789abcdef");
    assert_string_equal(key(cachens_key(pool, CACHENS_EVENTS_CLAIM, env,
                                        NULL), CACHENS_EVENTS_CLAIM),
                        apr_pstrcat(pool, "wos:events:claim:", env, NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_EVENTS_CURSOR, env,
                                        NULL), CACHENS_EVENTS_CURSOR),
                        apr_pstrcat(pool, "wos:events:cursor:", env, NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_RT_LOCK, env, h, NULL),
                            CACHENS_RT_LOCK),
                        apr_pstrcat(pool, "wos:rt-lock:", env, ":", h, NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_RT_DONE, env, h, NULL),
                            CACHENS_RT_DONE),
                        apr_pstrcat(pool, "wos:rt-done:", env, ":", h, NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_APIKEY, env, h, NULL),
                            CACHENS_APIKEY),
                        apr_pstrcat(pool, "wos:", "apikey", ":", env, ":", h,
                                    NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_APIKEY_LOCK, env, h,
                                        NULL), CACHENS_APIKEY_LOCK),
                        apr_pstrcat(pool, "wos:", "apikey-lock", ":", env,
                                    ":", h, NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_APIKEY_FAIL, env,
                                        "192.0.2.7", NULL),
                            CACHENS_APIKEY_FAIL),
                        apr_pstrcat(pool, "wos:", "apikey-fail", ":", env,
                                    ":", "192.0.2.7", NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_APIKEY_FAIL_LOCK, env,
                                        "2001:db8::1", NULL),
                            CACHENS_APIKEY_FAIL_LOCK),
                        apr_pstrcat(pool, "wos:", "apikey-fail-lock", ":",
                                    env, ":", "2001:db8::1", NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_FLOW, env, h, NULL),
                            CACHENS_FLOW),
                        apr_pstrcat(pool, "wos:flow:", env, ":", h, NULL));
    assert_string_equal(key(cachens_key(pool, CACHENS_ASW, env, h, NULL),
                            CACHENS_ASW),
                        apr_pstrcat(pool, "wos:asw:", env, ":", h, NULL));
}

/* Empty parts are kept (an unset tag must not shift the others). */
static void test_empty_parts(void **state)
{
    (void)state;
    assert_string_equal(key(cachens_key(pool, CACHENS_FLOW, "", "", NULL),
                            CACHENS_FLOW), "wos:flow::");
}

static void test_wrong_parts_or_type_refused(void **state)
{
    (void)state;
    assert_null(cachens_key(pool, CACHENS_REV_GEN, NULL));
    assert_null(cachens_key(pool, CACHENS_REV_GEN, "e", "x", NULL));
    assert_null(cachens_key(pool, CACHENS_JWKS, NULL));
    assert_null(cachens_key(pool, CACHENS_FLOW, "env", NULL));
    assert_null(cachens_key(pool, CACHENS_FLOW, "env", "h", "x", NULL));
    assert_null(cachens_key(pool, CACHENS_CRED, "b", "t", "fp", NULL));
    assert_null(cachens_key(pool, CACHENS_COUNT, NULL));
    assert_null(cachens_key(pool, (cachens_type)-1, NULL));
    assert_null(cachens_row(CACHENS_COUNT));
    assert_null(cachens_row((cachens_type)-1));
}

/* The start every key of the type shares: "wos:jwks:", "wos:rev:gen". */
static const char *stem(const cachens_t *row)
{
    return row->parts ? apr_pstrcat(pool, row->name, ":", NULL) : row->name;
}

static void test_every_type_declared(void **state)
{
    int t;

    (void)state;
    for (t = 0; t < CACHENS_COUNT; t++) {
        const cachens_t *row = cachens_row((cachens_type)t);

        assert_non_null(row);
        assert_non_null(row->name);
        assert_true(strncmp(row->name, "wos:", 4) == 0);
        assert_true(strlen(row->name) > 4);
        /* a name ends before the first part's ':' */
        assert_true(row->name[strlen(row->name) - 1] != ':');
        assert_true(row->parts >= 0 && row->parts <= 4);
        assert_true(row->ttl >= 0);
        assert_non_null(row->lifetime);
        assert_true(row->lifetime[0] != '\0');
        assert_int_equal(cachens_ttl((cachens_type)t), row->ttl);
    }
}

/* No key of one type can be a key of another: no type's stem starts
 * another's, but for the one pair that is meant to. */
static void test_namespaces_apart(void **state)
{
    int a, b;

    (void)state;
    for (a = 0; a < CACHENS_COUNT; a++) {
        for (b = 0; b < CACHENS_COUNT; b++) {
            const char *sa = stem(cachens_row((cachens_type)a));
            const char *sb = stem(cachens_row((cachens_type)b));

            if (a == b) {
                continue;
            }
            assert_string_not_equal(cachens_row((cachens_type)a)->name,
                                    cachens_row((cachens_type)b)->name);
            if (strncmp(sb, sa, strlen(sa)) == 0) {
                /* "wos:rev:<hash>" and "wos:rev:gen": a record's one
                 * part is 32 hex digits, never "gen" */
                assert_int_equal(a, CACHENS_REV);
                assert_int_equal(b, CACHENS_REV_GEN);
            }
        }
    }
}

/* A key carries its holder's key only when given one, as a copy. */
static void test_key_held(void **state)
{
    unsigned char hk[CACHENS_HOLDER_KEY_LEN];
    const cachens_key_t *k, *held;

    (void)state;
    memset(hk, 7, sizeof(hk));
    k = cachens_key(pool, CACHENS_RT_DONE, "env", "h", NULL);
    assert_non_null(k);
    assert_null(k->holder_key);
    held = cachens_key_held(pool, k, hk);
    assert_non_null(held);
    assert_string_equal(held->name, k->name);
    assert_int_equal(held->type, CACHENS_RT_DONE);
    hk[0] = 0;
    assert_int_equal(held->holder_key[0], 7);
    assert_null(k->holder_key);
    assert_null(cachens_key_held(pool, NULL, hk));
    assert_null(cachens_key_held(pool, k, NULL));
}

static void test_flags_consistent(void **state)
{
    int t;

    (void)state;
    for (t = 0; t < CACHENS_COUNT; t++) {
        const cachens_t *row = cachens_row((cachens_type)t);

        /* what callers can create lives apart in shmcb, and only that */
        assert_int_equal(row->creator == CACHENS_BY_CALLERS,
                         row->subcache == CACHENS_SUB_CALLERS);
        /* an encrypted entry is authenticated too */
        if (row->protect & CACHENS_ENCRYPTED) {
            assert_true(row->protect & CACHENS_MAC);
        }
        /* a key of the holder's encrypts */
        if (row->protect & CACHENS_HOLDER_KEY) {
            assert_true(row->protect & CACHENS_ENCRYPTED);
        }
        assert_int_equal(row->protect & ~(unsigned)(CACHENS_MAC
                                                    | CACHENS_ENCRYPTED
                                                    | CACHENS_HOLDER_KEY
                                                    | CACHENS_OWN_MAC),
                         0);
        /* callers' entries are counters and answers the fleet shares,
         * but for a failed workos-access check: one host's outage is
         * not the fleet's (its resource comes from the URL) */
        if (row->scope == CACHENS_HOST && t != CACHENS_ACC_FAIL) {
            assert_int_equal(row->creator, CACHENS_BY_MODULE);
        }
    }
}

/* What is true today, so that a change to it is a decision. A network
 * cache is untrusted storage (SPEC): every fleet row is authenticated
 * (the cache layer seals it; the verified credentials carry their own
 * MAC), and the refresh result, a session, is encrypted under the key
 * of the refresh token's holders; the membership ids of workos-access
 * are encrypted under the fleet's key. The host-only types (a failed
 * JWKS fetch, a refetch for a failed signature, a workos-access check
 * WorkOS did not answer) stay in this host's own memory. */
static void test_today(void **state)
{
    int t;

    (void)state;
    for (t = 0; t < CACHENS_COUNT; t++) {
        const cachens_t *row = cachens_row((cachens_type)t);
        unsigned want = row->scope == CACHENS_HOST ? 0 : CACHENS_MAC;

        if (t == CACHENS_CRED) {
            want |= CACHENS_OWN_MAC;
        }
        if (t == CACHENS_ACC_OM) {
            want |= CACHENS_ENCRYPTED;
        }
        if (t == CACHENS_RT_DONE) {
            want |= CACHENS_ENCRYPTED | CACHENS_HOLDER_KEY;
        }
        assert_int_equal(row->protect, want);
        if (row->scope == CACHENS_FLEET) {
            assert_true(row->protect & CACHENS_MAC);
        }
        assert_int_equal(row->scope, t == CACHENS_JWKS_FAIL
                                     || t == CACHENS_JWKS_RECHECK
                                     || t == CACHENS_ACC_FAIL
                                     ? CACHENS_HOST : CACHENS_FLEET);
        assert_int_equal(row->creator,
                         t == CACHENS_APIKEY || t == CACHENS_APIKEY_LOCK
                         || t == CACHENS_APIKEY_FAIL
                         || t == CACHENS_APIKEY_FAIL_LOCK
                         || t == CACHENS_FLOW || t == CACHENS_ASW
                         || t == CACHENS_ACC || t == CACHENS_ACC_LOCK
                         || t == CACHENS_ACC_FAIL
                         ? CACHENS_BY_CALLERS : CACHENS_BY_MODULE);
    }
    /* the lifetimes the code had as constants before */
    assert_int_equal(cachens_ttl(CACHENS_JWKS_MISS), 30);
    assert_int_equal(cachens_ttl(CACHENS_JWKS_MISS_TRUSTED), 5);
    assert_int_equal(cachens_ttl(CACHENS_JWKS_FAIL), 1);
    assert_int_equal(cachens_ttl(CACHENS_JWKS_RECHECK), 30);
    assert_int_equal(cachens_ttl(CACHENS_EVENTS_CURSOR), 31 * 24 * 3600);
    assert_int_equal(cachens_ttl(CACHENS_APIKEY_FAIL_LOCK), 1);
    assert_int_equal(cachens_ttl(CACHENS_ASW), 30);
    assert_int_equal(cachens_ttl(CACHENS_ACC_FAIL), 1);
    assert_int_equal(cachens_ttl(CACHENS_APIKEY), CACHENS_TTL_CALLER);
    assert_int_equal(cachens_ttl(CACHENS_COUNT), CACHENS_TTL_CALLER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_are_todays),
        cmocka_unit_test(test_empty_parts),
        cmocka_unit_test(test_wrong_parts_or_type_refused),
        cmocka_unit_test(test_every_type_declared),
        cmocka_unit_test(test_namespaces_apart),
        cmocka_unit_test(test_flags_consistent),
        cmocka_unit_test(test_key_held),
        cmocka_unit_test(test_today),
    };
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
