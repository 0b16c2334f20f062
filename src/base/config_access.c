/* SPDX-License-Identifier: Apache-2.0 */
/* Require workos-access without a WorkOSAPIKey; see config_access.h. The
 * configuration tree is read for the Require lines (mod_authz_core keeps
 * them in a structure of its own) and each is matched to the server it
 * belongs to through the <VirtualHost> it is in. */
#include "httpd.h"
#include "http_config.h"
#include "util_cfgtree.h"
#include "apr_strings.h"
#include "base/config.h"
#include "base/config_access.h"
#include "base/module.h"

/* "Require [not] workos-access ..." */
static int access_require(apr_pool_t *p, const ap_directive_t *n)
{
    const char *args = n->args ? n->args : "";
    const char *w;

    if (strcasecmp(n->directive, "Require")) {
        return 0;
    }
    w = ap_getword_conf(p, &args);
    if (!strcasecmp(w, "not")) {
        w = ap_getword_conf(p, &args);
    }
    return !strcasecmp(w, "workos-access");
}

static int access_has_key(server_rec *s)
{
    const wos_srv_cfg *c = ap_get_module_config(s->module_config,
                                                &auth_workos_module);

    return c && c->api_key && *c->api_key;
}

/* The server a <VirtualHost> node defined; NULL if none matches. */
static server_rec *access_vhost_server(server_rec *main_s,
                                       const ap_directive_t *vhost)
{
    server_rec *s;

    for (s = main_s->next; s; s = s->next) {
        if (s->defn_name && vhost->filename
            && !strcmp(s->defn_name, vhost->filename)
            && s->defn_line_number == (unsigned)vhost->line_num) {
            return s;
        }
    }
    return NULL;
}

static int access_any_key(server_rec *main_s)
{
    server_rec *s;

    for (s = main_s; s; s = s->next) {
        if (access_has_key(s)) {
            return 1;
        }
    }
    return 0;
}

/* The section a line is in, as written ("<Location /x>"), or "". */
static const char *access_section(apr_pool_t *p, const ap_directive_t *n)
{
    for (n = n->parent; n; n = n->parent) {
        if (n->directive[0] == '<' && strcasecmp(n->directive, "<IfModule")
            && strcasecmp(n->directive, "<IfDefine")
            && strncasecmp(n->directive, "<Require", 8)
            && strncasecmp(n->directive, "<Limit", 6)) {
            return apr_pstrcat(p, " in ", n->directive, " ",
                               n->args ? n->args : ">", NULL);
        }
    }
    return "";
}

static const char *access_walk(apr_pool_t *p, server_rec *main_s,
                               const ap_directive_t *n,
                               const ap_directive_t *vhost)
{
    const char *err;

    for (; n; n = n->next) {
        if (!strcasecmp(n->directive, "<VirtualHost")) {
            if ((err = access_walk(p, main_s, n->first_child, n))) {
                return err;
            }
            continue;
        }
        if (n->first_child) {
            if ((err = access_walk(p, main_s, n->first_child, vhost))) {
                return err;
            }
            continue;
        }
        if (!access_require(p, n)) {
            continue;
        }
        if (vhost) {
            server_rec *s = access_vhost_server(main_s, vhost);

            if (!s || access_has_key(s)) {
                continue;  /* not matched: say nothing rather than wrong */
            }
        }
        else if (access_any_key(main_s)) {
            continue;
        }
        return apr_psprintf(p, "\"Require %s\"%s at %s:%d: no WorkOSAPIKey "
                            "is set for %s, and WorkOS's Authorization API "
                            "needs it, so every check would be refused "
                            "(503 for every request the token's own "
                            "permissions do not grant). Set WorkOSAPIKey, "
                            "or use Require workos-permission",
                            n->args ? n->args : "", access_section(p, n),
                            n->filename ? n->filename : "?", n->line_num,
                            vhost ? "this <VirtualHost>" : "any server");
    }
    return NULL;
}

const char *cfg_access_problem(apr_pool_t *p, server_rec *main_s)
{
    return access_walk(p, main_s, ap_conftree, NULL);
}
