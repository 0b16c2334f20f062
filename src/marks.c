/* API-key and membership-change marks; see marks.h. */
#include <stdlib.h>
#include "httpd.h"
#include "apr_strings.h"
#include "marks.h"
#include "revoke.h"

static const char *marks_key(apr_pool_t *p, const wos_srv_cfg *sc,
                             const char *kind, const char *id)
{
    return apr_pstrcat(p, "wos:rev:", kind, ":", sc->env_tag, ":", id,
                       NULL);
}

int marks_apikey_revoke(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                        const char *key_id)
{
    return revoke_mark_put(s, p, sc, marks_key(p, sc, "key", key_id), "1");
}

int marks_apikey_revoked(request_rec *r, const wos_srv_cfg *sc,
                         const char *key_id)
{
    return key_id && *revoke_mark_get(r, sc, marks_key(r->pool, sc, "key",
                                                       key_id)) != '\0';
}

int marks_user_changed(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                       const char *user_id, apr_int64_t when)
{
    const char *key = marks_key(p, sc, "chg", user_id);
    char *old = NULL;
    apr_size_t len;

    if (cache_get(sc->cache, s, key, &old, &len, 32, p) == APR_SUCCESS
        && apr_atoi64(old) >= when) {
        return 0;  /* already known, or a later change is */
    }
    return revoke_mark_put(s, p, sc, key,
                           apr_psprintf(p, "%" APR_INT64_T_FMT, when));
}

int marks_user_stale(request_rec *r, const wos_srv_cfg *sc,
                     const wos_identity_t *id)
{
    const char *v;

    if (!id || !id->user_id || id->api_key_id) {
        return 0;
    }
    v = revoke_mark_get(r, sc, marks_key(r->pool, sc, "chg", id->user_id));
    return *v && (apr_int64_t)id->iat < apr_atoi64(v);
}
