/* SPDX-License-Identifier: Apache-2.0 */
/* PKCE (RFC 7636, S256). Pure: OpenSSL and APR. */
#ifndef WOS_PKCE_H
#define WOS_PKCE_H

#include <apr_pools.h>

/* base64url(SHA-256(verifier)), the S256 code_challenge. */
const char *pkce_challenge(apr_pool_t *p, const char *verifier);

#endif
