/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the WorkOS-Signature header on webhook deliveries. The
 * input is the header, a newline, then the body, as a sender controls
 * both.
 *
 * A fuzzed header never carries the right HMAC, so for every header that
 * parses, the right one is computed for its timestamp and body and
 * checked too. Properties: verification only succeeds with a header that
 * parses; a well-formed header with the right HMAC and a timestamp inside
 * the tolerance verifies, and one outside it is stale; the fuzzed MAC
 * verifies exactly when it equals the right one. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz_common.h"
#include "codec/webhook_sig.h"

#define FUZZ_SECRET "whsec_fuzz_0123456789abcdefghijklmnopqrstuv"
#define FUZZ_NOW_MS 1893456000000LL /* 2030-01-01T00:00:00Z */

/* HMAC-SHA256 of "<t>.<body>", as WorkOS signs. */
static void fuzz_mac(long long t, const char *body, size_t len,
                     unsigned char out[32])
{
    char prefix[32];
    int n = snprintf(prefix, sizeof(prefix), "%lld.", t);
    unsigned char *msg = malloc((size_t)n + len + 1);
    unsigned int olen = 0;

    if (msg == NULL || n <= 0)
        abort();
    memcpy(msg, prefix, (size_t)n);
    if (len > 0)
        memcpy(msg + n, body, len);
    if (HMAC(EVP_sha256(), FUZZ_SECRET, (int)strlen(FUZZ_SECRET), msg,
             (size_t)n + len, out, &olen) == NULL || olen != 32)
        abort();
    free(msg);
}

static wsig_rc fuzz_verify(const char *header, const char *body, size_t len)
{
    return webhook_sig_verify(header, body, len, FUZZ_SECRET, FUZZ_NOW_MS,
                              WEBHOOK_SIG_TOLERANCE_MS);
}

static int fuzz_fresh(long long t)
{
    return t >= FUZZ_NOW_MS - WEBHOOK_SIG_TOLERANCE_MS
           && t <= FUZZ_NOW_MS + WEBHOOK_SIG_TOLERANCE_MS;
}

/* The header a genuine sender would have written for this t and body. */
static void fuzz_check_genuine(long long t, const unsigned char got[32],
                               const char *header, const char *body,
                               size_t len)
{
    unsigned char want[32];
    char genuine[128];
    int i, n;
    wsig_rc rc = fuzz_verify(header, body, len);

    fuzz_mac(t, body, len, want);
    n = snprintf(genuine, sizeof(genuine), "t=%lld, v1=", t);
    for (i = 0; i < 32; i++)
        n += snprintf(genuine + n, sizeof(genuine) - (size_t)n, "%02x",
                      want[i]);
    FUZZ_CHECK(fuzz_verify(genuine, body, len)
               == (fuzz_fresh(t) ? WSIG_OK : WSIG_STALE));
    if (!fuzz_fresh(t))
        FUZZ_CHECK(rc == WSIG_STALE);
    else
        FUZZ_CHECK((rc == WSIG_OK) == (memcmp(got, want, 32) == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    char *nl = memchr(text, '\n', size);
    const char *body = nl ? nl + 1 : "";
    size_t len = nl ? size - (size_t)(nl + 1 - text) : 0;
    unsigned char mac[32];
    long long t = 0;

    if (nl != NULL)
        *nl = '\0';
    FUZZ_CHECK(webhook_sig_str(webhook_sig_parse(text, &t, mac)) != NULL);
    if (webhook_sig_parse(text, &t, mac) == WSIG_OK) {
        FUZZ_CHECK(t >= 0);
        fuzz_check_genuine(t, mac, text, body, len);
    } else {
        FUZZ_CHECK(fuzz_verify(text, body, len) == WSIG_MALFORMED);
    }
    free(text);
    return 0;
}
