/* SPDX-License-Identifier: Apache-2.0 */
/* Local redirect targets; see localpath.h. */
#include <string.h>
#include "model/localpath.h"

int localpath_ok(const char *path)
{
    size_t n;

    if (!path || path[0] != '/' || path[1] == '/' || path[1] == '\\') {
        return 0;
    }
    n = strlen(path);
    if (n > LOCALPATH_MAX) {
        return 0;
    }
    for (; *path; path++) {
        unsigned char c = (unsigned char)*path;
        /* browsers read "\" as "/" and drop tabs and newlines, which
         * would turn "/\t/host" into "//host" */
        if (c < 0x20 || c == 0x7f || c == '\\') {
            return 0;
        }
    }
    return 1;
}

size_t localpath_fit(const char *path, size_t max)
{
    size_t n = path ? strlen(path) : 0;
    const char *q;

    if (n <= max) {
        return n;
    }
    q = strchr(path, '?');
    return q && (size_t)(q - path) <= max ? (size_t)(q - path) : 0;
}
