# SPDX-License-Identifier: Apache-2.0
"""The demo (make demo) as a new user tries it (issue 24): two users signed
in at once each keep their own identity through switches; the module's own
"switch refused" page is not hidden by the demo's 403 page, which is only
for the Require lines and knows who is signed in."""
import pathlib
import sys
import urllib.parse

import pytest
import requests

from test_stand_in import Form

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "demo"))
sys.dont_write_bytecode = True
import run  # noqa: E402

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
           "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def demo():
    d = run.start(port=0, env={}, quiet=True)
    yield d
    d.stop()


def sign_in(demo, **choose):
    jar = requests.Session()
    jar.trust_env = False
    r = jar.get(demo.url + "app", headers=BROWSER, timeout=20)
    assert r.status_code == 200 and "Continue" in r.text, r.text
    form = Form()
    form.feed(r.text)
    form.fields.update(choose)
    r = jar.post(urllib.parse.urljoin(r.url, "/demo/sign-in"),
                 data=form.fields, headers=BROWSER, timeout=20)
    assert r.status_code == 200, r.text
    return jar, r


def test_two_users_keep_their_own_identity_through_a_switch(demo):
    alice, r = sign_in(demo, user="user_01ALICE")
    assert "alice@example.com" in r.text
    bob, r = sign_in(demo, user="user_01BOB")
    assert "bob@example.com" in r.text
    # Alice switches after Bob signed in: still Alice, in Globex
    r = alice.post(demo.url + "switch-org", headers={
        **BROWSER, "Origin": demo.url.rstrip("/")},
        data={"organization_id": "org_01GLOBEX", "return_to": "/app"},
        timeout=20)
    assert r.status_code == 200, r.text
    assert "alice@example.com" in r.text and "bob@" not in r.text
    assert "org_01GLOBEX" in r.text
    r = bob.get(demo.url + "app", headers=BROWSER, timeout=20)
    assert "bob@example.com" in r.text and "alice@" not in r.text


def test_the_switch_refused_page_is_the_modules(demo):
    alice, _ = sign_in(demo, user="user_01ALICE")
    r = alice.post(demo.url + "switch-org", headers={
        **BROWSER, "Origin": demo.url.rstrip("/")},
        data={"organization_id": "org_01INITECH", "return_to": "/app"},
        timeout=20)
    assert r.status_code == 403
    assert "Organisation switch refused" in r.text, r.text
    assert "Not for your role" not in r.text
    # the demo's 403 page is still there for the Require lines, and knows
    # who is signed in
    r = alice.get(demo.url + "admin", headers=BROWSER, timeout=20)
    assert r.status_code == 403
    assert "Not for your role" in r.text
    assert 'id="role">member<' in r.text


def test_each_user_sees_their_own_projects(demo):
    """The projects page: one page per project under Require workos-access
    (FGA through the stand-in); Alice and Bob, both members of Acme, get
    different answers for the same project, Carol (workspace admin) sees
    every Acme project by inheritance, an unknown project is 403."""
    users = {u: sign_in(demo, user=f"user_01{u.upper()}")[0]
             for u in ("alice", "bob", "carol")}
    r = users["alice"].get(demo.url + "app/projects", headers=BROWSER,
                           timeout=20)
    assert r.status_code == 200, r.text
    for name in ("apollo", "gemini", "mercury"):
        assert f'href="/app/projects/{name}"' in r.text, r.text
    expect = {"alice": {"apollo": 200, "gemini": 403, "mercury": 200},
              "bob": {"apollo": 403, "gemini": 200, "mercury": 200},
              "carol": {"apollo": 200, "gemini": 200, "mercury": 200}}
    for who, answers in expect.items():
        for name, status in answers.items():
            # twice: the second is the module's cached decision
            for _ in range(2):
                r = users[who].get(f"{demo.url}app/projects/{name}",
                                   headers=BROWSER, timeout=20)
                assert r.status_code == status, (who, name, r.text)
                if status == 200:
                    assert 'id="project">' + name + "<" in r.text
                else:
                    # the module's 403, not the demo's page
                    assert "Not for your role" not in r.text
                    assert 'id="project"' not in r.text
    # a project no organisation has: WorkOS says 404, the module 403
    r = users["alice"].get(demo.url + "app/projects/nope", headers=BROWSER,
                           timeout=20)
    assert r.status_code == 403
    # the decisions are per membership (one each for Alice, Bob, Carol in
    # Acme), asked once per project, then kept
    checks = [om for om, _ in demo.fake.fga.checks]
    assert len(checks) == 10 and len(set(checks)) == 3, checks
