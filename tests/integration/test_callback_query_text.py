# SPDX-License-Identifier: Apache-2.0
"""What anyone can put in a callback URL (issue 22 items 7 and 8): the
query's error text is never shown, exported in WORKOS_ERROR_DESCRIPTION
or logged above info, and only a callback whose state validated counts
toward the sign-in loop guard or is diagnosed at error."""
import re
import urllib.parse

import pytest
import requests

from flows import verifier
from harness import LOCATIONS
from test_claims import BRANDED_CGI, start
from test_lifecycle import BROWSER, sign_in

ATTACK = "<img src=x onerror=alert(1)>"


def pending_state(h, jar=None):
    """A sign-in started in a browser: (jar, state)."""
    jar = jar or requests.Session()
    r = jar.get(h.base + "/login?return_to=/private", headers=BROWSER,
                allow_redirects=False, timeout=20)
    assert r.status_code == 302, r.text
    return jar, verifier(r)[1]


def callback(h, jar, **query):
    return jar.get(h.base + "/callback?" + urllib.parse.urlencode(query),
                   headers=BROWSER, allow_redirects=False, timeout=20)


@pytest.mark.parametrize("valid", [False, True])
def test_error_text_is_not_exported_to_an_error_document(servers, workos,
                                                         valid):
    h = start(servers, workos, locations=LOCATIONS + BRANDED_CGI)
    jar, state = pending_state(h) if valid else (requests.Session(), "x")
    r = callback(h, jar, state=state, error=ATTACK,
                 error_description=ATTACK + " please call 555")
    assert r.status_code == 400
    assert "REDIRECT_WORKOS_ERROR=sign_in_failed" in r.text
    why = re.search(r"REDIRECT_WORKOS_ERROR_DESCRIPTION=(.*)", r.text)
    assert why and why.group(1), r.text
    for bad in ("img", "onerror", "alert", "555"):
        assert bad not in r.text, r.text


@pytest.mark.parametrize("valid", [False, True])
def test_error_text_is_not_shown_on_the_page(servers, workos, valid):
    h = servers.start()
    jar, state = pending_state(h) if valid else (requests.Session(), "x")
    r = callback(h, jar, state=state, error="access_denied" + ATTACK,
                 error_description="Call 555 to unlock")
    assert r.status_code == 400
    assert "<h1>Sign-in failed</h1>" in r.text
    for bad in ("access_denied", "img", "onerror", "555"):
        assert bad not in r.text, r.text


def test_error_code_without_a_valid_state_is_logged_at_info_only(httpd):
    # anyone can send this link: no error line telling the admin to check
    # WorkOSAPIKey (the harness fails the test on an error-level line)
    for q in ("error=invalid_client", "error=invalid_client&state=x",
              "error=redirect_uri_mismatch&state=garbage&code=abc"):
        assert httpd.get("/callback?" + q).status_code == 400
    log = httpd.log_text()
    assert "WOS02420" not in log
    assert "WorkOSAPIKey" not in log


def test_error_code_with_a_valid_state_is_diagnosed_at_error(servers,
                                                             workos):
    h = servers.start()
    h.allowed_errors.append(r"WOS02420")
    jar, state = pending_state(h)
    assert callback(h, jar, state=state,
                    error="invalid_client").status_code == 400
    lines = [l for l in h.log_text().splitlines() if "WOS02420" in l]
    assert len(lines) == 1 and ":error]" in lines[0], h.log_text()
    assert "WorkOSAPIKey" in lines[0]


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_junk_callbacks_do_not_count_toward_the_loop_guard(servers, workos,
                                                           mpm):
    h = servers.start(mpm=mpm, one_process=False)
    jar = requests.Session()
    # a signed-out browser sent to /callback?code=junk three times (links
    # on another site): no state this browser started
    for q in ("code=junk", "code=junk&state=x", "code=junk&state=x"):
        assert jar.get(h.base + "/callback?" + q, headers=BROWSER,
                       allow_redirects=False, timeout=20).status_code == 400
    # the user's real sign-in just after works
    r = jar.get(h.base + "/private", headers=BROWSER, allow_redirects=True,
                timeout=20)
    assert r.status_code == 200, r.text
    assert "Sign-in loop stopped" not in r.text
