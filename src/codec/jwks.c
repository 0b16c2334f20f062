/* SPDX-License-Identifier: Apache-2.0 */
/* JSON Web Key Sets: the RSA signing keys that access tokens name by kid.
 *
 * The document comes from the configured JWKS URL over TLS, but it is
 * still parsed defensively: a bad or exotic key is skipped, not fatal,
 * so one odd entry cannot take every sign-in down. jansson bounds nesting
 * itself (JSON_PARSER_MAX_DEPTH, 2048 in 2.14) and the length is bounded
 * here, so no separate depth scan is done. */
#include "codec/jwks.h"
#include "codec/b64url.h"

#include <string.h>

#include <apr_strings.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#define JWKS_MIN_BITS 2048
#define JWKS_MAX_BITS 8192
/* Same bound as a token's kid (jwt.c); longer ones could never match. */
#define JWKS_MAX_KID 256
/* Public exponents in use are 3 or 65537; 64 bits is plenty. */
#define JWKS_MAX_E_BYTES 8

typedef struct {
    const char *kid;
    EVP_PKEY *key;
} jwks_key_t;

struct jwks {
    jwks_key_t keys[JWKS_MAX_KEYS];
    int count;
};

static apr_status_t jwks_cleanup(void *data)
{
    jwks_t *set = data;
    int i;

    for (i = 0; i < set->count; i++)
        EVP_PKEY_free(set->keys[i].key);
    set->count = 0;
    return APR_SUCCESS;
}

/* A string member, or NULL if absent, not a string, or holding a NUL. */
static const char *jwks_str(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);

    if (!json_is_string(v))
        return NULL;
    if (strlen(json_string_value(v)) != json_string_length(v))
        return NULL;
    return json_string_value(v);
}

/* A big-endian unsigned integer from base64url, or NULL. */
static BIGNUM *jwks_bignum(const char *b64, size_t max_bytes)
{
    unsigned char buf[JWKS_MAX_BITS / 8 + 1];
    size_t len = strlen(b64), n;

    /* Leave room for one leading zero byte, which some encoders add. */
    if (len == 0 || b64url_decoded_max(len) > max_bytes + 1)
        return NULL;
    if (b64url_decode(b64, len, buf, sizeof(buf), &n) != 0 || n == 0)
        return NULL;
    return BN_bin2bn(buf, (int)n, NULL);
}

/* An RSA modulus is a product of two odd primes, so it is odd. */
static int jwks_n_ok(const BIGNUM *n)
{
    int bits = BN_num_bits(n);

    return bits >= JWKS_MIN_BITS && bits <= JWKS_MAX_BITS && BN_is_odd(n);
}

/* Odd and at least 3, as RSA needs; 1 would make signatures trivial. */
static int jwks_e_ok(const BIGNUM *e)
{
    return BN_is_odd(e) && BN_num_bits(e) >= 2;
}

static EVP_PKEY *jwks_rsa_from_bn(const BIGNUM *n, const BIGNUM *e)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;

    if (bld == NULL)
        return NULL;
    if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1
        || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
        goto done;
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (params == NULL || ctx == NULL)
        goto done;
    if (EVP_PKEY_fromdata_init(ctx) != 1
        || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
        key = NULL;
done:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return key;
}

static EVP_PKEY *jwks_rsa_key(const char *n_b64, const char *e_b64)
{
    BIGNUM *n = jwks_bignum(n_b64, JWKS_MAX_BITS / 8);
    BIGNUM *e = jwks_bignum(e_b64, JWKS_MAX_E_BYTES);
    EVP_PKEY *key = NULL;

    if (n != NULL && e != NULL && jwks_n_ok(n) && jwks_e_ok(e))
        key = jwks_rsa_from_bn(n, e);
    BN_free(n);
    BN_free(e);
    /* Rejected keys leave OpenSSL errors queued on this thread. */
    ERR_clear_error();
    return key;
}

/* Whether a JWK is meant for RS256 signatures: kty RSA, use absent or
 * "sig", alg absent or "RS256". Encryption keys must never verify. */
static int jwks_is_rs256_sig(json_t *jwk)
{
    const char *kty = jwks_str(jwk, "kty");
    const char *use = jwks_str(jwk, "use");
    const char *alg = jwks_str(jwk, "alg");

    if (kty == NULL || strcmp(kty, "RSA") != 0)
        return 0;
    if (json_object_get(jwk, "use") != NULL
        && (use == NULL || strcmp(use, "sig") != 0))
        return 0;
    if (json_object_get(jwk, "alg") != NULL
        && (alg == NULL || strcmp(alg, "RS256") != 0))
        return 0;
    return 1;
}

static const char *jwks_usable_kid(json_t *jwk)
{
    const char *kid = jwks_str(jwk, "kid");

    if (kid == NULL || kid[0] == '\0' || strlen(kid) > JWKS_MAX_KID)
        return NULL;
    return kid;
}

/* Adds one JWK if it is usable and its kid is new: with a duplicate kid
 * the first wins, so a later entry cannot shadow a key already trusted. */
static void jwks_add(apr_pool_t *p, jwks_t *set, json_t *jwk)
{
    const char *kid, *n, *e;
    EVP_PKEY *key;

    if (!json_is_object(jwk) || !jwks_is_rs256_sig(jwk))
        return;
    kid = jwks_usable_kid(jwk);
    n = jwks_str(jwk, "n");
    e = jwks_str(jwk, "e");
    if (kid == NULL || n == NULL || e == NULL || jwks_find(set, kid) != NULL)
        return;
    key = jwks_rsa_key(n, e);
    if (key == NULL)
        return;
    set->keys[set->count].kid = apr_pstrdup(p, kid);
    set->keys[set->count].key = key;
    set->count++;
}

static void jwks_add_all(apr_pool_t *p, jwks_t *set, json_t *keys)
{
    size_t i;

    for (i = 0; i < json_array_size(keys); i++) {
        if (set->count >= JWKS_MAX_KEYS)
            break;
        jwks_add(p, set, json_array_get(keys, i));
    }
}

static json_t *jwks_load_keys(const char *json, size_t len, json_t **root,
                              const char **err)
{
    json_error_t jerr;
    json_t *keys;

    *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (*root == NULL) {
        *err = "JWKS is not valid JSON";
        return NULL;
    }
    keys = json_object_get(*root, "keys");
    if (!json_is_object(*root) || !json_is_array(keys)) {
        *err = "JWKS has no \"keys\" array";
        return NULL;
    }
    return keys;
}

jwks_t *jwks_parse(apr_pool_t *p, const char *json, size_t len,
                   const char **err)
{
    const char *dummy;
    json_t *root, *keys;
    jwks_t *set;

    if (err == NULL)
        err = &dummy;
    if (json == NULL || len == 0) {
        *err = "JWKS is empty";
        return NULL;
    }
    if (len > JWKS_MAX_LEN) {
        *err = "JWKS is too large";
        return NULL;
    }
    keys = jwks_load_keys(json, len, &root, err);
    if (keys == NULL) {
        json_decref(root);
        return NULL;
    }
    set = apr_pcalloc(p, sizeof(*set));
    apr_pool_cleanup_register(p, set, jwks_cleanup, apr_pool_cleanup_null);
    jwks_add_all(p, set, keys);
    json_decref(root);
    if (set->count == 0) {
        apr_pool_cleanup_run(p, set, jwks_cleanup);
        *err = "JWKS has no usable RS256 signing key";
        return NULL;
    }
    return set;
}

EVP_PKEY *jwks_find(const jwks_t *set, const char *kid)
{
    int i;

    if (set == NULL || kid == NULL)
        return NULL;
    for (i = 0; i < set->count; i++) {
        if (strcmp(set->keys[i].kid, kid) == 0)
            return set->keys[i].key;
    }
    return NULL;
}

int jwks_count(const jwks_t *set)
{
    return set != NULL ? set->count : 0;
}
