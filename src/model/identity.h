/* SPDX-License-Identifier: Apache-2.0 */
/* Who a verified credential says the caller is: the claims the Require
 * providers and the WORKOS_* variables use. Pure: APR and jansson. */
#ifndef WOS_IDENTITY_H
#define WOS_IDENTITY_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

typedef struct {
    const char *user_id;      /* sub */
    const char *session_id;   /* sid */
    const char *org_id;       /* org_id */
    const char *role;         /* role */
    apr_array_header_t *roles;         /* const char *, from "roles" */
    apr_array_header_t *permissions;   /* "permissions" */
    apr_array_header_t *entitlements;  /* "entitlements" */
    apr_array_header_t *feature_flags; /* "feature_flags" */
    const char *email;              /* sealed user.email, if any */
    const char *impersonator_email; /* act.sub / sealed impersonator.email */
    const char *api_key_id;         /* set for a WorkOS API key client */
    long long exp;                  /* token exp, seconds */
    long long iat;                  /* token iat, seconds (0 if absent) */
    const char *claims_json;        /* all access-token claims as JSON
                                       text (custom claims included);
                                       NULL for API keys or when larger
                                       than IDENTITY_MAX_CLAIMS_JSON */
    /* Built once by a cache that keeps the identity (credcache.h), NULL
     * otherwise (computed on use): the lists as the environment publishes
     * them ("a,b,c"; roles_text is role when there are no roles), and
     * claims_json parsed, claims_root(claims_owner), NULL if it is not a
     * JSON object. */
    const char *roles_text;
    const char *permissions_text;
    const char *entitlements_text;
    const char *feature_flags_text;
    json_t *(*claims_root)(void *owner);
    /* and what a claim name was found to be in that parse (rc a
     * claims_rc, v borrowed from it), remembered by name: a workos-claim
     * rule costs a string compare after its first request */
    int (*claims_memo_get)(void *owner, const char *name, int *rc,
                           const json_t **v);
    void (*claims_memo_put)(void *owner, const char *name, int rc,
                            const json_t *v);
    void *claims_owner;
    int published_clean;  /* 1: the cache found no control character in
                           * any of the WORKOS_* values (fields and the
                           * four texts): no need to look again */
} wos_identity_t;

/* Bound on the claims text kept with an identity. */
#define IDENTITY_MAX_CLAIMS_JSON 16384

/* Copies what it needs out of verified access-token claims into p;
 * non-string list members are skipped. NULL if sub is missing. text, if
 * not NULL, is the JSON text (len bytes) claims was parsed from, kept as
 * claims_json; else claims_json is written from claims. */
wos_identity_t *identity_from_claims(apr_pool_t *p, json_t *claims,
                                     const char *text, size_t len);

/* Fills email and impersonator_email from a session's sealed JSON
 * ({"user": {"email"}, "impersonator": {"email"}}) when present. */
void identity_add_session(apr_pool_t *p, wos_identity_t *id,
                          json_t *session);

/* "a,b,c" for an array (empty string for none). */
const char *identity_join(apr_pool_t *p, const apr_array_header_t *list);

#endif
