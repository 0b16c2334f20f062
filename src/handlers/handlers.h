/* SPDX-License-Identifier: Apache-2.0 */
/* The module's handlers (SetHandler workos-...): workos-status,
 * -callback, -login, -logout, -switch-org, -webhook, -info, -sessions. */
#ifndef WOS_HANDLERS_H
#define WOS_HANDLERS_H

#include "httpd.h"

/* The handler hook: DECLINED for anything not ours. */
int handlers_dispatch(request_rec *r);

#endif
