/* SPDX-License-Identifier: Apache-2.0 */
/* The workos-sessions handler: the signed-in user's own sessions. GET
 * lists them; POST session_id=... revokes one of them. */
#ifndef WOS_SESSIONS_H
#define WOS_SESSIONS_H

#include "httpd.h"
#include "base/config.h"

int sessions_handle(request_rec *r, const wos_srv_cfg *sc);

#endif
