# SPDX-License-Identifier: Apache-2.0
"""Definition changes applied at once (issue 23 item 5): role.*,
permission.* and flag.* events (the whole WorkOS environment) and
organization_role.* events (one organisation), from the webhook and the
events poller alike, make cookie sessions refresh on their next request
and refuse bearer tokens issued before the change with 401 invalid_token
and a description saying permissions changed."""
import json
import time

import pytest

from services import CacheServer
from test_authn import bearer, token
from test_events import STATUS, wait_for, wait_polls
from test_events_more import event_now, next_second
from test_lifecycle import cookie_value, session_cookie
from test_webhook import deliver
import sealer

LOCS = STATUS + """
<Location /private/write>
    Require workos-permission posts:write
</Location>
<Location /api/write>
    Require workos-permission posts:write
</Location>
"""

ROLE = {"object": "role", "slug": "member", "name": "Member",
        "description": None, "type": "EnvironmentRole",
        "resource_type_slug": "organization",
        "permissions": ["posts:read", "posts:write"],
        "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-01T00:00:00.000Z"}


def org_role(org):
    return {"object": "organization_role", "organization_id": org,
            "slug": "editor", "name": "Editor", "description": None,
            "resource_type_slug": "organization",
            "permissions": ["posts:read", "posts:write"],
            "created_at": "2026-01-01T00:00:00.000Z",
            "updated_at": "2026-01-01T00:00:00.000Z"}


@pytest.fixture
def redis():
    server = CacheServer("redis").start()
    yield server
    server.cleanup()


def cookie(value):
    return {"Cookie": f"wos-session={value}"}


def refused_for_permissions(r):
    challenge = r.headers.get("WWW-Authenticate", "")
    return r.status_code == 401 and 'error="invalid_token"' in challenge \
        and 'error_description="permissions changed' in challenge


def change(workos, host, via, name, data):
    """The definition changes at WorkOS, then WorkOS tells the module."""
    if via == "webhook":
        assert deliver(host, event_now(name, data)).status_code == 200
    else:
        wait_polls(workos, 1)
        workos.emit(name, data)


@pytest.mark.parametrize("via", ["webhook", "poller"])
def test_role_update_applies_at_once_on_every_host(redis, servers, workos,
                                                   via):
    a, b = [servers.start(mpm=mpm, one_process=False, locations=LOCS,
                          server_extra=redis.server_extra()
                          + ("WorkOSEventsPoll 1\n" if via == "poller"
                             else ""),
                          modules=[redis.module])
            for mpm in ("prefork", "event")]
    _, old = session_cookie(workos)
    old_bearer = token(workos)
    for h in (a, b):
        assert h.get("/private/write", headers=cookie(old)).status_code == 403
        assert h.get("/api", headers=bearer(old_bearer)).status_code == 200
    refreshes = workos.count("/user_management/authenticate")
    # what the member role grants changes after the tokens were issued
    next_second()
    workos.org_claims["org_01ACME"] = {"permissions": ROLE["permissions"]}
    change(workos, a, via, "role.updated", ROLE)
    started = time.monotonic()
    got = {}

    def granted():
        got["r"] = b.get("/private/write", headers=cookie(old))
        return got["r"].status_code == 200

    wait_for(granted, 10, "the new permission on host b")
    delay = time.monotonic() - started
    new = cookie_value(got["r"], "wos-session")
    assert new and new != old
    sealer.ISSUED.append(new)
    assert workos.count("/user_management/authenticate") == refreshes + 1
    # the refreshed session works everywhere without another refresh
    for h in (a, b):
        assert h.get("/private/write", headers=cookie(new)).status_code == 200
    assert workos.count("/user_management/authenticate") == refreshes + 1
    # a bearer token from before the change: 401 saying why; a new one: in
    for h in (a, b):
        wait_for(lambda: refused_for_permissions(
            h.get("/api", headers=bearer(old_bearer))), 3,
            "old bearer refused")
        assert h.get("/api/write", headers=bearer(token(
            workos, permissions=ROLE["permissions"]))).status_code == 200
    print(f"\nrole.updated ({via}) -> new permission on the other host: "
          f"{delay:.3f} s")


def test_organization_role_reaches_its_organisation_only(servers, workos):
    h = servers.start(locations=LOCS)
    _, acme = session_cookie(workos, org="org_01ACME")
    _, other = session_cookie(workos, org="org_01OTHER")
    acme_bearer = token(workos, org_id="org_01ACME")
    other_bearer = token(workos, org_id="org_01OTHER")
    for c in (acme, other):
        r = h.get("/private", headers=cookie(c))
        assert r.status_code == 200 and not cookie_value(r, "wos-session")
    refreshes = workos.count("/user_management/authenticate")
    next_second()
    assert deliver(h, event_now("organization_role.updated",
                                org_role("org_01ACME"))).status_code == 200
    # ACME's session refreshes once; OTHER's is untouched
    r = h.get("/private", headers=cookie(acme))
    assert r.status_code == 200
    new = cookie_value(r, "wos-session")
    assert new and new != acme
    sealer.ISSUED.append(new)
    assert workos.count("/user_management/authenticate") == refreshes + 1
    r = h.get("/private", headers=cookie(other))
    assert r.status_code == 200 and not cookie_value(r, "wos-session")
    assert h.get("/private", headers=cookie(new)).status_code == 200
    assert workos.count("/user_management/authenticate") == refreshes + 1
    assert refused_for_permissions(h.get("/api",
                                         headers=bearer(acme_bearer)))
    assert h.get("/api", headers=bearer(other_bearer)).status_code == 200


@pytest.mark.parametrize("name", ["permission.deleted", "flag.updated",
                                  "flag.rule_updated", "role.deleted"])
def test_environment_wide_changes_reach_every_organisation(servers, workos,
                                                           name):
    h = servers.start(mpm="prefork", one_process=False, locations=LOCS)
    tokens_before = [token(workos, org_id=o)
                     for o in ("org_01ACME", "org_01OTHER", None)]
    for t in tokens_before:
        assert h.get("/api", headers=bearer(t)).status_code == 200
    next_second()
    assert deliver(h, event_now(name, {"object": name.split(".")[0],
                                       "id": "x_01", "slug": "x"})
                   ).status_code == 200
    for t in tokens_before:
        assert refused_for_permissions(h.get("/api", headers=bearer(t)))
    # tokens issued since are not touched
    assert h.get("/api", headers=bearer(token(workos))).status_code == 200


def test_organization_role_event_without_its_organisation_is_400(servers,
                                                                 workos):
    h = servers.start(locations=LOCS)
    data = org_role("org_01ACME")
    del data["organization_id"]
    assert deliver(h, event_now("organization_role.deleted", data)
                   ).status_code == 400
    t = token(workos)
    assert h.get("/api", headers=bearer(t)).status_code == 200


def test_a_change_dated_in_the_future_cannot_loop_refreshes(servers, workos):
    """A mark is never later than its arrival: sessions refreshed after it
    are fresh, not refreshed again on every request."""
    h = servers.start(locations=LOCS)
    _, old = session_cookie(workos)
    next_second()
    body = json.dumps({"id": "event_01LATER", "event": "role.updated",
                       "data": ROLE, "created_at": time.strftime(
                           "%Y-%m-%dT%H:%M:%S.000Z",
                           time.gmtime(time.time() + 400 * 86400))},
                      separators=(",", ":")).encode()
    assert deliver(h, body).status_code == 200
    refreshes = workos.count("/user_management/authenticate")
    r = h.get("/private", headers=cookie(old))
    new = cookie_value(r, "wos-session")
    assert r.status_code == 200 and new and new != old
    sealer.ISSUED.append(new)
    next_second()
    r = h.get("/private", headers=cookie(new))
    assert r.status_code == 200 and not cookie_value(r, "wos-session")
    assert workos.count("/user_management/authenticate") == refreshes + 1
