# SPDX-License-Identifier: Apache-2.0
"""The module against WorkOS's own emulator (the pinned `workos` CLI's
`workos/emulate`, started by tests/interop/emulator.mjs on a loopback
port), not against our fake: sign-in with PKCE through the emulator's
authorize, login_hint, organisation switch, role and permission rules,
bearer tokens with the emulator's issuer, logout, the sessions page and
the events poller, under event and prefork.

Where the emulator and WorkOS's API description (@workos/openapi-spec)
disagree the tests assert what the module must do against WorkOS itself;
the emulator is only ever driven through its public API. The differences
found (workos 0.14.0):

- its tokens' `iss` is its own URL (`http://localhost:<port>`), which the
  module's default issuer list (`<WorkOSAPIBaseURL>`) accepts;
- client id and secret are not checked (PKCE is);
- authorize ignores `organization_id` (WorkOS signs into that organisation);
- a refresh with `organization_id` switches into any organisation, member
  or not, and every refresh makes a new session id (WorkOS keeps the sid);
- a revoked session's refresh token still refreshes (WorkOS refuses it);
- revoked sessions vanish from the user's session list (WorkOS lists them
  with `status: revoked`; its items also carry `auth_method`, `status`,
  `expires_at`, `ended_at`);
- `/events` ignores `range_start`, and an unknown `after` cursor starts
  from the oldest event (WorkOS answers it with an error);
- `/api_keys/validations` reads `{"key"}` and answers `{"valid"}`, not
  `{"value"}` -> `{"api_key": {...} | null}`."""
import base64
import json
import pathlib
import subprocess
import time
import urllib.parse

import pytest
import requests

from conftest import Servers
from harness import API_KEY

INTEROP = pathlib.Path(__file__).resolve().parents[1] / "interop"
BROWSER = {"Accept": "text/html"}
POLL = "WorkOSEventsPoll 1\n"


class Emulator:
    """tests/interop/emulator.mjs: one emulator for this file."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["node", "emulator.mjs", API_KEY], cwd=INTEROP,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=10)
            raise RuntimeError("the emulator did not start "
                               f"(exit {self.proc.returncode})")
        info = json.loads(line)
        self.base = info["url"]          # what WorkOSAPIBaseURL names
        self.users = info["users"]
        self.orgs = info["orgs"]
        self.memberships = info["memberships"]
        self.api_key = info["apiKey"]

    def api(self, method, path, **kw):
        r = requests.request(method, self.base + path, timeout=10,
                             headers={"Authorization":
                                      f"Bearer {self.api_key}"}, **kw)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def password_grant(self, user, **extra):
        """An access token minted by the emulator itself."""
        return self.api("POST", "/user_management/authenticate", json={
            "grant_type": "password", "client_id": "client_01TESTCLIENT",
            "email": self.users[user]["email"],
            "password": self.users[user]["password"], **extra})

    def new_user(self, email):
        u = self.api("POST", "/user_management/users",
                     json={"email": email, "password": "Emulator-Password-1!",
                           "email_verified": True})
        return u["id"]

    def sessions_of(self, user_id):
        return [s["id"] for s in self.api(
            "GET", f"/user_management/users/{user_id}/sessions")["data"]]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()          # emulator.mjs closes on EOF
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                self.proc.wait(timeout=10)
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def emu():
    e = Emulator()
    yield e
    e.stop()
    assert e.proc.returncode == 0


@pytest.fixture
def servers(emu):
    s = Servers(emu)
    yield s
    problems = s.finish()
    assert not problems, "\n".join(problems)


@pytest.fixture(params=["event", "prefork"])
def mpm(request):
    return request.param


def locations(emu):
    return f"""
<Location /sessions>
    SetHandler workos-sessions
</Location>
<Location /callback>
    SetHandler workos-callback
</Location>
<Location /login>
    SetHandler workos-login
</Location>
<Location /logout>
    SetHandler workos-logout
</Location>
<Location /switch-org>
    SetHandler workos-switch-org
</Location>
<Location /workos-status>
    SetHandler workos-status
</Location>
<Location /private>
    AuthType WorkOS
    Require valid-user
</Location>
<Location /api>
    AuthType WorkOS
    WorkOSTokenSource bearer
    WorkOSUnauthAction 401
    Require valid-user
</Location>
<Location /static-secret.txt>
    AuthType WorkOS
    WorkOSTokenSource apikey
    WorkOSUnauthAction 401
    Require valid-user
</Location>
<Location /org>
    AuthType WorkOS
    Require workos-org {emu.orgs["acme"]}
</Location>
<Location /other-org>
    AuthType WorkOS
    Require workos-org {emu.orgs["globex"]}
</Location>
<Location /role>
    AuthType WorkOS
    Require workos-role admin
</Location>
<Location /perm>
    AuthType WorkOS
    Require workos-permission posts:write
</Location>
<Location /all>
    AuthType WorkOS
    <RequireAll>
        Require workos-org {emu.orgs["acme"]} {emu.orgs["globex"]}
        Require workos-permission posts:read
    </RequireAll>
</Location>
"""


@pytest.fixture
def httpd(servers, emu, mpm):
    return servers.start(mpm=mpm, one_process=False, locations=locations(emu),
                         server_extra=POLL)


def claims(token):
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


class Browser(requests.Session):
    """A browser: keeps cookies, and never waits forever."""

    def request(self, *a, **kw):
        kw.setdefault("timeout", 20)
        return super().request(*a, **kw)


def sign_in(httpd, servers, path="/private", hint=None):
    """A browser signing in: every redirect followed, through the
    emulator's authorize. Returns (session, final response, hops)."""
    s = Browser()
    url = httpd.base + (f"/login?login_hint={urllib.parse.quote(hint)}"
                        f"&return_to={path}" if hint else path)
    r = s.get(url, headers=BROWSER, timeout=20)
    cookie = s.cookies.get("wos-session")
    if cookie:
        servers.remember_secret(cookie)
    return s, r, [h.headers.get("Location", "") for h in r.history]


def env(r):
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.json()


def wait_for(cond, timeout, what):
    start = time.monotonic()
    while not cond():
        assert time.monotonic() - start < timeout, f"not within {timeout} s: {what}"
        time.sleep(0.05)  # polling a condition with a deadline


# --- sign-in -----------------------------------------------------------------

def test_sign_in_with_pkce_through_the_emulator(httpd, servers, emu):
    s, r, hops = sign_in(httpd, servers)
    e = env(r)
    alice = emu.users["alice"]
    assert e["REMOTE_USER"] == alice["id"]
    assert e["WORKOS_USER_EMAIL"] == alice["email"]
    assert e["WORKOS_SESSION_ID"].startswith("session_")
    assert "WORKOS_ORG_ID" not in e
    # the module sent the browser to the emulator's authorize with an S256
    # challenge, and the emulator back to the callback with a code
    authorize = urllib.parse.urlsplit(hops[0])
    q = urllib.parse.parse_qs(authorize.query)
    assert authorize.netloc == urllib.parse.urlsplit(emu.base).netloc
    assert authorize.path == "/user_management/authorize"
    assert q["code_challenge_method"] == ["S256"]
    assert len(q["code_challenge"][0]) == 43
    assert hops[1].startswith(httpd.base + "/callback?code=")
    # the session the emulator holds is the one the cookie carries
    assert e["WORKOS_SESSION_ID"] in emu.sessions_of(alice["id"])
    # the cookie alone keeps the user signed in, with no new sign-in
    r = httpd.get("/private", cookies={"wos-session":
                                       s.cookies["wos-session"]})
    assert env(r)["REMOTE_USER"] == alice["id"]


def test_replayed_callback_is_refused(httpd, servers, emu):
    s, r, hops = sign_in(httpd, servers)
    assert r.status_code == 200
    # the code was used once; the verifier cookie is gone: the same
    # callback again is refused without a session
    again = requests.get(hops[1], headers=BROWSER, allow_redirects=False,
                         timeout=20)
    assert again.status_code == 400
    assert "wos-session=" not in again.headers.get("Set-Cookie", "") or \
        "Max-Age=0" in again.headers.get("Set-Cookie", "")


def test_login_hint_signs_in_that_user(httpd, servers, emu):
    _, r, hops = sign_in(httpd, servers, hint=emu.users["bob"]["email"])
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(hops[0]).query)
    assert q["login_hint"] == ["bob@example.com"]
    assert q["provider"] == ["authkit"]
    e = env(r)
    assert e["REMOTE_USER"] == emu.users["bob"]["id"]
    assert e["WORKOS_USER_EMAIL"] == "bob@example.com"


def test_sign_in_organization_goes_to_authorize(httpd, servers, emu):
    # the emulator ignores organization_id at authorize (WorkOS signs into
    # it): what the module owes is to pass it on, and a working sign-in
    acme = emu.orgs["acme"]
    s = Browser()
    r = s.get(f"{httpd.base}/login?organization_id={acme}"
              "&return_to=/private", headers=BROWSER)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(
        r.history[0].headers["Location"]).query)
    assert q["organization_id"] == [acme]
    servers.remember_secret(s.cookies["wos-session"])
    assert env(r)["REMOTE_USER"] == emu.users["alice"]["id"]


# --- organisations, roles, permissions ---------------------------------------

def switch(httpd, s, org):
    r = s.post(httpd.base + "/switch-org", data={"organization_id": org,
                                                 "return_to": "/private"},
               allow_redirects=False, timeout=20)
    return r


def test_switch_org_then_role_and_permission_rules(httpd, servers, emu):
    s, r, _ = sign_in(httpd, servers)
    acme, globex = emu.orgs["acme"], emu.orgs["globex"]
    # signed in without an organisation: no org, no role, no permission
    for path in ("/org", "/role", "/perm", "/all"):
        assert s.get(httpd.base + path, headers=BROWSER,
                     allow_redirects=False).status_code == 403, path
    # into Acme, where Alice is admin
    r = switch(httpd, s, acme)
    assert r.status_code == 303, r.text
    servers.remember_secret(s.cookies["wos-session"])
    e = env(s.get(httpd.base + "/org", allow_redirects=False))
    assert e["WORKOS_ORG_ID"] == acme
    assert e["WORKOS_ROLE"] == "admin"
    assert set(e["WORKOS_PERMISSIONS"].split(",")) == {
        "posts:read", "posts:write", "billing:manage"}
    assert e["REMOTE_USER"] == emu.users["alice"]["id"]
    for path in ("/role", "/perm", "/all"):
        assert s.get(httpd.base + path,
                     allow_redirects=False).status_code == 200, path
    assert s.get(httpd.base + "/other-org",
                 allow_redirects=False).status_code == 403
    # into Globex, where she is a member: posts:read only
    assert switch(httpd, s, globex).status_code == 303
    servers.remember_secret(s.cookies["wos-session"])
    e = env(s.get(httpd.base + "/other-org", allow_redirects=False))
    assert e["WORKOS_ORG_ID"] == globex and e["WORKOS_ROLE"] == "member"
    assert e["WORKOS_PERMISSIONS"] == "posts:read"
    assert e["REMOTE_USER"] == emu.users["alice"]["id"]
    assert env(s.get(httpd.base + "/all", allow_redirects=False))
    for path in ("/role", "/perm", "/org"):
        assert s.get(httpd.base + path,
                     allow_redirects=False).status_code == 403, path


# --- bearer tokens -----------------------------------------------------------

def test_bearer_token_minted_by_the_emulator(httpd, servers, emu):
    auth = emu.password_grant("carol")
    token = servers.remember_secret(auth["access_token"])
    servers.remember_secret(auth["refresh_token"])
    # the emulator's issuer is its own URL: the module's default issuer
    # (<WorkOSAPIBaseURL>) accepts it with no WorkOSIssuer line
    assert claims(token)["iss"] == emu.base
    e = env(httpd.get("/api", headers={"Authorization": f"Bearer {token}"}))
    assert e["REMOTE_USER"] == emu.users["carol"]["id"]
    assert httpd.get("/api").status_code == 401
    # an organisation token (a refresh into Acme): role rules apply to it
    org = emu.api("POST", "/user_management/authenticate", json={
        "grant_type": "refresh_token", "client_id": "client_01TESTCLIENT",
        "refresh_token": auth["refresh_token"],
        "organization_id": emu.orgs["acme"]})
    bearer = {"Authorization": "Bearer "
              + servers.remember_secret(org["access_token"])}
    servers.remember_secret(org["refresh_token"])
    assert env(httpd.get("/org", headers=bearer))["WORKOS_ROLE"] == "member"
    assert httpd.get("/role", headers=bearer).status_code == 403
    # a token that is not the emulator's (its signature altered) is refused
    h, p, sig = token.split(".")
    forged = f"{h}.{p}.{sig[:-4]}AAAA"
    assert httpd.get("/api", headers={"Authorization":
                                      f"Bearer {forged}"}).status_code == 401


def test_bearer_token_from_another_issuer_is_refused(servers, emu, mpm):
    h = servers.start(mpm=mpm, one_process=False, locations=locations(emu),
                      server_extra="WorkOSIssuer https://api.workos.com\n")
    token = servers.remember_secret(emu.password_grant("carol")
                                    ["access_token"])
    r = h.get("/api", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


# --- API keys --------------------------------------------------------------

def test_api_key_answer_outside_the_description_never_grants(httpd, emu):
    # WorkOS: POST /api_keys/validations {"value"} -> {"api_key": {...} or
    # null}. The emulator reads {"key"} and answers {"valid": bool}: an
    # answer the module cannot read, so no grant (and no "invalid" either,
    # which would count against the client): 503, logged
    httpd.allowed_errors += [r"WOS00801: .*HTTP 200, unreadable answer",
                             r"WOS00303: .*no usable answer"]
    r = httpd.get("/static-secret.txt",
                  headers={"Authorization": f"Bearer {emu.api_key}"})
    assert r.status_code == 503, r.status_code
    assert "secret" not in r.text
    assert "WOS00801: API key validation with WorkOS failed: HTTP 200, " \
        "unreadable answer" in httpd.log_text()


# --- logout and sessions -----------------------------------------------------

def test_logout_ends_the_session_at_the_emulator_too(httpd, servers, emu):
    s, r, _ = sign_in(httpd, servers, hint=emu.users["dave"]["email"])
    sid = env(r)["WORKOS_SESSION_ID"]
    saved = s.cookies["wos-session"]
    dave = emu.users["dave"]["id"]
    assert sid in emu.sessions_of(dave)
    r = s.get(httpd.base + "/logout", allow_redirects=False)
    assert r.status_code in (302, 303)
    out = urllib.parse.urlsplit(r.headers["Location"])
    q = urllib.parse.parse_qs(out.query)
    assert out.path == "/user_management/sessions/logout"
    assert q["session_id"] == [sid]
    assert q["return_to"] == [httpd.base + "/bye"]
    # the browser goes to the emulator, which ends the session and sends
    # it back to WorkOSLogoutReturnTo
    r = s.get(r.headers["Location"], allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == httpd.base + "/bye"
    assert sid not in emu.sessions_of(dave)
    # a saved copy of the cookie is no session any more
    r = httpd.get("/private", headers=BROWSER, cookies={"wos-session": saved})
    assert r.status_code == 302
    assert "/user_management/authorize" in r.headers["Location"]


def test_sessions_page_lists_and_revokes(httpd, servers, emu):
    email = emu.users["bob"]["email"]
    first, r1, _ = sign_in(httpd, servers, hint=email)
    second, r2, _ = sign_in(httpd, servers, hint=email)
    sid1, sid2 = env(r1)["WORKOS_SESSION_ID"], env(r2)["WORKOS_SESSION_ID"]
    listing = second.get(httpd.base + "/sessions", allow_redirects=False)
    assert listing.status_code == 200
    assert listing.headers["Content-Type"].startswith("application/json")
    ids = [x["id"] for x in listing.json()["data"]]
    assert {sid1, sid2} <= set(ids)
    assert listing.json()["current_session_id"] == sid2
    # the second browser signs the first out
    r = second.post(httpd.base + "/sessions", data={"session_id": sid1},
                    headers={"Origin": httpd.base}, allow_redirects=False)
    assert r.status_code == 200, r.text
    assert sid1 not in emu.sessions_of(emu.users["bob"]["id"])
    r = first.get(httpd.base + "/private", headers=BROWSER,
                  allow_redirects=False)
    assert r.status_code == 302
    assert env(second.get(httpd.base + "/private",
                          allow_redirects=False))["WORKOS_SESSION_ID"] == sid2
    # someone else's session is not Bob's to revoke
    alice = emu.password_grant("alice")
    servers.remember_secret(alice["access_token"])
    servers.remember_secret(alice["refresh_token"])
    alice_sid = claims(alice["access_token"])["sid"]
    r = second.post(httpd.base + "/sessions", data={"session_id": alice_sid},
                    headers={"Origin": httpd.base}, allow_redirects=False)
    assert r.status_code == 403, r.status_code
    assert alice_sid in emu.sessions_of(emu.users["alice"]["id"])


# --- events ------------------------------------------------------------------

def test_session_revoked_event_reaches_the_module(httpd, servers, emu):
    s, r, _ = sign_in(httpd, servers, hint=emu.users["carol"]["email"])
    sid = env(r)["WORKOS_SESSION_ID"]
    # revoked at WorkOS (its API, not through this module): the poller
    # reads session.revoked from /events and the cookie stops working
    emu.api("POST", "/user_management/sessions/revoke",
            json={"session_id": sid})
    carol = emu.users["carol"]["id"]
    before = set(emu.sessions_of(carol))
    assert sid not in before
    wait_for(lambda: s.get(httpd.base + "/private", headers=BROWSER,
                           allow_redirects=False).status_code == 302,
             15, "session.revoked applied")
    # the emulator still refreshes a revoked session's refresh token
    # (WorkOS does not): the module must not, so no new session appears
    for _ in range(3):
        r = s.get(httpd.base + "/private", headers=BROWSER,
                  allow_redirects=False)
        assert r.status_code == 302
        assert "/user_management/authorize" in r.headers["Location"]
    assert set(emu.sessions_of(carol)) <= before


def test_membership_events_reach_the_module(httpd, servers, emu, mpm):
    # a user of this case alone: the emulator keeps its events for the
    # whole file and ignores range_start, so each httpd replays them all
    email = f"eve-{mpm}-{time.monotonic_ns()}@example.com"
    uid = emu.new_user(email)
    acme = emu.orgs["acme"]
    om = emu.api("POST", "/user_management/organization_memberships",
                 json={"user_id": uid, "organization_id": acme,
                       "role_slug": "member"})["id"]
    s, r, _ = sign_in(httpd, servers, hint=email)
    assert env(r)["REMOTE_USER"] == uid
    assert switch(httpd, s, acme).status_code == 303
    servers.remember_secret(s.cookies["wos-session"])
    assert s.get(httpd.base + "/role", allow_redirects=False).status_code == 403
    # a change is newer than a token only from the next second on (tokens
    # carry whole seconds): let the clock pass the switch's second
    switched = int(time.time())
    wait_for(lambda: int(time.time()) > switched, 2, "the next second")
    # organization_membership.updated: promoted to admin at WorkOS; the
    # session refreshes on its next request and carries the new role
    emu.api("PUT", f"/user_management/organization_memberships/{om}",
            json={"role_slug": "admin"})
    wait_for(lambda: s.get(httpd.base + "/role", allow_redirects=False)
             .status_code == 200, 15, "organization_membership.updated")
    servers.remember_secret(s.cookies["wos-session"])
    e = env(s.get(httpd.base + "/perm", allow_redirects=False))
    assert e["WORKOS_ROLE"] == "admin" and e["REMOTE_USER"] == uid
    # organization_membership.deleted: the session in Acme is refused
    emu.api("DELETE", f"/user_management/organization_memberships/{om}")
    wait_for(lambda: s.get(httpd.base + "/org", headers=BROWSER,
                           allow_redirects=False).status_code != 200,
             15, "organization_membership.deleted")
    # (the emulator would still refresh the session into Acme: it checks
    # no membership on a refresh; the module's revocation holds anyway)
    r = s.get(httpd.base + "/org", headers=BROWSER, allow_redirects=False)
    assert r.status_code == 302, r.status_code
    assert "/user_management/authorize" in r.headers["Location"]
