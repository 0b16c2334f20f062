/* SPDX-License-Identifier: Apache-2.0 */
/* Any access-token claim: finding it by name or dotted path, matching it
 * against Require values, and turning it into text for the environment.
 * Pure: APR and jansson. */
#ifndef WOS_CLAIMS_H
#define WOS_CLAIMS_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>
#include "model/identity.h"

/* Most segments in a dotted claim path ("a.b.c" is 3). */
#define CLAIMS_MAX_DEPTH 8

typedef enum {
    CLAIMS_FOUND = 0,
    CLAIMS_ABSENT,     /* no such claim (or a path through a non-object) */
    CLAIMS_TOO_DEEP,   /* a path of more than CLAIMS_MAX_DEPTH segments */
    CLAIMS_BAD_PATH    /* an empty name or an empty path segment */
} claims_rc;

/* The claims object of an identity's claims_json, parsed once per pool
 * (kept as pool userdata and released with the pool). NULL when text is
 * NULL (an API key) or not a JSON object. */
json_t *claims_load(apr_pool_t *p, const char *text);

/* The claim called name: the top-level member of that exact name, or,
 * when there is none and name has dots, the path into nested objects. On
 * CLAIMS_FOUND *out is borrowed from claims. */
claims_rc claims_find(const json_t *claims, const char *name,
                      const json_t **out);

/* claims_find over an identity's claims_json text, parsing only the
 * value found (owned by p). What the request path uses: it costs a scan
 * of the text instead of a parse of all of it. */
claims_rc claims_lookup(apr_pool_t *p, const char *text, const char *name,
                        const json_t **out);

/* claims_match over claims_json text, through claims_lookup. */
int claims_match_text(apr_pool_t *p, const char *text, const char *name,
                      const apr_array_header_t *values, const char **why);

/* claims_lookup and claims_match_text for an identity: over its claims
 * parsed once by the cache that keeps it (identity.h claims_root; a
 * lookup is then a hash probe per path segment), else over the text. */
claims_rc claims_lookup_identity(apr_pool_t *p, const wos_identity_t *id,
                                 const char *name, const json_t **out);
int claims_match_identity(apr_pool_t *p, const wos_identity_t *id,
                          const char *name, const apr_array_header_t *values,
                          const char **why);

/* Whether a claim value equals want: a string exactly (bytes), an
 * integer by its decimal text, a real by numeric value, true/false by
 * their JSON text; an array when any element does (nested no deeper than
 * CLAIMS_MAX_DEPTH); null and objects never. *why (may be NULL) is set to
 * a static reason when the value could never match a string. */
int claims_value_matches(const json_t *v, const char *want,
                         const char **why);

/* 1 if claim name exists and matches any of values (const char *), else
 * 0 with *why a static reason when there is one worth logging. */
int claims_match(const json_t *claims, const char *name,
                 const apr_array_header_t *values, const char **why);

/* The value as text for an environment variable or header: strings as
 * they are, numbers and booleans as JSON text, arrays comma-joined
 * (members that are objects or arrays as compact JSON), objects as
 * compact JSON. NULL for null; NULL with *why set when the text would be
 * unsafe: a control character (CR, LF, NUL, ...), invalid UTF-8, or
 * longer than CLAIMS_MAX_TEXT. */
#define CLAIMS_MAX_TEXT 8192
const char *claims_text(apr_pool_t *p, const json_t *v, const char **why);

/* Like claims_text, for a single value only (a string or a number):
 * what REMOTE_USER may be. NULL for anything else. */
const char *claims_scalar_text(apr_pool_t *p, const json_t *v,
                               const char **why);

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
int claims_utf8_ok(const char *s, size_t len);

/* "WORKOS_CLAIM_" + name upper-cased, other characters '_'. */
const char *claims_var_name(apr_pool_t *p, const char *name);

/* "X-WorkOS-Claim-" + name with characters other than letters and digits
 * as '-' (names with '_' are dropped by CGI, so '_' becomes '-' too). */
const char *claims_header_name(apr_pool_t *p, const char *name);

#endif
