/* SPDX-License-Identifier: Apache-2.0 */
/* Require workos-access PERMISSION RESOURCE_ID | PERMISSION TYPE
 * EXTERNAL_ID: resource-scoped authorisation through WorkOS FGA (SPEC,
 * Authorisation). The token's own permissions first; then WorkOS's
 * Authorization API for the session's organisation membership, its
 * decisions kept for WorkOSAccessCacheTTL (state/access_cache.h) and
 * asked once however many requests need the same one at the same time.
 * When WorkOS cannot answer the request gets 503 with Retry-After,
 * never a grant. */
#ifndef WOS_REQUEST_ACCESS_H
#define WOS_REQUEST_ACCESS_H

#include "httpd.h"
#include "mod_auth.h"
#include "model/identity.h"

/* values: this request's words of the line (2 or 3, expressions
 * evaluated). AUTHZ_GRANTED, AUTHZ_DENIED, or AUTHZ_GENERAL_ERROR when
 * WorkOS could not answer (never a denial, which "Require not" would turn
 * into a grant): httpd's 500 is turned into 503 by access_error_status. */
authz_status access_check(request_rec *r, const wos_identity_t *id,
                          const apr_array_header_t *values);

/* insert_error_filter: the 503 of a check WorkOS could not answer. */
void access_error_status(request_rec *r);

#endif
