/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOS's Events API, the pure part: the query for GET /events, the
 * answer read into events, the cursor kept between polls and ISO 8601
 * times. No httpd headers: unit tests and a fuzzer drive it. */
#ifndef WOS_EVENTS_PARSE_H
#define WOS_EVENTS_PARSE_H

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>

/* WorkOS answers at most 100 events a page. */
#define EVENTS_MAX_LIMIT 100
/* Longest event id or event name accepted. */
#define EVENTS_MAX_ID 128

/* One event of a page. data is NULL when the event is malformed but has
 * an id (it is skipped, and the cursor still moves past it). */
typedef struct {
    const char *id;
    const char *event;
    json_t *data;
    apr_time_t created;   /* 0 when absent or unreadable */
} events_item_t;

typedef struct {
    events_item_t *items;
    int count;
} events_page_t;

/* The events the module acts on: WorkOS wants them listed
 * (events=a,b,...). */
extern const char *const events_types[];

/* Reads a GET /events answer: {"data":[{id, event, data, created_at}],
 * ...}. 0 on success, with the page's JSON released with p; -1 with *why
 * when the answer is not such a list, has more than EVENTS_MAX_LIMIT
 * events, or an event without a usable id (the cursor could not move). */
int events_parse_page(apr_pool_t *p, const char *body, apr_size_t len,
                      events_page_t *out, const char **why);

/* The cursor kept in the cache: "after <event id>" or "since <ISO time>"
 * (no event seen yet: start there, not 30 days back). */
int events_cursor_ok(const char *cursor);

/* The query parameters of the next poll for cursor (NULL, unusable, or
 * since a time after now: since now); workos_api_events_url puts them
 * after the path. */
const char *events_params(apr_pool_t *p, const char *cursor, int limit,
                          apr_time_t now);

/* "since <now>", in WorkOS's format. */
const char *events_cursor_now(apr_pool_t *p, apr_time_t now);

/* "2026-11-23T10:20:30.123Z" (fraction and zone optional, Z or +hh:mm);
 * 0 and *t set, or -1. */
int events_parse_time(const char *s, apr_time_t *t);

/* 1 if id is a plausible WorkOS id: 1..EVENTS_MAX_ID of [A-Za-z0-9_.-]. */
int events_id_ok(const char *id);

#endif
