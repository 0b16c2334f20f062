/* SPDX-License-Identifier: Apache-2.0 */
/* Cookie request headers and Set-Cookie values (RFC 6265).
 * Pure: APR only. */
#ifndef WOS_COOKIE_H
#define WOS_COOKIE_H

#include <apr_pools.h>

/* Longest Cookie header examined. */
#define COOKIE_MAX_HEADER 32768

/* The value of the first cookie called name in a Cookie header, or NULL.
 * Names compare exactly; surrounding whitespace and a pair of double
 * quotes around the value are removed. A header longer than
 * COOKIE_MAX_HEADER is refused whole (NULL), never cut. */
const char *cookie_get(apr_pool_t *p, const char *header, const char *name);

/* Most cookies of one name cookie_get_all returns. */
#define COOKIE_MAX_SAME_NAME 4

/* Every cookie called name (a sibling subdomain's cookie of the same name
 * may come first), in header order, at most COOKIE_MAX_SAME_NAME; NULL
 * when there is none or the header is refused as above. Elements are
 * const char *. */
#include <apr_tables.h>
apr_array_header_t *cookie_get_all(apr_pool_t *p, const char *header,
                                   const char *name);

typedef struct {
    const char *domain;   /* NULL: host-only */
    const char *path;     /* "/" */
    const char *same_site;/* "Lax", "Strict", "None", or NULL */
    long long max_age;    /* seconds; 0 clears the cookie;
                           * COOKIE_SESSION_ONLY: no Max-Age at all */
    int secure;
} cookie_attrs_t;

/* max_age for a browser-session cookie: no Max-Age, no Expires, so the
 * browser forgets it when it closes (WorkOSCookieMaxAge 0). */
#define COOKIE_SESSION_ONLY (-1LL)

/* "name=value; Path=/; Max-Age=N; HttpOnly; Secure; SameSite=Lax" (always
 * HttpOnly). With max_age 0 the value is emptied and Expires is the epoch.
 * (A negative max_age other than COOKIE_SESSION_ONLY clears too.) Returns NULL, rather than a header that
 * could split or inject attributes, when name or value holds characters
 * outside RFC 6265's cookie-octet, Domain or Path holds a control
 * character or ';', or same_site is not one of the three. */
const char *cookie_set_header(apr_pool_t *p, const char *name,
                              const char *value, const cookie_attrs_t *a);

#endif
