# SPDX-License-Identifier: Apache-2.0
"""A junk kid must not block a key rotation (issue 12.4): unknown kids in
unauthenticated bearer tokens spend their own refetch budget, never the
one sessions need; a key miss inside a valid seal never clears the
session by itself (it is refreshed: issue 24 item 4), and sign-in does
not fail on it."""
import time

import pytest
import requests

import sealer
from conftest import signing_key
from harness import PASSWORD
from test_authn import bearer, cookie_header, session, token
from test_lifecycle import BROWSER, cookie_value


def junk_flood(httpd, workos, n=20):
    for i in range(n):
        t = token(workos, header={"kid": f"kid_junk_{i}"})
        assert httpd.get("/api", headers=bearer(t)).status_code == 401


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_junk_kids_do_not_block_a_rotation_for_sessions(servers, workos,
                                                        mpm):
    httpd = servers.start(mpm=mpm, one_process=False)
    assert httpd.get("/api", headers=bearer(token(workos))).status_code == 200
    junk_flood(httpd, workos)
    fetches = workos.count(workos.jwks_path)
    # WorkOS rotates: a new key signs new sessions
    workos.keys = [signing_key("key_2"), signing_key("key_1")]
    sealed = sealer.c_seal(PASSWORD, session(workos, token(workos,
                                                           key="key_2")))
    r = httpd.get("/private", headers=cookie_header(sealed))
    assert r.status_code == 200, r.text
    assert cookie_value(r, "wos-session") is None   # not cleared
    assert workos.count(workos.jwks_path) == fetches + 1
    # the junk goes on being refused, and costs no more fetches
    junk_flood(httpd, workos, 5)
    assert workos.count(workos.jwks_path) == fetches + 1


def test_key_miss_in_a_session_is_refreshed_never_signed_out_by_it(servers,
                                                                   workos):
    """A session signed by a key WorkOS does not serve (retired, or not
    yet): after the refetch it is refreshed with its refresh token (issue
    24 item 4); while WorkOS cannot be asked it is try-again (503, the
    cookie kept), never a sign-out."""
    httpd = servers.start(mpm="event", one_process=False)
    httpd.allowed_errors += [r"WOS00303",   # cannot verify credentials
                             r"WOS00502"]   # the refresh failed
    assert httpd.get("/api", headers=bearer(token(workos))).status_code == 200
    live = workos.issue_session("org_01ACME")["refresh_token"]
    sealed = sealer.c_seal(PASSWORD, session(
        workos, token(workos, key="key_3"), refreshToken=live))
    workos.auth_mode = "down"
    for headers in ({}, BROWSER):
        r = httpd.get("/private", headers={**cookie_header(sealed),
                                           **headers})
        assert r.status_code == 503, r.text
        assert r.headers.get("Retry-After")
        assert cookie_value(r, "wos-session") is None   # kept
    # once WorkOS answers, the same cookie is refreshed into a live one
    workos.auth_mode = "ok"
    deadline = time.monotonic() + 15
    while True:
        r = httpd.get("/private", headers=cookie_header(sealed))
        if r.status_code == 200:
            break
        assert r.status_code == 503 and time.monotonic() < deadline
        time.sleep(0.2)   # polling until the failure's hold lapses
    assert r.json()["REMOTE_USER"] == "user_01ALICE"
    renewed = cookie_value(r, "wos-session")
    assert renewed and renewed != sealed
    sealer.ISSUED.append(renewed)


def test_sign_in_after_junk_and_a_rotation_works(servers, workos):
    httpd = servers.start(mpm="prefork", one_process=False)
    assert httpd.get("/api", headers=bearer(token(workos))).status_code == 200
    junk_flood(httpd, workos)
    workos.keys = [signing_key("key_4"), signing_key("key_1")]
    s = requests.Session()
    r = s.get(httpd.base + "/private", headers=BROWSER,
              allow_redirects=True, timeout=20)
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "user_01ALICE"
