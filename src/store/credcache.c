/* SPDX-License-Identifier: Apache-2.0 */
/* Verified-credential cache; see credcache.h. */
#include <stdlib.h>
#include <string.h>
#include <apr_atomic.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_rwlock.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "store/credcache.h"
#include "model/credentry.h"

#define CREDCACHE_STRIPES 64
/* claims that are no JSON object: parsed, and nothing to show for it */
#define CREDCACHE_NO_CLAIMS ((void *)&credcache_no_claims)
static const char credcache_no_claims;

/* A claim looked up in the entry's parsed claims, by name (a copy). */
#define CREDCACHE_MEMO 4
#define CREDCACHE_CLAIMING ((void *)(&credcache_no_claims + 1))
typedef struct {
    volatile void *name;   /* NULL free, CREDCACHE_CLAIMING being written,
                            * else a malloc'd copy: rc and v are set */
    const json_t *v;
    int rc;
} credcache_memo_t;

struct credcache_ent {
    credcache_memo_t memo[CREDCACHE_MEMO];
    volatile apr_uint32_t refs;     /* the slot's, and one per request */
    volatile apr_uint32_t checked;  /* revocation epoch + 1, 0 never */
    volatile void *claims;          /* json_t *, CREDCACHE_NO_CLAIMS, or
                                     * NULL: not parsed yet */
    credcache_ent_t *next;          /* on a list of dropped entries */
    size_t bytes;                   /* all of the block */
    size_t len;
    const char *cred;
    const char *tag;
    cred_kind_t kind;
    wos_identity_t id;              /* its strings and lists in the block */
};

typedef struct {
    credcache_ent_t *ent;    /* NULL for a free slot */
    long long until;
    volatile apr_uint32_t used;  /* the stripe's clock at a put or hit */
    apr_uint32_t tag;        /* the hash's high half: a lookup compares
                              * only the entry whose tag matches */
} credcache_slot_t;

/* The sets s, s + CREDCACHE_STRIPES, ... share one lock and a fair share
 * of the budget (a 64th), which it may exceed while the cache as a whole
 * has room: the keyed hash spreads credentials evenly only on average.
 * 128 bytes apart: a hit writes its stripe's clock (and the lock's word,
 * allocated apart), and threads on other stripes should not share the
 * cache line it is on, whatever the pool's alignment. */
typedef struct {
    apr_thread_rwlock_t *lock;
    volatile apr_uint32_t clock;
    size_t bytes;
    char pad[128 - sizeof(void *) - sizeof(apr_uint32_t) - sizeof(size_t)
             - 4];
} credcache_stripe_t;

struct credcache {
    EVP_MAC *siphash;  /* fetched once: an implicit fetch per call costs */
    apr_uint64_t k0, k1;       /* this process's key of the short hash */
    size_t budget;             /* all entries together */
    size_t share;              /* a stripe's fair part of it */
    credcache_stripe_t stripes[CREDCACHE_STRIPES];
    credcache_slot_t *slots;   /* CREDCACHE_SLOTS, set by set */
    char pad[128];             /* bytes: written by puts only, apart
                                * from what every hit reads */
    size_t bytes;              /* atomic: all entries together, now */
};

static void credcache_unref(credcache_ent_t *e)
{
    void *claims, *name;
    int i;

    if (e && apr_atomic_dec32(&e->refs) == 0) {
        for (i = 0; i < CREDCACHE_MEMO; i++) {
            name = (void *)e->memo[i].name;
            if (name && name != CREDCACHE_CLAIMING) {
                free(name);
            }
        }
        claims = (void *)e->claims;
        if (claims && claims != CREDCACHE_NO_CLAIMS) {
            json_decref(claims);
        }
        free(e);
    }
}

static apr_status_t credcache_release(void *data)
{
    credcache_unref(data);
    return APR_SUCCESS;
}

static apr_status_t credcache_free(void *data)
{
    credcache_t *c = data;
    size_t i;

    EVP_MAC_free(c->siphash);
    c->siphash = NULL;
    for (i = 0; c->slots && i < CREDCACHE_SLOTS; i++) {
        credcache_unref(c->slots[i].ent);
    }
    free(c->slots);
    c->slots = NULL;
    return APR_SUCCESS;
}

credcache_t *credcache_create(apr_pool_t *p, size_t bytes)
{
    credcache_t *c = apr_pcalloc(p, sizeof(*c));
    unsigned char seed[16];
    int i;

    c->budget = bytes;
    c->share = bytes / CREDCACHE_STRIPES;
    if (apr_generate_random_bytes(seed, sizeof(seed)) != APR_SUCCESS) {
        return NULL;
    }
    memcpy(&c->k0, seed, 8);
    memcpy(&c->k1, seed + 8, 8);
    /* calloc: the kernel's zero pages, so a process pays in memory only
     * for the part of the table its credentials touch */
    if (!(c->slots = calloc(CREDCACHE_SLOTS, sizeof(*c->slots)))) {
        return NULL;
    }
    apr_pool_cleanup_register(p, c, credcache_free, apr_pool_cleanup_null);
    for (i = 0; i < CREDCACHE_STRIPES; i++) {
        if (apr_thread_rwlock_create(&c->stripes[i].lock, p)
            != APR_SUCCESS) {
            return NULL;
        }
    }
    if (!(c->siphash = EVP_MAC_fetch(NULL, "SIPHASH", NULL))) {
        return NULL;
    }
    return c;
}

/* ---- the short hash: SipHash-1-3, 64 bits, over a few dozen bytes ---- */

#define CREDCACHE_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define CREDCACHE_SIPROUND(v0, v1, v2, v3) do {                      \
        v0 += v1; v1 = CREDCACHE_ROTL(v1, 13); v1 ^= v0;              \
        v0 = CREDCACHE_ROTL(v0, 32);                                  \
        v2 += v3; v3 = CREDCACHE_ROTL(v3, 16); v3 ^= v2;              \
        v0 += v3; v3 = CREDCACHE_ROTL(v3, 21); v3 ^= v0;              \
        v2 += v1; v1 = CREDCACHE_ROTL(v1, 17); v1 ^= v2;              \
        v2 = CREDCACHE_ROTL(v2, 32);                                  \
    } while (0)

static apr_uint64_t credcache_sip(apr_uint64_t k0, apr_uint64_t k1,
                                  const unsigned char *in, size_t n)
{
    apr_uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
    apr_uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
    apr_uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
    apr_uint64_t v3 = k1 ^ 0x7465646279746573ULL;
    apr_uint64_t m, b = (apr_uint64_t)n << 56;
    size_t i, left = n & 7;

    for (i = 0; i + 8 <= n; i += 8) {
        memcpy(&m, in + i, 8);
        v3 ^= m;
        CREDCACHE_SIPROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    for (m = 0; left; left--) {
        m |= (apr_uint64_t)in[i + left - 1] << (8 * (left - 1));
    }
    b |= m;
    v3 ^= b;
    CREDCACHE_SIPROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    CREDCACHE_SIPROUND(v0, v1, v2, v3);
    CREDCACHE_SIPROUND(v0, v1, v2, v3);
    CREDCACHE_SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

void credcache_cred(credcache_t *c, cred_kind_t kind, const char *tag,
                    const char *cred, size_t len, credcache_cred_t *out)
{
    unsigned char in[1 + 8 + CREDCACHE_TAIL];
    size_t tail = len < CREDCACHE_TAIL ? len : CREDCACHE_TAIL;
    apr_uint64_t n = len;

    /* kind, length and the last bytes: the part of a credential that
     * differs between genuine ones (a signature, a MAC); the rest, and
     * the tag, are compared on a hit */
    in[0] = (unsigned char)kind;
    memcpy(in + 1, &n, 8);
    memcpy(in + 9, cred + len - tail, tail);
    out->kind = kind;
    out->tag = tag;
    out->cred = cred;
    out->len = len;
    out->hash = credcache_sip(c->k0, c->k1, in, 9 + tail);
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

/* ---- slots ---------------------------------------------------------- */

static size_t credcache_set(const credcache_cred_t *cr)
{
    return (size_t)(cr->hash & (CREDCACHE_SETS - 1));
}

static apr_uint32_t credcache_tag(const credcache_cred_t *cr)
{
    return (apr_uint32_t)(cr->hash >> 32);
}

static credcache_stripe_t *credcache_stripe(credcache_t *c, size_t set)
{
    return &c->stripes[set % CREDCACHE_STRIPES];
}

/* Equal bytes, in a time that depends on n only: every byte is read and
 * folded into one difference, no early exit. */
static int credcache_ct_equal(const char *a, const char *b, size_t n)
{
    apr_uint64_t d = 0, x, y;
    size_t i = 0;
#ifdef __SSE2__
    __m128i v0 = _mm_setzero_si128(), v1 = v0, v2 = v0, v3 = v0;

    for (; i + 64 <= n; i += 64) {
        v0 = _mm_or_si128(v0, _mm_xor_si128(
            _mm_loadu_si128((const __m128i *)(a + i)),
            _mm_loadu_si128((const __m128i *)(b + i))));
        v1 = _mm_or_si128(v1, _mm_xor_si128(
            _mm_loadu_si128((const __m128i *)(a + i + 16)),
            _mm_loadu_si128((const __m128i *)(b + i + 16))));
        v2 = _mm_or_si128(v2, _mm_xor_si128(
            _mm_loadu_si128((const __m128i *)(a + i + 32)),
            _mm_loadu_si128((const __m128i *)(b + i + 32))));
        v3 = _mm_or_si128(v3, _mm_xor_si128(
            _mm_loadu_si128((const __m128i *)(a + i + 48)),
            _mm_loadu_si128((const __m128i *)(b + i + 48))));
    }
    v0 = _mm_or_si128(_mm_or_si128(v0, v1), _mm_or_si128(v2, v3));
    d = (apr_uint64_t)_mm_cvtsi128_si64(v0)
        | (apr_uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v0, v0));
#endif
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        d |= x ^ y;
    }
    for (; i < n; i++) {
        d |= (apr_uint64_t)((unsigned char)a[i] ^ (unsigned char)b[i]);
    }
    return d == 0;
}

/* The entry is this very credential: a hash that collides is a miss. */
static int credcache_is(const credcache_slot_t *s, const credcache_cred_t *cr)
{
    const credcache_ent_t *e = s->ent;

    return e && s->tag == credcache_tag(cr) && e->kind == cr->kind
           && e->len == cr->len && strcmp(e->tag, cr->tag) == 0
           && credcache_ct_equal(e->cred, cr->cred, cr->len);
}

/* Whether all entries together take more than the budget. */
static int credcache_over(credcache_t *c)
{
    return __atomic_load_n(&c->bytes, __ATOMIC_RELAXED) > c->budget;
}

/* Under the stripe's write lock; the entry is let go by the caller. */
static void credcache_drop(credcache_t *c, credcache_stripe_t *st,
                           credcache_slot_t *s, credcache_ent_t **garbage)
{
    if (s->ent) {
        st->bytes -= s->ent->bytes;
        __atomic_sub_fetch(&c->bytes, s->ent->bytes, __ATOMIC_RELAXED);
        s->ent->next = *garbage;
        *garbage = s->ent;
    }
    s->ent = NULL;
}

/* The slot of a set to write: the credential's own, a free one, an
 * expired one, or the least recently used. Under the write lock. */
static credcache_slot_t *credcache_victim(credcache_t *c, size_t set,
        const credcache_cred_t *cr, long long now)
{
    credcache_slot_t *ways = &c->slots[set * CREDCACHE_WAYS], *best = NULL;
    apr_uint32_t clock = credcache_stripe(c, set)->clock, age = 0;
    size_t i;

    for (i = 0; i < CREDCACHE_WAYS; i++) {
        if (credcache_is(&ways[i], cr)) {
            return &ways[i];
        }
    }
    for (i = 0; i < CREDCACHE_WAYS; i++) {
        if (!ways[i].ent || ways[i].until <= now) {
            return &ways[i];
        }
        if (!best || clock - ways[i].used > age) {
            best = &ways[i];
            age = clock - ways[i].used;
        }
    }
    return best;
}

/* The cache over its budget: the stripe's least recently used entries go
 * (expired ones first), never keep, until the cache is within its budget
 * or the stripe within floor. Under the stripe's write lock. */
static void credcache_shrink(credcache_t *c, size_t stripe,
                             const credcache_slot_t *keep, size_t floor,
                             long long now, credcache_ent_t **garbage)
{
    credcache_stripe_t *st = &c->stripes[stripe];
    size_t set, i;

    while (credcache_over(c) && st->bytes > floor) {
        credcache_slot_t *best = NULL, *s;
        apr_uint32_t age = 0;

        for (set = stripe; set < CREDCACHE_SETS; set += CREDCACHE_STRIPES) {
            for (i = 0; i < CREDCACHE_WAYS; i++) {
                s = &c->slots[set * CREDCACHE_WAYS + i];
                if (!s->ent || s == keep) {
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
        if (!best) {
            return;
        }
        credcache_drop(c, st, best, garbage);
    }
}

wos_identity_t *credcache_find(credcache_t *c, const credcache_cred_t *cr,
                               long long now, apr_pool_t *p,
                               credcache_ent_t **entp)
{
    size_t set = credcache_set(cr), i;
    credcache_stripe_t *st = credcache_stripe(c, set);
    credcache_slot_t *ways = &c->slots[set * CREDCACHE_WAYS];
    credcache_ent_t *e = NULL;
    wos_identity_t *id;

    if (entp) {
        *entp = NULL;
    }
    if (apr_thread_rwlock_rdlock(st->lock) != APR_SUCCESS) {
        return NULL;
    }
    for (i = 0; i < CREDCACHE_WAYS; i++) {
        if (credcache_is(&ways[i], cr)) {
            if (ways[i].until > now) {
                e = ways[i].ent;
                apr_atomic_inc32(&e->refs);
                apr_atomic_set32(&ways[i].used,
                                 apr_atomic_inc32(&st->clock) + 1);
            }
            break;
        }
    }
    apr_thread_rwlock_unlock(st->lock);
    if (!e) {
        return NULL;
    }
    apr_pool_cleanup_register(p, e, credcache_release,
                              apr_pool_cleanup_null);
    id = apr_pmemdup(p, &e->id, sizeof(e->id));
    if (entp) {
        *entp = e;
    }
    return id;
}

int credcache_checked(const credcache_ent_t *e, apr_uint32_t epoch)
{
    return e && apr_atomic_read32((volatile apr_uint32_t *)&e->checked)
                == epoch + 1;
}

void credcache_set_checked(credcache_ent_t *e, apr_uint32_t epoch)
{
    if (e) {
        apr_atomic_set32(&e->checked, epoch + 1);
    }
}

json_t *credcache_claims(credcache_ent_t *e)
{
    void *got = apr_atomic_casptr(&e->claims, NULL, NULL);
    json_t *root;

    if (!got) {
        /* as claims_load parses them */
        root = e->id.claims_json
               ? json_loads(e->id.claims_json,
                            JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL)
               : NULL;
        if (!json_is_object(root)) {
            json_decref(root);
            root = NULL;
        }
        got = apr_atomic_casptr(&e->claims,
                                root ? (void *)root : CREDCACHE_NO_CLAIMS,
                                NULL);
        if (got) {
            json_decref(root);   /* another thread was first */
        }
        else {
            got = root ? (void *)root : CREDCACHE_NO_CLAIMS;
        }
    }
    return got == CREDCACHE_NO_CLAIMS ? NULL : got;
}

static json_t *credcache_claims_of(void *owner)
{
    return credcache_claims(owner);
}

static int credcache_memo_get(void *owner, const char *name, int *rc,
                              const json_t **v)
{
    credcache_ent_t *e = owner;
    const char *n;
    int i;

    for (i = 0; i < CREDCACHE_MEMO; i++) {
        n = (const char *)__atomic_load_n(&e->memo[i].name,
                                          __ATOMIC_ACQUIRE);
        if (n && n != CREDCACHE_CLAIMING && strcmp(n, name) == 0) {
            *rc = e->memo[i].rc;
            *v = e->memo[i].v;
            return 1;
        }
    }
    return 0;
}

/* The first free slot is claimed (a CAS), filled, then named (a release
 * store): a reader sees a name only with its answer. Full: not kept. */
static void credcache_memo_put(void *owner, const char *name, int rc,
                               const json_t *v)
{
    credcache_ent_t *e = owner;
    char *copy;
    int i;

    for (i = 0; i < CREDCACHE_MEMO; i++) {
        if (apr_atomic_casptr(&e->memo[i].name, CREDCACHE_CLAIMING, NULL)
            == NULL) {
            e->memo[i].rc = rc;
            e->memo[i].v = v;
            if ((copy = strdup(name))) {
                __atomic_store_n(&e->memo[i].name, (void *)copy,
                                 __ATOMIC_RELEASE);
            }
            return;
        }
    }
}

/* ---- building an entry: one block, sized by a first pass ------------ */

typedef struct {
    char *base;   /* NULL: only counting */
    size_t off;
} credcache_bump_t;

static void *credcache_bump(credcache_bump_t *b, size_t n, size_t align)
{
    size_t at = (b->off + align - 1) & ~(align - 1);

    b->off = at + n;
    return b->base ? b->base + at : NULL;
}

static const char *credcache_str(credcache_bump_t *b, const char *s,
                                 size_t n)
{
    char *d;

    if (!s) {
        return NULL;
    }
    d = credcache_bump(b, n + 1, 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

#define CREDCACHE_STR(b, s) credcache_str((b), (s), (s) ? strlen(s) : 0)

static apr_array_header_t *credcache_list(credcache_bump_t *b,
                                          const apr_array_header_t *l)
{
    apr_array_header_t *a;
    const char **e;
    int i;

    if (!l) {
        return NULL;
    }
    a = credcache_bump(b, sizeof(*a), sizeof(void *));
    e = credcache_bump(b, sizeof(*e) * (size_t)(l->nelts ? l->nelts : 1),
                       sizeof(void *));
    for (i = 0; i < l->nelts; i++) {
        const char *s = CREDCACHE_STR(b, APR_ARRAY_IDX(l, i, const char *));
        if (e) {
            e[i] = s;
        }
    }
    if (a) {
        a->pool = NULL;   /* read only */
        a->elt_size = sizeof(const char *);
        a->nelts = a->nalloc = l->nelts;
        a->elts = (char *)e;
    }
    return a;
}

/* No control character (what env.c refuses to publish) in any. */
static int credcache_clean(const char *const *v, size_t n)
{
    const unsigned char *s;
    size_t i;

    for (i = 0; i < n; i++) {
        for (s = (const unsigned char *)v[i]; s && *s; s++) {
            if (*s < 0x20 || *s == 0x7f) {
                return 0;
            }
        }
    }
    return 1;
}

/* One pass of the layout; with b->base set it also writes. */
static credcache_ent_t *credcache_layout(credcache_bump_t *b,
                                         const credcache_cred_t *cr,
                                         const wos_identity_t *id,
                                         const char *const joined[4])
{
    credcache_ent_t *e = credcache_bump(b, sizeof(*e), 16);
    wos_identity_t n;

    memset(&n, 0, sizeof(n));
    n.user_id = CREDCACHE_STR(b, id->user_id);
    n.session_id = CREDCACHE_STR(b, id->session_id);
    n.org_id = CREDCACHE_STR(b, id->org_id);
    n.role = CREDCACHE_STR(b, id->role);
    n.roles = credcache_list(b, id->roles);
    n.permissions = credcache_list(b, id->permissions);
    n.entitlements = credcache_list(b, id->entitlements);
    n.feature_flags = credcache_list(b, id->feature_flags);
    n.email = CREDCACHE_STR(b, id->email);
    n.impersonator_email = CREDCACHE_STR(b, id->impersonator_email);
    n.api_key_id = CREDCACHE_STR(b, id->api_key_id);
    n.exp = id->exp;
    n.iat = id->iat;
    n.claims_json = CREDCACHE_STR(b, id->claims_json);
    n.roles_text = CREDCACHE_STR(b, joined[0]);
    n.permissions_text = CREDCACHE_STR(b, joined[1]);
    n.entitlements_text = CREDCACHE_STR(b, joined[2]);
    n.feature_flags_text = CREDCACHE_STR(b, joined[3]);
    if (e) {
        memset(e, 0, sizeof(*e));
        e->refs = 1;
        e->kind = cr->kind;
        e->len = cr->len;
        e->tag = CREDCACHE_STR(b, cr->tag);
        e->cred = credcache_str(b, cr->cred, cr->len);
        const char *const published[] = {
            n.user_id, n.session_id, n.org_id, n.role, n.roles_text,
            n.permissions_text, n.entitlements_text, n.feature_flags_text,
            n.email, n.impersonator_email, n.api_key_id
        };

        n.published_clean = credcache_clean(published, sizeof(published)
                                                       / sizeof(*published));
        n.claims_root = credcache_claims_of;
        n.claims_memo_get = credcache_memo_get;
        n.claims_memo_put = credcache_memo_put;
        n.claims_owner = e;
        e->id = n;
        e->bytes = b->off;
    }
    else {
        CREDCACHE_STR(b, cr->tag);
        credcache_str(b, cr->cred, cr->len);
    }
    return e;
}

/* The identity as the cache keeps it: first written down and read back
 * as the shared tier does (so both tiers serve the same identity), then
 * laid out in one malloc'd block with its lists joined. */
static credcache_ent_t *credcache_build(const credcache_cred_t *cr,
                                        const wos_identity_t *id)
{
    credcache_bump_t b = { NULL, 0 };
    credcache_ent_t *e = NULL;
    const char *joined[4];
    wos_identity_t *u;
    apr_pool_t *tmp;
    char *fields;
    size_t flen = 0;

    if (apr_pool_create_unmanaged_ex(&tmp, NULL, NULL) != APR_SUCCESS) {
        return NULL;
    }
    fields = credentry_pack(tmp, id, &flen);
    u = fields && flen <= CREDCACHE_MAX_ENTRY
        ? credentry_unpack(tmp, fields, flen, id->exp, id->iat) : NULL;
    if (u) {
        joined[0] = u->roles && u->roles->nelts
                    ? identity_join(tmp, u->roles) : u->role;
        joined[1] = identity_join(tmp, u->permissions);
        joined[2] = identity_join(tmp, u->entitlements);
        joined[3] = identity_join(tmp, u->feature_flags);
        credcache_layout(&b, cr, u, joined);
        if ((b.base = malloc(b.off))) {
            b.off = 0;
            e = credcache_layout(&b, cr, u, joined);
        }
    }
    apr_pool_destroy(tmp);
    return e;
}

void credcache_put(credcache_t *c, const credcache_cred_t *cr,
                   const wos_identity_t *id, long long valid_until,
                   long long now)
{
    size_t set = credcache_set(cr), stripe = set % CREDCACHE_STRIPES, i, o;
    credcache_stripe_t *st = &c->stripes[stripe];
    credcache_ent_t *garbage = NULL, *e, *next;
    credcache_slot_t *s;

    if (!id->user_id || !*id->user_id || valid_until <= now
        || cr->len > CREDCACHE_MAX_CRED
        || !(e = credcache_build(cr, id))) {
        return;
    }
    if (e->bytes > c->share
        || apr_thread_rwlock_wrlock(st->lock) != APR_SUCCESS) {
        credcache_unref(e);   /* larger than a stripe's share */
        return;
    }
    s = credcache_victim(c, set, cr, now);
    credcache_drop(c, st, s, &garbage);
    s->ent = e;
    s->tag = credcache_tag(cr);
    s->until = valid_until;
    s->used = apr_atomic_inc32(&st->clock) + 1;
    st->bytes += e->bytes;
    __atomic_add_fetch(&c->bytes, e->bytes, __ATOMIC_RELAXED);
    /* Over the budget: room comes back from the stripes over their share,
     * this one first; one lock at a time, so no order to deadlock on.
     * The shares add up to the budget, so while the cache is over it
     * some stripe is over its share. */
    credcache_shrink(c, stripe, s, c->share, now, &garbage);
    apr_thread_rwlock_unlock(st->lock);
    for (i = 1; i < CREDCACHE_STRIPES && credcache_over(c); i++) {
        o = (stripe + i) % CREDCACHE_STRIPES;
        if (apr_thread_rwlock_wrlock(c->stripes[o].lock) == APR_SUCCESS) {
            credcache_shrink(c, o, NULL, c->share, now, &garbage);
            apr_thread_rwlock_unlock(c->stripes[o].lock);
        }
    }
    for (e = garbage; e; e = next) {
        next = e->next;
        credcache_unref(e);
    }
}

void credcache_clear(credcache_t *c)
{
    size_t stripe, set, i;
    credcache_stripe_t *st;
    credcache_ent_t *garbage, *e, *next;

    for (stripe = 0; stripe < CREDCACHE_STRIPES; stripe++) {
        st = &c->stripes[stripe];
        garbage = NULL;
        if (apr_thread_rwlock_wrlock(st->lock) != APR_SUCCESS) {
            continue;
        }
        for (set = stripe; set < CREDCACHE_SETS; set += CREDCACHE_STRIPES) {
            for (i = 0; i < CREDCACHE_WAYS; i++) {
                credcache_drop(c, st, &c->slots[set * CREDCACHE_WAYS + i],
                               &garbage);
            }
        }
        apr_thread_rwlock_unlock(st->lock);
        for (e = garbage; e; e = next) {
            next = e->next;
            credcache_unref(e);
        }
    }
}

size_t credcache_bytes(credcache_t *c)
{
    return __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
}
