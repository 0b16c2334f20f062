/* SPDX-License-Identifier: Apache-2.0 */
/* Which requests the module answers itself: the callback path (the path of
 * WorkOSRedirectURI, wherever it lies) and every workos-* handler. These
 * never need a session and are never sent to sign in, even inside a scope
 * with AuthType WorkOS (SPEC "Behaviour that must hold"). */
#ifndef WOS_ROUTE_H
#define WOS_ROUTE_H

#include "httpd.h"
#include "base/config.h"

typedef enum {
    ROUTE_NONE = 0,      /* an ordinary page */
    ROUTE_SESSIONLESS,   /* callback, login, logout, webhook: the sign-in
                          * flow, open to anonymous callers whatever the
                          * Require lines; the credential is not even
                          * looked at */
    ROUTE_OPTIONAL,      /* other workos-* handlers (sessions, switch-org,
                          * info): a session is used when there is one,
                          * and the handler refuses anonymous callers */
    ROUTE_STATUS         /* workos-status: no session needed under workos-*
                          * lines, but it serves data to whoever reaches
                          * it, so other Require lines decide as for any
                          * page (an anonymous caller never satisfies
                          * Require valid-user) */
} route_kind;

/* 1 when r->uri is this server's callback path (sc->redirect_path). */
int route_is_callback(const request_rec *r, const wos_srv_cfg *sc);

/* What the request is, from its path and its SetHandler (evaluated the
 * way core does, since the handler is only set after authentication). */
route_kind route_of(request_rec *r, const wos_srv_cfg *sc);

#endif
