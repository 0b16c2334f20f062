/* SPDX-License-Identifier: Apache-2.0 */
/* The WorkOS* directives: the table the module record points at. Each
 * handler checks its one value and stores it in the server's or the
 * directory's configuration (config.h). */
#ifndef WOS_CONFIG_CMDS_H
#define WOS_CONFIG_CMDS_H

#include "httpd.h"
#include "http_config.h"

extern const command_rec cfg_cmds[];

#endif
