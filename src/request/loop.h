/* SPDX-License-Identifier: Apache-2.0 */
/* Sign-in loop detection. A browser that drops the session cookie (for a
 * reason configtest cannot see: a proxy stripping Set-Cookie, a host name
 * the cookie does not cover, cookies blocked) comes straight back to the
 * callback after every sign-in. The callback counts its visits in a small
 * cookie of its own (host-only, only sent to the callback path, never
 * Secure-only on plain http, so it survives what kills the session
 * cookie) and, from the LOOP_LIMIT-th visit without a session cookie
 * within LOOP_WINDOW seconds,
 * answers with a page that names the likely causes instead of signing in
 * again. */
#ifndef WOS_LOOP_H
#define WOS_LOOP_H

#include "httpd.h"
#include "base/config.h"

#define LOOP_COOKIE "wos-signin-count"
#define LOOP_WINDOW 30
#define LOOP_LIMIT 4

/* Counts this callback visit; returns DECLINED to go on signing in, or
 * OK after answering the loop page (r->status is set). */
int loop_check(request_rec *r, const wos_srv_cfg *sc);

#endif
