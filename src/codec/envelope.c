/* SPDX-License-Identifier: Apache-2.0 */
/* The network cache's entry envelope; see envelope.h. */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include "codec/envelope.h"

#define ENVELOPE_MAGIC "WE1"
#define ENVELOPE_FLAG_ENCRYPTED 1
#define ENVELOPE_LABEL "mod_auth_workos cache entry v1"

static void envelope_put64(unsigned char *at, apr_uint64_t v)
{
    int i;

    for (i = 7; i >= 0; i--) {
        at[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static apr_uint64_t envelope_get64(const unsigned char *at)
{
    apr_uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++) {
        v = (v << 8) | at[i];
    }
    return v;
}

/* A length-prefixed string at at; the bytes written. */
static size_t envelope_str(unsigned char *at, const char *s, size_t len)
{
    at[0] = (unsigned char)(len >> 24);
    at[1] = (unsigned char)(len >> 16);
    at[2] = (unsigned char)(len >> 8);
    at[3] = (unsigned char)len;
    memcpy(at + 4, s, len);
    return 4 + len;
}

/* The MAC of header and body (both in buf, n bytes) as the entry name. */
static int envelope_mac(apr_pool_t *p, const unsigned char key[ENVELOPE_KEY],
                        const char *type, const char *name,
                        const unsigned char *buf, size_t n,
                        unsigned char out[ENVELOPE_MAC])
{
    size_t tl = strlen(type), nl = strlen(name);
    size_t ll = sizeof(ENVELOPE_LABEL) - 1;
    unsigned char *in, *at;
    unsigned int len = 0;

    if (tl > ENVELOPE_MAX_VALUE || nl > ENVELOPE_MAX_VALUE) {
        return -1;
    }
    at = in = apr_palloc(p, 12 + ll + tl + nl + n);
    at += envelope_str(at, ENVELOPE_LABEL, ll);
    at += envelope_str(at, type, tl);
    at += envelope_str(at, name, nl);
    memcpy(at, buf, n);
    at += n;
    if (!HMAC(EVP_sha256(), key, ENVELOPE_KEY, in, (size_t)(at - in), out,
              &len) || len != ENVELOPE_MAC) {
        return -1;
    }
    return 0;
}

/* AES-256-GCM of in (n bytes) into out, with aad; enc 1 seals (writing
 * tag), 0 opens (checking it). 0 on success. */
static int envelope_gcm(int enc, const unsigned char *key,
                        const unsigned char *nonce,
                        const unsigned char *aad1, size_t aad1_len,
                        const char *type, const char *name,
                        const unsigned char *in, size_t n,
                        unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, ok;

    if (!ctx) {
        return -1;
    }
    ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1
         && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, ENVELOPE_NONCE,
                                NULL) == 1
         && EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) == 1
         && EVP_CipherUpdate(ctx, NULL, &len, (const unsigned char *)type,
                             (int)strlen(type) + 1) == 1
         && EVP_CipherUpdate(ctx, NULL, &len, (const unsigned char *)name,
                             (int)strlen(name) + 1) == 1
         && EVP_CipherUpdate(ctx, NULL, &len, aad1, (int)aad1_len) == 1
         && (n == 0 || EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1)
         && (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
                                        ENVELOPE_GCM_TAG, tag) == 1)
         && EVP_CipherFinal_ex(ctx, out + (n ? len : 0), &len) == 1
         && (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
                                         ENVELOPE_GCM_TAG, tag) == 1);
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -1;
}

envelope_rc envelope_seal(apr_pool_t *p,
                          const unsigned char mac_key[ENVELOPE_KEY],
                          const unsigned char *enc_key, const char *type,
                          const char *name, apr_time_t expiry,
                          const char *val, apr_size_t len,
                          char **out, apr_size_t *outlen)
{
    apr_size_t body = enc_key ? ENVELOPE_NONCE + len + ENVELOPE_GCM_TAG
                              : len;
    apr_size_t total = ENVELOPE_HEADER + body + ENVELOPE_MAC;
    unsigned char *buf, *b;

    if (!mac_key || !type || !name || (!val && len)
        || len > ENVELOPE_MAX_VALUE) {
        return ENVELOPE_ERR_ARG;
    }
    buf = apr_palloc(p, total + 1);
    memcpy(buf, ENVELOPE_MAGIC, 3);
    buf[3] = enc_key ? ENVELOPE_FLAG_ENCRYPTED : 0;
    envelope_put64(buf + 4, (apr_uint64_t)expiry);
    b = buf + ENVELOPE_HEADER;
    if (enc_key) {
        if (RAND_bytes(b, ENVELOPE_NONCE) != 1
            || envelope_gcm(1, enc_key, b, buf, ENVELOPE_HEADER, type, name,
                            (const unsigned char *)val, len,
                            b + ENVELOPE_NONCE,
                            b + ENVELOPE_NONCE + len) != 0) {
            return ENVELOPE_ERR_CRYPTO;
        }
    }
    else if (len) {
        memcpy(b, val, len);
    }
    if (envelope_mac(p, mac_key, type, name, buf, ENVELOPE_HEADER + body,
                     buf + ENVELOPE_HEADER + body) != 0) {
        return ENVELOPE_ERR_CRYPTO;
    }
    buf[total] = '\0';
    *out = (char *)buf;
    *outlen = total;
    return ENVELOPE_OK;
}

envelope_rc envelope_open(apr_pool_t *p,
                          const unsigned char mac_key[ENVELOPE_KEY],
                          const unsigned char *enc_key, const char *type,
                          const char *name, apr_time_t now,
                          const char *raw, apr_size_t rawlen,
                          apr_size_t maxlen, char **val, apr_size_t *len)
{
    const unsigned char *in = (const unsigned char *)raw;
    unsigned char mac[ENVELOPE_MAC];
    apr_size_t body, n;
    unsigned char *v;
    int encrypted;

    if (!mac_key || !type || !name || !raw || rawlen > ENVELOPE_MAX_VALUE
        + ENVELOPE_OVERHEAD) {
        return ENVELOPE_ERR_ARG;
    }
    if (rawlen < ENVELOPE_HEADER + ENVELOPE_MAC
        || memcmp(in, ENVELOPE_MAGIC, 3) != 0
        || (in[3] & ~ENVELOPE_FLAG_ENCRYPTED) != 0) {
        return ENVELOPE_ERR_FORMAT;
    }
    body = rawlen - ENVELOPE_HEADER - ENVELOPE_MAC;
    if (envelope_mac(p, mac_key, type, name, in, ENVELOPE_HEADER + body,
                     mac) != 0) {
        return ENVELOPE_ERR_CRYPTO;
    }
    if (CRYPTO_memcmp(mac, in + ENVELOPE_HEADER + body, ENVELOPE_MAC) != 0) {
        return ENVELOPE_ERR_MAC;
    }
    /* authentic from here on: a downgrade (an entry of an encrypted type
     * sealed in clear, or the reverse) is still refused */
    encrypted = (in[3] & ENVELOPE_FLAG_ENCRYPTED) != 0;
    if (encrypted != (enc_key != NULL)) {
        return ENVELOPE_ERR_FORMAT;
    }
    if ((apr_time_t)envelope_get64(in + 4) <= now) {
        return ENVELOPE_ERR_EXPIRED;
    }
    if (encrypted) {
        if (body < ENVELOPE_NONCE + ENVELOPE_GCM_TAG) {
            return ENVELOPE_ERR_FORMAT;
        }
        n = body - ENVELOPE_NONCE - ENVELOPE_GCM_TAG;
    }
    else {
        n = body;
    }
    if (n > maxlen) {
        return ENVELOPE_ERR_TOO_LONG;
    }
    v = apr_palloc(p, n + 1);
    if (encrypted) {
        const unsigned char *b = in + ENVELOPE_HEADER;
        unsigned char tag[ENVELOPE_GCM_TAG];

        memcpy(tag, b + ENVELOPE_NONCE + n, ENVELOPE_GCM_TAG);
        if (envelope_gcm(0, enc_key, b, in, ENVELOPE_HEADER, type, name,
                         b + ENVELOPE_NONCE, n, v, tag) != 0) {
            OPENSSL_cleanse(v, n);
            return ENVELOPE_ERR_DECRYPT;
        }
    }
    else if (n) {
        memcpy(v, in + ENVELOPE_HEADER, n);
    }
    v[n] = '\0';
    *val = (char *)v;
    *len = n;
    return ENVELOPE_OK;
}

const char *envelope_reason(envelope_rc rc)
{
    switch (rc) {
    case ENVELOPE_OK: return "ok";
    case ENVELOPE_ERR_ARG: return "no key, or too long";
    case ENVELOPE_ERR_FORMAT: return "not an envelope of this type";
    case ENVELOPE_ERR_MAC: return "bad MAC";
    case ENVELOPE_ERR_EXPIRED: return "expired";
    case ENVELOPE_ERR_DECRYPT: return "does not decrypt";
    case ENVELOPE_ERR_TOO_LONG: return "longer than its reader takes";
    case ENVELOPE_ERR_CRYPTO: return "crypto library failure";
    }
    return "unknown";
}
