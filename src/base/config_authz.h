/* SPDX-License-Identifier: Apache-2.0 */
/* A startup warning: sections with `Require workos-...` lines and no
 * `AuthzSendForbiddenOnFailure On` over them. Without it httpd answers a
 * signed-in user whom a Require line refuses with 401 and its "could not
 * verify that you are authorized" page (browsers may ask for a password)
 * instead of 403. */
#ifndef WOS_CONFIG_AUTHZ_H
#define WOS_CONFIG_AUTHZ_H

#include "httpd.h"

/* Logs one warning per such section, naming it and where it is, once per
 * configuration load (not on the first of httpd's two passes at start,
 * unless it is a configtest). */
void cfg_authz_warn(apr_pool_t *p, server_rec *s);

#endif
