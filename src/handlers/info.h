/* SPDX-License-Identifier: Apache-2.0 */
/* workos-info: the signed-in identity as JSON, for single-page apps; and
 * the workos-status page for people. */
#ifndef WOS_INFO_H
#define WOS_INFO_H

#include "httpd.h"
#include "base/config.h"

/* GET/HEAD: 200 with the identity (never a token), 401 JSON without a
 * session; Cache-Control: no-store either way. */
int info_handle(request_rec *r, const wos_srv_cfg *sc);

/* workos-status for a browser: a health summary (WorkOS reachable, the
 * signing keys, the cache, the events poller, the last errors by WOS
 * number), then the counters grouped, with rates since start. sc may
 * have no WorkOS configuration. */
int info_status(request_rec *r, const wos_srv_cfg *sc);

#endif
