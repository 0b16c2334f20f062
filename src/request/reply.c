/* SPDX-License-Identifier: Apache-2.0 */
/* Responses; see reply.h. */
#include "httpd.h"
#include "http_log.h"
#include "http_core.h"
#include "http_protocol.h"
#include "mod_core.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include "request/reply.h"
#include "model/cookie.h"
#include "base/module.h"


static void reply_cookie(request_rec *r, const char *name, const char *value,
                         const cookie_attrs_t *a)
{
    const char *h = cookie_set_header(r->pool, name, value, a);

    if (h) {
        /* one header per cookie: a comma-joined Set-Cookie is invalid */
        apr_table_add(r->err_headers_out, "Set-Cookie", h);
    }
}

static void reply_no_store(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->err_headers_out, "Pragma", "no-cache");
}

static cookie_attrs_t reply_session_attrs(const wos_srv_cfg *sc,
                                          long long max_age)
{
    cookie_attrs_t a = { sc->cookie_domain, sc->cookie_path,
                         sc->cookie_samesite, max_age, sc->cookie_secure };
    return a;
}

void reply_set_session(request_rec *r, const wos_srv_cfg *sc,
                       const char *sealed)
{
    /* WorkOSCookieMaxAge 0: a browser-session cookie */
    cookie_attrs_t a = reply_session_attrs(sc, sc->cookie_max_age > 0
                                               ? sc->cookie_max_age
                                               : COOKIE_SESSION_ONLY);

    reply_cookie(r, sc->cookie_name, sealed, &a);
    reply_no_store(r);
}

void reply_clear_session(request_rec *r, const wos_srv_cfg *sc)
{
    cookie_attrs_t a = reply_session_attrs(sc, 0);

    reply_cookie(r, sc->cookie_name, "", &a);
    reply_no_store(r);
}

int reply_redirect(request_rec *r, const char *location)
{
    apr_table_setn(r->headers_out, "Location", location);
    reply_no_store(r);
    return HTTP_MOVED_TEMPORARILY;
}

/* "Sign-in state mismatch" -> "sign_in_state_mismatch": a stable word an
 * error page can test. */
static const char *reply_error_code(apr_pool_t *p, const char *title)
{
    char *code = apr_pstrdup(p, title), *c;

    for (c = code; *c; c++) {
        *c = apr_isalnum(*c) ? apr_tolower(*c) : '_';
    }
    return code;
}

/* Error text for the environment: no control characters (a CR/LF could
 * split a header a CGI builds from it), bounded. */
static const char *reply_error_text(apr_pool_t *p, const char *message)
{
    char *text = apr_pstrndup(p, message, 512), *c;

    for (c = text; *c; c++) {
        if (apr_iscntrl(*c)) {
            *c = ' ';
        }
    }
    return text;
}

void reply_error_vars(request_rec *r, const char *title, const char *message)
{
    apr_table_setn(r->subprocess_env, "WORKOS_ERROR",
                   reply_error_code(r->pool, title));
    apr_table_setn(r->subprocess_env, "WORKOS_ERROR_DESCRIPTION",
                   reply_error_text(r->pool, message));
}

/* The built-in page: title and message are the module's own words. */
static const char *reply_html(apr_pool_t *p, const char *title,
                              const char *message)
{
    const char *t = ap_escape_html(p, title);

    return apr_psprintf(p, "<!DOCTYPE html>\n<html><head><title>%s</title>"
                        "</head><body><h1>%s</h1><p>%s</p></body></html>\n",
                        t, t, ap_escape_html(p, message));
}

int reply_page(request_rec *r, int status, const char *title,
               const char *message)
{
    reply_no_store(r);
    /* every refusal says why in the log (the page's words: no secrets) */
    if (status >= 400) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(02430)
                      "%s answered %d \"%s\": %s", r->handler ? r->handler
                      : "workos", status, title,
                      ap_escape_logitem(r->pool, message));
    }
    if (ap_is_HTTP_ERROR(status)) {
        reply_error_vars(r, title, message);
        /* an ErrorDocument for this status brands the answer: httpd
         * serves it (an internal redirect sees REDIRECT_WORKOS_ERROR) */
        if (ap_response_code_string(r, ap_index_of_response(status))) {
            return status;
        }
    }
    r->status = status;
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rputs(reply_html(r->pool, title, message), r);
    return OK;
}

int reply_unavailable(request_rec *r, const char *message)
{
    const char *title = "Try again shortly";

    reply_no_store(r);
    reply_error_vars(r, title, message);
    /* an ErrorDocument 503 brands it (REDIRECT_WORKOS_ERROR); else the
     * module's page rather than httpd's generic one */
    if (!ap_response_code_string(r, ap_index_of_response(
                                        HTTP_SERVICE_UNAVAILABLE))) {
        ap_custom_response(r, HTTP_SERVICE_UNAVAILABLE,
                           reply_html(r->pool, title, message));
    }
    return HTTP_SERVICE_UNAVAILABLE;
}

int reply_json(request_rec *r, int status, const char *json)
{
    if (ap_is_HTTP_ERROR(status)) {
        /* JSON clients keep their JSON; the variables are for logs */
        reply_error_vars(r, ap_get_status_line(status) + 4, json);
    }
    r->status = status;
    ap_set_content_type(r, "application/json");
    reply_no_store(r);
    ap_rputs(json, r);
    return OK;
}
