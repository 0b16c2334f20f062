# SPDX-License-Identifier: Apache-2.0
"""The stand-in (demo/stand_in.py) speaks WorkOS's published API (issue 24
item 1, issue 23 item 7): a real httpd signs in through it, refreshes,
switches organisation, lists and revokes the user's sessions, looks up
the organisation membership, asks its FGA, validates API keys and signs
out, and every exchange of those, the
module's request and the stand-in's answer, is checked against
@workos/openapi-spec with the same validator and the same documented
exceptions as the fake's (test_conformance.py). The stand-in's own pages
(/demo/..., /stand-in) are not WorkOS's API and are left out; the hosted
sign-in page stands where AuthKit's would be, so its answer (a page, not
WorkOS's redirect to AuthKit) is not checked, its request is."""
import json
import pathlib
import sys
import urllib.parse

import pytest
import requests

import sealer
from harness import API_KEY, CLIENT_ID, LOCATIONS, Httpd, free_port
from openapi import describe
from test_conformance import problems_of
from test_stand_in import Form

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "demo"))
sys.dont_write_bytecode = True
import stand_in  # noqa: E402

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
           "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "same-origin"}

PROJECTS = """
<Location /private/k>
    WorkOSTokenSource apikey
</Location>
<LocationMatch "^/private/projects/(?<project>[a-z0-9-]+)$">
    AuthType WorkOS
    Require workos-access project:view project %{env:MATCH_PROJECT}
</LocationMatch>
"""

# The operations this tour must reach, as the description names them.
TOUR = {
    ("get", "/user_management/authorize"),
    ("post", "/user_management/authenticate"),
    ("get", "/sso/jwks/{clientId}"),
    ("get", "/user_management/users/{id}/sessions"),
    ("get", "/user_management/organization_memberships"),
    ("post", "/authorization/organization_memberships/"
             "{organization_membership_id}/check"),
    ("post", "/user_management/sessions/revoke"),
    ("get", "/user_management/sessions/logout"),
    ("post", "/api_keys/validations"),
}


@pytest.fixture(params=["event", "prefork"])
def site(request):
    port = free_port()
    si = stand_in.DemoWorkOS(CLIENT_ID, f"http://127.0.0.1:{port}/callback",
                             token_lifetime=30)
    si.api_key = API_KEY
    si.start()
    # tokens live 30 s, WorkOSRefreshBefore's default: every request with a
    # session refreshes it
    h = Httpd(si, mpm=request.param, one_process=False,
              locations=LOCATIONS + PROJECTS,
              secrets=[*stand_in.API_KEYS,
                       "sk_demo_key_nobody_has_0123456789"])
    h.port = port
    h.base = f"http://127.0.0.1:{port}"
    try:
        h.start()
        yield si, h
    finally:
        h.stop()
        si.stop()
    problems = h.unexpected_log_lines()
    problems += [f"secret in log: {s}" for s in h.leaked_secrets()]
    assert not problems, problems
    h.cleanup()


def sign_in(h, user):
    jar = requests.Session()
    jar.trust_env = False
    r = jar.get(h.base + "/private/x", headers=BROWSER, timeout=20)
    assert r.status_code == 200 and "Continue" in r.text, r.text
    form = Form()
    form.feed(r.text)
    form.fields["user"] = user
    r = jar.post(urllib.parse.urljoin(r.url, "/demo/sign-in"),
                 data=form.fields, headers=BROWSER, timeout=20)
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == user
    sealer.ISSUED.append(jar.cookies.get("wos-session"))
    return jar


def env_of(jar, h, path):
    r = jar.get(h.base + path, headers=BROWSER, allow_redirects=False,
                timeout=20)
    assert r.status_code == 200, (path, r.status_code, r.text)
    sealer.ISSUED.append(jar.cookies.get("wos-session"))
    return r.json()


def test_the_stand_ins_answers_conform(site):
    si, h = site
    api = describe()
    alice = sign_in(h, "user_01ALICE")            # authorize, code, JWKS
    bob = sign_in(h, "user_01BOB")
    sid = env_of(alice, h, "/private/a")["WORKOS_SESSION_ID"]   # refresh
    # FGA: the membership looked up, then the check; granted, denied, and
    # a project no organisation has (WorkOS's 404: the module's 403)
    assert env_of(alice, h, "/private/projects/apollo")["REMOTE_USER"] \
        == "user_01ALICE"
    r = bob.get(h.base + "/private/projects/apollo", headers=BROWSER,
                timeout=20)
    assert r.status_code == 403, r.text
    r = alice.get(h.base + "/private/projects/nope", headers=BROWSER,
                  timeout=20)
    assert r.status_code == 403, r.text
    # a switch: a refresh with organization_id
    r = alice.post(h.base + "/switch-org", allow_redirects=False,
                   data={"organization_id": "org_01GLOBEX"},
                   headers={"Origin": h.base}, timeout=20)
    assert r.status_code in (302, 303), r.text
    sealer.ISSUED.append(alice.cookies.get("wos-session"))
    env = env_of(alice, h, "/private/b")
    assert (env["WORKOS_ORG_ID"], env["WORKOS_SESSION_ID"]) == \
        ("org_01GLOBEX", sid)
    # the user's sessions: listed, one revoked
    second = sign_in(h, "user_01ALICE")
    listing = alice.get(h.base + "/sessions", timeout=20)
    assert listing.status_code == 200, listing.text
    ids = [s["id"] for s in listing.json()["data"]]
    assert sid in ids and len(ids) == 2, ids
    other = next(i for i in ids if i != sid)
    r = alice.post(h.base + "/sessions", data={"session_id": other},
                   headers={"Origin": h.base}, timeout=20)
    assert r.status_code == 200, r.text
    # an API key it knows, and one it does not ({"api_key": null})
    key = next(iter(stand_in.API_KEYS))
    r = requests.get(h.base + "/private/k/a", timeout=20,
                     headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == stand_in.API_KEYS[key][0]
    r = requests.get(h.base + "/private/k/a", timeout=20, headers={
        "Authorization": "Bearer sk_demo_key_nobody_has_0123456789"})
    assert r.status_code == 401, r.text
    # sign-out: the browser goes to WorkOS's logout
    r = second.get(h.base + "/logout", headers=BROWSER,
                   allow_redirects=False, timeout=20)
    assert r.status_code in (302, 303), r.text
    assert requests.get(r.headers["Location"], allow_redirects=False,
                        timeout=20).status_code == 302

    with si.lock:
        exchanges = list(si.exchanges)
    described = []
    for x in exchanges:
        op = api.operation(x["method"], x["target"].partition("?")[0])
        if op is None:
            assert x["target"].startswith(("/demo/", "/stand-in")), x
            continue
        described.append((x, (op.method, op.template)))
    missing = TOUR - {key for _, key in described}
    assert not missing, f"not exercised: {missing}"
    grants = {json.loads(x["body"]).get("grant_type") for x, key in described
              if key[1] == "/user_management/authenticate"}
    assert grants == {"authorization_code", "refresh_token"}
    checks = [x for x, key in described if key[1].startswith(
        "/authorization/")]
    assert {x["status"] for x in checks} == {200, 404}
    problems = problems_of(api, [x for x, key in described
                                 if key != ("get",
                                            "/user_management/authorize")])
    problems += [p for x, key in described
                 if key == ("get", "/user_management/authorize")
                 for p in api.check_request(x["method"], x["target"],
                                            x["headers"], x["body"])]
    assert not problems, "\n".join(problems)


def test_its_api_needs_the_api_key(site):
    """The membership listing and the FGA check, asked without the API key
    or with another: 401, as WorkOS answers (the answers checked too)."""
    si, h = site
    sign_in(h, "user_01ALICE")
    api = describe()
    om = stand_in.membership_id("user_01ALICE", "org_01ACME")
    asks = [("GET", "/user_management/organization_memberships?user_id="
             "user_01ALICE&organization_id=org_01ACME", None),
            ("POST", f"/authorization/organization_memberships/{om}/check",
             {"permission_slug": "project:view",
              "resource_type_slug": "project",
              "resource_external_id": "apollo"})]
    for method, path, body in asks:
        for auth in ({}, {"Authorization": "Bearer sk_test_not_the_key"}):
            r = requests.request(method, si.base + path, json=body,
                                 headers=auth, timeout=20)
            assert r.status_code == 401, (path, auth, r.text)
        r = requests.request(method, si.base + path, json=body, timeout=20,
                             headers={"Authorization": f"Bearer {API_KEY}"})
        assert r.status_code == 200, (path, r.text)
    with si.lock:
        exchanges = [x for x in si.exchanges
                     if x["target"].startswith(("/authorization/",
                                                "/user_management/organiz"))]
    assert len(exchanges) == 6
    assert exchanges[-1]["answer"] == b'{"authorized": true}'
    problems = problems_of(api, exchanges, requests_too=False)
    assert not problems, "\n".join(problems)


def test_no_organisation_no_organization_id():
    """A session without an organisation (the sign-in page never makes
    one; its configuration or a caller may): WorkOS's description has
    organization_id a string, so the stand-in's and the soak's fake
    authenticate answers leave it out (as fake_workos.py does), never
    null; the stand-in's session listing too. No httpd: the answers are
    asked of both in-process."""
    si = stand_in.DemoWorkOS(CLIENT_ID, "http://127.0.0.1:9/callback",
                             token_lifetime=30)
    si.server.server_close()
    api = describe()
    sys.path.insert(0, str(ROOT / "tests" / "soak"))
    import soak
    flapping = soak.FlappingWorkOS(CLIENT_ID)
    flapping.keys = [si.keys[0]]
    try:
        answers = [si.issue_session(None), flapping.issue_session(None)]
    finally:
        flapping.server.server_close()
    json_ = {"Content-Type": "application/json"}
    for answer in answers:
        assert "organization_id" not in answer, answer
        assert api.check_response("POST", "/user_management/authenticate",
                                  200, json_, json.dumps(answer)) == []
    with si.lock:
        listed = list(si.user_sessions["user_01ALICE"])
    assert [s for s in listed if "organization_id" not in s]
    assert api.check_response(
        "GET", "/user_management/users/user_01ALICE/sessions", 200, json_,
        json.dumps({"object": "list", "data": listed, "list_metadata": {
            "before": None, "after": None}})) == []
