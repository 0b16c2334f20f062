# SPDX-License-Identifier: Apache-2.0
"""WorkOSAutoSwitchOrg (issue 15 item 4): a member failing
Require workos-org X is switched into X within the request; refusals are
remembered so a page of assets costs one WorkOS call; SSO/MFA
organisations send browsers to sign in; WorkOS down is a 503 that keeps
the session."""
import concurrent.futures
import time
import urllib.parse

import pytest
import requests

import sealer
from flows import verifier
from harness import LOCATIONS
from test_authn import bearer, token
from test_lifecycle import BROWSER, cookie_value, session_cookie

AUTH = "/user_management/authenticate"
MEMBERSHIPS = "/user_management/organization_memberships"

AUTO = LOCATIONS + """
<Location /other-org>
    WorkOSAutoSwitchOrg On
</Location>
<Location /ent>
    WorkOSAutoSwitchOrg On
    Require workos-org org_01NOTMINE
</Location>
<Location /flag>
    WorkOSAutoSwitchOrg On
    Require workos-org org_01SSO
</Location>
"""


def get(httpd, path, cookie, headers=None):
    return httpd.get(path, headers={"Cookie": f"wos-session={cookie}",
                                    **(headers or {})})


def page_load(httpd, path, cookie, assets=10):
    """A page and its assets, fetched at once as a browser does."""
    paths = [path] + [f"{path}/asset{i}.css" for i in range(assets)]
    with concurrent.futures.ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(lambda p: get(httpd, p, cookie), paths))


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_member_is_switched_and_served_in_one_response(servers, workos, mpm):
    httpd = servers.start(mpm=mpm, one_process=False, locations=AUTO)
    _, cookie = session_cookie(workos)             # in org_01ACME
    r = get(httpd, "/other-org/report", cookie, BROWSER)
    assert r.status_code == 200, r.text
    env = r.json()
    assert env["WORKOS_ORG_ID"] == "org_01OTHER"
    assert env["WORKOS_ROLE"] == "admin"
    new = cookie_value(r, "wos-session")
    assert new and new != cookie
    sealer.ISSUED.append(new)
    assert workos.count(AUTH) == 1
    # the new cookie needs nothing more
    r = get(httpd, "/other-org/next", new)
    assert r.status_code == 200
    assert cookie_value(r, "wos-session") is None
    assert workos.count(AUTH) == 1


def test_off_by_default(httpd, workos):
    _, cookie = session_cookie(workos)
    assert get(httpd, "/other-org", cookie).status_code == 403
    assert workos.count(AUTH) == 0


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_a_page_of_assets_switches_with_one_call(servers, workos, mpm):
    httpd = servers.start(mpm=mpm, one_process=False, locations=AUTO)
    _, cookie = session_cookie(workos)
    workos.auth_mode = "slow"          # the assets arrive while it runs
    workos.delay = 0.5
    answers = page_load(httpd, "/other-org", cookie)
    assert [a.status_code for a in answers] == [200] * len(answers)
    assert {a.json()["WORKOS_ORG_ID"] for a in answers} == {"org_01OTHER"}
    new = {cookie_value(a, "wos-session") for a in answers}
    assert len(new) == 1 and None not in new
    sealer.ISSUED.extend(new)
    assert workos.count(AUTH) == 1     # WorkOS calls for this page load


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_non_member_costs_no_refresh(servers, workos, mpm):
    """A non-member organisation is refused from the user's membership
    list, fetched once: no refresh is asked for (issue 22, finding 9)."""
    httpd = servers.start(mpm=mpm, one_process=False, locations=AUTO)
    _, cookie = session_cookie(workos)
    answers = page_load(httpd, "/ent", cookie)
    assert [a.status_code for a in answers] == [403] * len(answers)
    assert all(cookie_value(a, "wos-session") is None for a in answers)
    assert workos.count(AUTH) == 0
    assert workos.count(MEMBERSHIPS) == 1
    _, other_cookie = session_cookie(workos)
    answers = page_load(httpd, "/ent", other_cookie)
    assert [a.status_code for a in answers] == [403] * len(answers)
    assert workos.count(AUTH) == 0
    assert workos.count(MEMBERSHIPS) == 1
    assert get(httpd, "/org", cookie).status_code == 200


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_refusal_is_remembered_per_user_and_org(servers, workos, mpm):
    # where WorkOS cannot list the memberships, the refresh decides, and
    # its refusal is remembered
    workos.memberships_api = False
    httpd = servers.start(mpm=mpm, one_process=False, locations=AUTO)
    _, cookie = session_cookie(workos)
    answers = page_load(httpd, "/ent", cookie)
    assert [a.status_code for a in answers] == [403] * len(answers)
    assert all(cookie_value(a, "wos-session") is None for a in answers)
    first_load = workos.count(AUTH)
    assert first_load == 1
    # the next page load, even with another session of the same user, is
    # answered from the remembered refusal
    _, other_cookie = session_cookie(workos)
    answers = page_load(httpd, "/ent", other_cookie)
    assert [a.status_code for a in answers] == [403] * len(answers)
    assert workos.count(AUTH) == first_load
    # and the user's own organisation is untouched
    assert get(httpd, "/org", cookie).status_code == 200


def test_sso_organisation_sends_browsers_to_sign_in(servers, workos):
    httpd = servers.start(locations=AUTO)
    workos.memberships["org_01SSO"] = "member"
    workos.org_errors["org_01SSO"] = "sso_required"
    _, cookie = session_cookie(workos)
    r = get(httpd, "/flag/deep?x=1", cookie, BROWSER)
    assert r.status_code == 302, r.text
    loc = urllib.parse.urlsplit(r.headers["Location"])
    q = dict(urllib.parse.parse_qsl(loc.query))
    assert loc.path == "/user_management/authorize"
    assert q["organization_id"] == "org_01SSO"
    verifier(r)
    assert cookie_value(r, "wos-session") is None          # session kept
    # a script gets 403, and the answer was remembered: no second call
    r = get(httpd, "/flag/deep", cookie, {"Accept": "application/json"})
    assert r.status_code == 403
    assert workos.count(AUTH) == 1
    # signing in there lands on the deep link, now in that organisation
    jar = requests.Session()
    jar.cookies.set("wos-session", cookie, domain="127.0.0.1", path="/")
    workos.org_errors.clear()
    r = jar.get(httpd.base + "/flag/deep?x=1", headers=BROWSER,
                allow_redirects=True, timeout=20)
    assert r.status_code == 200, r.text
    assert r.json()["WORKOS_ORG_ID"] == "org_01SSO"
    sealer.ISSUED.append(jar.cookies["wos-session"])


@pytest.mark.parametrize("mode", ["down", "429"])
def test_workos_unavailable_is_503_and_keeps_the_session(servers, workos,
                                                         mode):
    httpd = servers.start(locations=AUTO)
    httpd.allowed_errors.append("WOS00502")
    _, cookie = session_cookie(workos)
    workos.auth_mode = mode
    workos.retry_after = 3
    r = get(httpd, "/other-org", cookie, BROWSER)
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) >= 1
    assert "WorkOS" in r.text
    assert cookie_value(r, "wos-session") is None
    assert "Location" not in r.headers
    # nothing remembered as a refusal: once WorkOS answers, it switches
    workos.auth_mode = "ok"
    deadline = time.monotonic() + 10
    while r.status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.2)  # polling for the retry hold to lapse
        r = get(httpd, "/other-org", cookie)
    assert r.status_code == 200
    sealer.ISSUED.append(cookie_value(r, "wos-session"))


def test_bearer_tokens_are_never_switched(servers, workos):
    httpd = servers.start(locations=AUTO)
    r = httpd.get("/other-org", headers=bearer(token(workos)))
    assert r.status_code == 403
    assert workos.count(AUTH) == 0
