/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/workos/events_parse.c: the /events answer, cursors, the
 * query and ISO 8601 times. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <jansson.h>

#include "workos/events_parse.h"
#include "workos/workos_api.h"

static apr_pool_t *pool;

static int parse(const char *body, events_page_t *page, const char **why)
{
    return events_parse_page(pool, body, strlen(body), page, why);
}

static void page_in_order(void **state)
{
    events_page_t pg;
    const char *why = NULL;

    (void)state;
    assert_int_equal(parse(
        "{\"object\":\"list\",\"data\":["
        "{\"object\":\"event\",\"id\":\"event_01A\",\"event\":"
        "\"session.revoked\",\"data\":{\"id\":\"session_1\"},"
        "\"created_at\":\"2026-11-23T10:20:30.250Z\"},"
        "{\"id\":\"event_01B\",\"event\":\"api_key.revoked\","
        "\"data\":{\"id\":\"api_key_1\"}}],"
        "\"list_metadata\":{\"after\":\"event_01B\"}}", &pg, &why), 0);
    assert_int_equal(pg.count, 2);
    assert_string_equal(pg.items[0].id, "event_01A");
    assert_string_equal(pg.items[0].event, "session.revoked");
    assert_string_equal(json_string_value(json_object_get(pg.items[0].data,
                                                          "id")),
                        "session_1");
    assert_true(pg.items[0].created
                == apr_time_from_sec(1795429230) + 250000);
    assert_string_equal(pg.items[1].id, "event_01B");
    assert_int_equal(pg.items[1].created, 0);
}

static void page_empty(void **state)
{
    events_page_t pg;
    const char *why = NULL;

    (void)state;
    assert_int_equal(parse("{\"data\":[],\"list_metadata\":{}}", &pg, &why),
                     0);
    assert_int_equal(pg.count, 0);
}

static void page_malformed_event_is_skipped_not_fatal(void **state)
{
    events_page_t pg;
    const char *why = NULL;

    (void)state;
    /* an id but no data: the cursor may move past it */
    assert_int_equal(parse("{\"data\":[{\"id\":\"event_01C\",\"event\":"
                           "\"user.deleted\",\"data\":\"nope\"}]}", &pg,
                           &why), 0);
    assert_int_equal(pg.count, 1);
    assert_null(pg.items[0].event);
    assert_null(pg.items[0].data);
}

static void page_garbage(void **state)
{
    static const char *bad[] = {
        "", "<html>", "{\"data\":", "[]", "{\"data\":{}}", "{}",
        "{\"data\":[{\"event\":\"user.deleted\",\"data\":{}}]}",
        "{\"data\":[{\"id\":\"event 1\",\"event\":\"x\",\"data\":{}}]}",
        "{\"data\":[{\"id\":\"\",\"event\":\"x\",\"data\":{}}]}",
        "{\"data\":[1]}",
        "{\"data\":[],\"data\":[]}",
    };
    events_page_t pg;
    const char *why;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why = NULL;
        assert_int_equal(parse(bad[i], &pg, &why), -1);
        assert_non_null(why);
    }
}

static void page_too_many(void **state)
{
    char *body = "{\"data\":[";
    events_page_t pg;
    const char *why = NULL;
    int i;

    (void)state;
    for (i = 0; i <= EVENTS_MAX_LIMIT; i++) {
        body = apr_psprintf(pool, "%s%s{\"id\":\"event_%d\",\"event\":\"x\","
                            "\"data\":{}}", body, i ? "," : "", i);
    }
    body = apr_pstrcat(pool, body, "]}", NULL);
    assert_int_equal(parse(body, &pg, &why), -1);
}

static void times(void **state)
{
    apr_time_t t;

    (void)state;
    assert_int_equal(events_parse_time("1970-01-01T00:00:00Z", &t), 0);
    assert_true(t == 0);
    assert_int_equal(events_parse_time("2026-11-23T10:20:30.5+01:00", &t),
                     0);
    assert_true(t == apr_time_from_sec(1795429230 - 3600) + 500000);
    assert_int_equal(events_parse_time("2026-11-23T10:20:30.123456Z", &t),
                     0);
    assert_true(t == apr_time_from_sec(1795429230) + 123456);
    assert_int_equal(events_parse_time("2026-11-23 10:20:30Z", &t), -1);
    assert_int_equal(events_parse_time("2026-13-23T10:20:30Z", &t), -1);
    assert_int_equal(events_parse_time("2026-11-23T10:20:30", &t), -1);
    assert_int_equal(events_parse_time("2026-11-23T10:20:30Zjunk", &t), -1);
    assert_int_equal(events_parse_time(NULL, &t), -1);
}

static void cursors(void **state)
{
    const char *now = events_cursor_now(pool, apr_time_from_sec(1795429230)
                                        + 7000);

    (void)state;
    assert_string_equal(now, "since 2026-11-23T10:20:30.007Z");
    assert_true(events_cursor_ok(now));
    assert_true(events_cursor_ok("after event_01ABC"));
    assert_false(events_cursor_ok("after "));
    assert_false(events_cursor_ok("after event&x=1"));
    assert_false(events_cursor_ok("since yesterday"));
    assert_false(events_cursor_ok("event_01ABC"));
    assert_false(events_cursor_ok(NULL));
}

static void queries(void **state)
{
    const char *q = workos_api_events_url(pool, "", "after event_01ABC", 100,
                                          0);

    (void)state;
    /* one comma-separated value, as WorkOS's description has it */
    assert_non_null(strstr(q, "/events?events=session.revoked,"));
    assert_non_null(strstr(q, ",api_key.revoked,"));
    assert_non_null(strstr(q, ",organization_membership.updated,"));
    assert_null(strstr(q, "events%5B%5D"));
    assert_non_null(strstr(q, "&limit=100"));
    assert_non_null(strstr(q, "&after=event_01ABC"));
    assert_null(strstr(q, "range_start"));
    q = workos_api_events_url(pool, "", "since 2026-11-23T10:20:30.007Z",
                              0, apr_time_from_sec(1795429230 + 5));
    assert_non_null(strstr(q, "&limit=100"));
    assert_non_null(strstr(q, "&range_start=2026-11-23T10%3a20%3a30.007Z"));
    /* a time after now (a cursor read back from the cache): from now, or
     * every event until then would be skipped */
    q = workos_api_events_url(pool, "", "since 2099-01-01T00:00:00.000Z",
                              0, apr_time_from_sec(1795429230));
    assert_non_null(strstr(q, "&range_start=2026-11-23T10%3a20%3a30.000Z"));
    assert_null(strstr(q, "2099"));
    /* no usable cursor: from now */
    q = workos_api_events_url(pool, "", "garbage", 7,
                              apr_time_from_sec(1795429230));
    assert_non_null(strstr(q, "&limit=7"));
    assert_non_null(strstr(q, "&range_start=2026-11-23T10%3a20%3a30.000Z"));
}

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    apr_pool_create(&pool, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_in_order),
        cmocka_unit_test(page_empty),
        cmocka_unit_test(page_malformed_event_is_skipped_not_fatal),
        cmocka_unit_test(page_garbage),
        cmocka_unit_test(page_too_many),
        cmocka_unit_test(times),
        cmocka_unit_test(cursors),
        cmocka_unit_test(queries),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
