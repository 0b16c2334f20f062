# SPDX-License-Identifier: Apache-2.0
"""Sign-in with PKCE, callback, refresh with rotation, logout, org switch
(issue 3)."""
import concurrent.futures
import time
import urllib.parse

import pytest
import requests

import sealer
from flows import cookie_for, cookie_name, verifier, verifiers_cleared
from harness import LOCATIONS, PASSWORD

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
           "Sec-Fetch-Mode": "navigate"}


def camel_session(answer):
    """What @workos-inc/node seals from an authenticate answer."""
    u = answer["user"]
    return {"accessToken": answer["access_token"],
            "refreshToken": answer["refresh_token"],
            "user": {"object": "user", "id": u["id"], "email": u["email"],
                     "firstName": u["first_name"], "lastName": u["last_name"],
                     "emailVerified": u["email_verified"]},
            "organizationId": answer["organization_id"],
            "authenticationMethod": answer["authentication_method"]}


def session_cookie(workos, expired=False, org="org_01ACME"):
    if expired:
        workos.token_lifetime = -120
    answer = workos.issue_session(org)
    workos.token_lifetime = 300
    return answer, sealer.node_seal("iron-session", PASSWORD,
                                    camel_session(answer))


def set_cookies(r):
    return r.raw.headers.getlist("Set-Cookie")


def cookie_value(r, name):
    for h in set_cookies(r):
        if h.startswith(name + "="):
            return h.split(";", 1)[0].split("=", 1)[1]
    return None


def sign_in(httpd, path="/private"):
    """Drives the whole flow in a cookie jar, as a browser would."""
    s = requests.Session()
    r = s.get(httpd.base + path, headers=BROWSER, allow_redirects=True,
              timeout=20)
    return s, r


# --- sign-in ---------------------------------------------------------------

def test_browser_without_session_is_sent_to_authkit(httpd, workos):
    r = httpd.get("/private/page?x=1", headers=BROWSER)
    assert r.status_code == 302
    url = urllib.parse.urlsplit(r.headers["Location"])
    assert f"{url.scheme}://{url.netloc}" == workos.base
    assert url.path == "/user_management/authorize"
    q = dict(urllib.parse.parse_qsl(url.query))
    assert q["client_id"] == "client_01TESTCLIENT"
    assert q["redirect_uri"] == httpd.base + "/callback"
    assert q["response_type"] == "code"
    assert q["provider"] == "authkit"
    assert q["code_challenge_method"] == "S256"
    assert len(q["code_challenge"]) == 43
    assert "organization_id" not in q
    name = cookie_name(q["state"])   # one cookie per flow, as authkit-session
    verifier_h = [h for h in set_cookies(r) if h.startswith(name + "=")]
    assert len(verifier_h) == 1
    attrs = [a.strip() for a in verifier_h[0].split(";")]
    assert "HttpOnly" in attrs and "SameSite=Lax" in attrs
    assert "Max-Age=600" in attrs and "Path=/" in attrs
    assert attrs[0].split("=", 1)[1] == q["state"]
    assert r.headers["Cache-Control"] == "no-store"


def test_full_sign_in_lands_on_the_page_asked_for(httpd, workos):
    s, r = sign_in(httpd, "/private/deep?x=1&y=2")
    assert r.status_code == 200, r.text
    assert r.url == httpd.base + "/private/deep?x=1&y=2"
    env = r.json()
    assert env["REMOTE_USER"] == "user_01ALICE"
    assert env["WORKOS_USER_EMAIL"] == "alice@example.com"
    assert env["WORKOS_ORG_ID"] == "org_01ACME"
    assert "wos-session" in s.cookies
    assert not [k for k in s.cookies.keys() if k.startswith("wos-auth-verifier")]
    assert workos.count("/user_management/authenticate") == 1
    # the session goes on working without WorkOS
    assert s.get(httpd.base + "/private", timeout=20).status_code == 200
    assert workos.count("/user_management/authenticate") == 1


def test_callback_sets_session_and_clears_verifier_separately(httpd, workos):
    r = httpd.get("/private", headers=BROWSER)
    loc = requests.get(r.headers["Location"], allow_redirects=False,
                       timeout=20).headers["Location"]
    name, state = verifier(r)
    cb = httpd.get(urllib.parse.urlsplit(loc).path + "?" +
                   urllib.parse.urlsplit(loc).query,
                   headers=cookie_for(state))
    assert cb.status_code == 302
    assert cb.headers["Location"] == "/private"
    # each cookie its own header (wos-signin-count, the callback's loop
    # counter, is the module's own business here)
    cookies = [c for c in set_cookies(cb)
               if not c.startswith("wos-signin-count=")]
    assert len(cookies) == 2
    session = next(c for c in cookies if c.startswith("wos-session="))
    attrs = [a.strip() for a in session.split(";")]
    assert "HttpOnly" in attrs and "SameSite=Lax" in attrs
    assert "Path=/" in attrs and "Max-Age=34560000" in attrs
    assert verifiers_cleared(cb) == [name]
    assert cb.headers["Cache-Control"] == "no-store"
    sealer.ISSUED.append(session.split(";")[0].split("=", 1)[1])


@pytest.mark.parametrize("lib", ["iron-session", "workos-node"])
def test_callback_cookie_opens_with_workos_libraries(httpd, workos, lib):
    s, r = sign_in(httpd)
    assert r.status_code == 200
    sealed = s.cookies["wos-session"]
    sealer.ISSUED.append(sealed)
    data = sealer.node_unseal(lib, PASSWORD, sealed)
    assert data is not None, f"{lib} could not open the module's cookie"
    assert data["user"]["id"] == "user_01ALICE"
    assert data["user"]["firstName"] == "Alice"
    assert data["user"]["emailVerified"] is True
    assert "first_name" not in data["user"]
    assert data["organizationId"] == "org_01ACME"
    assert data["accessToken"].count(".") == 2
    assert data["refreshToken"].startswith("rt_")


def test_verifier_cookie_is_never_a_session(httpd, workos):
    r = httpd.get("/private", headers=BROWSER)
    _, state = verifier(r)
    sealer.ISSUED.append(state)
    # @workos-inc/node finds no session in it (no tokens)...
    assert sealer.node_unseal("workos-node", PASSWORD, state) in (None, {}) \
        or "accessToken" not in sealer.node_unseal("workos-node", PASSWORD,
                                                   state)
    # ...nor does the module
    r = httpd.get("/private", headers={"Cookie": f"wos-session={state}",
                                       "Accept": "application/json"})
    assert r.status_code == 401


@pytest.mark.parametrize("headers", [
    {"Accept": "application/json"},
    {"Accept": "*/*"},
    {},
    {**BROWSER, "X-Requested-With": "XMLHttpRequest"},
    {**BROWSER, "Sec-Fetch-Mode": "cors"},
    {**BROWSER, "Authorization": "Basic dXNlcjpwYXNz"},
], ids=["json", "any", "no-accept", "xhr", "fetch", "authorization"])
def test_non_browser_gets_401_not_a_redirect(httpd, headers):
    r = httpd.get("/private", headers=headers)
    assert r.status_code == 401
    assert "Location" not in r.headers
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_post_is_not_redirected(httpd):
    r = requests.post(httpd.base + "/private", headers=BROWSER,
                      data={"a": "b"}, allow_redirects=False, timeout=20)
    assert r.status_code == 401


def test_401_action_never_redirects(servers, workos):
    loc = LOCATIONS + """
<Location /strict>
    AuthType WorkOS
    WorkOSUnauthAction 401
    Require valid-user
</Location>"""
    httpd = servers.start(locations=loc)
    assert httpd.get("/strict", headers=BROWSER).status_code == 401


def test_signin_organization_is_asked_for(servers, workos):
    loc = LOCATIONS + """
<Location /acme>
    AuthType WorkOS
    WorkOSSignInOrganization org_01OTHER
    Require valid-user
</Location>"""
    httpd = servers.start(locations=loc.replace(
        '"^/(', '"^/(acme|'))
    r = httpd.get("/acme", headers=BROWSER)
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        r.headers["Location"]).query))
    assert q["organization_id"] == "org_01OTHER"


# --- callback failures -----------------------------------------------------

def start_and_get_callback(httpd):
    r = httpd.get("/private", headers=BROWSER)
    _, state = verifier(r)
    loc = requests.get(r.headers["Location"], allow_redirects=False,
                       timeout=20).headers["Location"]
    parts = urllib.parse.urlsplit(loc)
    return state, parts.path + "?" + parts.query


def _cleared_verifier(r):
    return bool(verifiers_cleared(r))


def test_callback_without_verifier_cookie_is_400(httpd, workos):
    _, cb = start_and_get_callback(httpd)
    r = httpd.get(cb)
    assert r.status_code == 400
    assert "cookie missing" in r.text.lower()
    assert cookie_value(r, "wos-session") is None
    assert workos.count("/user_management/authenticate") == 0


def test_callback_with_other_state_is_400(httpd, workos):
    verifier, cb = start_and_get_callback(httpd)
    other, _ = start_and_get_callback(httpd)
    # another flow's cookie, under its own name: not this flow's
    r = httpd.get(cb, headers=cookie_for(other))
    assert r.status_code == 400
    assert "cookie missing" in r.text.lower()
    # another flow's value under this flow's name
    r = httpd.get(cb, headers={"Cookie": f"{cookie_name(verifier)}={other}"})
    assert r.status_code == 400
    assert "mismatch" in r.text.lower()
    assert _cleared_verifier(r)
    assert workos.count("/user_management/authenticate") == 0


def test_replayed_code_is_refused(httpd, workos):
    verifier, cb = start_and_get_callback(httpd)
    cookie = cookie_for(verifier)
    first = httpd.get(cb, headers=cookie)
    assert first.status_code == 302
    sealer.ISSUED.append(cookie_value(first, "wos-session"))
    again = httpd.get(cb, headers=cookie)
    assert again.status_code == 400
    assert cookie_value(again, "wos-session") is None
    # refused by the module itself: WorkOS saw one exchange
    assert workos.count("/user_management/authenticate") == 1


def test_wrong_verifier_for_the_code_is_refused(httpd, workos):
    # a state/cookie pair from one sign-in, a code from another
    verifier, _ = start_and_get_callback(httpd)
    _, cb2 = start_and_get_callback(httpd)
    code = dict(urllib.parse.parse_qsl(cb2.split("?", 1)[1]))["code"]
    r = httpd.get("/callback?" + urllib.parse.urlencode(
        {"code": code, "state": verifier}),
        headers=cookie_for(verifier))
    assert r.status_code == 400          # the fake saw a PKCE mismatch
    assert cookie_value(r, "wos-session") is None


def test_callback_error_parameter(httpd):
    r = httpd.get("/callback?error=access_denied&state=x")
    assert r.status_code == 400
    assert "The sign-in did not complete" in r.text
    assert "access_denied" not in r.text  # the query's text is never shown


def test_callback_when_workos_is_down_is_503(httpd, workos):
    httpd.allowed_errors.append("WOS00607")
    verifier, cb = start_and_get_callback(httpd)
    workos.auth_mode = "down"
    r = httpd.get(cb, headers=cookie_for(verifier))
    assert r.status_code == 503
    assert r.headers.get("Retry-After")


@pytest.mark.parametrize("target,expected", [
    ("/reports?q=1", "/reports?q=1"),
    ("//evil.example/x", "/"),
    ("/\\evil.example", "/"),
    ("https://evil.example/", "/"),
    ("javascript:alert(1)", "/"),
    ("/\t/evil.example", "/"),
    ("/a\r\nSet-Cookie: x=1", "/"),
    ("", "/"),
])
def test_return_to_is_only_ever_local(httpd, workos, target, expected):
    r = httpd.get("/login?" + urllib.parse.urlencode({"return_to": target}))
    assert r.status_code == 302
    _, state = verifier(r)
    loc = requests.get(r.headers["Location"], allow_redirects=False,
                       timeout=20).headers["Location"]
    parts = urllib.parse.urlsplit(loc)
    cb = httpd.get(parts.path + "?" + parts.query, headers=cookie_for(state))
    assert cb.status_code == 302
    assert cb.headers["Location"] == expected
    sealer.ISSUED.append(cookie_value(cb, "wos-session"))


# --- refresh ---------------------------------------------------------------

def test_expired_access_token_is_refreshed_once(httpd, workos):
    answer, cookie = session_cookie(workos, expired=True)
    r = httpd.get("/api-cookie" if False else "/private",
                  headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "user_01ALICE"
    new = cookie_value(r, "wos-session")
    assert new and new != cookie
    sealer.ISSUED.append(new)
    assert r.headers["Cache-Control"] == "no-store"
    assert workos.count("/user_management/authenticate") == 1
    data = sealer.node_unseal("iron-session", PASSWORD, new)
    assert data["refreshToken"] != answer["refresh_token"]
    assert data["user"]["firstName"] == "Alice"
    # the new cookie works as it is
    r2 = httpd.get("/private", headers={"Cookie": f"wos-session={new}"})
    assert r2.status_code == 200 and cookie_value(r2, "wos-session") is None
    assert workos.count("/user_management/authenticate") == 1


def test_refresh_keeps_unknown_sealed_fields(httpd, workos):
    workos.token_lifetime = -120
    answer = workos.issue_session("org_01ACME")
    workos.token_lifetime = 300
    data = camel_session(answer)
    data["appState"] = {"theme": "dark"}
    cookie = sealer.node_seal("workos-node", PASSWORD, data)
    r = httpd.get("/private", headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 200
    new = cookie_value(r, "wos-session")
    sealer.ISSUED.append(new)
    opened = sealer.node_unseal("workos-node", PASSWORD, new)
    assert opened["appState"] == {"theme": "dark"}


def test_new_cookie_is_sent_on_a_403_too(httpd, workos):
    _, cookie = session_cookie(workos, expired=True)
    r = httpd.get("/role", headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 403
    assert cookie_value(r, "wos-session")
    sealer.ISSUED.append(cookie_value(r, "wos-session"))


def test_refresh_refused_signs_out(httpd, workos):
    answer, cookie = session_cookie(workos, expired=True)
    workos.refresh_tokens[answer["refresh_token"]]["used"] = True
    r = httpd.get("/private", headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 401
    assert cookie_value(r, "wos-session") == ""
    r = httpd.get("/private", headers={"Cookie": f"wos-session={cookie}",
                                       **BROWSER})
    assert r.status_code == 302
    assert "/user_management/authorize" in r.headers["Location"]


@pytest.mark.parametrize("mode", ["down", "garbage"])
def test_refresh_with_workos_failing_is_503_and_keeps_session(
        httpd, workos, mode):
    httpd.allowed_errors += ["WOS00502", "WOS00303"]
    _, cookie = session_cookie(workos, expired=True)
    workos.auth_mode = mode
    r = httpd.get("/private", headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 503
    assert r.headers.get("Retry-After")
    assert cookie_value(r, "wos-session") is None   # not cleared
    calls = workos.count("/user_management/authenticate")
    workos.auth_mode = "ok"
    # the failure is shared for Retry-After seconds: no call at once...
    r = httpd.get("/private", headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 503
    assert workos.count("/user_management/authenticate") == calls
    # ...then the same cookie refreshes
    deadline = time.monotonic() + 10
    while r.status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.2)  # polling for the hold to lapse, with a deadline
        r = httpd.get("/private", headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 200
    assert workos.count("/user_management/authenticate") == calls + 1
    sealer.ISSUED.append(cookie_value(r, "wos-session"))


def test_refresh_off_treats_expired_as_signed_out(servers, workos):
    loc = LOCATIONS.replace("<Location /private>\n    AuthType WorkOS",
                            "<Location /private>\n    AuthType WorkOS\n"
                            "    WorkOSRefresh Off")
    httpd = servers.start(locations=loc)
    _, cookie = session_cookie(workos, expired=True)
    r = httpd.get("/private", headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 401
    assert workos.count("/user_management/authenticate") == 0


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_refresh_race_calls_workos_once(servers, workos, mpm):
    httpd = servers.start(mpm=mpm, one_process=False)
    _, cookie = session_cookie(workos, expired=True)
    workos.auth_mode = "slow"
    workos.delay = 0.5
    n = 24

    def hit(_):
        r = httpd.get("/private", headers={"Cookie": f"wos-session={cookie}"})
        return r.status_code, cookie_value(r, "wos-session"), \
            r.json().get("REMOTE_USER")

    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(hit, range(n)))
    assert [code for code, _, _ in results] == [200] * n
    assert {user for _, _, user in results} == {"user_01ALICE"}
    new_cookies = {c for _, c, _ in results}
    assert len(new_cookies) == 1 and None not in new_cookies
    sealer.ISSUED.extend(new_cookies)
    assert workos.count("/user_management/authenticate") == 1


# --- logout ----------------------------------------------------------------

def test_logout_clears_and_goes_to_workos(httpd, workos):
    answer, cookie = session_cookie(workos)
    r = httpd.get("/logout", headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 302
    url = urllib.parse.urlsplit(r.headers["Location"])
    assert url.path == "/user_management/sessions/logout"
    q = dict(urllib.parse.parse_qsl(url.query))
    assert q["session_id"].startswith("session_")
    assert q["return_to"] == httpd.base + "/bye"
    assert cookie_value(r, "wos-session") == ""
    assert any("Max-Age=0" in c for c in set_cookies(r))


def test_logout_reads_an_expired_session(httpd, workos):
    _, cookie = session_cookie(workos, expired=True)
    r = httpd.get("/logout", headers={"Cookie": f"wos-session={cookie}"})
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        r.headers["Location"]).query))
    assert q["session_id"].startswith("session_")
    assert workos.count("/user_management/authenticate") == 0


def test_logout_without_session_goes_to_return_url(httpd):
    r = httpd.get("/logout")
    assert r.status_code == 302
    assert r.headers["Location"] == httpd.base + "/bye"
    assert cookie_value(r, "wos-session") == ""


def test_logout_with_forged_session_does_not_leak_a_sid(httpd, workos):
    r = httpd.get("/logout", headers={"Cookie": "wos-session=Fe26.2*1*x*y*z**a*b~2"})
    assert r.headers["Location"] == httpd.base + "/bye"


# --- organisation switch -----------------------------------------------------

def switch(httpd, cookie, org, headers=None, **data):
    return requests.post(httpd.base + "/switch-org",
                         data={"organization_id": org, **data},
                         headers={"Cookie": f"wos-session={cookie}",
                                  **(headers or {})},
                         allow_redirects=False, timeout=20)


def test_switch_org_refreshes_into_the_other_org(httpd, workos):
    _, cookie = session_cookie(workos)
    r = switch(httpd, cookie, "org_01OTHER", return_to="/private/x")
    assert r.status_code == 303
    assert r.headers["Location"] == "/private/x"
    new = cookie_value(r, "wos-session")
    sealer.ISSUED.append(new)
    env = httpd.get("/private", headers={"Cookie": f"wos-session={new}"}).json()
    assert env["WORKOS_ORG_ID"] == "org_01OTHER"
    assert env["WORKOS_ROLE"] == "admin"
    opened = sealer.node_unseal("iron-session", PASSWORD, new)
    assert opened["organizationId"] == "org_01OTHER"


def test_switch_to_foreign_org_is_403_and_keeps_session(httpd, workos):
    answer, cookie = session_cookie(workos)
    r = switch(httpd, cookie, "org_01NOTMINE")
    assert r.status_code == 403
    assert cookie_value(r, "wos-session") is None
    assert not workos.refresh_tokens[answer["refresh_token"]]["used"]
    assert httpd.get("/private", headers={
        "Cookie": f"wos-session={cookie}"}).status_code == 200


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "https://evil.example"}])
def test_switch_org_refuses_cross_site(httpd, workos, headers):
    _, cookie = session_cookie(workos)
    r = switch(httpd, cookie, "org_01OTHER", headers=headers)
    assert r.status_code == 403
    assert workos.count("/user_management/authenticate") == 0


def test_switch_org_needs_post_and_a_session(httpd, workos):
    assert httpd.get("/switch-org").status_code == 405
    r = requests.post(httpd.base + "/switch-org",
                      data={"organization_id": "org_01OTHER"}, timeout=20)
    assert r.status_code == 401


def test_switch_org_open_redirect_is_refused(httpd, workos):
    _, cookie = session_cookie(workos)
    r = switch(httpd, cookie, "org_01OTHER", return_to="//evil.example")
    assert r.headers["Location"] == "/"
    sealer.ISSUED.append(cookie_value(r, "wos-session"))


def test_secure_cookie_attributes_by_default(servers, workos):
    httpd = servers.start(server_extra="WorkOSCookieSecure On\n"
                          "WorkOSCookieSameSite Strict\n"
                          "WorkOSCookieDomain example.test\n"
                          "WorkOSRedirectURI https://app.example.test/cb\n"
                          "WorkOSCookieMaxAge 3600")
    _, cookie = session_cookie(workos, expired=True)
    r = httpd.get("/private", headers={"Cookie": f"wos-session={cookie}"})
    c = next(h for h in set_cookies(r) if h.startswith("wos-session="))
    attrs = [a.strip() for a in c.split(";")]
    for a in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/",
              "Domain=example.test", "Max-Age=3600"):
        assert a in attrs, (a, attrs)
    sealer.ISSUED.append(c.split(";")[0].split("=", 1)[1])
