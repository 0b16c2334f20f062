/* SPDX-License-Identifier: Apache-2.0 */
/* The workos-webhook handler: WorkOS events that revoke access. */
#ifndef WOS_WEBHOOK_H
#define WOS_WEBHOOK_H

#include "httpd.h"
#include "base/config.h"

/* Largest event body accepted. */
#define WEBHOOK_MAX_BODY 65536

int webhook_handle(request_rec *r, const wos_srv_cfg *sc);

#endif
