/* SPDX-License-Identifier: Apache-2.0 */
/* Require workos-* without AuthzSendForbiddenOnFailure On; see
 * config_authz.h. mod_authz_core keeps the setting in a structure of its
 * own, so the configuration tree is read instead: a section is covered by
 * an "AuthzSendForbiddenOnFailure On" in itself or a section around it,
 * in a <Location> whose path is a prefix of its own (<Directory> alike),
 * in any <LocationMatch> or, across kinds, in any section of the other
 * kind (which URLs a <Directory> maps cannot be known here), of the main
 * server or the same <VirtualHost>. What is missed (.htaccess, a section
 * httpd skipped) errs towards saying nothing. */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_core.h"
#include "util_cfgtree.h"
#include "ap_mpm.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_hash.h"
#include "base/config_authz.h"
#include "base/module.h"


typedef enum { SEC_LOCATION, SEC_LOCATION_RE, SEC_DIRECTORY,
               SEC_DIRECTORY_RE, SEC_OTHER } sec_kind;

typedef struct {
    const ap_directive_t *sec;    /* innermost section */
    const ap_directive_t *vhost;  /* its <VirtualHost>, NULL: main */
    const ap_directive_t *line;   /* the Require or Authz... line */
} authz_place_t;

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *requires;  /* authz_place_t */
    apr_array_header_t *forbids;   /* authz_place_t: ...OnFailure On */
} authz_walk_t;

static int authz_is_section(const char *d)
{
    static const char *const secs[] = {
        "<Location", "<LocationMatch", "<Directory", "<DirectoryMatch",
        "<Files", "<FilesMatch", "<If", "<ElseIf", "<Else", "<Proxy",
        "<ProxyMatch", NULL };
    int i;

    for (i = 0; secs[i]; i++) {
        if (!strcasecmp(d, secs[i])) {
            return 1;
        }
    }
    return 0;
}

/* The section's argument without '>' and quotes. */
static const char *authz_arg(apr_pool_t *p, const ap_directive_t *sec)
{
    const char *a = sec->args ? sec->args : "";
    const char *end = strrchr(a, '>');
    char *v = apr_pstrndup(p, a, end ? (apr_size_t)(end - a) : strlen(a));

    return ap_getword_conf(p, (const char **)&v);
}

static sec_kind authz_kind(apr_pool_t *p, const ap_directive_t *sec)
{
    const char *arg;
    int re;

    if (!sec) {
        return SEC_OTHER;
    }
    arg = authz_arg(p, sec);
    re = !strcmp(arg, "~");
    if (!strcasecmp(sec->directive, "<Location")) {
        return re ? SEC_LOCATION_RE : SEC_LOCATION;
    }
    if (!strcasecmp(sec->directive, "<LocationMatch")) {
        return SEC_LOCATION_RE;
    }
    if (!strcasecmp(sec->directive, "<Directory")) {
        return re ? SEC_DIRECTORY_RE : SEC_DIRECTORY;
    }
    if (!strcasecmp(sec->directive, "<DirectoryMatch")) {
        return SEC_DIRECTORY_RE;
    }
    return SEC_OTHER;
}

/* "Require [not] workos-..." */
static int authz_workos_require(apr_pool_t *p, const ap_directive_t *n)
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
    return !strncasecmp(w, "workos-", 7);
}

static int authz_forbid_on(apr_pool_t *p, const ap_directive_t *n)
{
    const char *args = n->args ? n->args : "";

    return !strcasecmp(n->directive, "AuthzSendForbiddenOnFailure")
           && !strcasecmp(ap_getword_conf(p, &args), "on");
}

static void authz_walk(authz_walk_t *w, const ap_directive_t *n,
                       const ap_directive_t *sec, const ap_directive_t *vhost)
{
    for (; n; n = n->next) {
        authz_place_t at = { sec, vhost, n };

        if (!strcasecmp(n->directive, "<VirtualHost")) {
            authz_walk(w, n->first_child, NULL, n);
        }
        else if (authz_is_section(n->directive)) {
            authz_walk(w, n->first_child, n, vhost);
        }
        else if (n->first_child) {
            /* <IfModule>, <IfDefine>, <RequireAll>...: see through */
            authz_walk(w, n->first_child, sec, vhost);
        }
        else if (sec && authz_workos_require(w->p, n)) {
            *(authz_place_t *)apr_array_push(w->requires) = at;
        }
        else if (sec && authz_forbid_on(w->p, n)) {
            *(authz_place_t *)apr_array_push(w->forbids) = at;
        }
    }
}

static int authz_inside(const ap_directive_t *inner,
                        const ap_directive_t *outer)
{
    for (; inner; inner = inner->parent) {
        if (inner == outer) {
            return 1;
        }
    }
    return 0;
}

static int authz_prefix(apr_pool_t *p, const ap_directive_t *outer,
                        const ap_directive_t *inner)
{
    const char *o = authz_arg(p, outer), *i = authz_arg(p, inner);
    size_t n = strlen(o);

    return !strncmp(o, i, n)
           && (n == 0 || o[n - 1] == '/' || i[n] == '\0' || i[n] == '/');
}

static int authz_covers(apr_pool_t *p, const authz_place_t *on,
                        const authz_place_t *req)
{
    sec_kind ok, rk;

    if (on->vhost && on->vhost != req->vhost) {
        return 0;
    }
    if (authz_inside(req->sec, on->sec)) {
        return 1;
    }
    ok = authz_kind(p, on->sec);
    rk = authz_kind(p, req->sec);
    if (ok == SEC_OTHER) {
        return 0;  /* <Files>, <If>, <Proxy>: only what is inside */
    }
    if (ok == SEC_LOCATION_RE || ok == SEC_DIRECTORY_RE || rk == SEC_OTHER) {
        return 1;  /* a pattern may match, <Files> merge late: cannot tell */
    }
    if ((ok == SEC_LOCATION) != (rk == SEC_LOCATION || rk == SEC_LOCATION_RE)) {
        return 1;  /* Location vs Directory: cannot tell */
    }
    if (ok == rk) {
        return authz_prefix(p, on->sec, req->sec);
    }
    return !strcmp(authz_arg(p, on->sec), "/");  /* a prefix over a pattern */
}

void cfg_authz_warn(apr_pool_t *p, server_rec *s)
{
    authz_walk_t w;
    apr_hash_t *said = apr_hash_make(p);
    int i, j, mode = ap_state_query(AP_SQ_RUN_MODE);

    if (mode == AP_SQ_RM_NORMAL
        && ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return;  /* httpd's first pass at start: said on the second */
    }
    w.p = p;
    w.requires = apr_array_make(p, 8, sizeof(authz_place_t));
    w.forbids = apr_array_make(p, 8, sizeof(authz_place_t));
    authz_walk(&w, ap_conftree, NULL, NULL);
    for (i = 0; i < w.requires->nelts; i++) {
        const authz_place_t *req = &APR_ARRAY_IDX(w.requires, i,
                                                  authz_place_t);
        int covered = 0;

        if (apr_hash_get(said, &req->sec, sizeof(req->sec))) {
            continue;  /* one warning per section */
        }
        for (j = 0; j < w.forbids->nelts && !covered; j++) {
            covered = authz_covers(p, &APR_ARRAY_IDX(w.forbids, j,
                                                     authz_place_t), req);
        }
        if (covered) {
            continue;
        }
        apr_hash_set(said, &req->sec, sizeof(req->sec), "");
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, WOSLOGNO(05552)
                     "%s %s> at %s:%d has \"Require %s\" but no "
                     "AuthzSendForbiddenOnFailure On: a signed-in user it "
                     "refuses gets httpd's 401 \"could not verify\" page "
                     "(a browser may ask for a password) instead of 403. "
                     "Add AuthzSendForbiddenOnFailure On to it",
                     req->sec->directive, authz_arg(p, req->sec),
                     req->sec->filename ? req->sec->filename : "?",
                     req->sec->line_num, req->line->args);
    }
}
