/* SPDX-License-Identifier: Apache-2.0 */
/* Credentials being verified right now on this host, so that processes
 * meeting the same new credential at the same moment verify it once: the
 * first claims it and verifies; the others wait a moment for its result
 * in the shared tier (credshare.h) instead of each paying an RSA check.
 *
 * A table in anonymous shared memory made by the parent (every child
 * inherits it), one 64-bit word per slot: 32 bits of the credential's
 * cache key and 32 bits of a deadline in milliseconds, changed only by
 * compare-and-swap. A slot is direct-mapped; when two credentials being
 * verified at once share one, the second simply goes without (it
 * verifies, as it would without this table). A claim lapses at its
 * deadline, so a process that dies mid-check holds no one up for long.
 * Best effort by design: it saves work and never decides anything.
 * Pure: APR only. */
#ifndef WOS_INFLIGHT_H
#define WOS_INFLIGHT_H

#include <apr_pools.h>

#define INFLIGHT_SLOTS 4096   /* a power of two; 32 KiB */
/* The longest a claim can last; longer holds are cut to it. */
#define INFLIGHT_HOLD_MAX_MS 60000

typedef struct inflight inflight_t;

/* NULL if the shared memory cannot be had. */
inflight_t *inflight_create(apr_pool_t *p, unsigned int nslots);

typedef enum {
    INFLIGHT_MINE,   /* claimed: verify, store, then release */
    INFLIGHT_BUSY,   /* another process is verifying this credential */
    INFLIGHT_NONE    /* the slot is another's: verify without a claim */
} inflight_rc;

/* key: 16 bytes of a credential cache key (uniform); now_ms: any
 * millisecond clock all processes share; the claim lasts hold_ms (at most
 * INFLIGHT_HOLD_MAX_MS), so claims of different lengths share a table. */
inflight_rc inflight_claim(inflight_t *t, const unsigned char key[16],
                           apr_uint64_t now_ms, apr_uint32_t hold_ms);

/* 1 while some process holds a live claim on key: one atomic read. */
int inflight_held(inflight_t *t, const unsigned char key[16],
                  apr_uint64_t now_ms);

/* Gives up a claim made by inflight_claim at claimed_ms for hold_ms (no-op
 * if it lapsed and was taken over since). */
void inflight_release(inflight_t *t, const unsigned char key[16],
                      apr_uint64_t claimed_ms, apr_uint32_t hold_ms);

#endif
