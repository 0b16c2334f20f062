/* What the module sends back: cookies, redirects and small pages. Every
 * header goes in err_headers_out so it survives error responses. */
#ifndef WOS_REPLY_H
#define WOS_REPLY_H

#include "httpd.h"
#include "config.h"

/* Sets the session cookie (SPEC attributes) and Cache-Control: no-store. */
void reply_set_session(request_rec *r, const wos_srv_cfg *sc,
                       const char *sealed);
void reply_clear_session(request_rec *r, const wos_srv_cfg *sc);

/* Location for a 302: an external redirect keeps it through ap_die. */
int reply_redirect(request_rec *r, const char *location);

/* A small HTML page with status, title and an escaped message, for
 * handlers; returns OK (the status is in r->status). */
int reply_page(request_rec *r, int status, const char *title,
               const char *message);

/* Sends a JSON body with status; returns OK. */
int reply_json(request_rec *r, int status, const char *json);

#endif
