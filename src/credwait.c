/* One check per host of a credential met at once; see credwait.h. */
#include <string.h>
#include "httpd.h"
#include "http_log.h"
#include "apr_time.h"
#include "credwait.h"
#include "credshare.h"
#include "inflight.h"
#include "stats.h"
#include "log.h"

APLOG_USE_MODULE(auth_workos);

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

static apr_status_t credwait_release(void *data)
{
    credwait_claim_t *c = data;

    if (c->held) {
        inflight_release(credwait_table, c->key, c->at_ms,
                         CREDWAIT_HOLD_MS);
        c->held = 0;
    }
    return APR_SUCCESS;
}

static void credwait_hold(request_rec *r, credwait_claim_t *claim,
                          const unsigned char key[CREDCACHE_KEY],
                          apr_uint64_t now_ms)
{
    memcpy(claim->key, key, CREDCACHE_KEY);
    claim->at_ms = now_ms;
    claim->held = 1;
    apr_pool_cleanup_register(r->pool, claim, credwait_release,
                              apr_pool_cleanup_null);
}

wos_identity_t *credwait_shared(request_rec *r, const wos_srv_cfg *sc,
                                char kind,
                                const unsigned char key[CREDCACHE_KEY],
                                long long now, credwait_claim_t *claim,
                                long long *until)
{
    apr_uint64_t ms = credwait_now_ms(), give_up = ms + CREDWAIT_HOLD_MS;
    inflight_rc rc = inflight_claim(credwait_table, key, ms,
                                    CREDWAIT_HOLD_MS);
    wos_identity_t *id;

    claim->held = 0;
    if (rc == INFLIGHT_MINE) {
        credwait_hold(r, claim, key, ms);
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
    /* another process is verifying it: wait for its result */
    while (ms < give_up) {
        apr_sleep(CREDWAIT_POLL_USEC);
        ms = credwait_now_ms();
        if ((id = credshare_poll(r, sc, kind, key, (long long)(ms / 1000),
                                 until))) {
            stats_inc(STAT_VERIFY_WAITS);
            return id;
        }
        rc = inflight_claim(credwait_table, key, ms, CREDWAIT_HOLD_MS);
        if (rc == INFLIGHT_MINE) {
            /* it let go without storing (refused, or too short-lived to
             * share) or its claim lapsed: this request verifies; a result
             * stored in between is still taken */
            credwait_hold(r, claim, key, ms);
            if ((id = credshare_poll(r, sc, kind, key,
                                     (long long)(ms / 1000), until))) {
                credwait_done(r, claim);
            }
            return id;
        }
        if (rc == INFLIGHT_NONE) {
            return NULL;
        }
    }
    return NULL;
}

void credwait_done(request_rec *r, credwait_claim_t *claim)
{
    if (claim->held) {
        apr_pool_cleanup_run(r->pool, claim, credwait_release);
    }
}
