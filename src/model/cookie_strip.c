/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOSStripCookies; see cookie_strip.h. */
#include "model/cookie_strip.h"

#include <string.h>


static int cookie_strip_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Whether the pair [s, e) is one of ours: its name (blanks around it
 * ignored) is name, or starts with prefix. */
static int cookie_strip_ours(const char *s, const char *e, const char *name,
                             const char *prefix)
{
    const char *eq = memchr(s, '=', (size_t)(e - s));
    const char *ne;
    size_t n;

    if (eq == NULL)
        return 0;
    while (s < eq && cookie_strip_blank(*s))
        s++;
    for (ne = eq; ne > s && cookie_strip_blank(ne[-1]); ne--)
        ;
    n = (size_t)(ne - s);
    if (name && *name && n == strlen(name) && memcmp(s, name, n) == 0)
        return 1;
    return prefix && *prefix && n >= strlen(prefix)
           && memcmp(s, prefix, strlen(prefix)) == 0;
}

const char *cookie_strip(apr_pool_t *p, const char *header, const char *name,
                         const char *prefix)
{
    const char *s, *end;
    char *out, *o;
    int removed = 0, kept = 0;

    if (header == NULL)
        return NULL;
    end = header + strlen(header);
    out = o = apr_palloc(p, (apr_size_t)(end - header) + 1);
    for (s = header; s <= end;) {
        const char *semi = memchr(s, ';', (size_t)(end - s));
        const char *e = semi ? semi : end;

        if (cookie_strip_ours(s, e, name, prefix)) {
            removed = 1;
        }
        else if (e > s || semi) {
            const char *from = s;
            if (!kept) {
                /* the first kept pair loses the blank after the ';' that
                 * separated it from a removed one */
                while (from < e && cookie_strip_blank(*from) && removed)
                    from++;
            }
            else {
                *o++ = ';';
            }
            memcpy(o, from, (size_t)(e - from));
            o += e - from;
            kept = 1;
        }
        if (!semi)
            break;
        s = semi + 1;
    }
    *o = '\0';
    if (!removed)
        return header;
    return *out ? out : NULL;
}
