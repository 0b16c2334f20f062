/* SPDX-License-Identifier: Apache-2.0 */
/* Whether a virtual host's WorkOSRedirectURI can come back to it: its host
 * is a name the vhost answers to and its scheme and port reach it. A
 * callback on another host finds no flow cookie ("Sign-in cookie
 * missing"); one on another port or scheme lands on another vhost. */
#ifndef WOS_CONFIG_REACH_H
#define WOS_CONFIG_REACH_H

#include "httpd.h"

/* NULL when uri can reach s (or when s is the main server, which answers
 * on every address no <VirtualHost> claims, by any name), else why not,
 * naming the vhost and what to change. main is the main server. Meant
 * for a vhost's own WorkOSRedirectURI, not one inherited from main. */
const char *cfg_reach_problem(apr_pool_t *p, server_rec *main, server_rec *s,
                              const char *uri);

#endif
