/* Calls to WorkOS over libcurl: bounded time, bounded answer, no
 * redirects, http(s) only. Knows nothing of httpd. */
#ifndef WOS_HTTP_H
#define WOS_HTTP_H

#include <apr_pools.h>

typedef struct {
    long status;        /* HTTP status, 0 when no answer came */
    char *body;         /* NUL-terminated, pool memory */
    apr_size_t len;
    const char *error;  /* why there was no answer (no secrets in it) */
    long retry_after;   /* seconds a Retry-After header asked for, or 0 */
} http_response_t;

/* Once per process, before threads start. */
int http_global_init(void);

/* method "GET" or "POST". content_type and body may be NULL; bearer, if
 * set, is sent as "Authorization: Bearer". Returns 0 when an answer (of
 * any status) came within timeout_s and maxlen bytes, else -1 with
 * out->error set. */
int http_call(apr_pool_t *p, const char *method, const char *url,
              const char *content_type, const char *body, apr_size_t len,
              const char *bearer, int timeout_s, apr_size_t maxlen,
              http_response_t *out);

#endif
