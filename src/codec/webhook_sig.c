/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOS-Signature checking; see webhook_sig.h. */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include "codec/webhook_sig.h"

const char *webhook_sig_str(wsig_rc rc)
{
    switch (rc) {
    case WSIG_OK: return "ok";
    case WSIG_MALFORMED: return "malformed signature header";
    case WSIG_STALE: return "timestamp outside the tolerance";
    case WSIG_MISMATCH: return "signature mismatch";
    }
    return "unknown";
}

static const char *webhook_skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

static int webhook_hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "t=<1..15 digits>" up to the comma. */
static const char *webhook_parse_t(const char *s, long long *t)
{
    int digits = 0;

    if (strncmp(s, "t=", 2) != 0) {
        return NULL;
    }
    for (s += 2, *t = 0; *s >= '0' && *s <= '9'; s++) {
        if (++digits > 15) {
            return NULL;
        }
        *t = *t * 10 + (*s - '0');
    }
    return digits ? s : NULL;
}

/* "v1=<64 hex>" to the end (trailing spaces allowed). */
static int webhook_parse_v1(const char *s, unsigned char mac[32])
{
    int i, hi, lo;

    if (strncmp(s, "v1=", 3) != 0) {
        return -1;
    }
    for (s += 3, i = 0; i < 32; i++, s += 2) {
        hi = webhook_hexval(s[0]);
        lo = hi < 0 ? -1 : webhook_hexval(s[1]);
        if (lo < 0) {
            return -1;
        }
        mac[i] = (unsigned char)(hi << 4 | lo);
    }
    return *webhook_skip_space(s) ? -1 : 0;
}

wsig_rc webhook_sig_parse(const char *header, long long *t_ms,
                          unsigned char mac[32])
{
    const char *s;

    if (!header || strlen(header) > WEBHOOK_SIG_MAX_HEADER) {
        return WSIG_MALFORMED;
    }
    s = webhook_parse_t(webhook_skip_space(header), t_ms);
    if (!s || *s != ',') {
        return WSIG_MALFORMED;
    }
    return webhook_parse_v1(webhook_skip_space(s + 1), mac) == 0
           ? WSIG_OK : WSIG_MALFORMED;
}

static int webhook_hmac(const char *secret, long long t, const char *body,
                        size_t len, unsigned char out[32])
{
    char prefix[32], digest[] = "SHA256";
    size_t olen = 0;
    int n = snprintf(prefix, sizeof(prefix), "%lld.", t);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end()
    };
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    int ok = ctx != NULL && n > 0
             && EVP_MAC_init(ctx, (const unsigned char *)secret,
                             strlen(secret), params) == 1
             && EVP_MAC_update(ctx, (const unsigned char *)prefix,
                               (size_t)n) == 1
             && EVP_MAC_update(ctx, (const unsigned char *)body, len) == 1
             && EVP_MAC_final(ctx, out, &olen, 32) == 1 && olen == 32;

    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok ? 0 : -1;
}

wsig_rc webhook_sig_verify(const char *header, const char *body, size_t len,
                           const char *secret, long long now_ms,
                           long long tolerance_ms)
{
    unsigned char got[32], want[32];
    long long t = 0;
    wsig_rc rc = webhook_sig_parse(header, &t, got);

    if (rc != WSIG_OK) {
        return rc;
    }
    /* WorkOS's SDK only refuses old stamps; a stamp far in the future is
     * refused too, or a captured delivery would stay replayable. */
    if (t < now_ms - tolerance_ms || t > now_ms + tolerance_ms) {
        return WSIG_STALE;
    }
    if (webhook_hmac(secret, t, body, len, want) != 0
        || CRYPTO_memcmp(got, want, sizeof(want)) != 0) {
        return WSIG_MISMATCH;
    }
    return WSIG_OK;
}
