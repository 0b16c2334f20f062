# SPDX-License-Identifier: Apache-2.0
"""Misconfiguration caught, part 2 (issue 24): a WorkOSRedirectURI that
cannot come back to its vhost fails configtest; Require workos-* without
AuthzSendForbiddenOnFailure On is a startup warning naming the section; a
callback without its flow cookie names both hosts at warn; WOS00502 names
the URL; the 503 when WorkOS cannot be reached is the module's own page,
brandable with ErrorDocument."""
import re
import subprocess
import time

import pytest
import requests

from harness import APACHE, Httpd, free_port
from test_authn import bearer, token
from test_lifecycle import BROWSER, session_cookie, start_and_get_callback


def vhost(port, body):
    return f"""
Listen 127.0.0.1:{port}
<VirtualHost 127.0.0.1:{port}>
{body}
</VirtualHost>
"""


def configtest(workos, server_extra="", locations="", modules=(),
               drop_forbidden=False):
    h = Httpd(workos, server_extra=server_extra, locations=locations,
              modules=modules)
    try:
        h.write()
        conf = h.dir / "httpd.conf"
        if drop_forbidden:
            conf.write_text(conf.read_text().replace(
                "AuthzSendForbiddenOnFailure On", ""))
        return subprocess.run([APACHE, "-t", "-f", str(conf)],
                              capture_output=True, text=True, timeout=30)
    finally:
        h.cleanup()


# --- WorkOSRedirectURI against its vhost -------------------------------------

@pytest.mark.parametrize("names,uri", [
    ("ServerName app.test", "http://app.test:{port}/callback"),
    ("ServerName app.test\nServerAlias www.app.test",
     "http://WWW.app.test:{port}/callback"),
    ("ServerName app.test\nServerAlias *.app.test",
     "http://eu.app.test:{port}/callback"),
    ("ServerName app.test", "http://127.0.0.1:{port}/callback"),
    # behind a proxy or TLS terminator: ServerName says the public URL
    ("ServerName https://app.test", "https://app.test/callback"),
    ("ServerName app.test:8443", "https://app.test:8443/callback"),
])
def test_a_redirect_uri_that_reaches_its_vhost_passes(workos, names, uri):
    port = free_port()
    r = configtest(workos, server_extra=vhost(port, names + "\n"
                   f"WorkOSRedirectURI {uri.format(port=port)}"))
    assert r.returncode == 0, r.stderr
    assert "WOS05551" not in r.stderr


@pytest.mark.parametrize("names,uri,says", [
    # another host: the flow cookie set here never reaches the callback
    ("ServerName app.test", "http://www.app.test:{port}/callback",
     "its host www.app.test is not a name"),
    ("ServerName app.test\nServerAlias *.eu.app.test",
     "http://app.example:{port}/callback", "ServerAlias app.example"),
    ("ServerName app.test", "http://127.0.0.2:{port}/callback",
     "its host 127.0.0.2 is not a name"),
    # another port: an http:// URI in a vhost on another port
    ("ServerName app.test", "http://app.test/callback",
     "is port 80, but the <VirtualHost> at"),
    ("ServerName app.test", "https://app.test/callback",
     "listens on port {port}"),
])
def test_a_redirect_uri_that_cannot_reach_its_vhost_fails(workos, names,
                                                           uri, says):
    port = free_port()
    uri = uri.format(port=port)
    r = configtest(workos, server_extra=vhost(port, names + "\n"
                   f"WorkOSRedirectURI {uri}"))
    assert r.returncode != 0
    assert "WOS05551" in r.stderr, r.stderr
    assert says.format(port=port) in r.stderr, r.stderr
    assert f"WorkOSRedirectURI {uri}" in r.stderr
    assert "(ServerName app.test)" in r.stderr


def test_an_http_redirect_uri_in_a_tls_vhost_fails(workos):
    port = free_port()
    body = ("ServerName app.test\nSSLEngine on\n"
            f"WorkOSRedirectURI http://app.test:{port}/callback")
    r = configtest(workos, server_extra=vhost(port, body), modules=["ssl"])
    assert r.returncode != 0
    assert "is http, but the <VirtualHost>" in r.stderr, r.stderr
    assert "SSLEngine on" in r.stderr
    body = body.replace("http://", "https://")
    r = configtest(workos, server_extra=vhost(port, body), modules=["ssl"])
    assert "WOS05551" not in r.stderr, r.stderr


def test_the_main_server_is_not_held_to_its_name(workos):
    # it answers on every address no <VirtualHost> claims, by any name
    r = configtest(workos, server_extra="WorkOSRedirectURI "
                   "http://anything.test:8080/callback")
    assert r.returncode == 0, r.stderr


# --- Require workos-* without AuthzSendForbiddenOnFailure On -----------------

ADMIN = """
<Location /admin>
    AuthType WorkOS
    Require workos-role admin
{extra}</Location>
"""


def test_require_without_forbidden_on_failure_warns_naming_it(workos):
    r = configtest(workos, locations=ADMIN.format(extra=""),
                   drop_forbidden=True)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stderr.splitlines() if "WOS05552" in l]
    assert len(lines) == 1, r.stderr
    assert "<Location /admin> at " in lines[0]
    assert "httpd.conf:" in lines[0]
    assert "Require workos-role admin" in lines[0]
    assert "AuthzSendForbiddenOnFailure On" in lines[0]


@pytest.mark.parametrize("where", ["here", "around", "none"])
def test_forbidden_on_failure_anywhere_over_it_is_enough(workos, where):
    # "on": the harness's own "On" line is what configtest drops
    extra = "    AuthzSendForbiddenOnFailure on\n" if where == "here" else ""
    outer = ("<Location />\n AuthzSendForbiddenOnFailure on\n</Location>\n"
             if where == "around" else "")
    r = configtest(workos, locations=outer + ADMIN.format(extra=extra),
                   drop_forbidden=True)
    assert r.returncode == 0, r.stderr
    assert ("WOS05552" in r.stderr) == (where == "none"), r.stderr


class NoForbidden(Httpd):
    """The harness's httpd without its <Location /> that sets
    AuthzSendForbiddenOnFailure On."""

    def config(self):
        return super().config().replace("AuthzSendForbiddenOnFailure On", "")


def test_the_warning_is_said_once_per_start(servers, workos):
    port = free_port()
    extra = vhost(port, "ServerName 127.0.0.1\n" + ADMIN.format(
        extra="    AuthzSendForbiddenOnFailure on\n")
        + "<Location /other>\n    AuthType WorkOS\n    <RequireAll>\n"
        "    Require valid-user\n    Require not workos-org org_01X\n"
        "    </RequireAll>\n</Location>")
    h = NoForbidden(workos, mpm="prefork", one_process=False,
                    server_extra=extra, locations="")
    servers.started.append(h)
    h.start()
    deadline = time.monotonic() + 10
    while h.generations() < 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the log for the start's last line
    log = h.log_text()
    found = re.findall(r"WOS05552[^\n]*", log)
    # not twice (httpd reads its configuration twice at start), and only
    # the section without it
    assert len(found) == 1, log
    assert "<Location /other> at " in found[0]
    assert "Require not workos-org org_01X" in found[0]
    h.graceful_restart()
    assert len(re.findall(r"WOS05552", h.log_text())) == 2  # a new load


# --- the callback without its flow cookie ------------------------------------

def test_a_callback_without_its_cookie_names_both_hosts(httpd):
    _, cb = start_and_get_callback(httpd)
    r = requests.get(httpd.base + cb, timeout=20, allow_redirects=False,
                     headers={"Host": f"www.example.test:{httpd.port}"})
    assert r.status_code == 400
    assert "Sign-in cookie missing" in r.text
    lines = [l for l in httpd.log_text().splitlines() if "WOS05550" in l]
    assert len(lines) == 1, httpd.log_text()
    assert ":warn]" in lines[0]
    assert f"started on http://127.0.0.1:{httpd.port} " in lines[0]
    assert f"came to http://www.example.test:{httpd.port} " in lines[0]
    assert f"WorkOSRedirectURI {httpd.base}/callback" in lines[0]
    # on the host it started on: the browser dropped it
    r = httpd.get(cb)
    assert r.status_code == 400
    same = [l for l in httpd.log_text().splitlines() if "WOS05553" in l]
    assert len(same) == 1 and ":warn]" in same[0], httpd.log_text()
    assert f"started on (http://127.0.0.1:{httpd.port})" in same[0]
    # a state that is not one of ours stays quiet (info)
    r = httpd.get("/callback?code=x&state=" + "A" * 300)
    assert r.status_code == 400
    assert len([l for l in httpd.log_text().splitlines()
                if re.search("WOS0555[03]", l)]) == 2


# --- WorkOS down: WOS00502 names the URL, the 503 is the module's page -------

def test_a_failed_refresh_names_the_url(servers, workos):
    h = servers.start()
    h.allowed_errors += ["WOS00502", "WOS00303"]
    _, cookie = session_cookie(workos, expired=True)
    workos.auth_mode = "down"
    r = h.get("/private", headers={"Cookie": f"wos-session={cookie}",
                                   **BROWSER})
    assert r.status_code == 503
    line = [l for l in h.log_text().splitlines() if "WOS00502" in l]
    assert line, h.log_text()
    assert (f"POST {workos.base}/user_management/authenticate: "
            in line[0]), line[0]
    assert "client_secret" not in line[0]
    # the module's own page, not httpd's generic one
    assert "<h1>Try again shortly</h1>" in r.text, r.text
    assert "Service Unavailable" not in r.text
    assert r.headers["Retry-After"]


def test_the_503_is_brandable(servers, workos):
    h = servers.start(server_extra='ErrorDocument 503 "Back soon, from us"')
    h.allowed_errors += ["WOS00205", "WOS00303"]
    workos.jwks_mode = "down"
    r = h.get("/api", headers=bearer(token(workos)))
    assert r.status_code == 503
    assert r.text.strip() == "Back soon, from us"
    h.stop()
    h = servers.start()
    h.allowed_errors += ["WOS00205", "WOS00303"]
    r = h.get("/api", headers=bearer(token(workos)))
    assert r.status_code == 503
    assert "<h1>Try again shortly</h1>" in r.text


# --- which credential counts (the README says so) ----------------------------

def test_a_bearer_header_decides_alone(httpd, workos):
    _, cookie = session_cookie(workos)
    jar = {"Cookie": f"wos-session={cookie}"}
    assert httpd.get("/private", headers=jar).status_code == 200
    r = httpd.get("/private", headers={**jar, **BROWSER,
                                       "Authorization": "Bearer junk.junk.junk"})
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    assert "Location" not in r.headers
    # Basic is not ours: the cookie counts
    r = httpd.get("/private", headers={**jar, "Authorization": "Basic eDp5"})
    assert r.status_code == 200
