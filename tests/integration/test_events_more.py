# SPDX-License-Identifier: Apache-2.0
"""Events beyond session revocation, from webhook and poller alike
(issue 16): api_key.revoked drops a key's cached validation everywhere at
once; organization_membership.updated refreshes the user's cookie
sessions on their next request and refuses older bearer tokens."""
import time

import pytest

from services import CacheServer
from test_apikey import KEY_LOCATIONS, FakeKeys, ORG_KEY_ID, key_header, \
    validations
from test_authn import bearer, token
from test_events import STATUS, wait_for, wait_polls
from test_lifecycle import cookie_value, session_cookie
from test_webhook import deliver
import json
import sealer

LOCS = STATUS + KEY_LOCATIONS


def event_now(name, data):
    return json.dumps({"id": "event_01NOW", "event": name, "data": data,
                       # time.gmtime() alone reads the coarse clock, which
                       # can lag time.time() into the previous second
                       "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z",
                                                   time.gmtime(time.time()))},
                      separators=(",", ":")).encode()


@pytest.fixture
def redis():
    server = CacheServer("redis").start()
    yield server
    server.cleanup()


def two_hosts(servers, redis, extra=""):
    return [servers.start(mpm=mpm, one_process=False, locations=LOCS,
                          server_extra=redis.server_extra() + extra,
                          modules=[redis.module])
            for mpm in ("prefork", "event")]


def next_second():
    """Waits for the clock's next whole second: tokens carry whole
    seconds, and a change is later than a token only from then on."""
    now = int(time.time())
    wait_for(lambda: int(time.time()) > now, 2, "the next second")


@pytest.mark.parametrize("via", ["webhook", "poller"])
def test_api_key_revoked_everywhere_at_once(redis, servers, workos, via):
    keys = FakeKeys(workos)
    value = servers.remember_secret(keys.add(
        ORG_KEY_ID, {"type": "organization", "id": "org_01ACME"},
        ["posts:read"]))
    a, b = two_hosts(servers, redis,
                     "WorkOSEventsPoll 1\n" if via == "poller" else "")
    for h in (a, b):
        assert h.get("/private/k/x", headers=key_header(value)).status_code \
            == 200
    asked = validations(workos)
    assert asked == 1  # the answer is shared through redis
    keys.revoke(value)
    if via == "webhook":
        assert deliver(a, event_now("api_key.revoked", {
            "object": "api_key", "id": ORG_KEY_ID})).status_code == 200
    else:
        wait_polls(workos, 1)
        workos.emit("api_key.revoked", {"object": "api_key",
                                        "id": ORG_KEY_ID})
    delay = wait_for(lambda: b.get("/private/k/x", headers=key_header(
        value)).status_code == 401, 10, "key refused on host b")
    assert a.get("/private/k/x", headers=key_header(value)).status_code == 401
    # refused from the mark, long before WorkOSAPIKeyCacheTTL (60 s)
    assert validations(workos) == asked
    print(f"\napi_key.revoked ({via}) -> 401 on the other host: "
          f"{delay:.3f} s")


@pytest.mark.parametrize("via", ["webhook", "poller"])
def test_role_change_refreshes_cookie_sessions(redis, servers, workos, via):
    a, b = two_hosts(servers, redis,
                     "WorkOSEventsPoll 1\n" if via == "poller" else "")
    workos.memberships["org_01ACME"] = "member"
    _, cookie = session_cookie(workos)
    old_bearer = token(workos, role="member", roles=["member"])
    jar = {"Cookie": f"wos-session={cookie}"}
    for h in (a, b):
        assert h.get("/role", headers=jar).status_code == 403
        assert h.get("/api", headers=bearer(old_bearer)).status_code == 200
    refreshes = workos.count("/user_management/authenticate")
    # the role changes at WorkOS after the tokens were issued
    next_second()
    workos.memberships["org_01ACME"] = "admin"
    data = {"object": "organization_membership", "id": "om_01ALICE",
            "user_id": "user_01ALICE", "organization_id": "org_01ACME",
            "role": {"slug": "admin"}, "status": "active"}
    if via == "webhook":
        assert deliver(a, event_now("organization_membership.updated",
                                    data)).status_code == 200
        started = time.monotonic()
    else:
        wait_polls(workos, 1)
        workos.emit("organization_membership.updated", data)
        started = time.monotonic()
    got = {}

    def admitted():
        r = b.get("/role", headers=jar)
        got["r"] = r
        return r.status_code == 200

    wait_for(admitted, 10, "the new role on host b")
    delay = time.monotonic() - started
    new = cookie_value(got["r"], "wos-session")
    assert new and new != cookie
    sealer.ISSUED.append(new)
    assert workos.count("/user_management/authenticate") == refreshes + 1
    # the refreshed session keeps working, with no further refresh
    assert b.get("/role", headers={
        "Cookie": f"wos-session={new}"}).status_code == 200
    assert a.get("/role", headers={
        "Cookie": f"wos-session={new}"}).status_code == 200
    assert workos.count("/user_management/authenticate") == refreshes + 1
    # a bearer token from before the change is refused (every process
    # learns of the change within a second); a new one is not
    for h in (a, b):
        wait_for(lambda: h.get("/api", headers=bearer(
            old_bearer)).status_code == 401, 3, "old bearer refused")
        assert h.get("/api", headers=bearer(token(
            workos, role="admin", roles=["admin"]))).status_code == 200
    print(f"\nrole change ({via}) -> new role on the other host: "
          f"{delay:.3f} s")


def test_unknown_events_are_accepted_and_ignored(servers, workos):
    h = servers.start(locations=LOCS)
    for name in ("user.created", "dsync.group.updated", "x" * 64):
        assert deliver(h, event_now(name, {"id": "whatever"})).status_code \
            == 200
    s = h.get("/workos-status?format=json").json()
    assert s["events_applied"] == 0
    assert s["webhooks"] == 3


@pytest.mark.parametrize("name,data", [
    ("api_key.revoked", {"object": "api_key"}),
    ("organization_membership.updated", {"organization_id": "org_01ACME"}),
])
def test_new_events_without_their_ids_are_400(servers, workos, name, data):
    h = servers.start(locations=LOCS)
    assert deliver(h, event_now(name, data)).status_code == 400
