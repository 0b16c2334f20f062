/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: WorkOS's answer to /user_management/authenticate (code
 * exchange and refresh), as the network returns it: parsed as workos_api.c
 * parses it, turned into the session object by api_session_from_answer,
 * then sealed and read back as the next request would.
 *
 * Properties: a session is only made from an answer with string tokens
 * and a user with a string id, and carries exactly those; the previous
 * session passed in is left untouched and its unknown fields are kept;
 * a session whose access token is one session_open accepts (non-empty,
 * at most SESSION_MAX_TOKEN bytes, no NUL) seals into a cookie that opens
 * with that token, so a refresh never writes a cookie the module cannot
 * read. */
#include <string.h>

#include <jansson.h>

#include "fuzz_common.h"
#include "codec/seal.h"
#include "model/session.h"
#include "workos/workos_api.h"

#define FUZZ_PASSWORD "fuzz-cookie-password-0123456789-abcdefghij"
#define FUZZ_NOW_MS 1893456000000LL /* 2030-01-01T00:00:00Z */

static const seal_password_t fuzz_pw = { "1", FUZZ_PASSWORD };
static json_t *fuzz_old;      /* a session as an SDK sealed it */
static json_t *fuzz_old_copy; /* to prove fuzz_old is not changed */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char old[] =
        "{\"accessToken\":\"old.access.token\",\"refreshToken\":\"old\","
        "\"user\":{\"object\":\"user\",\"id\":\"user_01ALICE\","
        "\"email\":\"alice@example.com\",\"firstName\":\"Alice\"},"
        "\"organizationId\":\"org_01ACME\",\"impersonator\":"
        "{\"email\":\"admin@example.com\"},\"customField\":[1,2,3]}";

    (void)argc;
    (void)argv;
    fuzz_init();
    fuzz_old = json_loads(old, 0, NULL);
    fuzz_old_copy = json_deep_copy(fuzz_old);
    if (fuzz_old == NULL || fuzz_old_copy == NULL)
        abort();
    return 0;
}

static int fuzz_same_string(json_t *a, json_t *b)
{
    return json_is_string(a) && json_is_string(b) && json_equal(a, b);
}

static void fuzz_check_shape(json_t *answer, json_t *s, json_t *old)
{
    json_t *user = json_object_get(answer, "user");

    FUZZ_CHECK(json_is_object(s));
    FUZZ_CHECK(fuzz_same_string(json_object_get(s, "accessToken"),
                                json_object_get(answer, "access_token")));
    FUZZ_CHECK(fuzz_same_string(json_object_get(s, "refreshToken"),
                                json_object_get(answer, "refresh_token")));
    FUZZ_CHECK(fuzz_same_string(
        json_object_get(json_object_get(s, "user"), "id"),
        json_object_get(user, "id")));
    if (old != NULL)
        FUZZ_CHECK(json_equal(json_object_get(s, "customField"),
                              json_object_get(old, "customField")));
}

/* Whether session_open takes this access token (session.c's rules). */
static int fuzz_token_ok(json_t *at)
{
    const char *v = json_string_value(at);
    size_t n = json_string_length(at);

    return v != NULL && n > 0 && n <= SESSION_MAX_TOKEN && strlen(v) == n;
}

static void fuzz_seal_and_open(apr_pool_t *p, json_t *s)
{
    char *text = json_dumps(s, JSON_COMPACT), *sealed = NULL;
    session_t out;
    const char *why = NULL;
    json_t *at = json_object_get(s, "accessToken");

    if (text == NULL)
        return;
    if (seal_seal(p, text, strlen(text), &fuzz_pw, FUZZ_NOW_MS, 0, &sealed)
        == SEAL_OK && fuzz_token_ok(at)) {
        FUZZ_CHECK(session_open(p, sealed, &fuzz_pw, 1, FUZZ_NOW_MS, &out,
                                &why) == 0);
        FUZZ_CHECK(strcmp(out.access_token, json_string_value(at)) == 0);
    }
    free(text);
}

static void fuzz_one(apr_pool_t *p, json_t *answer, json_t *old)
{
    json_t *s = api_session_from_answer(answer, old);

    if (s == NULL)
        return;
    fuzz_check_shape(answer, s, old);
    fuzz_seal_and_open(p, s);
    json_decref(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    json_t *answer = json_loadb((const char *)data, size,
                                JSON_REJECT_DUPLICATES, NULL);

    fuzz_one(p, answer, NULL);
    fuzz_one(p, answer, fuzz_old);
    FUZZ_CHECK(json_equal(fuzz_old, fuzz_old_copy));
    json_decref(answer);
    fuzz_end(p);
    return 0;
}
