/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a shared-tier credential entry as whoever can write to the
 * cache server (redis, memcache) controls it (credentry.h).
 *
 * A fuzzed entry never carries the right MAC, so for every input the
 * right MAC is also computed over its body (as if the module had written
 * it) and that entry is opened too, which drives the reader of authentic
 * content. Properties: the input opens only when its MAC is the right
 * one; an entry is never served past its until; an authentic entry that
 * opens re-seals into one that opens to the same identity; no entry opens
 * under another name or key, nor when cut short. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz_common.h"
#include "model/credentry.h"

#define FUZZ_KEY "fuzz-shared-credential-mac-key-0123456789abcdef"
#define FUZZ_NAME "wos:cred:b:0123456789abcdef:01234567:abc"
#define FUZZ_NOW 1893456000LL /* 2030-01-01T00:00:00Z */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

/* The input's body with the MAC the module would have written. */
static unsigned char *fuzz_authentic(const uint8_t *data, size_t body)
{
    size_t nlen = strlen(FUZZ_NAME) + 1;
    unsigned char *msg = malloc(nlen + body + 1);
    unsigned char *entry = malloc(body + CREDENTRY_MAC);
    unsigned int olen = 0;

    if (msg == NULL || entry == NULL)
        abort();
    memcpy(msg, FUZZ_NAME, nlen);
    if (body > 0)
        memcpy(msg + nlen, data, body);
    if (HMAC(EVP_sha256(), FUZZ_KEY, (int)strlen(FUZZ_KEY), msg, nlen + body,
             entry + body, &olen) == NULL || olen != CREDENTRY_MAC)
        abort();
    if (body > 0)
        memcpy(entry, data, body);
    free(msg);
    return entry;
}

static void fuzz_same(apr_pool_t *p, const wos_identity_t *a,
                      const wos_identity_t *b)
{
    size_t la = 0, lb = 0;
    char *pa = credentry_pack(p, a, &la), *pb = credentry_pack(p, b, &lb);

    FUZZ_CHECK(pa != NULL && pb != NULL && la == lb);
    FUZZ_CHECK(memcmp(pa, pb, la) == 0);
    FUZZ_CHECK(a->exp == b->exp && a->iat == b->iat);
}

static void fuzz_reseal(apr_pool_t *p, const wos_identity_t *id,
                        long long until)
{
    wos_identity_t *again = NULL;
    long long until2 = 0;
    size_t len = 0;
    char *entry = credentry_seal(p, FUZZ_KEY, FUZZ_NAME, id, until, &len);

    FUZZ_CHECK(entry != NULL);
    FUZZ_CHECK(credentry_open(p, FUZZ_KEY, FUZZ_NAME, entry, len, FUZZ_NOW,
                              &again, &until2) == CREDENTRY_OK);
    FUZZ_CHECK(until2 == until);
    fuzz_same(p, id, again);
    FUZZ_CHECK(credentry_open(p, FUZZ_KEY, "wos:cred:b:other", entry, len,
                              FUZZ_NOW, &again, &until2)
               == CREDENTRY_BAD_MAC);
    FUZZ_CHECK(credentry_open(p, "another-key", FUZZ_NAME, entry, len,
                              FUZZ_NOW, &again, &until2)
               == CREDENTRY_BAD_MAC);
    FUZZ_CHECK(credentry_open(p, FUZZ_KEY, FUZZ_NAME, entry, len - 1,
                              FUZZ_NOW, &again, &until2) != CREDENTRY_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *in = fuzz_cstr(data, size);
    wos_identity_t *id = NULL;
    long long until = 0;
    credentry_rc rc;
    unsigned char *entry;
    size_t body = size < CREDENTRY_MAC ? 0 : size - CREDENTRY_MAC;

    rc = credentry_open(p, FUZZ_KEY, FUZZ_NAME, in, size, FUZZ_NOW, &id,
                        &until);
    FUZZ_CHECK((rc == CREDENTRY_OK) == (id != NULL));
    if (rc == CREDENTRY_OK)
        FUZZ_CHECK(until > FUZZ_NOW);
    /* the input's body, authenticated */
    entry = fuzz_authentic(data, body);
    rc = credentry_open(p, FUZZ_KEY, FUZZ_NAME, (const char *)entry,
                        body + CREDENTRY_MAC, FUZZ_NOW, &id, &until);
    if (body + CREDENTRY_MAC > CREDENTRY_MAX)
        FUZZ_CHECK(rc == CREDENTRY_OVERSIZED);
    if (rc == CREDENTRY_OK) {
        FUZZ_CHECK(until > FUZZ_NOW && id->user_id != NULL);
        fuzz_reseal(p, id, until);
    }
    else {
        FUZZ_CHECK(id == NULL);
    }
    free(entry);
    free(in);
    fuzz_end(p);
    return 0;
}
