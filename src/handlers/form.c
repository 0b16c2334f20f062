/* SPDX-License-Identifier: Apache-2.0 */
/* Browser form posts; see form.h. */
#include "httpd.h"
#include "util_script.h"
#include "handlers/form.h"

/* Cross-site form posts are refused: the browser says where it came from. */
int form_same_origin(request_rec *r)
{
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *host = apr_table_get(r->headers_in, "Host");
    const char *sep;

    if (site && strcmp(site, "same-origin") && strcmp(site, "none")) {
        return 0;
    }
    if (!origin) {
        return 1;
    }
    sep = strstr(origin, "://");
    return sep && host && !strcasecmp(sep + 3, host);
}

/* The POSTed form as a table; values longer than 512 bytes are dropped. */
apr_table_t *form_read(request_rec *r)
{
    apr_array_header_t *pairs = NULL;
    apr_table_t *t = apr_table_make(r->pool, 4);
    int i;

    if (ap_parse_form_data(r, NULL, &pairs, 16, FORM_MAX_BODY) != OK
        || !pairs) {
        return t;
    }
    for (i = 0; i < pairs->nelts; i++) {
        ap_form_pair_t *f = &APR_ARRAY_IDX(pairs, i, ap_form_pair_t);
        apr_off_t len = 0;
        apr_size_t size;
        char *buf;

        if (apr_brigade_length(f->value, 1, &len) != APR_SUCCESS
            || len > 512) {
            continue;
        }
        size = (apr_size_t)len;
        buf = apr_palloc(r->pool, size + 1);
        if (apr_brigade_flatten(f->value, buf, &size) == APR_SUCCESS) {
            buf[size] = '\0';
            apr_table_setn(t, f->name, buf);
        }
    }
    return t;
}

