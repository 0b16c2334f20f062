/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the verified-credential cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include "store/credcache.h"

static apr_pool_t *pool;
static const unsigned char HKEY[CREDCACHE_HASH_KEY] = "0123456789abcdef";

static wos_identity_t *make_identity_in(apr_pool_t *pool, const char *sub)
{
    wos_identity_t *id = apr_pcalloc(pool, sizeof(*id));

    id->user_id = sub;
    id->session_id = "session_1";
    id->org_id = "org_1";
    id->role = "admin";
    id->email = "a@example.com";
    id->roles = apr_array_make(pool, 2, sizeof(const char *));
    *(const char **)apr_array_push(id->roles) = "admin";
    *(const char **)apr_array_push(id->roles) = "billing";
    id->permissions = apr_array_make(pool, 1, sizeof(const char *));
    *(const char **)apr_array_push(id->permissions) = "posts:write";
    id->entitlements = apr_array_make(pool, 0, sizeof(const char *));
    id->feature_flags = NULL;
    id->exp = 2000;
    return id;
}

static wos_identity_t *make_identity(const char *sub)
{
    return make_identity_in(pool, sub);
}

/* The kind enters the hash as its one character, 'c' or 'b', before the
 * tag and its NUL: keys made before cred_kind_t existed stay valid. */
static void siphash_of(const char *kind_tag_cred, size_t len,
                       unsigned char out[CREDCACHE_KEY])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    size_t size = CREDCACHE_KEY, n = 0;
    OSSL_PARAM params[2];

    params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size);
    params[1] = OSSL_PARAM_construct_end();
    assert_int_equal(EVP_MAC_init(ctx, HKEY, CREDCACHE_HASH_KEY, params), 1);
    assert_int_equal(EVP_MAC_update(ctx, (const unsigned char *)kind_tag_cred,
                                    len), 1);
    assert_int_equal(EVP_MAC_final(ctx, out, &n, CREDCACHE_KEY), 1);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}

static void test_kind_is_its_character_in_the_key(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    unsigned char k[CREDCACHE_KEY], want[CREDCACHE_KEY];

    (void)state;
    assert_int_equal(CRED_COOKIE, 'c');
    assert_int_equal(CRED_BEARER, 'b');
    credcache_key(c, CRED_COOKIE, "tag", HKEY, "token-1", 7, k);
    siphash_of("ctag\0token-1", 12, want);
    assert_memory_equal(k, want, CREDCACHE_KEY);
    credcache_key(c, CRED_BEARER, "tag", HKEY, "token-1", 7, k);
    siphash_of("btag\0token-1", 12, want);
    assert_memory_equal(k, want, CREDCACHE_KEY);
}

static void test_round_trip(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    credcache_cred_t k;
    wos_identity_t *got;

    (void)state;
    credcache_cred(c, 'b', "tag", "token-1", 7, &k);
    credcache_put(c, &k, make_identity("user_1"), 1990, 1000);
    got = credcache_get(c, &k, 1000, pool);
    assert_non_null(got);
    assert_string_equal(got->user_id, "user_1");
    assert_string_equal(got->session_id, "session_1");
    assert_string_equal(got->org_id, "org_1");
    assert_string_equal(got->role, "admin");
    assert_string_equal(got->email, "a@example.com");
    assert_null(got->impersonator_email);
    assert_null(got->api_key_id);
    assert_int_equal(got->roles->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(got->roles, 1, const char *),
                        "billing");
    assert_int_equal(got->permissions->nelts, 1);
    assert_int_equal(got->entitlements->nelts, 0);
    assert_int_equal(got->feature_flags->nelts, 0);
    assert_int_equal(got->exp, 2000);
    /* the lists as published, joined once when stored */
    assert_string_equal(got->roles_text, "admin,billing");
    assert_string_equal(got->permissions_text, "posts:write");
    assert_string_equal(got->entitlements_text, "");
    assert_string_equal(got->feature_flags_text, "");
}

static void test_expiry_kind_and_other_keys(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    credcache_cred_t k, cookie_k, other;

    (void)state;
    credcache_cred(c, 'b', "tag", "token-1", 7, &k);
    credcache_cred(c, 'c', "tag", "token-1", 7, &cookie_k);
    credcache_cred(c, 'b', "tag", "token-2", 7, &other);
    assert_true(k.hash != cookie_k.hash);
    credcache_put(c, &k, make_identity("user_1"), 1500, 1000);
    assert_null(credcache_get(c, &k, 1500, pool));  /* until is exclusive */
    assert_non_null(credcache_get(c, &k, 1499, pool));
    assert_null(credcache_get(c, &cookie_k, 1000, pool));
    assert_null(credcache_get(c, &other, 1000, pool));
}

/* What one virtual host verified is never served to another. */
static void test_tag_isolates(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    unsigned char a[CREDCACHE_KEY], b[CREDCACHE_KEY], ab[CREDCACHE_KEY],
        ba[CREDCACHE_KEY];

    (void)state;
    credcache_key(c, 'b', "0123456789abcdef", HKEY, "token-1", 7, a);
    credcache_key(c, 'b', "fedcba9876543210", HKEY, "token-1", 7, b);
    /* the tag is delimited: "tag" + "Xtoken" is not "tagX" + "token" */
    credcache_key(c, 'b', "0123456789abcdef0", HKEY, "token-1", 7, ab);
    credcache_key(c, 'b', "0123456789abcdef", HKEY, "0token-1", 8, ba);
    assert_memory_not_equal(a, b, CREDCACHE_KEY);
    assert_memory_not_equal(ab, ba, CREDCACHE_KEY);
}

/* The private tier: the same credential under another tag is another
 * entry; both can be kept, neither is served for the other. */
static void test_tag_isolates_private(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    credcache_cred_t a, b;

    (void)state;
    credcache_cred(c, 'b', "0123456789abcdef", "token-1", 7, &a);
    credcache_cred(c, 'b', "fedcba9876543210", "token-1", 7, &b);
    credcache_put(c, &a, make_identity("user_1"), 1500, 1000);
    assert_non_null(credcache_get(c, &a, 1000, pool));
    assert_null(credcache_get(c, &b, 1000, pool));
    credcache_put(c, &b, make_identity("user_2"), 1500, 1000);
    assert_string_equal(credcache_get(c, &a, 1000, pool)->user_id, "user_1");
    assert_string_equal(credcache_get(c, &b, 1000, pool)->user_id, "user_2");
}

/* Without the hash's secret key nobody can name an entry: another key
 * gives other names for the same credential. */
static void test_hash_key_matters(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    static const unsigned char other_hkey[CREDCACHE_HASH_KEY] =
        "0123456789abcdeF";
    unsigned char a[CREDCACHE_KEY], b[CREDCACHE_KEY], zero[CREDCACHE_KEY];

    (void)state;
    memset(zero, 0, sizeof(zero));
    credcache_key(c, 'b', "tag", HKEY, "token-1", 7, a);
    credcache_key(c, 'b', "tag", other_hkey, "token-1", 7, b);
    assert_memory_not_equal(a, b, CREDCACHE_KEY);
    assert_memory_not_equal(a, zero, CREDCACHE_KEY);
}

static void test_clear_and_replace(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    credcache_cred_t k;

    (void)state;
    credcache_cred(c, 'b', "tag", "t", 1, &k);
    credcache_put(c, &k, make_identity("user_1"), 1500, 1000);
    credcache_put(c, &k, make_identity("user_2"), 1500, 1000);
    assert_string_equal(credcache_get(c, &k, 1000, pool)->user_id,
                        "user_2");
    credcache_clear(c);
    assert_null(credcache_get(c, &k, 1000, pool));
}

static void name_key(credcache_t *c, const char *fmt, int i,
                     credcache_cred_t *k)
{
    const char *name = apr_psprintf(pool, fmt, i);

    credcache_cred(c, 'b', "tag", name, strlen(name), k);
}

static void test_bounded(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    credcache_cred_t k;
    wos_identity_t *big = make_identity("user_1");
    char *huge = apr_palloc(pool, CREDCACHE_MAX_ENTRY + 1);
    int i;

    (void)state;
    memset(huge, 'x', CREDCACHE_MAX_ENTRY);
    huge[CREDCACHE_MAX_ENTRY] = '\0';
    big->email = huge;
    credcache_cred(c, 'b', "tag", "big", 3, &k);
    credcache_put(c, &k, big, 1500, 1000);
    assert_null(credcache_get(c, &k, 1000, pool));  /* refused, not cut */
    /* many more credentials than slots: no growth, the newest are kept */
    for (i = 0; i < 3 * CREDCACHE_SLOTS; i++) {
        name_key(c, "token-%d", i, &k);
        credcache_put(c, &k, make_identity("user_1"), 1500, 1000);
    }
    assert_non_null(credcache_get(c, &k, 1000, pool));
}

/* Direct-mapped, 3,000 keys in 4,096 slots lost about a third of them. */
static void test_5000_keys_all_retrievable(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    credcache_cred_t k;
    wos_identity_t *got;
    char sub[32];
    int i;

    (void)state;
    for (i = 0; i < 5000; i++) {
        name_key(c, "token-%d", i, &k);
        snprintf(sub, sizeof(sub), "user_%d", i);
        credcache_put(c, &k, make_identity(apr_pstrdup(pool, sub)), 1500,
                      1000);
    }
    for (i = 0; i < 5000; i++) {
        name_key(c, "token-%d", i, &k);
        snprintf(sub, sizeof(sub), "user_%d", i);
        got = credcache_get(c, &k, 1000, pool);
        assert_non_null(got);
        assert_string_equal(got->user_id, sub);
    }
}

/* 10,000 live credentials with 2 KB of claims each: all kept, and the
 * memory they take is what they are plus a header, under the bound. */
static void test_10000_large_identities_fit(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    wos_identity_t *id = make_identity("user_1");
    credcache_cred_t k;
    char *claims = apr_palloc(pool, 2049);
    size_t bytes;
    int i, missing = 0;

    (void)state;
    memset(claims, 'c', 2048);
    claims[2048] = '\0';
    id->claims_json = claims;
    for (i = 0; i < 10000; i++) {
        name_key(c, "session-%d", i, &k);
        credcache_put(c, &k, id, 1500, 1000);
    }
    for (i = 0; i < 10000; i++) {
        name_key(c, "session-%d", i, &k);
        missing += credcache_get(c, &k, 1000, pool) == NULL;
    }
    assert_int_equal(missing, 0);
    bytes = credcache_bytes(c);
    assert_true(bytes > 10000u * 2048u);
    /* plus the identity's struct, its lists' headers and joined text,
     * the claim memo's slots */
    assert_true(bytes < 10000u * 2700u);
    assert_true(bytes <= CREDCACHE_MAX_BYTES);
}

/* Credentials whose short hash is forced to 0: all in set 0 with the
 * same slot tag, so every lookup there collides in the hash and only the
 * whole compare tells them apart. */
static void set0_key(credcache_t *c, int i, credcache_cred_t *k)
{
    name_key(c, "set0-%d", i, k);
    k->hash = 0;
}

static void test_replacement_prefers_expired_then_oldest(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    credcache_cred_t k;
    int i;

    (void)state;
    /* a full set; entry 3 lives until 1100, the others until 1500 */
    for (i = 0; i < CREDCACHE_WAYS; i++) {
        set0_key(c, i, &k);
        credcache_put(c, &k, make_identity("user_1"), i == 3 ? 1100 : 1500,
                      1000);
    }
    /* entry 0 is now the least recently used but still valid: at 1200
     * the expired entry 3 makes room instead */
    for (i = 1; i < CREDCACHE_WAYS; i++) {
        if (i != 3) {
            set0_key(c, i, &k);
            assert_non_null(credcache_get(c, &k, 1000, pool));
        }
    }
    set0_key(c, 100, &k);
    credcache_put(c, &k, make_identity("user_2"), 1500, 1200);
    set0_key(c, 3, &k);
    assert_null(credcache_get(c, &k, 1000, pool));   /* gone, not only old */
    set0_key(c, 0, &k);
    assert_non_null(credcache_get(c, &k, 1200, pool));
    set0_key(c, 100, &k);
    assert_non_null(credcache_get(c, &k, 1200, pool));
    /* nothing expired: the least recently used goes (entry 1: every other
     * one was read after it) */
    for (i = 2; i < CREDCACHE_WAYS; i++) {
        if (i != 3) {
            set0_key(c, i, &k);
            assert_non_null(credcache_get(c, &k, 1200, pool));
        }
    }
    set0_key(c, 101, &k);
    credcache_put(c, &k, make_identity("user_3"), 1500, 1200);
    set0_key(c, 1, &k);
    assert_null(credcache_get(c, &k, 1200, pool));
    for (i = 0; i < CREDCACHE_WAYS; i++) {
        if (i != 1 && i != 3) {
            set0_key(c, i, &k);
            assert_non_null(credcache_get(c, &k, 1200, pool));
        }
    }
    set0_key(c, 101, &k);
    assert_string_equal(credcache_get(c, &k, 1200, pool)->user_id,
                        "user_3");
    /* a key already present is replaced in place, pushing nothing out */
    set0_key(c, 0, &k);
    credcache_put(c, &k, make_identity("user_4"), 1500, 1200);
    assert_string_equal(credcache_get(c, &k, 1200, pool)->user_id,
                        "user_4");
    set0_key(c, 100, &k);
    assert_non_null(credcache_get(c, &k, 1200, pool));
}

/* Identities near the size limit: the total never passes the bound. */
static void test_memory_bound(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    wos_identity_t *id = make_identity("user_1");
    credcache_cred_t k;
    char *claims = apr_palloc(pool, CREDCACHE_MAX_ENTRY - 200);
    int i, n = (int)(2 * CREDCACHE_MAX_BYTES / CREDCACHE_MAX_ENTRY);

    (void)state;
    memset(claims, 'c', CREDCACHE_MAX_ENTRY - 201);
    claims[CREDCACHE_MAX_ENTRY - 201] = '\0';
    id->claims_json = claims;
    for (i = 0; i < n; i++) {
        name_key(c, "big-%d", i, &k);
        credcache_put(c, &k, id, 1500, 1000);
        assert_true(credcache_bytes(c) <= CREDCACHE_MAX_BYTES);
    }
    assert_true(credcache_bytes(c) > CREDCACHE_MAX_BYTES / 2);
    assert_non_null(credcache_get(c, &k, 1000, pool));   /* the newest */
    credcache_clear(c);
    assert_int_equal(credcache_bytes(c), 0);
}

#define THREADS 8
#define THREAD_OPS 20000
#define THREAD_KEYS 3000

typedef struct {
    credcache_t *c;
    int seed;
    int wrong;
    int hits;
} worker_t;

/* Every identity read back is the one stored under that key. */
static void *APR_THREAD_FUNC worker(apr_thread_t *t, void *data)
{
    worker_t *w = data;
    apr_pool_t *p;
    credcache_cred_t k;
    const char *name;
    char sub[32];
    unsigned int x = (unsigned int)w->seed * 2654435761u + 1;
    wos_identity_t *got;
    int i, n;

    apr_pool_create(&p, NULL);
    for (i = 0; i < THREAD_OPS; i++) {
        x = x * 1103515245u + 12345u;
        n = (int)((x >> 8) % THREAD_KEYS);
        name = apr_psprintf(p, "shared-%d", n);
        credcache_cred(w->c, 'b', "tag", name, strlen(name), &k);
        snprintf(sub, sizeof(sub), "user_%d", n);
        if ((x >> 4) % 3 == 0) {
            credcache_put(w->c, &k, make_identity_in(p, apr_pstrdup(p, sub)),
                          1500, 1000);
        }
        else if ((got = credcache_get(w->c, &k, 1000, p))) {
            w->hits++;
            w->wrong += strcmp(got->user_id, sub) != 0;
        }
        if (i % 5000 == 4999 && w->seed == 0) {
            credcache_clear(w->c);
        }
        if (i % 256 == 0) {
            apr_pool_clear(p);
        }
    }
    apr_pool_destroy(p);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static void test_threads(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    apr_thread_t *t[THREADS];
    worker_t w[THREADS];
    apr_status_t rv;
    int i, hits = 0;

    (void)state;
    for (i = 0; i < THREADS; i++) {
        w[i].c = c;
        w[i].seed = i;
        w[i].wrong = w[i].hits = 0;
        assert_int_equal(apr_thread_create(&t[i], NULL, worker, &w[i], pool),
                         APR_SUCCESS);
    }
    for (i = 0; i < THREADS; i++) {
        assert_int_equal(apr_thread_join(&rv, t[i]), APR_SUCCESS);
        assert_int_equal(w[i].wrong, 0);
        hits += w[i].hits;
    }
    assert_true(hits > THREADS * THREAD_OPS / 4);   /* they did share */
    assert_true(credcache_bytes(c) <= CREDCACHE_MAX_BYTES);
}

static void test_no_user_is_not_stored(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    credcache_cred_t k;
    wos_identity_t *id = make_identity(NULL);

    (void)state;
    credcache_cred(c, 'b', "tag", "t", 1, &k);
    credcache_put(c, &k, id, 1500, 1000);
    assert_null(credcache_get(c, &k, 1000, pool));
}

/* Two credentials that differ only before their last bytes (a JWT whose
 * payload was changed under a genuine signature): the same short hash,
 * so the same set and slot tag. The whole compare makes it a miss; the
 * forged one never gets the genuine one's identity. */
static void test_collision_is_a_miss(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    const char *genuine = "eyJhbGciOi.eyJzdWIiOiJ1c2VyXzEifQ."
                          "SIGNATURE-SEGMENT-0123456789abcdefghijklmnop";
    const char *forged = "eyJhbGciOi.eyJzdWIiOiJ1c2VyXzIifQ."
                         "SIGNATURE-SEGMENT-0123456789abcdefghijklmnop";
    credcache_cred_t g, f, x;

    (void)state;
    assert_int_equal(strlen(genuine), strlen(forged));
    credcache_cred(c, 'b', "tag", genuine, strlen(genuine), &g);
    credcache_cred(c, 'b', "tag", forged, strlen(forged), &f);
    assert_true(g.hash == f.hash);               /* they do collide */
    credcache_put(c, &g, make_identity("user_1"), 1500, 1000);
    assert_non_null(credcache_get(c, &g, 1000, pool));
    assert_null(credcache_get(c, &f, 1000, pool));
    /* a forced collision of another kind, another length, another tag */
    credcache_cred(c, 'c', "tag", genuine, strlen(genuine), &x);
    x.hash = g.hash;
    assert_null(credcache_get(c, &x, 1000, pool));
    credcache_cred(c, 'b', "tag", genuine, strlen(genuine) - 1, &x);
    x.hash = g.hash;
    assert_null(credcache_get(c, &x, 1000, pool));
    credcache_cred(c, 'b', "other", genuine, strlen(genuine), &x);
    x.hash = g.hash;
    assert_null(credcache_get(c, &x, 1000, pool));
    /* both kept side by side, each served its own */
    credcache_put(c, &f, make_identity("user_2"), 1500, 1000);
    assert_string_equal(credcache_get(c, &g, 1000, pool)->user_id, "user_1");
    assert_string_equal(credcache_get(c, &f, 1000, pool)->user_id, "user_2");
}

/* The short hash is keyed per cache: another process names the same
 * credential otherwise, so nobody can aim credentials at one set. */
static void test_short_hash_is_keyed(void **state)
{
    credcache_t *a = credcache_create(pool, CREDCACHE_MAX_BYTES);
    credcache_t *b = credcache_create(pool, CREDCACHE_MAX_BYTES);
    credcache_cred_t ka, kb;

    (void)state;
    credcache_cred(a, 'b', "tag", "token-1", 7, &ka);
    credcache_cred(b, 'b', "tag", "token-1", 7, &kb);
    assert_true(ka.hash != kb.hash);
}

/* A hit holds its entry: a clear (or an eviction) while a request still
 * uses the identity frees nothing under it. */
static void test_hit_outlives_clear(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    credcache_cred_t k;
    credcache_ent_t *ent = NULL;
    wos_identity_t *got;
    apr_pool_t *req;

    (void)state;
    assert_int_equal(apr_pool_create(&req, pool), APR_SUCCESS);
    credcache_cred(c, 'b', "tag", "token-1", 7, &k);
    credcache_put(c, &k, make_identity("user_1"), 1500, 1000);
    got = credcache_find(c, &k, 1000, req, &ent);
    assert_non_null(got);
    assert_non_null(ent);
    credcache_clear(c);
    assert_null(credcache_get(c, &k, 1000, pool));
    assert_string_equal(got->user_id, "user_1");
    assert_string_equal(got->roles_text, "admin,billing");
    apr_pool_destroy(req);   /* lets go of it (valgrind: no leak) */
}

/* The revocation epoch an entry was found clean at. */
static void test_checked_epoch(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    credcache_cred_t k;
    credcache_ent_t *ent = NULL;

    (void)state;
    credcache_cred(c, 'b', "tag", "token-1", 7, &k);
    credcache_put(c, &k, make_identity("user_1"), 1500, 1000);
    assert_non_null(credcache_find(c, &k, 1000, pool, &ent));
    assert_false(credcache_checked(ent, 0));   /* never checked */
    credcache_set_checked(ent, 7);
    assert_true(credcache_checked(ent, 7));
    assert_false(credcache_checked(ent, 8));   /* something new since */
    /* stored again (verified again): checked afresh */
    credcache_put(c, &k, make_identity("user_1"), 1500, 1000);
    assert_non_null(credcache_find(c, &k, 1000, pool, &ent));
    assert_false(credcache_checked(ent, 7));
}

/* Claims parsed once per entry, and what they hold. */
static void test_claims_parsed_once(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    wos_identity_t *id = make_identity("user_1"), *got;
    credcache_cred_t k;
    credcache_ent_t *ent = NULL;
    json_t *root;

    (void)state;
    id->claims_json = "{\"sub\":\"user_1\",\"org_meta\":{\"tier\":\"gold\"}}";
    credcache_cred(c, 'b', "tag", "token-1", 7, &k);
    credcache_put(c, &k, id, 1500, 1000);
    got = credcache_find(c, &k, 1000, pool, &ent);
    assert_non_null(got);
    assert_non_null(got->claims_root);
    root = got->claims_root(got->claims_owner);
    assert_non_null(root);
    assert_ptr_equal(root, credcache_claims(ent));   /* the same parse */
    assert_string_equal(json_string_value(json_object_get(
        json_object_get(root, "org_meta"), "tier")), "gold");
    /* duplicates are no object to claims_load: none here either */
    id->claims_json = "{\"a\":1,\"a\":2}";
    credcache_cred(c, 'b', "tag", "token-2", 7, &k);
    credcache_put(c, &k, id, 1500, 1000);
    got = credcache_find(c, &k, 1000, pool, &ent);
    assert_null(got->claims_root(got->claims_owner));
}

/* A claim lookup remembered per entry, by the name's text; four kept. */
static void test_claim_memo(void **state)
{
    credcache_t *c = credcache_create(pool, CREDCACHE_MAX_BYTES);
    wos_identity_t *id = make_identity("user_1"), *got;
    credcache_cred_t k;
    const json_t *v = NULL, *w = NULL;
    char name[16];
    int rc = -1, i;

    (void)state;
    id->claims_json = "{\"a\":{\"b\":\"x\"}}";
    credcache_cred(c, 'b', "tag", "token-1", 7, &k);
    credcache_put(c, &k, id, 1500, 1000);
    got = credcache_get(c, &k, 1000, pool);
    assert_non_null(got->claims_memo_get);
    assert_false(got->claims_memo_get(got->claims_owner, "a.b", &rc, &v));
    w = json_object_get(json_object_get(got->claims_root(got->claims_owner),
                                        "a"), "b");
    got->claims_memo_put(got->claims_owner, "a.b", 0, w);
    strcpy(name, "a.b");   /* another pointer, the same text */
    assert_true(got->claims_memo_get(got->claims_owner, name, &rc, &v));
    assert_int_equal(rc, 0);
    assert_ptr_equal(v, w);
    assert_false(got->claims_memo_get(got->claims_owner, "a.c", &rc, &v));
    for (i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        got->claims_memo_put(got->claims_owner, name, 1, NULL);
    }
    assert_true(got->claims_memo_get(got->claims_owner, "n2", &rc, &v));
    assert_int_equal(rc, 1);
    assert_false(got->claims_memo_get(got->claims_owner, "n3", &rc, &v));
}

/* A budget smaller than an entry's share keeps nothing; a small one keeps
 * a few, never more than it allows. */
static void test_small_budget(void **state)
{
    credcache_t *none = credcache_create(pool, 1024);
    credcache_t *few = credcache_create(pool, 64 * 4096);
    credcache_cred_t k;
    int i, kept = 0;

    (void)state;
    credcache_cred(none, 'b', "tag", "token-1", 7, &k);
    credcache_put(none, &k, make_identity("user_1"), 1500, 1000);
    assert_null(credcache_get(none, &k, 1000, pool));
    assert_int_equal(credcache_bytes(none), 0);
    for (i = 0; i < 2000; i++) {
        name_key(few, "few-%d", i, &k);
        credcache_put(few, &k, make_identity("user_1"), 1500, 1000);
        assert_true(credcache_bytes(few) <= 64 * 4096);
    }
    for (i = 0; i < 2000; i++) {
        name_key(few, "few-%d", i, &k);
        kept += credcache_get(few, &k, 1000, pool) != NULL;
    }
    assert_true(kept > 100);
    assert_true(kept < 2000);
}

/* The budget is the whole cache's, not a 64th per stripe of sets: with
 * the keyed hash spreading credentials unevenly, a stripe's share
 * overflowed while the cache as a whole had room (one run in ten of
 * test_10000_large_identities_fit lost a few). Credentials taking 70%
 * of the budget are all kept, and the bound still holds. */
static void test_budget_is_the_whole_cache(void **state)
{
    size_t budget = 64 * 16384, one;
    credcache_t *c = credcache_create(pool, budget);
    credcache_cred_t k;
    int i, n, missing = 0;

    (void)state;
    name_key(c, "probe-%d", 0, &k);
    credcache_put(c, &k, make_identity("user_1"), 1500, 1000);
    one = credcache_bytes(c);
    assert_true(one > 0);
    credcache_clear(c);
    n = (int)(budget * 7 / 10 / one);
    assert_true(n > 200);   /* several a stripe: shares would differ */
    for (i = 0; i < n; i++) {
        name_key(c, "even-%d", i, &k);
        credcache_put(c, &k, make_identity("user_1"), 1500, 1000);
        assert_true(credcache_bytes(c) <= budget);
    }
    for (i = 0; i < n; i++) {
        name_key(c, "even-%d", i, &k);
        missing += credcache_get(c, &k, 1000, pool) == NULL;
    }
    assert_int_equal(missing, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_expiry_kind_and_other_keys),
        cmocka_unit_test(test_tag_isolates),
        cmocka_unit_test(test_hash_key_matters),
        cmocka_unit_test(test_clear_and_replace),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_no_user_is_not_stored),
        cmocka_unit_test(test_5000_keys_all_retrievable),
        cmocka_unit_test(test_10000_large_identities_fit),
        cmocka_unit_test(test_replacement_prefers_expired_then_oldest),
        cmocka_unit_test(test_memory_bound),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_kind_is_its_character_in_the_key),
        cmocka_unit_test(test_tag_isolates_private),
        cmocka_unit_test(test_collision_is_a_miss),
        cmocka_unit_test(test_short_hash_is_keyed),
        cmocka_unit_test(test_hit_outlives_clear),
        cmocka_unit_test(test_checked_epoch),
        cmocka_unit_test(test_claims_parsed_once),
        cmocka_unit_test(test_small_budget),
        cmocka_unit_test(test_claim_memo),
        cmocka_unit_test(test_budget_is_the_whole_cache),
    };
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
