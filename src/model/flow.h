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

/* A flow's age. The state this module and @workos/authkit-session 0.5+
 * seal carries issuedAt (ms since the epoch); the one
 * @workos-inc/authkit-nextjs 4 seals, {nonce, codeVerifier,
 * returnPathname}, has none and relies on iron's own expiry (a 600 s ttl
 * in the seal's expiration field, which the seal's MAC covers).
 * has_issued_at: whether the state carries issuedAt; issued_at: its value.
 * seal_exp: the expiration of the seal it came in (flow_seal_expiry), 0
 * for none. ttl_ms: how long a flow lives; skew_ms: how far ahead a
 * clock that issued it may run.
 * Returns when the flow began (ms since the epoch), or -1 when it is
 * older than ttl_ms, from further than skew_ms ahead, or cannot be aged
 * (no issuedAt and no expiration). Without issuedAt the flow began
 * ttl_ms before the seal expires: a seal that would outlive ttl_ms from
 * now (a longer iron ttl) is refused, so no flow lives longer. */
long long flow_issued(int has_issued_at, long long issued_at,
                      long long seal_exp, long long now_ms, long long ttl_ms,
                      long long skew_ms);

/* issuedAt as JSON gave it (a double) in ms: 1 and *ms when it is finite
 * and within +-FLOW_MAX_MS (about 31,700 years either side of the
 * epoch), else 0: converting anything larger to an integer is undefined
 * behaviour. */
#define FLOW_MAX_MS 1e15
int flow_issued_ms(double v, long long *ms);

/* The expiration field (ms since the epoch) of an iron seal
 * "Fe26.2*id*salt*iv*ct*EXPIRATION*salt*mac[~N]": 0 when it is empty,
 * not 1-15 digits, or the text is no seal. Trust it only for a seal
 * seal_unseal has opened: the MAC covers the field. */
long long flow_seal_expiry(const char *sealed);

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
