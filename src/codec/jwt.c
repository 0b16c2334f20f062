/* SPDX-License-Identifier: Apache-2.0 */
/* Compact JWS parsing and RS256 verification.
 *
 * Everything here sees attacker-controlled bytes before any signature has
 * been checked, so the parser is deliberately narrow: one algorithm, no
 * key material taken from the token, bounded sizes, strict base64url and
 * JSON objects without duplicate members (RFC 8725 section 3). */
#include <apr_atomic.h>
#include "codec/jwt.h"
#include "codec/b64url.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

/* A JOSE header is a handful of short members; anything bigger is not
 * from WorkOS. */
#define JWT_MAX_HEADER_CHARS 1024
/* RS256 with an 8192-bit key (the largest jwks.c accepts): 1024 bytes. */
#define JWT_MAX_SIG_BYTES 1024
/* WorkOS claims nest at most two levels ({"act": {"sub": ...}}). jansson
 * 2.14 stops at JSON_PARSER_MAX_DEPTH (2048), but that is a build-time
 * constant of the library and older releases had no limit, so the token's
 * JSON is scanned first with a much tighter bound. */
#define JWT_MAX_DEPTH 32
#define JWT_MAX_KID 256
#define JWT_MIN_RSA_BITS 2048

const char *jwt_status_str(jwt_status_t s)
{
    switch (s) {
    case JWT_OK:                return "ok";
    case JWT_ERR_MALFORMED:     return "malformed token";
    case JWT_ERR_TOO_LARGE:     return "token too large";
    case JWT_ERR_ALG:           return "algorithm not allowed";
    case JWT_ERR_EMBEDDED_KEY:  return "embedded key or crit header";
    case JWT_ERR_NO_KID:        return "missing or bad kid";
    case JWT_ERR_UNKNOWN_KID:   return "unknown kid";
    case JWT_ERR_SIGNATURE:     return "bad signature";
    case JWT_ERR_EXPIRED:       return "expired";
    case JWT_ERR_NOT_YET_VALID: return "not yet valid (nbf)";
    case JWT_ERR_IAT:           return "issued in the future (iat)";
    case JWT_ERR_ISSUER:        return "wrong issuer";
    case JWT_ERR_CLAIMS:        return "missing or bad claims";
    }
    return "unknown error";
}

/* ---- parsing ---------------------------------------------------------- */

static apr_status_t jwt_json_cleanup(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

/* Ties a parsed JSON value to the pool so callers never decref by hand. */
static void jwt_own_json(apr_pool_t *p, json_t *json)
{
    apr_pool_cleanup_register(p, json, jwt_json_cleanup,
                              apr_pool_cleanup_null);
}

/* 1 if brackets nest deeper than JWT_MAX_DEPTH outside strings. The input
 * need not be valid JSON; jansson judges that afterwards. */
static int jwt_too_deep(const unsigned char *s, size_t len)
{
    int depth = 0, in_string = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;            /* the escaped character cannot end it */
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > JWT_MAX_DEPTH)
                return 1;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return 0;
}

/* Decodes one segment into pool memory. */
static int jwt_decode_segment(apr_pool_t *p, const char *seg, size_t len,
                              unsigned char **out, size_t *outlen)
{
    size_t cap = b64url_decoded_max(len) + 1;

    *out = apr_palloc(p, cap);
    if (b64url_decode(seg, len, *out, cap, outlen) != 0)
        return -1;
    (*out)[*outlen] = '\0';
    return 0;
}

/* A base64url segment holding a JSON object, or NULL. The result is owned
 * by the pool. Duplicate member names are refused: with duplicates, two
 * parsers can disagree about which value was signed. */
static json_t *jwt_decode_object(apr_pool_t *p, const char *seg, size_t len,
                                 const char **text, size_t *textlen)
{
    unsigned char *raw;
    size_t rawlen;
    json_error_t jerr;
    json_t *json;

    if (len == 0 || jwt_decode_segment(p, seg, len, &raw, &rawlen) != 0)
        return NULL;
    if (text != NULL) {
        *text = (const char *)raw;
        *textlen = rawlen;
    }
    if (jwt_too_deep(raw, rawlen))
        return NULL;
    json = json_loadb((const char *)raw, rawlen, JSON_REJECT_DUPLICATES,
                      &jerr);
    if (json == NULL)
        return NULL;
    jwt_own_json(p, json);
    return json_is_object(json) ? json : NULL;
}

/* Any way for the token to carry or point at its own key (RFC 7515
 * 4.1.3-4.1.6), or a crit extension we cannot honour, is refused
 * outright. Thumbprints (x5t) are mere hints and are ignored. */
static int jwt_has_embedded_key(json_t *header)
{
    static const char *const names[] = { "jwk", "jku", "x5u", "x5c",
                                         "crit" };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (json_object_get(header, names[i]) != NULL)
            return 1;
    }
    return 0;
}

/* typ is advisory, but a token typed as something else (a logout token,
 * say) must not pass as an access token. Media types compare without
 * case (RFC 7515 4.1.9); "at+jwt" is RFC 9068's access-token type. */
static int jwt_typ_ok(json_t *header)
{
    json_t *typ = json_object_get(header, "typ");
    const char *s;

    if (typ == NULL)
        return 1;
    if (!json_is_string(typ))
        return 0;
    s = json_string_value(typ);
    return strcasecmp(s, "JWT") == 0 || strcasecmp(s, "at+jwt") == 0;
}

static jwt_status_t jwt_check_header(json_t *header, const char **kid)
{
    json_t *alg = json_object_get(header, "alg");
    json_t *k;
    size_t klen;

    /* Exact and case-sensitive: "none", "None", "HS256" with the public
     * key as HMAC secret, RS384... all stop here. */
    if (!json_is_string(alg) || strcmp(json_string_value(alg), "RS256") != 0)
        return JWT_ERR_ALG;
    if (jwt_has_embedded_key(header))
        return JWT_ERR_EMBEDDED_KEY;
    if (!jwt_typ_ok(header))
        return JWT_ERR_MALFORMED;
    k = json_object_get(header, "kid");
    if (!json_is_string(k))
        return JWT_ERR_NO_KID;
    klen = json_string_length(k);
    /* A kid with an embedded NUL would look shorter to strcmp. */
    if (klen == 0 || klen > JWT_MAX_KID || strlen(json_string_value(k)) != klen)
        return JWT_ERR_NO_KID;
    *kid = json_string_value(k);
    return JWT_OK;
}

/* Finds the two dots; there must be exactly two. */
static int jwt_split(const char *token, size_t len, size_t *dot1,
                     size_t *dot2)
{
    const char *a, *b;

    a = memchr(token, '.', len);
    if (a == NULL)
        return -1;
    b = memchr(a + 1, '.', len - (size_t)(a + 1 - token));
    if (b == NULL)
        return -1;
    if (memchr(b + 1, '.', len - (size_t)(b + 1 - token)) != NULL)
        return -1;
    *dot1 = (size_t)(a - token);
    *dot2 = (size_t)(b - token);
    return 0;
}

static jwt_status_t jwt_parse_signature(apr_pool_t *p, const char *seg,
                                        size_t len, jwt_t *out)
{
    /* A stripped signature ("header.payload.") is an unsigned token. */
    if (len == 0)
        return JWT_ERR_SIGNATURE;
    if (len > b64url_encoded_len(JWT_MAX_SIG_BYTES))
        return JWT_ERR_TOO_LARGE;
    if (jwt_decode_segment(p, seg, len, &out->sig, &out->sig_len) != 0)
        return JWT_ERR_MALFORMED;
    return JWT_OK;
}

/* ---- headers of verified tokens ---------------------------------------
 * Every token signed with one key carries the same header text, and a
 * header text always parses to the same alg and kid: once a token with a
 * header has verified, later tokens with the very same text skip jansson
 * for it (12,000 instructions). Only a verified token's header is kept,
 * so what is kept comes from WorkOS's keys (one per kid), not from
 * callers; at most JWT_HEADER_MEMO, each written once and never freed:
 * readers need no lock. */
#define JWT_HEADER_MEMO 16

typedef struct {
    size_t len;
    char *text;     /* the base64url header segment */
    char *kid;
} jwt_memo_t;

static volatile void *jwt_memo[JWT_HEADER_MEMO];

static const char *jwt_memo_kid(const char *seg, size_t len)
{
    int i;

    for (i = 0; i < JWT_HEADER_MEMO; i++) {
        const jwt_memo_t *m = apr_atomic_casptr(&jwt_memo[i], NULL, NULL);
        if (m == NULL)
            return NULL;        /* slots fill in order */
        if (m->len == len && memcmp(m->text, seg, len) == 0)
            return m->kid;
    }
    return NULL;
}

void jwt_remember_header(const jwt_t *jwt)
{
    jwt_memo_t *m;
    size_t len;
    const char *dot;
    int i;

    if (jwt->header == NULL || jwt->signing_input == NULL
        || (dot = memchr(jwt->signing_input, '.',
                         jwt->signing_input_len)) == NULL)
        return;                 /* remembered already, or not parsed */
    len = (size_t)(dot - jwt->signing_input);
    if (jwt_memo_kid(jwt->signing_input, len) != NULL
        || (m = malloc(sizeof(*m))) == NULL)
        return;
    m->len = len;
    m->text = malloc(len);
    m->kid = strdup(jwt->kid);
    if (m->text == NULL || m->kid == NULL) {
        free(m->text);
        free(m->kid);
        free(m);
        return;
    }
    memcpy(m->text, jwt->signing_input, len);
    for (i = 0; i < JWT_HEADER_MEMO; i++) {
        if (apr_atomic_casptr(&jwt_memo[i], m, NULL) == NULL)
            return;
    }
    free(m->text);              /* full: parsed the long way from now */
    free(m->kid);
    free(m);
}

jwt_status_t jwt_parse(apr_pool_t *p, const char *token, size_t len,
                       jwt_t *out)
{
    size_t dot1, dot2;
    jwt_status_t st;

    memset(out, 0, sizeof(*out));
    if (token == NULL || len == 0)
        return JWT_ERR_MALFORMED;
    if (len > JWT_MAX_LEN)
        return JWT_ERR_TOO_LARGE;
    if (jwt_split(token, len, &dot1, &dot2) != 0)
        return JWT_ERR_MALFORMED;
    if (dot1 > JWT_MAX_HEADER_CHARS)
        return JWT_ERR_TOO_LARGE;

    if ((out->kid = jwt_memo_kid(token, dot1)) == NULL) {
        out->header = jwt_decode_object(p, token, dot1, NULL, NULL);
        if (out->header == NULL)
            return JWT_ERR_MALFORMED;
        st = jwt_check_header(out->header, &out->kid);
        if (st != JWT_OK)
            return st;
    }

    out->claims = jwt_decode_object(p, token + dot1 + 1, dot2 - dot1 - 1,
                                    &out->claims_text,
                                    &out->claims_text_len);
    if (out->claims == NULL)
        return JWT_ERR_MALFORMED;

    st = jwt_parse_signature(p, token + dot2 + 1, len - dot2 - 1, out);
    if (st != JWT_OK)
        return st;
    out->signing_input = token;
    out->signing_input_len = dot2;
    return JWT_OK;
}

/* ---- signature -------------------------------------------------------- */

/* Only a plain RSA key of a sane size, and only a signature exactly as
 * long as its modulus (RFC 8017 8.2.2 step 1). */
static int jwt_key_ok(EVP_PKEY *key, size_t sig_len)
{
    int size;

    /* EVP_PKEY_is_a, not the legacy id: keys built with EVP_PKEY_fromdata
     * are provider keys. RSA-PSS keys are a different type and fail. */
    if (!EVP_PKEY_is_a(key, "RSA"))
        return 0;
    if (EVP_PKEY_get_bits(key) < JWT_MIN_RSA_BITS)
        return 0;
    size = EVP_PKEY_get_size(key);
    return size > 0 && (size_t)size == sig_len;
}

/* OpenSSL 3 looks algorithms up by name on every implicit use
 * (EVP_sha256(), EVP_DigestVerifyInit, EVP_PKEY_CTX_new_from_pkey): a
 * fifth of a first-seen token's cost went there. SHA-256 is fetched once
 * per process (fetched objects are shareable between threads), and each
 * signing key gets one prepared verify context (padding and digest set)
 * that every verification duplicates: contexts are not shareable, their
 * copies are. */
#define JWT_PREPARED_KEYS 8

typedef struct {
    EVP_PKEY *key;          /* a reference of our own, so the address
                             * cannot be reused by another key meanwhile */
    EVP_PKEY_CTX *ctx;      /* verify-initialised; only ever duplicated */
} jwt_prepared_t;

static CRYPTO_ONCE jwt_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *jwt_sha256;
static CRYPTO_RWLOCK *jwt_lock;
static jwt_prepared_t jwt_prepared[JWT_PREPARED_KEYS];
static unsigned jwt_prepared_next;

static void jwt_init_once(void)
{
    jwt_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    jwt_lock = CRYPTO_THREAD_lock_new();
}

static EVP_PKEY_CTX *jwt_prepare(EVP_PKEY *key)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);

    if (ctx == NULL)
        return NULL;
    if (EVP_PKEY_verify_init(ctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0
        && EVP_PKEY_CTX_set_signature_md(ctx, jwt_sha256) > 0)
        return ctx;
    EVP_PKEY_CTX_free(ctx);
    return NULL;
}

/* A copy of the key's prepared context (the caller frees it), preparing
 * and remembering one the first time a key is seen. */
static EVP_PKEY_CTX *jwt_verify_ctx(EVP_PKEY *key)
{
    EVP_PKEY_CTX *copy = NULL, *fresh;
    jwt_prepared_t *slot;
    unsigned i;

    if (jwt_lock == NULL || !CRYPTO_THREAD_read_lock(jwt_lock))
        return NULL;
    for (i = 0; i < JWT_PREPARED_KEYS; i++) {
        if (jwt_prepared[i].key == key) {
            copy = EVP_PKEY_CTX_dup(jwt_prepared[i].ctx);
            break;
        }
    }
    CRYPTO_THREAD_unlock(jwt_lock);
    if (i < JWT_PREPARED_KEYS)
        return copy;
    if ((fresh = jwt_prepare(key)) == NULL)
        return NULL;
    copy = EVP_PKEY_CTX_dup(fresh);
    if (!EVP_PKEY_up_ref(key) || !CRYPTO_THREAD_write_lock(jwt_lock)) {
        EVP_PKEY_CTX_free(fresh);
        return copy;
    }
    /* Keys change rarely (a rotation, a refetch): the oldest goes. */
    slot = &jwt_prepared[jwt_prepared_next++ % JWT_PREPARED_KEYS];
    EVP_PKEY_CTX_free(slot->ctx);
    EVP_PKEY_free(slot->key);
    slot->key = key;
    slot->ctx = fresh;
    CRYPTO_THREAD_unlock(jwt_lock);
    return copy;
}

static int jwt_digest_verify(const jwt_t *jwt, EVP_PKEY *key)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_PKEY_CTX *ctx;
    int ok;

    if (!CRYPTO_THREAD_run_once(&jwt_once, jwt_init_once)
        || jwt_sha256 == NULL)
        return 0;
    if (EVP_Digest(jwt->signing_input, jwt->signing_input_len, md, &md_len,
                   jwt_sha256, NULL) != 1)
        return 0;
    /* a provider that cannot copy contexts gets a fresh one each time */
    if ((ctx = jwt_verify_ctx(key)) == NULL
        && (ctx = jwt_prepare(key)) == NULL)
        return 0;
    ok = EVP_PKEY_verify(ctx, jwt->sig, jwt->sig_len, md, md_len) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

jwt_status_t jwt_verify_rs256(const jwt_t *jwt, EVP_PKEY *key)
{
    int ok;

    if (jwt == NULL || key == NULL || jwt->sig == NULL
        || jwt->signing_input == NULL)
        return JWT_ERR_SIGNATURE;
    if (!jwt_key_ok(key, jwt->sig_len))
        return JWT_ERR_SIGNATURE;
    ok = jwt_digest_verify(jwt, key);
    /* A failed verify leaves errors queued on this thread; they would
     * surface later in an unrelated OpenSSL call (mod_ssl's, say). */
    ERR_clear_error();
    return ok ? JWT_OK : JWT_ERR_SIGNATURE;
}

/* ---- claims ----------------------------------------------------------- */

/* Reads an optional numeric claim as a double: NumericDate may carry a
 * fraction (RFC 7519 2), and a double keeps exp + skew from overflowing.
 * Returns 0 absent, 1 present, -1 present but not a number. */
static int jwt_number_claim(json_t *claims, const char *name, double *out)
{
    json_t *v = json_object_get(claims, name);

    if (v == NULL)
        return 0;
    if (!json_is_number(v))
        return -1;
    *out = json_number_value(v);
    return 1;
}

/* An optional claim that, when present, must be a string. */
static int jwt_string_or_absent(json_t *claims, const char *name)
{
    json_t *v = json_object_get(claims, name);

    return v == NULL || json_is_string(v);
}

static jwt_status_t jwt_check_shapes(json_t *claims, double *exp,
                                     double *nbf, int *has_nbf,
                                     double *iat, int *has_iat)
{
    json_t *sub = json_object_get(claims, "sub");

    if (jwt_number_claim(claims, "exp", exp) != 1)
        return JWT_ERR_CLAIMS;
    if (!json_is_string(sub) || json_string_length(sub) == 0)
        return JWT_ERR_CLAIMS;
    *has_nbf = jwt_number_claim(claims, "nbf", nbf);
    *has_iat = jwt_number_claim(claims, "iat", iat);
    if (*has_nbf < 0 || *has_iat < 0)
        return JWT_ERR_CLAIMS;
    if (!jwt_string_or_absent(claims, "iss"))
        return JWT_ERR_CLAIMS;
    return JWT_OK;
}

static int jwt_issuer_ok(json_t *claims, const jwt_rules_t *rules)
{
    json_t *iss = json_object_get(claims, "iss");
    const char *s;
    int i;

    if (rules->nissuers <= 0)
        return 1;
    if (!json_is_string(iss))
        return 0;
    s = json_string_value(iss);
    if (strlen(s) != json_string_length(iss))
        return 0;
    for (i = 0; i < rules->nissuers; i++) {
        if (rules->issuers[i] != NULL && strcmp(s, rules->issuers[i]) == 0)
            return 1;
    }
    return 0;
}

jwt_status_t jwt_check_claims(const jwt_t *jwt, const jwt_rules_t *rules)
{
    double exp = 0, nbf = 0, iat = 0;
    double now, skew;
    int has_nbf, has_iat;
    jwt_status_t st;

    if (jwt == NULL || rules == NULL || !json_is_object(jwt->claims))
        return JWT_ERR_CLAIMS;
    st = jwt_check_shapes(jwt->claims, &exp, &nbf, &has_nbf, &iat,
                          &has_iat);
    if (st != JWT_OK)
        return st;
    /* Issuer before time: the caller refreshes on EXPIRED, and a token
     * from a foreign issuer must never look merely stale. */
    if (!jwt_issuer_ok(jwt->claims, rules))
        return JWT_ERR_ISSUER;
    now = (double)rules->now;
    skew = rules->skew > 0 ? (double)rules->skew : 0.0;
    if (now > exp + skew)
        return JWT_ERR_EXPIRED;
    if (has_nbf && nbf > now + skew)
        return JWT_ERR_NOT_YET_VALID;
    if (has_iat && iat > now + skew)
        return JWT_ERR_IAT;
    return JWT_OK;
}
