/* A strict, fast JSON reader that builds jansson values. jansson's own
 * reader takes every byte through a character stream and copies each
 * string twice; for a session cookie (a 1 KiB access token inside a JSON
 * string) that was a fifth of a first-seen request. This one scans
 * strings in runs and hands jansson finished values. Pure: jansson only.
 *
 * Accepts exactly what json_loadb(buf, len, JSON_REJECT_DUPLICATES, ...)
 * accepts with a top-level object (RFC 8259; UTF-8 checked; no \u0000;
 * integers outside long long and reals that overflow refused; trailing
 * whitespace only), and refuses duplicate member names at any depth and
 * nesting deeper than max_depth, where as in jansson every value counts a
 * level ({"a": 1} is 2 deep); jansson 2.14 stops at 2048. */
#ifndef WOS_JSONPARSE_H
#define WOS_JSONPARSE_H

#include <stddef.h>
#include <jansson.h>

/* A new reference to the object, or NULL. */
json_t *jsonparse_object(const char *buf, size_t len, int max_depth);

#endif
