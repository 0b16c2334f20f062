/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/codec/envelope.c: what a writer of the network cache
 * can do to an entry (forge, alter, move, truncate, re-date, downgrade,
 * bring one from another environment) ends as a refusal, and what a
 * reader sees of an encrypted one. Also times a MAC check on an entry the
 * size of a verified credential (printed, not asserted). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "codec/envelope.h"

static apr_pool_t *pool;
static unsigned char mac_a[ENVELOPE_KEY], mac_b[ENVELOPE_KEY];
static unsigned char enc_a[ENVELOPE_KEY], enc_b[ENVELOPE_KEY];

#define TYPE "wos:apikey"
#define NAME "wos:apikey:env1:abcd"
#define VALUE "ok {\"id\":\"key_1\",\"org\":\"org_1\",\"perms\":[]}"

static apr_time_t later(void)
{
    return apr_time_now() + apr_time_from_sec(60);
}

static envelope_rc open_as(const char *raw, apr_size_t rawlen,
                           const unsigned char *mac, const unsigned char *enc,
                           const char *type, const char *name,
                           char **val, apr_size_t *len)
{
    return envelope_open(pool, mac, enc, type, name, apr_time_now(), raw,
                         rawlen, 4096, val, len);
}

static void seal(const unsigned char *enc, const char *v, char **out,
                 apr_size_t *outlen)
{
    assert_int_equal(envelope_seal(pool, mac_a, enc, TYPE, NAME, later(), v,
                                   strlen(v), out, outlen), ENVELOPE_OK);
}

static void test_round_trip(void **state)
{
    char *raw, *val;
    apr_size_t rawlen, len;

    (void)state;
    seal(NULL, VALUE, &raw, &rawlen);
    assert_int_equal(rawlen, strlen(VALUE) + ENVELOPE_HEADER + ENVELOPE_MAC);
    assert_int_equal(open_as(raw, rawlen, mac_a, NULL, TYPE, NAME, &val,
                             &len), ENVELOPE_OK);
    assert_int_equal(len, strlen(VALUE));
    assert_string_equal(val, VALUE);
    seal(enc_a, VALUE, &raw, &rawlen);
    assert_true(rawlen <= strlen(VALUE) + ENVELOPE_OVERHEAD);
    assert_int_equal(open_as(raw, rawlen, mac_a, enc_a, TYPE, NAME, &val,
                             &len), ENVELOPE_OK);
    assert_string_equal(val, VALUE);
    /* an empty value too */
    seal(enc_a, "", &raw, &rawlen);
    assert_int_equal(open_as(raw, rawlen, mac_a, enc_a, TYPE, NAME, &val,
                             &len), ENVELOPE_OK);
    assert_int_equal(len, 0);
}

/* A reader of the cache server sees no byte of an encrypted value. */
static void test_encrypted_hides_value(void **state)
{
    char *raw;
    apr_size_t rawlen, i;

    (void)state;
    seal(enc_a, VALUE, &raw, &rawlen);
    for (i = 0; i + 5 <= rawlen; i++) {
        assert_false(memcmp(raw + i, "key_1", 5) == 0);
        assert_false(memcmp(raw + i, "org_1", 5) == 0);
    }
}

static void test_forged(void **state)
{
    const char *forged = "ok {\"id\":\"k\",\"org\":\"o\",\"perms\":[\"x\"]}";
    char *raw, *val = NULL;
    apr_size_t rawlen, len;

    (void)state;
    /* a bare value, as the cache held before envelopes */
    assert_int_equal(open_as(forged, strlen(forged), mac_a, NULL, TYPE, NAME,
                             &val, &len), ENVELOPE_ERR_FORMAT);
    /* an envelope under a key the writer made up */
    assert_int_equal(envelope_seal(pool, mac_b, NULL, TYPE, NAME, later(),
                                   forged, strlen(forged), &raw, &rawlen),
                     ENVELOPE_OK);
    assert_int_equal(open_as(raw, rawlen, mac_a, NULL, TYPE, NAME, &val,
                             &len), ENVELOPE_ERR_MAC);
    assert_null(val);
}

/* One bit flipped anywhere: header, value, nonce, ciphertext, tags. */
static void test_altered_every_byte(void **state)
{
    const unsigned char *encs[2] = { NULL, enc_a };
    char *raw, *copy, *val;
    apr_size_t rawlen, len, i;
    int e;

    (void)state;
    for (e = 0; e < 2; e++) {
        seal(encs[e], VALUE, &raw, &rawlen);
        copy = apr_pmemdup(pool, raw, rawlen);
        for (i = 0; i < rawlen; i++) {
            copy[i] ^= 0x01;
            assert_int_not_equal(open_as(copy, rawlen, mac_a, encs[e], TYPE,
                                         NAME, &val, &len), ENVELOPE_OK);
            copy[i] ^= 0x01;
        }
        assert_int_equal(open_as(copy, rawlen, mac_a, encs[e], TYPE, NAME,
                                 &val, &len), ENVELOPE_OK);
    }
}

static void test_moved(void **state)
{
    char *raw, *val;
    apr_size_t rawlen, len;

    (void)state;
    seal(NULL, VALUE, &raw, &rawlen);
    assert_int_equal(open_as(raw, rawlen, mac_a, NULL, TYPE,
                             "wos:apikey:env1:abce", &val, &len),
                     ENVELOPE_ERR_MAC);
    assert_int_equal(open_as(raw, rawlen, mac_a, NULL, "wos:asw", NAME, &val,
                             &len), ENVELOPE_ERR_MAC);
    /* the name's bytes are length-prefixed: no shifting across the line */
    assert_int_equal(open_as(raw, rawlen, mac_a, NULL, "wos:apikey:env1",
                             ":abcd", &val, &len), ENVELOPE_ERR_MAC);
}

static void test_other_environment(void **state)
{
    char *raw, *val;
    apr_size_t rawlen, len;

    (void)state;
    seal(enc_a, VALUE, &raw, &rawlen);
    assert_int_equal(open_as(raw, rawlen, mac_b, enc_a, TYPE, NAME, &val,
                             &len), ENVELOPE_ERR_MAC);
    /* the MAC key alone does not open another holder's value */
    assert_int_equal(open_as(raw, rawlen, mac_a, enc_b, TYPE, NAME, &val,
                             &len), ENVELOPE_ERR_DECRYPT);
}

static void test_truncated(void **state)
{
    char *raw, *val;
    apr_size_t rawlen, len, n;

    (void)state;
    seal(enc_a, VALUE, &raw, &rawlen);
    for (n = 0; n < rawlen; n++) {
        assert_int_not_equal(open_as(raw, n, mac_a, enc_a, TYPE, NAME, &val,
                                     &len), ENVELOPE_OK);
    }
}

static void test_expiry(void **state)
{
    char *raw, *val;
    apr_size_t rawlen, len;
    apr_time_t now = apr_time_now();

    (void)state;
    assert_int_equal(envelope_seal(pool, mac_a, NULL, TYPE, NAME, now, VALUE,
                                   strlen(VALUE), &raw, &rawlen),
                     ENVELOPE_OK);
    assert_int_equal(envelope_open(pool, mac_a, NULL, TYPE, NAME, now, raw,
                                   rawlen, 4096, &val, &len),
                     ENVELOPE_ERR_EXPIRED);
    assert_int_equal(envelope_open(pool, mac_a, NULL, TYPE, NAME, now - 1,
                                   raw, rawlen, 4096, &val, &len),
                     ENVELOPE_OK);
    /* a writer cannot move the expiry: it is under the MAC */
    raw[4 + 2] ^= 0x10;
    assert_int_equal(envelope_open(pool, mac_a, NULL, TYPE, NAME, now - 1,
                                   raw, rawlen, 4096, &val, &len),
                     ENVELOPE_ERR_MAC);
}

/* An authentic entry is opened only as its type was sealed. */
static void test_no_downgrade(void **state)
{
    char *raw, *val;
    apr_size_t rawlen, len;

    (void)state;
    seal(NULL, VALUE, &raw, &rawlen);
    assert_int_equal(open_as(raw, rawlen, mac_a, enc_a, TYPE, NAME, &val,
                             &len), ENVELOPE_ERR_FORMAT);
    seal(enc_a, VALUE, &raw, &rawlen);
    assert_int_equal(open_as(raw, rawlen, mac_a, NULL, TYPE, NAME, &val,
                             &len), ENVELOPE_ERR_FORMAT);
}

static void test_bounds(void **state)
{
    char *raw, *val;
    apr_size_t rawlen, len;

    (void)state;
    seal(NULL, VALUE, &raw, &rawlen);
    assert_int_equal(envelope_open(pool, mac_a, NULL, TYPE, NAME,
                                   apr_time_now(), raw, rawlen,
                                   strlen(VALUE) - 1, &val, &len),
                     ENVELOPE_ERR_TOO_LONG);
    assert_int_equal(envelope_open(pool, NULL, NULL, TYPE, NAME,
                                   apr_time_now(), raw, rawlen, 4096, &val,
                                   &len), ENVELOPE_ERR_ARG);
    assert_int_equal(envelope_seal(pool, NULL, NULL, TYPE, NAME, later(),
                                   VALUE, strlen(VALUE), &raw, &rawlen),
                     ENVELOPE_ERR_ARG);
    assert_int_equal(envelope_seal(pool, mac_a, NULL, TYPE, NAME, later(),
                                   VALUE, ENVELOPE_MAX_VALUE + 1, &raw,
                                   &rawlen), ENVELOPE_ERR_ARG);
    assert_string_equal(envelope_reason(ENVELOPE_ERR_MAC), "bad MAC");
}

/* The cost of opening an entry the size of a verified credential
 * (credentry.h: 0.5-2 KB), as a network-cache hit pays it. */
static void test_cost(void **state)
{
    char value[1500], *raw, *val;
    apr_size_t rawlen, len;
    apr_pool_t *tmp;
    apr_time_t t0, now = apr_time_now();
    int i, n = 20000, e;

    (void)state;
    memset(value, 'v', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    for (e = 0; e < 2; e++) {
        const unsigned char *enc = e ? enc_a : NULL;

        seal(enc, value, &raw, &rawlen);
        apr_pool_create(&tmp, pool);
        t0 = apr_time_now();
        for (i = 0; i < n; i++) {
            assert_int_equal(envelope_open(tmp, mac_a, enc, TYPE, NAME, now,
                                           raw, rawlen, 4096, &val, &len),
                             ENVELOPE_OK);
            apr_pool_clear(tmp);
        }
        printf("# opening a %zu-byte %s entry: %.2f us\n", rawlen,
               e ? "MAC'd and encrypted" : "MAC'd",
               (double)(apr_time_now() - t0) / n);
        apr_pool_destroy(tmp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_encrypted_hides_value),
        cmocka_unit_test(test_forged),
        cmocka_unit_test(test_altered_every_byte),
        cmocka_unit_test(test_moved),
        cmocka_unit_test(test_other_environment),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_no_downgrade),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_cost),
    };
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    memset(mac_a, 0xa1, sizeof(mac_a));
    memset(mac_b, 0xb2, sizeof(mac_b));
    memset(enc_a, 0xc3, sizeof(enc_a));
    memset(enc_b, 0xd4, sizeof(enc_b));
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
