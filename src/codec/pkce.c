/* SPDX-License-Identifier: Apache-2.0 */
/* PKCE; see pkce.h. */
#include <openssl/sha.h>
#include "codec/pkce.h"
#include "codec/b64url.h"

const char *pkce_challenge(apr_pool_t *p, const char *verifier)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    char *out;

    SHA256((const unsigned char *)verifier, strlen(verifier), md);
    out = apr_palloc(p, b64url_encoded_len(sizeof(md)) + 1);
    b64url_encode(md, sizeof(md), out);
    return out;
}
