/* SPDX-License-Identifier: Apache-2.0 */
/* A credential several processes of this host meet at the same moment is
 * verified by one of them: the first claims it (inflight.h, a table in
 * shared memory) and verifies; the others wait for its result in the
 * shared tier (credshare.h) instead of each paying an RSA check. Best
 * effort: a claim lapses once its check must be over (credwait_hold_ms),
 * a slot taken by another credential means no waiting, and a waiter that
 * sees no result when the claim ends verifies alone. */
#ifndef WOS_CREDWAIT_H
#define WOS_CREDWAIT_H

#include "httpd.h"
#include "base/config.h"
#include "store/credcache.h"
#include "model/identity.h"

/* How long a claim holds the others off, past the longest a check can
 * take: its key fetch is bounded by WorkOSHTTPTimeout; an RSA check and
 * the store take well under a millisecond, this much slack covers a busy
 * machine. */
#define CREDWAIT_SLACK_MS 1000
/* How often a waiting request looks at the claim (one atomic read): every
 * CREDWAIT_POLL_USEC for the first CREDWAIT_FAST_POLLS looks, then every
 * CREDWAIT_SLOW_POLL_USEC while a key fetch goes on. */
#define CREDWAIT_POLL_USEC 500
#define CREDWAIT_FAST_POLLS 100
#define CREDWAIT_SLOW_POLL_USEC 5000

/* A claim this request holds on a credential it is verifying. */
typedef struct {
    unsigned char key[CREDCACHE_KEY];
    apr_uint64_t at_ms;
    apr_uint32_t hold_ms;
    int held;
} credwait_claim_t;

/* The table, made once per parent and kept across graceful restarts
 * (post_config); children inherit it. */
int credwait_init(server_rec *s);

/* The shared tier's identity for a credential this process has not
 * seen (credshare_get), with *until; NULL if there is none. Before it
 * looks it claims the credential, so of the processes that miss at the
 * same moment one verifies (claim->held: verify, store, then
 * credwait_done) and the others wait for its result (counted as a
 * verification_wait). One cache read, as without the claim. */
wos_identity_t *credwait_shared(request_rec *r, const wos_srv_cfg *sc,
                                cred_kind_t kind,
                                const unsigned char key[CREDCACHE_KEY],
                                long long now, credwait_claim_t *claim,
                                long long *until);

/* The check of a claimed credential is over (stored or refused): those
 * waiting look in the shared tier once more, or verify. No-op without a
 * claim; the request pool's cleanup lets go of one left held. */
void credwait_done(request_rec *r, credwait_claim_t *claim);

#endif
