/* SPDX-License-Identifier: Apache-2.0 */
/* Where a sign-in may send the browser back to: a path on this site only.
 * Pure: no dependencies. */
#ifndef WOS_LOCALPATH_H
#define WOS_LOCALPATH_H

#define LOCALPATH_MAX 2048

/* 1 for "/x..." that a browser resolves on this host; 0 for anything
 * else: "//host", "/\host", a scheme, control characters, backslashes,
 * an empty or over-long value. */
int localpath_ok(const char *path);

#endif
