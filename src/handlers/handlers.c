/* SPDX-License-Identifier: Apache-2.0 */
/* The handlers' dispatch (workos-status, -callback, -login, -logout,
 * -switch-org, -webhook, -info, -sessions) and the ones small enough to
 * live here: login, callback, logout, switch-org; see handlers.h. */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"
#include "handlers/handlers.h"
#include "base/config.h"
#include "request/login.h"
#include "request/refresh.h"
#include "workos/workos_api.h"
#include "request/reply.h"
#include "request/verify.h"
#include "model/session.h"
#include "model/localpath.h"
#include "handlers/form.h"
#include "events/webhook.h"
#include "handlers/sessions.h"
#include "handlers/info.h"
#include "state/revoke.h"
#include "base/stats.h"
#include "base/module.h"
#include "codec/word.h"


/* A sign-out another site asked for (a link or image on any page): the
 * session stays and the user is asked, with a form that posts back to
 * this same URL from this origin. The page may not be framed, so the
 * button cannot be clicked through another site's overlay. */
static int handlers_logout_confirm(request_rec *r)
{
    const char *action = ap_escape_html(r->pool, r->uri);

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(02410)
                  "sign-out not done: the request came from another site "
                  "(Sec-Fetch-Site: %s); asking the user to confirm",
                  apr_table_get(r->headers_in, "Sec-Fetch-Site"));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->err_headers_out, "Content-Security-Policy",
                   "frame-ancestors 'none'");
    apr_table_setn(r->err_headers_out, "X-Frame-Options", "DENY");
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rprintf(r, "<!DOCTYPE html>\n<html><head><title>Sign out?</title>"
               "</head><body><h1>Sign out?</h1><p>Another site asked to "
               "sign you out. You are still signed in.</p>"
               "<form method=\"post\" action=\"%s\">"
               "<button type=\"submit\">Sign out</button></form>"
               "</body></html>\n", action);
    return OK;
}

static int handlers_logout(request_rec *r, const wos_srv_cfg *sc)
{
    session_t sess;
    wos_identity_t *id = NULL;
    const char *to = sc->logout_return_to;
    const char *loc;
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");

    if (r->method_number == M_POST && !form_same_origin(r)) {
        return reply_page(r, HTTP_FORBIDDEN, "Cross-site request refused",
                          "Signing out must come from this site.");
    }
    if (r->method_number == M_GET
        && site && (!strcmp(site, "cross-site") || !strcmp(site, "same-site"))) {
        return handlers_logout_confirm(r);
    }
    if (r->method_number != M_GET && r->method_number != M_POST) {
        apr_table_setn(r->err_headers_out, "Allow", "GET, POST");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (verify_cookie_session(r, sc, 1, &sess, &id) && id->session_id) {
        loc = workos_api_logout_url(r->pool, sc->api_base, id->session_id,
                                    to);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(00701)
                      "signing out %s", id->user_id);
        /* as a session.revoked event would: a copy of the cookie saved
         * before now is refused by every process and host at once, not
         * only once its access token expires */
        if (revoke_session(r, sc, id->session_id) != 0) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(05301)
                          "signing out %s: the session's revocation was "
                          "not recorded, so a saved copy of the cookie "
                          "works until its access token expires",
                          id->user_id);
        }
    }
    else {
        loc = to ? to : "/";
    }
    reply_clear_session(r, sc);
    /* 303: the browser follows a POSTed sign-out with a GET */
    r->status = r->method_number == M_POST ? HTTP_SEE_OTHER
                                           : HTTP_MOVED_TEMPORARILY;
    apr_table_setn(r->headers_out, "Location", loc);
    return OK;
}

static int handlers_switch_org(request_rec *r, const wos_srv_cfg *sc)
{
    session_t sess;
    wos_identity_t *id = NULL;
    const char *org, *to, *url;
    apr_table_t *form;
    refresh_out_t out;
    login_hints_t hints;
    refresh_rc rc;

    if (r->method_number != M_POST) {
        apr_table_setn(r->err_headers_out, "Allow", "POST");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!form_same_origin(r)) {
        return reply_page(r, HTTP_FORBIDDEN, "Cross-site request refused",
                          "Switching organisation must come from this site.");
    }
    form = form_read(r);
    org = apr_table_get(form, "organization_id");
    if (!word_valid(org, 64)) {
        return reply_page(r, HTTP_BAD_REQUEST, "No organisation",
                          "Send organization_id=org_... in a form POST.");
    }
    if (!verify_cookie_session(r, sc, 1, &sess, &id) || !sess.refresh_token
        || revoke_check(r, sc, id)) {
        return reply_page(r, HTTP_UNAUTHORIZED, "Not signed in",
                          "Sign in before switching organisation.");
    }
    to = apr_table_get(form, "return_to");
    to = localpath_ok(to) ? to : "/";
    rc = refresh_session(r, sc, sess.data, sess.refresh_token, org, &out);
    if (rc == REFRESH_REFUSED && api_needs_signin(out.why)) {
        /* the organisation wants SSO or MFA: sign in to it, as authkit's
         * switchToOrganization does */
        memset(&hints, 0, sizeof(hints));
        hints.hint[FLOW_HINT_ORG] = org;
        if (!(url = login_begin(r, sc, &hints, to))) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(02320)
                      "%s must sign in to organisation %s (%s)",
                      id->user_id, org, out.why);
        r->status = HTTP_SEE_OTHER;
        apr_table_setn(r->headers_out, "Location", url);
        return OK;
    }
    if (rc == REFRESH_REFUSED) {
        apr_table_setn(r->subprocess_env, "WORKOS_ERROR", out.why);
        apr_table_setn(r->subprocess_env, "WORKOS_ERROR_DESCRIPTION",
                       "WorkOS did not allow the organisation switch");
        return reply_page(r, HTTP_FORBIDDEN, "Organisation switch refused",
                          apr_psprintf(r->pool, "WorkOS did not allow it "
                                       "(%s).", out.why));
    }
    if (rc != REFRESH_OK) {
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_itoa(r->pool, out.retry_after > 0
                                         ? out.retry_after : 5));
        apr_table_setn(r->subprocess_env, "WORKOS_ERROR", "unavailable");
        apr_table_setn(r->subprocess_env, "WORKOS_ERROR_DESCRIPTION",
                       out.why);
        return reply_page(r, HTTP_SERVICE_UNAVAILABLE, "Try again shortly",
                          "WorkOS could not be reached.");
    }
    reply_set_session(r, sc, out.sealed);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(00702)
                  "%s switched to organisation %s", id->user_id, org);
    r->status = HTTP_SEE_OTHER;
    apr_table_setn(r->headers_out, "Location", to);
    return OK;
}

int handlers_dispatch(request_rec *r)
{
    wos_srv_cfg *sc;

    if (!r->handler || strncmp(r->handler, "workos-", 7) != 0) {
        return DECLINED;
    }
    sc = ap_get_module_config(r->server->module_config, &auth_workos_module);
    if (!strcmp(r->handler, "workos-status")) {
        return stats_wants_html(r) ? info_status(r, sc) : stats_handle(r);
    }
    if (!sc->keys) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00703)
                      "%s needs WorkOSClientID and WorkOSCookiePassword in "
                      "this server's config", r->handler);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!strcmp(r->handler, "workos-callback")) {
        return login_callback(r, sc);
    }
    if (!strcmp(r->handler, "workos-login")) {
        return login_handle(r, sc);
    }
    if (!strcmp(r->handler, "workos-logout")) {
        return handlers_logout(r, sc);
    }
    if (!strcmp(r->handler, "workos-switch-org")) {
        return handlers_switch_org(r, sc);
    }
    if (!strcmp(r->handler, "workos-webhook")) {
        return webhook_handle(r, sc);
    }
    if (!strcmp(r->handler, "workos-info")) {
        return info_handle(r, sc);
    }
    if (!strcmp(r->handler, "workos-sessions")) {
        return sessions_handle(r, sc);
    }
    return DECLINED;
}
