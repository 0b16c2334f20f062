/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOSAutoSwitchOrg: a signed-in user who fails "Require workos-org X"
 * is refreshed into organisation X when WorkOS accepts, and the request
 * goes on with the new session (the page and its Set-Cookie together).
 * WorkOS's refusals are remembered per user and organisation for
 * 30 s in WorkOSCache (CACHENS_ASW's lifetime), so a page of assets costs
 * one call; concurrent switches share one call (refresh.c). */
#ifndef WOS_AUTOSWITCH_H
#define WOS_AUTOSWITCH_H

#include "httpd.h"
#include "apr_tables.h"

/* Called when a workos-org requirement was not met, with its values
 * (organisation ids, already evaluated). 1 when the session now belongs
 * to one of them. 0 otherwise: not enabled here, no cookie session,
 * refused (403), or, as the request's error answer: a sign-in redirect
 * for an organisation that wants SSO or MFA (browsers), or 503 with
 * Retry-After while WorkOS cannot answer (the session kept). */
int autoswitch_org(request_rec *r, const apr_array_header_t *orgs);

/* insert_error_filter hook: turns the denial of a switch WorkOS could
 * not answer into its 503. */
void autoswitch_error_status(request_rec *r);

#endif
