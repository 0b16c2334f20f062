/* SPDX-License-Identifier: Apache-2.0 */
/* Browser form posts to the module's handlers: where they come from, and
 * their fields, read with bounds. */
#ifndef WOS_FORM_H
#define WOS_FORM_H

#include "httpd.h"

#define FORM_MAX_BODY 8192

/* 0 for a cross-site request (Sec-Fetch-Site, or an Origin that is not
 * this Host); 1 otherwise. */
int form_same_origin(request_rec *r);

/* The POSTed form as a table; values longer than 512 bytes are dropped. */
apr_table_t *form_read(request_rec *r);

#endif
