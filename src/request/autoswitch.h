/* SPDX-License-Identifier: Apache-2.0 */
/* WorkOSAutoSwitchOrg: a signed-in user who fails "Require workos-org X"
 * is refreshed into organisation X when WorkOS accepts, and the request
 * is then run again from the start (an internal redirect of the same
 * URI, method and body kept) on the new session, so authentication and
 * every Require line decide on the new identity, and the backend sees
 * only it; the page and its Set-Cookie go out together.
 * Never for another site: a cross-site or same-site request
 * (Sec-Fetch-Site) gets a page whose button POSTs from this origin, and
 * a cross-site POST is refused. WorkOS is asked to refresh only into an
 * organisation the user is a member of (the user's memberships listed
 * once and kept 30 s, CACHENS_ASW_MEMBERS), and into at most 10
 * organisations per user per minute (then 429, CACHENS_ASW_RATE).
 * WorkOS's refusals are remembered per user and organisation for
 * 30 s in WorkOSCache (CACHENS_ASW's lifetime), so a page of assets costs
 * one call; concurrent switches share one call (refresh.c). */
#ifndef WOS_AUTOSWITCH_H
#define WOS_AUTOSWITCH_H

#include "httpd.h"
#include "apr_tables.h"

/* Called when a workos-org requirement was not met, with its values
 * (organisation ids, already evaluated). 1 when the session now belongs
 * to one of them (the request is then run again, autoswitch_handle). 0
 * otherwise: not enabled here, no cookie session, not a member, refused
 * (403), or, as the request's error answer: the confirmation page (a
 * request from another site), 429 over the bound, a sign-in redirect
 * for an organisation that wants SSO or MFA (browsers), or 503 with
 * Retry-After while WorkOS cannot answer (the session kept). */
int autoswitch_org(request_rec *r, const apr_array_header_t *orgs);

/* post_perdir_config hook: the request run again after a switch gets
 * the first pass's <LocationMatch> groups (MATCH_*) back. */
int autoswitch_post_perdir_config(request_rec *r);

/* fixups hook (last): a request that switched is handed to
 * autoswitch_handle, whatever else would have answered it. */
int autoswitch_fixups(request_rec *r);

/* handler hook (really first): the handler of a request that switched: runs it again on the new
 * session, or, for the confirmation form's POST, sends the browser back
 * to its page (303). DECLINED for any other request. */
int autoswitch_handle(request_rec *r);

/* insert_error_filter hook: turns the denial of a switch WorkOS could
 * not answer into its 503, and one over the bound into 429. */
void autoswitch_error_status(request_rec *r);

#endif
