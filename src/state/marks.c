/* SPDX-License-Identifier: Apache-2.0 */
/* API-key and membership-change marks; see marks.h. */
#include "httpd.h"
#include "state/marks.h"
#include "state/revoke.h"
#include "model/defchange.h"

/* Kinds of record in the revocation store (revoke.h). */
#define MARKS_APIKEY "key"
#define MARKS_CHANGED "chg"
#define MARKS_DEFS "def"      /* id: an organisation, or MARKS_ENV */
#define MARKS_ENV "*"         /* never an organisation id */

int marks_apikey_revoke(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                        const char *key_id)
{
    return revoke_record_in(s, p, sc, MARKS_APIKEY, key_id, 0);
}

int marks_apikey_revoked(request_rec *r, const wos_srv_cfg *sc,
                         const char *key_id)
{
    long long v;

    return key_id && revoke_lookup(r, sc, MARKS_APIKEY, key_id, &v);
}

int marks_user_changed(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                       const char *user_id, apr_int64_t when)
{
    /* the store keeps the larger value: a later change wins */
    return revoke_record_in(s, p, sc, MARKS_CHANGED, user_id,
                            (long long)when);
}

int marks_defs_changed(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                       const char *org_id, apr_int64_t when)
{
    return revoke_record_in(s, p, sc, MARKS_DEFS, org_id ? org_id : MARKS_ENV,
                            (long long)when);
}

/* 1 if kind/id is marked later than the token's iat. */
static int marks_since(request_rec *r, const wos_srv_cfg *sc,
                       const char *kind, const char *id, long long iat)
{
    long long changed;

    return revoke_lookup(r, sc, kind, id, &changed)
           && defchange_stale(iat, changed);
}

marks_rc marks_user_stale(request_rec *r, const wos_srv_cfg *sc,
                               const wos_identity_t *id)
{
    if (!id || !id->user_id || id->api_key_id) {
        return MARKS_FRESH;
    }
    if (marks_since(r, sc, MARKS_CHANGED, id->user_id, id->iat)) {
        return MARKS_MEMBERSHIP;
    }
    if (marks_since(r, sc, MARKS_DEFS, MARKS_ENV, id->iat)
        || (id->org_id && marks_since(r, sc, MARKS_DEFS, id->org_id,
                                      id->iat))) {
        return MARKS_DEFINITIONS;
    }
    return MARKS_FRESH;
}
