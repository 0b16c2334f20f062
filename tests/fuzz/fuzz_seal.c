/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the unsealer (seal_unseal) and the session reader
 * (session_open) on a cookie value, as a client sends it.
 *
 * Passwords are fixed, so the committed seeds (real seals made with
 * them by tests/tools/wos-seal and by iron-session) open, and mutations
 * explore every check before and after the MAC. Both a single password
 * and a rotation set (where the seal's id picks one) are tried.
 * Properties: an opened seal's plaintext is NUL-terminated at its
 * length; an opened session has an access token. */
#include <string.h>

#include "fuzz_common.h"
#include "codec/seal.h"
#include "model/session.h"

/* Shared with make_corpus.py, which seals the seeds. */
#define FUZZ_PASSWORD "fuzz-cookie-password-0123456789-abcdefghij"
#define FUZZ_PASSWORD_2 "fuzz-second-password-0123456789-abcdefghij"
/* A fixed clock keeps runs reproducible: 2030-01-01T00:00:00Z, after the
 * seeds were sealed, so that a seed sealed with a short TTL is expired. */
#define FUZZ_NOW_MS 1893456000000LL

static const seal_password_t fuzz_one[] = { { "1", FUZZ_PASSWORD } };
static const seal_password_t fuzz_two[] = { { "1", FUZZ_PASSWORD },
                                            { "2", FUZZ_PASSWORD_2 } };

static void fuzz_unseal(apr_pool_t *p, const uint8_t *data, size_t size,
                        const seal_password_t *pws, int npws)
{
    char *plain = NULL;
    size_t plain_len = 0;
    int version = -1;
    seal_status_t st;

    st = seal_unseal(p, (const char *)data, size, pws, npws, FUZZ_NOW_MS,
                     &plain, &plain_len, &version);
    FUZZ_CHECK(seal_status_str(st) != NULL);
    if (st == SEAL_OK) {
        FUZZ_CHECK(plain != NULL && plain[plain_len] == '\0');
        FUZZ_CHECK(version >= 0 && version <= 9999);
    }
}

static void fuzz_session(apr_pool_t *p, const char *cookie,
                         const seal_password_t *pws, int npws)
{
    session_t s;
    const char *why = NULL;

    if (session_open(p, cookie, pws, npws, FUZZ_NOW_MS, &s, &why) == 0) {
        FUZZ_CHECK(s.access_token != NULL && *s.access_token != '\0');
        FUZZ_CHECK(s.data != NULL);
    } else {
        FUZZ_CHECK(why != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *cookie = fuzz_cstr(data, size);

    fuzz_unseal(p, data, size, fuzz_one, 1);
    fuzz_unseal(p, data, size, fuzz_two, 2);
    fuzz_session(p, cookie, fuzz_one, 1);
    fuzz_session(p, cookie, fuzz_two, 2);
    free(cookie);
    fuzz_end(p);
    return 0;
}
