# SPDX-License-Identifier: Apache-2.0
"""Revocations outlive a graceful restart and are never pushed out by
entries callers can create (issue 12.3)."""
import concurrent.futures
import os
import secrets
import signal
import time

import pytest
import requests

from harness import LOCATIONS
from test_apikey import FakeKeys, KEY_LOCATIONS, key_header, new_key
from test_authn import bearer, token
from test_lifecycle import session_cookie, switch
from test_webhook import deliver, event

# A static file: mod_cgid restarts with httpd and answers 503 meanwhile.
STATIC = LOCATIONS + KEY_LOCATIONS + """
<Location /static-secret.txt>
    AuthType WorkOS
    Require valid-user
</Location>
"""


def generations(httpd):
    return httpd.log_text().count("resuming normal operations")


def graceful(httpd):
    before = generations(httpd)
    os.kill(httpd.proc.pid, signal.SIGUSR1)   # apachectl graceful
    deadline = time.monotonic() + 20
    while generations(httpd) == before:
        assert time.monotonic() < deadline, "no new generation"
        time.sleep(0.05)   # polling the log for the new generation


def status(httpd, headers):
    return httpd.get("/static-secret.txt", headers=headers).status_code


def revoke(httpd, name, data, eid):
    assert deliver(httpd, event(name, data, eid=eid)).status_code == 200


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_revocations_survive_graceful_restarts(servers, workos, mpm):
    httpd = servers.start(mpm=mpm, one_process=False, locations=STATIC)
    _, cookie = session_cookie(workos)
    ck = {"Cookie": f"wos-session={cookie}"}
    gone = token(workos, sub="user_01GONE", sid="session_GONE")
    left = token(workos, sid="session_LEFT", org_id="org_01LEFT")
    kept = token(workos, sid="session_KEPT")
    for h in (ck, bearer(gone), bearer(left), bearer(kept)):
        assert status(httpd, h) == 200
    sid = httpd.get("/private", headers=ck).json()["WORKOS_SESSION_ID"]
    revoke(httpd, "session.revoked", {"id": sid}, "event_R1")
    revoke(httpd, "user.deleted", {"id": "user_01GONE"}, "event_R2")
    revoke(httpd, "organization_membership.deleted",
           {"user_id": "user_01ALICE", "organization_id": "org_01LEFT"},
           "event_R3")
    for restart in range(2):
        # fresh connections: each may reach any child
        for _ in range(12):
            assert status(httpd, ck) == 401
            assert status(httpd, bearer(gone)) == 401
            assert status(httpd, bearer(left)) == 401
            assert status(httpd, bearer(kept)) == 200
        graceful(httpd)


def test_switch_org_checks_revocations(servers, workos):
    httpd = servers.start(mpm="prefork", one_process=False)
    answer, cookie = session_cookie(workos)
    sid = httpd.get("/private", headers={
        "Cookie": f"wos-session={cookie}"}).json()["WORKOS_SESSION_ID"]
    revoke(httpd, "session.revoked", {"id": sid}, "event_S1")
    r = switch(httpd, cookie, "org_01OTHER")
    assert r.status_code == 401
    assert not workos.refresh_tokens[answer["refresh_token"]]["used"]
    assert workos.count("/user_management/authenticate") == 0


def test_floods_do_not_evict_a_revocation(servers, workos):
    # a small shmcb: what callers can create fills it quickly
    extra = ('WorkOSCache "shmcb:wos-small(32768)"\n'
             "WorkOSAPIKeyFailureLimit 1000 60")
    FakeKeys(workos)
    httpd = servers.start(mpm="event", one_process=False, locations=STATIC,
                          server_extra=extra)
    _, victim = session_cookie(workos)
    _, attacker = session_cookie(workos)
    vk = {"Cookie": f"wos-session={victim}"}
    sid = httpd.get("/private", headers=vk).json()["WORKOS_SESSION_ID"]
    revoke(httpd, "session.revoked", {"id": sid}, "event_F1")
    assert status(httpd, vk) == 401

    def switch_random(_):
        return switch(httpd, attacker,
                      "org_01" + secrets.token_hex(8).upper()).status_code

    def key_random(_):
        return httpd.get("/private/k/x", headers=key_header(
            servers.remember_secret(new_key()))).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        assert set(pool.map(switch_random, range(256))) == {403}
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        assert set(pool.map(key_random, range(128))) == {401}
    # another revocation: every process forgets what it remembered and
    # looks again
    revoke(httpd, "session.revoked", {"id": "session_OTHER"}, "event_F2")
    for _ in range(16):
        assert status(httpd, vk) == 401
    # the attacker's own session still works: nothing else was touched
    assert status(httpd, {"Cookie": f"wos-session={attacker}"}) == 200
