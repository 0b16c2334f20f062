# SPDX-License-Identifier: Apache-2.0
"""Require workos-access (issue 23): resource-scoped authorisation through
WorkOS FGA. The token's permissions first, then WorkOS's check for the
session's organisation membership; decisions kept WorkOSAccessCacheTTL on
every process and host, asked once however many requests need one, and
dropped by the events that change who may do what; 503 (never a grant)
when WorkOS cannot answer."""
import concurrent.futures
import json
import re
import subprocess
import time

import pytest
import yaml
import jsonschema

import sealer
from harness import LOCATIONS, Httpd
from services import CacheServer, redis_command
from test_apikey import keys, key_header  # noqa: F401 (a fixture)
from test_authn import bearer, token
from test_webhook import deliver, event

CHECK = "/authorization/organization_memberships/om_0000/check"
MEMBERSHIPS = "/user_management/organization_memberships"
ALICE_OM = "om_0000"          # Alice in org_01ACME, as the fake lists it

ACCESS = LOCATIONS + """
<LocationMatch "^/private/projects/(?<project>[^/]*)">
    AuthType WorkOS
    Require workos-access project:view project %{env:MATCH_PROJECT}
</LocationMatch>
<LocationMatch "^/private/edit/(?<project>[^/]+)">
    AuthType WorkOS
    Require workos-access project:edit project %{env:MATCH_PROJECT}
</LocationMatch>
<LocationMatch "^/private/res/(?<rid>[^/]+)">
    AuthType WorkOS
    Require workos-access project:view %{env:MATCH_RID}
</LocationMatch>
<Location /private/posts>
    AuthType WorkOS
    Require workos-access posts:read project nowhere
</Location>
<Location /private/audit>
    AuthType WorkOS
    Require workos-access project:audit project api
</Location>
<Location /private/k>
    WorkOSTokenSource apikey
    Require workos-access project:view project web
</Location>
<Location /private/k/posts>
    Require workos-access posts:write project web
</Location>
<LocationMatch "^/private/not/(?<project>[^/]+)">
    AuthType WorkOS
    <RequireAll>
        Require valid-user
        Require not workos-access project:view project %{env:MATCH_PROJECT}
    </RequireAll>
</LocationMatch>
<Location /workos-status>
    SetHandler workos-status
</Location>
"""


def model(workos):
    """Org ACME: workspace eng > projects web, api; Alice (om_0000) views
    web. Org OTHER has a project web of its own."""
    f = workos.fga
    f.add_type("workspace")
    f.add_type("project", parent="workspace")
    ids = {"eng": f.add_resource("org_01ACME", "workspace", "eng")}
    ids["web"] = f.add_resource("org_01ACME", "project", "web", ids["eng"])
    ids["api"] = f.add_resource("org_01ACME", "project", "api", ids["eng"])
    ids["other"] = f.add_resource("org_01OTHER", "project", "web")
    f.add_role("workspace-admin", ["project:edit", "project:view"],
               "workspace")
    f.add_role("project-viewer", ["project:view"], "project")
    f.add_role("org-auditor", ["project:audit"])
    f.assign(ALICE_OM, "project-viewer", ids["web"])
    return ids


def start(servers, workos, ttl=None, **kw):
    extra = kw.pop("server_extra", "")
    if ttl is not None:
        extra += f"\nWorkOSAccessCacheTTL {ttl}\n"
    return servers.start(locations=ACCESS, server_extra=extra, **kw)


def get(h, path, t):
    return h.get(path, headers=bearer(t))


def checks(workos):
    return workos.count(CHECK)


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_decisions_follow_the_resource_tree(servers, workos, mpm):
    ids = model(workos)
    h = start(servers, workos, mpm=mpm, one_process=False)
    t = token(workos)
    assert get(h, "/private/projects/web", t).status_code == 200
    assert get(h, "/private/projects/api", t).status_code == 403
    assert get(h, "/private/edit/web", t).status_code == 403
    assert get(h, f"/private/res/{ids['web']}", t).status_code == 200
    # another organisation's resource of the same id: not this one's
    assert get(h, f"/private/res/{ids['other']}", t).status_code == 403
    assert workos.count(MEMBERSHIPS) == 1
    asked = checks(workos)
    assert asked == 5
    # the same again: every decision, granted or denied, is kept
    assert get(h, "/private/projects/web", t).status_code == 200
    assert get(h, "/private/projects/api", t).status_code == 403
    assert checks(workos) == asked
    # the token's own permission: no call at all
    assert get(h, "/private/posts", t).status_code == 200
    assert checks(workos) == asked


def test_inheritance_and_organisation_roles(servers, workos):
    ids = model(workos)
    workos.fga.assign(ALICE_OM, "workspace-admin", ids["eng"])
    workos.fga.assign(ALICE_OM, "org-auditor")
    h = start(servers, workos)
    t = token(workos)
    # workspace-admin on eng: edit on every project below it
    assert get(h, "/private/edit/web", t).status_code == 200
    assert get(h, "/private/edit/api", t).status_code == 200
    # an organisation role grants on every resource of the organisation
    assert get(h, "/private/audit", t).status_code == 200


def test_unknown_resource_is_403_and_logged(servers, workos):
    model(workos)
    h = start(servers, workos)
    r = get(h, "/private/projects/nosuch", token(workos))
    assert r.status_code == 403
    assert re.search(r"WOS05405.*WorkOS knows no resource project nosuch",
                     h.log_text())


@pytest.mark.parametrize("path", [
    "/private/projects/",                      # empty
    "/private/projects/%01web",                # not printable
    "/private/projects/" + "x" * 129,          # over 128 bytes
])
def test_bad_ids_are_403_without_a_call(servers, workos, path):
    model(workos)
    h = start(servers, workos)
    assert get(h, path, token(workos)).status_code == 403
    assert checks(workos) == 0
    assert workos.count(MEMBERSHIPS) == 0


def test_session_without_organisation_uses_its_own_permissions(servers,
                                                               workos):
    model(workos)
    h = start(servers, workos)
    t = token(workos, org_id=None)
    assert get(h, "/private/projects/web", t).status_code == 403
    t2 = token(workos, org_id=None, permissions=["project:view"])
    assert get(h, "/private/projects/web", t2).status_code == 200
    assert checks(workos) == 0
    assert "WOS05401" in h.log_text()
    assert "a session without an organisation" in h.log_text()


def test_api_key_uses_its_own_permissions(servers, workos, keys):
    model(workos)
    h = start(servers, workos)
    # the org key holds posts:write, not project:view
    assert h.get("/private/k/posts", headers=key_header(keys.org_key)
                 ).status_code == 200
    assert h.get("/private/k/proj", headers=key_header(keys.org_key)
                 ).status_code == 403
    assert checks(workos) == 0
    assert workos.count(MEMBERSHIPS) == 0
    assert re.search(r"WOS05401.*an API key has no organisation membership",
                     h.log_text())


def test_no_membership_in_the_organisation_is_403(servers, workos):
    model(workos)
    h = start(servers, workos)
    r = get(h, "/private/projects/web", token(workos, org_id="org_01GONE"))
    assert r.status_code == 403
    assert checks(workos) == 0
    assert "WOS05402" in h.log_text()


@pytest.mark.parametrize("mode", ["down", "429", "slow", "no_bool"])
def test_workos_unavailable_is_503_never_a_grant(servers, workos, mode):
    model(workos)
    workos.fga.mode = mode
    workos.fga.delay = 3          # over WorkOSHTTPTimeout 2
    h = start(servers, workos)
    h.allowed_errors.append("WOS05404")
    r = get(h, "/private/projects/web", token(workos))
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"] == "5"
    if mode == "no_bool":
        assert "without a boolean" in h.log_text()
    # a failure is kept a second, for the requests queued behind it; then
    # WorkOS, back, is asked again and the grant comes
    workos.fga.mode = "ok"
    started = time.monotonic()
    while get(h, "/private/projects/web", token(workos)).status_code != 200:
        assert time.monotonic() - started < 3, "a failure kept too long"


@pytest.mark.parametrize("mode", ["down", "429"])
def test_a_negated_rule_is_never_satisfied_by_an_outage(servers, workos,
                                                        mode):
    """Require not workos-access: WorkOS not answering is an error (503),
    not a denial that the negation would turn into a grant."""
    model(workos)
    h = start(servers, workos)
    t = token(workos)
    # what the negation means while WorkOS answers
    assert get(h, "/private/not/web", t).status_code == 403
    assert get(h, "/private/not/api", t).status_code == 200
    workos.fga.mode = mode
    for path in ("/private/not/nosuch", "/private/projects/nosuch"):
        r = get(h, path, t)
        assert r.status_code == 503, (path, r.status_code)
        assert r.headers["Retry-After"] == "5"


def test_a_cached_decision_survives_workos_down(servers, workos):
    model(workos)
    h = start(servers, workos)
    t = token(workos)
    assert get(h, "/private/projects/web", t).status_code == 200
    workos.fga.mode = "down"
    assert get(h, "/private/projects/web", t).status_code == 200


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_a_page_of_40_assets_with_workos_down_makes_one_call(servers,
                                                              workos, mpm):
    model(workos)
    workos.fga.mode = "down"
    h = start(servers, workos, mpm=mpm, one_process=False)
    t = token(workos)
    paths = [f"/private/projects/web/asset{i}.css" for i in range(40)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda p: get(h, p, t).status_code, paths))
    assert codes == [503] * 40
    # the waiters take the failure; those behind them, its second of grace
    assert checks(workos) <= 2


def test_a_waiter_outlasts_a_slow_leader(servers, workos):
    """The request leading a check may take a membership lookup and the
    check, each up to WorkOSHTTPTimeout: a request behind it waits as long
    (no 503 while the leader is on its way), and one call is made."""
    model(workos)

    def slow_memberships(handler, body):
        time.sleep(2.8)
        return 200, {"object": "list", "list_metadata": {}, "data": [
            {"object": "organization_membership", "id": ALICE_OM,
             "user_id": workos.user["id"], "organization_id": "org_01ACME",
             "status": "active"}]}
    workos.routes[("GET", MEMBERSHIPS)] = slow_memberships
    workos.fga.mode = "slow"
    workos.fga.delay = 2.8
    h = start(servers, workos, server_extra="WorkOSHTTPTimeout 3\n")
    t = token(workos)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(lambda p: get(h, p, t).status_code,
                              ["/private/projects/web/a.css",
                               "/private/projects/web/b.css"]))
    assert codes == [200, 200]
    assert checks(workos) == 1


def test_a_non_member_is_looked_up_once(servers, workos):
    model(workos)
    h = start(servers, workos)
    t = token(workos, org_id="org_01GONE")
    for path in ("/private/projects/web", "/private/projects/api"):
        assert get(h, path, t).status_code == 403
    assert workos.count(MEMBERSHIPS) == 1


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_a_page_of_40_assets_makes_one_call(servers, workos, mpm):
    model(workos)
    workos.fga.mode = "slow"
    workos.fga.delay = 0.5
    h = start(servers, workos, mpm=mpm, one_process=False)
    t = token(workos)
    paths = [f"/private/projects/web/asset{i}.css" for i in range(40)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda p: get(h, p, t).status_code, paths))
    assert codes == [200] * 40
    assert checks(workos) == 1
    assert workos.count(MEMBERSHIPS) == 1


@pytest.mark.parametrize("name", [
    "role.updated", "organization_role.updated", "permission.deleted",
    "organization_membership.updated"])
def test_events_drop_decisions_at_once(servers, workos, name):
    ids = model(workos)
    h = start(servers, workos)
    t = token(workos)
    assert get(h, "/private/edit/web", t).status_code == 403
    workos.fga.assign(ALICE_OM, "workspace-admin", ids["eng"])
    assert get(h, "/private/edit/web", t).status_code == 403   # kept
    data = {"id": "x_01", "object": name.split(".")[0],
            "user_id": "user_01ALICE", "organization_id": "org_01ACME"}
    assert deliver(h, event(name, data)).status_code == 200
    assert get(h, "/private/edit/web", t).status_code == 200
    assert checks(workos) == 2


def test_without_events_a_change_is_enforced_within_the_ttl(servers,
                                                             workos):
    ids = model(workos)
    h = start(servers, workos, ttl=1)
    t = token(workos)
    assert get(h, "/private/edit/web", t).status_code == 403
    workos.fga.assign(ALICE_OM, "workspace-admin", ids["eng"])
    started = time.monotonic()
    while get(h, "/private/edit/web", t).status_code != 200:
        assert time.monotonic() - started < 3, "kept past its TTL"
    print(f"\nassignment -> enforced with WorkOSAccessCacheTTL 1: "
          f"{time.monotonic() - started:.3f} s")
    assert checks(workos) == 2


def test_ttl_zero_asks_every_time(servers, workos):
    model(workos)
    h = start(servers, workos, ttl=0)
    t = token(workos)
    for _ in range(3):
        assert get(h, "/private/projects/web", t).status_code == 200
    assert checks(workos) == 3


def test_status_counts_access_checks(servers, workos):
    model(workos)
    h = start(servers, workos)
    t = token(workos)
    get(h, "/private/projects/web", t)
    get(h, "/private/projects/web", t)
    get(h, "/private/projects/api", t)
    workos.fga.mode = "down"
    get(h, "/private/edit/web", t)
    s = h.get("/workos-status", headers={"Accept": "application/json"}).json()
    assert s["access_checks_cached"] == 1
    assert s["access_checks_asked"] == 3
    assert s["access_checks_denied"] == 1
    assert s["access_checks_failed"] == 1
    prom = h.get("/workos-status?format=prometheus").text
    assert 'workos_access_checks_total{result="asked"} 3' in prom


@pytest.mark.parametrize("words", ["project:view", "a b c d",
                                   "p project " + "x" * 129,
                                   "p 'two words'"])
def test_wrong_number_of_words_fails_configtest(workos, words):
    h = Httpd(workos, locations=LOCATIONS + f"""
<Location /private/x>
    AuthType WorkOS
    Require workos-access {words}
</Location>
""")
    try:
        r = h.configtest()
    finally:
        h.cleanup()
    assert r.returncode != 0
    assert "workos-access" in r.stderr


# ---- a fleet: two hosts sharing redis -----------------------------------

@pytest.fixture
def redis():
    server = CacheServer("redis").start()
    yield server
    server.cleanup()


def test_fleet_shares_decisions_and_events_drop_them(servers, workos,
                                                     redis):
    ids = model(workos)
    a, b = [start(servers, workos, server_extra=redis.server_extra(),
                  modules=[redis.module]) for _ in range(2)]
    t = token(workos)
    assert get(a, "/private/edit/web", t).status_code == 403
    assert get(b, "/private/edit/web", t).status_code == 403
    assert checks(workos) == 1            # b took a's decision
    assert workos.count(MEMBERSHIPS) == 1
    workos.fga.assign(ALICE_OM, "workspace-admin", ids["eng"])
    assert deliver(a, event("role.updated", {"id": "role_01",
                                             "object": "role"})
                   ).status_code == 200
    started = time.monotonic()
    while get(b, "/private/edit/web", t).status_code != 200:
        assert time.monotonic() - started < 5, "not dropped on b in 5 s"
    delay = time.monotonic() - started
    assert get(a, "/private/edit/web", t).status_code == 200
    assert checks(workos) == 2
    print(f"\nrole.updated on host a -> new decision on host b: "
          f"{delay:.3f} s")


def two_hosts(servers, workos, redis, ttls=(None, None)):
    return [start(servers, workos, ttl=ttl,
                  server_extra=redis.server_extra(), modules=[redis.module])
            for ttl in ttls]


def test_a_drop_on_one_host_reaches_a_host_with_a_generation_of_its_own(
        servers, workos, redis):
    """b moved its own generation on (an event it applied); a later drop
    on a must still reach b: the generation is the larger of the host's
    and the fleet's."""
    ids = model(workos)
    workos.fga.assign(ALICE_OM, "workspace-admin", ids["eng"])
    a, b = two_hosts(servers, workos, redis)
    t = token(workos)
    assert deliver(b, event("role.updated", {"id": "role_01",
                                             "object": "role"})
                   ).status_code == 200
    assert get(b, "/private/edit/web", t).status_code == 200
    assert get(b, "/private/edit/web", t).status_code == 200   # kept
    workos.fga.unassign(ALICE_OM, "workspace-admin", ids["eng"])
    assert deliver(a, event("role.updated", {"id": "role_02",
                                             "object": "role"})
                   ).status_code == 200
    started = time.monotonic()
    while get(b, "/private/edit/web", t).status_code != 403:
        assert time.monotonic() - started < 5, "b still grants after 5 s"
    assert get(a, "/private/edit/web", t).status_code == 403


def test_a_republished_generation_never_goes_back(servers, workos, redis):
    """b moves its generation on while the cache server is away and
    publishes it once the server is back; a, meanwhile, moved the fleet's
    on further. b's older value must not replace a's: b then drops what it
    kept under its own."""
    ids = model(workos)
    workos.fga.assign(ALICE_OM, "workspace-admin", ids["eng"])
    b, = two_hosts(servers, workos, redis, ttls=(3600,))
    b.allowed_errors += [r"\[socache_redis:", "WOS0010[78]", "WOS02002",
                         "WOS05420"]
    t = token(workos)
    assert get(b, "/private/projects/web", t).status_code == 200
    redis.stop()
    assert deliver(b, event("role.updated", {"id": "role_01",
                                             "object": "role"})
                   ).status_code == 200
    assert get(b, "/private/edit/web", t).status_code == 200  # kept, 1 h
    workos.fga.unassign(ALICE_OM, "workspace-admin", ids["eng"])
    redis.start()
    a, = two_hosts(servers, workos, redis, ttls=(None,))
    assert deliver(a, event("role.updated", {"id": "role_02",
                                             "object": "role"})
                   ).status_code == 200
    assert get(a, "/private/edit/web", t).status_code == 403
    started = time.monotonic()
    while "WOS02005" not in b.log_text():
        get(b, "/private/projects/web", t)
        assert time.monotonic() - started < 40, "b never published"
    published = time.monotonic()
    while get(b, "/private/edit/web", t).status_code != 403:
        assert time.monotonic() - published < 3, "b went back to its own"


def redis_acc_keys(redis):
    return [k for k in redis_command(redis.port, "KEYS", "*")
            if b"wos:acc:".hex().encode() in k]


def test_a_shared_decision_is_kept_no_longer_than_the_readers_ttl(
        servers, workos, redis):
    """a keeps decisions an hour, b one second: b takes a's decision but
    looks at the shared cache again after its own TTL."""
    ids = model(workos)
    a, b = two_hosts(servers, workos, redis, ttls=(3600, 1))
    t = token(workos)
    assert get(a, "/private/edit/web", t).status_code == 403
    assert get(b, "/private/edit/web", t).status_code == 403
    assert checks(workos) == 1                  # b took a's decision
    workos.fga.assign(ALICE_OM, "workspace-admin", ids["eng"])
    keys = redis_acc_keys(redis)
    assert keys
    for k in keys:
        redis_command(redis.port, "DEL", k)
    started = time.monotonic()
    while get(b, "/private/edit/web", t).status_code != 200:
        assert time.monotonic() - started < 4, "b kept a's hour"


def test_the_shared_cache_shows_no_membership(servers, workos, redis):
    """A reader of redis learns no membership id from the entries."""
    model(workos)
    a, = two_hosts(servers, workos, redis, ttls=(None,))
    assert get(a, "/private/projects/web", token(workos)).status_code == 200
    keys = redis_command(redis.port, "KEYS", "*")
    assert any(b"wos:acc-om:".hex().encode() in k for k in keys)
    for k in keys:
        assert ALICE_OM.encode() not in redis_command(redis.port, "GET", k)


@pytest.mark.parametrize("kind", ["redis", "memcache"])
def test_a_failure_on_one_host_is_not_another_hosts(servers, workos, kind):
    """WorkOS not answering a is a's own: b, right after, asks itself."""
    model(workos)
    server = CacheServer(kind).start()
    try:
        failure_then_b(servers, workos, server)
    finally:
        server.cleanup()


def failure_then_b(servers, workos, server):
    a, b = two_hosts(servers, workos, server)
    t = token(workos)
    workos.fga.mode = "down"
    assert get(a, "/private/projects/web", t).status_code == 503
    workos.fga.mode = "ok"
    assert get(b, "/private/projects/web", t).status_code == 200


@pytest.mark.parametrize("ttl,ok", [("3600", True), ("3601", False),
                                    ("31622400", False)])
def test_access_cache_ttl_is_at_most_an_hour(workos, ttl, ok):
    h = Httpd(workos, locations=ACCESS,
              server_extra=f"WorkOSAccessCacheTTL {ttl}\n")
    try:
        r = h.configtest()
    finally:
        h.cleanup()
    assert (r.returncode == 0) == ok, r.stderr
    if not ok:
        assert "WorkOSAccessCacheTTL" in r.stderr


# ---- the request matches WorkOS's SDK and API description ---------------

SPEC = sealer.INTEROP / "node_modules" / "@workos" / "openapi-spec" \
    / "open-api-spec.yaml"


def sdk_check(workos, **opts):
    out = subprocess.run(["node", "access.mjs", workos.base,
                          json.dumps(opts)], cwd=sealer.INTEROP,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def bodies(workos):
    with workos.lock:
        return [(p, b) for m, p, _, b in workos.requests if p == CHECK]


@pytest.mark.parametrize("by", ["external_id", "resource_id"])
def test_request_matches_the_sdk_and_the_api_description(servers, workos,
                                                         by):
    ids = model(workos)
    h = start(servers, workos)
    path = "/private/projects/web" if by == "external_id" \
        else f"/private/res/{ids['web']}"
    assert get(h, path, token(workos)).status_code == 200
    opts = {"organizationMembershipId": ALICE_OM,
            "permissionSlug": "project:view"}
    if by == "external_id":
        opts.update(resourceExternalId="web", resourceTypeSlug="project")
    else:
        opts.update(resourceId=ids["web"])
    assert sdk_check(workos, **opts) == {"authorized": True}
    (mod_path, mod_body), (sdk_path, sdk_body) = bodies(workos)
    assert mod_path == sdk_path
    assert mod_body == sdk_body
    doc = yaml.safe_load(SPEC.read_text())
    schema = dict(doc["components"]["schemas"]["CheckAuthorizationDto"],
                  components=doc["components"])
    jsonschema.validate(json.loads(mod_body), schema)
    # and a body of the wrong shape is not valid, so the check means it
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"permission_slug": "p", "resource_id": "r",
                             "resource_type_slug": "t"}, schema)
