/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: strict base64url.
 *
 * The input is decoded as text, and encoded as bytes. Properties:
 * decoding never writes past b64url_decoded_max (the buffer is exactly
 * that big, so ASan sees an overrun); whatever decodes re-encodes to the
 * very same text (one accepted spelling per byte string, which is what
 * keeps a MAC from being altered unseen); every encoding decodes back. */
#include <string.h>

#include "codec/b64url.h"
#include "fuzz_common.h"

static void fuzz_decode(const uint8_t *data, size_t size)
{
    size_t cap = b64url_decoded_max(size), outlen = 0;
    unsigned char *out = malloc(cap);
    char *again;

    if (out == NULL && cap > 0)
        abort();
    if (b64url_decode((const char *)data, size, out, cap, &outlen) == 0) {
        FUZZ_CHECK(outlen <= cap);
        again = malloc(b64url_encoded_len(outlen) + 1);
        FUZZ_CHECK(again != NULL);
        b64url_encode(out, outlen, again);
        FUZZ_CHECK(strlen(again) == size);
        FUZZ_CHECK(memcmp(again, data, size) == 0);
        free(again);
    }
    free(out);
}

static void fuzz_encode(const uint8_t *data, size_t size)
{
    size_t elen = b64url_encoded_len(size), outlen = 0;
    char *enc = malloc(elen + 1);
    unsigned char *back = malloc(size);

    if (enc == NULL || (back == NULL && size > 0))
        abort();
    b64url_encode(data, size, enc);
    FUZZ_CHECK(strlen(enc) == elen);
    FUZZ_CHECK(b64url_decoded_max(elen) == size);
    FUZZ_CHECK(b64url_decode(enc, elen, back, size, &outlen) == 0);
    FUZZ_CHECK(outlen == size);
    FUZZ_CHECK(size == 0 || memcmp(back, data, size) == 0);
    free(back);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_decode(data, size);
    fuzz_encode(data, size);
    return 0;
}
