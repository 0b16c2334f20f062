/* SPDX-License-Identifier: Apache-2.0 */
/* Sign-in flows as @workos/authkit-session 0.5+ keeps them: one verifier
 * cookie per flow, named after an FNV-1a hash of the flow's state, and
 * the AuthKit hints a sign-in may carry. Pure: APR only. */
#ifndef WOS_FLOW_H
#define WOS_FLOW_H

#include <apr_pools.h>
#include <apr_tables.h>

#define FLOW_COOKIE_PREFIX "wos-auth-verifier"
/* Pending flows a browser may hold; starting one more clears the oldest. */
#define FLOW_MAX_PENDING 5
/* Longest state (sealed verifier) accepted back from a callback. */
#define FLOW_MAX_STATE 4096

/* FNV-1a 32-bit of s, as 8 lowercase hex digits (into out[9]). */
void flow_fnv1a32_hex(const char *s, char out[9]);

/* "wos-auth-verifier-<fnv1a32 hex of state>". */
const char *flow_cookie_name(apr_pool_t *p, const char *state);

/* One verifier cookie found in a Cookie header. */
typedef struct {
    const char *name;
    const char *value;
} flow_cookie_t;

/* The verifier cookies (the per-flow names and the legacy unsuffixed
 * one) in a Cookie header, at most max of them, in header order; a
 * look-alike such as "wos-auth-verifierX" is not one. NULL header: none. */
apr_array_header_t *flow_cookies(apr_pool_t *p, const char *header, int max);

/* The hints workos-login passes to AuthKit. */
typedef enum {
    FLOW_HINT_SCREEN = 0,   /* screen_hint: sign-in | sign-up */
    FLOW_HINT_LOGIN,        /* login_hint: an e-mail address */
    FLOW_HINT_DOMAIN,       /* domain_hint: a DNS name */
    FLOW_HINT_ORG,          /* organization_id: org_... */
    FLOW_HINT_CONNECTION,   /* connection_id: conn_... */
    FLOW_HINT_INVITATION,   /* invitation_token */
    FLOW_HINT_COUNT
} flow_hint_t;

/* The query parameter name of a hint. */
const char *flow_hint_name(flow_hint_t h);

/* NULL when value is acceptable for hint h, else a static message saying
 * what is wrong (never quoting the value). Bounded, printable ASCII only:
 * control characters (CR, LF), spaces where none belong, non-ASCII bytes
 * and over-long values are refused. */
const char *flow_hint_check(flow_hint_t h, const char *value);

#endif
