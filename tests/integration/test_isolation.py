# SPDX-License-Identifier: Apache-2.0
"""Virtual hosts are isolated (issue 12.1): nothing one virtual host
verified, validated, counted or revoked reaches another through a cache,
except revocations between virtual hosts of the same WorkOS environment.

Three name-based virtual hosts on one port, multi-process:
  a.test   environment A (the `workos` fixture), cookie password PASSWORD
  a2.test  environment A too, with its own cookie password
  b.test   environment B (a second fake WorkOS, another client id, JWKS
           and cookie password)
Requests that must see the same process share one keep-alive connection.
"""
import time

import pytest
import requests

import sealer
import tokens
from conftest import signing_key
from fake_workos import FakeWorkOS
from harness import PASSWORD
from services import CacheServer
from test_apikey import FakeKeys, KEY_LOCS, key_header, new_key
from test_authn import bearer, cookie_header, session, token
from test_webhook import event, sign

B_CLIENT = "client_01OTHERENV"
PW_A2 = "a2-cookie-password-0123456789-abcdefghijkl"
PW_B = "b-cookie-password-0123456789-abcdefghijklm"


@pytest.fixture
def env_b():
    fake = FakeWorkOS(B_CLIENT)
    fake.keys = [signing_key("key_B")]
    fake.start()
    yield fake
    fake.stop()


def vhosts(b):
    # the first is the default: health checks land there
    return f"""
<VirtualHost *:*>
    ServerName a.test
</VirtualHost>
<VirtualHost *:*>
    ServerName a2.test
    WorkOSCookiePassword {PW_A2}
</VirtualHost>
<VirtualHost *:*>
    ServerName b.test
    WorkOSClientID {B_CLIENT}
    WorkOSAPIBaseURL {b.base}
    WorkOSCookiePassword {PW_B}
</VirtualHost>
"""


def start(servers, env_b, mpm, extra=""):
    servers.secrets += [PW_A2, PW_B]
    return servers.start(mpm=mpm, one_process=False,
                         server_extra=vhosts(env_b) + extra,
                         locations=KEY_LOCS)


def host(name, headers=None):
    return {**(headers or {}), "Host": name}


def b_token(env_b, **claims):
    return tokens.mint(signing_key("key_B"), tokens.claims(
        f"{env_b.base}/user_management/{B_CLIENT}", **claims))


class Client:
    """One keep-alive connection: every request reaches the same child."""

    def __init__(self, httpd):
        self.httpd = httpd
        self.s = requests.Session()

    def get(self, name, path, headers=None):
        return self.s.get(self.httpd.base + path,
                          headers=host(name, headers),
                          allow_redirects=False, timeout=20)

    def close(self):
        self.s.close()


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_credential_refused_by_b_stays_refused_after_a_accepted(
        servers, workos, env_b, mpm):
    httpd = start(servers, env_b, mpm)
    t = token(workos)
    a_cookie = sealer.c_seal(PASSWORD, session(workos, token(workos)))
    c = Client(httpd)
    try:
        for _ in range(3):
            assert c.get("a.test", "/api", bearer(t)).status_code == 200
            assert c.get("a.test", "/private",
                         cookie_header(a_cookie)).status_code == 200
            # same connection, so the same process and its cache
            assert c.get("b.test", "/api", bearer(t)).status_code == 401
            r = c.get("b.test", "/private", cookie_header(a_cookie))
            assert r.status_code == 401, r.text
            # same environment, other cookie password: not its cookie
            assert c.get("a2.test", "/private",
                         cookie_header(a_cookie)).status_code == 401
            # while a bearer token of its environment is
            assert c.get("a2.test", "/api", bearer(t)).status_code == 200
        # B's own credentials work at B, and A refuses them
        bt = b_token(env_b, sid="session_B1")
        b_cookie = sealer.c_seal(PW_B, session(workos, bt))
        r = c.get("b.test", "/private", cookie_header(b_cookie))
        assert r.status_code == 200, r.text
        assert c.get("b.test", "/api", bearer(bt)).status_code == 200
        assert c.get("a.test", "/api", bearer(bt)).status_code == 401
        assert c.get("a.test", "/private",
                     cookie_header(b_cookie)).status_code == 401
    finally:
        c.close()


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_api_key_answers_and_failures_stay_in_their_environment(
        servers, workos, env_b, mpm):
    keys_a, keys_b = FakeKeys(workos), FakeKeys(env_b)
    only_a = servers.remember_secret(keys_a.add(
        "api_key_01A", {"type": "organization", "id": "org_01ACME"},
        ["posts:read"]))
    httpd = start(servers, env_b, mpm,
                  extra="WorkOSAPIKeyFailureLimit 2 60")
    c = Client(httpd)
    try:
        # valid for A: not for B, once A's answer is in the cache
        assert c.get("a.test", "/private/k/x",
                     key_header(only_a)).status_code == 200
        assert c.get("b.test", "/private/k/x",
                     key_header(only_a)).status_code == 401
        # B said "invalid" first: A's own answer still counts at A
        later_a = servers.remember_secret(new_key())
        assert c.get("b.test", "/private/k/x",
                     key_header(later_a)).status_code == 401
        keys_a.live[later_a] = dict(keys_a.live[only_a], id="api_key_01A2")
        r = c.get("a.test", "/private/k/x", key_header(later_a))
        assert r.status_code == 200, r.text
        assert r.json()["WORKOS_API_KEY_ID"] == "api_key_01A2"
        # B's failures (its budget is 2) do not count at A
        assert c.get("b.test", "/private/k/x", key_header(
            servers.remember_secret(new_key()))).status_code == 429
        assert c.get("a.test", "/private/k/x", key_header(
            servers.remember_secret(new_key()))).status_code == 401
        assert c.get("a.test", "/private/k/x",
                     key_header(only_a)).status_code == 200
    finally:
        c.close()
    assert not keys_a.bad_requests and not keys_b.bad_requests


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_revocations_stay_in_their_environment(servers, workos, env_b, mpm):
    httpd = start(servers, env_b, mpm)
    # the same session and user ids in both environments
    a_tok = token(workos, sid="session_SAME")
    a2_cookie = sealer.c_seal(PW_A2, session(workos, a_tok))
    b_tok = b_token(env_b, sid="session_SAME")
    b_user = b_token(env_b, sid="session_B2")
    c = Client(httpd)
    try:
        for name, path, h in (("a.test", "/api", bearer(a_tok)),
                              ("a2.test", "/private",
                               cookie_header(a2_cookie)),
                              ("b.test", "/api", bearer(b_tok)),
                              ("b.test", "/api", bearer(b_user))):
            assert c.get(name, path, h).status_code == 200, name
        # A's webhook revokes the session and deletes the user
        for name, data, eid in (("session.revoked", {"id": "session_SAME"},
                                 "event_I1"),
                                ("user.deleted", {"id": "user_01ALICE"},
                                 "event_I2")):
            r = requests.post(httpd.base + "/webhook",
                              data=event(name, data, eid=eid),
                              headers={"Host": "a.test",
                                       "Content-Type": "application/json",
                                       "WorkOS-Signature": sign(
                                           event(name, data, eid=eid))},
                              timeout=20)
            assert r.status_code == 200
        # denied at A and at A's other virtual host, at once, every process
        for _ in range(8):
            assert httpd.get("/api", headers=host(
                "a.test", bearer(a_tok))).status_code == 401
            assert httpd.get("/private", headers=host(
                "a2.test", cookie_header(a2_cookie))).status_code == 401
            # B's users, same ids, another environment: untouched
            assert httpd.get("/api", headers=host(
                "b.test", bearer(b_tok))).status_code == 200
            assert httpd.get("/api", headers=host(
                "b.test", bearer(b_user))).status_code == 200
        assert c.get("b.test", "/api", bearer(b_tok)).status_code == 200
    finally:
        c.close()


@pytest.fixture
def redis():
    server = CacheServer("redis").start()
    yield server
    server.cleanup()


def test_revocations_in_a_network_cache_stay_in_their_environment(
        servers, workos, env_b, redis):
    # two hosts sharing redis, each with both environments' virtual hosts:
    # a revocation one host's A receives reaches the other host's A only
    hosts = [servers.start(mpm="event", one_process=False,
                           server_extra=redis.server_extra() + vhosts(env_b),
                           modules=[redis.module], locations=KEY_LOCS)
             for _ in range(2)]
    servers.secrets += [PW_A2, PW_B]
    a_tok = token(workos, sid="session_NET")
    b_tok = b_token(env_b, sid="session_NET")
    for h in hosts:
        assert h.get("/api", headers=host("a.test", bearer(a_tok))
                     ).status_code == 200
        assert h.get("/api", headers=host("b.test", bearer(b_tok))
                     ).status_code == 200
    body = event("session.revoked", {"id": "session_NET"}, eid="event_N1")
    r = requests.post(hosts[0].base + "/webhook", data=body,
                      headers={"Host": "a.test",
                               "WorkOS-Signature": sign(body),
                               "Content-Type": "application/json"},
                      timeout=20)
    assert r.status_code == 200
    # each process of the other host sees it within its poll interval
    deadline = time.monotonic() + 5
    for h in hosts:
        for name in ("a.test", "a2.test"):
            while h.get("/api", headers=host(name, bearer(a_tok))
                        ).status_code != 401:
                assert time.monotonic() < deadline, f"not revoked: {name}"
                time.sleep(0.1)   # polling for the revocation to arrive
    for h in hosts:
        for _ in range(8):
            assert h.get("/api", headers=host("b.test", bearer(b_tok))
                         ).status_code == 200
