/* SPDX-License-Identifier: Apache-2.0 */
/* Automatic organisation switch; see autoswitch.h. */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"
#include "request/autoswitch.h"
#include "request/authn.h"
#include "base/config.h"
#include "codec/seal.h"
#include "codec/crypto.h"
#include "store/cachens.h"
#include "model/flow.h"
#include "request/login.h"
#include "request/refresh.h"
#include "model/session.h"
#include "workos/workos_api.h"
#include "model/localpath.h"
#include "base/cache.h"
#include "base/module.h"


#define AUTOSWITCH_NOTE_503 "wos-autoswitch-unavailable"
/* Most organisations one request tries to switch into. */
#define AUTOSWITCH_MAX_TRIES 4

/* Entries signed-in users cause (one per user and listed organisation):
 * keyed by the WorkOS environment. */
static const cachens_key_t *autoswitch_key(request_rec *r,
                                           const wos_srv_cfg *sc,
                                           const char *user, const char *org)
{
    const char *both = apr_pstrcat(r->pool, user, "|", org, NULL);

    return cachens_key(r->pool, CACHENS_ASW, sc->env_tag,
                       crypto_sha256_hex(r->pool, both, strlen(both)), NULL);
}

static const char *autoswitch_remembered(request_rec *r,
                                         const wos_srv_cfg *sc,
                                         const cachens_key_t *key)
{
    char *val;
    apr_size_t len;

    if (cache_get(sc->cache, r->server, key, &val, &len, 128, r->pool)
        != APR_SUCCESS || !len) {
        return NULL;
    }
    return val;
}

static void autoswitch_remember(request_rec *r, const wos_srv_cfg *sc,
                                const cachens_key_t *key,
                                const char *code)
{
    apr_time_t until = apr_time_now()
                       + apr_time_from_sec(cachens_ttl(CACHENS_ASW));

    if (cache_put(sc->cache, r->server, key, code, strlen(code), until,
                  r->pool) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(02330)
                      "cannot remember a refused organisation switch in "
                      "%s: the next request will ask WorkOS again",
                      cache_spec(sc->cache));
    }
}

/* The organisation wants SSO or MFA: a browser is sent to sign in to it
 * (the request's error answer becomes the redirect), anything else 403. */
static void autoswitch_signin(request_rec *r, const wos_srv_cfg *sc,
                              const char *org)
{
    login_hints_t h;
    const char *url;

    if (!authn_is_browser(r) || !localpath_ok(r->unparsed_uri)) {
        return;
    }
    memset(&h, 0, sizeof(h));
    h.hint[FLOW_HINT_ORG] = org;
    if ((url = login_begin(r, sc, &h, r->unparsed_uri))) {
        ap_custom_response(r, HTTP_FORBIDDEN, url);
        ap_custom_response(r, HTTP_UNAUTHORIZED, url);
    }
}

static void autoswitch_unavailable(request_rec *r, int retry_after)
{
    static const char page[] =
        "\"<!DOCTYPE html>\n<html><head><title>Try again shortly</title>"
        "</head><body><h1>Try again shortly</h1><p>Your organisation could "
        "not be switched because WorkOS is not answering. You are still "
        "signed in.</p></body></html>\n";

    apr_table_setn(r->notes, AUTOSWITCH_NOTE_503, "1");
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_itoa(r->pool, retry_after > 0 ? retry_after : 5));
    ap_custom_response(r, HTTP_FORBIDDEN, page);
    ap_custom_response(r, HTTP_UNAUTHORIZED, page);
}

/* One organisation: 1 switched, 0 not (refused, remembered or not),
 * -1 stop trying (WorkOS unavailable, or sent to sign in). */
static int autoswitch_one(request_rec *r, const wos_srv_cfg *sc,
                          const session_t *sess, const char *user,
                          const char *org)
{
    const cachens_key_t *key = autoswitch_key(r, sc, user, org);
    const char *code = autoswitch_remembered(r, sc, key);
    const wos_identity_t *now;
    refresh_out_t out;
    refresh_rc rc;

    if (!code) {
        rc = refresh_session(r, sc, sess->data, sess->refresh_token, org,
                             &out);
        if (rc == REFRESH_OK) {
            if (!authn_replace_session(r, out.sealed)
                || !(now = authn_identity(r)) || !now->org_id
                || strcmp(now->org_id, org) != 0) {
                ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(02331)
                              "organisation switch for %s: WorkOS's new "
                              "session is not in %s", user, org);
                return 0;
            }
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(02332)
                          "switched %s to organisation %s automatically",
                          user, org);
            return 1;
        }
        if (rc == REFRESH_UNAVAILABLE) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(02333)
                          "organisation switch for %s to %s: %s", user, org,
                          out.why);
            autoswitch_unavailable(r, out.retry_after);
            return -1;
        }
        code = out.why;
        autoswitch_remember(r, sc, key, code);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, WOSLOGNO(02334)
                      "WorkOS refused to switch %s to organisation %s: %s",
                      user, org, code);
    }
    if (api_needs_signin(code)) {
        autoswitch_signin(r, sc, org);
        return -1;
    }
    return 0;
}

int autoswitch_org(request_rec *r, const apr_array_header_t *orgs)
{
    const wos_srv_cfg *sc = ap_get_module_config(r->server->module_config,
                                                 &auth_workos_module);
    const wos_dir_cfg *dc = ap_get_module_config(r->per_dir_config,
                                                 &auth_workos_module);
    const wos_identity_t *id = authn_identity(r);
    const char *sealed = authn_session_cookie(r), *why;
    session_t sess;
    int i, tries = 0, rc;

    if (!dc || dc->auto_switch_org != 1 || !sc->keys || !id || !sealed
        || !orgs || apr_table_get(r->notes, "wos-autoswitch-done")) {
        return 0;
    }
    /* one attempt per request, however many Require lines ask */
    apr_table_setn(r->notes, "wos-autoswitch-done", "1");
    if (session_open(r->pool, sealed,
                     (const seal_password_t *)sc->passwords->elts,
                     sc->passwords->nelts, apr_time_as_msec(apr_time_now()),
                     &sess, &why) != 0 || !sess.refresh_token) {
        return 0;
    }
    for (i = 0; i < orgs->nelts && tries < AUTOSWITCH_MAX_TRIES; i++) {
        const char *org = APR_ARRAY_IDX(orgs, i, const char *);

        if (flow_hint_check(FLOW_HINT_ORG, org)
            || (id->org_id && !strcmp(id->org_id, org))) {
            continue;
        }
        tries++;
        if ((rc = autoswitch_one(r, sc, &sess, id->user_id, org)) != 0) {
            return rc > 0;
        }
    }
    return 0;
}

void autoswitch_error_status(request_rec *r)
{
    if (apr_table_get(r->notes, AUTOSWITCH_NOTE_503)
        && (r->status == HTTP_FORBIDDEN || r->status == HTTP_UNAUTHORIZED)) {
        r->status = HTTP_SERVICE_UNAVAILABLE;
        r->status_line = NULL;
    }
}
