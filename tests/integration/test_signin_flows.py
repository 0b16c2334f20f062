# SPDX-License-Identifier: Apache-2.0
"""Sign-in as WorkOS's own libraries do it (issue 15, items 1-3): one
verifier cookie per flow, interoperable with @workos/authkit-session,
single-use callbacks, AuthKit hints, sign-up scopes, and organisations
that want SSO or MFA."""
import concurrent.futures
import urllib.parse

import pytest
import requests

import sealer
from flows import (authkit_cookie_name, authkit_open_state, authkit_start,
                   cookie_for, cookie_name, verifier, verifiers_cleared,
                   verifiers_set)
from harness import CLIENT_ID, LOCATIONS, PASSWORD
from test_lifecycle import BROWSER, cookie_value, session_cookie, switch

AUTH = "/user_management/authenticate"


def authorize_query(r):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        r.headers["Location"]).query))


def to_callback(r):
    """Follows a sign-in redirect through the fake AuthKit: the callback
    path and query it sends the browser back with."""
    loc = requests.get(r.headers["Location"], allow_redirects=False,
                       timeout=20).headers["Location"]
    parts = urllib.parse.urlsplit(loc)
    return parts.path + "?" + parts.query


def start(httpd, jar, path):
    r = jar.get(httpd.base + path, headers=BROWSER, allow_redirects=False,
                timeout=20)
    assert r.status_code == 302, r.text
    return r


def finish(httpd, jar, cb):
    return jar.get(httpd.base + cb, allow_redirects=False, timeout=20)


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_two_tabs_sign_in_at_once(servers, workos, mpm):
    httpd = servers.start(mpm=mpm, one_process=False)
    jar = requests.Session()   # one browser, two tabs
    a = start(httpd, jar, "/private/tab-a")
    b = start(httpd, jar, "/private/tab-b")
    name_a, _ = verifier(a)
    name_b, _ = verifier(b)
    assert name_a != name_b
    assert {name_a, name_b} <= set(jar.cookies.keys())
    cb_a, cb_b = to_callback(a), to_callback(b)
    # the second tab comes back first: each flow finds its own cookie
    rb = finish(httpd, jar, cb_b)
    assert rb.status_code == 302, rb.text
    assert rb.headers["Location"] == "/private/tab-b"
    assert verifiers_cleared(rb) == [name_b]
    ra = finish(httpd, jar, cb_a)
    assert ra.status_code == 302, ra.text
    assert ra.headers["Location"] == "/private/tab-a"
    assert verifiers_cleared(ra) == [name_a]
    assert workos.count(AUTH) == 2
    assert not [k for k in jar.cookies.keys() if k.startswith("wos-auth")]
    sealer.ISSUED += [cookie_value(rb, "wos-session"),
                      cookie_value(ra, "wos-session")]


def test_a_sixth_flow_clears_the_oldest(httpd, workos):
    jar = requests.Session()
    starts = []
    for i in range(6):
        r = start(httpd, jar, f"/private/{i}")
        starts.append((verifier(r)[0], to_callback(r), r))
    names = [n for n, _, _ in starts]
    # the sixth start clears the first (oldest), and only it
    assert verifiers_cleared(starts[5][2]) == [names[0]]
    for r in (s[2] for s in starts[:5]):
        assert verifiers_cleared(r) == []
    held = sorted(k for k in jar.cookies.keys() if k.startswith("wos-auth"))
    assert held == sorted(names[1:])
    # the oldest flow is gone: 400 without asking WorkOS
    r = finish(httpd, jar, starts[0][1])
    assert r.status_code == 400
    assert "cookie missing" in r.text.lower()
    assert workos.count(AUTH) == 0
    # the pending ones work: the newest and the oldest left (two, so this
    # browser stays under the sign-in loop guard's 4 callbacks in 30 s)
    for _, cb, _ in (starts[5], starts[1]):
        r = finish(httpd, jar, cb)
        assert r.status_code == 302, r.text
        sealer.ISSUED.append(cookie_value(r, "wos-session"))
    assert workos.count(AUTH) == 2


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_replayed_callbacks_never_reach_workos(servers, workos, mpm):
    httpd = servers.start(mpm=mpm, one_process=False)
    r = httpd.get("/private", headers=BROWSER)
    _, state = verifier(r)
    cb = to_callback(r)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(
            lambda _: requests.get(httpd.base + cb, headers=cookie_for(state),
                                   allow_redirects=False, timeout=20),
            range(8)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [302] + [400] * 7, codes
    assert workos.count(AUTH) == 1
    for a in answers:
        if a.status_code == 302:
            sealer.ISSUED.append(cookie_value(a, "wos-session"))
        else:
            assert "already used" in a.text.lower() or \
                "missing" in a.text.lower()
            assert cookie_value(a, "wos-session") is None
    # later, the same link is still refused without a call
    assert httpd.get(cb, headers=cookie_for(state)).status_code == 400
    assert workos.count(AUTH) == 1


def test_stale_or_forged_state_is_400_without_workos(httpd, workos):
    r = httpd.get("/private", headers=BROWSER)
    name, state = verifier(r)
    cb = to_callback(r)
    code = dict(urllib.parse.parse_qsl(cb.split("?", 1)[1]))["code"]
    forged = state[:-8] + ("A" * 8 if not state.endswith("A" * 8) else "B" * 8)
    for st, cookie in ((forged, cookie_for(forged)),
                       (state, {"Cookie": f"{name}={forged}"}),
                       ("", {}), ("x" * 5000, {})):
        a = httpd.get("/callback?" + urllib.parse.urlencode(
            {"code": code, "state": st}), headers=cookie)
        assert a.status_code == 400, st[:20]
    # an expired state (sealed 11 minutes ago) opens but is refused
    old = sealer.c_seal(PASSWORD, {"nonce": "n", "codeVerifier": "v" * 43,
                                   "issuedAt": 1000, "returnPathname": "/"})
    a = httpd.get("/callback?" + urllib.parse.urlencode(
        {"code": code, "state": old}), headers=cookie_for(old))
    assert a.status_code == 400
    assert workos.count(AUTH) == 0


def test_a_flow_authkit_session_started_finishes_here(httpd, workos):
    out = authkit_start(PASSWORD, CLIENT_ID, httpd.base + "/callback",
                        workos.base, "/private/from-node")
    sealer.ISSUED.append(out["state"])
    assert out["cookieName"] == cookie_name(out["state"])
    loc = requests.get(out["url"], allow_redirects=False,
                       timeout=20).headers["Location"]
    parts = urllib.parse.urlsplit(loc)
    r = httpd.get(parts.path + "?" + parts.query,
                  headers={"Cookie": f"{out['cookieName']}={out['state']}"})
    assert r.status_code == 302, r.text
    assert r.headers["Location"] == "/private/from-node"
    assert verifiers_cleared(r) == [out["cookieName"]]
    sealer.ISSUED.append(cookie_value(r, "wos-session"))


def test_our_flow_is_one_authkit_session_can_finish(httpd, workos):
    r = httpd.get("/login?return_to=/private/x")
    name, state = verifier(r)
    sealer.ISSUED.append(state)
    assert authkit_cookie_name(state) == name
    opened = authkit_open_state(PASSWORD, state)
    assert opened is not None, "authkit-session could not open our state"
    assert opened["returnPathname"] == "/private/x"
    assert len(opened["codeVerifier"]) == 43
    q = authorize_query(r)
    assert q["state"] == state


# --- hints -------------------------------------------------------------------

def test_login_passes_validated_hints(httpd, workos):
    hints = {"screen_hint": "sign-up", "login_hint": "bob+1@example.com",
             "domain_hint": "example.com", "organization_id": "org_01ACME",
             "invitation_token": "Z1uX3RbwcIl5fIGJJJCXXisdI"}
    r = httpd.get("/login?" + urllib.parse.urlencode(
        {**hints, "return_to": "/private"}))
    assert r.status_code == 302
    q = authorize_query(r)
    for k, v in hints.items():
        assert q[k] == v
    assert q["provider"] == "authkit"
    verifier(r)


def test_connection_hint_replaces_the_authkit_provider(httpd, workos):
    r = httpd.get("/login?connection_id=conn_01E4ZCR3C56J083X43JQXF3JK5")
    q = authorize_query(r)
    assert q["connection_id"] == "conn_01E4ZCR3C56J083X43JQXF3JK5"
    assert "provider" not in q and "organization_id" not in q


@pytest.mark.parametrize("name,value", [
    ("screen_hint", "signup"),
    ("screen_hint", "sign-up\r\nSet-Cookie: x=1"),
    ("login_hint", "alice@example.com\r\nX-Evil: 1"),
    ("login_hint", "al\u00e9@example.com"),
    ("login_hint", "a" * 300 + "@example.com"),
    ("login_hint", "not an email"),
    ("domain_hint", "exa mple.com"),
    ("domain_hint", "d" * 300 + ".com"),
    ("organization_id", "org_01&provider=evil"),
    ("organization_id", "01ACME"),
    ("connection_id", "conn_1\n"),
    ("invitation_token", "tok en"),
    ("invitation_token", "t" * 400),
])
def test_bad_hint_is_400_and_nothing_is_forwarded(httpd, workos, name, value):
    r = httpd.get("/login?" + urllib.parse.urlencode({name: value}))
    assert r.status_code == 400
    assert name in r.text
    assert "Location" not in r.headers
    assert verifiers_set(r) == []
    assert "X-Evil" not in r.headers
    assert workos.count("/user_management/authorize") == 0


SIGNUP = LOCATIONS + """
<Location /join>
    AuthType WorkOS
    WorkOSSignUp On
    Require valid-user
</Location>
<Location /signup>
    SetHandler workos-login
    WorkOSSignUp On
</Location>
<Location /acme-login>
    SetHandler workos-login
    WorkOSSignInOrganization org_01OTHER
</Location>
"""


def test_signup_scopes_open_the_signup_screen(servers, workos):
    httpd = servers.start(locations=SIGNUP)
    assert authorize_query(httpd.get("/join", headers=BROWSER))[
        "screen_hint"] == "sign-up"
    assert authorize_query(httpd.get("/signup"))["screen_hint"] == "sign-up"
    # an explicit hint wins; elsewhere nothing is asked for
    assert authorize_query(httpd.get("/signup?screen_hint=sign-in"))[
        "screen_hint"] == "sign-in"
    assert "screen_hint" not in authorize_query(httpd.get("/login"))
    assert "screen_hint" not in authorize_query(
        httpd.get("/private", headers=BROWSER))
    # and the sign-up flow signs in like any other
    jar = requests.Session()
    r = jar.get(httpd.base + "/join/x", headers=BROWSER,
                allow_redirects=True, timeout=20)
    assert r.url == httpd.base + "/join/x"   # signed in, back on the page
    assert r.status_code == 404               # (which has no content)
    sealer.ISSUED.append(jar.cookies["wos-session"])
    env = jar.get(httpd.base + "/private", timeout=20).json()
    assert env["REMOTE_USER"] == "user_01ALICE"


def test_signin_organization_on_the_login_handler(servers, workos):
    httpd = servers.start(locations=SIGNUP)
    assert authorize_query(httpd.get("/acme-login"))[
        "organization_id"] == "org_01OTHER"
    # a link's own organisation wins
    assert authorize_query(httpd.get("/acme-login?organization_id=org_01X"))[
        "organization_id"] == "org_01X"


# --- organisations that want SSO or MFA --------------------------------------

@pytest.mark.parametrize("code", ["sso_required", "mfa_enrollment",
                                  "organization_authentication_methods_required"])
def test_switch_into_sso_org_sends_to_sign_in(httpd, workos, code):
    workos.org_errors["org_01OTHER"] = code
    _, cookie = session_cookie(workos)
    r = switch(httpd, cookie, "org_01OTHER", return_to="/private/reports")
    assert r.status_code == 303, r.text
    q = authorize_query(r)
    assert q["organization_id"] == "org_01OTHER"
    name, state = verifier(r)
    assert authkit_open_state(PASSWORD, state)["returnPathname"] == \
        "/private/reports"
    assert cookie_value(r, "wos-session") is None     # session kept
    assert workos.count(AUTH) == 1
    # signing in there lands on the page, in that organisation
    cb = to_callback(r)
    done = httpd.get(cb, headers=cookie_for(state))
    assert done.status_code == 302
    assert done.headers["Location"] == "/private/reports"
    new = cookie_value(done, "wos-session")
    sealer.ISSUED.append(new)
    env = httpd.get("/private", headers={"Cookie": f"wos-session={new}"}).json()
    assert env["WORKOS_ORG_ID"] == "org_01OTHER"


def test_switch_refused_plainly_is_still_403(httpd, workos):
    _, cookie = session_cookie(workos)
    r = switch(httpd, cookie, "org_01NOTMINE")
    assert r.status_code == 403
    assert "Location" not in r.headers
    assert verifiers_set(r) == []
