/* SPDX-License-Identifier: Apache-2.0 */
/* Refusals that are really misconfiguration: WorkOS answering
 * invalid_client (a wrong WorkOSAPIKey or one of another environment), an
 * unknown redirect URI. Those are logged at error with the fix in words;
 * a refusal that is the user's (an expired or used code, access denied)
 * at info. */
#ifndef WOS_DIAGNOSE_H
#define WOS_DIAGNOSE_H

#include "httpd.h"

/* Logs why WorkOS refused; where is what was being done ("sign-in code
 * exchange", "sign-in callback"), code WorkOS's error code (may be NULL),
 * http_status its HTTP status (0 when it came in the callback URL).
 * Returns 1 when it was a misconfiguration. */
int diagnose_refusal(request_rec *r, const char *where, const char *code,
                     long http_status);

#endif
