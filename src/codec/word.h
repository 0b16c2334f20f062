/* SPDX-License-Identifier: Apache-2.0 */
/* Words: the [A-Za-z0-9_] names the module accepts from configuration,
 * WorkOS and requests (password ids, variable names, organisation and
 * session ids). One check, so every caller bounds and tests alike.
 * Pure: no httpd headers. */
#ifndef WOS_WORD_H
#define WOS_WORD_H

#include <stddef.h>

/* 1 when each of the n bytes at s is a letter, digit or '_' (ASCII). */
int word_chars(const char *s, size_t n);

/* 1 when s is a NUL-terminated word of 1 to max characters (max 0: no
 * upper bound); 0 for NULL, empty, too long or any other character. */
int word_valid(const char *s, size_t max);

#endif
