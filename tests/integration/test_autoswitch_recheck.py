# SPDX-License-Identifier: Apache-2.0
"""WorkOSAutoSwitchOrg after the security review (issue 22, items 3 and
9): a switch re-runs authentication and every Require line on the new
session, and the backend sees nothing of the old organisation; a
cross-site request is asked to confirm; an organisation the user is not
a member of costs no refresh, and switching is bounded per user."""
import re
import uuid

import sealer
from harness import LOCATIONS
from test_lifecycle import BROWSER, cookie_value, session_cookie

AUTH = "/user_management/authenticate"
MEMBERSHIPS = "/user_management/organization_memberships"

AUTO = LOCATIONS + """
<Location /other-org/billing>
    AuthType WorkOS
    WorkOSAutoSwitchOrg On
    <RequireAll>
        Require workos-permission billing:manage
        Require workos-org org_01OTHER
    </RequireAll>
</Location>
<Location /other-org/env>
    AuthType WorkOS
    WorkOSAutoSwitchOrg On
    WorkOSPassHeaders On
    WorkOSPassClaim tier TIER
    WorkOSPassClaim plan
    Require workos-org org_01OTHER
    RequestHeader set X-WorkOS-Leftover "[%{REDIRECT_WORKOS_PERMISSIONS}e]"
</Location>
<Location /other-org/email>
    AuthType WorkOS
    WorkOSAutoSwitchOrg On
    WorkOSRemoteUser email
    Require workos-org org_01OTHER
</Location>
<Location /other-org/plain>
    AuthType WorkOS
    WorkOSAutoSwitchOrg On
    Require workos-org org_01OTHER
</Location>
<LocationMatch "^/org/(?<tenant>[^/]+)/">
    AuthType WorkOS
    WorkOSAutoSwitchOrg On
    Require workos-org %{env:MATCH_TENANT}
</LocationMatch>
"""

# ACME grants billing and carries entitlements, flags and claims; OTHER
# carries none of them.
ACME = {"permissions": ["billing:manage"], "entitlements": ["audit-logs"],
        "feature_flags": ["new-editor"], "tier": "gold", "plan": "pro"}
OTHER = {"permissions": None, "entitlements": None, "feature_flags": None}


def get(httpd, path, cookie, headers=None):
    return httpd.get(path, headers={"Cookie": f"wos-session={cookie}",
                                    **(headers or {})})


def acme_session(workos):
    workos.memberships_api = True
    workos.org_claims = {"org_01ACME": ACME, "org_01OTHER": OTHER}
    return session_cookie(workos)[1]


def test_require_all_runs_again_on_the_new_session(servers, workos):
    httpd = servers.start(locations=AUTO)
    cookie = acme_session(workos)
    r = get(httpd, "/other-org/billing", cookie, BROWSER)
    # billing:manage was ACME's: in OTHER the RequireAll fails
    assert r.status_code == 403, r.text
    assert "WORKOS_ORG_ID" not in r.text
    assert workos.count(AUTH) == 1
    new = cookie_value(r, "wos-session")
    if new:
        sealer.ISSUED.append(new)


def test_backend_sees_nothing_of_the_old_organisation(servers, workos):
    httpd = servers.start(locations=AUTO)
    cookie = acme_session(workos)
    # as ACME, everything is there
    r = get(httpd, "/org", cookie)
    assert r.status_code == 200
    r = get(httpd, "/other-org/env", cookie, BROWSER)
    assert r.status_code == 200, r.text
    env = r.json()
    sealer.ISSUED.append(cookie_value(r, "wos-session"))
    assert env["WORKOS_ORG_ID"] == "org_01OTHER"
    assert env["HTTP_X_WORKOS_ORG_ID"] == "org_01OTHER"
    assert env["REMOTE_USER"] == "user_01ALICE"
    for gone in ("WORKOS_PERMISSIONS", "WORKOS_ENTITLEMENTS",
                 "WORKOS_FEATURE_FLAGS", "TIER", "WORKOS_CLAIM_PLAN",
                 "HTTP_X_WORKOS_PERMISSIONS", "HTTP_X_WORKOS_ENTITLEMENTS",
                 "HTTP_X_WORKOS_FEATURE_FLAGS", "HTTP_X_WORKOS_CLAIM_TIER",
                 "HTTP_X_WORKOS_CLAIM_PLAN"):
        assert gone not in env, (gone, env)
    # nor under the name httpd gives the first pass's variables
    assert env["HTTP_X_WORKOS_LEFTOVER"] == "[(null)]"


def test_remote_user_follows_the_setting_after_a_switch(servers, workos):
    httpd = servers.start(locations=AUTO)
    cookie = acme_session(workos)
    r = get(httpd, "/other-org/email", cookie, BROWSER)
    assert r.status_code == 200, r.text
    sealer.ISSUED.append(cookie_value(r, "wos-session"))
    assert r.json()["WORKOS_ORG_ID"] == "org_01OTHER"
    assert r.json()["REMOTE_USER"] == "alice@example.com"


def test_a_post_switches_and_reaches_the_backend_once(servers, workos):
    httpd = servers.start(locations=AUTO)
    cookie = acme_session(workos)
    r = httpd.post("/other-org/plain", data=b"",
                   headers={"Cookie": f"wos-session={cookie}",
                            "Content-Type":
                            "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    assert r.json()["WORKOS_ORG_ID"] == "org_01OTHER"
    sealer.ISSUED.append(cookie_value(r, "wos-session"))
    assert workos.count(AUTH) == 1


CROSS = {**BROWSER, "Sec-Fetch-Site": "cross-site"}


def test_cross_site_navigation_asks_before_switching(servers, workos):
    httpd = servers.start(locations=AUTO)
    cookie = acme_session(workos)
    r = get(httpd, "/other-org/plain/page?x=1", cookie, CROSS)
    assert r.status_code == 403, r.text
    assert workos.count(AUTH) == 0
    assert cookie_value(r, "wos-session") is None
    assert "WORKOS_ORG_ID" not in r.text
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    form = re.search(r'<form method="post" action="([^"]+)"', r.text)
    assert form, r.text
    action = form.group(1).replace("&amp;", "&")
    assert action.startswith("/other-org/plain/page?x=1")
    # the same form posted from another site is refused, no call
    hdrs = {"Cookie": f"wos-session={cookie}",
            "Content-Type": "application/x-www-form-urlencoded"}
    r = httpd.post(action, data=b"", headers={
        **hdrs, "Sec-Fetch-Site": "cross-site",
        "Origin": "https://evil.example"}, allow_redirects=False)
    assert r.status_code == 403
    assert workos.count(AUTH) == 0
    assert cookie_value(r, "wos-session") is None
    # posted from this origin: switched, and sent back to the page
    r = httpd.post(action, data=b"", headers={
        **hdrs, "Sec-Fetch-Site": "same-origin", "Origin": httpd.base},
        allow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == "/other-org/plain/page?x=1"
    new = cookie_value(r, "wos-session")
    assert new
    sealer.ISSUED.append(new)
    assert workos.count(AUTH) == 1
    r = get(httpd, "/other-org/plain/page?x=1", new,
            {**BROWSER, "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200
    assert r.json()["WORKOS_ORG_ID"] == "org_01OTHER"


def test_same_site_post_does_not_switch(servers, workos):
    httpd = servers.start(locations=AUTO)
    cookie = acme_session(workos)
    r = httpd.post("/other-org/plain", data=b"", headers={
        "Cookie": f"wos-session={cookie}", "Sec-Fetch-Site": "same-site"})
    assert r.status_code == 403
    assert workos.count(AUTH) == 0


def test_non_member_organisations_cost_no_refresh(servers, workos):
    httpd = servers.start(locations=AUTO)
    cookie = acme_session(workos)
    for _ in range(30):
        org = "org_01" + uuid.uuid4().hex[:20].upper()
        r = get(httpd, f"/org/{org}/x", cookie)
        assert r.status_code == 403
    assert workos.count(AUTH) == 0
    assert workos.count(MEMBERSHIPS) <= 1
    # a member organisation still switches
    r = get(httpd, "/org/org_01OTHER/x", cookie)
    assert r.status_code == 200, r.text
    assert r.json()["WORKOS_ORG_ID"] == "org_01OTHER"
    sealer.ISSUED.append(cookie_value(r, "wos-session"))
    assert workos.count(AUTH) == 1


def test_switching_is_bounded_per_user(servers, workos):
    httpd = servers.start(locations=AUTO)
    orgs = [f"org_01BOUND{i:02d}" for i in range(12)]
    for org in orgs:
        workos.memberships[org] = "member"
        workos.org_errors[org] = "organization_not_authorized"
    cookie = acme_session(workos)
    codes = [get(httpd, f"/org/{org}/x", cookie).status_code
             for org in orgs]
    assert codes[:10] == [403] * 10
    assert codes[10:] == [429, 429]
    assert workos.count(AUTH) == 10
    # another session of the same user is bounded too
    other = session_cookie(workos)[1]
    r = get(httpd, "/org/org_01OTHER/x", other)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert workos.count(AUTH) == 10
