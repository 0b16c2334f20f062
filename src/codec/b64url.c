/* SPDX-License-Identifier: Apache-2.0 */
/* Strict base64url without padding (RFC 4648 section 5). */
#include "codec/b64url.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64url_encoded_len(size_t n)
{
    return (n / 3) * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

size_t b64url_decoded_max(size_t len)
{
    return (len / 4) * 3 + (len % 4) * 3 / 4;
}

void b64url_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i = 0, o = 0;

    for (; i + 3 <= n; i += 3) {
        unsigned long v = ((unsigned long)in[i] << 16)
                        | ((unsigned long)in[i + 1] << 8) | in[i + 2];
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
        out[o++] = b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        out[o++] = b64url_alphabet[in[i] >> 2];
        out[o++] = b64url_alphabet[(in[i] & 3) << 4];
    } else if (n - i == 2) {
        unsigned v = ((unsigned)in[i] << 8) | in[i + 1];
        out[o++] = b64url_alphabet[(v >> 10) & 63];
        out[o++] = b64url_alphabet[(v >> 4) & 63];
        out[o++] = b64url_alphabet[(v << 2) & 63];
    }
    out[o] = '\0';
}

/* Value of each byte in the alphabet, or -1. Indexed by an unsigned char,
 * so every byte value (0x80 and above included) has an entry. */
static const signed char b64url_values[256] = {
#define B64_X -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
    B64_X, B64_X,                                          /* 0x00-0x1f */
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
    -1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X, B64_X /* 0x80-0xff */
#undef B64_X
};

int b64url_decode(const char *in, size_t len, unsigned char *out,
                  size_t outcap, size_t *outlen)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, o = 0, rest;
    int a, b, c, d;
    unsigned long v;

    if (len % 4 == 1 || b64url_decoded_max(len) > outcap)
        return -1;
    /* Four characters, three bytes at a time; a -1 anywhere makes the OR
     * of the four values negative. */
    for (; i + 4 <= len; i += 4) {
        a = b64url_values[s[i]];
        b = b64url_values[s[i + 1]];
        c = b64url_values[s[i + 2]];
        d = b64url_values[s[i + 3]];
        if ((a | b | c | d) < 0)
            return -1;
        v = (unsigned long)a << 18 | (unsigned long)b << 12
            | (unsigned long)c << 6 | (unsigned long)d;
        out[o++] = (unsigned char)(v >> 16);
        out[o++] = (unsigned char)(v >> 8);
        out[o++] = (unsigned char)v;
    }
    rest = len - i;
    if (rest >= 2) {
        a = b64url_values[s[i]];
        b = b64url_values[s[i + 1]];
        c = rest == 3 ? b64url_values[s[i + 2]] : 0;
        if ((a | b | c) < 0)
            return -1;
        v = (unsigned long)a << 18 | (unsigned long)b << 12
            | (unsigned long)c << 6;
        /* Left-over bits must be zero, else two strings would decode to
         * the same bytes and a MAC could be altered without detection. */
        if ((v & (rest == 2 ? 0xffffUL : 0xffUL)) != 0)
            return -1;
        out[o++] = (unsigned char)(v >> 16);
        if (rest == 3)
            out[o++] = (unsigned char)(v >> 8);
    }
    *outlen = o;
    return 0;
}
