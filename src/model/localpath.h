/* SPDX-License-Identifier: Apache-2.0 */
/* Where a sign-in may send the browser back to: a path on this site only.
 * Pure: no dependencies. */
#ifndef WOS_LOCALPATH_H
#define WOS_LOCALPATH_H

#include <stddef.h>

#define LOCALPATH_MAX 2048

/* 1 for "/x..." that a browser resolves on this host; 0 for anything
 * else: "//host", "/\host", a scheme, control characters, backslashes,
 * an empty or over-long value. */
int localpath_ok(const char *path);

/* How many leading bytes of path to keep as a return path of at most max
 * bytes: all of it when it fits, else the path without its query when
 * that fits, else 0 (send the browser to "/"). NULL: 0. */
size_t localpath_fit(const char *path, size_t max);

#endif
