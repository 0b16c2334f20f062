/* SPDX-License-Identifier: Apache-2.0 */
/* One check per host of a credential met at once; see credwait.h. */
#include <string.h>
#include "httpd.h"
#include "http_log.h"
#include "apr_time.h"
#include "state/credwait.h"
#include "state/credshare.h"
#include "store/inflight.h"
#include "base/stats.h"
#include "base/module.h"


/* In the process pool, so it outlives a graceful restart's DSO reload. */
#define CREDWAIT_TABLE_NAME "auth_workos:inflight"

/* Made by the parent (post_config), inherited by every child. */
static inflight_t *credwait_table;

int credwait_init(server_rec *s)
{
    apr_pool_t *proc = s->process->pool;
    void *found = NULL;

    apr_pool_userdata_get(&found, CREDWAIT_TABLE_NAME, proc);
    if (!found) {
        if (!(found = inflight_create(proc, INFLIGHT_SLOTS))) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, WOSLOGNO(00310)
                         "cannot create the table of credentials being "
                         "verified (%u slots in shared memory)",
                         INFLIGHT_SLOTS);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        apr_pool_userdata_set(found, CREDWAIT_TABLE_NAME, NULL, proc);
    }
    credwait_table = found;
    return OK;
}

static apr_uint64_t credwait_now_ms(void)
{
    return (apr_uint64_t)apr_time_as_msec(apr_time_now());
}

/* WorkOSHTTPTimeout (0: none) plus the slack, at most the table's
 * longest hold. */
static apr_uint32_t credwait_hold_ms(const wos_srv_cfg *sc)
{
    apr_uint64_t ms = sc->http_timeout > 0
                      ? (apr_uint64_t)sc->http_timeout * 1000
                      : INFLIGHT_HOLD_MAX_MS;

    ms += CREDWAIT_SLACK_MS;
    return ms < INFLIGHT_HOLD_MAX_MS ? (apr_uint32_t)ms : INFLIGHT_HOLD_MAX_MS;
}

static apr_status_t credwait_release(void *data)
{
    credwait_claim_t *c = data;

    if (c->held) {
        inflight_release(credwait_table, c->key, c->at_ms, c->hold_ms);
        c->held = 0;
    }
    return APR_SUCCESS;
}

static void credwait_hold(request_rec *r, credwait_claim_t *claim,
                          const unsigned char key[CREDCACHE_KEY],
                          apr_uint64_t now_ms, apr_uint32_t hold_ms)
{
    memcpy(claim->key, key, CREDCACHE_KEY);
    claim->at_ms = now_ms;
    claim->hold_ms = hold_ms;
    claim->held = 1;
    apr_pool_cleanup_register(r->pool, claim, credwait_release,
                              apr_pool_cleanup_null);
}

/* Waits while another process verifies the credential (it stores its
 * result, then lets go), looking at the claim, not at the cache: one
 * atomic read per look. Then takes the result, or claims and verifies. */
static wos_identity_t *credwait_wait(request_rec *r, const wos_srv_cfg *sc,
                                     cred_kind_t kind,
                                     const unsigned char key[CREDCACHE_KEY],
                                     apr_uint64_t ms, apr_uint32_t hold,
                                     credwait_claim_t *claim,
                                     long long *until)
{
    apr_uint64_t give_up = ms + hold;
    wos_identity_t *id;
    unsigned int looks = 0;
    inflight_rc rc;

    while (ms < give_up) {
        apr_sleep(looks++ < CREDWAIT_FAST_POLLS ? CREDWAIT_POLL_USEC
                                                : CREDWAIT_SLOW_POLL_USEC);
        ms = credwait_now_ms();
        if (inflight_held(credwait_table, key, ms)) {
            continue;
        }
        if ((id = credshare_poll(r, sc, kind, key, (long long)(ms / 1000),
                                 until))) {
            stats_inc(STAT_VERIFY_WAITS);
            return id;
        }
        rc = inflight_claim(credwait_table, key, ms, hold);
        if (rc == INFLIGHT_MINE) {
            /* it let go without storing (refused, or too short-lived to
             * share) or its claim lapsed: this request verifies; a result
             * stored in between is still taken */
            credwait_hold(r, claim, key, ms, hold);
            if ((id = credshare_poll(r, sc, kind, key,
                                     (long long)(ms / 1000), until))) {
                credwait_done(r, claim);
            }
            return id;
        }
        if (rc == INFLIGHT_NONE) {
            return NULL;
        }
        /* BUSY: another waiter claimed it first; wait for that one */
    }
    return NULL;
}

wos_identity_t *credwait_shared(request_rec *r, const wos_srv_cfg *sc,
                                cred_kind_t kind,
                                const unsigned char key[CREDCACHE_KEY],
                                long long now, credwait_claim_t *claim,
                                long long *until)
{
    apr_uint64_t ms = credwait_now_ms();
    apr_uint32_t hold = credwait_hold_ms(sc);
    inflight_rc rc = inflight_claim(credwait_table, key, ms, hold);
    wos_identity_t *id;

    claim->held = 0;
    if (rc == INFLIGHT_MINE) {
        credwait_hold(r, claim, key, ms, hold);
    }
    /* claimed before looking: one that stored and let go just now is
     * seen here, and one still verifying holds the claim */
    id = credshare_get(r, sc, kind, key, now, until);
    if (id) {
        credwait_done(r, claim);
        return id;
    }
    if (rc != INFLIGHT_BUSY) {
        return NULL;    /* MINE keeps its claim: the caller verifies */
    }
    return credwait_wait(r, sc, kind, key, ms, hold, claim, until);
}

void credwait_done(request_rec *r, credwait_claim_t *claim)
{
    if (claim->held) {
        apr_pool_cleanup_run(r->pool, claim, credwait_release);
    }
}
