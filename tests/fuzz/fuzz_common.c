/* SPDX-License-Identifier: Apache-2.0 */
/* Shared plumbing for the fuzz targets; see fuzz_common.h.
 *
 * APR pools hand out slices of 8 KiB blocks, so a write one byte past an
 * apr_palloc'd buffer lands in the next slice and ASan never notices.
 * While a target runs, this file therefore defines apr_palloc itself: the
 * executable's definition comes first in symbol lookup, so the parsers'
 * calls and libapr's own (apr_pstrmemdup, apr_array_push, cleanup
 * records) all come here. Allocations from the input's pool become
 * separate mallocs with exact bounds, freed after the pool is destroyed;
 * any other pool is passed on to APR unchanged. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT (APR_CFLAGS usually sets it already) */
#endif
#include "fuzz_common.h"

#include <dlfcn.h>
#include <string.h>

#include <apr_general.h>

typedef void *(*palloc_fn)(apr_pool_t *p, apr_size_t size);

static apr_pool_t *fuzz_global;
static apr_pool_t *fuzz_run_pool;
static void **fuzz_blocks;
static size_t fuzz_nblocks, fuzz_capblocks;

static palloc_fn fuzz_real_palloc(void)
{
    static palloc_fn real;

    if (real == NULL) {
        /* POSIX lets a data pointer become a function pointer this way. */
        *(void **)&real = dlsym(RTLD_NEXT, "apr_palloc");
        if (real == NULL)
            abort();
    }
    return real;
}

static void fuzz_track(void *m)
{
    if (fuzz_nblocks == fuzz_capblocks) {
        size_t cap = fuzz_capblocks ? fuzz_capblocks * 2 : 256;
        void **b = realloc(fuzz_blocks, cap * sizeof(*b));
        if (b == NULL)
            abort();
        fuzz_blocks = b;
        fuzz_capblocks = cap;
    }
    fuzz_blocks[fuzz_nblocks++] = m;
}

void *apr_palloc(apr_pool_t *p, apr_size_t size)
{
    void *m;

    if (p != fuzz_run_pool)
        return fuzz_real_palloc()(p, size);
    m = malloc(size);
    /* APR aborts on allocation failure too (its default abort function). */
    if (m == NULL && size > 0)
        abort();
    fuzz_track(m);
    return m;
}

/* The header turns apr_pcalloc into a macro; libapr still calls the
 * function, so it must come here as well. */
#undef apr_pcalloc
void *apr_pcalloc(apr_pool_t *p, apr_size_t size)
{
    void *m = apr_palloc(p, size);

    if (m != NULL)
        memset(m, 0, size);
    return m;
}

apr_pool_t *fuzz_init(void)
{
    if (fuzz_global == NULL) {
        if (apr_initialize() != APR_SUCCESS
            || apr_pool_create(&fuzz_global, NULL) != APR_SUCCESS)
            abort();
    }
    return fuzz_global;
}

apr_pool_t *fuzz_begin(void)
{
    apr_pool_t *p;

    if (apr_pool_create(&p, fuzz_init()) != APR_SUCCESS)
        abort();
    fuzz_run_pool = p;
    return p;
}

void fuzz_end(apr_pool_t *p)
{
    size_t i;

    /* Cleanups walk records that live in tracked blocks: free after. */
    apr_pool_destroy(p);
    fuzz_run_pool = NULL;
    for (i = 0; i < fuzz_nblocks; i++)
        free(fuzz_blocks[i]);
    fuzz_nblocks = 0;
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}
