/* SPDX-License-Identifier: Apache-2.0 */
/* Definition changes at WorkOS: what a role, organisation role,
 * permission or feature flag event reaches. Roles, permissions and flags
 * travel in access tokens, so a token issued before such a change carries
 * the old ones: sessions it reaches refresh, bearer tokens are refused.
 * Pure: no dependencies. */
#ifndef WOS_DEFCHANGE_H
#define WOS_DEFCHANGE_H

typedef enum {
    DEFCHANGE_NONE = 0,  /* not a definition change */
    DEFCHANGE_ENV,       /* role.*, permission.*, flag.*: every token of
                            the WorkOS environment */
    DEFCHANGE_ORG        /* organization_role.*: the tokens of the
                            event's organisation (data.organization_id) */
} defchange_scope_t;

/* The scope of the event named event (NULL: DEFCHANGE_NONE). */
defchange_scope_t defchange_scope(const char *event);

/* The time (seconds) a change is marked at: the event's creation, never
 * later than now (a mark in the future would make every session refresh
 * on every request until then); 0 or less: now. */
long long defchange_when(long long created, long long now);

/* 1 if a token issued at iat (seconds) predates a change marked at
 * changed (0: no change). A token of the change's own second passes, so a
 * refresh in that second cannot loop. */
int defchange_stale(long long iat, long long changed);

#endif
