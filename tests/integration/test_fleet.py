# SPDX-License-Identifier: Apache-2.0
"""Several Apache hosts sharing one cache server (issue 4): real redis and
memcached, two httpd instances with separate configs."""
import concurrent.futures
import os
import pathlib
import time

import pytest

from services import CacheServer
from test_authn import bearer, token
from test_lifecycle import cookie_value, session_cookie
from test_webhook import deliver, event
import sealer


@pytest.fixture(params=["redis", "memcache"])
def cache_server(request):
    server = CacheServer(request.param).start()
    yield server
    server.cleanup()


def two_hosts(servers, cache, **kw):
    return [servers.start(server_extra=cache.server_extra(),
                          modules=[cache.module], **kw) for _ in range(2)]


def test_one_jwks_fetch_for_both_hosts(servers, workos, cache_server):
    a, b = two_hosts(servers, cache_server)
    t = token(workos)
    assert a.get("/api", headers=bearer(t)).status_code == 200
    assert b.get("/api", headers=bearer(t)).status_code == 200
    assert workos.count(workos.jwks_path) == 1


def test_refresh_single_flight_across_hosts(servers, workos, cache_server):
    a, b = two_hosts(servers, cache_server, mpm="prefork", one_process=False)
    _, cookie = session_cookie(workos, expired=True)
    workos.auth_mode = "slow"
    workos.delay = 0.5
    hosts = [a, b] * 8

    def hit(h):
        r = h.get("/private", headers={"Cookie": f"wos-session={cookie}"})
        return r.status_code, cookie_value(r, "wos-session")

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(hit, hosts))
    assert [c for c, _ in results] == [200] * len(hosts)
    cookies = {c for _, c in results}
    sealer.ISSUED.extend(c for c in cookies if c)
    assert None not in cookies
    assert workos.count("/user_management/authenticate") == 1


def test_revocation_reaches_the_other_host(servers, workos, cache_server):
    a, b = two_hosts(servers, cache_server)
    t = token(workos, sid="session_FLEET")
    assert a.get("/api", headers=bearer(t)).status_code == 200
    assert b.get("/api", headers=bearer(t)).status_code == 200
    assert deliver(a, event("session.revoked",
                            {"id": "session_FLEET"})).status_code == 200
    started = time.monotonic()
    while b.get("/api", headers=bearer(t)).status_code != 401:
        assert time.monotonic() - started < 5, "not revoked on host b in 5 s"
    delay = time.monotonic() - started
    assert a.get("/api", headers=bearer(t)).status_code == 401
    print(f"revocation delay on the other host: {delay:.3f} s")


def test_cache_server_down_degrades_and_recovers(servers, workos,
                                                 cache_server):
    a, b = two_hosts(servers, cache_server)
    for h in (a, b):
        # the provider's own complaints while its server is away
        h.allowed_errors += [r"\[socache_(redis|memcache):", "WOS0010[78]"]
    t = token(workos)
    assert a.get("/api", headers=bearer(t)).status_code == 200
    cache_server.stop()
    started = time.monotonic()
    codes = [h.get("/api", headers=bearer(t)).status_code
             for h in (a, b) for _ in range(10)]
    assert codes == [200] * 20
    assert time.monotonic() - started < 10   # no hang
    # a key rotation during the outage is fetched per host
    from conftest import signing_key
    workos.keys = [signing_key("key_1"), signing_key("key_2")]
    t2 = token(workos, key="key_2")
    assert a.get("/api", headers=bearer(t2)).status_code == 200
    assert b.get("/api", headers=bearer(t2)).status_code == 200
    assert "is unreachable" in a.log_text() + b.log_text()
    # The cache comes back on the same port. Each host's client retries a
    # server it marked dead on its own schedule; until then revocations
    # stay on the host that took them. Recovery = a revocation taken by
    # host a is enforced by host b.
    cache_server.start()
    back = time.monotonic()
    for i in range(100):
        t3 = token(workos, sid=f"session_BACK{i}")
        assert b.get("/api", headers=bearer(t3)).status_code == 200
        assert deliver(a, event("session.revoked",
                                {"id": f"session_BACK{i}"})).status_code == 200
        seen = time.monotonic()
        while time.monotonic() - seen < 2:
            if b.get("/api", headers=bearer(t3)).status_code == 401:
                break
        else:
            assert time.monotonic() - back < 30, "never recovered"
            continue
        break
    print(f"shared revocations again {time.monotonic() - back:.1f} s after "
          f"the cache server returned")


def test_new_processes_have_keys_while_cache_and_workos_are_away(
        servers, workos, cache_server):
    """The soak's double fault: the cache server is away and WorkOS fails
    when httpd starts new processes (a graceful restart, or prefork
    spawning under load). They have no keys of their own; the host's own
    tier still has the keys a process fetched before, so signed-in users
    are served, not 503."""
    h = servers.start(mpm="prefork", one_process=False,
                      server_extra=cache_server.server_extra(),
                      modules=[cache_server.module])
    h.allowed_errors += [r"\[socache_(redis|memcache):", "WOS0010[78]"]
    assert h.get("/api", headers=bearer(token(workos))).status_code == 200
    cache_server.stop()
    workos.jwks_mode = "down"
    h.graceful_restart()
    codes = [h.get("/api", headers=bearer(token(workos, sid=f"session_N{i}")))
             .status_code for i in range(8)]
    assert codes == [200] * 8
    assert workos.count(workos.jwks_path) == 1


def test_sessions_list_and_revoke_own(servers, workos, cache_server):
    a, b = two_hosts(servers, cache_server)
    _, mine = session_cookie(workos)
    _, other_mine = session_cookie(workos)
    ck = {"Cookie": f"wos-session={mine}"}
    listing = a.get("/sessions", headers=ck)
    assert listing.status_code == 200
    data = listing.json()
    ids = [s["id"] for s in data["data"]]
    assert len(ids) == 2 and data["current_session_id"] in ids
    target = next(i for i in ids if i != data["current_session_id"])
    r = a.session_post = __import__("requests").post(
        a.base + "/sessions", data={"session_id": target}, headers=ck,
        timeout=20)
    assert r.status_code == 200
    assert workos.revoked == [target]
    # denied on the other host at once (it was recorded, not just sent)
    other = {"Cookie": f"wos-session={other_mine}"}
    deadline = time.monotonic() + 5
    while b.get("/private", headers=other).status_code != 401:
        assert time.monotonic() < deadline
    assert a.get("/private", headers=ck).status_code == 200


def _cache_connections(port):
    """Socket inodes of established TCP connections to 127.0.0.1:port."""
    inodes = set()
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        f = line.split()
        remote, state, inode = f[2], f[3], f[9]
        if state == "01" and int(remote.split(":")[1], 16) == port:
            inodes.add(inode)
    return inodes


def _socket_inodes(pid):
    out = set()
    try:
        fds = list(pathlib.Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return out
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(target[8:-1])
    return out


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_parent_never_holds_a_cache_connection(servers, workos, cache_server,
                                               mpm):
    """A connection the parent opens to redis/memcache is inherited by
    every child it forks: answers then reach the wrong process (one user
    could get another's data). The parent must never talk to it, also when
    a graceful restart carries the signing keys over."""
    h = servers.start(server_extra=cache_server.server_extra(),
                      modules=[cache_server.module], mpm=mpm,
                      one_process=False)
    t = token(workos)
    for _ in range(3):
        h.graceful_restart()
        for _ in range(20):
            assert h.get("/api", headers=bearer(t)).status_code == 200
        parent = _socket_inodes(h.proc.pid)
        assert not parent & _cache_connections(cache_server.port)
        owners = {}
        for pid in h.children():
            for inode in _socket_inodes(pid) & _cache_connections(
                    cache_server.port):
                owners.setdefault(inode, set()).add(pid)
        assert all(len(pids) == 1 for pids in owners.values()), owners
