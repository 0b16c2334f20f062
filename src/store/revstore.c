/* SPDX-License-Identifier: Apache-2.0 */
/* Shared revocation table; see revstore.h. */
#include <string.h>
#include <apr_shm.h>
#include <openssl/evp.h>
#include "store/revstore.h"

/* A writer makes seq odd while it changes the slot; a reader that sees
 * an odd seq, or a different seq after reading, reads again. */
typedef struct {
    apr_uint32_t seq;
    apr_uint32_t pad;
    apr_uint64_t h[2];
    long long until;
    long long value;
} revstore_slot_t;

typedef struct {
    apr_uint32_t gen;
    apr_uint32_t nslots;
    apr_uint32_t unshared;
    apr_uint32_t pad;
} revstore_head_t;

struct revstore {
    revstore_head_t *head;
    revstore_slot_t *slots;
    unsigned int mask;
};

/* Readers retry a slot being written this many times, then skip it: a
 * writer that died mid-write leaves its slot odd for good. */
#define REVSTORE_READ_TRIES 1000
#define REVSTORE_PUT_TRIES 8

revstore_t *revstore_create(apr_pool_t *p, unsigned int nslots)
{
    revstore_t *s;
    apr_shm_t *shm;
    char *base;

    if (nslots < REVSTORE_PROBE || (nslots & (nslots - 1)) != 0
        || apr_shm_create(&shm, sizeof(revstore_head_t)
                                + (apr_size_t)nslots
                                  * sizeof(revstore_slot_t),
                          NULL, p) != APR_SUCCESS) {
        return NULL;
    }
    /* anonymous shared memory comes zeroed (all slots empty); not
     * touching it here keeps the pages unused until entries land there */
    base = apr_shm_baseaddr_get(shm);
    s = apr_pcalloc(p, sizeof(*s));
    s->head = (revstore_head_t *)base;
    s->head->nslots = nslots;
    s->slots = (revstore_slot_t *)(base + sizeof(revstore_head_t));
    s->mask = nslots - 1;
    return s;
}

static int revstore_hash(const char *name, apr_uint64_t h[2])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (EVP_Digest(name, strlen(name), md, &n, EVP_sha256(), NULL) != 1
        || n < 16) {
        return -1;
    }
    memcpy(h, md, 16);
    /* all zero is an empty slot */
    return (h[0] | h[1]) ? 0 : -1;
}

typedef struct {
    apr_uint32_t seq;
    apr_uint64_t h[2];
    long long until;
    long long value;
} revstore_view_t;

/* A consistent copy of the slot; 0 if it stayed busy. */
static int revstore_read(revstore_slot_t *sl, revstore_view_t *v)
{
    int i;

    for (i = 0; i < REVSTORE_READ_TRIES; i++) {
        v->seq = __atomic_load_n(&sl->seq, __ATOMIC_ACQUIRE);
        if (v->seq & 1) {
            continue;
        }
        v->h[0] = __atomic_load_n(&sl->h[0], __ATOMIC_RELAXED);
        v->h[1] = __atomic_load_n(&sl->h[1], __ATOMIC_RELAXED);
        v->until = __atomic_load_n(&sl->until, __ATOMIC_RELAXED);
        v->value = __atomic_load_n(&sl->value, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&sl->seq, __ATOMIC_RELAXED) == v->seq) {
            return 1;
        }
    }
    return 0;
}

/* Writes the slot if nobody changed it since v was read. */
static int revstore_write(revstore_slot_t *sl, const revstore_view_t *v,
                          const apr_uint64_t h[2], long long value,
                          long long until)
{
    apr_uint32_t seq = v->seq;

    if (!__atomic_compare_exchange_n(&sl->seq, &seq, v->seq + 1, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
        return 0;
    }
    __atomic_store_n(&sl->h[0], h[0], __ATOMIC_RELAXED);
    __atomic_store_n(&sl->h[1], h[1], __ATOMIC_RELAXED);
    __atomic_store_n(&sl->until, until, __ATOMIC_RELAXED);
    __atomic_store_n(&sl->value, value, __ATOMIC_RELAXED);
    __atomic_store_n(&sl->seq, v->seq + 2, __ATOMIC_RELEASE);
    return 1;
}

static int revstore_same(const revstore_view_t *v, const apr_uint64_t h[2])
{
    return v->h[0] == h[0] && v->h[1] == h[1];
}

/* One pass over the name's slots: 1 done, 0 lost a race (try again),
 * -1 full. */
static int revstore_put1(revstore_t *s, const apr_uint64_t h[2],
                         long long value, long long until, long long now)
{
    unsigned int start = (unsigned int)h[0] & s->mask, i;
    revstore_slot_t *sl, *free_sl = NULL;
    revstore_view_t v, free_v;

    for (i = 0; i < REVSTORE_PROBE; i++) {
        sl = &s->slots[(start + i) & s->mask];
        if (!revstore_read(sl, &v)) {
            continue;
        }
        if (revstore_same(&v, h) && v.until > now) {
            return revstore_write(sl, &v, h,
                                  v.value > value ? v.value : value,
                                  v.until > until ? v.until : until);
        }
        if (!free_sl && v.until <= now) {
            free_sl = sl;
            free_v = v;
        }
    }
    if (!free_sl) {
        return -1;
    }
    return revstore_write(free_sl, &free_v, h, value, until);
}

int revstore_put(revstore_t *s, const char *name, long long value,
                 long long until, long long now)
{
    apr_uint64_t h[2];
    int i, rc = 0;

    if (!s || revstore_hash(name, h) != 0 || until <= now) {
        return -1;
    }
    for (i = 0; i < REVSTORE_PUT_TRIES && rc == 0; i++) {
        rc = revstore_put1(s, h, value, until, now);
    }
    if (rc != 1) {
        return -1;
    }
    __atomic_add_fetch(&s->head->gen, 1, __ATOMIC_SEQ_CST);
    return 0;
}

int revstore_get(revstore_t *s, const char *name, long long now,
                 long long *value)
{
    unsigned int start, i;
    apr_uint64_t h[2];
    revstore_view_t v;
    int found = 0;

    if (!s || revstore_hash(name, h) != 0) {
        return 0;
    }
    start = (unsigned int)h[0] & s->mask;
    /* every slot: a name may sit in two (two writers at once) */
    for (i = 0; i < REVSTORE_PROBE; i++) {
        if (revstore_read(&s->slots[(start + i) & s->mask], &v)
            && revstore_same(&v, h) && v.until > now
            && (!found || v.value > *value)) {
            *value = v.value;
            found = 1;
        }
    }
    return found;
}

unsigned int revstore_generation(revstore_t *s)
{
    return s ? __atomic_load_n(&s->head->gen, __ATOMIC_ACQUIRE) : 0;
}

static void revstore_hex(const apr_uint64_t h[2], char hex[33])
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *b = (const unsigned char *)h;
    int i;

    for (i = 0; i < 16; i++) {
        hex[2 * i] = digits[b[i] >> 4];
        hex[2 * i + 1] = digits[b[i] & 15];
    }
    hex[32] = '\0';
}

int revstore_hash_hex(const char *name, char hex[33])
{
    apr_uint64_t h[2];

    if (revstore_hash(name, h) != 0) {
        return -1;
    }
    revstore_hex(h, hex);
    return 0;
}

int revstore_each(revstore_t *s, long long now, revstore_each_fn fn,
                  void *baton)
{
    revstore_view_t v;
    char hex[33];
    unsigned int i;
    int rc;

    for (i = 0; s && i <= s->mask; i++) {
        if (revstore_read(&s->slots[i], &v) && v.until > now
            && (v.h[0] | v.h[1])) {
            revstore_hex(v.h, hex);
            if ((rc = fn(baton, hex, v.value, v.until)) != 0) {
                return rc;
            }
        }
    }
    return 0;
}

void revstore_mark_unshared(revstore_t *s)
{
    if (s) {
        __atomic_store_n(&s->head->unshared, 1, __ATOMIC_SEQ_CST);
    }
}

int revstore_take_unshared(revstore_t *s)
{
    return s && __atomic_exchange_n(&s->head->unshared, 0,
                                    __ATOMIC_SEQ_CST) != 0;
}
