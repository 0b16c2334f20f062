/* SPDX-License-Identifier: Apache-2.0 */
/* Shared plumbing for the libFuzzer targets: APR start-up, one pool per
 * input, and a check macro that turns a broken property into a crash
 * libFuzzer records. */
#ifndef WOS_FUZZ_COMMON_H
#define WOS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <apr_pools.h>

/* Starts APR once and returns a pool that lives for the whole run (for
 * state built at start-up, such as a signing key). */
apr_pool_t *fuzz_init(void);

/* A fresh pool for one input. While it is live, every apr_palloc is a
 * separate malloc (see fuzz_common.c), so ASan sees each bound. */
apr_pool_t *fuzz_begin(void);

/* Destroys the pool (running its cleanups) and frees its allocations. */
void fuzz_end(apr_pool_t *p);

/* A malloc'd NUL-terminated copy of the input, exactly size + 1 bytes, for
 * the parsers that take C strings (httpd hands them C strings too). */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* A property the code promises; a failure aborts, which libFuzzer saves as
 * a crash input. */
#define FUZZ_CHECK(cond)                                                    \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__,       \
                    __LINE__, #cond);                                       \
            abort();                                                        \
        }                                                                   \
    } while (0)

#endif
