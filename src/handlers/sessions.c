/* SPDX-License-Identifier: Apache-2.0 */
/* Listing and revoking one's own sessions; see sessions.h. */
#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"
#include "handlers/sessions.h"
#include "request/verify.h"
#include "state/revoke.h"
#include "request/reply.h"
#include "handlers/form.h"
#include "workos/workos_api.h"
#include "base/client.h"
#include "base/stats.h"
#include "base/module.h"
#include "codec/word.h"


static api_client_t sessions_client(const wos_srv_cfg *sc)
{
    api_client_t c = client_for(sc);
    return c;
}

static int sessions_unavailable(request_rec *r, const char *why)
{
    stats_inc(STAT_API_ERRORS);
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(01101)
                  "sessions API call failed: %s", why);
    apr_table_setn(r->err_headers_out, "Retry-After", "5");
    return reply_json(r, HTTP_SERVICE_UNAVAILABLE,
                      "{\"error\":\"WorkOS is unavailable\"}\n");
}

/* Pages asked for at most (100 sessions each): a user with more than
 * this many live sessions sees the first SESSIONS_MAX_PAGES * 100. */
#define SESSIONS_MAX_PAGES 20

/* WorkOS's list of the user's sessions, every page of it (following
 * list_metadata.after), as {"data": [...]}. */
static api_status_t sessions_list(request_rec *r, const wos_srv_cfg *sc,
                                  const char *uid, json_t **answer,
                                  const char **why)
{
    api_client_t c = sessions_client(sc);
    const char *after = NULL;
    json_t *all = NULL, *page, *data;
    api_status_t st = API_OK;
    int n;

    for (n = 0; n < SESSIONS_MAX_PAGES; n++) {
        st = api_call(r->pool, &c, WORKOS_EP_SESSIONS_LIST, "GET",
                      workos_api_sessions_url(r->pool, c.base, uid, after),
                      NULL, &page, why);
        if (st != API_OK) {
            return st;
        }
        data = json_object_get(page, "data");
        if (!json_is_array(data)) {
            *why = "session list has no data";
            return API_UNAVAILABLE;
        }
        if (!all) {
            all = page;  /* the first page carries the rest */
        }
        else if (json_array_extend(json_object_get(all, "data"), data)) {
            *why = "out of memory";
            return API_UNAVAILABLE;
        }
        after = json_string_value(json_object_get(
            json_object_get(page, "list_metadata"), "after"));
        if (!after || !*after || strlen(after) > 256
            || json_array_size(data) == 0) {
            break;
        }
        after = apr_pstrdup(r->pool, after);
    }
    if (n == SESSIONS_MAX_PAGES) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(02450)
                      "%s has more sessions than the %d pages read",
                      uid, SESSIONS_MAX_PAGES);
    }
    /* the cursor of the last page means nothing to the caller */
    json_object_del(all, "list_metadata");
    *answer = all;
    return st;
}

static int sessions_owned(json_t *list, const char *sid)
{
    size_t i;
    json_t *s;

    json_array_foreach(json_object_get(list, "data"), i, s) {
        const char *id = json_string_value(json_object_get(s, "id"));
        if (id && !strcmp(id, sid)) {
            return 1;
        }
    }
    return 0;
}

static int sessions_get(request_rec *r, const wos_srv_cfg *sc,
                        const wos_identity_t *id)
{
    json_t *list;
    const char *why;
    char *text;
    api_status_t st = sessions_list(r, sc, id->user_id, &list, &why);

    if (st != API_OK) {
        return sessions_unavailable(r, why);
    }
    json_object_set_new(list, "current_session_id",
                        id->session_id ? json_string(id->session_id)
                                       : json_null());
    text = json_dumps(list, JSON_COMPACT);
    if (!text) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    reply_json(r, HTTP_OK, apr_pstrcat(r->pool, text, "\n", NULL));
    free(text);
    return OK;
}

static int sessions_revoke(request_rec *r, const wos_srv_cfg *sc,
                           const wos_identity_t *id, const char *sid)
{
    api_client_t c = sessions_client(sc);
    json_t *list, *answer, *body;
    const char *why;
    api_status_t st = sessions_list(r, sc, id->user_id, &list, &why);

    if (st != API_OK) {
        return sessions_unavailable(r, why);
    }
    if (!sessions_owned(list, sid)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(01102)
                      "%s tried to revoke a session that is not theirs",
                      id->user_id);
        return reply_json(r, HTTP_FORBIDDEN,
                          "{\"error\":\"not your session\"}\n");
    }
    body = json_pack("{s:s}", "session_id", sid);
    st = api_call(r->pool, &c, WORKOS_EP_SESSION_REVOKE, "POST",
                  workos_api_session_revoke_url(r->pool, c.base), body,
                  &answer, &why);
    json_decref(body);
    if (st != API_OK) {
        return sessions_unavailable(r, why);
    }
    revoke_session(r, sc, sid);
    if (id->session_id && !strcmp(id->session_id, sid)) {
        reply_clear_session(r, sc);
    }
    return reply_json(r, HTTP_OK, apr_psprintf(r->pool,
                      "{\"revoked\":\"%s\"}\n", sid));
}

int sessions_handle(request_rec *r, const wos_srv_cfg *sc)
{
    session_t sess;
    wos_identity_t *id;
    const char *sid;

    if (r->method_number != M_GET && r->method_number != M_POST) {
        apr_table_setn(r->err_headers_out, "Allow", "GET, POST");
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!verify_cookie_session(r, sc, 0, &sess, &id)
        || revoke_check(r, sc, id)) {
        return reply_json(r, HTTP_UNAUTHORIZED,
                          "{\"error\":\"not signed in\"}\n");
    }
    if (r->method_number == M_GET) {
        return sessions_get(r, sc, id);
    }
    if (!form_same_origin(r)) {
        return reply_json(r, HTTP_FORBIDDEN,
                          "{\"error\":\"cross-site request\"}\n");
    }
    sid = apr_table_get(form_read(r), "session_id");
    if (!word_valid(sid, 128)) {
        return reply_json(r, HTTP_BAD_REQUEST,
                          "{\"error\":\"send session_id\"}\n");
    }
    return sessions_revoke(r, sc, id, sid);
}
