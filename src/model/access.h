/* SPDX-License-Identifier: Apache-2.0 */
/* The pure parts of Require workos-access (WorkOS FGA): which ids may be
 * asked about, the names decisions and membership ids are cached under,
 * the check's request body and what its answer says. Pure: APR and
 * jansson only. */
#ifndef WOS_ACCESS_H
#define WOS_ACCESS_H

#include <apr_pools.h>
#include <jansson.h>

/* Longest permission, resource type, resource or membership id asked
 * about. */
#define ACCESS_MAX_ID 128

/* 1 if s is a usable id: 1 to ACCESS_MAX_ID bytes, each printable ASCII
 * other than space ('!' to '~'). Anything else is never sent to
 * WorkOS. */
int access_id_ok(const char *s);

/* The name one decision is cached under: the WorkOS environment (its
 * tag), the access generation (which events move on), the membership
 * (user and organisation: one membership each), the permission and the
 * resource (type NULL: ext is a resource id; else ext is the external id
 * of a resource of that type). Parts are separated by a byte no usable
 * id holds, so two different checks never share a name, and a decision's
 * name has more parts than a membership's. Made with no formatter: this
 * is on the path of every request a kept decision answers. */
const char *access_decision_name(apr_pool_t *p, const char *env,
                                 long long gen, const char *user,
                                 const char *org, const char *perm,
                                 const char *type, const char *ext);

/* The name a user's membership id in an organisation is cached under. */
const char *access_membership_name(apr_pool_t *p, const char *env,
                                   long long gen, const char *user,
                                   const char *org);

/* The check's body, keys in the order WorkOS's Node SDK sends them:
 * {"permission_slug", "resource_id"} or {"permission_slug",
 * "resource_external_id", "resource_type_slug"}. NULL without memory;
 * the caller releases it. */
json_t *access_check_body(const char *perm, const char *type,
                          const char *ext);

/* 1 authorized, 0 not, -1 the answer has no boolean "authorized". */
int access_answer(const json_t *answer);

/* The id of user's membership in org from a list of memberships
 * ({"data": [...]}), or NULL when none is there or its id is not
 * usable. Memberships of other users or organisations are skipped, as
 * are inactive ones. The string lives as long as answer. */
const char *access_membership_from_list(const json_t *answer,
                                        const char *user, const char *org);

#endif
