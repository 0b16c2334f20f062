/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the per-flow verifier cookies found in a Cookie header, and
 * the AuthKit hint checks fed with pieces of the input.
 *
 * Properties: every cookie found is named wos-auth-verifier or
 * wos-auth-verifier-..., its name and value are pieces of the header
 * without ';'; at most the asked-for number are returned; a hint value
 * the checks accept is printable ASCII without spaces (so it can never
 * split a URL or a header) and bounded. */
#include <string.h>

#include "model/flow.h"
#include "fuzz_common.h"

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
    }
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
