/* SPDX-License-Identifier: Apache-2.0 */
/* API-key and membership-change marks; see marks.h. */
#include "httpd.h"
#include "state/marks.h"
#include "state/revoke.h"

/* Kinds of record in the revocation store (revoke.h). */
#define MARKS_APIKEY "key"
#define MARKS_CHANGED "chg"

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

int marks_user_stale(request_rec *r, const wos_srv_cfg *sc,
                     const wos_identity_t *id)
{
    long long changed;

    if (!id || !id->user_id || id->api_key_id) {
        return 0;
    }
    return revoke_lookup(r, sc, MARKS_CHANGED, id->user_id, &changed)
           && id->iat < changed;
}
