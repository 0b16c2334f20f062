/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a network-cache entry as whoever can write to the cache
 * server (redis, memcache) controls it (codec/envelope.h).
 *
 * The input itself is opened as an entry, in both modes (authenticated,
 * and authenticated + encrypted): it never carries the right MAC, so it
 * must never open. Then the input is sealed as a value, as the module
 * would write it, and the sealed entry opened, which drives the reader of
 * authentic content; from it, entries an attacker could make are tried:
 * cut short at a place the input picks, one byte changed at a place the
 * input picks, read under another name, type or key, read after its
 * expiry, read in the other mode. Properties: only the authentic entry
 * opens, to exactly the value sealed; every other one is refused. */
#include <string.h>

#include "fuzz_common.h"
#include "codec/envelope.h"

#define FUZZ_TYPE "wos:apikey"
#define FUZZ_NAME "wos:apikey:0123456789abcdef:abc"
#define FUZZ_NOW ((apr_time_t)1893456000 * APR_USEC_PER_SEC)
#define FUZZ_MAX 2048  /* below run.sh's max_len: the cap is exercised */

static unsigned char mac_a[ENVELOPE_KEY], mac_b[ENVELOPE_KEY];
static unsigned char enc_a[ENVELOPE_KEY], enc_b[ENVELOPE_KEY];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    memset(mac_a, 0xa1, sizeof(mac_a));
    memset(mac_b, 0xb2, sizeof(mac_b));
    memset(enc_a, 0xc3, sizeof(enc_a));
    memset(enc_b, 0xd4, sizeof(enc_b));
    return 0;
}

static envelope_rc fuzz_open(apr_pool_t *p, const unsigned char *mac,
                             const unsigned char *enc, const char *type,
                             const char *name, apr_time_t now,
                             const char *raw, size_t rawlen)
{
    char *val = NULL;
    apr_size_t len = 0;
    envelope_rc rc = envelope_open(p, mac, enc, type, name, now, raw, rawlen,
                                   FUZZ_MAX, &val, &len);

    FUZZ_CHECK(envelope_reason(rc) != NULL);
    return rc;
}

/* The input sealed as a value, in one mode, and every kind of tampering
 * a writer of the cache server can do with the sealed entry. */
static void fuzz_sealed(apr_pool_t *p, const uint8_t *data, size_t size,
                        const unsigned char *enc)
{
    apr_time_t expiry = FUZZ_NOW + APR_USEC_PER_SEC;
    char *raw = NULL, *val = NULL, *bad;
    apr_size_t rawlen = 0, len = 0, at;

    FUZZ_CHECK(envelope_seal(p, mac_a, enc, FUZZ_TYPE, FUZZ_NAME, expiry,
                             (const char *)data, size, &raw, &rawlen)
               == ENVELOPE_OK);
    FUZZ_CHECK(envelope_open(p, mac_a, enc, FUZZ_TYPE, FUZZ_NAME, FUZZ_NOW,
                             raw, rawlen, FUZZ_MAX, &val, &len)
               == (size > FUZZ_MAX ? ENVELOPE_ERR_TOO_LONG : ENVELOPE_OK));
    if (size <= FUZZ_MAX) {
        FUZZ_CHECK(len == size && val[len] == '\0');
        FUZZ_CHECK(size == 0 || memcmp(val, data, size) == 0);
    }
    /* another name, type, key, mode, or after the expiry */
    FUZZ_CHECK(fuzz_open(p, mac_a, enc, FUZZ_TYPE, FUZZ_NAME "x", FUZZ_NOW,
                         raw, rawlen) != ENVELOPE_OK);
    FUZZ_CHECK(fuzz_open(p, mac_a, enc, "wos:flow", FUZZ_NAME, FUZZ_NOW,
                         raw, rawlen) != ENVELOPE_OK);
    FUZZ_CHECK(fuzz_open(p, mac_b, enc, FUZZ_TYPE, FUZZ_NAME, FUZZ_NOW,
                         raw, rawlen) != ENVELOPE_OK);
    FUZZ_CHECK(fuzz_open(p, mac_a, enc ? NULL : enc_a, FUZZ_TYPE, FUZZ_NAME,
                         FUZZ_NOW, raw, rawlen) != ENVELOPE_OK);
    if (enc) {
        FUZZ_CHECK(fuzz_open(p, mac_a, enc_b, FUZZ_TYPE, FUZZ_NAME,
                             FUZZ_NOW, raw, rawlen) != ENVELOPE_OK);
    }
    FUZZ_CHECK(fuzz_open(p, mac_a, enc, FUZZ_TYPE, FUZZ_NAME, expiry + 1,
                         raw, rawlen) != ENVELOPE_OK);
    /* cut short, and one byte changed, where the input says */
    at = size ? (apr_size_t)data[0] * 257 % rawlen : 0;
    FUZZ_CHECK(fuzz_open(p, mac_a, enc, FUZZ_TYPE, FUZZ_NAME, FUZZ_NOW,
                         raw, at) != ENVELOPE_OK);
    bad = malloc(rawlen);
    FUZZ_CHECK(bad != NULL);
    memcpy(bad, raw, rawlen);
    bad[at] ^= (char)(size > 1 ? (data[1] | 1) : 1);
    FUZZ_CHECK(fuzz_open(p, mac_a, enc, FUZZ_TYPE, FUZZ_NAME, FUZZ_NOW, bad,
                         rawlen) != ENVELOPE_OK);
    free(bad);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();

    /* the input as an entry read back from the cache server */
    FUZZ_CHECK(fuzz_open(p, mac_a, NULL, FUZZ_TYPE, FUZZ_NAME, FUZZ_NOW,
                         (const char *)data, size) != ENVELOPE_OK);
    FUZZ_CHECK(fuzz_open(p, mac_a, enc_a, FUZZ_TYPE, FUZZ_NAME, FUZZ_NOW,
                         (const char *)data, size) != ENVELOPE_OK);
    fuzz_sealed(p, data, size, NULL);
    fuzz_sealed(p, data, size, enc_a);
    fuzz_end(p);
    return 0;
}
