/* The workos-* Require providers. */
#ifndef WOS_AUTHZ_H
#define WOS_AUTHZ_H

#include "httpd.h"

/* Registers workos-permission, -role, -org, -entitlement, -feature-flag. */
void authz_register(apr_pool_t *p);

#endif
