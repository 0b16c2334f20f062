/* SPDX-License-Identifier: Apache-2.0 */
/* Sign-in loop detection; see loop.h. */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"
#include "util_script.h"
#include "apr_strings.h"
#include "request/loop.h"
#include "model/cookie.h"
#include "request/reply.h"
#include "base/module.h"


/* "<count>.<first visit, unix seconds>" from the request; 0 when absent,
 * malformed or older than the window. */
static int loop_count(request_rec *r, apr_int64_t now, apr_int64_t *first)
{
    const char *h = apr_table_get(r->headers_in, "Cookie");
    const char *v = h ? cookie_get(r->pool, h, LOOP_COOKIE) : NULL;
    char *end;
    apr_int64_t n, t;

    *first = now;
    if (!v || strlen(v) > 32) {
        return 0;
    }
    n = apr_strtoi64(v, &end, 10);
    if (*end != '.' || n < 0 || n > 1000) {
        return 0;
    }
    t = apr_strtoi64(end + 1, &end, 10);
    if (*end || t > now || now - t >= LOOP_WINDOW) {
        return 0;
    }
    *first = t;
    return (int)n;
}

static void loop_set(request_rec *r, const wos_srv_cfg *sc, int n,
                     apr_int64_t first, apr_int64_t now)
{
    /* Secure only where the request itself is https: the point is to
     * survive whatever made the browser drop the session cookie */
    cookie_attrs_t a = { NULL, sc->redirect_path ? sc->redirect_path : "/",
                         "Lax", LOOP_WINDOW - (now - first),
                         !strcmp(ap_http_scheme(r), "https") };
    const char *h = cookie_set_header(r->pool, LOOP_COOKIE,
                                      apr_psprintf(r->pool, "%d.%"
                                                   APR_INT64_T_FMT, n, first),
                                      &a);
    if (h) {
        apr_table_add(r->err_headers_out, "Set-Cookie", h);
    }
}

int loop_check(request_rec *r, const wos_srv_cfg *sc)
{
    apr_int64_t now = apr_time_sec(apr_time_now()), first;
    const char *h;
    int n;

    apr_table_t *args;

    ap_args_to_table(r, &args);
    if (r->method_number != M_GET || !apr_table_get(args, "code")) {
        return DECLINED;  /* only visits that would sign in count */
    }
    /* a browser that brings back a session cookie keeps it: several
     * sign-ins in a row (tabs, sign-up then sign-in) are no loop */
    if ((h = apr_table_get(r->headers_in, "Cookie"))
        && cookie_get(r->pool, h, sc->cookie_name)) {
        return DECLINED;
    }
    n = loop_count(r, now, &first) + 1;
    loop_set(r, sc, n, first, now);
    if (n < LOOP_LIMIT) {
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(02440)
                  "sign-in loop: this browser came back to the callback %d "
                  "times in %d seconds, so it is not keeping the "
                  "session cookie %s (Domain %s, Path %s, Secure %s, "
                  "SameSite %s; this request is %s on host %s). Likely "
                  "causes: WorkOSCookieSecure On while the site is reached "
                  "over plain http; WorkOSCookieDomain or WorkOSCookiePath "
                  "not covering the pages that require sign-in; "
                  "WorkOSRedirectURI on another host name than those pages; "
                  "a proxy or CDN removing Set-Cookie; the browser blocking "
                  "cookies", n, (int)(now - first), sc->cookie_name,
                  sc->cookie_domain ? sc->cookie_domain : "host-only",
                  sc->cookie_path, sc->cookie_secure == 1 ? "On" : "Off",
                  sc->cookie_samesite, ap_http_scheme(r),
                  ap_escape_logitem(r->pool, r->hostname ? r->hostname
                                                         : "?"));
    return reply_page(r, HTTP_INTERNAL_SERVER_ERROR, "Sign-in loop stopped",
                      "You were signed in several times in a few seconds, "
                      "but your browser did not keep the session cookie, so "
                      "every page sent you to sign in again. This is usually "
                      "the site's configuration: the session cookie is "
                      "marked Secure but the site is used over plain http, "
                      "its domain or path does not cover this page, the "
                      "sign-in callback is on another host name, or a proxy "
                      "removes cookies. It can also be a browser blocking "
                      "cookies for this site. Please tell the site's "
                      "administrator; the server log has the details.");
}
