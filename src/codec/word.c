/* SPDX-License-Identifier: Apache-2.0 */
/* Words; see word.h. */
#include <string.h>

#include "codec/word.h"

static int word_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '_';
}

int word_chars(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!word_char((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

int word_valid(const char *s, size_t max)
{
    size_t n;

    if (!s || !*s) {
        return 0;
    }
    n = max ? strnlen(s, max + 1) : strlen(s);
    return (!max || n <= max) && word_chars(s, n);
}
