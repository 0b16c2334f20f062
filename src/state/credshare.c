/* SPDX-License-Identifier: Apache-2.0 */
/* Shared tier of verified credentials; see credshare.h. */
#include "httpd.h"
#include "http_log.h"
#include "state/credshare.h"
#include "model/credentry.h"
#include "codec/crypto.h"
#include "codec/seal.h"
#include "store/cachens.h"
#include "base/stats.h"
#include "base/secrets.h"
#include "base/cache.h"
#include "base/module.h"


/* Reads a little past the largest genuine entry, so an oversized one
 * reaches the check (and is counted) rather than failing in the provider. */
#define CREDSHARE_READ_MAX (2 * CREDENTRY_MAX)

/* The MAC key: derived once from the first (sealing) cookie password by
 * cfg_check (secrets.h). Only a network cache (redis, memcache...: any
 * provider but shmcb, whose memory only this host's httpd processes can
 * write) needs its entries authenticated; local ones are not MAC'd. */
static const char *credshare_mac_key(const wos_srv_cfg *sc)
{
    return cache_is_remote(sc->cache) ? secrets_mac_key(sc->secrets) : NULL;
}

/* "wos:cred:<kind>:<tag>:<MAC key fingerprint>:<credential hash>". The
 * fingerprint keeps apart servers that share a tag but seal with other
 * passwords (bearer tokens of one environment), which could not read each
 * other's entries and would overwrite them in turn. */
static const cachens_key_t *credshare_name(apr_pool_t *p,
                                           const wos_srv_cfg *sc,
                                           cred_kind_t kind,
                                           const unsigned char
                                           key[CREDCACHE_KEY])
{
    const char *tag = kind == CRED_COOKIE ? sc->cookie_tag : sc->verify_tag;
    const char *fp = secrets_mac_fp(sc->secrets);
    char hex[2 * CREDCACHE_KEY + 1];
    char k[2] = { (char)kind, '\0' };

    if (!tag || !fp) {
        return NULL;
    }
    crypto_hex(key, CREDCACHE_KEY, hex);
    return cachens_key(p, CACHENS_CRED, k, tag, fp, hex, NULL);
}

static wos_identity_t *credshare_read(request_rec *r, const wos_srv_cfg *sc,
                                      cred_kind_t kind,
                                      const unsigned char key[CREDCACHE_KEY],
                                      long long now, long long *until,
                                      int quiet)
{
    const char *mac_key = credshare_mac_key(sc);
    const cachens_key_t *name;
    wos_identity_t *id = NULL;
    char *val;
    apr_size_t len;
    credentry_rc rc;

    if (!sc->cache || !secrets_mac_key(sc->secrets)
        || !(name = credshare_name(r->pool, sc, kind, key))) {
        return NULL;
    }
    if (cache_get(sc->cache, r->server, name, &val, &len,
                  CREDSHARE_READ_MAX, r->pool) != APR_SUCCESS) {
        if (!quiet) {
            stats_inc(STAT_SHARED_MISSES);
        }
        return NULL;
    }
    rc = credentry_open(r->pool, mac_key, name->name, val, len, now, &id,
                        until);
    if (rc == CREDENTRY_OK) {
        stats_inc(STAT_SHARED_HITS);
        return id;
    }
    if (quiet) {
        return NULL;    /* counted and logged by the first look */
    }
    stats_inc(STAT_SHARED_REJECTED);
    if (rc == CREDENTRY_EXPIRED) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, WOSLOGNO(02101)
                      "shared credential entry expired: verifying again");
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, WOSLOGNO(02102)
                      "shared credential entry in %s ignored (%s): "
                      "verifying again; is something else writing to this "
                      "cache?", cache_spec(sc->cache), credentry_rc_str(rc));
    }
    return NULL;
}

wos_identity_t *credshare_get(request_rec *r, const wos_srv_cfg *sc,
                              cred_kind_t kind,
                              const unsigned char key[CREDCACHE_KEY],
                              long long now, long long *until)
{
    return credshare_read(r, sc, kind, key, now, until, 0);
}

wos_identity_t *credshare_poll(request_rec *r, const wos_srv_cfg *sc,
                               cred_kind_t kind,
                               const unsigned char key[CREDCACHE_KEY],
                               long long now, long long *until)
{
    return credshare_read(r, sc, kind, key, now, until, 1);
}

void credshare_put(request_rec *r, const wos_srv_cfg *sc, cred_kind_t kind,
                   const unsigned char key[CREDCACHE_KEY],
                   const wos_identity_t *id,
                   long long until)
{
    const char *mac_key = credshare_mac_key(sc);
    const cachens_key_t *name;
    char *entry;
    size_t len = 0;
    apr_status_t rv;

    if (!sc->cache || !secrets_mac_key(sc->secrets)
        || until <= apr_time_sec(apr_time_now())
        || !(name = credshare_name(r->pool, sc, kind, key))
        || !(entry = credentry_seal(r->pool, mac_key, name->name, id, until,
                                    &len))) {
        return;
    }
    rv = cache_put(sc->cache, r->server, name, entry, len,
                   apr_time_from_sec(until), r->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, WOSLOGNO(02103)
                      "cannot share a verified credential through %s",
                      cache_spec(sc->cache));
    }
}
