/* SPDX-License-Identifier: Apache-2.0 */
/* Whether WorkOSRedirectURI comes back to its vhost; see config_reach.h.
 * What httpd tells a module at check_config: the vhost's ServerName
 * (server_hostname, and server_scheme and port when ServerName spells a
 * public URL, as behind a proxy or TLS terminator), its ServerAlias lines
 * (names, wild_names), its <VirtualHost> addresses and ports (addrs). Not
 * whether it is TLS: mod_ssl keeps that to itself (and may not be
 * loaded), so the vhost's own lines in the configuration tree say it
 * (SSLEngine on). */
#include "httpd.h"
#include "http_config.h"
#include "util_cfgtree.h"
#include "apr_strings.h"
#include "apr_uri.h"
#include "apr_lib.h"
#include "apr_network_io.h"
#include "base/config_reach.h"


/* The vhost's own name: a ServerName of its own or a ServerAlias. httpd
 * gives a vhost without ServerName the main server's name (the same
 * string) when it listens on a wildcard address: such a vhost answers to
 * whatever name reaches it. */
static int reach_named(const server_rec *main, const server_rec *s)
{
    return s->server_hostname != main->server_hostname
           || (s->names && s->names->nelts)
           || (s->wild_names && s->wild_names->nelts);
}

/* ServerName, ServerAlias, wildcards included, as httpd matches a Host
 * header to a name-based vhost. */
static int reach_name(const server_rec *s, const char *host)
{
    int i;

    if (s->server_hostname && !strcasecmp(s->server_hostname, host)) {
        return 1;
    }
    for (i = 0; s->names && i < s->names->nelts; i++) {
        if (!strcasecmp(APR_ARRAY_IDX(s->names, i, const char *), host)) {
            return 1;
        }
    }
    for (i = 0; s->wild_names && i < s->wild_names->nelts; i++) {
        if (!ap_strcasecmp_match(host, APR_ARRAY_IDX(s->wild_names, i,
                                                     const char *))) {
            return 1;
        }
    }
    return 0;
}

static int reach_ip_literal(const char *host)
{
    int dots = 0;

    if (strchr(host, ':')) {
        return 1;  /* IPv6: apr_uri strips the brackets */
    }
    for (; *host; host++) {
        if (*host == '.') {
            dots++;
        }
        else if (!apr_isdigit(*host)) {
            return 0;
        }
    }
    return dots == 3;
}

/* An IP literal reaches the vhost when it listens on that address or on
 * every address. */
static int reach_ip(const server_rec *s, const char *host)
{
    const server_addr_rec *a;

    for (a = s->addrs; a; a = a->next) {
        char *ip = NULL;

        if (!a->host_addr || apr_sockaddr_is_wildcard(a->host_addr)) {
            return 1;
        }
        if (apr_sockaddr_ip_get(&ip, a->host_addr) == APR_SUCCESS && ip
            && !strcasecmp(ip, host)) {
            return 1;
        }
    }
    return 0;
}

/* "443, 8443" (0 = any port: "*"). */
static const char *reach_ports(apr_pool_t *p, const server_rec *s)
{
    const server_addr_rec *a;
    const char *out = NULL;

    for (a = s->addrs; a; a = a->next) {
        const char *one = a->host_port ? apr_itoa(p, a->host_port) : "*";
        out = out ? apr_pstrcat(p, out, ", ", one, NULL) : one;
    }
    return out ? out : "none";
}

static int reach_port(const server_rec *s, apr_port_t port)
{
    const server_addr_rec *a;

    for (a = s->addrs; a; a = a->next) {
        if (!a->host_port || a->host_port == port) {
            return 1;
        }
    }
    return 0;
}

/* The <VirtualHost> node of s in the configuration tree, or NULL. */
static const ap_directive_t *reach_node(const ap_directive_t *n,
                                        const server_rec *s)
{
    for (; n; n = n->next) {
        const ap_directive_t *found;

        if (!strcasecmp(n->directive, "<VirtualHost")) {
            if ((unsigned)n->line_num == s->defn_line_number && n->filename
                && s->defn_name && !strcmp(n->filename, s->defn_name)) {
                return n;
            }
            continue;  /* vhosts do not nest */
        }
        if (n->first_child && (found = reach_node(n->first_child, s))) {
            return found;
        }
    }
    return NULL;
}

/* 1 when an "SSLEngine on" (or optional) lies in this part of the tree. */
static int reach_ssl_in(const ap_directive_t *n)
{
    for (; n; n = n->next) {
        if (!strcasecmp(n->directive, "SSLEngine") && n->args) {
            const char *v = n->args;

            while (*v == '"' || *v == '\'' || apr_isspace(*v)) {
                v++;
            }
            if (!strncasecmp(v, "on", 2) || !strncasecmp(v, "optional", 8)) {
                return 1;
            }
        }
        if (n->first_child && reach_ssl_in(n->first_child)) {
            return 1;
        }
    }
    return 0;
}

static int reach_ssl(const server_rec *s)
{
    const ap_directive_t *v = reach_node(ap_conftree, s);

    return v && reach_ssl_in(v->first_child);
}

/* ServerName https://public.example:443 (a proxy or TLS terminator in
 * front): the URL httpd is told it is reached at. */
static int reach_public(const server_rec *s, const apr_uri_t *u,
                        apr_port_t port)
{
    if (s->port) {
        return port == s->port
               && (!s->server_scheme
                   || !strcasecmp(s->server_scheme, u->scheme));
    }
    return s->server_scheme && !strcasecmp(s->server_scheme, u->scheme)
           && port == apr_uri_port_of_scheme(s->server_scheme);
}

const char *cfg_reach_problem(apr_pool_t *p, server_rec *main, server_rec *s,
                              const char *uri)
{
    apr_uri_t u;
    apr_port_t port;
    const char *where;

    if (!s->is_virtual || !uri || apr_uri_parse(p, uri, &u) != APR_SUCCESS
        || !u.hostname || !u.scheme) {
        return NULL;  /* the main server; a relative URI is refused
                         elsewhere */
    }
    where = apr_psprintf(p, "<VirtualHost> at %s:%d (ServerName %s)",
                         s->defn_name ? s->defn_name : "?",
                         s->defn_line_number, s->server_hostname
                                              ? s->server_hostname : "-");
    port = u.port_str ? u.port : apr_uri_port_of_scheme(u.scheme);
    if (reach_ip_literal(u.hostname) ? !reach_ip(s, u.hostname)
                                     : (reach_named(main, s)
                                        && !reach_name(s, u.hostname))) {
        return apr_psprintf(p, "WorkOSRedirectURI %s: its host %s is not a "
                            "name the %s answers to: the sign-in cookie set "
                            "on this site never reaches the callback "
                            "(\"Sign-in cookie missing\"). Use the site's "
                            "own host in WorkOSRedirectURI, or add "
                            "ServerAlias %s", uri, u.hostname, where,
                            u.hostname);
    }
    if (reach_public(s, &u, port)) {
        return NULL;
    }
    if (!reach_port(s, port)) {
        return apr_psprintf(p, "WorkOSRedirectURI %s is port %u, but the %s "
                            "listens on port %s: the callback would land on "
                            "another server. Use this vhost's scheme and "
                            "port; behind a proxy or TLS terminator, say the "
                            "public URL in ServerName (ServerName "
                            "%s://%s%s%s)", uri, (unsigned)port, where,
                            reach_ports(p, s), u.scheme, u.hostname,
                            u.port_str ? ":" : "",
                            u.port_str ? u.port_str : "");
    }
    if (!strcasecmp(u.scheme, "http") && reach_ssl(s)) {
        return apr_psprintf(p, "WorkOSRedirectURI %s is http, but the %s "
                            "serves https (SSLEngine on): use https://",
                            uri, where);
    }
    return NULL;
}
