/* SPDX-License-Identifier: Apache-2.0 */
/* The registry of shared-cache entries; see cachens.h. */
#include <stdarg.h>
#include <string.h>
#include "store/cachens.h"

#define FLEET CACHENS_FLEET
#define HOST CACHENS_HOST
#define MODULE CACHENS_BY_MODULE
#define CALLERS CACHENS_BY_CALLERS
#define CALLER CACHENS_TTL_CALLER
#define SUB_M CACHENS_SUB_MODULE
#define SUB_C CACHENS_SUB_CALLERS
#define MAC CACHENS_MAC
/* a session, under the refresh token its waiters hold */
#define SECRET (CACHENS_MAC | CACHENS_ENCRYPTED | CACHENS_HOLDER_KEY)

/* Callers can create: API-key answers, locks and failure counters (any
 * string is a key to check, any address can fail), used sign-in flows
 * (anyone can start one), remembered organisation switches (one per
 * organisation a user is listed in). Everything else needs the module's
 * own work or a credential it verified. */
static const cachens_t cachens_rows[CACHENS_COUNT] = {
    /* parts: the JWKS URL. A copy also goes to this host's own tier,
     * for when the network cache is away. */
    [CACHENS_JWKS] = { "wos:jwks", 1, CALLER,
        "24 h from the fetch (KEYS_STALE_KEEP)",
        FLEET, MODULE, MAC, SUB_M },
    /* parts: the JWKS URL. Seconds between refetches caused by unknown
     * kids. */
    [CACHENS_JWKS_MISS] = { "wos:jwks-miss", 1, 30, "30 s",
        FLEET, MODULE, MAC, SUB_M },
    /* ... by unknown kids of trusted tokens (a key rotation). */
    [CACHENS_JWKS_MISS_TRUSTED] = { "wos:jwks-miss-trusted", 1, 5, "5 s",
        FLEET, MODULE, MAC, SUB_M },
    /* parts: the JWKS URL. When this host last refetched the keys
     * because a signature failed under a kid it has (a key replaced under
     * the same kid): once per 30 s, which is all any token can make it
     * spend. This host's only: each host asks for itself. */
    [CACHENS_JWKS_RECHECK] = { "wos:jwks-recheck", 1, 30, "30 s",
        HOST, MODULE, 0, SUB_M },
    /* parts: the JWKS URL. How long the other processes of the host take
     * a failed fetch as theirs: enough for those queued behind it on the
     * fetch lock, short enough that one failure does not keep a process
     * without keys from trying soon. This host's only: another host's
     * failure says nothing about this one's network. */
    [CACHENS_JWKS_FAIL] = { "wos:jwks-fail", 1, 1, "1 s",
        HOST, MODULE, 0, SUB_M },
    /* parts: 'b' (bearer) or 'c' (cookie), the verify or cookie tag, the
     * MAC key's fingerprint, the credential's hash. MAC'd by its own
     * format (credentry.h) on a network cache, which the shared tier
     * counts as shared_credential_rejected. */
    [CACHENS_CRED] = { "wos:cred", 4, CALLER,
        "until the verified credential expires",
        FLEET, MODULE, MAC | CACHENS_OWN_MAC, SUB_M },
    /* parts: the environment tag. */
    [CACHENS_REV_GEN] = { "wos:rev:gen", 1, CALLER,
        "24 h from the last revocation (REVOKE_KEEP_SECONDS)",
        FLEET, MODULE, MAC, SUB_M },
    /* parts: the record's hash (hex: never "gen"). */
    [CACHENS_REV] = { "wos:rev", 1, CALLER,
        "24 h from the revocation (REVOKE_KEEP_SECONDS)",
        FLEET, MODULE, MAC, SUB_M },
    /* parts: the environment tag. */
    [CACHENS_EVENTS_CLAIM] = { "wos:events:claim", 1, CALLER,
        "a lease: 3 polls + WorkOSHTTPTimeout + 5 s",
        FLEET, MODULE, MAC, SUB_M },
    /* Longer than WorkOS keeps events. */
    [CACHENS_EVENTS_CURSOR] = { "wos:events:cursor", 1, 31 * 24 * 3600,
        "31 days", FLEET, MODULE, MAC, SUB_M },
    /* parts: the environment tag, the hash of refresh token and
     * organisation. */
    [CACHENS_RT_LOCK] = { "wos:rt-lock", 2, CALLER,
        "WorkOSHTTPTimeout + 2 s", FLEET, MODULE, MAC, SUB_M },
    /* A new sealed session cookie: encrypted under a key derived from
     * the refresh token, which only its waiters have. */
    [CACHENS_RT_DONE] = { "wos:rt-done", 2, CALLER,
        "30 s (REFRESH_RESULT_KEEP); a failure 2-300 s",
        FLEET, MODULE, SECRET, SUB_M },
    /* parts: the environment tag, the key's hash. */
    [CACHENS_APIKEY] = { "wos:apikey", 2, CALLER,
        "WorkOSAPIKeyCacheTTL; a no 10 s at most",
        FLEET, CALLERS, MAC, SUB_C },
    [CACHENS_APIKEY_LOCK] = { "wos:apikey-lock", 2, CALLER,
        "WorkOSHTTPTimeout + 2 s", FLEET, CALLERS, MAC, SUB_C },
    /* parts: the environment tag, the client address. */
    [CACHENS_APIKEY_FAIL] = { "wos:apikey-fail", 2, CALLER,
        "WorkOSAPIKeyFailureLimit's window, from its start",
        FLEET, CALLERS, MAC, SUB_C },
    /* Held for one read and write; a dead holder's lapses. */
    [CACHENS_APIKEY_FAIL_LOCK] = { "wos:apikey-fail-lock", 2, 1, "1 s",
        FLEET, CALLERS, MAC, SUB_C },
    /* parts: the environment tag, the state's hash. */
    [CACHENS_FLOW] = { "wos:flow", 2, CALLER,
        "the flow's lifetime (LOGIN_FLOW_TTL) + 120 s",
        FLEET, CALLERS, MAC, SUB_C },
    /* parts: the environment tag, the hash of user and organisation. */
    [CACHENS_ASW] = { "wos:asw", 2, 30, "30 s",
        FLEET, CALLERS, MAC, SUB_C },
    /* parts: the environment tag, the user id's hash. One per signed-in
     * user who fails a workos-org line. */
    [CACHENS_ASW_MEMBERS] = { "wos:asw-members", 2, 30, "30 s",
        FLEET, MODULE, MAC, SUB_M },
    [CACHENS_ASW_MEMBERS_LOCK] = { "wos:asw-members-lock", 2, CALLER,
        "WorkOSHTTPTimeout + 2 s", FLEET, MODULE, MAC, SUB_M },
    /* parts: the environment tag, the hash of user id and minute. */
    [CACHENS_ASW_RATE] = { "wos:asw-rate", 2, 60, "60 s",
        FLEET, MODULE, MAC, SUB_M },
    /* parts: the environment tag, the keyed hash (under the fleet key)
     * of the access generation, user, organisation, permission and
     * resource (state/access_cache.h). The
     * resource comes from the URL: one entry per resource a signed-in
     * member asks for. */
    [CACHENS_ACC] = { "wos:acc", 2, CALLER, "WorkOSAccessCacheTTL",
        FLEET, CALLERS, MAC, SUB_C },
    [CACHENS_ACC_LOCK] = { "wos:acc-lock", 2, CALLER,
        "WorkOSHTTPTimeout + 2 s", FLEET, CALLERS, MAC, SUB_C },
    /* parts: the environment tag, the keyed hash of the access
     * generation, user and organisation. The value, a membership id, is
     * encrypted: a reader of the cache learns no membership. */
    [CACHENS_ACC_OM] = { "wos:acc-om", 2, 600, "600 s; no membership 30 s",
        FLEET, MODULE, MAC | CACHENS_ENCRYPTED, SUB_M },
    [CACHENS_ACC_OM_LOCK] = { "wos:acc-om-lock", 2, CALLER,
        "WorkOSHTTPTimeout + 2 s", FLEET, MODULE, MAC, SUB_M },
    /* parts: as CACHENS_ACC's. WorkOS did not answer that check: the
     * requests queued behind it, on any process of this host, take the
     * 503 at once. This host's only: another host's outage (its network,
     * its share of a rate limit) says nothing about this one's. */
    [CACHENS_ACC_FAIL] = { "wos:acc-fail", 2, 1, "1 s",
        HOST, CALLERS, 0, SUB_C },
};

const cachens_t *cachens_row(cachens_type type)
{
    return (unsigned)type < CACHENS_COUNT ? &cachens_rows[type] : NULL;
}

int cachens_ttl(cachens_type type)
{
    const cachens_t *row = cachens_row(type);

    return row ? row->ttl : CACHENS_TTL_CALLER;
}

const cachens_key_t *cachens_key(apr_pool_t *p, cachens_type type, ...)
{
    const cachens_t *row = cachens_row(type);
    cachens_key_t *k;
    const char *part;
    apr_size_t len, n;
    char *name, *at;
    va_list ap;
    int count = 0;

    if (!row) {
        return NULL;
    }
    len = strlen(row->name);
    va_start(ap, type);
    while ((part = va_arg(ap, const char *)) != NULL) {
        len += 1 + strlen(part);
        count++;
    }
    va_end(ap);
    if (count != row->parts) {
        return NULL;
    }
    at = name = apr_palloc(p, len + 1);
    n = strlen(row->name);
    memcpy(at, row->name, n);
    at += n;
    va_start(ap, type);
    while ((part = va_arg(ap, const char *)) != NULL) {
        n = strlen(part);
        *at++ = ':';
        memcpy(at, part, n);
        at += n;
    }
    va_end(ap);
    *at = '\0';
    k = apr_palloc(p, sizeof(*k));
    k->type = type;
    k->name = name;
    k->holder_key = NULL;
    return k;
}

const cachens_key_t *cachens_key_held(apr_pool_t *p, const cachens_key_t *key,
                                      const unsigned char *holder_key)
{
    cachens_key_t *k;
    unsigned char *hk;

    if (!key || !holder_key) {
        return NULL;
    }
    k = apr_palloc(p, sizeof(*k));
    hk = apr_palloc(p, CACHENS_HOLDER_KEY_LEN);
    memcpy(hk, holder_key, CACHENS_HOLDER_KEY_LEN);
    *k = *key;
    k->holder_key = hk;
    return k;
}
