/* SPDX-License-Identifier: Apache-2.0 */
/* The values of the workos-* Require lines and how they match an identity.
 * Pure: APR only. */
#ifndef WOS_REQUIRE_H
#define WOS_REQUIRE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "model/identity.h"

typedef enum {
    REQ_PERMISSION,   /* workos-permission: any value in permissions */
    REQ_ROLE,         /* workos-role: role, or any of roles */
    REQ_ORG,          /* workos-org: org_id */
    REQ_ENTITLEMENT,  /* workos-entitlement: entitlements */
    REQ_FEATURE_FLAG  /* workos-feature-flag: feature_flags */
} require_kind_t;

/* Longest Require line accepted, and most values on one. */
#define REQUIRE_MAX_LINE 4096
#define REQUIRE_MAX_VALUES 64

/* Splits a Require line's arguments into values, whitespace separated,
 * honouring "double" and 'single' quotes. Values must be non-empty and
 * free of control characters. Returns NULL and sets *err (a static
 * message) for an empty line, an unterminated quote, or too many. */
apr_array_header_t *require_parse(apr_pool_t *p, const char *line,
                                  const char **err);

/* 1 if any value matches the identity for that kind, else 0. */
int require_match(require_kind_t kind, const apr_array_header_t *values,
                  const wos_identity_t *id);

#endif
