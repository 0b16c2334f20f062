/* SPDX-License-Identifier: Apache-2.0 */
/* Verified-credential cache; see credcache.h. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include "store/credcache.h"
#include "model/credentry.h"

#define CREDCACHE_STRIPES 64
#define CREDCACHE_STRIPE_BYTES (CREDCACHE_MAX_BYTES / CREDCACHE_STRIPES)
/* blob: key, exp, iat, then the identity's fields */
#define CREDCACHE_BLOB_HEAD (CREDCACHE_KEY + 2 * sizeof(long long))

typedef struct {
    char *blob;          /* malloc'd; NULL for a free slot */
    long long until;
    apr_uint32_t used;   /* the stripe's clock at the last put or hit */
    apr_uint32_t len;    /* bytes of blob */
    apr_uint32_t tag;    /* bytes 4..7 of the key: a lookup reads the
                          * blob (elsewhere in memory) only of the way
                          * whose tag matches, not of all sixteen */
    apr_uint32_t pad;
} credcache_slot_t;

/* The sets s, s + CREDCACHE_STRIPES, ... share one lock and one budget. */
typedef struct {
    apr_thread_mutex_t *lock;
    apr_uint32_t clock;
    size_t bytes;
} credcache_stripe_t;

struct credcache {
    EVP_MAC *siphash;  /* fetched once: an implicit fetch per call costs */
    credcache_stripe_t stripes[CREDCACHE_STRIPES];
    credcache_slot_t *slots;   /* CREDCACHE_SLOTS, set by set */
};

static apr_status_t credcache_free(void *data)
{
    credcache_t *c = data;
    size_t i;

    EVP_MAC_free(c->siphash);
    c->siphash = NULL;
    for (i = 0; c->slots && i < CREDCACHE_SLOTS; i++) {
        free(c->slots[i].blob);
    }
    free(c->slots);
    c->slots = NULL;
    return APR_SUCCESS;
}

credcache_t *credcache_create(apr_pool_t *p)
{
    credcache_t *c = apr_pcalloc(p, sizeof(*c));
    int i;

    /* calloc: the kernel's zero pages, so a process pays in memory only
     * for the part of the table its credentials touch */
    if (!(c->slots = calloc(CREDCACHE_SLOTS, sizeof(*c->slots)))) {
        return NULL;
    }
    apr_pool_cleanup_register(p, c, credcache_free, apr_pool_cleanup_null);
    for (i = 0; i < CREDCACHE_STRIPES; i++) {
        if (apr_thread_mutex_create(&c->stripes[i].lock,
                                    APR_THREAD_MUTEX_DEFAULT, p)
            != APR_SUCCESS) {
            return NULL;
        }
    }
    if (!(c->siphash = EVP_MAC_fetch(NULL, "SIPHASH", NULL))) {
        return NULL;
    }
    return c;
}

void credcache_key(credcache_t *c, cred_kind_t kind, const char *tag,
                   const unsigned char hash_key[CREDCACHE_HASH_KEY],
                   const char *credential, size_t len,
                   unsigned char key[CREDCACHE_KEY])
{
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(c->siphash);
    size_t size = CREDCACHE_KEY, n = 0;
    unsigned char k = (unsigned char)kind;  /* one byte, 'c' or 'b' */
    OSSL_PARAM params[2];

    params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size);
    params[1] = OSSL_PARAM_construct_end();
    /* the tag with its NUL: no tag is a prefix of tag + credential */
    if (!ctx || EVP_MAC_init(ctx, hash_key, CREDCACHE_HASH_KEY, params) != 1
        || EVP_MAC_update(ctx, &k, 1) != 1
        || EVP_MAC_update(ctx, (const unsigned char *)tag,
                          strlen(tag) + 1) != 1
        || EVP_MAC_update(ctx, (const unsigned char *)credential, len) != 1
        || EVP_MAC_final(ctx, key, &n, CREDCACHE_KEY) != 1
        || n != CREDCACHE_KEY) {
        /* an all-zero key matches no entry that was stored */
        memset(key, 0, CREDCACHE_KEY);
    }
    EVP_MAC_CTX_free(ctx);
}

/* The key is a keyed hash: any four bytes of it are uniform. */
static size_t credcache_set(const unsigned char key[CREDCACHE_KEY])
{
    return ((size_t)key[0] << 24 | (size_t)key[1] << 16
            | (size_t)key[2] << 8 | key[3]) & (CREDCACHE_SETS - 1);
}

static credcache_stripe_t *credcache_stripe(credcache_t *c, size_t set)
{
    return &c->stripes[set % CREDCACHE_STRIPES];
}

static apr_uint32_t credcache_tag(const unsigned char key[CREDCACHE_KEY])
{
    return (apr_uint32_t)key[4] << 24 | (apr_uint32_t)key[5] << 16
           | (apr_uint32_t)key[6] << 8 | key[7];
}

static int credcache_is(const credcache_slot_t *s,
                        const unsigned char key[CREDCACHE_KEY])
{
    return s->blob && s->tag == credcache_tag(key)
           && CRYPTO_memcmp(s->blob, key, CREDCACHE_KEY) == 0;
}

/* Under the stripe's lock. */
static void credcache_drop(credcache_stripe_t *st, credcache_slot_t *s,
                           char **garbage, size_t *ngarbage)
{
    if (s->blob) {
        st->bytes -= s->len;
        garbage[(*ngarbage)++] = s->blob;
    }
    s->blob = NULL;
}

/* The slot of a set to write: key's own, a free one, an expired one, or
 * the least recently used. Under the stripe's lock. */
static credcache_slot_t *credcache_victim(credcache_t *c, size_t set,
        const unsigned char key[CREDCACHE_KEY], long long now)
{
    credcache_slot_t *ways = &c->slots[set * CREDCACHE_WAYS], *best = NULL;
    apr_uint32_t clock = credcache_stripe(c, set)->clock, age = 0;
    size_t i;

    for (i = 0; i < CREDCACHE_WAYS; i++) {
        if (credcache_is(&ways[i], key)) {
            return &ways[i];
        }
    }
    for (i = 0; i < CREDCACHE_WAYS; i++) {
        if (!ways[i].blob || ways[i].until <= now) {
            return &ways[i];
        }
        if (!best || clock - ways[i].used > age) {
            best = &ways[i];
            age = clock - ways[i].used;
        }
    }
    return best;
}

/* Over the stripe's budget: its least recently used entries go (expired
 * ones first), never keep. Rare: only when identities fill the budget.
 * Under the stripe's lock; what is dropped is freed by the caller. */
static void credcache_shrink(credcache_t *c, size_t stripe,
                             const credcache_slot_t *keep, long long now,
                             char **garbage, size_t *ngarbage,
                             size_t cap)
{
    credcache_stripe_t *st = &c->stripes[stripe];
    size_t set, i;

    while (st->bytes > CREDCACHE_STRIPE_BYTES) {
        credcache_slot_t *best = NULL, *s;
        apr_uint32_t age = 0;

        for (set = stripe; set < CREDCACHE_SETS; set += CREDCACHE_STRIPES) {
            for (i = 0; i < CREDCACHE_WAYS; i++) {
                s = &c->slots[set * CREDCACHE_WAYS + i];
                if (!s->blob || s == keep) {
                    continue;
                }
                if (s->until <= now) {
                    best = s;
                    break;
                }
                if (!best || st->clock - s->used > age) {
                    best = s;
                    age = st->clock - s->used;
                }
            }
            if (best && best->until <= now) {
                break;
            }
        }
        if (!best || *ngarbage >= cap) {
            return;
        }
        credcache_drop(st, best, garbage, ngarbage);
    }
}

wos_identity_t *credcache_get(credcache_t *c,
                              const unsigned char key[CREDCACHE_KEY],
                              long long now, apr_pool_t *p)
{
    size_t set = credcache_set(key), i;
    credcache_stripe_t *st = credcache_stripe(c, set);
    credcache_slot_t *ways = &c->slots[set * CREDCACHE_WAYS];
    char *copy = NULL;
    apr_uint32_t len = 0;
    long long exp, iat;

    apr_thread_mutex_lock(st->lock);
    for (i = 0; i < CREDCACHE_WAYS; i++) {
        if (credcache_is(&ways[i], key)) {
            if (ways[i].until > now) {
                ways[i].used = ++st->clock;
                len = ways[i].len;
                copy = apr_pmemdup(p, ways[i].blob, len);
            }
            break;
        }
    }
    apr_thread_mutex_unlock(st->lock);
    if (!copy) {
        return NULL;
    }
    memcpy(&exp, copy + CREDCACHE_KEY, sizeof(exp));
    memcpy(&iat, copy + CREDCACHE_KEY + sizeof(exp), sizeof(iat));
    return credentry_unpack(p, copy + CREDCACHE_BLOB_HEAD,
                            len - CREDCACHE_BLOB_HEAD, exp, iat);
}

/* key, exp, iat and the fields in one malloc'd block. */
static char *credcache_blob(const unsigned char key[CREDCACHE_KEY],
                            const wos_identity_t *id, apr_uint32_t *len)
{
    apr_pool_t *tmp;
    char *fields, *blob = NULL;
    size_t flen = 0;

    if (apr_pool_create_unmanaged_ex(&tmp, NULL, NULL) != APR_SUCCESS) {
        return NULL;
    }
    fields = credentry_pack(tmp, id, &flen);
    if (fields && flen <= CREDCACHE_MAX_ENTRY
        && (blob = malloc(CREDCACHE_BLOB_HEAD + flen))) {
        memcpy(blob, key, CREDCACHE_KEY);
        memcpy(blob + CREDCACHE_KEY, &id->exp, sizeof(id->exp));
        memcpy(blob + CREDCACHE_KEY + sizeof(id->exp), &id->iat,
               sizeof(id->iat));
        memcpy(blob + CREDCACHE_BLOB_HEAD, fields, flen);
        *len = (apr_uint32_t)(CREDCACHE_BLOB_HEAD + flen);
    }
    apr_pool_destroy(tmp);
    return blob;
}

void credcache_put(credcache_t *c, const unsigned char key[CREDCACHE_KEY],
                   const wos_identity_t *id, long long valid_until,
                   long long now)
{
    size_t set = credcache_set(key), stripe = set % CREDCACHE_STRIPES, i;
    credcache_stripe_t *st = &c->stripes[stripe];
    /* one replaced, the rest to fit the budget: each blob >= the head,
     * so at most one per CREDCACHE_BLOB_HEAD bytes of the entry */
    char *garbage[2 + (CREDCACHE_BLOB_HEAD + CREDCACHE_MAX_ENTRY)
                      / CREDCACHE_BLOB_HEAD];
    size_t ngarbage = 0;
    credcache_slot_t *s;
    apr_uint32_t len = 0;
    char *blob;

    if (!id->user_id || !*id->user_id || valid_until <= now
        || !(blob = credcache_blob(key, id, &len))) {
        return;
    }
    apr_thread_mutex_lock(st->lock);
    s = credcache_victim(c, set, key, now);
    credcache_drop(st, s, garbage, &ngarbage);
    s->blob = blob;
    s->tag = credcache_tag(key);
    s->len = len;
    s->until = valid_until;
    s->used = ++st->clock;
    st->bytes += len;
    credcache_shrink(c, stripe, s, now, garbage, &ngarbage,
                     sizeof(garbage) / sizeof(garbage[0]));
    apr_thread_mutex_unlock(st->lock);
    for (i = 0; i < ngarbage; i++) {
        free(garbage[i]);
    }
}

void credcache_clear(credcache_t *c)
{
    size_t stripe, set, i;
    credcache_stripe_t *st;
    credcache_slot_t *s;

    for (stripe = 0; stripe < CREDCACHE_STRIPES; stripe++) {
        st = &c->stripes[stripe];
        apr_thread_mutex_lock(st->lock);
        for (set = stripe; set < CREDCACHE_SETS; set += CREDCACHE_STRIPES) {
            for (i = 0; i < CREDCACHE_WAYS; i++) {
                s = &c->slots[set * CREDCACHE_WAYS + i];
                free(s->blob);
                s->blob = NULL;
            }
        }
        st->bytes = 0;
        apr_thread_mutex_unlock(st->lock);
    }
}

size_t credcache_bytes(credcache_t *c)
{
    size_t stripe, n = 0;

    for (stripe = 0; stripe < CREDCACHE_STRIPES; stripe++) {
        apr_thread_mutex_lock(c->stripes[stripe].lock);
        n += c->stripes[stripe].bytes;
        apr_thread_mutex_unlock(c->stripes[stripe].lock);
    }
    return n;
}
