/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOSStripCookies: the Cookie header the backend receives, without the
 * module's own cookies. Pure: APR only. */
#ifndef WOS_COOKIE_STRIP_H
#define WOS_COOKIE_STRIP_H

#include <apr_pools.h>

/* header without every cookie named name (exactly) or whose name starts
 * with prefix (may be NULL); every other cookie keeps its bytes, in
 * order, separated as before. Returns header itself when nothing is
 * removed, NULL when nothing is left (or header is NULL). */
const char *cookie_strip(apr_pool_t *p, const char *header, const char *name,
                         const char *prefix);

#endif
