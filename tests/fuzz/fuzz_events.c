/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: WorkOS's /events answer and the cursor kept in the cache
 * (src/workos/events_parse.c), both network- or cache-supplied.
 *
 * Properties: a page never holds more than EVENTS_MAX_LIMIT events; every
 * event of a page has a plausible id (so the cursor built from it is
 * valid), and an event with a name has an object as data; a cursor that
 * checks out yields a query with no byte that would break the URL. */
#include <string.h>
#include <apr_strings.h>

#include "fuzz_common.h"
#include "workos/events_parse.h"
#include "workos/workos_api.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

static void fuzz_page(apr_pool_t *p, const char *text, size_t size)
{
    events_page_t page;
    const char *why = NULL;
    int i;

    if (events_parse_page(p, text, size, &page, &why) != 0) {
        FUZZ_CHECK(why != NULL);
        return;
    }
    FUZZ_CHECK(page.count >= 0 && page.count <= EVENTS_MAX_LIMIT);
    for (i = 0; i < page.count; i++) {
        const events_item_t *it = &page.items[i];
        FUZZ_CHECK(events_id_ok(it->id));
        FUZZ_CHECK(events_cursor_ok(apr_pstrcat(p, "after ", it->id,
                                                NULL)));
        FUZZ_CHECK((it->event == NULL) == (it->data == NULL));
        if (it->data)
            FUZZ_CHECK(json_is_object(it->data));
    }
}

static void fuzz_cursor(apr_pool_t *p, const char *text)
{
    const char *q = workos_api_events_url(p, "", text, 100, 0), *c;
    apr_time_t t;

    for (c = q; *c; c++)
        FUZZ_CHECK((unsigned char)*c > 0x20 && (unsigned char)*c < 0x7f
                   && *c != '#' && *c != '+');
    events_parse_time(text, &t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *text = fuzz_cstr(data, size);

    fuzz_page(p, text, size);
    fuzz_cursor(p, text);
    free(text);
    fuzz_end(p);
    return 0;
}
