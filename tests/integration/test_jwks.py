# SPDX-License-Identifier: Apache-2.0
"""Signing keys: fetched once, shared, rotated, and kept through outages."""
import concurrent.futures
import time

import pytest

from conftest import signing_key
from test_authn import bearer, token


def test_one_fetch_serves_many_requests(httpd, workos):
    for _ in range(5):
        assert httpd.get("/api", headers=bearer(token(workos))).status_code == 200
    assert workos.count(workos.jwks_path) == 1


def test_key_rotation_is_picked_up_without_restart(httpd, workos):
    assert httpd.get("/api", headers=bearer(token(workos))).status_code == 200
    workos.keys = [signing_key("key_1"), signing_key("key_2")]
    r = httpd.get("/api", headers=bearer(token(workos, key="key_2")))
    assert r.status_code == 200
    assert workos.count(workos.jwks_path) == 2
    # the old key still works, with no further fetch
    assert httpd.get("/api", headers=bearer(token(workos))).status_code == 200
    assert workos.count(workos.jwks_path) == 2


def test_kid_flood_causes_at_most_one_refetch(httpd, workos):
    assert httpd.get("/api", headers=bearer(token(workos))).status_code == 200
    for i in range(200):
        t = token(workos, key="key_1", header={"kid": f"kid_flood_{i}"})
        assert httpd.get("/api", headers=bearer(t)).status_code == 401
    assert workos.count(workos.jwks_path) == 2


@pytest.mark.parametrize("kid", ["../../etc/passwd", "' OR 1=1 --",
                                 "key_1\\u0000", "%00", "*"])
def test_hostile_kid_is_just_unknown(httpd, workos, kid):
    t = token(workos, header={"kid": kid})
    assert httpd.get("/api", headers=bearer(t)).status_code == 401


def test_endpoint_down_after_first_fetch_keeps_serving(servers, workos):
    # TTL 0: every request wants fresher keys, so the outage is hit at once.
    httpd = servers.start(server_extra="WorkOSJWKSCacheTTL 0")
    httpd.allowed_errors.append(r"WOS00205: JWKS fetch .* failed: HTTP 500")
    assert httpd.get("/api", headers=bearer(token(workos))).status_code == 200
    workos.jwks_mode = "down"
    for _ in range(5):
        r = httpd.get("/api", headers=bearer(token(workos)))
        assert r.status_code == 200
    # one failed attempt, then no retry before KEYS_RETRY_INTERVAL
    assert workos.count(workos.jwks_path) == 2
    assert "JWKS fetch" in httpd.log_text()


@pytest.mark.parametrize("mode", ["down", "garbage", "truncated", "huge"])
def test_first_fetch_failing_is_503(servers, workos, mode):
    httpd = servers.start()
    httpd.allowed_errors += [r"WOS0020[15]", r"WOS00303"]
    workos.jwks_mode = mode
    r = httpd.get("/api", headers=bearer(token(workos)))
    assert r.status_code == 503
    assert r.headers.get("Retry-After")
    assert "WWW-Authenticate" not in r.headers


def test_slow_jwks_is_bounded_by_the_timeout(servers, workos):
    httpd = servers.start(server_extra="WorkOSHTTPTimeout 1")
    httpd.allowed_errors += [r"WOS00205", r"WOS00303"]
    workos.jwks_mode = "slow"
    workos.delay = 5
    started = time.monotonic()
    r = httpd.get("/api", headers=bearer(token(workos)))
    elapsed = time.monotonic() - started
    assert r.status_code == 503
    assert elapsed < 3, elapsed
    # an unprotected page still answers while the fetch is failing
    assert httpd.get("/health.txt").status_code == 200


def test_a_failed_fetch_is_shared_by_the_processes(servers, workos):
    """WorkOS does not answer the key fetch: the first process to try
    waits out WorkOSHTTPTimeout; the others, queued behind the fetch lock,
    take its failure (503 at once) instead of each calling WorkOS and
    waiting again in turn, until the retry is due."""
    httpd = servers.start(mpm="prefork", one_process=False,
                          server_extra="WorkOSHTTPTimeout 1")
    httpd.allowed_errors += [r"WOS00205", r"WOS00303"]
    workos.jwks_mode = "slow"
    workos.delay = 5
    creds = [bearer(token(workos, sid=f"session_F{i:02d}")) for i in range(8)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(
            lambda h: httpd.get("/api", headers=h).status_code, creds))
    assert codes == [503] * 8
    assert workos.count(workos.jwks_path) == 1


def test_processes_share_one_fetch(servers, workos):
    httpd = servers.start(mpm="prefork", one_process=False)
    workos.jwks_mode = "slow"
    workos.delay = 0.5   # keeps the first fetch in flight while others wait
    tok = token(workos)
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(
            lambda _: httpd.get("/api", headers=bearer(tok)).status_code,
            range(32)))
    assert codes == [200] * 32
    assert workos.count(workos.jwks_path) == 1
    pids = {httpd.get("/api", headers=bearer(tok)).json().get("REMOTE_USER")
            for _ in range(2)}
    assert pids == {"user_01ALICE"}
