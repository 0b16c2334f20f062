/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOSEventsPoll: a thread in every child process polls WorkOS's Events
 * API for the servers that ask for it, when it holds the fleet-wide claim
 * for their WorkOS environment (one poller per fleet), and applies what it
 * reads as the webhook would. The cursor lives in WorkOSCache, keyed by
 * the environment, so whichever process polls next goes on from it.
 * Requests never wait for it. */
#ifndef WOS_EVENTS_H
#define WOS_EVENTS_H

#include "httpd.h"

/* check_config: WorkOSEventsPoll needs WorkOSAPIKey. OK or !OK. */
int events_check_config(server_rec *s);

/* child_init, after the cache reattached: starts the thread when some
 * server polls; a cleanup on p stops and joins it. */
void events_child_init(apr_pool_t *p, server_rec *s);

#endif
