/* SPDX-License-Identifier: Apache-2.0 */
/* Shared cryptographic helpers; see crypto.h. */
#include <string.h>
#include <limits.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include "codec/crypto.h"
#include "codec/b64url.h"

const char *crypto_random(apr_pool_t *p, size_t nbytes)
{
    unsigned char buf[64];
    char *out;

    if (nbytes > sizeof(buf) || RAND_bytes(buf, (int)nbytes) != 1) {
        return NULL;
    }
    out = apr_palloc(p, b64url_encoded_len(nbytes) + 1);
    b64url_encode(buf, nbytes, out);
    return out;
}

void crypto_hex(const unsigned char *md, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * n] = '\0';
}

const char *crypto_derive_password(apr_pool_t *p, const char *secret,
                                   const char *purpose)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    char *out;

    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret),
              (const unsigned char *)purpose, strlen(purpose), md, &len)) {
        return NULL;
    }
    out = apr_palloc(p, 2 * len + 1);
    crypto_hex(md, len, out);
    OPENSSL_cleanse(md, sizeof(md));
    return out;
}

int crypto_derive_key(const char *secret, const char *purpose,
                      unsigned char *out, size_t n)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    if (!secret || n > 32
        || !HMAC(EVP_sha256(), secret, (int)strlen(secret),
                 (const unsigned char *)purpose, strlen(purpose), md, &len)
        || len < n) {
        return -1;
    }
    memcpy(out, md, n);
    OPENSSL_cleanse(md, sizeof(md));
    return 0;
}

const char *crypto_sha256_hex(apr_pool_t *p, const char *data, size_t len)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    char *out = apr_palloc(p, 2 * sizeof(md) + 1);

    SHA256((const unsigned char *)data, len, md);
    crypto_hex(md, sizeof(md), out);
    return out;
}

const char *crypto_hmac_sha256_hex(apr_pool_t *p, const unsigned char *key,
                                   size_t keylen, const char *data,
                                   size_t len)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    unsigned int mdlen = 0;
    char *out;

    if (!key || keylen > INT_MAX
        || !HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data,
                 len, md, &mdlen)
        || mdlen != sizeof(md)) {
        return NULL;
    }
    out = apr_palloc(p, 2 * sizeof(md) + 1);
    crypto_hex(md, sizeof(md), out);
    OPENSSL_cleanse(md, sizeof(md));
    return out;
}
