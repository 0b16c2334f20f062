/* SPDX-License-Identifier: Apache-2.0 */
/* A configtest failure: `Require workos-access` where no WorkOSAPIKey is
 * configured. WorkOS's Authorization API needs the key, so every check
 * there would be refused and every request the token's own permissions do
 * not grant would get 503, for ever. */
#ifndef WOS_CONFIG_ACCESS_H
#define WOS_CONFIG_ACCESS_H

#include "httpd.h"

/* NULL, or what to log: the first such Require line, with its section,
 * file and line. A line in a <VirtualHost> needs that virtual host's
 * WorkOSAPIKey (its own or the main server's); a line outside any
 * <VirtualHost> applies to every server, so it fails only when no server
 * has one. .htaccess files are not seen. main_s is the main server. */
const char *cfg_access_problem(apr_pool_t *p, server_rec *main_s);

#endif
