/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOS Events API answers and cursors; see events_parse.h. */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_escape.h>
#include "workos/events_parse.h"

const char *const events_types[] = {
    "session.revoked", "user.deleted", "organization_membership.deleted",
    "organization_membership.updated", "api_key.revoked",
    /* definition changes (model/defchange.h); with
     * organization_membership.created, what drops workos-access decisions
     * (state/access_cache.h) */
    "organization_membership.created",
    "role.created", "role.updated", "role.deleted",
    "organization_role.created", "organization_role.updated",
    "organization_role.deleted", "permission.created", "permission.updated",
    "permission.deleted", "flag.created", "flag.updated", "flag.deleted",
    "flag.rule_updated", NULL
};

static apr_status_t events_release(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

int events_id_ok(const char *id)
{
    apr_size_t i;

    if (!id || !*id) {
        return 0;
    }
    for (i = 0; id[i]; i++) {
        if (i >= EVENTS_MAX_ID || !(apr_isalnum(id[i]) || id[i] == '_'
                                    || id[i] == '.' || id[i] == '-')) {
            return 0;
        }
    }
    return 1;
}

static int events_digits(const char *s, int n, int *out)
{
    int i, v = 0;

    for (i = 0; i < n; i++) {
        if (!apr_isdigit(s[i])) {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int events_parse_time(const char *s, apr_time_t *t)
{
    apr_time_exp_t e;
    int y, mo, d, h, mi, sec, usec = 0, scale = 100000, off = 0, oh, om;
    const char *q;

    if (!s || strlen(s) < 20 || events_digits(s, 4, &y)
        || s[4] != '-' || events_digits(s + 5, 2, &mo) || s[7] != '-'
        || events_digits(s + 8, 2, &d) || s[10] != 'T'
        || events_digits(s + 11, 2, &h) || s[13] != ':'
        || events_digits(s + 14, 2, &mi) || s[16] != ':'
        || events_digits(s + 17, 2, &sec)) {
        return -1;
    }
    q = s + 19;
    if (*q == '.') {
        for (q++; apr_isdigit(*q); q++) {
            usec += (*q - '0') * scale;
            scale /= 10;
        }
    }
    if (*q == '+' || *q == '-') {
        if (events_digits(q + 1, 2, &oh) || q[3] != ':'
            || events_digits(q + 4, 2, &om) || q[6]) {
            return -1;
        }
        off = (oh * 3600 + om * 60) * (*q == '-' ? -1 : 1);
    }
    else if (strcmp(q, "Z") != 0) {
        return -1;
    }
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31
        || h > 23 || mi > 59 || sec > 60) {
        return -1;
    }
    memset(&e, 0, sizeof(e));
    e.tm_year = y - 1900;
    e.tm_mon = mo - 1;
    e.tm_mday = d;
    e.tm_hour = h;
    e.tm_min = mi;
    e.tm_sec = sec;
    e.tm_usec = usec;
    if (apr_time_exp_gmt_get(t, &e) != APR_SUCCESS) {
        return -1;
    }
    *t -= apr_time_from_sec(off);
    return 0;
}

static const char *events_str(json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v && *v && strlen(v) <= EVENTS_MAX_ID ? v : NULL;
}

int events_parse_page(apr_pool_t *p, const char *body, apr_size_t len,
                      events_page_t *out, const char **why)
{
    json_t *root, *data, *ev;
    size_t i, n;

    memset(out, 0, sizeof(*out));
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    if (!root) {
        *why = "the answer is not JSON";
        return -1;
    }
    apr_pool_cleanup_register(p, root, events_release,
                              apr_pool_cleanup_null);
    data = json_object_get(root, "data");
    if (!json_is_array(data)) {
        *why = "the answer has no \"data\" list";
        return -1;
    }
    n = json_array_size(data);
    if (n > EVENTS_MAX_LIMIT) {
        *why = "the answer has more events than asked for";
        return -1;
    }
    out->items = apr_pcalloc(p, sizeof(events_item_t) * (n ? n : 1));
    json_array_foreach(data, i, ev) {
        events_item_t *it = &out->items[i];
        const char *created = events_str(ev, "created_at");

        it->id = events_str(ev, "id");
        if (!events_id_ok(it->id)) {
            *why = "an event has no usable id";
            return -1;
        }
        it->event = events_str(ev, "event");
        it->data = json_object_get(ev, "data");
        if (!it->event || !json_is_object(it->data)) {
            it->event = NULL;
            it->data = NULL;
        }
        if (!created || events_parse_time(created, &it->created) != 0) {
            it->created = 0;
        }
    }
    out->count = (int)n;
    return 0;
}

int events_cursor_ok(const char *cursor)
{
    apr_time_t t;

    if (!cursor) {
        return 0;
    }
    if (!strncmp(cursor, "after ", 6)) {
        return events_id_ok(cursor + 6);
    }
    return !strncmp(cursor, "since ", 6)
           && events_parse_time(cursor + 6, &t) == 0;
}

const char *events_cursor_now(apr_pool_t *p, apr_time_t now)
{
    apr_time_exp_t e;

    apr_time_exp_gmt(&e, now);
    return apr_psprintf(p, "since %04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                        e.tm_year + 1900, e.tm_mon + 1, e.tm_mday,
                        e.tm_hour, e.tm_min, e.tm_sec, e.tm_usec / 1000);
}

const char *events_params(apr_pool_t *p, const char *cursor, int limit,
                          apr_time_t now)
{
    const char *q = "";
    apr_time_t t;
    int i;

    /* one comma-separated value (WorkOS's description: style form,
     * explode false), as @workos-inc/node sends it */
    for (i = 0; events_types[i]; i++) {
        q = apr_pstrcat(p, q, i ? "," : "events=", events_types[i], NULL);
    }
    if (limit < 1 || limit > EVENTS_MAX_LIMIT) {
        limit = EVENTS_MAX_LIMIT;
    }
    q = apr_psprintf(p, "%s&limit=%d&order=asc", q, limit);
    /* a time read back from the cache is never trusted beyond now: "since"
     * a future time would skip every event until then */
    if (!events_cursor_ok(cursor)
        || (!strncmp(cursor, "since ", 6)
            && (events_parse_time(cursor + 6, &t) != 0 || t > now))) {
        cursor = events_cursor_now(p, now);
    }
    if (!strncmp(cursor, "after ", 6)) {
        return apr_pstrcat(p, q, "&after=", cursor + 6, NULL);
    }
    /* an ISO time: only ':' needs escaping, '+' would read as a space */
    return apr_pstrcat(p, q, "&range_start=",
                       apr_pescape_urlencoded(p, cursor + 6), NULL);
}
