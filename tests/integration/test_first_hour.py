# SPDX-License-Identifier: Apache-2.0
"""The first hour of a new admin (issue 17) and the low security findings
of issue 12: the callback path is the callback wherever it lies, the
module's handlers need no session even under a whole-site AuthType WorkOS,
forged identity headers never reach a backend, anonymous pass callers have
no REMOTE_USER."""
import http.server
import json
import threading
import urllib.parse

import pytest
import requests

from flows import verifier
from harness import Httpd

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
           "Sec-Fetch-Mode": "navigate"}

# Open to everyone, as an admin would keep a health check.
HEALTH = """
<Location /health.txt>
    AuthType None
    Require all granted
</Location>
"""


def whole_site(require="Require valid-user", extra=""):
    return f"""
<Location />
    AuthType WorkOS
    {require}
    AuthzSendForbiddenOnFailure On
</Location>
{extra}
{HEALTH}
"""


def sign_in(httpd, path="/private"):
    s = requests.Session()
    r = s.get(httpd.base + path, headers=BROWSER, allow_redirects=True,
              timeout=20)
    return s, r


def test_callback_works_without_sethandler(servers, workos):
    # only the protected page: no <Location /callback> at all
    httpd = servers.start(locations="""
<Location /private>
    AuthType WorkOS
    Require valid-user
    AuthzSendForbiddenOnFailure On
</Location>""")
    s, r = sign_in(httpd, "/private/x?y=1")
    assert r.status_code == 200, r.text
    assert r.url == httpd.base + "/private/x?y=1"
    assert r.json()["REMOTE_USER"] == "user_01ALICE"
    assert "wos-session" in s.cookies


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_whole_site_location_signs_in(servers, workos, mpm):
    httpd = servers.start(mpm=mpm, one_process=False, locations=whole_site())
    s, r = sign_in(httpd, "/private/page")
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "user_01ALICE"
    assert [h.status_code for h in r.history] == [302, 302, 302]
    assert workos.count("/user_management/authenticate") == 1
    for _ in range(6):  # the cookie works on every process
        assert s.get(httpd.base + "/private", timeout=20).status_code == 200


def test_whole_site_with_a_role_requirement_signs_in(servers, workos):
    # the callback must pass even though nobody has a role before it runs
    httpd = servers.start(locations=whole_site(
        "Require workos-role member",
        extra="<Location /login>\n SetHandler workos-login\n</Location>\n"
              "<Location /logout>\n SetHandler workos-logout\n</Location>\n"
              "<Location /status>\n SetHandler workos-status\n</Location>\n"))
    s, r = sign_in(httpd, "/private")
    assert r.status_code == 200, r.text
    assert r.json()["WORKOS_ROLE"] == "member"


def test_handlers_under_whole_site_need_no_session(servers, workos):
    httpd = servers.start(locations=whole_site(
        "Require workos-role admin",
        extra="<Location /login>\n SetHandler workos-login\n</Location>\n"
              "<Location /logout>\n SetHandler workos-logout\n</Location>\n"
              "<Location /status>\n SetHandler workos-status\n</Location>\n"
              "<Location /webhook>\n SetHandler workos-webhook\n</Location>\n"
              "<Location /sessions>\n SetHandler workos-sessions\n</Location>\n"))
    # sign-in starts at WorkOS, not at another sign-in
    r = httpd.get("/login?return_to=/x", headers=BROWSER)
    assert r.status_code == 302
    assert r.headers["Location"].startswith(workos.base)
    # logout without a session goes where it is told to
    r = httpd.get("/logout", headers=BROWSER)
    assert r.status_code == 302
    assert r.headers["Location"] == httpd.base + "/bye"
    # status answers with counters, never a redirect
    r = httpd.get("/status", headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert r.json()
    # the webhook checks its signature itself: 4xx, not a sign-in
    r = requests.post(httpd.base + "/webhook", data=b"{}", timeout=20,
                      allow_redirects=False)
    assert r.status_code in (400, 401)
    # the sessions handler answers 401 JSON, no redirect
    r = httpd.get("/sessions", headers=BROWSER)
    assert r.status_code == 401
    assert r.json()["error"] == "not signed in"
    # a signed-in user without the role can still sign out
    s, r = sign_in(httpd, "/private")
    assert r.status_code == 403
    r = s.get(httpd.base + "/logout", allow_redirects=False, timeout=20)
    assert r.status_code == 302
    assert r.headers["Location"].startswith(workos.base)


def test_callback_inside_whole_site_with_sethandler_too(servers, workos):
    httpd = servers.start(locations=whole_site(extra="""
<Location /callback>
    SetHandler workos-callback
</Location>"""))
    s, r = sign_in(httpd, "/private")
    assert r.status_code == 200, r.text


def test_callback_path_wins_over_a_proxied_site(servers, workos):
    backend = Backend().start()
    try:
        httpd = servers.start(modules=["proxy", "proxy_http"],
                              locations=whole_site(extra=f"""
ProxyPass /callback !
ProxyPass /health.txt !
ProxyPass / http://127.0.0.1:{backend.port}/
"""))
        s, r = sign_in(httpd, "/app/page")
        assert r.status_code == 200, r.text
        assert r.json()["path"] == "/app/page"
        assert not any(p.startswith("/callback") for p in backend.paths)
    finally:
        backend.stop()


def test_callback_path_even_without_proxypass_exclusion(servers, workos):
    backend = Backend().start()
    try:
        httpd = servers.start(modules=["proxy", "proxy_http"],
                              locations=whole_site(extra=f"""
ProxyPass /health.txt !
ProxyPass / http://127.0.0.1:{backend.port}/
"""))
        s, r = sign_in(httpd, "/app/page")
        assert r.status_code == 200, r.text
        assert r.json()["path"] == "/app/page"
        assert not any(p.startswith("/callback") for p in backend.paths)
    finally:
        backend.stop()


# --- forged identity headers (issue 12 item 2) -----------------------------

class Backend:
    """A plain HTTP backend that answers with the headers it received."""

    def __init__(self):
        backend = self
        self.paths = []
        self.headers = []

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                backend.paths.append(self.path)
                backend.headers.append(list(self.headers.items()))
                body = json.dumps({"path": self.path,
                                   "headers": list(self.headers.items())})
                body = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]

    def start(self):
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


FORGED = {"X-WorkOS-User-Id": "user_01ADMIN", "x-workos-role": "admin",
          "X_WorkOS_Permissions": "everything", "x_workos_org_id": "org_X",
          "X-WorkOS_Mixed": "1"}


def start_open(servers, workos, mpm="event", extra_modules=(), extra=""):
    h = Httpd(workos, mpm=mpm, modules=["authz_host", *extra_modules])
    h.server_extra = f"""
ScriptAlias /open {h.dir}/cgi/env.py
<Location /open>
    Require all granted
</Location>
<Location /pub>
    <RequireAny>
        Require ip 127.0.0.1
        Require workos-role admin
    </RequireAny>
    AuthType WorkOS
</Location>
ScriptAlias /pub {h.dir}/cgi/env.py
{extra}
"""
    servers.started.append(h)
    return h.start()


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_forged_headers_stripped_where_no_auth_runs_cgi(servers, workos,
                                                         mpm):
    httpd = start_open(servers, workos, mpm=mpm)
    for path in ("/open", "/pub"):
        r = httpd.get(path, headers=FORGED)
        assert r.status_code == 200, (path, r.text)
        env = r.json()
        assert not [k for k in env if "WORKOS" in k.upper()], (path, env)


def test_forged_headers_stripped_before_a_proxied_backend(servers, workos):
    backend = Backend().start()
    try:
        httpd = start_open(servers, workos, extra_modules=["proxy",
                                                           "proxy_http"],
                           extra=f"""
<Location /proxied/>
    Require all granted
    ProxyPass http://127.0.0.1:{backend.port}/
</Location>""")
        r = httpd.get("/proxied/x", headers={**FORGED, "X-Other": "kept"})
        assert r.status_code == 200, r.text
        names = [k.lower() for k, _ in r.json()["headers"]]
        assert "x-other" in names
        assert not [n for n in names if n.replace("_", "-").startswith(
            "x-workos")], names
    finally:
        backend.stop()


# --- WorkOSUnauthAction pass (issue 12 item 12) ----------------------------

def test_pass_leaves_remote_user_unset(httpd):
    r = httpd.get("/pass")
    assert r.status_code == 200
    assert "REMOTE_USER" not in r.json()
    assert "AUTH_TYPE" not in r.json() or r.json()["AUTH_TYPE"]


def test_pass_with_require_valid_user_denies_anonymous(httpd, workos):
    r = httpd.get("/pass-strict", headers=BROWSER)
    assert r.status_code == 401
    assert "Location" not in r.headers


def test_pass_with_require_valid_user_admits_a_signed_in_user(httpd, workos):
    from test_authn import bearer, token
    r = httpd.get("/pass-strict", headers=bearer(token(workos)))
    assert r.status_code == 200
    assert r.json()["REMOTE_USER"] == "user_01ALICE"


# --- configtest names the cause (SPEC "Behaviour that must hold") ----------

def configtest(workos, server_extra="", locations="", drop=()):
    import subprocess
    from harness import APACHE
    h = Httpd(workos, server_extra=server_extra, locations=locations)
    try:
        h.write()
        conf = h.dir / "httpd.conf"
        conf.write_text("\n".join(
            l for l in conf.read_text().splitlines()
            if not any(l.startswith(d) for d in drop)))
        return subprocess.run([APACHE, "-t", "-f", str(conf)],
                              capture_output=True, text=True, timeout=30)
    finally:
        h.cleanup()


SIGNIN_SCOPE = """
<Location /app>
    AuthType WorkOS
    Require valid-user
</Location>
"""


def test_missing_redirect_uri_fails_where_browsers_sign_in(workos):
    r = configtest(workos, locations=SIGNIN_SCOPE,
                   drop=("WorkOSRedirectURI",))
    assert r.returncode != 0
    assert "WorkOSRedirectURI is required" in r.stderr, r.stderr
    assert "<Location /app>" in r.stderr, r.stderr


def test_missing_redirect_uri_fails_for_whole_site(workos):
    r = configtest(workos, locations=whole_site(
        extra="<Location /api>\n WorkOSUnauthAction 401\n</Location>"),
        drop=("WorkOSRedirectURI",))
    assert r.returncode != 0
    assert "<Location />" in r.stderr, r.stderr


@pytest.mark.parametrize("locations", [
    # an API that never sends anyone to sign in
    "<Location /api>\n AuthType WorkOS\n WorkOSUnauthAction 401\n"
    " Require valid-user\n</Location>",
    # the action inherited from an enclosing section
    "<Location /api>\n WorkOSUnauthAction 401\n</Location>\n"
    "<Location /api/v1>\n AuthType WorkOS\n Require valid-user\n</Location>",
    "<Location /opt>\n AuthType WorkOS\n WorkOSUnauthAction pass\n"
    " Require all granted\n</Location>",
    # no AuthType WorkOS at all
    "<Location /webhook>\n SetHandler workos-webhook\n</Location>",
])
def test_no_redirect_uri_is_fine_where_nobody_signs_in(workos, locations):
    r = configtest(workos, locations=locations, drop=("WorkOSRedirectURI",))
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("extra,names", [
    ("WorkOSCookieDomain example.com",
     "WorkOSCookieDomain example.com does not domain-match"),
    ("WorkOSRedirectURI https://app.example.com/cb\n"
     "WorkOSCookieDomain other.example.com",
     "does not domain-match the host of WorkOSRedirectURI (app.example.com)"),
    ("WorkOSRedirectURI https://app.example.com/cb\n"
     "WorkOSCookieDomain pp.example.com", "does not domain-match"),
    ("WorkOSCookieSecure On\nWorkOSRedirectURI http://app.example.com/cb",
     "WorkOSCookieSecure is On"),
    ("WorkOSCookieSameSite None", "WorkOSCookieSameSite None needs "
     "WorkOSCookieSecure On"),
    ("WorkOSCookieName wos=session", "WorkOSCookieName 'wos=session' is not "
     "a cookie name"),
    ("WorkOSCookieName wos@session", "is not a cookie name"),
])
def test_cookie_settings_that_loop_fail_configtest(workos, extra, names):
    r = configtest(workos, server_extra=extra)
    assert r.returncode != 0
    assert names in r.stderr, r.stderr


@pytest.mark.parametrize("extra", [
    "WorkOSRedirectURI https://app.example.com/cb\n"
    "WorkOSCookieDomain example.com",
    "WorkOSRedirectURI https://app.example.com/cb\n"
    "WorkOSCookieDomain .App.Example.com",
    "WorkOSCookieSecure On\nWorkOSRedirectURI http://localhost:8080/cb",
    "WorkOSCookieSecure On\nWorkOSRedirectURI http://127.0.0.5/cb",
    "WorkOSCookieSecure On\nWorkOSRedirectURI http://[::1]:8080/cb",
    "WorkOSCookieSecure On\nWorkOSRedirectURI http://app.localhost/cb",
    "WorkOSCookieSecure On\nWorkOSCookieSameSite None",
    "WorkOSCookieName __Host-wos.session_1",
])
def test_cookie_settings_that_work_pass_configtest(workos, extra):
    r = configtest(workos, server_extra=extra)
    assert r.returncode == 0, r.stderr


def test_max_age_0_is_a_browser_session_cookie(servers, workos):
    httpd = servers.start(server_extra="WorkOSCookieMaxAge 0")
    s, r = sign_in(httpd, "/private")
    assert r.status_code == 200, r.text
    set_cookie = [h for resp in r.history
                  for h in resp.raw.headers.getlist("Set-Cookie")
                  if h.startswith("wos-session=")]
    assert len(set_cookie) == 1, set_cookie
    attrs = [a.strip() for a in set_cookie[0].split(";")]
    assert attrs[0] != "wos-session="
    assert not [a for a in attrs if a.startswith(("Max-Age", "Expires"))]
    import sealer
    sealer.ISSUED.append(attrs[0].split("=", 1)[1])


# --- duplicate session cookies (issue 12 item 9) ---------------------------

def test_duplicate_session_cookies_the_valid_one_wins(httpd, workos):
    from test_lifecycle import session_cookie
    _, good = session_cookie(workos)
    bad = "Fe26.2*1*x*y*z**a*b~2"
    for header in (f"wos-session={bad}; wos-session={good}",
                   f"wos-session={good}; wos-session={bad}",
                   f"other=1; wos-session=garbage; wos-session={good}"):
        r = httpd.get("/private", headers={"Cookie": header})
        assert r.status_code == 200, header
        assert r.json()["REMOTE_USER"] == "user_01ALICE"
        # nothing cleared: the bad one is not ours to clear
        assert not [h for h in r.raw.headers.getlist("Set-Cookie")
                    if h.startswith("wos-session=")]


def test_only_bad_session_cookies_are_cleared_once(httpd, workos):
    r = httpd.get("/private", headers={
        "Cookie": "wos-session=garbage; wos-session=Fe26.2*1*x*y*z**a*b~2"})
    assert r.status_code == 401
    cleared = [h for h in r.raw.headers.getlist("Set-Cookie")
               if h.startswith("wos-session=;")]
    assert len(cleared) == 1


# --- logout from another site (issue 12 item 7) ----------------------------

@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_cross_site_logout_asks_instead_of_signing_out(httpd, workos, site):
    from test_lifecycle import session_cookie
    _, cookie = session_cookie(workos)
    r = httpd.get("/logout", headers={"Cookie": f"wos-session={cookie}",
                                      "Sec-Fetch-Site": site, **BROWSER})
    assert r.status_code == 200
    assert not r.raw.headers.getlist("Set-Cookie")
    assert '<form method="post" action="/logout">' in r.text
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    # still signed in
    assert httpd.get("/private", headers={
        "Cookie": f"wos-session={cookie}"}).status_code == 200
    # the confirmation, posted from this origin, signs out
    r = requests.post(httpd.base + "/logout", timeout=20,
                      allow_redirects=False,
                      headers={"Cookie": f"wos-session={cookie}",
                               "Origin": httpd.base,
                               "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 303
    assert r.headers["Location"].startswith(
        workos.base + "/user_management/sessions/logout?session_id=")
    assert any(h.startswith("wos-session=;")
               for h in r.raw.headers.getlist("Set-Cookie"))
    assert "WOS02410" in httpd.log_text()


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "https://evil.example"}])
def test_cross_site_logout_post_is_refused(httpd, workos, headers):
    from test_lifecycle import session_cookie
    _, cookie = session_cookie(workos)
    r = requests.post(httpd.base + "/logout", timeout=20,
                      allow_redirects=False,
                      headers={"Cookie": f"wos-session={cookie}", **headers})
    assert r.status_code == 403
    assert not r.raw.headers.getlist("Set-Cookie")


def test_same_origin_logout_link_still_signs_out(httpd, workos):
    from test_lifecycle import session_cookie
    _, cookie = session_cookie(workos)
    r = httpd.get("/logout", headers={"Cookie": f"wos-session={cookie}",
                                      "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 302
    assert r.headers["Location"].startswith(workos.base)


# --- run-time misconfiguration: log levels (SPEC) and loop detection -------

def test_wrong_api_key_is_logged_at_error_with_the_fix(servers, workos):
    workos.api_key = "sk_the_real_one_0123456789"
    httpd = servers.start()
    httpd.allowed_errors.append(r"WOS02420")
    s, r = sign_in(httpd, "/private")
    assert r.status_code == 400
    lines = [l for l in httpd.log_text().splitlines() if "WOS02420" in l]
    assert len(lines) == 1, httpd.log_text()
    assert ":error]" in lines[0]
    assert "invalid_client" in lines[0] and "WorkOSAPIKey" in lines[0]


def test_workos_error_in_callback_url_is_logged(servers, workos):
    # only WorkOS's answer to a sign-in this browser started (its state
    # checks out) is diagnosed at error: anyone can send the link
    httpd = servers.start()
    httpd.allowed_errors.append(r"WOS02420")
    for code in ("unauthorized_client", "access_denied"):
        jar = requests.Session()
        r = jar.get(httpd.base + "/login", headers=BROWSER,
                    allow_redirects=False, timeout=20)
        state = verifier(r)[1]
        r = jar.get(httpd.base + "/callback", headers=BROWSER, timeout=20,
                    params={"error": code, "state": state},
                    allow_redirects=False)
        assert r.status_code == 400
    log = httpd.log_text()
    err = [l for l in log.splitlines() if "WOS02420" in l]
    assert len(err) == 1 and "unauthorized_client" in err[0]
    info = [l for l in log.splitlines() if "WOS02421" in l]
    assert len(info) == 1 and ":info]" in info[0]
    assert "access_denied" in info[0]


@pytest.mark.parametrize("cookie", [
    None, "wos-auth-verifier=garbage", "wos-auth-verifier=Fe26.2*1*a*b*c*1*d*e",
])
def test_refused_callback_logs_why(httpd, cookie):
    # a missing, garbage or mismatched verifier: refused, and the log says
    # which (the page's title) at info
    r = httpd.get("/callback?code=abc&state=garbage",
                  headers={"Cookie": cookie} if cookie else {})
    assert r.status_code == 400
    lines = [l for l in httpd.log_text().splitlines() if "WOS02430" in l]
    assert len(lines) == 1, httpd.log_text()
    assert ":info]" in lines[0] and "answered 400" in lines[0]
    assert any(t in lines[0] for t in ("cookie missing", "mismatch",
                                       "expired")), lines[0]


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_sign_in_loop_is_stopped_with_a_page(servers, workos, mpm):
    httpd = servers.start(mpm=mpm, one_process=False)
    httpd.allowed_errors.append(r"WOS02440")
    s = requests.Session()
    statuses = []
    for _ in range(6):
        r = s.get(httpd.base + "/private", headers=BROWSER, timeout=20,
                  allow_redirects=True)
        statuses.append(r.status_code)
        # the browser drops the session cookie, as in a real loop
        if "wos-session" in s.cookies:
            del s.cookies["wos-session"]
        if r.status_code != 200:
            break
    assert statuses == [200, 200, 200, 500], statuses
    assert "Sign-in loop stopped" in r.text
    assert "Location" not in r.headers
    assert workos.count("/user_management/authenticate") == 3
    lines = [l for l in httpd.log_text().splitlines() if "WOS02440" in l]
    assert len(lines) == 1 and "WorkOSCookieSecure" in lines[0]


def test_several_sign_ins_apart_are_no_loop(httpd, workos):
    # separate browsers signing in at once are not one loop
    for _ in range(6):
        s, r = sign_in(httpd, "/private")
        assert r.status_code == 200


def test_one_browser_keeping_its_session_signing_in_often_is_no_loop(
        httpd, workos):
    # sign-up then sign-in, tabs, switching accounts: the callback sees the
    # session cookie it set before, so the browser keeps it: no loop
    s, r = sign_in(httpd, "/private")
    assert r.status_code == 200
    for _ in range(5):
        r = s.get(httpd.base + "/login?return_to=/private", headers=BROWSER,
                  allow_redirects=True, timeout=20)
        assert r.status_code == 200, r.text
    assert workos.count("/user_management/authenticate") == 6


# --- the sessions handler reads every page (issue 12 item 11) --------------

def test_sessions_list_pages_through_all_sessions(httpd, workos):
    from test_lifecycle import session_cookie
    workos.sessions_page_size = 3
    for _ in range(7):
        workos.issue_session("org_01ACME")
    _, cookie = session_cookie(workos)   # the 8th, the caller's own
    ck = {"Cookie": f"wos-session={cookie}"}
    listing = httpd.get("/sessions", headers=ck)
    assert listing.status_code == 200
    ids = [s["id"] for s in listing.json()["data"]]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert listing.json()["current_session_id"] == ids[-1]
    assert workos.count("/user_management/users/user_01ALICE/sessions") == 3
    # a session on the last page can be revoked: it is the user's too
    r = requests.post(httpd.base + "/sessions", data={"session_id": ids[6]},
                      headers={**ck, "Origin": httpd.base}, timeout=20)
    assert r.status_code == 200, r.text
    assert workos.revoked == [ids[6]]
    assert "list_metadata" not in listing.json()


def test_handlers_find_the_valid_one_of_duplicate_cookies(httpd, workos):
    from test_lifecycle import session_cookie
    _, good = session_cookie(workos)
    header = f"wos-session=Fe26.2*1*x*y*z**a*b~2; wos-session={good}"
    r = httpd.get("/sessions", headers={"Cookie": header})
    assert r.status_code == 200
    assert r.json()["current_session_id"].startswith("session_")
    r = httpd.get("/logout", headers={"Cookie": header})
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        r.headers["Location"]).query))
    assert q["session_id"].startswith("session_")
