/* SPDX-License-Identifier: Apache-2.0 */
/* Revocation lookup memo; see revmemo.h. */
#include <stdio.h>
#include <stdlib.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include "store/revmemo.h"

struct revmemo {
    apr_thread_mutex_t *lock;
    apr_pool_t *pool;        /* owns memo; cleared with it */
    apr_hash_t *memo;        /* key -> "" not recorded, or the value */
    unsigned long epoch;     /* written under the lock, read atomically */
    unsigned int max;
};

static apr_status_t revmemo_free(void *data)
{
    revmemo_t *m = data;

    if (m->pool) {
        apr_pool_destroy(m->pool);
        m->pool = NULL;
    }
    return APR_SUCCESS;
}

revmemo_t *revmemo_create(apr_pool_t *p, unsigned int max_entries)
{
    revmemo_t *m = apr_pcalloc(p, sizeof(*m));

    if (apr_thread_mutex_create(&m->lock, APR_THREAD_MUTEX_DEFAULT, p)
        != APR_SUCCESS
        || apr_pool_create_unmanaged_ex(&m->pool, NULL, NULL)
           != APR_SUCCESS) {
        return NULL;
    }
    apr_pool_cleanup_register(p, m, revmemo_free, apr_pool_cleanup_null);
    m->memo = apr_hash_make(m->pool);
    m->max = max_entries;
    return m;
}

/* Under the lock. */
static void revmemo_forget(revmemo_t *m)
{
    apr_pool_clear(m->pool);
    m->memo = apr_hash_make(m->pool);
}

int revmemo_get(revmemo_t *m, const char *key, long long *value,
                unsigned long *epoch)
{
    const char *known;

    apr_thread_mutex_lock(m->lock);
    known = apr_hash_get(m->memo, key, APR_HASH_KEY_STRING);
    *epoch = m->epoch;
    apr_thread_mutex_unlock(m->lock);
    if (!known) {
        return -1;
    }
    if (!*known) {
        return 0;
    }
    *value = strtoll(known, NULL, 10);
    return 1;
}

void revmemo_put(revmemo_t *m, const char *key, int recorded,
                 long long value, unsigned long epoch)
{
    apr_thread_mutex_lock(m->lock);
    if (m->epoch == epoch) {
        if (apr_hash_count(m->memo) >= m->max) {
            revmemo_forget(m);
        }
        apr_hash_set(m->memo, apr_pstrdup(m->pool, key), APR_HASH_KEY_STRING,
                     recorded ? apr_psprintf(m->pool, "%" APR_INT64_T_FMT,
                                          (apr_int64_t)value) : "");
    }
    apr_thread_mutex_unlock(m->lock);
}

unsigned long revmemo_epoch(revmemo_t *m)
{
    return __atomic_load_n(&m->epoch, __ATOMIC_ACQUIRE);
}

void revmemo_clear(revmemo_t *m)
{
    apr_thread_mutex_lock(m->lock);
    __atomic_add_fetch(&m->epoch, 1, __ATOMIC_ACQ_REL);
    revmemo_forget(m);
    apr_thread_mutex_unlock(m->lock);
}
