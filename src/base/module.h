/* SPDX-License-Identifier: Apache-2.0 */
/* The module's private declarations for every file that logs or reads
 * its own configuration: the module record and APLOG_USE_MODULE, so a
 * log line is filed under this module (LogLevel auth_workos:debug), and
 * the stable message numbers of this module's log lines ("WOS0nnnn: ..."),
 * kept apart from httpd's own AH numbers so tests and operators can tell
 * them apart. The next free number is in docs/log-message-tags/next-number;
 * a test fails on a number used twice. No line may carry a secret: API
 * key, cookie password, token, code or cookie value. */
#ifndef WOS_MODULE_H
#define WOS_MODULE_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

extern module AP_MODULE_DECLARE_DATA auth_workos_module;
/* mod_auth_workos.c defines the record with AP_DECLARE_MODULE, which
 * says APLOG_USE_MODULE itself. */
#ifndef WOS_MODULE_RECORD
APLOG_USE_MODULE(auth_workos);
#endif

#define WOSLOGNO(n) "WOS" #n ": "

#endif
