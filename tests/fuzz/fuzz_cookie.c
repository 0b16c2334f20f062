/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the Cookie request header parser, and the Set-Cookie
 * builder fed with what it returns.
 *
 * The input is a whole Cookie header, as a client sends it. Properties: a
 * value found is a piece of the header without ';';
 * every value cookie_get_all finds is such a piece too, at most
 * COOKIE_MAX_SAME_NAME of them, the first being cookie_get's;
 * a Set-Cookie header built from any value (and from the input as Path)
 * is either refused or free of control characters, so it can never split
 * the response. */
#include <string.h>

#include "model/cookie.h"
#include "fuzz_common.h"

/* The module's session cookie and iron-session's chunk naming. */
static const char *const fuzz_names[] = { "wos-session", "wos-session.0" };

static void fuzz_check_value(const char *header, const char *v)
{
    FUZZ_CHECK(strstr(header, v) != NULL);
    FUZZ_CHECK(strchr(v, ';') == NULL);
}

static void fuzz_check_header_safe(const char *h)
{
    for (; h != NULL && *h != '\0'; h++) {
        unsigned char c = (unsigned char)*h;
        FUZZ_CHECK(c >= 0x20 && c != 0x7f);
    }
}

static void fuzz_set_cookie(apr_pool_t *p, const char *value,
                            const char *path)
{
    cookie_attrs_t a = { NULL, "/", "Lax", 3600, 1 };

    fuzz_check_header_safe(cookie_set_header(p, "wos-session", value, &a));
    a.path = path;
    a.domain = path;
    fuzz_check_header_safe(cookie_set_header(p, "wos-session", "x", &a));
    a.max_age = 0;
    fuzz_check_header_safe(cookie_set_header(p, "wos-session", value, &a));
    a.max_age = COOKIE_SESSION_ONLY;
    fuzz_check_header_safe(cookie_set_header(p, "wos-session", value, &a));
}

static void fuzz_all(apr_pool_t *p, const char *header, const char *name,
                     const char *first)
{
    apr_array_header_t *all = cookie_get_all(p, header, name);
    int i;

    FUZZ_CHECK((all == NULL) == (first == NULL));
    if (all == NULL)
        return;
    FUZZ_CHECK(all->nelts >= 1 && all->nelts <= COOKIE_MAX_SAME_NAME);
    FUZZ_CHECK(strcmp(APR_ARRAY_IDX(all, 0, const char *), first) == 0);
    for (i = 0; i < all->nelts; i++)
        fuzz_check_value(header, APR_ARRAY_IDX(all, i, const char *));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *header = fuzz_cstr(data, size);
    size_t i;

    for (i = 0; i < sizeof(fuzz_names) / sizeof(fuzz_names[0]); i++) {
        const char *v = cookie_get(p, header, fuzz_names[i]);
        fuzz_all(p, header, fuzz_names[i], v);
        if (v != NULL) {
            fuzz_check_value(header, v);
            fuzz_set_cookie(p, v, header);
        }
    }
    fuzz_set_cookie(p, header, header);
    free(header);
    fuzz_end(p);
    return 0;
}
