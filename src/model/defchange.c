/* SPDX-License-Identifier: Apache-2.0 */
/* Definition-change scopes; see defchange.h. */
#include <string.h>
#include "model/defchange.h"

static int defchange_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);

    /* "role." alone names no event */
    return !strncmp(s, prefix, n) && s[n] != '\0';
}

defchange_scope_t defchange_scope(const char *event)
{
    if (!event) {
        return DEFCHANGE_NONE;
    }
    if (defchange_prefix(event, "organization_role.")) {
        return DEFCHANGE_ORG;
    }
    if (defchange_prefix(event, "role.")
        || defchange_prefix(event, "permission.")
        || defchange_prefix(event, "flag.")) {
        return DEFCHANGE_ENV;
    }
    return DEFCHANGE_NONE;
}

long long defchange_when(long long created, long long now)
{
    return (created <= 0 || created > now) ? now : created;
}

int defchange_stale(long long iat, long long changed)
{
    return changed > 0 && iat < changed;
}
