/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the workos-* Require line parser and matcher. The input is
 * the text after "Require workos-role" (etc.) in a config file.
 *
 * Properties: a parsed line has 1 to REQUIRE_MAX_VALUES values, each
 * non-empty and free of control characters; no value matches an identity
 * with no claims; a value matches an identity that holds exactly it, for
 * every kind (so parsing and matching agree on what a value is); against
 * a fixed member identity, a line matches exactly when one of its values
 * is among that kind's claims. */
#include <string.h>

#include "fuzz_common.h"
#include "model/identity.h"
#include "model/require.h"

static const require_kind_t fuzz_kinds[] = {
    REQ_PERMISSION, REQ_ROLE, REQ_ORG, REQ_ENTITLEMENT, REQ_FEATURE_FLAG
};
#define FUZZ_NKINDS (sizeof(fuzz_kinds) / sizeof(fuzz_kinds[0]))

static apr_array_header_t *fuzz_list(apr_pool_t *p, const char *v)
{
    apr_array_header_t *a = apr_array_make(p, 1, sizeof(const char *));

    if (v != NULL)
        APR_ARRAY_PUSH(a, const char *) = v;
    return a;
}

/* An identity whose every claim is v (or, with v NULL, empty). The role
 * goes into "roles" only, so the list branch of workos-role is taken. */
static wos_identity_t *fuzz_identity(apr_pool_t *p, const char *v)
{
    wos_identity_t *id = apr_pcalloc(p, sizeof(*id));

    id->user_id = "user_01FUZZ";
    id->org_id = v;
    id->roles = fuzz_list(p, v);
    id->permissions = fuzz_list(p, v);
    id->entitlements = fuzz_list(p, v);
    id->feature_flags = fuzz_list(p, v);
    return id;
}

/* A signed-in member of one organisation, as the integration tests use. */
static wos_identity_t *fuzz_member(apr_pool_t *p)
{
    wos_identity_t *id = fuzz_identity(p, "org_01ACME");

    id->role = "member";
    id->roles = fuzz_list(p, "member");
    APR_ARRAY_PUSH(id->roles, const char *) = "admin";
    id->permissions = fuzz_list(p, "posts:read");
    APR_ARRAY_PUSH(id->permissions, const char *) = "billing:manage";
    id->entitlements = fuzz_list(p, "audit-logs");
    id->feature_flags = fuzz_list(p, "new-editor");
    return id;
}

static int fuzz_in(const apr_array_header_t *list, const char *v)
{
    int i;

    for (i = 0; list != NULL && i < list->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(list, i, const char *), v) == 0)
            return 1;
    }
    return 0;
}

/* Whether one value should match the member, said the simplest way. */
static int fuzz_member_has(const wos_identity_t *id, require_kind_t kind,
                           const char *v)
{
    switch (kind) {
    case REQ_PERMISSION:   return fuzz_in(id->permissions, v);
    case REQ_ROLE:         return strcmp(id->role, v) == 0
                                  || fuzz_in(id->roles, v);
    case REQ_ORG:          return strcmp(id->org_id, v) == 0;
    case REQ_ENTITLEMENT:  return fuzz_in(id->entitlements, v);
    case REQ_FEATURE_FLAG: return fuzz_in(id->feature_flags, v);
    }
    return 0;
}

/* Several values on one line mean any of them. */
static void fuzz_check_member(apr_pool_t *p, const apr_array_header_t *vals)
{
    const wos_identity_t *id = fuzz_member(p);
    size_t k;
    int i, want;

    for (k = 0; k < FUZZ_NKINDS; k++) {
        want = 0;
        for (i = 0; i < vals->nelts; i++)
            want |= fuzz_member_has(id, fuzz_kinds[k],
                                    APR_ARRAY_IDX(vals, i, const char *));
        FUZZ_CHECK(require_match(fuzz_kinds[k], vals, id) == want);
    }
}

static void fuzz_check_values(apr_pool_t *p, const apr_array_header_t *vals)
{
    const wos_identity_t *none = fuzz_identity(p, NULL);
    int i;
    size_t k;

    FUZZ_CHECK(vals->nelts >= 1 && vals->nelts <= REQUIRE_MAX_VALUES);
    for (i = 0; i < vals->nelts; i++) {
        const char *v = APR_ARRAY_IDX(vals, i, const char *);
        const char *c;
        apr_array_header_t *one = fuzz_list(p, v);
        const wos_identity_t *holder = fuzz_identity(p, v);
        FUZZ_CHECK(v != NULL && *v != '\0');
        for (c = v; *c != '\0'; c++)
            FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
        for (k = 0; k < FUZZ_NKINDS; k++) {
            FUZZ_CHECK(require_match(fuzz_kinds[k], one, holder) == 1);
            FUZZ_CHECK(require_match(fuzz_kinds[k], vals, none) == 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *line = fuzz_cstr(data, size);
    const char *err = NULL;
    apr_array_header_t *vals = require_parse(p, line, &err);

    if (vals == NULL) {
        FUZZ_CHECK(err != NULL);
    } else {
        fuzz_check_values(p, vals);
        fuzz_check_member(p, vals);
    }
    free(line);
    fuzz_end(p);
    return 0;
}
