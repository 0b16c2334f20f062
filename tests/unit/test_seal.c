/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/codec/seal.c: iron Fe26.2 seals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "codec/b64url.h"
#include "codec/seal.h"

/* 2026-01-01T00:00:00Z: any fixed clock will do, seals carry their own. */
#define NOW 1767225600000LL

static const char PW_A[] = "password-a-0123456789abcdefghijklmnop";
static const char PW_B[] = "password-b-0123456789abcdefghijklmnop";
static const char PW_C[] = "password-c-0123456789abcdefghijklmnop";
static const char JSON[] = "{\"accessToken\":\"x.y.z\",\"user\":{\"id\":\"u\"}}";

/* Made by iron-session 8.0.4's sealData(data, {password, ttl: 0}) with
 * tests/interop/seal.mjs: no expiration, so the vector never goes stale. */
static const char IRON_SESSION_PW[] =
    "iron-session-test-vector-password-0123456789";
static const char IRON_SESSION_PLAIN[] =
    "{\"accessToken\":\"eyJ.a.b\",\"refreshToken\":\"rt_01\",\"user\":"
    "{\"id\":\"user_01\",\"email\":\"a@example.com\","
    "\"firstName\":\"Zo\xc3\xab\"}}";
static const char IRON_SESSION_SEAL[] =
    "Fe26.2*1*55de9537b678a9e6c0fc05a67f8a7af7fd8a1a69ada50e9c8f7939a0588685f3"
    "*9RZ0FRMlRf5csH5nF0Q29A"
    "*NnDqE5qJZLP_JAhyCdvsBhxbYKs850RmDf4h2oodE9fTabTyyi8LuLq1UU1iXB-_jisWeKg7"
    "C5L6_X3prkqKFGic48aG2GqKkK3_mn058PDlLESxqm5FOTJsCQ6crqqVImmtUrGNSCc9pETt"
    "xU8gmmt5VuOrCrvU-B1l0Bg5lPA"
    "*"
    "*981388f6713d2daebdddfda37bda6f110a5a2ab2b5adad89b0741c0f0fc8e59d"
    "*e_dmHEn4jYybipMlQtA-eDazedo2KLl4YP3likbN7UE~2";

/* iron-session with ttl 3600 s: expiration 1795429236005. */
static const char IRON_SESSION_TTL_PLAIN[] = "{\"n\":1}";
static const char IRON_SESSION_TTL_SEAL[] =
    "Fe26.2*1*ccd0dab36c79abe381086a41b6349cad62cbf2e9b504a3c0900b3c8363f7d770"
    "*k9DJMJXqBeKuARoB1wWgMQ*g70PhWLCZQjouViks-UZXQ*1795429236005"
    "*735584bcc86696f52dc17593e0838d1962ae03339dbb1db9527bcc613d368aa6"
    "*u1JCV9GynO5XLW8mCuZ2tUZS1UxvhOmSfP7Gz3RwT70~2";
#define IRON_SESSION_TTL_EXP 1795429236005LL

/* @workos-inc/node 8.8.0's own sealData (id "1", never expires). */
static const char WORKOS_PW[] = "workos-node-vector-password-abcdefghijklmnop";
static const char WORKOS_PLAIN[] =
    "{\"organizationId\":\"org_01\",\"user\":{\"id\":\"user_02\"}}";
static const char WORKOS_SEAL[] =
    "Fe26.2*1*e82c31b4880b57c2b9227fab79c634446a9d18bdaaaef9cb43005d1a7ca456c8"
    "*ysFZ0LWLIvlBuT89TEtQtQ"
    "*v7OHoKOqAE4BUIFJrxJ7jRo1MG63ilFGC54k_9rLqB7x962Bb5GDzNhpZn-a5UsCyPKDC59h"
    "IV6BOy2tS3Jkcw"
    "*"
    "*cb09ce1bd8c83452b37e53e1a9452e55a4f645fa3368623c2a58bfc20cf226f4"
    "*twqvd5wnS5AxyG9OMuNz2GfZLj75aAbuJZipsTwzz38~2";

static apr_pool_t *pool;

static int setup(void **state)
{
    (void)state;
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    return 0;
}

static seal_status_t unseal_with(const char *sealed, size_t len,
                                 const seal_password_t *pws, int n,
                                 long long now, char **plain, int *version)
{
    size_t plain_len = 0;
    seal_status_t st = seal_unseal(pool, sealed, len, pws, n, now, plain,
                                   &plain_len, version);
    if (st == SEAL_OK)
        assert_int_equal(plain_len, strlen(*plain));
    return st;
}

/* Unseals a NUL-terminated seal with one password. */
static seal_status_t unseal1(const char *sealed, const char *id,
                             const char *secret, long long now, char **plain)
{
    seal_password_t pw = { id, secret };
    int version = -1;

    return unseal_with(sealed, strlen(sealed), &pw, 1, now, plain, &version);
}

static char *seal_or_fail(const char *id, const char *secret,
                          const char *plain, long long ttl)
{
    seal_password_t pw = { id, secret };
    char *sealed = NULL;

    assert_int_equal(seal_seal(pool, plain, strlen(plain), &pw, NOW, ttl,
                               &sealed), SEAL_OK);
    assert_non_null(sealed);
    return sealed;
}

/* Start and length of field i (0-7) of a seal. */
static void field(const char *sealed, int i, size_t *start, size_t *len)
{
    const char *s = sealed, *e;

    while (i-- > 0)
        s = strchr(s, '*') + 1;
    e = s + strcspn(s, "*~");
    *start = (size_t)(s - sealed);
    *len = (size_t)(e - s);
}

/* A character of the same alphabet as c, but different. */
static char other_char(char c)
{
    if (c >= '0' && c <= '8')
        return (char)(c + 1);
    if (c == '9')
        return '0';
    return c == 'a' ? 'b' : 'a';
}

/* ---- shape and round trip -------------------------------------------- */

static void test_seal_shape(void **state)
{
    char *sealed = seal_or_fail("1", PW_A, JSON, 0);
    size_t start, len, i;

    (void)state;
    assert_true(strncmp(sealed, "Fe26.2*1*", 9) == 0);
    assert_ptr_equal(strchr(sealed, '~'), sealed + strlen(sealed) - 2);
    assert_string_equal(strchr(sealed, '~'), "~2");
    for (i = 2; i <= 6; i += 4) {
        field(sealed, (int)i, &start, &len);
        assert_int_equal(len, 64);
        assert_int_equal(strspn(sealed + start, "0123456789abcdef"), 64);
    }
    field(sealed, 3, &start, &len);
    assert_int_equal(len, 22);
    field(sealed, 5, &start, &len);
    assert_int_equal(len, 0);
    field(sealed, 7, &start, &len);
    assert_int_equal(len, 43);
}

static void test_round_trip(void **state)
{
    seal_password_t pw = { "1", PW_A };
    char *sealed = seal_or_fail("1", PW_A, JSON, 0), *plain = NULL;
    int version = -1;

    (void)state;
    assert_int_equal(unseal_with(sealed, strlen(sealed), &pw, 1, NOW, &plain,
                                 &version), SEAL_OK);
    assert_string_equal(plain, JSON);
    assert_int_equal(version, 2);
}

static void test_round_trip_sizes(void **state)
{
    char buf[200], *plain;
    size_t n;

    (void)state;
    for (n = 0; n < sizeof(buf); n++) {
        char *sealed;
        memset(buf, 'x', n);
        buf[n] = '\0';
        sealed = seal_or_fail("1", PW_A, buf, 0);
        assert_int_equal(unseal1(sealed, "1", PW_A, NOW, &plain), SEAL_OK);
        assert_string_equal(plain, buf);
    }
}

/* Two seals of one plaintext differ: fresh salts and IV every time. */
static void test_seals_are_randomised(void **state)
{
    char *a = seal_or_fail("1", PW_A, JSON, 0);
    char *b = seal_or_fail("1", PW_A, JSON, 0);

    (void)state;
    assert_string_not_equal(a, b);
}

/* ---- passwords ------------------------------------------------------- */

static void test_rotation_id_picks(void **state)
{
    seal_password_t pws[] = { { "1", PW_A }, { "2", PW_B } };
    char *plain;
    int v;
    char *s1 = seal_or_fail("1", PW_A, "{\"k\":1}", 0);
    char *s2 = seal_or_fail("2", PW_B, "{\"k\":2}", 0);
    char *s3 = seal_or_fail("3", PW_C, "{\"k\":3}", 0);
    char *wrong = seal_or_fail("2", PW_A, "{\"k\":4}", 0);

    (void)state;
    assert_int_equal(unseal_with(s1, strlen(s1), pws, 2, NOW, &plain, &v),
                     SEAL_OK);
    assert_string_equal(plain, "{\"k\":1}");
    assert_int_equal(unseal_with(s2, strlen(s2), pws, 2, NOW, &plain, &v),
                     SEAL_OK);
    assert_string_equal(plain, "{\"k\":2}");
    assert_int_equal(unseal_with(s3, strlen(s3), pws, 2, NOW, &plain, &v),
                     SEAL_ERR_NO_PASSWORD);
    /* The id picks password 2, which did not make it. */
    assert_int_equal(unseal_with(wrong, strlen(wrong), pws, 2, NOW, &plain,
                                 &v), SEAL_ERR_MAC);
}

/* As iron with a bare secret: one password opens a seal of any id. */
static void test_single_password_ignores_id(void **state)
{
    char *plain;
    char *s = seal_or_fail("7", PW_A, JSON, 0);
    char *empty = seal_or_fail("", PW_A, JSON, 0);

    (void)state;
    assert_true(strncmp(empty, "Fe26.2**", 8) == 0);
    assert_int_equal(unseal1(s, "1", PW_A, NOW, &plain), SEAL_OK);
    assert_string_equal(plain, JSON);
    assert_int_equal(unseal1(empty, "1", PW_A, NOW, &plain), SEAL_OK);
}

/* As iron with a password map: an empty id looks for "default". */
static void test_empty_id_means_default(void **state)
{
    seal_password_t with_default[] = { { "1", PW_B }, { "default", PW_A } };
    seal_password_t without[] = { { "1", PW_A }, { "2", PW_B } };
    char *s = seal_or_fail("", PW_A, JSON, 0), *plain;
    int v;

    (void)state;
    assert_int_equal(unseal_with(s, strlen(s), with_default, 2, NOW, &plain,
                                 &v), SEAL_OK);
    assert_int_equal(unseal_with(s, strlen(s), without, 2, NOW, &plain, &v),
                     SEAL_ERR_NO_PASSWORD);
}

static void test_wrong_password(void **state)
{
    char *s = seal_or_fail("1", PW_A, JSON, 0), *plain;

    (void)state;
    assert_int_equal(unseal1(s, "1", PW_B, NOW, &plain), SEAL_ERR_MAC);
}

static void test_bad_passwords(void **state)
{
    seal_password_t short_pw = { "1", "only-31-characters-long-0123456" };
    seal_password_t no_secret = { "1", NULL };
    seal_password_t bad_id = { "a-b", PW_A };
    seal_password_t good = { "1", PW_A };
    char *sealed, *plain;
    int v;
    char *s = seal_or_fail("1", PW_A, JSON, 0);

    (void)state;
    assert_int_equal(strlen(short_pw.secret), SEAL_MIN_PASSWORD_LEN - 1);
    assert_int_equal(seal_seal(pool, "{}", 2, &short_pw, NOW, 0, &sealed),
                     SEAL_ERR_NO_PASSWORD);
    assert_int_equal(seal_seal(pool, "{}", 2, &no_secret, NOW, 0, &sealed),
                     SEAL_ERR_NO_PASSWORD);
    assert_int_equal(seal_seal(pool, "{}", 2, NULL, NOW, 0, &sealed),
                     SEAL_ERR_NO_PASSWORD);
    assert_int_equal(seal_seal(pool, "{}", 2, &bad_id, NOW, 0, &sealed),
                     SEAL_ERR_FORMAT);
    assert_int_equal(unseal_with(s, strlen(s), &short_pw, 1, NOW, &plain, &v),
                     SEAL_ERR_NO_PASSWORD);
    assert_int_equal(unseal_with(s, strlen(s), NULL, 0, NOW, &plain, &v),
                     SEAL_ERR_NO_PASSWORD);
    assert_int_equal(seal_seal(pool, "{}", 2, &good, NOW, -1, &sealed),
                     SEAL_ERR_FORMAT);
}

/* ---- expiration ------------------------------------------------------ */

static void test_expiration(void **state)
{
    char *s = seal_or_fail("1", PW_A, JSON, 1000), *plain;
    char want[32];
    size_t start, len;

    (void)state;
    field(s, 5, &start, &len);
    snprintf(want, sizeof(want), "%lld", NOW + 1000);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(s + start, want, len);
    assert_int_equal(unseal1(s, "1", PW_A, NOW, &plain), SEAL_OK);
    assert_int_equal(unseal1(s, "1", PW_A, NOW + 1000, &plain), SEAL_OK);
    /* Past expiry but within the 60 s skew: still good. */
    assert_int_equal(unseal1(s, "1", PW_A,
                             NOW + 1000 + SEAL_EXPIRY_SKEW_MS - 1, &plain),
                     SEAL_OK);
    assert_int_equal(unseal1(s, "1", PW_A, NOW + 1000 + SEAL_EXPIRY_SKEW_MS,
                             &plain), SEAL_ERR_EXPIRED);
    assert_int_equal(unseal1(s, "1", PW_A, NOW + 86400000LL, &plain),
                     SEAL_ERR_EXPIRED);
}

static void test_no_expiration_never_expires(void **state)
{
    char *s = seal_or_fail("1", PW_A, JSON, 0), *plain;

    (void)state;
    assert_int_equal(unseal1(s, "1", PW_A, 9999999999999LL, &plain), SEAL_OK);
}

/* ---- vectors from the npm libraries ---------------------------------- */

static void test_iron_session_vector(void **state)
{
    seal_password_t pw = { "1", IRON_SESSION_PW };
    char *plain;
    int v = -1;

    (void)state;
    assert_int_equal(unseal_with(IRON_SESSION_SEAL, strlen(IRON_SESSION_SEAL),
                                 &pw, 1, NOW, &plain, &v), SEAL_OK);
    assert_string_equal(plain, IRON_SESSION_PLAIN);
    assert_int_equal(v, 2);
}

static void test_iron_session_ttl_vector(void **state)
{
    char *plain;

    (void)state;
    assert_int_equal(unseal1(IRON_SESSION_TTL_SEAL, "1", IRON_SESSION_PW,
                             IRON_SESSION_TTL_EXP - 3600000LL, &plain),
                     SEAL_OK);
    assert_string_equal(plain, IRON_SESSION_TTL_PLAIN);
    assert_int_equal(unseal1(IRON_SESSION_TTL_SEAL, "1", IRON_SESSION_PW,
                             IRON_SESSION_TTL_EXP + SEAL_EXPIRY_SKEW_MS - 1,
                             &plain), SEAL_OK);
    assert_int_equal(unseal1(IRON_SESSION_TTL_SEAL, "1", IRON_SESSION_PW,
                             IRON_SESSION_TTL_EXP + SEAL_EXPIRY_SKEW_MS,
                             &plain), SEAL_ERR_EXPIRED);
}

static void test_workos_node_vector(void **state)
{
    seal_password_t pws[] = { { "0", PW_A }, { "1", WORKOS_PW } };
    char *plain;
    int v = -1;

    (void)state;
    assert_int_equal(unseal_with(WORKOS_SEAL, strlen(WORKOS_SEAL), pws, 2, NOW,
                                 &plain, &v), SEAL_OK);
    assert_string_equal(plain, WORKOS_PLAIN);
    assert_int_equal(unseal1(WORKOS_SEAL, "1", IRON_SESSION_PW, NOW, &plain),
                     SEAL_ERR_MAC);
}

/* ---- the "~N" suffix ------------------------------------------------- */

static seal_status_t unseal_suffix(const char *suffix, int *version)
{
    size_t body = strlen(WORKOS_SEAL) - 2;
    char *s = apr_pstrcat(pool, apr_pstrmemdup(pool, WORKOS_SEAL, body),
                          suffix, NULL);
    seal_password_t pw = { "1", WORKOS_PW };
    char *plain;

    *version = -1;
    return unseal_with(s, strlen(s), &pw, 1, NOW, &plain, version);
}

static void test_version_suffix(void **state)
{
    int v;

    (void)state;
    assert_int_equal(unseal_suffix("~2", &v), SEAL_OK);
    assert_int_equal(v, 2);
    assert_int_equal(unseal_suffix("~1", &v), SEAL_OK);
    assert_int_equal(v, 1);
    assert_int_equal(unseal_suffix("", &v), SEAL_OK);
    assert_int_equal(v, 0);
    assert_int_equal(unseal_suffix("~9999", &v), SEAL_OK);
    assert_int_equal(v, 9999);
    assert_int_equal(unseal_suffix("~", &v), SEAL_ERR_FORMAT);
    assert_int_equal(unseal_suffix("~0", &v), SEAL_ERR_FORMAT);
    assert_int_equal(unseal_suffix("~02", &v), SEAL_ERR_FORMAT);
    assert_int_equal(unseal_suffix("~10000", &v), SEAL_ERR_FORMAT);
    assert_int_equal(unseal_suffix("~2~2", &v), SEAL_ERR_FORMAT);
    assert_int_equal(unseal_suffix("~a", &v), SEAL_ERR_FORMAT);
    assert_int_equal(unseal_suffix("~-1", &v), SEAL_ERR_FORMAT);
    assert_int_equal(unseal_suffix("~2 ", &v), SEAL_ERR_FORMAT);
}

/* ---- tampering ------------------------------------------------------- */

static seal_status_t tampered(const char *sealed, size_t at, char c)
{
    char *s = apr_pstrdup(pool, sealed), *plain;

    s[at] = c;
    return unseal1(s, "1", WORKOS_PW, NOW, &plain);
}

/* Changing any character of any field is caught, and by the MAC wherever
 * the syntax still holds: nothing is decrypted before that. */
static void test_tamper_each_field(void **state)
{
    static const seal_status_t want[8] = {
        SEAL_ERR_FORMAT, SEAL_ERR_MAC, SEAL_ERR_MAC, SEAL_ERR_MAC,
        SEAL_ERR_MAC, SEAL_ERR_MAC, SEAL_ERR_MAC, SEAL_ERR_MAC
    };
    const char *sealed = WORKOS_SEAL;
    size_t start, len, j, skip;
    int i;

    (void)state;
    for (i = 0; i < 8; i++) {
        field(sealed, i, &start, &len);
        /* The last character of a base64url field has unused low bits,
         * which test_trailing_bits covers. */
        skip = (i == 3 || i == 4 || i == 7) ? 1 : 0;
        for (j = 0; j + skip < len; j++)
            assert_int_equal(tampered(sealed, start + j,
                                      other_char(sealed[start + j])),
                             want[i]);
    }
}

static void test_tamper_expiration(void **state)
{
    char *s = seal_or_fail("1", PW_A, JSON, 1000), *plain;
    size_t start, len;

    (void)state;
    field(s, 5, &start, &len);
    /* Another expiration under the same MAC. */
    s[start + len - 4] = other_char(s[start + len - 4]);
    assert_int_equal(unseal1(s, "1", PW_A, NOW, &plain), SEAL_ERR_MAC);
    s[start] = '0';
    assert_int_equal(unseal1(s, "1", PW_A, NOW, &plain), SEAL_ERR_FORMAT);
    s[start] = 'x';
    assert_int_equal(unseal1(s, "1", PW_A, NOW, &plain), SEAL_ERR_FORMAT);
}

/* The last character of a 16- or 32-byte field carries unused bits; a lax
 * decoder (iron-webcrypto 2) maps several characters to the same bytes. */
static void test_trailing_bits(void **state)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    static const int fields[] = { 3, 7 };
    size_t start, len, k;
    int i, unused_mask;

    (void)state;
    for (k = 0; k < 2; k++) {
        i = fields[k];
        field(WORKOS_SEAL, i, &start, &len);
        unused_mask = len == 22 ? 15 : 3; /* 132-128 or 258-256 bits */
        {
            char last = WORKOS_SEAL[start + len - 1];
            int val = (int)(strchr(b64, last) - b64), bit;
            assert_int_equal(val & unused_mask, 0);
            for (bit = 1; bit <= unused_mask; bit <<= 1)
                assert_int_equal(tampered(WORKOS_SEAL, start + len - 1,
                                          b64[val | bit]), SEAL_ERR_FORMAT);
        }
    }
}

static void test_truncated(void **state)
{
    seal_password_t pw = { "1", WORKOS_PW };
    size_t n, full = strlen(WORKOS_SEAL);
    char *plain;
    int v;

    (void)state;
    for (n = 0; n < full; n++) {
        char *s = apr_pstrmemdup(pool, WORKOS_SEAL, n);
        seal_status_t st = unseal_with(s, n, &pw, 1, NOW, &plain, &v);
        /* Dropping "~2" leaves a whole seal; nothing else is one. */
        if (n == full - 2)
            assert_int_equal(st, SEAL_OK);
        else
            assert_int_not_equal(st, SEAL_OK);
    }
}

/* Recomputes a seal's MAC with secret, as someone who knows the password
 * (and so could forge anything) would: only for building test input. */
static char *remac(const char *sealed, const char *secret)
{
    char *s = apr_pstrdup(pool, sealed), *mac64 = apr_palloc(pool, 44);
    unsigned char key[32], mac[32];
    unsigned int mac_len = 0;
    size_t ss, sl, ms, ml;

    field(s, 6, &ss, &sl);
    field(s, 7, &ms, &ml);
    assert_int_equal(PKCS5_PBKDF2_HMAC(secret, (int)strlen(secret),
                                       (unsigned char *)s + ss, (int)sl, 1,
                                       EVP_sha1(), 32, key), 1);
    assert_non_null(HMAC(EVP_sha256(), key, 32, (unsigned char *)s, ss - 1,
                         mac, &mac_len));
    b64url_encode(mac, 32, mac64);
    memcpy(s + ms, mac64, 43);
    return s;
}

/* A good MAC over a ciphertext made with another key: the padding check
 * after decryption is what catches it. */
static void test_decrypt_failure_after_good_mac(void **state)
{
    char *s = apr_pstrdup(pool, WORKOS_SEAL), *plain;
    size_t start, len;

    (void)state;
    assert_int_equal(unseal1(remac(s, WORKOS_PW), "1", WORKOS_PW, NOW,
                             &plain), SEAL_OK);
    field(s, 2, &start, &len);
    memset(s + start, '0', len); /* another encryption salt */
    s = remac(s, WORKOS_PW);
    assert_int_equal(unseal1(s, "1", WORKOS_PW, NOW, &plain),
                     SEAL_ERR_DECRYPT);
}

/* ---- malformed and oversized input ----------------------------------- */

static void test_empty_and_null(void **state)
{
    seal_password_t pw = { "1", PW_A };
    char *plain;
    int v;

    (void)state;
    assert_int_equal(unseal_with("", 0, &pw, 1, NOW, &plain, &v),
                     SEAL_ERR_FORMAT);
    assert_int_equal(unseal_with(NULL, 0, &pw, 1, NOW, &plain, &v),
                     SEAL_ERR_FORMAT);
}

static void test_garbage(void **state)
{
    static const char *const bad[] = {
        "x", "*", "~2", "*******", "********", "Fe26.2*******",
        "Fe26.2*******~2", "Fe26.1*1*aa*AAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAA"
        "AAAAAA**aa*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Fe26.2*1*aa*AAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAAAAAA**aa"
        "*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*extra",
        "Fe26.2*1*zz*AAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAAAAAA**aa"
        "*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Fe26.2*1**AAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAAAAAA**aa"
        "*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Fe26.2*1*aa*AAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAAAAAA**aa"
        "*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Fe26.2*1*aa*AAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAAAA**aa"
        "*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Fe26.2*1*aa*AAAAAAAAAAAAAAAAAAAAAA**" "*aa"
        "*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Fe26.2*1*aa*AAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAAAAAA**aa"
        "*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Fe26.2*a.b*aa*AAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAAAAAA**aa"
        "*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Fe26.2*1*aa*AAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAAAAAA*1e3*aa"
        "*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Fe26.2*1*aa*AAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAAAAAA"
        "*1234567890123456*aa*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    seal_password_t pw = { "1", PW_A };
    char *plain;
    size_t i;
    int v;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(unseal_with(bad[i], strlen(bad[i]), &pw, 1, NOW,
                                     &plain, &v), SEAL_ERR_FORMAT);
    /* Syntactically fine, so only the MAC can fail. */
    {
        const char *ok = "Fe26.2*1*aa*AAAAAAAAAAAAAAAAAAAAAA"
                         "*AAAAAAAAAAAAAAAAAAAAAA**aa"
                         "*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assert_int_equal(unseal_with(ok, strlen(ok), &pw, 1, NOW, &plain, &v),
                         SEAL_ERR_MAC);
    }
}

/* A NUL inside the given length, and bytes from a pseudo-random stream:
 * always an error, never a crash. */
static void test_binary_garbage(void **state)
{
    seal_password_t pw = { "1", PW_A };
    char buf[512], *plain;
    unsigned int x = 12345;
    size_t n, i;
    int v;

    (void)state;
    assert_int_equal(unseal_with("Fe26.2\0*", 8, &pw, 1, NOW, &plain, &v),
                     SEAL_ERR_FORMAT);
    for (n = 1; n < sizeof(buf); n += 7) {
        for (i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (char)(x >> 16);
        }
        assert_int_not_equal(unseal_with(buf, n, &pw, 1, NOW, &plain, &v),
                             SEAL_OK);
    }
}

static void test_oversize(void **state)
{
    seal_password_t pw = { "1", PW_A };
    char *big = apr_palloc(pool, SEAL_MAX_LEN + 2), *sealed, *plain;
    size_t n;
    int v;

    (void)state;
    memset(big, 'A', SEAL_MAX_LEN + 1);
    big[SEAL_MAX_LEN + 1] = '\0';
    assert_int_equal(unseal_with(big, SEAL_MAX_LEN + 1, &pw, 1, NOW, &plain,
                                 &v), SEAL_ERR_TOO_LARGE);
    assert_int_equal(seal_seal(pool, big, SEAL_MAX_LEN, &pw, NOW, 0, &sealed),
                     SEAL_ERR_TOO_LARGE);
    /* The largest plaintext seal_seal takes makes a seal that opens. */
    for (n = SEAL_MAX_LEN; n > 0; n--)
        if (seal_seal(pool, big, n, &pw, NOW, 0, &sealed) == SEAL_OK)
            break;
    assert_true(n > SEAL_MAX_LEN / 2);
    assert_true(strlen(sealed) <= SEAL_MAX_LEN);
    assert_int_equal(unseal1(sealed, "1", PW_A, NOW, &plain), SEAL_OK);
    assert_int_equal(strlen(plain), n);
}

static void test_status_strings(void **state)
{
    int s;

    (void)state;
    for (s = SEAL_OK; s <= SEAL_ERR_CRYPTO; s++)
        assert_true(strlen(seal_status_str((seal_status_t)s)) > 0);
    assert_string_equal(seal_status_str(SEAL_ERR_MAC), "bad seal MAC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seal_shape),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_sizes),
        cmocka_unit_test(test_seals_are_randomised),
        cmocka_unit_test(test_rotation_id_picks),
        cmocka_unit_test(test_single_password_ignores_id),
        cmocka_unit_test(test_empty_id_means_default),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_bad_passwords),
        cmocka_unit_test(test_expiration),
        cmocka_unit_test(test_no_expiration_never_expires),
        cmocka_unit_test(test_iron_session_vector),
        cmocka_unit_test(test_iron_session_ttl_vector),
        cmocka_unit_test(test_workos_node_vector),
        cmocka_unit_test(test_version_suffix),
        cmocka_unit_test(test_tamper_each_field),
        cmocka_unit_test(test_tamper_expiration),
        cmocka_unit_test(test_trailing_bits),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_decrypt_failure_after_good_mac),
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_binary_garbage),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_status_strings),
    };
    apr_initialize();
    atexit(apr_terminate);
    return cmocka_run_group_tests(tests, setup, teardown);
}
