/* SPDX-License-Identifier: Apache-2.0 */
/* Authentication; see authn.h. */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"
#include "request/authn.h"
#include "base/config.h"
#include "codec/seal.h"
#include "base/secrets.h"
#include "request/verify.h"
#include "request/refresh.h"
#include "request/login.h"
#include "request/reply.h"
#include "request/env.h"
#include "model/cookie.h"
#include "model/session.h"
#include "model/localpath.h"
#include "request/apikey.h"
#include "state/revoke.h"
#include "state/marks.h"
#include "store/credcache.h"
#include "state/credshare.h"
#include "state/credwait.h"
#include "base/stats.h"
#include "request/route.h"
#include "base/module.h"


/* This process's verified credentials (child_init). */
static credcache_t *authn_cache;

void authn_child_init(apr_pool_t *p, server_rec *s)
{
    /* one per process, whatever the virtual host: the main server's */
    const wos_srv_cfg *sc = ap_get_module_config(s->module_config,
                                                 &auth_workos_module);

    authn_cache = credcache_create(p, sc->cred_cache_bytes >= 0
                                      ? (size_t)sc->cred_cache_bytes
                                      : CREDCACHE_DEFAULT_BYTES);
}

/* What made a credential of this kind valid here: cookies need the
 * cookie passwords too, bearer tokens only the keys and issuers. */
static const char *authn_tag(const wos_srv_cfg *sc, cred_kind_t kind)
{
    return kind == CRED_COOKIE ? sc->cookie_tag : sc->verify_tag;
}

/* The shared tier's name of a credential, for both tiers' callers: a
 * hash of all of the credential under the isolation tag of what made it
 * valid, so one virtual host never serves what another verified. */
static void authn_key(const wos_srv_cfg *sc, cred_kind_t kind,
                      const char *cred,
                      unsigned char key[CREDCACHE_KEY])
{
    credcache_key(authn_cache, kind, authn_tag(sc, kind),
                  secrets_hash_key(sc->secrets), cred, strlen(cred), key);
}

/* Whether the shared tier could hold this credential: a bearer token that
 * is not even shaped like a JWT (header.payload.signature) costs no cache
 * round trip, so junk tokens stay as cheap as they were. */
static int authn_shareable(cred_kind_t kind, const char *cred)
{
    const char *dot;

    if (kind != CRED_BEARER) {
        return 1;
    }
    dot = strchr(cred, '.');
    dot = dot ? strchr(dot + 1, '.') : NULL;
    return dot && !strchr(dot + 1, '.');
}

/* How the two tiers name one credential: cr for this process's cache
 * (a short hash, the credential compared on a hit), key for the shared
 * tier (made only when the private tier misses). */
typedef struct {
    credcache_cred_t cr;
    unsigned char key[CREDCACHE_KEY];
} authn_names_t;

/* Serves a credential verified before, by this process (private tier) or
 * by any process or host (shared tier, then kept privately), unless it
 * has been revoked since. A private hit found clean under the revocation
 * epoch still in force (revoke.h: nothing revoked or marked since, here,
 * on this host or, as polled, on the fleet) is served without looking
 * again. The names are made here once and reused by authn_remember. On a
 * miss the credential may be claimed (claim->held) for this request to
 * verify; credwait_done lets go of it. */
static int authn_cached(request_rec *r, const wos_srv_cfg *sc,
                        cred_kind_t kind, const char *cred,
                        authn_names_t *names, credwait_claim_t *claim,
                        wos_identity_t **id)
{
    long long now = apr_time_sec(apr_time_now()), until = 0;
    credcache_ent_t *ent = NULL;
    apr_uint32_t epoch = 0;
    int shared = 0, fresh;

    *id = NULL;
    claim->held = 0;
    if (!authn_cache) {
        return 0;
    }
    credcache_cred(authn_cache, kind, authn_tag(sc, kind), cred,
                   strlen(cred), &names->cr);
    /* the epoch before the lookups: a revocation after it moves it on */
    fresh = revoke_epoch(r, sc, &epoch);
    *id = credcache_find(authn_cache, &names->cr, now, r->pool, &ent);
    stats_inc(*id ? STAT_CACHE_HITS : STAT_CACHE_MISSES);
    if (*id && fresh && credcache_checked(ent, epoch)) {
        return 1;
    }
    if (!*id) {
        authn_key(sc, kind, cred, names->key);
        if (authn_shareable(kind, cred) && sc->cache) {
            *id = credwait_shared(r, sc, kind, names->key, now, claim,
                                  &until);
            shared = *id != NULL;
        }
    }
    if (*id && revoke_check(r, sc, *id)) {
        stats_inc(STAT_REVOKED_DENIED);
        *id = NULL;
    }
    if (*id && marks_user_stale(r, sc, *id)) {
        *id = NULL;  /* membership changed since: the full check decides */
    }
    if (*id && ent && fresh) {
        credcache_set_checked(ent, epoch);
    }
    if (*id && shared) {
        credcache_put(authn_cache, &names->cr, *id, until, now);
    }
    if (!*id && ent) {
        authn_key(sc, kind, cred, names->key);  /* for authn_remember */
    }
    return *id != NULL;
}

/* Keeps a freshly verified credential in both tiers. A cookie's shared
 * entry ends when its refresh window opens (WorkOSRefreshBefore), so no
 * process serves a session another one should be refreshing. */
static void authn_remember(request_rec *r, const wos_srv_cfg *sc,
                           cred_kind_t kind, const authn_names_t *names,
                           const wos_identity_t *id, long long until)
{
    long long now = apr_time_sec(apr_time_now());
    long long shared = until;

    if (!authn_cache || until <= now) {
        return;
    }
    credcache_put(authn_cache, &names->cr, id, until, now);
    if (kind == CRED_COOKIE && id->exp - sc->refresh_before < shared) {
        shared = id->exp - sc->refresh_before;
    }
    credshare_put(r, sc, kind, names->key, id, shared);
}

static void authn_remember_cred(request_rec *r, const wos_srv_cfg *sc,
                                cred_kind_t kind, const char *cred,
                                const wos_identity_t *id, long long until)
{
    authn_names_t names;

    if (authn_cache) {
        credcache_cred(authn_cache, kind, authn_tag(sc, kind), cred,
                       strlen(cred), &names.cr);
        authn_key(sc, kind, cred, names.key);
        authn_remember(r, sc, kind, &names, id, until);
    }
}

typedef enum {
    AUTHN_OK, AUTHN_NONE, AUTHN_BAD, AUTHN_UNAVAILABLE, AUTHN_LIMITED
} authn_rc;

/* What authentication learnt about this request. */
typedef struct {
    wos_identity_t *id;
    int presented;      /* a credential was offered */
    int retry_after;    /* seconds, for AUTHN_LIMITED and AUTHN_UNAVAILABLE */
    const char *why;    /* why it failed: a short reason, no secrets */
    const char *described; /* the 401's error_description, if any */
    const char *sealed; /* the session cookie value in force, if any */
    int anonymous;      /* let through without a user: r->user is "" for
                         * httpd's sake until fixups unset it */
    int userless_ok;    /* authorisation granted before authentication;
                         * authentication runs only to learn the user */
    const char *switched; /* a session an organisation switch put in
                           * force: the request run again for it
                           * (autoswitch.h) authenticates with it */
    int checked;        /* the credential was checked: rc, src are set */
    authn_rc rc;        /* what the check found */
    int src;            /* the token sources it was checked against */
    int made;           /* made by authentication (or what stands for it),
                         * not only for routed below */
    int routed;         /* workos and route are set: authorisation asks per
                         * Require line, authentication once more, and
                         * neither changes within a request */
    int workos;         /* AuthType WorkOS */
    route_kind route;
} authn_state_t;

static authn_state_t *authn_state_of(request_rec *r)
{
    authn_state_t *st = ap_get_module_config(r->request_config,
                                             &auth_workos_module);
    if (!st) {
        st = apr_pcalloc(r->pool, sizeof(*st));
        ap_set_module_config(r->request_config, &auth_workos_module, st);
    }
    return st;
}

static authn_state_t *authn_state(request_rec *r)
{
    authn_state_t *st = authn_state_of(r);

    st->made = 1;
    return st;
}

const wos_identity_t *authn_identity(request_rec *r)
{
    for (; r; r = r->main ? r->main : r->prev) {
        authn_state_t *st = ap_get_module_config(r->request_config,
                                                 &auth_workos_module);
        if (st && st->id) {
            return st->id;
        }
    }
    return NULL;
}

static int authn_is_workos_now(request_rec *r)
{
    const char *t = ap_auth_type(r);
    return t && !strcasecmp(t, "WorkOS");
}

/* AuthType WorkOS here, and then the route (*route), worked out once per
 * request. */
static int authn_routed(request_rec *r, route_kind *route)
{
    authn_state_t *st = authn_state_of(r);
    wos_srv_cfg *sc;

    if (!st->routed) {
        st->workos = authn_is_workos_now(r);
        if (st->workos) {
            sc = ap_get_module_config(r->server->module_config,
                                      &auth_workos_module);
            st->route = route_of(r, sc);
        }
        st->routed = 1;
    }
    if (route) {
        *route = st->route;
    }
    return st->workos;
}

static int authn_is_workos(request_rec *r)
{
    return authn_routed(r, NULL);
}

static authn_rc authn_from_verify(verify_rc vr)
{
    return vr == VERIFY_OK ? AUTHN_OK
           : vr == VERIFY_UNAVAILABLE ? AUTHN_UNAVAILABLE : AUTHN_BAD;
}

/* A genuine token whose session, user or membership was revoked (by a
 * webhook or the sessions handler, on any host) is no session. */
static verify_rc authn_unrevoked(request_rec *r, const wos_srv_cfg *sc,
                                 verify_rc vr, authn_state_t *st)
{
    if ((vr == VERIFY_OK || vr == VERIFY_EXPIRED)
        && revoke_check(r, sc, st->id)) {
        st->why = "session revoked";
        st->id = NULL;
        stats_inc(STAT_REVOKED_DENIED);
        return VERIFY_BAD;
    }
    return vr;
}

static authn_rc authn_apikey(request_rec *r, const wos_srv_cfg *sc,
                             const char *value, authn_state_t *st)
{
    switch (apikey_check(r, sc, value, &st->id, &st->why,
                         &st->retry_after)) {
    case APIKEY_OK:
        return AUTHN_OK;
    case APIKEY_LIMITED:
        return AUTHN_LIMITED;
    case APIKEY_UNAVAILABLE:
        return AUTHN_UNAVAILABLE;
    default:
        return AUTHN_BAD;
    }
}

/* A JWT goes to the JWT check only, so a token is never sent to WorkOS's
 * API-key validation; anything else is an API key where those are on. */
static authn_rc authn_bearer_token(request_rec *r, const wos_srv_cfg *sc,
                                   const char *token, int src,
                                   authn_state_t *st)
{
    authn_names_t names;
    credwait_claim_t claim;
    marks_rc stale;
    authn_rc rc;

    st->presented = 1;
    if (apikey_looks_like_key(token)) {
        if (src & WOS_SRC_APIKEY) {
            return authn_apikey(r, sc, token, st);
        }
        if (!(src & WOS_SRC_BEARER)) {
            return AUTHN_NONE;
        }
    }
    else if (!(src & WOS_SRC_BEARER)) {
        st->why = "JWT bearer tokens are not accepted here";
        return AUTHN_BAD;
    }
    if (authn_cached(r, sc, CRED_BEARER, token, &names, &claim, &st->id)) {
        return AUTHN_OK;
    }
    rc = authn_from_verify(authn_unrevoked(r, sc,
        verify_token(r, sc, token, 0, &st->id, &st->why), st));
    if (rc == AUTHN_OK && (stale = marks_user_stale(r, sc, st->id))) {
        st->why = stale == MARKS_MEMBERSHIP
                  ? "token issued before a change to the user's membership"
                  : "token issued before a change to roles, permissions "
                    "or flags";
        st->described = "permissions changed since the token was issued";
        st->id = NULL;
        rc = AUTHN_BAD;
    }
    if (rc == AUTHN_OK) {
        authn_remember(r, sc, CRED_BEARER, &names, st->id, st->id->exp);
    }
    credwait_done(r, &claim);
    return rc;
}

/* A session whose access token checks out and belongs to the sealed user. */
static verify_rc authn_session_token(request_rec *r, const wos_srv_cfg *sc,
                                     const session_t *sess,
                                     authn_state_t *st)
{
    /* from inside a valid seal: a key miss is "try again", never "bad" */
    verify_rc vr = verify_session_token(r, sc, sess->access_token,
                                        &st->id, &st->why);

    if ((vr == VERIFY_OK || vr == VERIFY_EXPIRED) && sess->user_id
        && strcmp(sess->user_id, st->id->user_id) != 0) {
        st->why = "sealed user id differs from the token's sub";
        vr = VERIFY_BAD;
    }
    vr = authn_unrevoked(r, sc, vr, st);
    if (vr == VERIFY_OK && marks_user_stale(r, sc, st->id)) {
        vr = VERIFY_EXPIRED;  /* membership changed since: refresh */
    }
    if (vr == VERIFY_OK) {
        identity_add_session(r->pool, st->id, sess->data);
    }
    return vr;
}

/* Takes a refreshed cookie value: it must check out like any other. */
static authn_rc authn_adopt(request_rec *r, const wos_srv_cfg *sc,
                            const char *sealed, authn_state_t *st)
{
    session_t sess;
    verify_rc vr;

    if (session_open(r->pool, sealed,
                     (const seal_password_t *)sc->passwords->elts,
                     sc->passwords->nelts, apr_time_as_msec(apr_time_now()),
                     &sess, &st->why) != 0) {
        return AUTHN_BAD;
    }
    vr = authn_session_token(r, sc, &sess, st);
    if (vr == VERIFY_UNAVAILABLE || vr == VERIFY_KEY_GONE) {
        /* its key cannot be had yet: keep the new session for the retry */
        reply_set_session(r, sc, sealed);
        return AUTHN_UNAVAILABLE;
    }
    if (vr != VERIFY_OK) {
        return AUTHN_BAD;
    }
    reply_set_session(r, sc, sealed);
    st->sealed = sealed;
    authn_remember_cred(r, sc, CRED_COOKIE, sealed, st->id,
                        st->id->exp - sc->refresh_before);
    return AUTHN_OK;
}

static int authn_needs_refresh(const wos_srv_cfg *sc, verify_rc vr,
                               const authn_state_t *st)
{
    if (vr == VERIFY_EXPIRED || vr == VERIFY_KEY_GONE) {
        return 1;  /* gone: only a refresh brings a token of a live key */
    }
    return vr == VERIFY_OK
           && st->id->exp - apr_time_sec(apr_time_now())
              <= sc->refresh_before;
}

static authn_rc authn_refresh(request_rec *r, const wos_srv_cfg *sc,
                              const session_t *sess, verify_rc vr,
                              authn_state_t *st)
{
    refresh_out_t out;
    refresh_rc rc = refresh_session(r, sc, sess->data, sess->refresh_token,
                                    NULL, &out);

    if (rc == REFRESH_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(00305)
                      "session refreshed for %s",
                      st->id ? st->id->user_id : "a session");
        return authn_adopt(r, sc, out.sealed, st);
    }
    if (rc == REFRESH_REFUSED) {
        st->why = apr_pstrcat(r->pool, "refresh refused: ", out.why, NULL);
        st->id = NULL;
        return AUTHN_BAD;
    }
    if (vr == VERIFY_OK) {
        return AUTHN_OK;  /* still valid for a few seconds: serve it */
    }
    /* retryable: 503, the cookie kept */
    st->why = out.why;
    st->retry_after = out.retry_after;
    st->id = NULL;
    return AUTHN_UNAVAILABLE;
}

/* clear: this is the last candidate, so a bad one is cleared (with our
 * attributes, i.e. the cookie we set; a sibling domain's is not ours). */
static authn_rc authn_cookie(request_rec *r, const wos_srv_cfg *sc,
                             const wos_dir_cfg *dc, const char *value,
                             int clear, authn_state_t *st)
{
    authn_names_t names;
    credwait_claim_t claim;
    session_t sess;
    verify_rc vr;
    authn_rc rc;

    st->presented = 1;
    if (authn_cached(r, sc, CRED_COOKIE, value, &names, &claim, &st->id)) {
        st->sealed = value;
        return AUTHN_OK;
    }
    if (session_open(r->pool, value,
                     (const seal_password_t *)sc->passwords->elts,
                     sc->passwords->nelts, apr_time_as_msec(apr_time_now()),
                     &sess, &st->why) != 0) {
        credwait_done(r, &claim);
        if (clear) {
            reply_clear_session(r, sc);
        }
        return AUTHN_BAD;
    }
    vr = authn_session_token(r, sc, &sess, st);
    if (vr == VERIFY_OK) {
        /* until the refresh window opens: then the full path runs again */
        authn_remember(r, sc, CRED_COOKIE, &names, st->id,
                       st->id->exp - sc->refresh_before);
        st->sealed = value;
    }
    credwait_done(r, &claim);
    if (authn_needs_refresh(sc, vr, st) && dc->refresh != 0
        && sess.refresh_token) {
        rc = authn_refresh(r, sc, &sess, vr, st);
    }
    else {
        rc = authn_from_verify(vr);
    }
    if (rc == AUTHN_BAD) {
        st->id = NULL;
        if (clear) {
            reply_clear_session(r, sc);
        }
    }
    return rc;
}

/* Several cookies of our name (a sibling subdomain may add its own): the
 * first that checks out is the session. */
static authn_rc authn_cookies(request_rec *r, const wos_srv_cfg *sc,
                              const wos_dir_cfg *dc,
                              const apr_array_header_t *all,
                              authn_state_t *st)
{
    authn_rc rc = AUTHN_NONE;
    int i;

    for (i = 0; i < all->nelts; i++) {
        rc = authn_cookie(r, sc, dc, APR_ARRAY_IDX(all, i, const char *),
                          i == all->nelts - 1, st);
        if (rc != AUTHN_BAD) {
            break;
        }
    }
    return rc;
}

static const char *authn_bearer(request_rec *r)
{
    const char *h = apr_table_get(r->headers_in, "Authorization");

    if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
        return NULL;
    }
    for (h += 7; *h == ' '; h++)
        ;
    return h;
}

/* The session a switch put in force in an earlier pass of this request
 * (an internal redirect's r->prev), or NULL. */
static const char *authn_switched(request_rec *r)
{
    for (r = r->prev; r; r = r->prev) {
        authn_state_t *st = ap_get_module_config(r->request_config,
                                                 &auth_workos_module);
        if (st && st->switched) {
            return st->switched;
        }
    }
    return NULL;
}

static int authn_sources(const wos_dir_cfg *dc)
{
    return dc->token_sources == WOS_UNSET
           ? (WOS_SRC_COOKIE | WOS_SRC_BEARER) : dc->token_sources;
}

static authn_rc authn_credential(request_rec *r, const wos_srv_cfg *sc,
                                 const wos_dir_cfg *dc, authn_state_t *st)
{
    int src = authn_sources(dc);
    const char *v;
    apr_array_header_t *all;

    /* run again after a switch: the new session, not the request's
     * Cookie header (its Set-Cookie is already on the answer) */
    if ((v = authn_switched(r))) {
        return authn_cookie(r, sc, dc, v, 0, st);
    }
    if ((src & (WOS_SRC_BEARER | WOS_SRC_APIKEY)) && (v = authn_bearer(r))) {
        return authn_bearer_token(r, sc, v, src, st);
    }
    if ((src & WOS_SRC_COOKIE)
        && (v = apr_table_get(r->headers_in, "Cookie"))
        && (all = cookie_get_all(r->pool, v, sc->cookie_name))) {
        return authn_cookies(r, sc, dc, all, st);
    }
    return AUTHN_NONE;
}

static void authn_challenge(request_rec *r, const authn_state_t *st)
{
    const char *realm = ap_auth_name(r) ? ap_auth_name(r) : "WorkOS";
    const char *v = apr_psprintf(r->pool, "Bearer realm=\"%s\"%s%s%s",
                                 ap_escape_quotes(r->pool, realm),
                                 st->presented && st->why
                                 ? ", error=\"invalid_token\"" : "",
                                 st->presented && st->described
                                 ? ", error_description=\"" : "",
                                 st->presented && st->described
                                 ? apr_pstrcat(r->pool, st->described, "\"",
                                               NULL) : "");

    apr_table_setn(r->err_headers_out, "WWW-Authenticate", v);
}

/* A person at a browser, who can be sent to sign in; anything else (an
 * API client, a script, a background fetch, a form POST) gets 401. */
int authn_is_browser(request_rec *r)
{
    const char *mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");
    const char *accept = apr_table_get(r->headers_in, "Accept");

    return r->method_number == M_GET
           && !apr_table_get(r->headers_in, "Authorization")
           && !apr_table_get(r->headers_in, "X-Requested-With")
           && (!mode || !strcmp(mode, "navigate"))
           && accept && ap_strstr_c(accept, "text/html");
}

/* No user, but through: httpd insists on a non-NULL r->user after
 * authentication, so it is "" until authn_fixups takes it away again
 * (REMOTE_USER is then unset for the backend). */
static int authn_anonymous(request_rec *r, authn_state_t *st)
{
    st->anonymous = 1;
    st->id = NULL;
    r->user = "";
    return OK;
}

static int authn_unauthenticated(request_rec *r, const wos_srv_cfg *sc,
                                 const wos_dir_cfg *dc, authn_state_t *st)
{
    if (dc->unauth_action == WOS_UNAUTH_PASS && st->userless_ok) {
        return authn_anonymous(r, st);
    }
    if (dc->unauth_action == WOS_UNAUTH_PASS) {
        /* the Require lines want a user: anonymous callers are denied */
        authn_challenge(r, st);
        return HTTP_UNAUTHORIZED;
    }
    if (dc->unauth_action != WOS_UNAUTH_401 && authn_is_browser(r)
        && localpath_ok(r->unparsed_uri)) {
        return login_start(r, sc, dc->signin_org, r->unparsed_uri);
    }
    authn_challenge(r, st);
    return HTTP_UNAUTHORIZED;
}

/* The credential check of the request this one comes from (an internal
 * redirect's first request, a subrequest's main request) when it looked
 * at the same token sources; NULL when there is none. */
static const authn_state_t *authn_earlier(request_rec *r, int src)
{
    for (r = r->prev ? r->prev : r->main; r;
         r = r->prev ? r->prev : r->main) {
        const authn_state_t *st = ap_get_module_config(r->request_config,
                                                       &auth_workos_module);
        if (st && st->switched) {
            return NULL;  /* a switch changed the identity: check anew */
        }
        if (st && st->checked) {
            return st->src == src ? st : NULL;
        }
    }
    return NULL;
}

/* Authentication runs again for every URI a request reaches (authz.c
 * registers per URI): the credential is checked once, by the first
 * request, and its result reused, so a redirect never refreshes a session
 * twice (the refresh token is single use) nor counts a bad API key
 * twice. Only the authorisation is decided afresh. Never across an
 * organisation switch: the pass after it authenticates with the new
 * session (authn_switched), and later passes reuse that. */
static authn_rc authn_check_once(request_rec *r, const wos_srv_cfg *sc,
                                 const wos_dir_cfg *dc, authn_state_t *st,
                                 int *again)
{
    const authn_state_t *was = authn_earlier(r, authn_sources(dc));

    *again = was != NULL;
    if (was) {
        st->id = was->id;
        st->presented = was->presented;
        st->retry_after = was->retry_after;
        st->why = was->why;
        st->sealed = was->sealed;
        st->rc = was->rc;
    }
    else {
        st->rc = authn_credential(r, sc, dc, st);
    }
    st->checked = 1;
    st->src = authn_sources(dc);
    return st->rc;
}

/* What configtest refuses (config_check.c) when it can see it: a scope
 * that sends browsers to sign in with no WorkOSRedirectURI. An AuthType
 * that is an expression (or an .htaccess file) hides the scope from the
 * check, so it is made here, with the same message, for every request in
 * the scope: a 500, never a half-working sign-in. */
static int authn_scope_unusable(request_rec *r, const wos_srv_cfg *sc,
                                const wos_dir_cfg *dc)
{
    if (sc->redirect_uri || (dc->unauth_action != WOS_UNAUTH_AUTH
                             && dc->unauth_action != WOS_UNSET)) {
        return 0;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(05201)
                  "WorkOSRedirectURI is required: the scope of %s has "
                  "AuthType WorkOS and sends browsers to sign in (server "
                  "%s). Set WorkOSRedirectURI to the absolute URL of the "
                  "callback, or WorkOSUnauthAction 401 there", r->uri,
                  r->server->server_hostname);
    return 1;
}

int authn_check_user_id(request_rec *r)
{
    wos_srv_cfg *sc;
    wos_dir_cfg *dc;
    authn_state_t *st;
    authn_rc rc;
    route_kind kind;
    int again;

    if (!authn_routed(r, &kind)) {
        return DECLINED;
    }
    sc = ap_get_module_config(r->server->module_config, &auth_workos_module);
    dc = ap_get_module_config(r->per_dir_config, &auth_workos_module);
    if (!sc->keys) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00301)
                      "AuthType WorkOS needs WorkOSClientID and "
                      "WorkOSCookiePassword in this server's config");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    env_strip_forged(r);
    st = authn_state(r);
    /* The sign-in flow must be reachable to sign in at all; the handlers
     * of ROUTE_OPTIONAL refuse anonymous callers themselves. Only these
     * get the "" user, which mod_authz_user's Require valid-user takes for
     * a user. The status page is not among them. */
    if (kind == ROUTE_SESSIONLESS) {
        return authn_anonymous(r, st);
    }
    if (kind == ROUTE_NONE && authn_scope_unusable(r, sc, dc)) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rc = authn_check_once(r, sc, dc, st, &again);
    if (rc != AUTHN_OK && kind == ROUTE_OPTIONAL) {
        return authn_anonymous(r, st);  /* the handler answers for itself */
    }
    if (rc == AUTHN_OK) {
        if (!env_publish(r, st->id, dc)) {
            st->id = NULL;
            stats_inc(STAT_DENIED);
            authn_challenge(r, st);
            return HTTP_UNAUTHORIZED;
        }
        r->ap_auth_type = "WorkOS";
        if (!again) {
            stats_inc(STAT_ALLOWED);
        }
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(00302)
                      "authenticated %s", r->user);
        return OK;
    }
    if (rc == AUTHN_LIMITED) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(00306)
                      "too many failed API key validations from %s",
                      r->useragent_ip);
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_itoa(r->pool, st->retry_after));
        return HTTP_TOO_MANY_REQUESTS;
    }
    if (rc == AUTHN_UNAVAILABLE) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(00303)
                      "cannot verify credentials: %s", st->why);
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_itoa(r->pool, st->retry_after > 0
                                         ? st->retry_after : 5));
        return reply_unavailable(r, "Your sign-in could not be checked "
                                    "right now.");
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(00304)
                  "no valid session: %s", st->why ? st->why
                                                  : "no credential");
    if (!again) {
        stats_inc(STAT_DENIED);
    }
    return authn_unauthenticated(r, sc, dc, st);
}

int authn_identify(request_rec *r, const wos_srv_cfg *sc,
                   const wos_identity_t **id)
{
    wos_dir_cfg *dc = ap_get_module_config(r->per_dir_config,
                                           &auth_workos_module);
    authn_state_t *st;
    authn_rc rc;

    *id = authn_identity(r);
    if (*id) {
        return OK;
    }
    st = ap_get_module_config(r->request_config, &auth_workos_module);
    if (st && st->made) {
        return HTTP_UNAUTHORIZED;  /* authentication ran and found none */
    }
    st = authn_state(r);
    rc = authn_credential(r, sc, dc, st);
    if (rc == AUTHN_OK && st->id) {
        *id = st->id;
        return OK;
    }
    st->id = NULL;
    if (rc == AUTHN_UNAVAILABLE) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, WOSLOGNO(02520)
                      "cannot verify credentials: %s", st->why);
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
        return reply_unavailable(r, "Your sign-in could not be checked "
                                    "right now.");
    }
    if (rc == AUTHN_LIMITED) {
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_itoa(r->pool, st->retry_after));
        return HTTP_TOO_MANY_REQUESTS;
    }
    return HTTP_UNAUTHORIZED;
}

int authn_note_failure(request_rec *r, const char *auth_type)
{
    if (!auth_type || strcasecmp(auth_type, "WorkOS")) {
        return DECLINED;
    }
    /* A request with a user is forbidden, never sent to sign in again. */
    authn_challenge(r, authn_state(r));
    return OK;
}

const char *authn_session_cookie(request_rec *r)
{
    for (; r; r = r->main ? r->main : r->prev) {
        authn_state_t *st = ap_get_module_config(r->request_config,
                                                 &auth_workos_module);
        if (st && st->id) {
            return st->sealed;
        }
    }
    return NULL;
}

int authn_replace_session(request_rec *r, const char *sealed)
{
    wos_srv_cfg *sc = ap_get_module_config(r->server->module_config,
                                           &auth_workos_module);
    wos_dir_cfg *dc = ap_get_module_config(r->per_dir_config,
                                           &auth_workos_module);
    authn_state_t *st = authn_state(r);

    if (authn_adopt(r, sc, sealed, st) != AUTHN_OK) {
        return 0;
    }
    st->switched = sealed;
    /* the rest of this pass sees the new identity; the pass that counts
     * is the one run again (autoswitch.h), which publishes afresh */
    if (!env_publish(r, st->id, dc)) {
        r->user = apr_pstrdup(r->pool, st->id->user_id);
    }
    return 1;
}

int authn_force(request_rec *r)
{
    wos_dir_cfg *dc;

    if (!authn_is_workos(r)) {
        return DECLINED;
    }
    dc = ap_get_module_config(r->per_dir_config, &auth_workos_module);
    if (dc->unauth_action != WOS_UNAUTH_PASS) {
        return DECLINED;
    }
    /* Require lines granted without a user (Require all granted, ip):
     * authenticate anyway so a signed-in caller is known, and let an
     * anonymous one through */
    authn_state(r)->userless_ok = 1;
    return OK;
}

/* From the route, not from authentication: the workos-* lines grant the
 * module's own handlers before any user is known, so httpd runs no
 * authentication for them (the handlers check a session themselves), and
 * no anonymous "" user is needed for them to pass these lines. */
int authn_module_request(request_rec *r)
{
    route_kind route = ROUTE_NONE;

    return authn_routed(r, &route) && route != ROUTE_NONE;
}

int authn_fixups(request_rec *r)
{
    authn_state_t *st = ap_get_module_config(r->request_config,
                                             &auth_workos_module);
    wos_srv_cfg *sc = ap_get_module_config(r->server->module_config,
                                           &auth_workos_module);
    wos_dir_cfg *dc = ap_get_module_config(r->per_dir_config,
                                           &auth_workos_module);

    if (st && st->anonymous && r->user && !*r->user) {
        r->user = NULL;
    }
    /* WorkOSStripCookies holds for every request of its scope, whatever
     * the Require lines: authentication may not have run at all (Require
     * all granted, Require ip). The module's own handlers keep the
     * session cookie: they read it themselves and hand it to no backend. */
    if (dc && dc->strip_cookies == 1 && sc->used
        && route_of(r, sc) == ROUTE_NONE) {
        env_strip_cookies(r, sc->cookie_name);
    }
    return DECLINED;
}
