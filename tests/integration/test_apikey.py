# SPDX-License-Identifier: Apache-2.0
"""WorkOS API keys as bearer credentials: validated with WorkOS, cached
under a hash of the key, failures counted per client address (issue 8)."""
import concurrent.futures
import json
import secrets
import threading
import time

import pytest
import requests

from harness import API_KEY, LOCATIONS
from services import CacheServer
from test_authn import bearer, token
from test_webhook import deliver, event

VALIDATIONS = "/api_keys/validations"

# Sub-locations of /private, which the env CGI serves (harness.PROTECTED);
# each replaces /private's Require line with its own.
KEY_LOCATIONS = """
<Location /private/k>
    WorkOSTokenSource apikey
</Location>
<Location /private/k/write>
    Require workos-permission posts:write
</Location>
<Location /private/k/delete>
    Require workos-permission posts:delete "billing:manage"
</Location>
<Location /private/k/acme>
    Require workos-org org_01ACME
</Location>
<Location /private/k/other>
    Require workos-org org_01OTHER
</Location>
<Location /private/k/role>
    Require workos-role admin member
</Location>
<Location /private/k/both>
    WorkOSTokenSource bearer apikey
</Location>
<Location /kload.txt>
    AuthType WorkOS
    WorkOSTokenSource apikey
    Require workos-permission posts:read
</Location>
"""
KEY_LOCS = LOCATIONS + KEY_LOCATIONS

ORG_KEY_ID = "api_key_01ORGKEY"
USER_KEY_ID = "api_key_01USERKEY"

# Expected error lines when WorkOS is made to fail on purpose.
DOWN_ERRORS = [r"WOS00801", r"WOS00303"]


def new_key():
    return "sk_test_" + secrets.token_urlsafe(24)


class FakeKeys:
    """The validation endpoint of the fake WorkOS: checks how it is asked,
    answers from its table of live keys, and can fail on demand."""

    def __init__(self, workos):
        self.live = {}          # value -> api_key object
        self.mode = "ok"        # ok | down | garbage | slow
        self.delay = 0.0
        self.bad_requests = []  # what was wrong with a request, if anything
        self.lock = threading.Lock()
        workos.routes[("POST", VALIDATIONS)] = self.answer

    def add(self, key_id, owner, permissions):
        value = new_key()
        self.live[value] = {"object": "api_key", "id": key_id,
                            "owner": owner, "name": key_id,
                            "obfuscated_value": "sk_..." + value[-4:],
                            "permissions": permissions,
                            "created_at": "2026-01-01T00:00:00.000Z",
                            "updated_at": "2026-01-01T00:00:00.000Z",
                            "last_used_at": None}
        return value

    def revoke(self, value):
        self.live.pop(value)

    def _problem(self, handler, body):
        if handler.headers.get("Authorization") != f"Bearer {API_KEY}":
            return "not authorised with WorkOSAPIKey"
        if handler.headers.get("Content-Type", "").split(";")[0] \
                != "application/json":
            return "not JSON"
        try:
            req = json.loads(body)
        except ValueError:
            return "bad JSON"
        if set(req) != {"value"} or not isinstance(req["value"], str):
            return f"unexpected body fields {sorted(req)}"
        return None

    def answer(self, handler, body):
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "down":
            return 500, {"message": "down"}
        if self.mode == "garbage":
            return 200, b"<html>not json</html>"
        problem = self._problem(handler, body)
        if problem:
            with self.lock:
                self.bad_requests.append(problem)
            return 401, {"message": problem}
        return 200, {"api_key": self.live.get(json.loads(body)["value"])}


@pytest.fixture
def keys(workos, servers):
    k = FakeKeys(workos)
    k.org_key = servers.remember_secret(k.add(
        ORG_KEY_ID, {"type": "organization", "id": "org_01ACME"},
        ["posts:read", "posts:write"]))
    k.user_key = servers.remember_secret(k.add(
        USER_KEY_ID, {"type": "user", "id": "user_01BOB",
                      "organization_id": "org_01OTHER"},
        ["posts:read"]))
    yield k
    assert not k.bad_requests


def start(servers, **kw):
    return servers.start(locations=KEY_LOCS, **kw)


def key_header(value):
    return {"Authorization": f"Bearer {value}"}


def validations(workos):
    return workos.count(VALIDATIONS)


def assert_not_logged(httpd, *values):
    text = httpd.log_text()
    for v in values:
        assert v not in text
        assert v[len("sk_test_"):][:12] not in text  # nor a telling part


# --- who a key is ---------------------------------------------------------

def test_org_key_sets_user_and_env(servers, workos, keys):
    httpd = start(servers)
    r = httpd.get("/private/k/any", headers=key_header(keys.org_key))
    assert r.status_code == 200, r.text
    env = r.json()
    assert env["REMOTE_USER"] == ORG_KEY_ID
    assert env["AUTH_TYPE"] == "WorkOS"
    assert env["WORKOS_USER_ID"] == ORG_KEY_ID
    assert env["WORKOS_API_KEY_ID"] == ORG_KEY_ID
    assert env["WORKOS_ORG_ID"] == "org_01ACME"
    assert env["WORKOS_PERMISSIONS"] == "posts:read,posts:write"
    for absent in ("WORKOS_ROLE", "WORKOS_ROLES", "WORKOS_SESSION_ID",
                   "WORKOS_ENTITLEMENTS", "WORKOS_FEATURE_FLAGS"):
        assert absent not in env
    # how WorkOS was asked: our key as the bearer, the value as JSON
    (_, path, headers, body), = [q for q in workos.requests
                                 if q[1] == VALIDATIONS]
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert json.loads(body) == {"value": keys.org_key}
    assert_not_logged(httpd, keys.org_key)


def test_user_key_takes_its_organisation(servers, keys):
    httpd = start(servers)
    env = httpd.get("/private/k/any", headers=key_header(keys.user_key)).json()
    assert env["REMOTE_USER"] == USER_KEY_ID
    assert env["WORKOS_API_KEY_ID"] == USER_KEY_ID
    assert env["WORKOS_ORG_ID"] == "org_01OTHER"
    assert env["WORKOS_PERMISSIONS"] == "posts:read"


def test_key_with_pass_headers(servers, keys):
    loc = KEY_LOCS + """
<Location /private/k/headers>
    WorkOSPassHeaders On
</Location>"""
    httpd = servers.start(locations=loc)
    env = httpd.get("/private/k/headers",
                    headers={**key_header(keys.org_key),
                             "X-WorkOS-Org-Id": "org_FORGED"}).json()
    assert env["HTTP_X_WORKOS_API_KEY_ID"] == ORG_KEY_ID
    assert env["HTTP_X_WORKOS_ORG_ID"] == "org_01ACME"


def test_unknown_key_is_401(servers, workos, keys):
    httpd = start(servers)
    bad = servers.remember_secret(new_key())
    r = httpd.get("/private/k/any", headers=key_header(bad))
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    assert "Location" not in r.headers  # an API client is never redirected
    assert validations(workos) == 1
    assert_not_logged(httpd, bad)


def test_revoked_key_stops_working_after_the_ttl(servers, workos, keys):
    httpd = start(servers, server_extra="WorkOSAPIKeyCacheTTL 1")
    assert httpd.get("/private/k/any",
                     headers=key_header(keys.org_key)).status_code == 200
    keys.revoke(keys.org_key)
    deadline = time.monotonic() + 5
    while True:
        status = httpd.get("/private/k/any",
                           headers=key_header(keys.org_key)).status_code
        if status != 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)  # polling for the TTL to pass, not synchronising
    assert status == 401
    assert validations(workos) == 2


def test_sources_without_apikey_ignore_keys(servers, workos, keys):
    httpd = start(servers)
    # /api takes JWT bearer tokens only: a key is no credential there
    r = httpd.get("/api", headers=key_header(keys.org_key))
    assert r.status_code == 401
    assert validations(workos) == 0


# --- Require lines ---------------------------------------------------------

@pytest.mark.parametrize("path,org_key,user_key", [
    ("/private/k/write", 200, 403),    # posts:write: only the org key
    ("/private/k/delete", 403, 403),   # neither key has these
    ("/private/k/acme", 200, 403),
    ("/private/k/other", 403, 200),
    ("/private/k/role", 403, 403),     # keys carry no roles
])
def test_require_lines_apply_to_keys(servers, keys, path, org_key, user_key):
    httpd = start(servers)
    assert httpd.get(path, headers=key_header(keys.org_key)).status_code \
        == org_key
    assert httpd.get(path, headers=key_header(keys.user_key)).status_code \
        == user_key


# --- the cache -------------------------------------------------------------

def test_valid_key_is_validated_once(servers, workos, keys):
    httpd = start(servers)
    for _ in range(20):
        assert httpd.get("/private/k/any",
                         headers=key_header(keys.org_key)).status_code == 200
    assert validations(workos) == 1


def test_invalid_key_is_remembered(servers, workos, keys):
    httpd = start(servers)
    bad = servers.remember_secret(new_key())
    for _ in range(5):
        assert httpd.get("/private/k/any",
                         headers=key_header(bad)).status_code == 401
    assert validations(workos) == 1


def test_invalid_key_is_remembered_for_less_than_a_valid_one(servers,
                                                             workos, keys):
    # WorkOSAPIKeyCacheTTL 60: invalid answers are kept 10 s at most, so a
    # key created a moment after a failed attempt soon works. Retrying a
    # known-bad key counts as a failure: the budget is raised for the
    # polling below.
    httpd = start(servers, server_extra="WorkOSAPIKeyFailureLimit 1000 60")
    fresh = servers.remember_secret(new_key())
    assert httpd.get("/private/k/any",
                     headers=key_header(fresh)).status_code == 401
    keys.live[fresh] = dict(keys.live[keys.org_key], id="api_key_01FRESH")
    started = time.monotonic()
    while time.monotonic() - started < 15:
        r = httpd.get("/private/k/any", headers=key_header(fresh))
        if r.status_code == 200:
            break
        time.sleep(0.5)  # polling for the negative TTL, not synchronising
    assert r.status_code == 200
    assert r.json()["REMOTE_USER"] == "api_key_01FRESH"
    assert validations(workos) >= 2


def test_cache_ttl_zero_asks_every_time(servers, workos, keys):
    httpd = start(servers, server_extra="WorkOSAPIKeyCacheTTL 0")
    for _ in range(3):
        assert httpd.get("/private/k/any",
                         headers=key_header(keys.org_key)).status_code == 200
    assert validations(workos) == 3


# --- the guard -------------------------------------------------------------

def test_guard_limits_failures_and_resets(servers, workos, keys):
    httpd = start(servers, server_extra="WorkOSAPIKeyFailureLimit 3 2")
    bad = [servers.remember_secret(new_key()) for _ in range(4)]
    for b in bad[:3]:
        assert httpd.get("/private/k/any",
                         headers=key_header(b)).status_code == 401
    assert validations(workos) == 3
    r = httpd.get("/private/k/any", headers=key_header(bad[3]))
    limited_at = time.monotonic()
    assert r.status_code == 429
    retry_after = int(r.headers["Retry-After"])
    assert 1 <= retry_after <= 2
    # limited: no call to WorkOS, and not even a valid key gets through
    # from this address, so it cannot probe the cache either
    r = httpd.get("/private/k/any", headers=key_header(keys.org_key))
    assert r.status_code == 429
    assert validations(workos) == 3
    deadline = limited_at + 6
    while time.monotonic() < deadline:
        sent = time.monotonic()
        r = httpd.get("/private/k/any", headers=key_header(keys.org_key))
        if r.status_code != 429:
            break
        time.sleep(0.1)  # polling for the window to close
    reset_after = sent - limited_at
    print(f"\nguard: 429 after 3 failures, Retry-After {retry_after} s, "
          f"reset after {reset_after:.2f} s")
    assert r.status_code == 200
    assert reset_after <= retry_after + 0.5
    assert validations(workos) == 4
    # a fresh window: failures are allowed again
    assert httpd.get("/private/k/any",
                     headers=key_header(bad[3])).status_code == 401
    assert_not_logged(httpd, *bad)


def test_guard_counts_only_failures(servers, workos, keys):
    httpd = start(servers, server_extra="WorkOSAPIKeyFailureLimit 3 60")
    bad = [servers.remember_secret(new_key()) for _ in range(4)]
    for b in bad[:2]:
        assert httpd.get("/private/k/any",
                         headers=key_header(b)).status_code == 401
    # valid keys, each validated with WorkOS, do not use up the budget
    for i in range(6):
        fresh = servers.remember_secret(keys.add(
            f"api_key_01N{i}", {"type": "organization", "id": "org_01ACME"},
            []))
        assert httpd.get("/private/k/any",
                         headers=key_header(fresh)).status_code == 200
    assert httpd.get("/private/k/any",
                     headers=key_header(bad[2])).status_code == 401
    r = httpd.get("/private/k/any", headers=key_header(bad[3]))
    assert r.status_code == 429
    assert 58 <= int(r.headers["Retry-After"]) <= 60


def test_repeating_a_cached_bad_key_counts(servers, workos, keys):
    httpd = start(servers, server_extra="WorkOSAPIKeyFailureLimit 3 60")
    bad = servers.remember_secret(new_key())
    statuses = [httpd.get("/private/k/any", headers=key_header(bad))
                .status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    assert validations(workos) == 1


def test_guard_holds_under_concurrent_guessing(servers, workos, keys):
    httpd = start(servers, mpm="event", one_process=False,
                  server_extra="WorkOSAPIKeyFailureLimit 5 60")
    keys.mode, keys.delay = "slow", 0.2
    bad = [servers.remember_secret(new_key()) for _ in range(32)]

    def guess(value):
        return httpd.get("/private/k/any",
                         headers=key_header(value)).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(guess, bad))
    assert statuses.count(401) == 5
    assert statuses.count(429) == 27
    assert validations(workos) == 5


def test_guard_is_per_address(servers, workos, keys):
    # mod_remoteip's client address is the one counted
    extra = ("LoadModule remoteip_module "
             "/usr/lib/apache2/modules/mod_remoteip.so\n"
             "RemoteIPHeader X-Forwarded-For\n"
             "RemoteIPInternalProxy 127.0.0.1\n"
             "WorkOSAPIKeyFailureLimit 2 60")
    httpd = start(servers, server_extra=extra)
    bad = servers.remember_secret(new_key())

    def get(addr):
        return httpd.get("/private/k/any",
                         headers={**key_header(bad),
                                  "X-Forwarded-For": addr}).status_code

    assert [get("203.0.113.7") for _ in range(3)] == [401, 401, 429]
    assert get("203.0.113.8") == 401
    assert "203.0.113.7" in httpd.log_text()


def test_workos_trouble_does_not_count(servers, workos, keys):
    httpd = start(servers, server_extra="WorkOSAPIKeyFailureLimit 2 60")
    httpd.allowed_errors += DOWN_ERRORS
    keys.mode = "down"
    for _ in range(4):
        assert httpd.get("/private/k/any",
                         headers=key_header(keys.org_key)).status_code == 503
    keys.mode = "ok"
    assert httpd.get("/private/k/any",
                     headers=key_header(keys.org_key)).status_code == 200


def test_key_failures_do_not_scroll_out_revocations(servers, workos, keys):
    # Failed attempts store locks, counters and negative results; in a
    # small shmcb they must not push a recorded revocation out.
    httpd = start(servers, server_extra="WorkOSAPIKeyFailureLimit 1000 60")
    kept, later = (token(workos, sid=s) for s in ("session_KEEP",
                                                  "session_LATER"))
    for t in (kept, later):
        assert httpd.get("/api", headers=bearer(t)).status_code == 200
    assert deliver(httpd, event("session.revoked", {"id": "session_KEEP"},
                                eid="event_K1")).status_code == 200
    assert httpd.get("/api", headers=bearer(kept)).status_code == 401
    for _ in range(60):
        assert httpd.get("/private/k/any", headers=key_header(
            servers.remember_secret(new_key()))).status_code == 401
    # a second revocation makes each process forget what it remembered
    # and ask the cache again
    assert deliver(httpd, event("session.revoked", {"id": "session_LATER"},
                                eid="event_K2")).status_code == 200
    deadline = time.monotonic() + 5
    while httpd.get("/api", headers=bearer(later)).status_code != 401:
        assert time.monotonic() < deadline
        time.sleep(0.1)  # polling for the revocation to be seen
    assert httpd.get("/api", headers=bearer(kept)).status_code == 401


# --- WorkOS down -----------------------------------------------------------

@pytest.mark.parametrize("mode", ["down", "garbage"])
def test_workos_down(servers, workos, keys, mode):
    httpd = start(servers)
    httpd.allowed_errors += DOWN_ERRORS
    assert httpd.get("/private/k/any",
                     headers=key_header(keys.org_key)).status_code == 200
    keys.mode = mode
    # a cached valid key keeps working
    r = httpd.get("/private/k/any", headers=key_header(keys.org_key))
    assert r.status_code == 200
    assert r.json()["WORKOS_API_KEY_ID"] == ORG_KEY_ID
    # an uncached one is 503, never an allow
    r = httpd.get("/private/k/any", headers=key_header(keys.user_key))
    assert r.status_code == 503
    assert r.headers.get("Retry-After")
    assert validations(workos) == 2
    assert "WOS00801" in httpd.log_text()
    assert_not_logged(httpd, keys.org_key, keys.user_key)


def test_cached_key_lasts_only_its_ttl_while_down(servers, workos, keys):
    httpd = start(servers, server_extra="WorkOSAPIKeyCacheTTL 1")
    httpd.allowed_errors += DOWN_ERRORS
    assert httpd.get("/private/k/any",
                     headers=key_header(keys.org_key)).status_code == 200
    keys.mode = "down"
    deadline = time.monotonic() + 5
    while True:
        status = httpd.get("/private/k/any",
                           headers=key_header(keys.org_key)).status_code
        if status != 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)  # polling for the TTL to pass
    assert status == 503


def test_workos_refusing_our_api_key_is_503(servers, workos, keys):
    httpd = start(servers)
    httpd.allowed_errors += DOWN_ERRORS
    workos.routes[("POST", VALIDATIONS)] = \
        lambda handler, body: (401, {"message": "Unauthorized"})
    r = httpd.get("/private/k/any", headers=key_header(keys.org_key))
    assert r.status_code == 503
    assert "WorkOSAPIKey" in httpd.log_text()


# --- what is never sent to WorkOS -----------------------------------------

def test_jwt_shaped_values_are_never_validated(servers, workos, keys):
    httpd = start(servers)
    r = httpd.get("/private/k/any", headers=key_header("aaaa.bbbb.cccc"))
    assert r.status_code == 401
    t = token(workos)
    assert httpd.get("/private/k/any", headers=bearer(t)).status_code == 401
    r = httpd.get("/private/k/both", headers=bearer(t))
    assert r.status_code == 200
    assert r.json()["REMOTE_USER"] == "user_01ALICE"
    # the same location takes a key too
    r = httpd.get("/private/k/both", headers=key_header(keys.org_key))
    assert r.json()["REMOTE_USER"] == ORG_KEY_ID
    assert validations(workos) == 1


@pytest.mark.parametrize("value", ["k" * 257, "sk_test_\x01abc",
                                   "sk_test_\u00e9t\u00e9"])
def test_odd_values_are_refused_without_a_call(servers, workos, keys, value):
    httpd = start(servers)
    r = requests.get(httpd.base + "/private/k/any", timeout=20,
                     headers={"Authorization":
                              f"Bearer {value}".encode("latin-1")})
    assert r.status_code in (400, 401)
    assert validations(workos) == 0


def test_longest_key_is_still_validated(servers, workos, keys):
    httpd = start(servers)
    value = servers.remember_secret("sk_" + "k" * 253)
    assert httpd.get("/private/k/any",
                     headers=key_header(value)).status_code == 401
    assert validations(workos) == 1


# --- a fleet ---------------------------------------------------------------

@pytest.fixture(params=["redis", "memcache"])
def cache_server(request):
    server = CacheServer(request.param).start()
    yield server
    server.cleanup()


def test_fleet_shares_results_and_failures(cache_server, servers, workos,
                                           keys):
    # cache_server first: it must outlive the hosts using it
    a, b = [servers.start(locations=KEY_LOCS, modules=[cache_server.module],
                          server_extra=cache_server.server_extra()
                          + "WorkOSAPIKeyFailureLimit 2 60")
            for _ in range(2)]
    assert a.get("/private/k/any",
                  headers=key_header(keys.org_key)).status_code == 200
    assert b.get("/private/k/any",
                  headers=key_header(keys.org_key)).status_code == 200
    assert validations(workos) == 1
    bad = servers.remember_secret(new_key())
    assert a.get("/private/k/any", headers=key_header(bad)).status_code == 401
    assert b.get("/private/k/any", headers=key_header(bad)).status_code == 401
    assert validations(workos) == 2
    # two failures from this address, one on each host: both now refuse it
    assert a.get("/private/k/any", headers=key_header(bad)).status_code == 429
    assert b.get("/private/k/any",
                 headers=key_header(keys.org_key)).status_code == 429


# --- load ------------------------------------------------------------------

@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_validations_per_request_under_load(servers, workos, keys, mpm):
    httpd = start(servers, mpm=mpm, one_process=False)
    (httpd.dir / "htdocs" / "kload.txt").write_text("ok\n")
    # a slow first answer makes every thread miss the cache at once
    keys.mode, keys.delay = "slow", 0.3
    total, threads = 2000, 16
    local = threading.local()

    def hit(_):
        if not hasattr(local, "s"):
            local.s = requests.Session()
        return local.s.get(httpd.base + "/kload.txt", timeout=20,
                           headers=key_header(keys.org_key)).status_code

    began = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        statuses = list(pool.map(hit, range(total)))
    took = time.monotonic() - began
    n = validations(workos)
    print(f"\n{mpm}: {total} requests from {threads} threads with one key: "
          f"{n} validation(s), {n / total:.4f} per request, "
          f"{total / took:.0f} requests/s")
    assert statuses == [200] * total
    assert n == 1
    assert_not_logged(httpd, keys.org_key)
