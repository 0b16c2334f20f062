/* SPDX-License-Identifier: Apache-2.0 */
/* Webhook deliveries; see webhook.h. */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"
#include <jansson.h>
#include "events/webhook.h"
#include "codec/webhook_sig.h"
#include "events/events_apply.h"
#include "workos/events_parse.h"
#include "request/reply.h"
#include "base/stats.h"
#include "base/module.h"


/* Reads at most max bytes of body; -1 when it is longer or unreadable. */
static long webhook_read(request_rec *r, char *buf, apr_size_t max)
{
    apr_size_t got = 0;
    long n;

    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK
        || !ap_should_client_block(r)) {
        return 0;
    }
    while ((n = ap_get_client_block(r, buf + got, max + 1 - got)) > 0) {
        got += (apr_size_t)n;
        if (got > max) {
            return -1;
        }
    }
    return n < 0 ? -1 : (long)got;
}

static int webhook_event(request_rec *r, const wos_srv_cfg *sc,
                         const char *body, apr_size_t len)
{
    json_t *ev = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    const char *name = json_string_value(json_object_get(ev, "event"));
    json_t *data = json_object_get(ev, "data");
    const char *created = json_string_value(json_object_get(ev,
                                                            "created_at"));
    apr_time_t when = 0;
    events_rc rc;

    if (!name || !json_is_object(data)) {
        json_decref(ev);
        return reply_page(r, HTTP_BAD_REQUEST, "Bad event",
                          "Expected {\"event\", \"data\": {...}}.");
    }
    if (created && events_parse_time(created, &when) != 0) {
        when = 0;
    }
    rc = events_apply(r->server, r->pool, sc, name, data, when);
    json_decref(ev);
    if (rc == EVENTS_BAD) {
        return reply_page(r, HTTP_BAD_REQUEST, "Bad event",
                          "The event lacks the ids it needs.");
    }
    if (rc == EVENTS_FAILED) {
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
        return reply_json(r, HTTP_SERVICE_UNAVAILABLE,
                          "{\"error\":\"cannot record the event\"}\n");
    }
    return reply_json(r, HTTP_OK, "{\"ok\":true}\n");
}

int webhook_handle(request_rec *r, const wos_srv_cfg *sc)
{
    char *body;
    long len;
    wsig_rc sig;

    if (r->method_number != M_POST) {
        apr_table_setn(r->err_headers_out, "Allow", "POST");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!sc->webhook_secret) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(01002)
                      "workos-webhook needs WorkOSWebhookSecret");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    body = apr_palloc(r->pool, WEBHOOK_MAX_BODY + 2);
    if ((len = webhook_read(r, body, WEBHOOK_MAX_BODY)) < 0) {
        return reply_page(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "Too large",
                          "Webhook bodies are limited to 64 KiB.");
    }
    sig = webhook_sig_verify(apr_table_get(r->headers_in, "WorkOS-Signature"),
                             body, (size_t)len, sc->webhook_secret,
                             apr_time_as_msec(apr_time_now()),
                             WEBHOOK_SIG_TOLERANCE_MS);
    if (sig != WSIG_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(01003)
                      "webhook refused: %s", webhook_sig_str(sig));
        return reply_page(r, HTTP_UNAUTHORIZED, "Bad signature",
                          webhook_sig_str(sig));
    }
    stats_inc(STAT_WEBHOOKS);
    return webhook_event(r, sc, body, (apr_size_t)len);
}
