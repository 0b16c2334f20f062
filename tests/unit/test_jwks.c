/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/codec/jwks.c: which JWKs become keys, and which do not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "codec/b64url.h"
#include "codec/jwks.h"

static apr_pool_t *pool;
static EVP_PKEY *key1, *key2, *key_small;
static const char *n1, *e1, *n2, *e2, *n_small;

/* ---- helpers ---------------------------------------------------------- */

static char *b64(const void *data, size_t n)
{
    char *out = apr_palloc(pool, b64url_encoded_len(n) + 1);

    b64url_encode(data, n, out);
    return out;
}

static char *bn_b64(EVP_PKEY *key, const char *name)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    int n;

    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1)
        return NULL;
    n = BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64(buf, (size_t)n);
}

static char *rsa_jwk(const char *kid, const char *n, const char *e,
                     const char *extra)
{
    return apr_psprintf(pool, "{\"kty\":\"RSA\",\"kid\":\"%s\",\"n\":\"%s\","
                        "\"e\":\"%s\"%s%s}", kid, n, e,
                        extra[0] ? "," : "", extra);
}

static jwks_t *parse(const char *doc, const char **err)
{
    *err = NULL;
    return jwks_parse(pool, doc, strlen(doc), err);
}

static jwks_t *parse_keys(const char *keys)
{
    const char *err;

    return parse(apr_pstrcat(pool, "{\"keys\":[", keys, "]}", NULL), &err);
}

/* A document that must be refused, with a message. */
static void assert_refused(const char *doc)
{
    const char *err;

    assert_null(parse(doc, &err));
    assert_non_null(err);
    assert_true(strlen(err) > 0);
}

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    apr_pool_create(&pool, NULL);
    key1 = EVP_RSA_gen(2048);
    key2 = EVP_RSA_gen(3072);
    key_small = EVP_RSA_gen(1024);
    if (!key1 || !key2 || !key_small)
        return -1;
    n1 = bn_b64(key1, OSSL_PKEY_PARAM_RSA_N);
    e1 = bn_b64(key1, OSSL_PKEY_PARAM_RSA_E);
    n2 = bn_b64(key2, OSSL_PKEY_PARAM_RSA_N);
    e2 = bn_b64(key2, OSSL_PKEY_PARAM_RSA_E);
    n_small = bn_b64(key_small, OSSL_PKEY_PARAM_RSA_N);
    return n1 && e1 && n2 && e2 && n_small ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    EVP_PKEY_free(key1);
    EVP_PKEY_free(key2);
    EVP_PKEY_free(key_small);
    apr_terminate();
    return 0;
}

/* ---- tests ------------------------------------------------------------ */

static void test_two_keys(void **state)
{
    const char *doc = apr_pstrcat(
        pool, "{\"keys\":[",
        rsa_jwk("k1", n1, e1, "\"use\":\"sig\",\"alg\":\"RS256\""), ",",
        rsa_jwk("k2", n2, e2, "\"x5t\":\"abc\""), "]}", NULL);
    const char *err;
    jwks_t *set = parse(doc, &err);

    (void)state;
    assert_non_null(set);
    assert_int_equal(jwks_count(set), 2);
    assert_non_null(jwks_find(set, "k1"));
    assert_non_null(jwks_find(set, "k2"));
    assert_int_equal(EVP_PKEY_eq(jwks_find(set, "k1"), key1), 1);
    assert_int_equal(EVP_PKEY_eq(jwks_find(set, "k2"), key2), 1);
    assert_int_equal(EVP_PKEY_get_bits(jwks_find(set, "k2")), 3072);
    assert_null(jwks_find(set, "k3"));
    assert_null(jwks_find(set, "K1"));
    assert_null(jwks_find(set, ""));
    assert_null(jwks_find(set, "../k1"));
    assert_null(jwks_find(set, "' OR 1=1 --"));
    assert_null(jwks_find(set, NULL));
    assert_null(jwks_find(NULL, "k1"));
    assert_int_equal(jwks_count(NULL), 0);
}

/* A key built from the JWK verifies what the private key signed. */
static void test_key_verifies(void **state)
{
    jwks_t *set = parse_keys(rsa_jwk("k1", n1, e1, ""));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[512];
    size_t siglen = sizeof(sig);
    const unsigned char msg[] = "hello";

    (void)state;
    assert_non_null(set);
    assert_non_null(ctx);
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key1),
                     1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &siglen, msg, 5), 1);
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
                                          jwks_find(set, "k1")), 1);
    assert_int_equal(EVP_DigestVerify(ctx, sig, siglen, msg, 5), 1);
    EVP_MD_CTX_free(ctx);
}

static void test_skips_unusable_keys(void **state)
{
    const char *keys = apr_pstrcat(
        pool,
        "{\"kty\":\"EC\",\"kid\":\"ec\",\"crv\":\"P-256\",\"x\":\"AA\","
        "\"y\":\"AA\"},",
        "{\"kty\":\"oct\",\"kid\":\"oct\",\"k\":\"c2VjcmV0\"},",
        rsa_jwk("enc", n1, e1, "\"use\":\"enc\""), ",",
        rsa_jwk("use1", n1, e1, "\"use\":1"), ",",
        rsa_jwk("rs384", n1, e1, "\"alg\":\"RS384\""), ",",
        rsa_jwk("rsaoaep", n1, e1, "\"alg\":\"RSA-OAEP\""), ",",
        rsa_jwk("", n1, e1, ""), ",",
        "{\"kty\":\"RSA\",\"n\":\"", n1, "\",\"e\":\"", e1, "\"},",
        "{\"kty\":\"RSA\",\"kid\":7,\"n\":\"", n1, "\",\"e\":\"", e1, "\"},",
        "{\"kty\":\"RSA\",\"kid\":\"non\",\"e\":\"", e1, "\"},",
        "{\"kty\":\"RSA\",\"kid\":\"noe\",\"n\":\"", n1, "\"},",
        "{\"kty\":\"rsa\",\"kid\":\"lower\",\"n\":\"", n1, "\",\"e\":\"", e1,
        "\"},",
        "{\"kid\":\"nokty\",\"n\":\"", n1, "\",\"e\":\"", e1, "\"},",
        "\"not an object\", 42, null, [],",
        rsa_jwk("good", n2, e2, "\"use\":\"sig\""), NULL);
    jwks_t *set = parse_keys(keys);

    (void)state;
    assert_non_null(set);
    assert_int_equal(jwks_count(set), 1);
    assert_non_null(jwks_find(set, "good"));
    assert_null(jwks_find(set, "enc"));
    assert_null(jwks_find(set, "rs384"));
}

static void test_not_a_jwks(void **state)
{
    const char *err;

    (void)state;
    assert_refused("[]");
    assert_refused("\"keys\"");
    assert_refused("42");
    assert_refused("garbage");
    assert_refused("{\"keys\":[] ");
    assert_refused("{} trailing");
    assert_refused("{}");
    assert_refused("{\"keys\":{}}");
    assert_refused("{\"keys\":\"k1\"}");
    assert_null(jwks_parse(pool, "", 0, &err));
    assert_null(jwks_parse(pool, NULL, 0, &err));
    /* err may be NULL. */
    assert_null(jwks_parse(pool, "[]", 2, NULL));
}

static void test_no_usable_keys(void **state)
{
    (void)state;
    assert_refused("{\"keys\":[]}");
    assert_refused(apr_pstrcat(pool, "{\"keys\":[",
                               rsa_jwk("enc", n1, e1, "\"use\":\"enc\""),
                               "]}", NULL));
}

static void test_short_modulus(void **state)
{
    (void)state;
    assert_refused(apr_pstrcat(pool, "{\"keys\":[",
                               rsa_jwk("small", n_small, e1, ""), "]}", NULL));
}

/* Moduli past 8192 bits, and even ones, are refused without keygen. */
static void test_odd_moduli(void **state)
{
    unsigned char buf[1100];

    (void)state;
    assert_int_equal(RAND_bytes(buf, sizeof(buf)), 1);
    buf[0] |= 0x80;
    buf[sizeof(buf) - 1] |= 1;
    buf[1023] |= 1;
    buf[1024] |= 1;
    buf[255] |= 1;
    assert_null(parse_keys(rsa_jwk("huge", b64(buf, sizeof(buf)), e1, "")));
    /* Exactly 8192 bits is the upper bound and is accepted. */
    assert_non_null(parse_keys(rsa_jwk("max", b64(buf, 1024), e1, "")));
    /* 8193 bits. */
    buf[0] = 1;
    assert_null(parse_keys(rsa_jwk("over", b64(buf, 1025), e1, "")));
    buf[0] |= 0x80;
    buf[255] &= 0xfe;
    assert_null(parse_keys(rsa_jwk("even", b64(buf, 256), e1, "")));
}

static void test_garbage_n_and_e(void **state)
{
    char *padded = apr_pstrcat(pool, n1, "==", NULL);
    const char *bad_e[] = { "", "AQ", "Ag", "AAAA", "AAAB", "!!!!",
                            "AQABAQABAQABAQAB" };
    size_t i;

    (void)state;
    assert_null(parse_keys(rsa_jwk("g", "!!!not-base64!!!", e1, "")));
    assert_null(parse_keys(rsa_jwk("g", "", e1, "")));
    assert_null(parse_keys(rsa_jwk("g", "AAAA", e1, "")));
    assert_null(parse_keys(rsa_jwk("g", padded, e1, "")));
    assert_null(parse_keys(apr_pstrcat(pool, "{\"kty\":\"RSA\",\"kid\":\"g\","
                                       "\"n\":12345,\"e\":\"", e1, "\"}",
                                       NULL)));
    /* e of 1, 2, 0, 1 again with a leading zero, nonsense, too long. */
    for (i = 0; i < sizeof(bad_e) / sizeof(bad_e[0]); i++)
        assert_null(parse_keys(rsa_jwk("g", n1, bad_e[i], "")));
    /* 3 is an odd, legitimate exponent. */
    assert_non_null(parse_keys(rsa_jwk("g", n1, "Aw", "")));
}

/* A modulus with a leading zero byte, as some encoders write it. */
static void test_leading_zero(void **state)
{
    BIGNUM *bn = NULL;
    unsigned char buf[257];
    jwks_t *set;

    (void)state;
    assert_int_equal(EVP_PKEY_get_bn_param(key1, OSSL_PKEY_PARAM_RSA_N, &bn),
                     1);
    buf[0] = 0;
    assert_int_equal(BN_bn2bin(bn, buf + 1), 256);
    BN_free(bn);
    set = parse_keys(rsa_jwk("z", b64(buf, sizeof(buf)), e1, ""));
    assert_non_null(set);
    assert_int_equal(EVP_PKEY_eq(jwks_find(set, "z"), key1), 1);
}

/* A valid JWKS padded with whitespace to exactly len bytes. */
static char *padded_jwks(size_t len)
{
    const char *jwk = rsa_jwk("k1", n1, e1, "");
    char *doc = apr_palloc(pool, len + 1);

    memset(doc, ' ', len);
    memcpy(doc, "{\"keys\":[", 9);
    memcpy(doc + 9, jwk, strlen(jwk));
    doc[len - 2] = ']';
    doc[len - 1] = '}';
    doc[len] = '\0';
    return doc;
}

static void test_oversize(void **state)
{
    const char *err;

    (void)state;
    assert_refused(padded_jwks(JWKS_MAX_LEN + 1));
    assert_non_null(parse(padded_jwks(JWKS_MAX_LEN), &err));
}

static void test_duplicate_kid_keeps_first(void **state)
{
    jwks_t *set = parse_keys(apr_pstrcat(pool, rsa_jwk("dup", n1, e1, ""),
                                         ",", rsa_jwk("dup", n2, e2, ""),
                                         NULL));

    (void)state;
    assert_non_null(set);
    assert_int_equal(jwks_count(set), 1);
    assert_int_equal(EVP_PKEY_eq(jwks_find(set, "dup"), key1), 1);
    /* An unusable first entry does not claim the kid. */
    set = parse_keys(apr_pstrcat(pool, rsa_jwk("dup", n_small, e1, ""), ",",
                                 rsa_jwk("dup", n2, e2, ""), NULL));
    assert_non_null(set);
    assert_int_equal(EVP_PKEY_eq(jwks_find(set, "dup"), key2), 1);
}

static void test_duplicate_members(void **state)
{
    (void)state;
    assert_refused(apr_pstrcat(pool, "{\"keys\":[],\"keys\":[",
                               rsa_jwk("k1", n1, e1, ""), "]}", NULL));
    assert_refused(apr_pstrcat(pool, "{\"keys\":[{\"kty\":\"RSA\","
                               "\"kid\":\"k1\",\"n\":\"", n_small,
                               "\",\"n\":\"", n1, "\",\"e\":\"", e1, "\"}]}",
                               NULL));
}

static void test_too_many_keys(void **state)
{
    const char *keys = rsa_jwk("k0", n1, e1, "");
    jwks_t *set;
    int i;

    (void)state;
    for (i = 1; i < JWKS_MAX_KEYS + 8; i++)
        keys = apr_pstrcat(pool, keys, ",",
                           rsa_jwk(apr_psprintf(pool, "k%d", i), n1, e1, ""),
                           NULL);
    set = parse_keys(keys);
    assert_non_null(set);
    assert_int_equal(jwks_count(set), JWKS_MAX_KEYS);
    assert_non_null(jwks_find(set, "k0"));
    assert_non_null(jwks_find(set, apr_psprintf(pool, "k%d",
                                                JWKS_MAX_KEYS - 1)));
    assert_null(jwks_find(set, apr_psprintf(pool, "k%d", JWKS_MAX_KEYS)));
}

static void test_long_kid_skipped(void **state)
{
    char kid[300];

    (void)state;
    memset(kid, 'k', sizeof(kid) - 1);
    kid[sizeof(kid) - 1] = '\0';
    assert_null(parse_keys(rsa_jwk(kid, n1, e1, "")));
    kid[256] = '\0';
    assert_non_null(parse_keys(rsa_jwk(kid, n1, e1, "")));
}

static void test_deep_nesting(void **state)
{
    int depth = 10000, i;
    char *doc = apr_palloc(pool, (size_t)depth * 2 + 16);
    char *w = doc;

    (void)state;
    w += sprintf(w, "{\"keys\":");
    for (i = 0; i < depth; i++)
        *w++ = '[';
    for (i = 0; i < depth; i++)
        *w++ = ']';
    strcpy(w, "}");
    assert_refused(doc);
}

/* The keys die with their pool: run under valgrind/ASan for the proof. */
static void test_pool_frees_keys(void **state)
{
    const char *doc = apr_pstrcat(pool, "{\"keys\":[",
                                  rsa_jwk("k1", n1, e1, ""), ",",
                                  rsa_jwk("k2", n2, e2, ""), "]}", NULL);
    const char *err;
    apr_pool_t *sub;
    int i;

    (void)state;
    for (i = 0; i < 50; i++) {
        apr_pool_create(&sub, pool);
        assert_non_null(jwks_parse(sub, doc, strlen(doc), &err));
        assert_null(jwks_parse(sub, "{\"keys\":[]}", 11, &err));
        apr_pool_destroy(sub);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_keys),
        cmocka_unit_test(test_key_verifies),
        cmocka_unit_test(test_skips_unusable_keys),
        cmocka_unit_test(test_not_a_jwks),
        cmocka_unit_test(test_no_usable_keys),
        cmocka_unit_test(test_short_modulus),
        cmocka_unit_test(test_odd_moduli),
        cmocka_unit_test(test_garbage_n_and_e),
        cmocka_unit_test(test_leading_zero),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_duplicate_kid_keeps_first),
        cmocka_unit_test(test_duplicate_members),
        cmocka_unit_test(test_too_many_keys),
        cmocka_unit_test(test_long_kid_skipped),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_pool_frees_keys),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
