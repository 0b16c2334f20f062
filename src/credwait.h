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

/* For a credential in neither tier: if another process is verifying it,
 * its identity once that one has stored it (counted as a
 * verification_wait), with *until; else NULL, and claim->held says
 * whether this request now holds the claim (the caller verifies, stores,
 * then calls credwait_done). */
wos_identity_t *credwait_from_peer(request_rec *r, const wos_srv_cfg *sc,
                                   char kind,
                                   const unsigned char key[CREDCACHE_KEY],
                                   credwait_claim_t *claim,
                                   long long *until);

/* The check of a claimed credential is over (stored or refused): those
 * waiting look in the shared tier once more, or verify. No-op without a
 * claim; the request pool's cleanup lets go of one left held. */
void credwait_done(request_rec *r, credwait_claim_t *claim);

#endif
