/* SPDX-License-Identifier: Apache-2.0 */
/* The workos-* Require providers. */
#ifndef WOS_AUTHZ_H
#define WOS_AUTHZ_H

#include "httpd.h"

/* Registers workos-permission, -role, -org, -entitlement, -feature-flag
 * and -claim; values may be %{...} expressions (ap_expr). */
void authz_register(apr_pool_t *p);

#endif
