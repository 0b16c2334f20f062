/* SPDX-License-Identifier: Apache-2.0 */
/* What a WorkOS event does, whether it came by webhook or by polling the
 * Events API: one place, so both apply exactly the same. */
#ifndef WOS_EVENTS_APPLY_H
#define WOS_EVENTS_APPLY_H

#include "httpd.h"
#include <jansson.h>
#include "base/config.h"

typedef enum {
    EVENTS_APPLIED = 0,   /* recorded for every process and host */
    EVENTS_IGNORED,       /* an event the module has no use for */
    EVENTS_BAD,           /* a known event without the ids it needs */
    EVENTS_FAILED         /* could not be recorded (cache): try again */
} events_rc;

/* Applies event (its name) with its data object. created is the event's
 * time (0: unknown, now is used). */
events_rc events_apply(server_rec *s, apr_pool_t *p, const wos_srv_cfg *sc,
                       const char *event, json_t *data, apr_time_t created);

#endif
