/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: what is inside a seal. The input is the sealed JSON; it is
 * sealed with the fixed password and read back by session_open, as if a
 * WorkOS library (or a stolen password) had written it.
 *
 * Random cookies almost never get past the MAC, so fuzz_seal alone would
 * leave the session reader unexplored; sealing first reaches it.
 * Properties: seal then unseal gives back the same bytes; a session read
 * with the "~2" suffix and with an older "~1" one (whose data iron-session
 * nested under "persistent") has an access token when it opens; the
 * identity fields taken from it hold no control characters. */
#include <string.h>

#include <apr_strings.h>

#include "fuzz_common.h"
#include "model/identity.h"
#include "codec/seal.h"
#include "model/session.h"

#define FUZZ_PASSWORD "fuzz-cookie-password-0123456789-abcdefghij"
#define FUZZ_NOW_MS 1893456000000LL /* 2030-01-01T00:00:00Z */

static const seal_password_t fuzz_pw = { "1", FUZZ_PASSWORD };

static void fuzz_no_controls(const char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        FUZZ_CHECK((unsigned char)*s >= 0x20 && *s != 0x7f);
}

static void fuzz_round_trip(apr_pool_t *p, const char *sealed,
                            const uint8_t *data, size_t size)
{
    char *plain = NULL;
    size_t plain_len = 0;
    int version = 0;

    FUZZ_CHECK(seal_unseal(p, sealed, strlen(sealed), &fuzz_pw, 1,
                           FUZZ_NOW_MS, &plain, &plain_len, &version)
               == SEAL_OK);
    FUZZ_CHECK(version == 2 && plain_len == size);
    FUZZ_CHECK(size == 0 || memcmp(plain, data, size) == 0);
}

static void fuzz_open(apr_pool_t *p, const char *sealed)
{
    session_t s;
    const char *why = NULL;
    wos_identity_t id;

    if (session_open(p, sealed, &fuzz_pw, 1, FUZZ_NOW_MS, &s, &why) != 0) {
        FUZZ_CHECK(why != NULL);
        return;
    }
    FUZZ_CHECK(s.access_token != NULL && *s.access_token != '\0');
    FUZZ_CHECK(s.refresh_token == NULL || *s.refresh_token != '\0');
    memset(&id, 0, sizeof(id));
    identity_add_session(p, &id, s.data);
    fuzz_no_controls(id.email);
    fuzz_no_controls(id.impersonator_email);
}

/* The same seal with "~1" instead of "~2": the suffix is outside the MAC. */
static char *fuzz_as_v1(apr_pool_t *p, const char *sealed)
{
    char *v1 = apr_pstrdup(p, sealed);
    char *tilde = strrchr(v1, '~');

    if (tilde != NULL && tilde[1] == '2' && tilde[2] == '\0')
        tilde[1] = '1';
    return v1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *sealed = NULL;
    seal_status_t st;

    /* seal_seal refuses a NULL plaintext; libFuzzer may pass one empty. */
    st = seal_seal(p, data ? (const char *)data : "", size, &fuzz_pw,
                   FUZZ_NOW_MS, 0, &sealed);
    if (st == SEAL_OK) {
        fuzz_round_trip(p, sealed, data, size);
        fuzz_open(p, sealed);
        fuzz_open(p, fuzz_as_v1(p, sealed));
    } else {
        FUZZ_CHECK(st == SEAL_ERR_TOO_LARGE);
    }
    fuzz_end(p);
    return 0;
}
