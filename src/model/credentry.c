/* SPDX-License-Identifier: Apache-2.0 */
/* Identity fields and shared-tier entries; see credentry.h. */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "model/credentry.h"

static const char credentry_magic[3] = { 'W', 'C', '1' };
/* An entry of a host-local cache (mac_key NULL): no MAC. */
static const char credentry_magic_local[3] = { 'W', 'L', '1' };

static const char *credentry_or_empty(const char *s)
{
    return s ? s : "";
}

/* Lists travel '\n'-joined: identity values never hold control chars. */
static const char *credentry_join(apr_pool_t *p,
                                  const apr_array_header_t *list)
{
    return list ? apr_array_pstrcat(p, list, '\n') : "";
}

char *credentry_pack(apr_pool_t *p, const wos_identity_t *id, size_t *len)
{
    const char *f[CREDENTRY_FIELDS] = {
        credentry_or_empty(id->user_id), credentry_or_empty(id->session_id),
        credentry_or_empty(id->org_id), credentry_or_empty(id->role),
        credentry_or_empty(id->email),
        credentry_or_empty(id->impersonator_email),
        credentry_or_empty(id->api_key_id), credentry_join(p, id->roles),
        credentry_join(p, id->permissions),
        credentry_join(p, id->entitlements),
        credentry_join(p, id->feature_flags),
        credentry_or_empty(id->claims_json)
    };
    size_t l[CREDENTRY_FIELDS];
    size_t n = 0, i;
    char *blob;

    for (i = 0; i < CREDENTRY_FIELDS; i++) {
        l[i] = strlen(f[i]) + 1;
        n += l[i];
        if (n > CREDENTRY_MAX_FIELDS) {
            return NULL;
        }
    }
    blob = apr_palloc(p, n);
    for (i = 0, *len = 0; i < CREDENTRY_FIELDS; i++) {
        memcpy(blob + *len, f[i], l[i]);
        *len += l[i];
    }
    return blob;
}

static const char *credentry_field(char **cursor)
{
    char *s = *cursor;

    *cursor += strlen(s) + 1;
    return *s ? s : NULL;
}

static apr_array_header_t *credentry_list(apr_pool_t *p, char **cursor)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));
    char *s = *cursor, *next;

    *cursor += strlen(s) + 1;
    /* identity lists hold no empty or control-character members
     * (identity.c), so an empty one was never written: skip it */
    while (*s) {
        next = strchr(s, '\n');
        if (next) {
            *next = '\0';
        }
        if (*s) {
            *(const char **)apr_array_push(a) = s;
        }
        if (!next) {
            break;
        }
        s = next + 1;
    }
    return a;
}

/* Exactly CREDENTRY_FIELDS NUL-terminated fields, nothing after. */
static int credentry_fields_ok(const char *blob, size_t len)
{
    const char *cur = blob, *end = blob + len, *nul;
    int n = 0;

    if (len == 0 || len > CREDENTRY_MAX_FIELDS || blob[len - 1] != '\0') {
        return 0;
    }
    while (cur < end && (nul = memchr(cur, '\0', (size_t)(end - cur)))) {
        if (++n > CREDENTRY_FIELDS) {
            return 0;
        }
        cur = nul + 1;
    }
    return n == CREDENTRY_FIELDS && blob[0] != '\0';
}

wos_identity_t *credentry_unpack(apr_pool_t *p, char *blob, size_t len,
                                 long long exp, long long iat)
{
    wos_identity_t *id;
    char *cur = blob;

    if (!credentry_fields_ok(blob, len)) {
        return NULL;
    }
    id = apr_pcalloc(p, sizeof(*id));
    id->user_id = credentry_field(&cur);
    id->session_id = credentry_field(&cur);
    id->org_id = credentry_field(&cur);
    id->role = credentry_field(&cur);
    id->email = credentry_field(&cur);
    id->impersonator_email = credentry_field(&cur);
    id->api_key_id = credentry_field(&cur);
    id->roles = credentry_list(p, &cur);
    id->permissions = credentry_list(p, &cur);
    id->entitlements = credentry_list(p, &cur);
    id->feature_flags = credentry_list(p, &cur);
    id->claims_json = credentry_field(&cur);
    id->exp = exp;
    id->iat = iat;
    return id;
}

static void credentry_put64(unsigned char *out, long long v)
{
    unsigned long long u = (unsigned long long)v;
    int i;

    for (i = 7; i >= 0; i--, u >>= 8) {
        out[i] = (unsigned char)(u & 0xff);
    }
}

static long long credentry_get64(const unsigned char *in)
{
    unsigned long long u = 0;
    int i;

    for (i = 0; i < 8; i++) {
        u = u << 8 | in[i];
    }
    return (long long)u;
}

/* HMAC-SHA256 over msg (name NUL head fields); 0 on success. */
static int credentry_mac(const char *mac_key, const unsigned char *msg,
                         size_t n, unsigned char out[CREDENTRY_MAC])
{
    unsigned int len = 0;

    if (!HMAC(EVP_sha256(), mac_key, (int)strlen(mac_key), msg, n, out,
              &len) || len != CREDENTRY_MAC) {
        return -1;
    }
    return 0;
}

char *credentry_seal(apr_pool_t *p, const char *mac_key, const char *name,
                     const wos_identity_t *id, long long until,
                     size_t *len)
{
    size_t nlen = strlen(name) + 1, flen = 0;
    size_t maclen = mac_key ? CREDENTRY_MAC : 0;
    char *fields;
    unsigned char *msg, *head;

    if (!id->user_id || !*id->user_id
        || !(fields = credentry_pack(p, id, &flen))) {
        return NULL;
    }
    msg = apr_palloc(p, nlen + CREDENTRY_HEAD + flen + maclen);
    memcpy(msg, name, nlen);
    head = msg + nlen;
    memcpy(head, mac_key ? credentry_magic : credentry_magic_local,
           sizeof(credentry_magic));
    credentry_put64(head + 3, until);
    credentry_put64(head + 11, id->exp);
    credentry_put64(head + 19, id->iat);
    memcpy(head + CREDENTRY_HEAD, fields, flen);
    if (mac_key && credentry_mac(mac_key, msg, nlen + CREDENTRY_HEAD + flen,
                                 head + CREDENTRY_HEAD + flen) != 0) {
        return NULL;
    }
    *len = CREDENTRY_HEAD + flen + maclen;
    return (char *)head;
}

credentry_rc credentry_open(apr_pool_t *p, const char *mac_key,
                            const char *name, const char *entry,
                            size_t len, long long now,
                            wos_identity_t **id, long long *until)
{
    size_t nlen = strlen(name) + 1, body;
    size_t maclen = mac_key ? CREDENTRY_MAC : 0;
    unsigned char *msg, mac[CREDENTRY_MAC];
    const unsigned char *head;
    int same;

    *id = NULL;
    if (len < CREDENTRY_HEAD + maclen) {
        return CREDENTRY_TRUNCATED;
    }
    if (len > CREDENTRY_MAX) {
        return CREDENTRY_OVERSIZED;
    }
    body = len - maclen;
    msg = apr_palloc(p, nlen + body);
    memcpy(msg, name, nlen);
    memcpy(msg + nlen, entry, body);
    if (mac_key) {
        if (credentry_mac(mac_key, msg, nlen + body, mac) != 0) {
            return CREDENTRY_BAD_MAC;
        }
        same = CRYPTO_memcmp(mac, entry + body, CREDENTRY_MAC) == 0;
        OPENSSL_cleanse(mac, sizeof(mac));
        if (!same) {
            return CREDENTRY_BAD_MAC;
        }
    }
    head = msg + nlen;
    /* an entry written for the other kind of cache is never read: a
     * network cache's entries are always checked against their MAC */
    if (memcmp(head, mac_key ? credentry_magic : credentry_magic_local,
               sizeof(credentry_magic)) != 0) {
        return CREDENTRY_MALFORMED;
    }
    *until = credentry_get64(head + 3);
    if (*until <= now) {
        return CREDENTRY_EXPIRED;
    }
    *id = credentry_unpack(p, (char *)head + CREDENTRY_HEAD,
                           body - CREDENTRY_HEAD, credentry_get64(head + 11),
                           credentry_get64(head + 19));
    return *id ? CREDENTRY_OK : CREDENTRY_MALFORMED;
}

const char *credentry_rc_str(credentry_rc rc)
{
    switch (rc) {
    case CREDENTRY_OK:
        return "ok";
    case CREDENTRY_TRUNCATED:
        return "truncated";
    case CREDENTRY_OVERSIZED:
        return "oversized";
    case CREDENTRY_BAD_MAC:
        return "MAC mismatch";
    case CREDENTRY_MALFORMED:
        return "malformed";
    case CREDENTRY_EXPIRED:
        return "expired";
    }
    return "unknown";
}
