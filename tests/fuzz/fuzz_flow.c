/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the per-flow verifier cookies found in a Cookie header, and
 * the AuthKit hint checks fed with pieces of the input.
 *
 * Properties: every cookie found is named wos-auth-verifier or
 * wos-auth-verifier-..., its name and value are pieces of the header
 * without ';'; at most the asked-for number are returned; a hint value
 * the checks accept is printable ASCII without spaces (so it can never
 * split a URL or a header) and bounded.
 *
 * The sign-in state's age, for every cookie value and the header itself:
 * flow_seal_expiry is the sixth '*'-field of an "Fe26.2*" text when that
 * is 1-15 digits, else 0 (checked against a reading of its own); a flow
 * without issuedAt is aged by that expiry: it began TTL before it, and it
 * is taken only while that lies within [now - TTL, now + skew], so no
 * flow outlives TTL, however long the seal's own ttl; one with no expiry
 * is never taken. A value that opens with the targets' cookie password
 * (the seeds: states sealed by this module, with issuedAt, and by
 * iron-session as @workos-inc/authkit-nextjs seals them, without) is then
 * read as login.c reads a state, on a clock around its expiry. */
#include <string.h>

#include <jansson.h>

#include "codec/seal.h"
#include "model/flow.h"
#include "fuzz_common.h"

#define FUZZ_PASSWORD "fuzz-cookie-password-0123456789-abcdefghij"
#define FUZZ_NOW_MS 1893456000000LL /* 2030-01-01T00:00:00Z */
/* login.c's LOGIN_TTL_MS and LOGIN_SKEW_MS */
#define FUZZ_TTL_MS 600000LL
#define FUZZ_SKEW_MS 60000LL

static const seal_password_t fuzz_pw = { "1", FUZZ_PASSWORD };

static void fuzz_check_hint(flow_hint_t h, const char *v)
{
    if (flow_hint_check(h, v) == NULL) {
        FUZZ_CHECK(strlen(v) > 0 && strlen(v) <= 256);
        for (; *v != '\0'; v++) {
            unsigned char c = (unsigned char)*v;
            FUZZ_CHECK(c > 0x20 && c < 0x7f);
        }
    }
}

/* The expiration field read independently: split on '*'. */
static long long fuzz_expiry_ref(const char *v)
{
    const char *f = v, *e;
    long long x = 0;
    int i;

    if (strncmp(v, "Fe26.2*", 7) != 0)
        return 0;
    for (i = 0; i < 5; i++) {
        f = strchr(f, '*');
        if (f == NULL)
            return 0;
        f++;
    }
    e = strchr(f, '*');
    if (e == NULL || e == f || e - f > 15
        || strspn(f, "0123456789") != (size_t)(e - f))
        return 0;
    for (; f < e; f++)
        x = x * 10 + (*f - '0');
    return x;
}

/* flow_issued's promise for one clock. */
static long long fuzz_check_issued(int has, long long at, long long exp,
                                   long long now)
{
    long long began = flow_issued(has, at, exp, now, FUZZ_TTL_MS,
                                  FUZZ_SKEW_MS);

    FUZZ_CHECK(began == -1 || (began >= now - FUZZ_TTL_MS
                               && began <= now + FUZZ_SKEW_MS));
    if (has) {
        FUZZ_CHECK(began == -1 || began == at);
        FUZZ_CHECK((began == -1) == (at < now - FUZZ_TTL_MS
                                     || at > now + FUZZ_SKEW_MS));
    }
    else if (exp <= 0)
        FUZZ_CHECK(began == -1);
    else {
        FUZZ_CHECK(began == -1 || began == exp - FUZZ_TTL_MS);
        /* taken exactly while the seal expires within (now, now + TTL +
         * skew]: a longer-lived seal is refused, an expired one too */
        FUZZ_CHECK((began != -1) == (exp >= now
                                     && exp <= now + FUZZ_TTL_MS
                                                   + FUZZ_SKEW_MS));
    }
    return began;
}

/* A state that opens, read as login_open_state reads it. */
static void fuzz_open_state(apr_pool_t *p, const char *v, long long exp,
                            long long now)
{
    char *plain = NULL;
    size_t len = 0;
    int version = 0;
    json_t *st, *at;
    double d;

    if (seal_unseal(p, v, strlen(v), &fuzz_pw, 1, now, &plain, &len,
                    &version) != SEAL_OK)
        return;
    /* iron took it, so its expiry is the one flow_seal_expiry read */
    FUZZ_CHECK(exp == 0 || exp > now - SEAL_EXPIRY_SKEW_MS);
    st = json_loadb(plain, len, JSON_REJECT_DUPLICATES, NULL);
    at = json_object_get(st, "issuedAt");
    if (json_is_object(st) && (!at || json_is_number(at))) {
        d = at ? json_number_value(at) : 0;
        if (d > -4e18 && d < 4e18)
            fuzz_check_issued(at != NULL, (long long)d, exp, now);
    }
    json_decref(st);
}

static void fuzz_check_age(apr_pool_t *p, const char *v)
{
    long long exp = flow_seal_expiry(v);
    long long nows[] = { FUZZ_NOW_MS, exp - FUZZ_TTL_MS - FUZZ_SKEW_MS - 1,
                         exp - FUZZ_TTL_MS - FUZZ_SKEW_MS, exp - 1000, exp,
                         exp + 1 };
    size_t i;

    FUZZ_CHECK(exp == fuzz_expiry_ref(v));
    FUZZ_CHECK(exp >= 0 && exp < 1000000000000000LL);
    for (i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
        fuzz_check_issued(0, 0, exp, nows[i]);
        fuzz_check_issued(1, exp - FUZZ_TTL_MS, exp, nows[i]);
    }
    fuzz_open_state(p, v, exp, exp > 0 ? exp - 1000 : FUZZ_NOW_MS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *header = fuzz_cstr(data, size);
    apr_array_header_t *found = flow_cookies(p, header, FLOW_MAX_PENDING);
    char hex[9];
    int i;

    FUZZ_CHECK(found->nelts <= FLOW_MAX_PENDING);
    for (i = 0; i < found->nelts; i++) {
        const flow_cookie_t *c = &APR_ARRAY_IDX(found, i, flow_cookie_t);
        FUZZ_CHECK(strncmp(c->name, FLOW_COOKIE_PREFIX,
                           sizeof(FLOW_COOKIE_PREFIX) - 1) == 0);
        FUZZ_CHECK(strstr(header, c->name) != NULL);
        FUZZ_CHECK(strstr(header, c->value) != NULL);
        FUZZ_CHECK(strchr(c->value, ';') == NULL);
        fuzz_check_age(p, c->value);
    }
    fuzz_check_age(p, header);
    for (i = 0; i < FLOW_HINT_COUNT; i++) {
        fuzz_check_hint((flow_hint_t)i, header);
    }
    flow_fnv1a32_hex(header, hex);
    FUZZ_CHECK(strlen(hex) == 8);
    FUZZ_CHECK(strncmp(flow_cookie_name(p, header), FLOW_COOKIE_PREFIX "-",
                       sizeof(FLOW_COOKIE_PREFIX)) == 0);
    free(header);
    fuzz_end(p);
    return 0;
}
