/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/b64url.c: strict base64url without padding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "codec/b64url.h"

/* Decodes a NUL-terminated string; -1 on rejection. */
static int decode(const char *in, unsigned char *out, size_t cap, size_t *n)
{
    return b64url_decode(in, strlen(in), out, cap, n);
}

static void check_pair(const char *plain, const char *enc)
{
    char buf[64];
    unsigned char dec[64];
    size_t n = 0, len = strlen(plain);

    assert_int_equal(b64url_encoded_len(len), strlen(enc));
    b64url_encode((const unsigned char *)plain, len, buf);
    assert_string_equal(buf, enc);
    assert_int_equal(decode(enc, dec, sizeof(dec), &n), 0);
    assert_int_equal(n, len);
    assert_memory_equal(dec, plain, len);
}

/* RFC 4648 section 10, without padding. */
static void test_rfc4648_vectors(void **state)
{
    (void)state;
    check_pair("", "");
    check_pair("f", "Zg");
    check_pair("fo", "Zm8");
    check_pair("foo", "Zm9v");
    check_pair("foob", "Zm9vYg");
    check_pair("fooba", "Zm9vYmE");
    check_pair("foobar", "Zm9vYmFy");
}

/* The two characters that differ from standard base64. */
static void test_url_alphabet(void **state)
{
    static const unsigned char dashes[] = { 0xfb, 0xef, 0xbe };
    static const unsigned char unders[] = { 0xff, 0xff, 0xff };
    static const unsigned char mixed[] = { 0xfb, 0xff };
    char buf[16];
    unsigned char dec[8];
    size_t n;

    (void)state;
    b64url_encode(dashes, 3, buf);
    assert_string_equal(buf, "----");
    b64url_encode(unders, 3, buf);
    assert_string_equal(buf, "____");
    b64url_encode(mixed, 2, buf);
    assert_string_equal(buf, "-_8");
    assert_int_equal(decode("-_8", dec, sizeof(dec), &n), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(dec, mixed, 2);
}

static void test_rejects_standard_alphabet_and_padding(void **state)
{
    unsigned char dec[16];
    size_t n;

    (void)state;
    assert_int_equal(decode("++++", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("////", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("Zg==", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("Zm8=", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("Zm9v\n", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("Zm 9v", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("Zm9\x80", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("Zm9\xff", dec, sizeof(dec), &n), -1);
    assert_int_equal(b64url_decode("Zm\0v", 4, dec, sizeof(dec), &n), -1);
}

/* A length of 1 mod 4 carries only 6 bits: never a whole byte. */
static void test_rejects_length_1_mod_4(void **state)
{
    unsigned char dec[16];
    size_t n;

    (void)state;
    assert_int_equal(decode("Z", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("Zm9vY", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("Zm9vYmFyZ", dec, sizeof(dec), &n), -1);
}

/* Two characters carry 12 bits for one byte: the low 4 bits of the second
 * must be zero. Three carry 18 bits for two bytes: the low 2 must be. */
static void test_rejects_set_trailing_bits(void **state)
{
    unsigned char dec[16];
    size_t n;

    (void)state;
    assert_int_equal(decode("AA", dec, sizeof(dec), &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(dec[0], 0);
    assert_int_equal(decode("AQ", dec, sizeof(dec), &n), 0);
    assert_int_equal(dec[0], 1);
    assert_int_equal(decode("AB", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("AP", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("Zh", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("Zm8", dec, sizeof(dec), &n), 0);
    assert_int_equal(decode("Zm9", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("Zm-", dec, sizeof(dec), &n), -1);
    assert_int_equal(decode("Zm9vYh", dec, sizeof(dec), &n), -1);
}

static void test_capacity_is_enforced(void **state)
{
    unsigned char dec[8];
    size_t n;

    (void)state;
    assert_int_equal(decode("Zm9vYmFy", dec, 5, &n), -1);
    assert_int_equal(decode("Zm9vYmFy", dec, 6, &n), 0);
    assert_int_equal(n, 6);
    assert_int_equal(decode("Zm9vYmE", dec, 4, &n), -1);
}

static void test_lengths(void **state)
{
    (void)state;
    assert_int_equal(b64url_encoded_len(0), 0);
    assert_int_equal(b64url_encoded_len(1), 2);
    assert_int_equal(b64url_encoded_len(2), 3);
    assert_int_equal(b64url_encoded_len(3), 4);
    assert_int_equal(b64url_encoded_len(16), 22);
    assert_int_equal(b64url_encoded_len(32), 43);
    assert_int_equal(b64url_decoded_max(0), 0);
    assert_int_equal(b64url_decoded_max(2), 1);
    assert_int_equal(b64url_decoded_max(3), 2);
    assert_int_equal(b64url_decoded_max(4), 3);
    assert_int_equal(b64url_decoded_max(22), 16);
    assert_int_equal(b64url_decoded_max(43), 32);
}

/* Every length and every byte value survives a round trip. */
static void test_round_trip(void **state)
{
    unsigned char in[300], dec[300];
    char enc[401];
    size_t len, i, n;

    (void)state;
    for (i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)(i * 7 + 3);
    for (len = 0; len <= sizeof(in); len++) {
        b64url_encode(in, len, enc);
        assert_int_equal(strlen(enc), b64url_encoded_len(len));
        assert_int_equal(b64url_decode(enc, strlen(enc), dec,
                                       b64url_decoded_max(strlen(enc)), &n),
                         0);
        assert_int_equal(n, len);
        assert_memory_equal(dec, in, len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_url_alphabet),
        cmocka_unit_test(test_rejects_standard_alphabet_and_padding),
        cmocka_unit_test(test_rejects_length_1_mod_4),
        cmocka_unit_test(test_rejects_set_trailing_bits),
        cmocka_unit_test(test_capacity_is_enforced),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
