/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the access-token path, as a bearer token or a sealed
 * accessToken reaches it: jwt_parse, jwt_verify_rs256, jwt_check_claims,
 * then identity_from_claims.
 *
 * An RSA key is generated once at start-up and published through
 * jwks_parse, as the module gets its keys. A fuzzed token can never carry
 * a signature by that key, so every token whose claims pass is also
 * re-signed with it and checked again: that drives the accepting path
 * with arbitrary headers and claims. Properties: a parsed token points
 * into the input; a token the verifier accepts carries exactly the
 * signature the key makes (PKCS#1 v1.5 is deterministic); a re-signed
 * token parses, verifies and passes the same claims; identity strings
 * hold no control characters (they become headers and variables). */
#include <string.h>

#include <apr_strings.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "codec/b64url.h"
#include "fuzz_common.h"
#include "model/identity.h"
#include "codec/jwks.h"
#include "codec/jwt.h"

/* Shared with make_corpus.py, whose seed tokens name this kid and fall
 * inside this clock. */
#define FUZZ_KID "sso_oidc_key_pair_01JFUZZ0000000000000000000"
#define FUZZ_NOW 1893456000LL /* 2030-01-01T00:00:00Z */
#define FUZZ_SIG_MAX 1024

static const char *const fuzz_issuers[] = {
    "https://api.workos.com/user_management/client_01FUZZ",
    "https://api.workos.com",
};
static const jwt_rules_t fuzz_rules = { FUZZ_NOW, 30, fuzz_issuers, 2 };

static EVP_PKEY *fuzz_priv;   /* signs the re-signed tokens */
static jwks_t *fuzz_keys;     /* its public half, via the JWKS parser */
/* The same public key. Also keeps it visible to LeakSanitizer, which does
 * not scan the memory APR's allocator maps for the long-lived pool. */
static EVP_PKEY *fuzz_pub;

/* base64url of one RSA parameter, in pool memory. */
static const char *fuzz_param_b64(apr_pool_t *p, const char *name)
{
    BIGNUM *bn = NULL;
    unsigned char buf[FUZZ_SIG_MAX];
    char *out;
    int n;

    if (EVP_PKEY_get_bn_param(fuzz_priv, name, &bn) != 1
        || (n = BN_num_bytes(bn)) > (int)sizeof(buf))
        abort();
    BN_bn2bin(bn, buf);
    BN_free(bn);
    out = apr_palloc(p, b64url_encoded_len((size_t)n) + 1);
    b64url_encode(buf, (size_t)n, out);
    return out;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_pool_t *g = fuzz_init();
    const char *doc, *err = NULL;

    (void)argc;
    (void)argv;
    fuzz_priv = EVP_RSA_gen(2048);
    if (fuzz_priv == NULL)
        abort();
    doc = apr_psprintf(g, "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"sig\","
                       "\"alg\":\"RS256\",\"kid\":\"%s\",\"n\":\"%s\","
                       "\"e\":\"%s\"}]}", FUZZ_KID,
                       fuzz_param_b64(g, OSSL_PKEY_PARAM_RSA_N),
                       fuzz_param_b64(g, OSSL_PKEY_PARAM_RSA_E));
    fuzz_keys = jwks_parse(g, doc, strlen(doc), &err);
    fuzz_pub = jwks_find(fuzz_keys, FUZZ_KID);
    if (fuzz_pub == NULL)
        abort();
    return 0;
}

/* RS256 signature of msg by the start-up key; returns its length. */
static size_t fuzz_sign(const char *msg, size_t len,
                        unsigned char sig[FUZZ_SIG_MAX])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t sig_len = FUZZ_SIG_MAX;

    if (ctx == NULL
        || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, fuzz_priv) != 1
        || EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)msg,
                          len) != 1)
        abort();
    EVP_MD_CTX_free(ctx);
    return sig_len;
}

static void fuzz_no_controls(const char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        FUZZ_CHECK((unsigned char)*s >= 0x20 && *s != 0x7f);
}

static void fuzz_list_ok(apr_pool_t *p, const apr_array_header_t *list)
{
    int i;

    FUZZ_CHECK(list != NULL);
    for (i = 0; i < list->nelts; i++)
        fuzz_no_controls(APR_ARRAY_IDX(list, i, const char *));
    fuzz_no_controls(identity_join(p, list));
}

static void fuzz_identity(apr_pool_t *p, const jwt_t *jwt)
{
    wos_identity_t *id = identity_from_claims(p, jwt->claims,
                                              jwt->claims_text,
                                              jwt->claims_text_len);
    json_t *again;

    if (id == NULL)
        return;
    /* the kept text is the claims: it parses back to an equal object */
    if (id->claims_json != NULL) {
        again = json_loads(id->claims_json, JSON_REJECT_DUPLICATES, NULL);
        FUZZ_CHECK(again != NULL && json_equal(again, jwt->claims));
        json_decref(again);
    }
    FUZZ_CHECK(id->user_id != NULL && *id->user_id != '\0');
    fuzz_no_controls(id->user_id);
    fuzz_no_controls(id->session_id);
    fuzz_no_controls(id->org_id);
    fuzz_no_controls(id->role);
    fuzz_no_controls(id->impersonator_email);
    fuzz_list_ok(p, id->roles);
    fuzz_list_ok(p, id->permissions);
    fuzz_list_ok(p, id->entitlements);
    fuzz_list_ok(p, id->feature_flags);
}

/* The key the module would use: the JWKS entry for the token's kid, or
 * (so that every parsed token is verified) the start-up key. */
static EVP_PKEY *fuzz_key_for(const jwt_t *jwt)
{
    EVP_PKEY *key = jwks_find(fuzz_keys, jwt->kid);

    return key != NULL ? key : fuzz_pub;
}

static void fuzz_check_accepted_sig(const jwt_t *jwt)
{
    unsigned char sig[FUZZ_SIG_MAX];
    size_t n = fuzz_sign(jwt->signing_input, jwt->signing_input_len, sig);

    FUZZ_CHECK(jwt->sig_len == n && memcmp(jwt->sig, sig, n) == 0);
}

/* The same header and claims with a genuine signature must get through. */
static void fuzz_resign(apr_pool_t *p, const jwt_t *jwt)
{
    unsigned char sig[FUZZ_SIG_MAX];
    size_t n = fuzz_sign(jwt->signing_input, jwt->signing_input_len, sig);
    char *sig64 = apr_palloc(p, b64url_encoded_len(n) + 1);
    char *token;
    jwt_t again;

    b64url_encode(sig, n, sig64);
    token = apr_pstrcat(p, apr_pstrmemdup(p, jwt->signing_input,
                                          jwt->signing_input_len),
                        ".", sig64, NULL);
    /* A short fuzzed signature may leave room a real one does not. */
    if (strlen(token) > JWT_MAX_LEN) {
        FUZZ_CHECK(jwt_parse(p, token, strlen(token), &again)
                   == JWT_ERR_TOO_LARGE);
        return;
    }
    FUZZ_CHECK(jwt_parse(p, token, strlen(token), &again) == JWT_OK);
    FUZZ_CHECK(jwt_verify_rs256(&again, fuzz_pub) == JWT_OK);
    FUZZ_CHECK(jwt_check_claims(&again, &fuzz_rules) == JWT_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    jwt_t jwt;
    jwt_status_t st;

    st = jwt_parse(p, (const char *)data, size, &jwt);
    FUZZ_CHECK(jwt_status_str(st) != NULL);
    if (st == JWT_OK) {
        FUZZ_CHECK(jwt.kid != NULL && jwt.sig != NULL);
        FUZZ_CHECK(jwt.signing_input == (const char *)data);
        FUZZ_CHECK(jwt.signing_input_len < size);
        if (jwt_verify_rs256(&jwt, fuzz_key_for(&jwt)) == JWT_OK) {
            jwt_t again;
            fuzz_check_accepted_sig(&jwt);
            /* a remembered header parses to the same token */
            jwt_remember_header(&jwt);
            FUZZ_CHECK(jwt_parse(p, (const char *)data, size, &again)
                       == JWT_OK);
            FUZZ_CHECK(strcmp(again.kid, jwt.kid) == 0);
            FUZZ_CHECK(again.claims_text_len == jwt.claims_text_len);
        }
        fuzz_identity(p, &jwt);
        if (jwt_check_claims(&jwt, &fuzz_rules) == JWT_OK)
            fuzz_resign(p, &jwt);
    }
    fuzz_end(p);
    return 0;
}
