/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the JWKS parser (jwks_parse, jwks_find), on a document as
 * the JWKS URL (or something between us and it) returns it.
 *
 * Every kid named in the document is looked up, and each key found
 * checks a token made at start-up, so odd moduli and exponents reach the
 * verifier as they would in the module. Properties: a parsed set holds
 * 1 to JWKS_MAX_KEYS keys; every key found is RSA of 2048 to 8192 bits;
 * a kid the parser could not have kept (empty) is never found. */
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "codec/b64url.h"
#include "fuzz_common.h"
#include "codec/jwks.h"
#include "codec/jwt.h"

static apr_pool_t *fuzz_global;
static jwt_t fuzz_token; /* signed at start-up by a key thrown away */

static const char *fuzz_make_token(apr_pool_t *p)
{
    static const char input[] =
        "eyJhbGciOiJSUzI1NiIsImtpZCI6ImtleV8xIn0."
        "eyJzdWIiOiJ1c2VyXzAxIiwiZXhwIjo0MTAyNDQ0ODAwfQ";
    EVP_PKEY *key = EVP_RSA_gen(2048);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[512];
    size_t n = sizeof(sig);
    char *sig64;

    if (key == NULL || ctx == NULL
        || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1
        || EVP_DigestSign(ctx, sig, &n, (const unsigned char *)input,
                          strlen(input)) != 1)
        abort();
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    sig64 = apr_palloc(p, b64url_encoded_len(n) + 1);
    b64url_encode(sig, n, sig64);
    return apr_pstrcat(p, input, ".", sig64, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *token;

    (void)argc;
    (void)argv;
    fuzz_global = fuzz_init();
    token = fuzz_make_token(fuzz_global);
    if (jwt_parse(fuzz_global, token, strlen(token), &fuzz_token) != JWT_OK)
        abort();
    return 0;
}

static void fuzz_check_key(EVP_PKEY *key)
{
    FUZZ_CHECK(EVP_PKEY_is_a(key, "RSA"));
    FUZZ_CHECK(EVP_PKEY_get_bits(key) >= 2048
               && EVP_PKEY_get_bits(key) <= 8192);
    /* Verification runs; its answer is not checked, because a JWKS is
     * trusted input and its author could pick a key to match. */
    (void)jwt_verify_rs256(&fuzz_token, key);
}

/* Looks up every string "kid" in the document's "keys" array. */
static void fuzz_lookup_all(const jwks_t *set, const uint8_t *data,
                            size_t size)
{
    json_t *root = json_loadb((const char *)data, size, 0, NULL);
    json_t *keys = json_object_get(root, "keys");
    size_t i;

    for (i = 0; i < json_array_size(keys); i++) {
        json_t *kid = json_object_get(json_array_get(keys, i), "kid");
        EVP_PKEY *key;
        if (!json_is_string(kid))
            continue;
        key = jwks_find(set, json_string_value(kid));
        if (key != NULL)
            fuzz_check_key(key);
    }
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    const char *err = NULL;
    jwks_t *set = jwks_parse(p, (const char *)data, size, &err);

    if (set == NULL) {
        FUZZ_CHECK(err != NULL);
    } else {
        FUZZ_CHECK(jwks_count(set) >= 1 && jwks_count(set) <= JWKS_MAX_KEYS);
        FUZZ_CHECK(jwks_find(set, "") == NULL);
        FUZZ_CHECK(jwks_find(set, NULL) == NULL);
        fuzz_lookup_all(set, data, size);
    }
    fuzz_end(p);
    return 0;
}
