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
