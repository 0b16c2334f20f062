/* SPDX-License-Identifier: Apache-2.0 */
/* What the module sends back: cookies, redirects and small pages. Every
 * header goes in err_headers_out so it survives error responses. */
#ifndef WOS_REPLY_H
#define WOS_REPLY_H

#include "httpd.h"
#include "base/config.h"

/* Sets the session cookie (SPEC attributes) and Cache-Control: no-store. */
void reply_set_session(request_rec *r, const wos_srv_cfg *sc,
                       const char *sealed);
void reply_clear_session(request_rec *r, const wos_srv_cfg *sc);

/* Location for a 302: an external redirect keeps it through ap_die. */
int reply_redirect(request_rec *r, const char *location);

/* A small HTML page with status, title and an escaped message, for
 * handlers; returns OK (the status is in r->status). For an error status
 * it sets WORKOS_ERROR (the title as a word: "sign_in_failed") and
 * WORKOS_ERROR_DESCRIPTION (the message) and, when an ErrorDocument is
 * configured for that status, returns the status instead so httpd serves
 * the site's page (which sees them as REDIRECT_WORKOS_ERROR, ...). */
int reply_page(request_rec *r, int status, const char *title,
               const char *message);

/* Sets WORKOS_ERROR and WORKOS_ERROR_DESCRIPTION in subprocess_env. */
void reply_error_vars(request_rec *r, const char *title, const char *message);

/* Sends a JSON body with status; returns OK. An error status sets the
 * WORKOS_ERROR variables (for logs) but keeps the JSON body. */
/* For a hook that cannot write a body (authentication): WorkOS cannot be
 * reached. Sets WORKOS_ERROR try_again_shortly and returns 503 for the
 * hook to return; httpd then serves an ErrorDocument 503 when there is
 * one, else the module's own page. Retry-After is the caller's. */
int reply_unavailable(request_rec *r, const char *message);

int reply_json(request_rec *r, int status, const char *json);

#endif
