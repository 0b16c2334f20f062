/* SPDX-License-Identifier: Apache-2.0 */
/* iron "Fe26.2" seals with OpenSSL 3.
 *
 * Fe26.2*<id>*<enc salt>*<iv>*<ciphertext>*<expiration>*<mac salt>*<mac>[~N]
 *
 * Every field is bounded and checked before any key is derived, the MAC is
 * compared in constant time before anything is decrypted, and key material
 * is wiped on every path. */
#include "codec/seal.h"
#include "codec/b64url.h"
#include "codec/word.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define SEAL_PREFIX "Fe26.2"
#define SEAL_NFIELDS 8
#define SEAL_KEY_LEN 32
#define SEAL_IV_LEN 16
#define SEAL_MAC_LEN 32
#define SEAL_BLOCK 16
#define SEAL_SALT_BYTES 32
/* Salts are hex text used as PBKDF2 salt; every library writes 64
 * characters. Accept any hex up to twice that so a longer salt from a
 * future writer still opens, but nothing unbounded reaches PBKDF2. */
#define SEAL_MAX_SALT 128
#define SEAL_MAX_ID 64
/* 15 digits of milliseconds reach the year 33658 and cannot overflow. */
#define SEAL_MAX_EXP_DIGITS 15
#define SEAL_MAX_EXP 999999999999999LL
/* "~N": N from 1 to 9999. */
#define SEAL_MAX_VERSION_DIGITS 4
/* The version iron-session and @workos-inc/node append. */
#define SEAL_VERSION 2

enum { F_PREFIX, F_ID, F_ESALT, F_IV, F_CT, F_EXP, F_MSALT, F_MAC };

typedef struct {
    const char *at[SEAL_NFIELDS];
    size_t len[SEAL_NFIELDS];
    size_t mac_base_len; /* the first six fields and their separators */
    long long exp;       /* expiration in ms; 0 = none */
} seal_fields_t;

const char *seal_status_str(seal_status_t s)
{
    switch (s) {
    case SEAL_OK:            return "ok";
    case SEAL_ERR_FORMAT:    return "malformed seal";
    case SEAL_ERR_TOO_LARGE: return "seal too large";
    case SEAL_ERR_NO_PASSWORD: return "no password for the seal's id";
    case SEAL_ERR_MAC:       return "bad seal MAC";
    case SEAL_ERR_EXPIRED:   return "seal expired";
    case SEAL_ERR_DECRYPT:   return "seal decryption failed";
    case SEAL_ERR_CRYPTO:    return "crypto library failure";
    }
    return "unknown seal status";
}

/* ---- field syntax ---------------------------------------------------- */

static int seal_is_hex(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
              || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

/* ^[1-9][0-9]*$ within max digits; stores the value. */
static int seal_parse_positive(const char *s, size_t n, size_t max,
                               long long *out)
{
    long long v = 0;
    size_t i;

    if (n == 0 || n > max || s[0] == '0')
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Removes an optional "~N" suffix; *version is N, or 0 without one. */
static seal_status_t seal_split_version(const char *s, size_t len,
                                        size_t *body_len, int *version)
{
    const char *tilde = memchr(s, '~', len);
    long long v;

    *body_len = len;
    *version = 0;
    if (tilde == NULL)
        return SEAL_OK;
    *body_len = (size_t)(tilde - s);
    if (seal_parse_positive(tilde + 1, len - *body_len - 1,
                            SEAL_MAX_VERSION_DIGITS, &v) != 0)
        return SEAL_ERR_FORMAT;
    *version = (int)v;
    return SEAL_OK;
}

static seal_status_t seal_split_fields(const char *s, size_t len,
                                       seal_fields_t *f)
{
    size_t i, start = 0, k = 0;

    f->mac_base_len = 0;
    for (i = 0; i <= len; i++) {
        if (i < len && s[i] != '*')
            continue;
        if (k == SEAL_NFIELDS)
            return SEAL_ERR_FORMAT;
        f->at[k] = s + start;
        f->len[k] = i - start;
        if (k == F_EXP)
            f->mac_base_len = i;
        k++;
        start = i + 1;
    }
    return k == SEAL_NFIELDS ? SEAL_OK : SEAL_ERR_FORMAT;
}

static int seal_salt_ok(const char *s, size_t n)
{
    return n > 0 && n <= SEAL_MAX_SALT && seal_is_hex(s, n);
}

/* Syntax of everything but the base64url fields, which are checked as
 * they are decoded. */
static seal_status_t seal_check_syntax(seal_fields_t *f)
{
    if (f->len[F_PREFIX] != sizeof(SEAL_PREFIX) - 1
        || memcmp(f->at[F_PREFIX], SEAL_PREFIX, f->len[F_PREFIX]) != 0)
        return SEAL_ERR_FORMAT;
    if (f->len[F_ID] > SEAL_MAX_ID || !word_chars(f->at[F_ID], f->len[F_ID]))
        return SEAL_ERR_FORMAT;
    if (!seal_salt_ok(f->at[F_ESALT], f->len[F_ESALT])
        || !seal_salt_ok(f->at[F_MSALT], f->len[F_MSALT]))
        return SEAL_ERR_FORMAT;
    f->exp = 0;
    if (f->len[F_EXP] > 0
        && seal_parse_positive(f->at[F_EXP], f->len[F_EXP],
                               SEAL_MAX_EXP_DIGITS, &f->exp) != 0)
        return SEAL_ERR_FORMAT;
    return SEAL_OK;
}

/* Decodes a base64url field that must be exactly want bytes. */
static int seal_decode_exact(const char *s, size_t n, unsigned char *out,
                             size_t want)
{
    size_t got;

    if (b64url_decode(s, n, out, want, &got) != 0)
        return -1;
    return got == want ? 0 : -1;
}

/* ---- crypto ---------------------------------------------------------- */

static int seal_secret_ok(const seal_password_t *pw)
{
    size_t n;

    if (pw == NULL || pw->secret == NULL)
        return 0;
    n = strlen(pw->secret);
    /* OpenSSL takes the length as an int. */
    return n >= SEAL_MIN_PASSWORD_LEN && n <= INT_MAX;
}

/* OpenSSL 3 looks algorithms up by name on every implicit use (EVP_sha1(),
 * PKCS5_PBKDF2_HMAC, HMAC(), EVP_aes_256_cbc()): that was most of an
 * unseal's cost besides the hashing itself. The algorithms are fetched
 * once per process (fetched objects are shareable between threads), the
 * two HMACs are computed on digest contexts (RFC 2104), and prepared
 * states are copied for each use (contexts are not shareable, their
 * copies are). */
static CRYPTO_ONCE seal_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *seal_sha1;
static EVP_MD *seal_sha256;
static EVP_CIPHER *seal_aes_cbc;
static CRYPTO_RWLOCK *seal_lock;

/* PBKDF2 with one iteration is HMAC-SHA1(password, salt || INT(i)) per
 * 20-byte block, and HMAC is H(K ^ opad || H(K ^ ipad || message)): the
 * two pad blocks depend on the password alone, so each password's SHA-1
 * states after them are computed once and copied for every seal. A
 * handful of passwords are configured; past the bound they are keyed
 * anew each time. */
#define SEAL_PREPARED_PASSWORDS 16
#define SEAL_HASH_BLOCK 64   /* SHA-1 and SHA-256 alike */
#define SEAL_SHA1_LEN 20

typedef struct {
    char *secret;        /* a copy, compared by content: a new config
                          * generation may reuse the old one's memory */
    size_t len;
    EVP_MD_CTX *inner;   /* SHA-1 after K ^ ipad */
    EVP_MD_CTX *outer;   /* SHA-1 after K ^ opad */
} seal_prepared_t;

static seal_prepared_t seal_prepared[SEAL_PREPARED_PASSWORDS];

static void seal_init_once(void)
{
    seal_lock = CRYPTO_THREAD_lock_new();
    seal_aes_cbc = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    seal_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    seal_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static int seal_ready(void)
{
    return CRYPTO_THREAD_run_once(&seal_once, seal_init_once)
           && seal_lock != NULL && seal_aes_cbc != NULL && seal_sha1 != NULL
           && seal_sha256 != NULL;
}

/* The password's inner and outer SHA-1 states (RFC 2104). */
static int seal_pads(const char *secret, size_t len, EVP_MD_CTX *inner,
                     EVP_MD_CTX *outer)
{
    unsigned char k[SEAL_HASH_BLOCK], pad[SEAL_HASH_BLOCK];
    unsigned int n = 0;
    int ok = 1;
    size_t i;

    memset(k, 0, sizeof(k));
    if (len > SEAL_HASH_BLOCK)
        ok = EVP_Digest(secret, len, k, &n, seal_sha1, NULL) == 1;
    else
        memcpy(k, secret, len);
    for (i = 0; i < SEAL_HASH_BLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    ok = ok && EVP_DigestInit_ex(inner, seal_sha1, NULL) == 1
         && EVP_DigestUpdate(inner, pad, sizeof(pad)) == 1;
    for (i = 0; i < SEAL_HASH_BLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    ok = ok && EVP_DigestInit_ex(outer, seal_sha1, NULL) == 1
         && EVP_DigestUpdate(outer, pad, sizeof(pad)) == 1;
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(pad, sizeof(pad));
    return ok ? 0 : -1;
}

static int seal_same(const seal_prepared_t *e, const char *secret,
                     size_t len)
{
    return e->len == len && memcmp(e->secret, secret, len) == 0;
}

/* Copies the password's pad states into inner and outer, preparing and
 * remembering them the first time a password is seen. */
static int seal_password_pads(const char *secret, EVP_MD_CTX *inner,
                              EVP_MD_CTX *outer)
{
    size_t len = strlen(secret), i;
    seal_prepared_t *e;
    int ok = -1;

    if (!CRYPTO_THREAD_read_lock(seal_lock))
        return -1;
    for (i = 0; i < SEAL_PREPARED_PASSWORDS && seal_prepared[i].inner; i++) {
        e = &seal_prepared[i];
        if (seal_same(e, secret, len)) {
            ok = EVP_MD_CTX_copy_ex(inner, e->inner) == 1
                 && EVP_MD_CTX_copy_ex(outer, e->outer) == 1 ? 0 : -1;
            CRYPTO_THREAD_unlock(seal_lock);
            return ok;
        }
    }
    CRYPTO_THREAD_unlock(seal_lock);
    if (seal_pads(secret, len, inner, outer) != 0)
        return -1;
    if (!CRYPTO_THREAD_write_lock(seal_lock))
        return 0;
    for (i = 0; i < SEAL_PREPARED_PASSWORDS && seal_prepared[i].inner; i++) {
        if (seal_same(&seal_prepared[i], secret, len))
            break;      /* another thread was first */
    }
    e = i < SEAL_PREPARED_PASSWORDS ? &seal_prepared[i] : NULL;
    if (e != NULL && e->inner == NULL
        && (e->secret = OPENSSL_secure_malloc(len + 1)) != NULL) {
        EVP_MD_CTX *in = EVP_MD_CTX_new(), *out = EVP_MD_CTX_new();
        if (in && out && EVP_MD_CTX_copy_ex(in, inner) == 1
            && EVP_MD_CTX_copy_ex(out, outer) == 1) {
            memcpy(e->secret, secret, len + 1);
            e->len = len;
            e->outer = out;
            e->inner = in;   /* last: the lookup loop stops at NULL */
        } else {
            EVP_MD_CTX_free(in);
            EVP_MD_CTX_free(out);
            OPENSSL_secure_free(e->secret);
            e->secret = NULL;
        }
    }
    CRYPTO_THREAD_unlock(seal_lock);
    return 0;
}

/* iron's key derivation: PBKDF2-HMAC-SHA1, one iteration, the hex salt
 * used as text (not decoded): block i of the key is
 * HMAC-SHA1(password, salt || INT(i)), i = 1, 2 (RFC 8018 5.2). */
static int seal_derive(const char *secret, const char *salt, size_t salt_len,
                       unsigned char key[SEAL_KEY_LEN])
{
    unsigned char block[EVP_MAX_MD_SIZE];
    unsigned char index[4] = { 0, 0, 0, 0 };
    EVP_MD_CTX *inner = NULL, *outer = NULL, *ctx = NULL;
    unsigned int n = 0;
    size_t done = 0, take;
    int ok;

    ok = seal_ready() && (inner = EVP_MD_CTX_new()) != NULL
         && (outer = EVP_MD_CTX_new()) != NULL
         && (ctx = EVP_MD_CTX_new()) != NULL
         && seal_password_pads(secret, inner, outer) == 0;
    while (ok && done < SEAL_KEY_LEN) {
        index[3]++;
        ok = EVP_MD_CTX_copy_ex(ctx, inner) == 1
             && EVP_DigestUpdate(ctx, salt, salt_len) == 1
             && EVP_DigestUpdate(ctx, index, sizeof(index)) == 1
             && EVP_DigestFinal_ex(ctx, block, &n) == 1
             && n == SEAL_SHA1_LEN
             && EVP_MD_CTX_copy_ex(ctx, outer) == 1
             && EVP_DigestUpdate(ctx, block, n) == 1
             && EVP_DigestFinal_ex(ctx, block, &n) == 1
             && n == SEAL_SHA1_LEN;
        if (ok) {
            take = SEAL_KEY_LEN - done < n ? SEAL_KEY_LEN - done : n;
            memcpy(key + done, block, take);
            done += take;
        }
    }
    EVP_MD_CTX_free(inner);
    EVP_MD_CTX_free(outer);
    EVP_MD_CTX_free(ctx);
    OPENSSL_cleanse(block, sizeof(block));
    return ok ? 0 : -1;
}

/* HMAC-SHA256 (RFC 2104) with the derived 32-byte key, on one digest
 * context: H(K ^ opad || H(K ^ ipad || data)). */
static seal_status_t seal_hmac(const char *secret, const char *salt,
                               size_t salt_len, const char *data,
                               size_t data_len, unsigned char mac[SEAL_MAC_LEN])
{
    unsigned char key[SEAL_KEY_LEN], pad[SEAL_HASH_BLOCK];
    unsigned char inner[EVP_MAX_MD_SIZE];
    unsigned int n = 0, m = 0;
    EVP_MD_CTX *ctx = NULL;
    seal_status_t st = SEAL_ERR_CRYPTO;
    size_t i;

    /* the key is shorter than the block */
    if (seal_derive(secret, salt, salt_len, key) == 0
        && (ctx = EVP_MD_CTX_new()) != NULL) {
        memset(pad, 0x36, sizeof(pad));
        for (i = 0; i < SEAL_KEY_LEN; i++)
            pad[i] ^= key[i];
        if (EVP_DigestInit_ex(ctx, seal_sha256, NULL) == 1
            && EVP_DigestUpdate(ctx, pad, sizeof(pad)) == 1
            && EVP_DigestUpdate(ctx, data, data_len) == 1
            && EVP_DigestFinal_ex(ctx, inner, &n) == 1
            && n == SEAL_MAC_LEN) {
            memset(pad, 0x5c, sizeof(pad));
            for (i = 0; i < SEAL_KEY_LEN; i++)
                pad[i] ^= key[i];
            if (EVP_DigestInit_ex(ctx, seal_sha256, NULL) == 1
                && EVP_DigestUpdate(ctx, pad, sizeof(pad)) == 1
                && EVP_DigestUpdate(ctx, inner, n) == 1
                && EVP_DigestFinal_ex(ctx, mac, &m) == 1
                && m == SEAL_MAC_LEN)
                st = SEAL_OK;
        }
    }
    EVP_MD_CTX_free(ctx);
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(pad, sizeof(pad));
    OPENSSL_cleanse(inner, sizeof(inner));
    return st;
}

/* One pass of AES-256-CBC (PKCS#7 padding) into out, which holds in_len
 * plus one block. A failing final step on decryption means bad padding. */
static seal_status_t seal_cipher(int enc, const unsigned char key[SEAL_KEY_LEN],
                                 const unsigned char iv[SEAL_IV_LEN],
                                 const unsigned char *in, size_t in_len,
                                 unsigned char *out, size_t *out_len)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    seal_status_t st = SEAL_ERR_CRYPTO;
    int n1 = 0, n2 = 0;

    if (ctx == NULL)
        return SEAL_ERR_CRYPTO;
    if (EVP_CipherInit_ex(ctx, seal_aes_cbc, NULL, key, iv, enc) == 1
        && EVP_CipherUpdate(ctx, out, &n1, in, (int)in_len) == 1) {
        if (EVP_CipherFinal_ex(ctx, out + n1, &n2) == 1) {
            *out_len = (size_t)n1 + (size_t)n2;
            st = SEAL_OK;
        } else if (!enc) {
            st = SEAL_ERR_DECRYPT;
        }
    }
    EVP_CIPHER_CTX_free(ctx);
    return st;
}

static seal_status_t seal_crypt(int enc, const char *secret, const char *salt,
                                size_t salt_len,
                                const unsigned char iv[SEAL_IV_LEN],
                                const unsigned char *in, size_t in_len,
                                unsigned char *out, size_t *out_len)
{
    unsigned char key[SEAL_KEY_LEN];
    seal_status_t st = SEAL_ERR_CRYPTO;

    if (seal_derive(secret, salt, salt_len, key) == 0)
        st = seal_cipher(enc, key, iv, in, in_len, out, out_len);
    OPENSSL_cleanse(key, sizeof(key));
    return st;
}

/* ---- unseal ---------------------------------------------------------- */

/* One password opens everything, as iron does with a bare secret. With
 * several, the seal's id picks, and an empty id looks for "default", as
 * iron does with a password map. */
static const seal_password_t *seal_pick(const seal_password_t *pws, int npws,
                                        const char *id, size_t id_len)
{
    int i;

    if (npws == 1)
        return &pws[0];
    if (id_len == 0) {
        id = "default";
        id_len = strlen(id);
    }
    for (i = 0; i < npws; i++) {
        const char *pid = pws[i].id ? pws[i].id : "";
        if (strlen(pid) == id_len && memcmp(pid, id, id_len) == 0)
            return &pws[i];
    }
    return NULL;
}

/* The binary fields, decoded strictly before any key is derived. */
typedef struct {
    unsigned char iv[SEAL_IV_LEN];
    unsigned char mac[SEAL_MAC_LEN];
    unsigned char *ct;
    size_t ct_len;
} seal_bin_t;

static seal_status_t seal_decode_fields(apr_pool_t *p, const seal_fields_t *f,
                                        seal_bin_t *b)
{
    size_t cap = b64url_decoded_max(f->len[F_CT]);

    if (seal_decode_exact(f->at[F_IV], f->len[F_IV], b->iv, SEAL_IV_LEN) != 0
        || seal_decode_exact(f->at[F_MAC], f->len[F_MAC], b->mac,
                             SEAL_MAC_LEN) != 0)
        return SEAL_ERR_FORMAT;
    b->ct = apr_palloc(p, cap + 1);
    if (b64url_decode(f->at[F_CT], f->len[F_CT], b->ct, cap, &b->ct_len) != 0
        || b->ct_len == 0 || b->ct_len % SEAL_BLOCK != 0)
        return SEAL_ERR_FORMAT;
    return SEAL_OK;
}

static seal_status_t seal_verify_mac(const seal_fields_t *f,
                                     const seal_bin_t *b, const char *secret)
{
    unsigned char got[SEAL_MAC_LEN];
    seal_status_t st;

    st = seal_hmac(secret, f->at[F_MSALT], f->len[F_MSALT], f->at[F_PREFIX],
                   f->mac_base_len, got);
    if (st == SEAL_OK && CRYPTO_memcmp(b->mac, got, SEAL_MAC_LEN) != 0)
        st = SEAL_ERR_MAC;
    OPENSSL_cleanse(got, sizeof(got));
    return st;
}

/* As iron: expired once the expiration is at least the skew in the past. */
static seal_status_t seal_check_expiry(const seal_fields_t *f,
                                       long long now_ms)
{
    if (f->exp == 0 || f->exp > now_ms - SEAL_EXPIRY_SKEW_MS)
        return SEAL_OK;
    return SEAL_ERR_EXPIRED;
}

static seal_status_t seal_open(apr_pool_t *p, const seal_fields_t *f,
                               const seal_bin_t *b, const char *secret,
                               char **plain, size_t *plain_len)
{
    /* OpenSSL may write up to one block more than the input. */
    size_t cap = b->ct_len + SEAL_BLOCK, out_len = 0;
    unsigned char *out = apr_palloc(p, cap + 1);
    seal_status_t st;

    st = seal_crypt(0, secret, f->at[F_ESALT], f->len[F_ESALT], b->iv, b->ct,
                    b->ct_len, out, &out_len);
    if (st != SEAL_OK) {
        OPENSSL_cleanse(out, cap);
        return st;
    }
    out[out_len] = '\0';
    *plain = (char *)out;
    *plain_len = out_len;
    return SEAL_OK;
}

/* Everything that needs no key: size, suffix, fields, their syntax. */
static seal_status_t seal_parse(apr_pool_t *p, const char *sealed, size_t len,
                                seal_fields_t *f, seal_bin_t *b, int *version)
{
    size_t body_len;
    seal_status_t st;

    if (sealed == NULL || len == 0)
        return SEAL_ERR_FORMAT;
    if (len > SEAL_MAX_LEN)
        return SEAL_ERR_TOO_LARGE;
    if (memchr(sealed, '\0', len) != NULL)
        return SEAL_ERR_FORMAT;
    if ((st = seal_split_version(sealed, len, &body_len, version)) != SEAL_OK
        || (st = seal_split_fields(sealed, body_len, f)) != SEAL_OK
        || (st = seal_check_syntax(f)) != SEAL_OK)
        return st;
    return seal_decode_fields(p, f, b);
}

seal_status_t seal_unseal(apr_pool_t *p, const char *sealed, size_t len,
                          const seal_password_t *pws, int npws,
                          long long now_ms, char **plain,
                          size_t *plain_len, int *version)
{
    seal_fields_t f;
    seal_bin_t b;
    const seal_password_t *pw;
    int v = 0;
    seal_status_t st;

    if ((st = seal_parse(p, sealed, len, &f, &b, &v)) != SEAL_OK)
        return st;
    if (pws == NULL || npws < 1)
        return SEAL_ERR_NO_PASSWORD;
    pw = seal_pick(pws, npws, f.at[F_ID], f.len[F_ID]);
    if (!seal_secret_ok(pw))
        return SEAL_ERR_NO_PASSWORD;
    /* Authenticate first: expiry and plaintext are only trusted after. */
    if ((st = seal_verify_mac(&f, &b, pw->secret)) != SEAL_OK
        || (st = seal_check_expiry(&f, now_ms)) != SEAL_OK
        || (st = seal_open(p, &f, &b, pw->secret, plain, plain_len)) != SEAL_OK)
        return st;
    if (version)
        *version = v;
    return SEAL_OK;
}

/* ---- seal ------------------------------------------------------------ */

static seal_status_t seal_random_salt(char out[2 * SEAL_SALT_BYTES + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[SEAL_SALT_BYTES];
    int i;

    if (RAND_bytes(r, sizeof(r)) != 1)
        return SEAL_ERR_CRYPTO;
    for (i = 0; i < SEAL_SALT_BYTES; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[2 * SEAL_SALT_BYTES] = '\0';
    return SEAL_OK;
}

/* The longest plaintext whose seal stays within SEAL_MAX_LEN: the
 * ciphertext's base64url is about 4/3 of it; the rest is < 400 bytes. */
#define SEAL_MAX_PLAIN ((SEAL_MAX_LEN - 400) / 4 * 3)

/* "Fe26.2*id*salt*iv*ct*exp", the string the MAC covers. */
static seal_status_t seal_mac_base(apr_pool_t *p, const char *plain,
                                   size_t len, const seal_password_t *pw,
                                   long long exp, char **base)
{
    char salt[2 * SEAL_SALT_BYTES + 1];
    unsigned char iv[SEAL_IV_LEN], *ct;
    char iv64[32], *ct64, exp_txt[32] = "";
    size_t ct_len = 0;
    seal_status_t st;

    if ((st = seal_random_salt(salt)) != SEAL_OK)
        return st;
    if (RAND_bytes(iv, sizeof(iv)) != 1)
        return SEAL_ERR_CRYPTO;
    ct = apr_palloc(p, len + SEAL_BLOCK);
    st = seal_crypt(1, pw->secret, salt, strlen(salt), iv,
                    (const unsigned char *)plain, len, ct, &ct_len);
    if (st != SEAL_OK)
        return st;
    ct64 = apr_palloc(p, b64url_encoded_len(ct_len) + 1);
    b64url_encode(ct, ct_len, ct64);
    b64url_encode(iv, sizeof(iv), iv64);
    /* stdio, not apr_snprintf: APR's formatter does not know %lld. */
    if (exp > 0)
        snprintf(exp_txt, sizeof(exp_txt), "%lld", exp);
    *base = apr_pstrcat(p, SEAL_PREFIX "*", pw->id ? pw->id : "", "*", salt,
                        "*", iv64, "*", ct64, "*", exp_txt, NULL);
    return SEAL_OK;
}

seal_status_t seal_seal(apr_pool_t *p, const char *plain, size_t len,
                        const seal_password_t *pw, long long now_ms,
                        long long ttl_ms, char **sealed)
{
    char salt[2 * SEAL_SALT_BYTES + 1], mac64[64], *base;
    unsigned char mac[SEAL_MAC_LEN];
    const char *id;
    seal_status_t st;

    if (!seal_secret_ok(pw))
        return SEAL_ERR_NO_PASSWORD;
    id = pw->id ? pw->id : "";
    if (strlen(id) > SEAL_MAX_ID || !word_chars(id, strlen(id))
        || plain == NULL || ttl_ms < 0 || ttl_ms > SEAL_MAX_EXP - now_ms)
        return SEAL_ERR_FORMAT;
    if (len > SEAL_MAX_PLAIN)
        return SEAL_ERR_TOO_LARGE;
    if ((st = seal_mac_base(p, plain, len, pw,
                            ttl_ms > 0 ? now_ms + ttl_ms : 0, &base)) != SEAL_OK
        || (st = seal_random_salt(salt)) != SEAL_OK
        || (st = seal_hmac(pw->secret, salt, strlen(salt), base, strlen(base),
                           mac)) != SEAL_OK)
        return st;
    b64url_encode(mac, sizeof(mac), mac64);
    *sealed = apr_psprintf(p, "%s*%s*%s~%d", base, salt, mac64, SEAL_VERSION);
    return SEAL_OK;
}
