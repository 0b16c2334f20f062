# SPDX-License-Identifier: Apache-2.0
"""Key changes heal themselves (issue 24 item 4): a signature that fails
under a kid the module has refetches the JWKS once (at most once per 30 s
per host) before the token is refused, so a key replaced under the same
kid (a restarted signer) works at once; a session whose access token
carries a kid WorkOS no longer publishes is refreshed with its refresh
token instead of a 503 for ever; a bearer token of such a kid is 401."""
import pytest

import sealer
import tokens
from conftest import signing_key
from services import CacheServer
from test_authn import bearer, issuer, token
from test_lifecycle import cookie_value, session_cookie, sign_in

AUTHENTICATE = "/user_management/authenticate"


def cookie(value):
    return {"Cookie": f"wos-session={value}"}


def fetches(workos):
    return workos.count(workos.jwks_path)


def no_line(h, number):
    return f"WOS{number}" not in h.log_text()


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_key_replaced_under_the_same_kid_heals_at_once(servers, workos, mpm):
    h = servers.start(mpm=mpm, one_process=False)
    _, old_session = session_cookie(workos)
    _, idle = session_cookie(workos)  # first seen after the change
    for _ in range(4):
        assert h.get("/api", headers=bearer(token(workos))).status_code == 200
        assert h.get("/private", headers=cookie(old_session)).status_code \
            == 200
    before = fetches(workos)
    # the signer restarts with a new key under the same kid
    new = tokens.SigningKey("key_1")
    workos.keys = [new]
    # a sign-in now: WorkOS's token checks out (no 502 WOS00604)
    _, r = sign_in(h)
    assert r.status_code == 200, r.text
    assert fetches(workos) == before + 1
    # bearer tokens of the new key pass on every process, without
    # another fetch: each process takes the host's refetched copy
    fresh = tokens.mint(new, tokens.claims(issuer(workos)))
    for _ in range(8):
        assert h.get("/api", headers=bearer(fresh)).status_code == 200
    # a session of the old key seen before: still verified (cached); one
    # first seen now: refreshed where the keys are the new ones (a prefork
    # child that has not needed keys since may still hold the old key
    # until WorkOSJWKSCacheTTL, and accept it), never signed out or a 503
    assert h.get("/private", headers=cookie(old_session)).status_code == 200
    refreshes = workos.count(AUTHENTICATE)
    r = h.get("/private", headers=cookie(idle))
    assert r.status_code == 200
    renewed = cookie_value(r, "wos-session")
    if renewed:
        assert renewed != idle
        sealer.ISSUED.append(renewed)
        assert workos.count(AUTHENTICATE) == refreshes + 1
        assert h.get("/private", headers=cookie(renewed)).status_code == 200
    else:
        assert workos.count(AUTHENTICATE) == refreshes
    # forged or old-key bearer tokens under the kid: 401, and no fetch
    # more within 30 s however many come
    forged = token(workos, key="key_2", header={"kid": "key_1"})
    for _ in range(16):
        assert h.get("/api", headers=bearer(forged)).status_code == 401
    assert fetches(workos) == before + 1
    assert no_line(h, "00604") and no_line(h, "00303")


def test_session_of_a_replaced_key_is_refreshed(servers, workos):
    """One process: its keys are the new ones once the sign-in rechecked,
    so a session of the old key fails its signature and is refreshed."""
    h = servers.start()
    _, idle = session_cookie(workos)
    assert h.get("/api", headers=bearer(token(workos))).status_code == 200
    new = tokens.SigningKey("key_1")
    workos.keys = [new]
    _, r = sign_in(h)
    assert r.status_code == 200, r.text
    refreshes = workos.count(AUTHENTICATE)
    # old-key credentials now fail under the kid's new key
    assert h.get("/api", headers=bearer(token(workos))).status_code == 401
    r = h.get("/private", headers=cookie(idle))
    assert r.status_code == 200
    renewed = cookie_value(r, "wos-session")
    assert renewed and renewed != idle
    sealer.ISSUED.append(renewed)
    assert workos.count(AUTHENTICATE) == refreshes + 1
    r = h.get("/private", headers=cookie(renewed))
    assert r.status_code == 200 and not cookie_value(r, "wos-session")
    assert "WOS05452" in h.log_text() and no_line(h, "00303")


@pytest.mark.parametrize("mpm", ["event", "prefork"])
@pytest.mark.parametrize("expired", [False, True])
def test_session_of_a_retired_kid_is_refreshed(servers, workos, mpm,
                                               expired):
    _, old = session_cookie(workos, expired=expired)  # signed by key_1
    # WorkOS retired key_1: its JWKS serves key_2 only
    workos.keys = [signing_key("key_2")]
    h = servers.start(mpm=mpm, one_process=False)
    refreshes = workos.count(AUTHENTICATE)
    r = h.get("/private", headers=cookie(old))
    assert r.status_code == 200
    new = cookie_value(r, "wos-session")
    assert new and new != old
    sealer.ISSUED.append(new)
    assert workos.count(AUTHENTICATE) == refreshes + 1
    # the new session is of key_2 and needs nothing more
    for _ in range(6):
        r = h.get("/private", headers=cookie(new))
        assert r.status_code == 200 and not cookie_value(r, "wos-session")
    assert workos.count(AUTHENTICATE) == refreshes + 1
    assert no_line(h, "00303")
    assert "WOS05452" in h.log_text()


def test_retired_kid_with_a_dead_refresh_token_signs_in_again(servers,
                                                              workos):
    answer, old = session_cookie(workos)
    workos.refresh_tokens[answer["refresh_token"]]["used"] = True
    workos.keys = [signing_key("key_2")]
    h = servers.start()
    r = h.get("/private", headers=cookie(old))
    assert r.status_code == 401  # not a browser: no redirect to sign in
    assert r.headers.get("Retry-After") is None
    assert no_line(h, "00303")


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_bearer_token_of_a_retired_kid_is_401(servers, workos, mpm):
    old = token(workos)  # key_1
    workos.keys = [signing_key("key_2")]
    h = servers.start(mpm=mpm, one_process=False)
    for _ in range(4):
        r = h.get("/api", headers=bearer(old))
        assert r.status_code == 401
        assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    assert h.get("/api", headers=bearer(token(workos, key="key_2"))
                 ).status_code == 200
    assert no_line(h, "00303")


@pytest.fixture
def redis():
    server = CacheServer("redis").start()
    yield server
    server.cleanup()


def test_one_recheck_serves_the_fleet(servers, workos, redis):
    """Two hosts on one redis: the host that rechecks shares what it
    fetched; the other host's processes take it from the shared copy."""
    a, b = [servers.start(mpm=mpm, one_process=False,
                          server_extra=redis.server_extra(),
                          modules=[redis.module])
            for mpm in ("prefork", "event")]
    for h in (a, b):
        assert h.get("/api", headers=bearer(token(workos))).status_code == 200
    before = fetches(workos)
    new = tokens.SigningKey("key_1")
    workos.keys = [new]
    fresh = tokens.mint(new, tokens.claims(issuer(workos)))
    for h in (a, b, a, b):
        for _ in range(4):
            assert h.get("/api", headers=bearer(fresh)).status_code == 200
    assert fetches(workos) == before + 1
