/* Fuzz target: the strict JSON reader against jansson's.
 *
 * Property: jsonparse_object accepts exactly the inputs that
 * json_loadb(JSON_REJECT_DUPLICATES) accepts as an object (within the
 * same depth bound), and builds an equal value. One known exception:
 * jansson 2.14 skips a NUL byte that follows a character it pushed back
 * (a number's end: {"a":1<NUL>} loads), which no JSON text may contain;
 * with a NUL in the input ours may only refuse more. */
#include <string.h>

#include <jansson.h>

#include "jsonparse.h"
#include "fuzz_common.h"

/* jansson 2.14's own bound (JSON_PARSER_MAX_DEPTH) */
#define FUZZ_JSON_DEPTH 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *ref = json_loadb((const char *)data, size,
                             JSON_REJECT_DUPLICATES, &err);
    json_t *ours = jsonparse_object((const char *)data, size,
                                    FUZZ_JSON_DEPTH);

    if (ref != NULL && !json_is_object(ref)) {
        json_decref(ref);
        ref = NULL;
    }
    if (memchr(data, '\0', size) != NULL)
        FUZZ_CHECK(ours == NULL || ref != NULL);
    else
        FUZZ_CHECK((ref == NULL) == (ours == NULL));
    if (ref != NULL && ours != NULL)
        FUZZ_CHECK(json_equal(ref, ours));
    json_decref(ref);
    json_decref(ours);
    return 0;
}
