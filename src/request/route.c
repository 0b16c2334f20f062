/* SPDX-License-Identifier: Apache-2.0 */
/* The module's own requests; see route.h. */
#include "httpd.h"
#include "http_core.h"
#include "ap_expr.h"
#include "request/route.h"

int route_is_callback(const request_rec *r, const wos_srv_cfg *sc)
{
    return sc->redirect_path && r->uri && !strcmp(r->uri, sc->redirect_path);
}

/* The handler SetHandler gives this scope, or NULL. */
static const char *route_set_handler(request_rec *r)
{
    core_dir_config *d = ap_get_core_module_config(r->per_dir_config);
    const char *err = NULL, *h = NULL;

    if (!d) {
        return NULL;
    }
    if (d->expr_handler) {
        h = ap_expr_str_exec(r, d->expr_handler, &err);
        if (err) {
            return NULL;
        }
    }
    else {
        h = d->handler;
    }
    return h && strcmp(h, "none") ? h : NULL;
}

route_kind route_of(request_rec *r, const wos_srv_cfg *sc)
{
    static const char *const sessionless[] = {
        "workos-callback", "workos-login", "workos-logout",
        "workos-webhook"
    };
    const char *h;
    size_t i;

    if (route_is_callback(r, sc)) {
        return ROUTE_SESSIONLESS;
    }
    h = route_set_handler(r);
    if (!h || strncmp(h, "workos-", 7) != 0) {
        return ROUTE_NONE;
    }
    if (!strcmp(h, "workos-status")) {
        return ROUTE_STATUS;
    }
    for (i = 0; i < sizeof(sessionless) / sizeof(sessionless[0]); i++) {
        if (!strcmp(h, sessionless[i])) {
            return ROUTE_SESSIONLESS;
        }
    }
    return ROUTE_OPTIONAL;
}
