/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: WorkOS's answer to /api_keys/validations and the cached
 * form of a result (src/workos/apikey_parse.c), both network- or cache-supplied.
 *
 * Properties: only a well-formed answer is VALID, and then it has a key id;
 * a VALID result serialises and reads back to the same id, organisation and
 * permissions (so the cache never changes what a key may do); the shape
 * check accepts nothing with a space or control character. */
#include <string.h>

#include "fuzz_common.h"
#include "workos/apikey_parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

static int fuzz_same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void fuzz_round_trip(apr_pool_t *p, const apikey_info_t *info)
{
    const char *text = apikey_serialise(p, info);
    apikey_info_t back;
    int i;

    if (text == NULL)
        return;
    FUZZ_CHECK(apikey_deserialise(p, text, strlen(text), &back)
               == APIKEY_ANSWER_VALID);
    FUZZ_CHECK(fuzz_same(back.id, info->id));
    FUZZ_CHECK(fuzz_same(back.org_id, info->org_id));
    FUZZ_CHECK(back.permissions->nelts == info->permissions->nelts);
    for (i = 0; i < info->permissions->nelts; i++)
        FUZZ_CHECK(fuzz_same(APR_ARRAY_IDX(back.permissions, i, const char *),
                             APR_ARRAY_IDX(info->permissions, i,
                                           const char *)));
}

static void fuzz_shape(const char *s)
{
    const char *c;

    if (!apikey_shape_ok(s))
        return;
    for (c = s; *c; c++)
        FUZZ_CHECK((unsigned char)*c > 0x20 && (unsigned char)*c < 0x7f);
    FUZZ_CHECK(strlen(s) <= APIKEY_MAX_LEN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *text = fuzz_cstr(data, size);
    apikey_info_t info;

    if (apikey_parse_answer(p, text, size, &info) == APIKEY_ANSWER_VALID) {
        FUZZ_CHECK(info.id != NULL && *info.id);
        FUZZ_CHECK(info.permissions != NULL);
        fuzz_round_trip(p, &info);
    }
    if (apikey_deserialise(p, text, size, &info) == APIKEY_ANSWER_VALID)
        FUZZ_CHECK(info.id != NULL && info.permissions != NULL);
    fuzz_shape(text);
    free(text);
    fuzz_end(p);
    return 0;
}
