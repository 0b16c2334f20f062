/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: Require workos-access's pure parts (model/access.c). The
 * input is read three ways: as WorkOS's answer to an access check, as a
 * page of the organization memberships list (both parsed as
 * workos_api.c parses answers), and as ids: the whole input, and its
 * lines taken as permission, resource type and resource.
 *
 * Properties: an answer decides only when it is an object whose
 * "authorized" is exactly true or false (anything else is -1, never a
 * grant); a membership id comes only from an element of "data" whose
 * organization_id is exactly the organisation asked about, whose user_id
 * (if any) is exactly the user, that is not inactive, and it is the first
 * such, a usable id in full (no NUL cuts it short); access_id_ok takes
 * exactly 1 to ACCESS_MAX_ID bytes of '!' to '~'; the check body carries
 * the ids unchanged under the keys WorkOS's SDK uses, and nothing else;
 * the cache names split back into exactly the parts they were made of. */
#include <string.h>

#include <jansson.h>

#include "model/access.h"
#include "fuzz_common.h"

#define FUZZ_USER "user_01ALICE"
#define FUZZ_ORG "org_01ACME"
#define FUZZ_ENV "env_tag_01"
#define FUZZ_SEP '\x1f'

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

/* The rule access.h states, written out independently. */
static int fuzz_id_ok_ref(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > ACCESS_MAX_ID)
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return 0;
    return 1;
}

static void fuzz_check_answer(const json_t *answer)
{
    const json_t *a = json_is_object(answer)
                      ? json_object_get(answer, "authorized") : NULL;
    int got = access_answer(answer);

    if (a != NULL && json_typeof(a) == JSON_TRUE)
        FUZZ_CHECK(got == 1);
    else if (a != NULL && json_typeof(a) == JSON_FALSE)
        FUZZ_CHECK(got == 0);
    else
        FUZZ_CHECK(got == -1);
}

/* j is a JSON string equal to s, all of it (no NUL inside). */
static int fuzz_is(const json_t *j, const char *s)
{
    return json_is_string(j) && json_string_length(j) == strlen(s)
           && memcmp(json_string_value(j), s, strlen(s)) == 0;
}

/* The element of a list page that may be picked, as access.h says. */
static int fuzz_member_ok(const json_t *m, const char *user, const char *org)
{
    const json_t *id = json_object_get(m, "id");
    const json_t *u = json_object_get(m, "user_id");
    const json_t *st = json_object_get(m, "status");

    return fuzz_is(json_object_get(m, "organization_id"), org)
           && (!json_is_string(u) || fuzz_is(u, user))
           && !(json_is_string(st)
                && strcmp(json_string_value(st), "inactive") == 0)
           && json_is_string(id)
           && strlen(json_string_value(id)) == json_string_length(id)
           && fuzz_id_ok_ref(json_string_value(id));
}

static void fuzz_check_list(const json_t *answer, const char *user,
                            const char *org)
{
    const json_t *data = json_is_object(answer)
                         ? json_object_get(answer, "data") : NULL;
    const char *got = access_membership_from_list(answer, user, org);
    const json_t *m;
    size_t i;

    if (got == NULL)
        return;
    FUZZ_CHECK(json_is_array(data));
    FUZZ_CHECK(access_id_ok(got) && fuzz_id_ok_ref(got));
    json_array_foreach(data, i, m) {
        if (json_string_value(json_object_get(m, "id")) == got) {
            FUZZ_CHECK(fuzz_member_ok(m, user, org));
            return;
        }
        /* an earlier membership that fits would have been picked */
        FUZZ_CHECK(!fuzz_member_ok(m, user, org));
    }
    FUZZ_CHECK(!"the id is none of the list's");
}

static void fuzz_check_body(const char *perm, const char *type,
                            const char *ext)
{
    json_t *b = access_check_body(perm, type, ext);
    char *text;
    json_t *back;

    if (!access_id_ok(perm) || (type && !access_id_ok(type))
        || !access_id_ok(ext)) {
        json_decref(b);
        return;  /* never sent: the caller checks the ids first */
    }
    FUZZ_CHECK(b != NULL);
    text = json_dumps(b, JSON_COMPACT);
    FUZZ_CHECK(text != NULL);
    back = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    FUZZ_CHECK(json_is_object(back));
    FUZZ_CHECK(json_object_size(back) == (type ? 3u : 2u));
    FUZZ_CHECK(fuzz_is(json_object_get(back, "permission_slug"), perm));
    if (type) {
        FUZZ_CHECK(fuzz_is(json_object_get(back, "resource_type_slug"),
                           type));
        FUZZ_CHECK(fuzz_is(json_object_get(back, "resource_external_id"),
                           ext));
    }
    else
        FUZZ_CHECK(fuzz_is(json_object_get(back, "resource_id"), ext));
    json_decref(back);
    free(text);
    json_decref(b);
}

/* name is parts[0] SEP parts[1] ... SEP parts[n-1], exactly. */
static void fuzz_check_name(const char *name, const char *const *parts,
                            int n)
{
    int i;

    for (i = 0; i < n; i++) {
        size_t l = strlen(parts[i]);
        FUZZ_CHECK(strncmp(name, parts[i], l) == 0);
        name += l;
        FUZZ_CHECK(*name == (i == n - 1 ? '\0' : FUZZ_SEP));
        if (*name)
            name++;
    }
}

static void fuzz_check_names(apr_pool_t *p, long long gen, const char *perm,
                             const char *type, const char *ext)
{
    char gtext[24];
    const char *dparts[7], *mparts[4];

    if (!access_id_ok(perm) || (type && !access_id_ok(type))
        || !access_id_ok(ext))
        return;
    snprintf(gtext, sizeof(gtext), "%lld", gen > 0 ? gen : 0);
    dparts[0] = mparts[0] = FUZZ_ENV;
    dparts[1] = mparts[1] = gtext;
    dparts[2] = mparts[2] = FUZZ_USER;
    dparts[3] = mparts[3] = FUZZ_ORG;
    dparts[4] = perm;
    dparts[5] = type ? type : "";
    dparts[6] = ext;
    fuzz_check_name(access_decision_name(p, FUZZ_ENV, gen, FUZZ_USER,
                                         FUZZ_ORG, perm, type, ext),
                    dparts, 7);
    fuzz_check_name(access_membership_name(p, FUZZ_ENV, gen, FUZZ_USER,
                                           FUZZ_ORG), mparts, 4);
}

/* The input's lines as permission, resource type and resource: two lines
 * are a resource by id, three a resource by type and external id. */
static void fuzz_ids(apr_pool_t *p, char *text, size_t size)
{
    char *perm = text, *type = NULL, *ext, *nl;
    long long gen = (long long)size * 1000003LL - 50000000LL;

    FUZZ_CHECK(access_id_ok(text) == fuzz_id_ok_ref(text));
    FUZZ_CHECK(!access_id_ok(NULL));
    if (!(nl = strchr(perm, '\n')))
        return;
    *nl = '\0';
    ext = nl + 1;
    if ((nl = strchr(ext, '\n'))) {
        *nl = '\0';
        type = ext;
        ext = nl + 1;
    }
    FUZZ_CHECK(access_id_ok(perm) == fuzz_id_ok_ref(perm));
    FUZZ_CHECK(access_id_ok(ext) == fuzz_id_ok_ref(ext));
    fuzz_check_body(perm, type, ext);
    fuzz_check_names(p, gen, perm, type, ext);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    json_t *answer = json_loadb((const char *)data, size,
                                JSON_REJECT_DUPLICATES, NULL);
    char *text = fuzz_cstr(data, size);
    const json_t *first = json_array_get(json_object_get(answer, "data"), 0);
    const char *u = json_string_value(json_object_get(first, "user_id"));
    const char *o = json_string_value(json_object_get(first,
                                                      "organization_id"));

    fuzz_check_answer(answer);
    fuzz_check_list(answer, FUZZ_USER, FUZZ_ORG);
    /* the first membership's own user and organisation, so that a
     * mutated page still has one that is asked about */
    if (u && o)
        fuzz_check_list(answer, u, o);
    fuzz_ids(p, text, size);
    free(text);
    json_decref(answer);
    fuzz_end(p);
    return 0;
}
