/* Unit tests for src/jsonparse.c: the strict JSON reader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "jsonparse.h"

static json_t *parse(const char *s, int depth)
{
    return jsonparse_object(s, strlen(s), depth);
}

/* Accepted, and equal to what jansson builds from the same text. */
static void accepts(const char *s)
{
    json_error_t err;
    json_t *ours = parse(s, 64);
    json_t *ref = json_loads(s, JSON_REJECT_DUPLICATES, &err);

    assert_non_null(ours);
    assert_non_null(ref);
    assert_true(json_equal(ours, ref));
    json_decref(ours);
    json_decref(ref);
}

static void refuses(const char *s)
{
    json_t *v = parse(s, 64);

    if (v != NULL)
        fail_msg("accepted: %s", s);
}

static void test_claims(void **state)
{
    (void)state;
    accepts("{\"iss\":\"https://api.workos.com\",\"sub\":\"user_01\","
            "\"exp\":1700000300,\"iat\":1.7e9,\"roles\":[\"a\",\"b\"],"
            "\"act\":{\"sub\":\"x\"},\"t\":true,\"f\":false,\"n\":null}");
    accepts(" {\"a\" : [ 1 , -0 , 0.5 , 1E+2 , 2e-2 ] , \"b\" : { } } \r\n");
    accepts("{}");
}

static void test_types(void **state)
{
    json_t *v = parse("{\"i\":42,\"r\":42.0,\"big\":9223372036854775807}",
                      8);

    (void)state;
    assert_non_null(v);
    assert_true(json_is_integer(json_object_get(v, "i")));
    assert_true(json_is_real(json_object_get(v, "r")));
    assert_int_equal(json_integer_value(json_object_get(v, "big")),
                     9223372036854775807LL);
    json_decref(v);
}

static void test_strings(void **state)
{
    json_t *v = parse("{\"s\":\"a\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\\t\"}",
                      8);

    (void)state;
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "s")),
                        "a\xc3\xa9\xf0\x9f\x98\x80\n\"\\/\t");
    json_decref(v);
    accepts("{\"k\xc3\xa9y\":\"\xe2\x82\xac\xf4\x8f\xbf\xbf\"}");
}

static void test_refusals(void **state)
{
    (void)state;
    refuses("");
    refuses("[]");                       /* an object only */
    refuses("\"x\"");
    refuses("{\"a\":1,\"a\":2}");        /* duplicate member */
    refuses("{\"o\":{\"a\":1,\"a\":1}}"); /* at any depth */
    refuses("{\"a\":1} x");              /* trailing garbage */
    refuses("{\"a\":1,}");
    refuses("{\"a\":[1,]}");
    refuses("{\"a\":01}");
    refuses("{\"a\":1.}");
    refuses("{\"a\":.5}");
    refuses("{\"a\":-}");
    refuses("{\"a\":1e}");
    refuses("{\"a\":+1}");
    refuses("{\"a\":9223372036854775808}"); /* past long long */
    refuses("{\"a\":1e999}");            /* real overflow */
    refuses("{\"a\":tru}");
    refuses("{\"a\":\"\\u0000\"}");      /* NUL */
    refuses("{\"a\":\"\\ud83d\"}");      /* lone high surrogate */
    refuses("{\"a\":\"\\ude00\"}");      /* lone low surrogate */
    refuses("{\"a\":\"\\x\"}");
    refuses("{\"a\":\"\t\"}");           /* raw control character */
    refuses("{\"a\":\"\xc0\xaf\"}");     /* overlong */
    refuses("{\"a\":\"\xed\xa0\x80\"}"); /* encoded surrogate */
    refuses("{\"a\":\"\xf4\x90\x80\x80\"}"); /* above U+10FFFF */
    refuses("{\"a\":\"\xe2\x82\"}");     /* truncated */
    refuses("{\"a\":\"abc");
    refuses("{a:1}");
    refuses("{\"a\" 1}");
}

static void test_embedded_nul_in_input(void **state)
{
    static const char s[] = "{\"a\":\"x\0y\"}";
    /* jansson 2.14 loads this one (it drops the NUL after the number) */
    static const char t[] = "{\"a\":922\0}";

    (void)state;
    assert_null(jsonparse_object(s, sizeof(s) - 1, 8));
    assert_null(jsonparse_object(t, sizeof(t) - 1, 8));
}

static void test_depth(void **state)
{
    json_t *v;

    (void)state;
    /* every value counts a level, as in jansson: {"a":[[1]]} is 4 deep */
    v = parse("{\"a\":[[1]]}", 4);
    assert_non_null(v);
    json_decref(v);
    assert_null(parse("{\"a\":[[1]]}", 3));
    assert_null(parse("{}", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_embedded_nul_in_input),
        cmocka_unit_test(test_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
