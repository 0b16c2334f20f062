/* SPDX-License-Identifier: Apache-2.0 */
/* Applying WorkOS events; see events_apply.h. */
#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"
#include "events/events_apply.h"
#include "state/revoke.h"
#include "state/marks.h"
#include "state/access_cache.h"
#include "model/defchange.h"
#include "base/stats.h"
#include "base/module.h"


static const char *events_id(json_t *data, const char *key)
{
    const char *v = json_string_value(json_object_get(data, key));
    return v && *v && strlen(v) <= 128 ? v : NULL;
}

static events_rc events_recorded(int rc)
{
    return rc == 0 ? EVENTS_APPLIED : EVENTS_FAILED;
}

/* A role or permission change: sessions issued before it refresh. */
static events_rc events_membership_updated(server_rec *s, apr_pool_t *p,
                                           const wos_srv_cfg *sc,
                                           json_t *data, apr_time_t created)
{
    const char *uid = events_id(data, "user_id");
    apr_time_t when = created ? created : apr_time_now();

    if (!uid) {
        return EVENTS_BAD;
    }
    /* tokens carry whole seconds: one issued in the second of the change
     * passes, so a refresh in that second cannot loop */
    return events_recorded(marks_user_changed(s, p, sc, uid,
                                              apr_time_sec(when)));
}

/* role.*, permission.*, flag.* (the environment), organization_role.*
 * (its organisation): tokens issued before carry old grants. */
static events_rc events_definitions(server_rec *s, apr_pool_t *p,
                                    const wos_srv_cfg *sc,
                                    defchange_scope_t scope, json_t *data,
                                    apr_time_t created)
{
    const char *org = events_id(data, "organization_id");

    if (scope == DEFCHANGE_ORG && !org) {
        return EVENTS_BAD;
    }
    return events_recorded(marks_defs_changed(
        s, p, sc, scope == DEFCHANGE_ORG ? org : NULL,
        defchange_when(apr_time_sec(created),
                       apr_time_sec(apr_time_now()))));
}

static events_rc events_dispatch(server_rec *s, apr_pool_t *p,
                                 const wos_srv_cfg *sc, const char *event,
                                 json_t *data, apr_time_t created)
{
    const char *a, *b;

    if (!strcmp(event, "session.revoked")) {
        a = events_id(data, "id");
        b = events_id(data, "sid");
        return (a || b) ? events_recorded(revoke_record_in(
                              s, p, sc, REVOKE_SESSION, a ? a : b, 0))
                        : EVENTS_BAD;
    }
    if (!strcmp(event, "user.deleted")) {
        a = events_id(data, "id");
        return a ? events_recorded(revoke_record_in(s, p, sc, REVOKE_USER,
                                                    a, 0))
                 : EVENTS_BAD;
    }
    if (!strcmp(event, "organization_membership.deleted")) {
        a = events_id(data, "user_id");
        b = events_id(data, "organization_id");
        return (a && b) ? events_recorded(revoke_record_in(
                              s, p, sc, REVOKE_MEMBERSHIP,
                              apr_pstrcat(p, a, ":", b, NULL), 0))
                        : EVENTS_BAD;
    }
    if (!strcmp(event, "organization_membership.updated")) {
        return events_membership_updated(s, p, sc, data, created);
    }
    if (!strcmp(event, "api_key.revoked")) {
        a = events_id(data, "id");
        return a ? events_recorded(marks_apikey_revoke(s, p, sc, a))
                 : EVENTS_BAD;
    }
    if (defchange_scope(event) != DEFCHANGE_NONE) {
        return events_definitions(s, p, sc, defchange_scope(event), data,
                                  created);
    }
    return EVENTS_IGNORED;
}

events_rc events_apply(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                       const char *event, json_t *data, apr_time_t created)
{
    events_rc rc = events_dispatch(s, p, sc, event, data, created);

    /* an event that changes who may do what is applied only once the
     * kept workos-access decisions are dropped too: otherwise it is
     * FAILED, so the poller tries it again and the webhook answers an
     * error WorkOS retries */
    if (rc != EVENTS_BAD && access_cache_event(event)) {
        if (access_cache_drop(s, p, sc) != 0) {
            rc = EVENTS_FAILED;
        }
        else if (rc == EVENTS_IGNORED) {
            rc = EVENTS_APPLIED;
        }
    }
    if (rc == EVENTS_APPLIED) {
        stats_inc(STAT_EVENTS_APPLIED);
    }
    else if (rc == EVENTS_IGNORED) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, WOSLOGNO(02600)
                     "ignoring event %.64s", event);
    }
    return rc;
}
