/* Strict base64url without padding (RFC 4648 section 5). */
#include "b64url.h"

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

/* Value of one alphabet character, or -1. Written as ranges rather than a
 * table lookup on a signed char so that bytes >= 0x80 cannot index out. */
static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

int b64url_decode(const char *in, size_t len, unsigned char *out,
                  size_t outcap, size_t *outlen)
{
    unsigned long acc = 0;
    int bits = 0;
    size_t i, o = 0;

    if (len % 4 == 1 || b64url_decoded_max(len) > outcap)
        return -1;
    for (i = 0; i < len; i++) {
        int v = b64url_value((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = ((acc << 6) | (unsigned long)v) & 0xffffUL;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    /* Left-over bits must be zero, else two strings would decode to the
     * same bytes and a MAC could be altered without detection. */
    if ((acc & ((1UL << bits) - 1)) != 0)
        return -1;
    *outlen = o;
    return 0;
}
