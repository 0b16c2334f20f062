/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl client for WorkOS calls; see http.h. */
#include <string.h>
#include <curl/curl.h>
#include <apr_strings.h>
#include "workos/http.h"

typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len;
    apr_size_t cap;
    apr_size_t max;
    int too_big;
} http_sink_t;

int http_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static size_t http_write(char *data, size_t size, size_t n, void *ud)
{
    http_sink_t *k = ud;
    size_t add = size * n;

    if (add > k->max - k->len) {
        k->too_big = 1;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    if (k->len + add + 1 > k->cap) {
        apr_size_t cap = k->cap ? k->cap : 4096;
        char *nb;
        while (cap < k->len + add + 1) {
            cap *= 2;
        }
        nb = apr_palloc(k->p, cap);
        if (k->len) {
            memcpy(nb, k->buf, k->len);
        }
        k->buf = nb;
        k->cap = cap;
    }
    memcpy(k->buf + k->len, data, add);
    k->len += add;
    k->buf[k->len] = '\0';
    return add;
}

static struct curl_slist *http_headers(apr_pool_t *p, const char *ctype,
                                       const char *bearer)
{
    struct curl_slist *h = NULL, *t;

    h = curl_slist_append(NULL, "Accept: application/json");
    if (h && ctype) {
        t = curl_slist_append(h, apr_pstrcat(p, "Content-Type: ", ctype,
                                             NULL));
        h = t ? t : (curl_slist_free_all(h), NULL);
    }
    if (h && bearer) {
        t = curl_slist_append(h, apr_pstrcat(p, "Authorization: Bearer ",
                                             bearer, NULL));
        h = t ? t : (curl_slist_free_all(h), NULL);
    }
    return h;
}

static int http_progress(void *ud, curl_off_t dt, curl_off_t dn,
                         curl_off_t ut, curl_off_t un)
{
    (void)dt; (void)dn; (void)ut; (void)un;
    return __atomic_load_n((const int *)ud, __ATOMIC_RELAXED) ? 1 : 0;
}

/* An explicit proxy, or explicitly none: "" keeps curl from reading
 * http_proxy / https_proxy / all_proxy from httpd's environment. */
static int http_route(CURL *c, const http_net_t *net)
{
    int bad = 0;

    bad |= curl_easy_setopt(c, CURLOPT_PROXY, net->proxy ? net->proxy : "")
           != CURLE_OK;
    if (net->proxy) {
        bad |= curl_easy_setopt(c, CURLOPT_PROXYTYPE, (long)CURLPROXY_HTTP)
               != CURLE_OK;
        /* https URLs go through a CONNECT tunnel, TLS end to end */
        bad |= curl_easy_setopt(c, CURLOPT_HTTPPROXYTUNNEL, 1L) != CURLE_OK;
    }
    if (net->cancel) {
        bad |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, http_progress)
               != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_XFERINFODATA,
                                (void *)net->cancel) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
    }
    if (net->ca_bundle) {
        bad |= curl_easy_setopt(c, CURLOPT_CAINFO, net->ca_bundle)
               != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_CAPATH, NULL) != CURLE_OK;
    }
    return bad;
}

static int http_setup(CURL *c, const char *method, const char *url,
                      const char *body, apr_size_t len,
                      const http_net_t *net, struct curl_slist *h,
                      http_sink_t *k)
{
    long ms = (long)net->timeout * 1000L;
    int bad = 0;

    bad |= curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https")
           != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, h) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write)
           != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, k) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "mod_auth_workos")
           != CURLE_OK;
    bad |= http_route(c, net);
    if (strcmp(method, "POST") == 0) {
        bad |= curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "")
               != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                                (curl_off_t)(body ? len : 0)) != CURLE_OK;
    }
    return bad ? -1 : 0;
}

static long http_connect_code(CURL *c)
{
    long code = 0;

    if (curl_easy_getinfo(c, CURLINFO_HTTP_CONNECTCODE, &code) != CURLE_OK) {
        return 0;
    }
    return code;
}

/* The proxy URL without any user:password@ in it, for messages. */
static const char *http_proxy_name(apr_pool_t *p, const char *proxy)
{
    const char *at = strrchr(proxy, '@'), *scheme = strstr(proxy, "://");

    if (!at) {
        return proxy;
    }
    return apr_pstrcat(p, scheme && scheme < at
                          ? apr_pstrndup(p, proxy, (apr_size_t)(scheme + 3
                                                                - proxy))
                          : "", at + 1, NULL);
}

/* The proxy answered CONNECT with something other than 2xx. */
static int http_proxy_refused(CURL *c, CURLcode rc, const http_net_t *net)
{
    long code;

    if (!net->proxy || (rc != CURLE_RECV_ERROR && rc != CURLE_COULDNT_CONNECT
                        && rc != CURLE_PROXY)) {
        return 0;
    }
    code = http_connect_code(c);
    return code >= 300;
}

int http_call(apr_pool_t *p, const char *method, const char *url,
              const char *content_type, const char *body, apr_size_t len,
              const char *bearer, const http_net_t *net, apr_size_t maxlen,
              http_response_t *out)
{
    http_sink_t k = { p, NULL, 0, 0, maxlen, 0 };
    struct curl_slist *h;
    CURLcode rc;
    CURL *c;

    memset(out, 0, sizeof(*out));
    if (!(c = curl_easy_init())) {
        out->error = "cannot create a curl handle";
        return -1;
    }
    h = http_headers(p, content_type, bearer);
    if (!h || http_setup(c, method, url, body, len, net, h, &k)) {
        out->error = "cannot set up the request";
        rc = CURLE_FAILED_INIT;
    }
    else if ((rc = curl_easy_perform(c)) != CURLE_OK) {
        out->error = k.too_big ? "answer too large"
                     : http_proxy_refused(c, rc, net)
                       ? apr_psprintf(p, "the proxy refused the tunnel "
                                      "(HTTP %ld from %s)",
                                      http_connect_code(c),
                                      http_proxy_name(p, net->proxy))
                     : apr_pstrdup(p, curl_easy_strerror(rc));
    }
    else {
        curl_off_t wait = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
        if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &wait) == CURLE_OK
            && wait > 0) {
            out->retry_after = wait > 3600 ? 3600 : (long)wait;
        }
        out->body = k.buf ? k.buf : apr_pstrdup(p, "");
        out->len = k.len;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? 0 : -1;
}
