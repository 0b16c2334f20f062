/* SPDX-License-Identifier: Apache-2.0 */
/* Calls to WorkOS over libcurl: bounded time, bounded answer, no
 * redirects, http(s) only. Knows nothing of httpd. The module calls
 * WorkOS through workos_api_send (workos_api.h), which counts each call
 * under its endpoint. */
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

/* How calls reach WorkOS. */
typedef struct {
    int timeout;            /* seconds, connect + transfer */
    const char *proxy;      /* forward proxy URL; NULL: none at all, even
                               when *_proxy environment variables are set */
    const char *ca_bundle;  /* CA file trusted; NULL: the system store */
    const volatile int *cancel; /* when set and non-zero, a call under
                                   way stops within about a second */
} http_net_t;

/* Once per process, before threads start. */
int http_global_init(void);

/* method "GET" or "POST". content_type and body may be NULL; bearer, if
 * set, is sent as "Authorization: Bearer". Returns 0 when an answer (of
 * any status) came within net->timeout seconds and maxlen bytes, else -1
 * with out->error set (a proxy that refuses the tunnel is such an error). */
int http_call(apr_pool_t *p, const char *method, const char *url,
              const char *content_type, const char *body, apr_size_t len,
              const char *bearer, const http_net_t *net, apr_size_t maxlen,
              http_response_t *out);

#endif
