/* SPDX-License-Identifier: Apache-2.0 */
/* Credentials being verified on this host; see inflight.h. */
#include <apr_atomic.h>
#include <apr_shm.h>
#include "store/inflight.h"

struct inflight {
    volatile apr_uint64_t *slots;
    unsigned int mask;
};

inflight_t *inflight_create(apr_pool_t *p, unsigned int nslots)
{
    inflight_t *t;
    apr_shm_t *shm;

    if (nslots == 0 || (nslots & (nslots - 1)) != 0
        || apr_shm_create(&shm, (apr_size_t)nslots * sizeof(apr_uint64_t),
                          NULL, p) != APR_SUCCESS) {
        return NULL;
    }
    /* anonymous shared memory comes zeroed: every slot free */
    t = apr_pcalloc(p, sizeof(*t));
    t->slots = apr_shm_baseaddr_get(shm);
    t->mask = nslots - 1;
    return t;
}

static apr_uint32_t inflight_be32(const unsigned char *b)
{
    return (apr_uint32_t)b[0] << 24 | (apr_uint32_t)b[1] << 16
           | (apr_uint32_t)b[2] << 8 | b[3];
}

static volatile apr_uint64_t *inflight_slot(inflight_t *t,
                                            const unsigned char key[16])
{
    /* bytes 8..11 pick the slot, 12..15 tell credentials in it apart;
     * the private cache picks its sets with bytes 0..3 */
    return &t->slots[inflight_be32(key + 8) & t->mask];
}

/* Never 0, which marks a free slot. */
static apr_uint32_t inflight_tag(const unsigned char key[16])
{
    return inflight_be32(key + 12) | 1;
}

static apr_uint32_t inflight_hold(apr_uint32_t hold_ms)
{
    return hold_ms < INFLIGHT_HOLD_MAX_MS ? hold_ms : INFLIGHT_HOLD_MAX_MS;
}

static apr_uint64_t inflight_word(apr_uint32_t tag, apr_uint64_t claimed_ms,
                                  apr_uint32_t hold_ms)
{
    return (apr_uint64_t)tag << 32
           | (apr_uint32_t)(claimed_ms + inflight_hold(hold_ms));
}

/* A claim lives while its deadline is ahead of now by at most the longest
 * hold (the deadline wraps every 49 days; a lapsed one looks alive again
 * only for that long each time round, and then costs a wait, no more). */
static int inflight_live(apr_uint64_t w, apr_uint64_t now_ms)
{
    apr_uint32_t left = (apr_uint32_t)w - (apr_uint32_t)now_ms;

    return w != 0 && left != 0 && left <= INFLIGHT_HOLD_MAX_MS;
}

inflight_rc inflight_claim(inflight_t *t, const unsigned char key[16],
                           apr_uint64_t now_ms, apr_uint32_t hold_ms)
{
    volatile apr_uint64_t *slot;
    apr_uint64_t cur, mine;
    apr_uint32_t tag;

    if (!t) {
        return INFLIGHT_NONE;
    }
    slot = inflight_slot(t, key);
    tag = inflight_tag(key);
    mine = inflight_word(tag, now_ms, hold_ms);
    cur = apr_atomic_read64(slot);
    if (inflight_live(cur, now_ms)) {
        return (apr_uint32_t)(cur >> 32) == tag ? INFLIGHT_BUSY
                                                : INFLIGHT_NONE;
    }
    if (apr_atomic_cas64(slot, mine, cur) == cur) {
        return INFLIGHT_MINE;
    }
    /* someone else changed it first: theirs now, whoever they are */
    cur = apr_atomic_read64(slot);
    return inflight_live(cur, now_ms)
           && (apr_uint32_t)(cur >> 32) == tag ? INFLIGHT_BUSY
                                                : INFLIGHT_NONE;
}

int inflight_held(inflight_t *t, const unsigned char key[16],
                  apr_uint64_t now_ms)
{
    apr_uint64_t cur;

    if (!t) {
        return 0;
    }
    cur = apr_atomic_read64(inflight_slot(t, key));
    return inflight_live(cur, now_ms)
           && (apr_uint32_t)(cur >> 32) == inflight_tag(key);
}

void inflight_release(inflight_t *t, const unsigned char key[16],
                      apr_uint64_t claimed_ms, apr_uint32_t hold_ms)
{
    apr_uint64_t mine;

    if (!t) {
        return;
    }
    mine = inflight_word(inflight_tag(key), claimed_ms, hold_ms);
    apr_atomic_cas64(inflight_slot(t, key), 0, mine);
}
