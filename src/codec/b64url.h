/* SPDX-License-Identifier: Apache-2.0 */
/* Strict base64url (RFC 4648 section 5) without padding: the encoding of
 * every JWT segment and every iron seal field. Pure: no APR, no httpd. */
#ifndef WOS_B64URL_H
#define WOS_B64URL_H

#include <stddef.h>

/* Characters needed to encode n bytes, without the terminating NUL. */
size_t b64url_encoded_len(size_t n);

/* Upper bound of bytes decoded from len characters. */
size_t b64url_decoded_max(size_t len);

/* Writes b64url_encoded_len(n) characters and a NUL to out. */
void b64url_encode(const unsigned char *in, size_t n, char *out);

/* Decodes exactly len characters. Rejects padding, characters outside the
 * alphabet, a length of 1 mod 4, and unused trailing bits that are set
 * (so every byte string has exactly one accepted encoding).
 * Returns 0 and sets *outlen, or -1. */
int b64url_decode(const char *in, size_t len, unsigned char *out,
                  size_t outcap, size_t *outlen);

#endif
