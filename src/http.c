/* libcurl client for WorkOS calls; see http.h. */
#include <string.h>
#include <curl/curl.h>
#include <apr_strings.h>
#include "http.h"

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

static int http_setup(CURL *c, const char *method, const char *url,
                      const char *body, apr_size_t len, int timeout_s,
                      struct curl_slist *h, http_sink_t *k)
{
    long ms = (long)timeout_s * 1000L;
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
    if (strcmp(method, "POST") == 0) {
        bad |= curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "")
               != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                                (curl_off_t)(body ? len : 0)) != CURLE_OK;
    }
    return bad ? -1 : 0;
}

int http_call(apr_pool_t *p, const char *method, const char *url,
              const char *content_type, const char *body, apr_size_t len,
              const char *bearer, int timeout_s, apr_size_t maxlen,
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
    if (!h || http_setup(c, method, url, body, len, timeout_s, h, &k)) {
        out->error = "cannot set up the request";
        rc = CURLE_FAILED_INIT;
    }
    else if ((rc = curl_easy_perform(c)) != CURLE_OK) {
        out->error = k.too_big ? "answer too large"
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
