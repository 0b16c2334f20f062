/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/codec/jwt.c: parsing, RS256 verification and claim checks,
 * with keys generated at start-up and tokens signed here. */
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
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "codec/b64url.h"
#include "codec/jwks.h"
#include "codec/jwt.h"

#define NOW 1700000000LL

static apr_pool_t *pool;
static EVP_PKEY *key1, *key2, *key_small, *key_ec;
static jwks_t *jwks;

/* ---- helpers ---------------------------------------------------------- */

/* printf into the pool; apr_psprintf has no %lld. */
static char *fmt(const char *f, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, f);
    n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    s = apr_palloc(pool, (size_t)n + 1);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

static char *b64(const void *data, size_t n)
{
    char *out = apr_palloc(pool, b64url_encoded_len(n) + 1);

    b64url_encode(data, n, out);
    return out;
}

static char *b64s(const char *s)
{
    return b64(s, strlen(s));
}

static char *sign_input(const char *input, EVP_PKEY *key)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[1024];
    size_t siglen = sizeof(sig);

    assert_non_null(ctx);
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key),
                     1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &siglen,
                                    (const unsigned char *)input,
                                    strlen(input)), 1);
    EVP_MD_CTX_free(ctx);
    return b64(sig, siglen);
}

/* header.payload from JSON text, signed with key (NULL: empty signature). */
static char *make_token(const char *header, const char *payload,
                        EVP_PKEY *key)
{
    char *input = apr_pstrcat(pool, b64s(header), ".", b64s(payload), NULL);

    return apr_pstrcat(pool, input, ".", key ? sign_input(input, key) : "",
                       NULL);
}

static const char *hdr_ok = "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}";

static const char *claims_at(long long exp)
{
    return fmt(
                        "{\"sub\":\"user_01\",\"iss\":\"https://api.workos.com\","
                        "\"exp\":%lld,\"iat\":%lld}", exp, NOW - 10);
}

static char *good_token(void)
{
    return make_token(hdr_ok, claims_at(NOW + 300), key1);
}

static jwt_status_t parse(const char *token, jwt_t *jwt)
{
    return jwt_parse(pool, token, strlen(token), jwt);
}

static jwt_status_t parse_only(const char *token)
{
    jwt_t jwt;

    return parse(token, &jwt);
}

static const char *issuers[] = { "https://api.workos.com/user_management/c",
                                 "https://api.workos.com" };

static jwt_rules_t rules(void)
{
    jwt_rules_t r = { NOW, 30, issuers, 2 };

    return r;
}

/* What the module does with a bearer token: parse, find key, verify,
 * check claims. */
static jwt_status_t validate_with(const char *token, const jwt_rules_t *r)
{
    jwt_t jwt;
    jwt_status_t st = parse(token, &jwt);
    EVP_PKEY *key;

    if (st != JWT_OK)
        return st;
    key = jwks_find(jwks, jwt.kid);
    if (key == NULL)
        return JWT_ERR_UNKNOWN_KID;
    st = jwt_verify_rs256(&jwt, key);
    if (st != JWT_OK)
        return st;
    return jwt_check_claims(&jwt, r);
}

static jwt_status_t validate(const char *token)
{
    jwt_rules_t r = rules();

    return validate_with(token, &r);
}

static jwt_status_t claims_status(const char *payload)
{
    return validate(make_token(hdr_ok, payload, key1));
}

static char *bn_b64(EVP_PKEY *key, const char *name)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    int n;

    assert_int_equal(EVP_PKEY_get_bn_param(key, name, &bn), 1);
    n = BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64(buf, (size_t)n);
}

static char *jwk(EVP_PKEY *key, const char *kid)
{
    return fmt(
                        "{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\","
                        "\"kid\":\"%s\",\"n\":\"%s\",\"e\":\"%s\"}", kid,
                        bn_b64(key, OSSL_PKEY_PARAM_RSA_N),
                        bn_b64(key, OSSL_PKEY_PARAM_RSA_E));
}

static int setup(void **state)
{
    const char *doc, *err = NULL;

    (void)state;
    apr_initialize();
    apr_pool_create(&pool, NULL);
    key1 = EVP_RSA_gen(2048);
    key2 = EVP_RSA_gen(2048);
    key_small = EVP_RSA_gen(1024);
    key_ec = EVP_EC_gen("P-256");
    if (!key1 || !key2 || !key_small || !key_ec)
        return -1;
    doc = fmt("{\"keys\":[%s,%s]}", jwk(key1, "k1"),
                       jwk(key2, "k2"));
    jwks = jwks_parse(pool, doc, strlen(doc), &err);
    return jwks != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    EVP_PKEY_free(key1);
    EVP_PKEY_free(key2);
    EVP_PKEY_free(key_small);
    EVP_PKEY_free(key_ec);
    apr_terminate();
    return 0;
}

/* ---- valid ------------------------------------------------------------ */

static void test_valid(void **state)
{
    jwt_t jwt;
    char *tok = good_token();

    (void)state;
    assert_int_equal(parse(tok, &jwt), JWT_OK);
    assert_string_equal(jwt.kid, "k1");
    assert_string_equal(json_string_value(json_object_get(jwt.claims, "sub")),
                        "user_01");
    assert_int_equal(jwt.sig_len, 256);
    assert_int_equal(jwt.signing_input_len, strrchr(tok, '.') - tok);
    assert_int_equal(validate(tok), JWT_OK);
}

static void test_valid_second_key(void **state)
{
    const char *h = "{\"alg\":\"RS256\",\"kid\":\"k2\"}";

    (void)state;
    assert_int_equal(validate(make_token(h, claims_at(NOW + 60), key2)),
                     JWT_OK);
}

static void test_typ(void **state)
{
    const char *ok[] = { "JWT", "jwt", "at+jwt", "AT+JWT" };
    size_t i;

    (void)state;
    for (i = 0; i < 4; i++) {
        const char *h = fmt(
            "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"%s\"}", ok[i]);
        assert_int_equal(validate(make_token(h, claims_at(NOW + 60), key1)),
                         JWT_OK);
    }
    assert_int_equal(parse_only(make_token(
                         "{\"alg\":\"RS256\",\"kid\":\"k1\","
                         "\"typ\":\"logout+jwt\"}",
                         claims_at(NOW + 60), key1)),
                     JWT_ERR_MALFORMED);
    assert_int_equal(parse_only(make_token(
                         "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":1}",
                         claims_at(NOW + 60), key1)),
                     JWT_ERR_MALFORMED);
}

/* ---- alg -------------------------------------------------------------- */

static void test_alg_rejected(void **state)
{
    const char *algs[] = { "\"none\"", "\"None\"", "\"NONE\"", "\"\"",
                           "\"HS256\"", "\"RS384\"", "\"RS512\"",
                           "\"PS256\"", "\"ES256\"", "\"rs256\"",
                           "\"RS256 \"", "null", "256", "[\"RS256\"]" };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        const char *h = fmt("{\"alg\":%s,\"kid\":\"k1\"}",
                                     algs[i]);
        assert_int_equal(parse_only(make_token(h, claims_at(NOW + 60), key1)),
                         JWT_ERR_ALG);
        assert_int_equal(parse_only(make_token(h, claims_at(NOW + 60), NULL)),
                         JWT_ERR_ALG);
    }
    assert_int_equal(parse_only(make_token("{\"kid\":\"k1\"}",
                                           claims_at(NOW + 60), key1)),
                     JWT_ERR_ALG);
}

/* The classic key-confusion attack: HS256 keyed with the RSA public key. */
static void test_alg_hs256_public_key_as_secret(void **state)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem, *input, *tok;
    long pem_len;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    (void)state;
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PUBKEY(bio, key1), 1);
    pem_len = BIO_get_mem_data(bio, &pem);
    input = apr_pstrcat(pool, b64s("{\"alg\":\"HS256\",\"kid\":\"k1\"}"), ".",
                        b64s(claims_at(NOW + 60)), NULL);
    assert_non_null(HMAC(EVP_sha256(), pem, (int)pem_len,
                         (unsigned char *)input, strlen(input), mac,
                         &mac_len));
    BIO_free(bio);
    tok = apr_pstrcat(pool, input, ".", b64(mac, mac_len), NULL);
    assert_int_equal(validate(tok), JWT_ERR_ALG);
}

/* ---- embedded keys ---------------------------------------------------- */

static void test_embedded_key_headers(void **state)
{
    const char *extra[] = {
        "\"jwk\":{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}",
        "\"jku\":\"https://evil.example/jwks\"",
        "\"x5u\":\"https://evil.example/cert\"",
        "\"x5c\":[\"MIIB\"]",
        "\"crit\":[\"exp\"]",
        "\"jwk\":null",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
        const char *h = fmt(
            "{\"alg\":\"RS256\",\"kid\":\"k1\",%s}", extra[i]);
        assert_int_equal(validate(make_token(h, claims_at(NOW + 60), key1)),
                         JWT_ERR_EMBEDDED_KEY);
    }
}

/* ---- kid -------------------------------------------------------------- */

static void test_kid_bad(void **state)
{
    char long_kid[258];
    const char *hdrs[4];
    size_t i;

    (void)state;
    memset(long_kid, 'a', 257);
    long_kid[257] = '\0';
    hdrs[0] = "{\"alg\":\"RS256\"}";
    hdrs[1] = "{\"alg\":\"RS256\",\"kid\":\"\"}";
    hdrs[2] = "{\"alg\":\"RS256\",\"kid\":42}";
    hdrs[3] = fmt("{\"alg\":\"RS256\",\"kid\":\"%s\"}",
                           long_kid);
    for (i = 0; i < 4; i++)
        assert_int_equal(parse_only(make_token(hdrs[i], claims_at(NOW + 60),
                                               key1)),
                         JWT_ERR_NO_KID);
    /* jansson refuses \u0000 unless JSON_ALLOW_NUL is given. */
    assert_int_equal(parse_only(make_token(
                         "{\"alg\":\"RS256\",\"kid\":\"k1\\u0000x\"}",
                         claims_at(NOW + 60), key1)),
                     JWT_ERR_MALFORMED);
    /* 256 characters is still fine; it is just not a known key. */
    long_kid[256] = '\0';
    assert_int_equal(validate(make_token(
                         fmt("{\"alg\":\"RS256\",\"kid\":\"%s\"}",
                                      long_kid),
                         claims_at(NOW + 60), key1)),
                     JWT_ERR_UNKNOWN_KID);
}

static void test_kid_hostile_is_unknown(void **state)
{
    const char *kids[] = { "../../../etc/passwd", "' OR 1=1 --",
                           "k1/../k1", "%00", "k1 " };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
        json_t *h = json_pack("{s:s, s:s}", "alg", "RS256", "kid", kids[i]);
        char *text = json_dumps(h, JSON_COMPACT);
        jwt_t jwt;

        assert_int_equal(parse(make_token(text, claims_at(NOW + 60), key1),
                               &jwt), JWT_OK);
        assert_string_equal(jwt.kid, kids[i]);
        assert_null(jwks_find(jwks, jwt.kid));
        free(text);
        json_decref(h);
    }
}

/* ---- signature -------------------------------------------------------- */

static void test_signature_stripped(void **state)
{
    char *tok = apr_pstrdup(pool, good_token());

    (void)state;
    strrchr(tok, '.')[1] = '\0';
    assert_int_equal(parse_only(tok), JWT_ERR_SIGNATURE);
    assert_int_equal(parse_only(make_token(hdr_ok, claims_at(NOW + 60), NULL)),
                     JWT_ERR_SIGNATURE);
}

static void test_signature_other_key(void **state)
{
    (void)state;
    assert_int_equal(validate(make_token(hdr_ok, claims_at(NOW + 60), key2)),
                     JWT_ERR_SIGNATURE);
}

static void test_signature_truncated_or_extended(void **state)
{
    jwt_t jwt;

    (void)state;
    assert_int_equal(parse(good_token(), &jwt), JWT_OK);
    jwt.sig_len--;
    assert_int_equal(jwt_verify_rs256(&jwt, key1), JWT_ERR_SIGNATURE);
    jwt.sig_len++;
    jwt.sig[10] ^= 1;
    assert_int_equal(jwt_verify_rs256(&jwt, key1), JWT_ERR_SIGNATURE);
    jwt.sig[10] ^= 1;
    assert_int_equal(jwt_verify_rs256(&jwt, key1), JWT_OK);
}

static void test_signature_tampered_payload(void **state)
{
    char *tok = good_token();
    char *dot1 = strchr(tok, '.'), *dot2 = strrchr(tok, '.');
    char *forged;

    (void)state;
    forged = apr_pstrcat(pool, apr_pstrmemdup(pool, tok, dot1 - tok + 1),
                         b64s("{\"sub\":\"admin\",\"exp\":9999999999,"
                              "\"iss\":\"https://api.workos.com\"}"),
                         dot2, NULL);
    assert_int_equal(validate(forged), JWT_ERR_SIGNATURE);
    /* A flipped payload character that still decodes. */
    forged = apr_pstrdup(pool, tok);
    forged[dot1 - tok + 5] = forged[dot1 - tok + 5] == 'A' ? 'B' : 'A';
    assert_int_not_equal(validate(forged), JWT_OK);
}

static void test_verify_bad_keys(void **state)
{
    const char *h = "{\"alg\":\"RS256\",\"kid\":\"k1\"}";
    jwt_t jwt;

    (void)state;
    /* A 1024-bit key verifies its own signature in OpenSSL, not here. */
    assert_int_equal(parse(make_token(h, claims_at(NOW + 60), key_small),
                           &jwt), JWT_OK);
    assert_int_equal(jwt_verify_rs256(&jwt, key_small), JWT_ERR_SIGNATURE);
    assert_int_equal(parse(good_token(), &jwt), JWT_OK);
    assert_int_equal(jwt_verify_rs256(&jwt, key_ec), JWT_ERR_SIGNATURE);
    assert_int_equal(jwt_verify_rs256(&jwt, NULL), JWT_ERR_SIGNATURE);
    assert_int_equal(jwt_verify_rs256(NULL, key1), JWT_ERR_SIGNATURE);
}

/* ---- structure -------------------------------------------------------- */

static void test_duplicate_members(void **state)
{
    (void)state;
    assert_int_equal(parse_only(make_token(
                         "{\"alg\":\"RS256\",\"alg\":\"none\",\"kid\":\"k1\"}",
                         claims_at(NOW + 60), key1)),
                     JWT_ERR_MALFORMED);
    assert_int_equal(parse_only(make_token(
                         "{\"alg\":\"RS256\",\"kid\":\"k1\",\"kid\":\"k2\"}",
                         claims_at(NOW + 60), key1)),
                     JWT_ERR_MALFORMED);
    assert_int_equal(parse_only(make_token(
                         hdr_ok,
                         "{\"sub\":\"a\",\"sub\":\"b\",\"exp\":9999999999}",
                         key1)),
                     JWT_ERR_MALFORMED);
}

static void test_not_objects(void **state)
{
    const char *bad[] = { "[]", "\"RS256\"", "1", "null", "", "{",
                          "{\"alg\":\"RS256\"} x", "{} {}" };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse_only(make_token(bad[i], claims_at(NOW + 60),
                                               key1)),
                         JWT_ERR_MALFORMED);
        assert_int_equal(parse_only(make_token(hdr_ok, bad[i], key1)),
                         JWT_ERR_MALFORMED);
    }
    /* Invalid UTF-8 inside a string. */
    assert_int_equal(parse_only(make_token(hdr_ok, "{\"sub\":\"\xff\"}", key1)),
                     JWT_ERR_MALFORMED);
}

static void test_bad_base64url(void **state)
{
    char *tok = good_token();
    char *dot1 = strchr(tok, '.');
    const char *payload = b64s(claims_at(NOW + 60));
    const char *sig;
    size_t hlen = (size_t)(dot1 - tok);

    (void)state;
    /* Standard-alphabet characters, padding, whitespace. */
    assert_int_equal(parse_only(apr_pstrcat(pool, "+", tok + 1, NULL)),
                     JWT_ERR_MALFORMED);
    assert_int_equal(parse_only(apr_pstrcat(pool, "/", tok + 1, NULL)),
                     JWT_ERR_MALFORMED);
    assert_int_equal(parse_only(apr_pstrcat(pool, " ", tok + 1, NULL)),
                     JWT_ERR_MALFORMED);
    assert_int_equal(parse_only(apr_pstrcat(pool, tok, "=", NULL)),
                     JWT_ERR_MALFORMED);
    assert_int_equal(parse_only(apr_pstrcat(
                         pool, apr_pstrmemdup(pool, tok, hlen), "==",
                         dot1, NULL)),
                     JWT_ERR_MALFORMED);
    /* Length 1 mod 4, in the header and in the signature. */
    assert_int_equal(parse_only(apr_pstrcat(pool, "e30AB.", payload, ".AAAA",
                                            NULL)),
                     JWT_ERR_MALFORMED);
    assert_int_equal(parse_only(apr_pstrcat(pool, tok, "AAA", NULL)),
                     JWT_ERR_MALFORMED);
    /* "{}" is "e30"; "e31" has a set trailing bit. */
    assert_int_equal(parse_only(apr_pstrcat(pool, "e31.", payload, ".AAAA",
                                            NULL)),
                     JWT_ERR_MALFORMED);
    /* The same for the signature: its last character gets a set unused
     * bit (256 bytes leave 4 unused bits in the final character). */
    sig = strrchr(tok, '.') + 1;
    assert_int_equal(strlen(sig) % 4, 2);
    {
        char *t2 = apr_pstrdup(pool, tok);
        char *last = t2 + strlen(t2) - 1;
        *last = (char)(*last + 1); /* A->B, Q->R, g->h, w->x */
        assert_int_equal(parse_only(t2), JWT_ERR_MALFORMED);
    }
}

static void test_dots(void **state)
{
    char *tok = good_token();
    const char *bad[] = { "", "abc", "a.b", "a.b.c.d", "a..b.c", "...",
                          "..", ".e30.AAAA" };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse_only(bad[i]), JWT_ERR_MALFORMED);
    assert_int_equal(parse_only(apr_pstrcat(pool, tok, ".", NULL)),
                     JWT_ERR_MALFORMED);
    assert_int_equal(parse_only(apr_pstrcat(pool, tok, ".AAAA", NULL)),
                     JWT_ERR_MALFORMED);
    assert_int_equal(jwt_parse(pool, NULL, 0, &(jwt_t){0}), JWT_ERR_MALFORMED);
}

static void test_embedded_nul_in_token(void **state)
{
    char *tok = apr_pstrdup(pool, good_token());
    size_t len = strlen(tok);
    jwt_t jwt;

    (void)state;
    tok[5] = '\0';
    assert_int_equal(jwt_parse(pool, tok, len, &jwt), JWT_ERR_MALFORMED);
}

static void test_oversize(void **state)
{
    char *big = apr_palloc(pool, JWT_MAX_LEN + 2);
    char *pad = apr_palloc(pool, 2000);

    (void)state;
    memset(big, 'A', JWT_MAX_LEN + 1);
    big[JWT_MAX_LEN + 1] = '\0';
    assert_int_equal(parse_only(big), JWT_ERR_TOO_LARGE);
    /* A fat header within the token limit. */
    memset(pad, 'x', 1999);
    pad[1999] = '\0';
    assert_int_equal(parse_only(make_token(
                         fmt(
                                      "{\"alg\":\"RS256\",\"kid\":\"k1\","
                                      "\"pad\":\"%s\"}", pad),
                         claims_at(NOW + 60), key1)),
                     JWT_ERR_TOO_LARGE);
    /* A signature longer than any key we accept. */
    assert_int_equal(parse_only(apr_pstrcat(
                         pool, b64s(hdr_ok), ".", b64s(claims_at(NOW)), ".",
                         b64(apr_pcalloc(pool, 1100), 1100), NULL)),
                     JWT_ERR_TOO_LARGE);
}

static char *nested(const char *open, const char *close, int depth)
{
    size_t o = strlen(open), c = strlen(close);
    char *s = apr_palloc(pool, (o + c) * (size_t)depth + 1);
    char *w = s;
    int i;

    for (i = 0; i < depth; i++, w += o)
        memcpy(w, open, o);
    for (i = 0; i < depth; i++, w += c)
        memcpy(w, close, c);
    *w = '\0';
    return s;
}

static void test_deep_nesting(void **state)
{
    json_error_t jerr;
    json_t *j;
    const char *deep10k = nested("[", "]", 10000);

    (void)state;
    /* jansson 2.14 itself stops at JSON_PARSER_MAX_DEPTH (2048). */
    j = json_loads(deep10k, 0, &jerr);
    assert_null(j);
    /* 10000 deep does not fit in a token at all. */
    assert_int_not_equal(parse_only(make_token(hdr_ok, deep10k, key1)),
                         JWT_OK);
    /* 2500 deep fits, and must be refused without recursion trouble. */
    assert_int_equal(parse_only(make_token(hdr_ok, nested("[", "]", 2500),
                                           key1)),
                     JWT_ERR_MALFORMED);
    assert_int_equal(parse_only(make_token(nested("{\"a\":", "}", 100),
                                           claims_at(NOW), key1)),
                     JWT_ERR_MALFORMED);
    /* At our own bound of 32 (the outer object is one level)... */
    assert_int_equal(claims_status(fmt(
                         "{\"sub\":\"u\",\"exp\":%lld,"
                         "\"iss\":\"https://api.workos.com\",\"x\":%s}",
                         NOW + 60, nested("[", "]", 31))),
                     JWT_OK);
    /* ...and just past it. */
    assert_int_equal(parse_only(make_token(
                         hdr_ok,
                         fmt("{\"sub\":\"u\",\"exp\":%lld,"
                                      "\"x\":%s}", NOW + 60,
                                      nested("[", "]", 32)),
                         key1)),
                     JWT_ERR_MALFORMED);
    /* Brackets inside strings do not count; modest nesting is fine. */
    assert_int_equal(claims_status(fmt(
                         "{\"sub\":\"u[[[[{{{{\\\"\",\"exp\":%lld,"
                         "\"iss\":\"https://api.workos.com\","
                         "\"x\":%s,\"y\":\"%s\"}", NOW + 60,
                         nested("[", "]", 10), nested("[", "", 100))),
                     JWT_OK);
}

/* ---- claims ----------------------------------------------------------- */

static const char *claims(const char *extra, long long exp)
{
    return fmt("{\"sub\":\"user_01\",\"exp\":%lld,"
                        "\"iss\":\"https://api.workos.com\"%s%s}", exp,
                        extra[0] ? "," : "", extra);
}

/* Claims checked without an issuer list. */
static jwt_status_t any_iss_status(const char *payload)
{
    jwt_rules_t r = rules();

    r.nissuers = 0;
    return validate_with(make_token(hdr_ok, payload, key1), &r);
}

static void test_claims_exp(void **state)
{
    (void)state;
    assert_int_equal(claims_status(claims("", NOW - 3600)), JWT_ERR_EXPIRED);
    assert_int_equal(claims_status(claims("", NOW - 31)), JWT_ERR_EXPIRED);
    assert_int_equal(claims_status(claims("", NOW - 30)), JWT_OK);
    assert_int_equal(claims_status(claims("", NOW - 10)), JWT_OK);
    assert_int_equal(claims_status(claims("", NOW)), JWT_OK);
    assert_int_equal(any_iss_status(
                         "{\"sub\":\"u\",\"exp\":1700000100.5}"), JWT_OK);
    assert_int_equal(any_iss_status(
                         "{\"sub\":\"u\",\"exp\":1699999960.5}"),
                     JWT_ERR_EXPIRED);
    assert_int_equal(any_iss_status(
                         "{\"sub\":\"u\",\"exp\":9223372036854775807}"),
                     JWT_OK);
    assert_int_equal(any_iss_status("{\"sub\":\"u\",\"exp\":1e300}"), JWT_OK);
    assert_int_equal(any_iss_status("{\"sub\":\"u\",\"exp\":-1e300}"),
                     JWT_ERR_EXPIRED);
}

static void test_claims_exp_zero_skew(void **state)
{
    jwt_rules_t r = rules();

    (void)state;
    r.skew = 0;
    assert_int_equal(validate_with(make_token(hdr_ok, claims("", NOW - 1),
                                              key1), &r),
                     JWT_ERR_EXPIRED);
    assert_int_equal(validate_with(make_token(hdr_ok, claims("", NOW), key1),
                                   &r),
                     JWT_OK);
}

static void test_claims_nbf_iat(void **state)
{
    const char *s;

    (void)state;
    s = fmt("\"nbf\":%lld", NOW + 3600);
    assert_int_equal(claims_status(claims(s, NOW + 7200)),
                     JWT_ERR_NOT_YET_VALID);
    s = fmt("\"nbf\":%lld", NOW + 20);
    assert_int_equal(claims_status(claims(s, NOW + 7200)), JWT_OK);
    s = fmt("\"iat\":%lld", NOW + 3600);
    assert_int_equal(claims_status(claims(s, NOW + 7200)), JWT_ERR_IAT);
    s = fmt("\"iat\":%lld", NOW + 29);
    assert_int_equal(claims_status(claims(s, NOW + 7200)), JWT_OK);
    s = fmt("\"iat\":%lld,\"nbf\":%lld", NOW - 5, NOW - 5);
    assert_int_equal(claims_status(claims(s, NOW + 7200)), JWT_OK);
}

static void test_claims_required_and_types(void **state)
{
    const char *bad[] = {
        "{\"sub\":\"u\"}",
        "{\"exp\":9999999999}",
        "{\"sub\":\"\",\"exp\":9999999999}",
        "{\"sub\":42,\"exp\":9999999999}",
        "{\"sub\":null,\"exp\":9999999999}",
        "{\"sub\":[\"u\"],\"exp\":9999999999}",
        "{\"sub\":\"u\",\"exp\":\"9999999999\"}",
        "{\"sub\":\"u\",\"exp\":null}",
        "{\"sub\":\"u\",\"exp\":true}",
        "{\"sub\":\"u\",\"exp\":9999999999,\"nbf\":\"0\"}",
        "{\"sub\":\"u\",\"exp\":9999999999,\"iat\":[]}",
        "{\"sub\":\"u\",\"exp\":9999999999,\"iss\":7}",
    };
    size_t i;
    jwt_rules_t r = rules();

    (void)state;
    r.nissuers = 0;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(validate_with(make_token(hdr_ok, bad[i], key1), &r),
                         JWT_ERR_CLAIMS);
    assert_int_equal(jwt_check_claims(NULL, &r), JWT_ERR_CLAIMS);
}

static void test_claims_issuer(void **state)
{
    jwt_rules_t r = rules();
    const char *c;

    (void)state;
    c = "{\"sub\":\"u\",\"exp\":9999999999,\"iss\":\"https://evil.example\"}";
    assert_int_equal(claims_status(c), JWT_ERR_ISSUER);
    c = "{\"sub\":\"u\",\"exp\":9999999999,\"iss\":\"https://api.workos.com/\"}";
    assert_int_equal(claims_status(c), JWT_ERR_ISSUER);
    c = "{\"sub\":\"u\",\"exp\":9999999999,\"iss\":\"HTTPS://API.WORKOS.COM\"}";
    assert_int_equal(claims_status(c), JWT_ERR_ISSUER);
    c = "{\"sub\":\"u\",\"exp\":9999999999}";
    assert_int_equal(claims_status(c), JWT_ERR_ISSUER);
    c = "{\"sub\":\"u\",\"exp\":9999999999,"
        "\"iss\":\"https://api.workos.com/user_management/c\"}";
    assert_int_equal(claims_status(c), JWT_OK);
    c = "{\"sub\":\"u\",\"exp\":9999999999,"
        "\"iss\":\"https://api.workos.com\\u0000x\"}";
    assert_int_equal(claims_status(c), JWT_ERR_MALFORMED);
    /* A foreign token is refused as such, not as merely expired. */
    c = "{\"sub\":\"u\",\"exp\":1,\"iss\":\"https://evil.example\"}";
    assert_int_equal(claims_status(c), JWT_ERR_ISSUER);
    /* With no issuers configured, any issuer (or none) passes. */
    r.nissuers = 0;
    c = "{\"sub\":\"u\",\"exp\":9999999999,\"iss\":\"https://evil.example\"}";
    assert_int_equal(validate_with(make_token(hdr_ok, c, key1), &r), JWT_OK);
    c = "{\"sub\":\"u\",\"exp\":9999999999}";
    assert_int_equal(validate_with(make_token(hdr_ok, c, key1), &r), JWT_OK);
}

static void test_status_str(void **state)
{
    int s;

    (void)state;
    assert_string_equal(jwt_status_str(JWT_ERR_EXPIRED), "expired");
    assert_string_equal(jwt_status_str(JWT_ERR_SIGNATURE), "bad signature");
    for (s = JWT_OK; s <= JWT_ERR_CLAIMS; s++)
        assert_true(strlen(jwt_status_str((jwt_status_t)s)) > 0);
    assert_non_null(jwt_status_str((jwt_status_t)999));
}

/* Parsed JSON lives exactly as long as the pool it was parsed into. */
static void test_pool_owns_json(void **state)
{
    apr_pool_t *sub;
    jwt_t jwt;
    int i;

    (void)state;
    for (i = 0; i < 100; i++) {
        apr_pool_create(&sub, pool);
        assert_int_equal(jwt_parse(sub, good_token(), strlen(good_token()),
                                   &jwt), JWT_OK);
        assert_int_equal(jwt_parse(sub, "e30.e30.AAAA", 12, &jwt),
                         JWT_ERR_ALG);
        apr_pool_destroy(sub);
    }
}

/* A verified token's header is remembered: the next token with the same
 * header text gets the same kid without parsing it; tokens with another
 * header, and every check on the rest of the token, are as before. Runs
 * last: the memo lasts as long as the process. */
static void test_remembered_header(void **state)
{
    const char *h2 = "{\"alg\":\"RS256\",\"kid\":\"k2\",\"typ\":\"JWT\"}";
    jwt_t jwt;
    char *tok = good_token();

    (void)state;
    assert_int_equal(parse(tok, &jwt), JWT_OK);
    assert_non_null(jwt.header);
    assert_int_equal(jwt_verify_rs256(&jwt, jwks_find(jwks, "k1")), JWT_OK);
    jwt_remember_header(&jwt);
    jwt_remember_header(&jwt);          /* once is enough */
    assert_int_equal(parse(good_token(), &jwt), JWT_OK);
    assert_null(jwt.header);
    assert_string_equal(jwt.kid, "k1");
    assert_int_equal(jwt_verify_rs256(&jwt, jwks_find(jwks, "k1")), JWT_OK);
    assert_int_equal(validate(good_token()), JWT_OK);
    /* the rest of a token with a remembered header is checked as ever */
    assert_int_equal(claims_status("{\"sub\":\"u\",\"sub\":\"v\"}"),
                     JWT_ERR_MALFORMED);
    assert_int_equal(validate(make_token(hdr_ok, claims_at(NOW + 60),
                                         key2)), JWT_ERR_SIGNATURE);
    assert_int_equal(validate(make_token(hdr_ok, claims_at(NOW - 600),
                                         key1)), JWT_ERR_EXPIRED);
    /* another header text is parsed */
    assert_int_equal(parse(make_token(h2, claims_at(NOW + 60), key2), &jwt),
                     JWT_OK);
    assert_non_null(jwt.header);
    assert_string_equal(jwt.kid, "k2");
    /* a parse that did not come from a verified token remembers nothing */
    assert_int_equal(parse(make_token(h2, claims_at(NOW + 60), key2), &jwt),
                     JWT_OK);
    assert_non_null(jwt.header);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_valid_second_key),
        cmocka_unit_test(test_typ),
        cmocka_unit_test(test_alg_rejected),
        cmocka_unit_test(test_alg_hs256_public_key_as_secret),
        cmocka_unit_test(test_embedded_key_headers),
        cmocka_unit_test(test_kid_bad),
        cmocka_unit_test(test_kid_hostile_is_unknown),
        cmocka_unit_test(test_signature_stripped),
        cmocka_unit_test(test_signature_other_key),
        cmocka_unit_test(test_signature_truncated_or_extended),
        cmocka_unit_test(test_signature_tampered_payload),
        cmocka_unit_test(test_verify_bad_keys),
        cmocka_unit_test(test_duplicate_members),
        cmocka_unit_test(test_not_objects),
        cmocka_unit_test(test_bad_base64url),
        cmocka_unit_test(test_dots),
        cmocka_unit_test(test_embedded_nul_in_token),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_claims_exp),
        cmocka_unit_test(test_claims_exp_zero_skew),
        cmocka_unit_test(test_claims_nbf_iat),
        cmocka_unit_test(test_claims_required_and_types),
        cmocka_unit_test(test_claims_issuer),
        cmocka_unit_test(test_status_str),
        cmocka_unit_test(test_pool_owns_json),
        cmocka_unit_test(test_remembered_header),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
