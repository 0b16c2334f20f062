/* SPDX-License-Identifier: Apache-2.0 */
/* The one table of WorkOS error codes the module acts on: which end a
 * session, which ask for a sign-in to an organisation, which say this
 * server's configuration is wrong, and for those the fix in words.
 * Codes are compared exactly; a code not in the table means nothing but
 * "refused". Pure: no APR, no httpd. */
#ifndef WOS_WORKOS_ERRORS_H
#define WOS_WORKOS_ERRORS_H

/* What a code means; a code may mean several. */
typedef enum {
    WORKOS_ERRORS_SIGNS_OUT = 1,   /* the session is over: sign in again */
    WORKOS_ERRORS_ORG_SIGNIN = 2,  /* sign in again to that organisation */
    WORKOS_ERRORS_MISCONFIG = 4    /* this server's configuration is wrong */
} workos_errors_what_t;

/* 1 when code (may be NULL) means what. */
int workos_errors_is(const char *code, workos_errors_what_t what);

/* The fix, in words, when WorkOS refusing with code (may be NULL) and
 * http_status (0: not known, as for an error in the callback URL) means
 * this server's configuration is wrong; else NULL. A code in the table
 * decides; a code that is not (or none), with HTTP 401 or 403, means
 * WorkOS refused this server's credentials. */
const char *workos_errors_fix(const char *code, long http_status);

#endif
