/* A credential several processes of this host meet at the same moment is
 * verified by one of them: the first claims it (inflight.h, a table in
 * shared memory) and verifies; the others wait for its result in the
 * shared tier (credshare.h) instead of each paying an RSA check. Best
 * effort: a claim lapses after CREDWAIT_HOLD_MS, a slot taken by another
 * credential means no waiting, and a waiter that sees nothing in time
 * verifies alone. */
#ifndef WOS_CREDWAIT_H
#define WOS_CREDWAIT_H

#include "httpd.h"
#include "config.h"
#include "credcache.h"
#include "identity.h"

/* How long a claim holds others off: an RSA check takes well under a
 * millisecond, a key fetch longer (then the others go ahead alone). */
#define CREDWAIT_HOLD_MS 200
/* How often a waiting request looks for the other's result. */
#define CREDWAIT_POLL_USEC 500

/* A claim this request holds on a credential it is verifying. */
typedef struct {
    unsigned char key[CREDCACHE_KEY];
    apr_uint64_t at_ms;
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
                                char kind,
                                const unsigned char key[CREDCACHE_KEY],
                                long long now, credwait_claim_t *claim,
                                long long *until);

/* The check of a claimed credential is over (stored or refused): those
 * waiting look in the shared tier once more, or verify. No-op without a
 * claim; the request pool's cleanup lets go of one left held. */
void credwait_done(request_rec *r, credwait_claim_t *claim);

#endif
