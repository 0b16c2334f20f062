/* Verified-credential cache; see credcache.h. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "credcache.h"

#define CREDCACHE_STRIPES 16
#define CREDCACHE_FIELDS 12

typedef struct {
    unsigned char key[32];
    long long until;
    long long exp;   /* the token's own exp */
    long long iat;   /* and iat */
    char *blob;      /* CREDCACHE_FIELDS NUL-terminated fields */
    size_t len;
} credcache_slot_t;

struct credcache {
    EVP_MD *sha256;    /* fetched once: an implicit fetch per call costs */
    apr_thread_mutex_t *locks[CREDCACHE_STRIPES];
    credcache_slot_t slots[CREDCACHE_SLOTS];
};

static apr_status_t credcache_free(void *data)
{
    credcache_t *c = data;
    size_t i;

    EVP_MD_free(c->sha256);
    c->sha256 = NULL;
    for (i = 0; i < CREDCACHE_SLOTS; i++) {
        free(c->slots[i].blob);
        c->slots[i].blob = NULL;
    }
    return APR_SUCCESS;
}

credcache_t *credcache_create(apr_pool_t *p)
{
    credcache_t *c = apr_pcalloc(p, sizeof(*c));
    int i;

    for (i = 0; i < CREDCACHE_STRIPES; i++) {
        if (apr_thread_mutex_create(&c->locks[i], APR_THREAD_MUTEX_DEFAULT,
                                    p) != APR_SUCCESS) {
            return NULL;
        }
    }
    if (!(c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL))) {
        return NULL;
    }
    apr_pool_cleanup_register(p, c, credcache_free, apr_pool_cleanup_null);
    return c;
}

void credcache_key(credcache_t *c, char kind, const char *tag,
                   const char *credential, size_t len,
                   unsigned char key[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;

    /* the tag with its NUL: no tag is a prefix of tag + credential */
    if (!ctx || EVP_DigestInit_ex(ctx, c->sha256, NULL) != 1
        || EVP_DigestUpdate(ctx, &kind, 1) != 1
        || EVP_DigestUpdate(ctx, tag, strlen(tag) + 1) != 1
        || EVP_DigestUpdate(ctx, credential, len) != 1
        || EVP_DigestFinal_ex(ctx, key, &n) != 1 || n != 32) {
        /* an all-zero key matches no entry that was stored */
        memset(key, 0, 32);
    }
    EVP_MD_CTX_free(ctx);
}

static size_t credcache_index(const unsigned char key[32])
{
    return ((size_t)key[0] << 8 | key[1]) % CREDCACHE_SLOTS;
}

static apr_thread_mutex_t *credcache_lock(credcache_t *c, size_t slot)
{
    return c->locks[slot % CREDCACHE_STRIPES];
}

/* Lists travel '\n'-joined: identity values never hold control chars. */
static const char *credcache_join(apr_pool_t *p,
                                  const apr_array_header_t *list)
{
    return list ? apr_array_pstrcat(p, list, '\n') : "";
}

static apr_array_header_t *credcache_split(apr_pool_t *p, char *s)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));
    char *next;

    while (*s) {
        next = strchr(s, '\n');
        if (next) {
            *next = '\0';
        }
        *(const char **)apr_array_push(a) = s;
        if (!next) {
            break;
        }
        s = next + 1;
    }
    return a;
}

static const char *credcache_or_empty(const char *s)
{
    return s ? s : "";
}

static char *credcache_pack(apr_pool_t *p, const wos_identity_t *id,
                            size_t *len)
{
    const char *f[CREDCACHE_FIELDS] = {
        credcache_or_empty(id->user_id), credcache_or_empty(id->session_id),
        credcache_or_empty(id->org_id), credcache_or_empty(id->role),
        credcache_or_empty(id->email),
        credcache_or_empty(id->impersonator_email),
        credcache_or_empty(id->api_key_id), credcache_join(p, id->roles),
        credcache_join(p, id->permissions),
        credcache_join(p, id->entitlements),
        credcache_join(p, id->feature_flags),
        credcache_or_empty(id->claims_json)
    };
    size_t n = 0, i, l;
    char *blob;

    for (i = 0; i < CREDCACHE_FIELDS; i++) {
        n += strlen(f[i]) + 1;
    }
    if (n > CREDCACHE_MAX_ENTRY || !(blob = malloc(n))) {
        return NULL;
    }
    for (i = 0, *len = 0; i < CREDCACHE_FIELDS; i++) {
        l = strlen(f[i]) + 1;
        memcpy(blob + *len, f[i], l);
        *len += l;
    }
    return blob;
}

static const char *credcache_field(char **cursor)
{
    char *s = *cursor;

    *cursor += strlen(s) + 1;
    return *s ? s : NULL;
}

/* Steps past the field before splitting it in place. */
static apr_array_header_t *credcache_list(apr_pool_t *p, char **cursor)
{
    char *s = *cursor;

    *cursor += strlen(s) + 1;
    return credcache_split(p, s);
}

static wos_identity_t *credcache_unpack(apr_pool_t *p, char *blob,
                                        long long exp, long long iat)
{
    wos_identity_t *id = apr_pcalloc(p, sizeof(*id));
    char *cur = blob;

    id->user_id = credcache_field(&cur);
    id->session_id = credcache_field(&cur);
    id->org_id = credcache_field(&cur);
    id->role = credcache_field(&cur);
    id->email = credcache_field(&cur);
    id->impersonator_email = credcache_field(&cur);
    id->api_key_id = credcache_field(&cur);
    id->roles = credcache_list(p, &cur);
    id->permissions = credcache_list(p, &cur);
    id->entitlements = credcache_list(p, &cur);
    id->feature_flags = credcache_list(p, &cur);
    id->claims_json = credcache_field(&cur);
    id->exp = exp;
    id->iat = iat;
    return id;
}

wos_identity_t *credcache_get(credcache_t *c, const unsigned char key[32],
                              long long now, apr_pool_t *p)
{
    size_t i = credcache_index(key);
    credcache_slot_t *s = &c->slots[i];
    char *copy = NULL;
    long long exp = 0, iat = 0;

    apr_thread_mutex_lock(credcache_lock(c, i));
    if (s->blob && s->until > now && CRYPTO_memcmp(s->key, key, 32) == 0) {
        copy = apr_pmemdup(p, s->blob, s->len);
        exp = s->exp;
        iat = s->iat;
    }
    apr_thread_mutex_unlock(credcache_lock(c, i));
    return copy ? credcache_unpack(p, copy, exp, iat) : NULL;
}

void credcache_put(credcache_t *c, const unsigned char key[32],
                   const wos_identity_t *id, long long valid_until)
{
    apr_pool_t *tmp;
    size_t i = credcache_index(key), len = 0;
    credcache_slot_t *s = &c->slots[i];
    char *blob, *old;

    if (!id->user_id || apr_pool_create_unmanaged_ex(&tmp, NULL, NULL)
                        != APR_SUCCESS) {
        return;
    }
    blob = credcache_pack(tmp, id, &len);
    apr_pool_destroy(tmp);
    if (!blob) {
        return;
    }
    apr_thread_mutex_lock(credcache_lock(c, i));
    old = s->blob;
    memcpy(s->key, key, 32);
    s->blob = blob;
    s->len = len;
    s->until = valid_until;
    s->exp = id->exp;
    s->iat = id->iat;
    apr_thread_mutex_unlock(credcache_lock(c, i));
    free(old);
}

void credcache_clear(credcache_t *c)
{
    size_t i;
    char *old;

    for (i = 0; i < CREDCACHE_SLOTS; i++) {
        apr_thread_mutex_lock(credcache_lock(c, i));
        old = c->slots[i].blob;
        c->slots[i].blob = NULL;
        apr_thread_mutex_unlock(credcache_lock(c, i));
        free(old);
    }
}
