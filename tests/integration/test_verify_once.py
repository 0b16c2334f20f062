# SPDX-License-Identifier: Apache-2.0
"""A verified credential is verified once per host (issue 13): the RSA
check of a token is shared by every process through WorkOSCache (the
shared tier behind each process's private cache), never past a
revocation, never across virtual hosts with other cookie passwords, and
an entry a writer to the cache server forged or altered is ignored."""
import concurrent.futures
import random
import threading
import time

import pytest
import requests

import sealer
from harness import LOCATIONS, PASSWORD
from services import CacheServer, redis_command
from test_authn import bearer, cookie_header, session, token
from test_webhook import deliver, event

TOKENS = 200
COOKIES = 50

# A static file behind the module: no CGI per request, so thousands of
# requests stay cheap; /api (the env CGI) shows who the module says it is.
VERIFY_LOCATIONS = LOCATIONS + """
<Location /static-secret.txt>
    AuthType WorkOS
    WorkOSUnauthAction 401
    Require valid-user
</Location>
<Location /workos-status>
    SetHandler workos-status
</Location>
"""

# prefork with at least 8 children, all started before the first request,
# and room over the 24 client threads (at the limit prefork logs AH00161)
PREFORK_8 = """
StartServers 8
MinSpareServers 8
MaxSpareServers 16
MaxRequestWorkers 40
"""


# Room for a few thousand sessions, as docs/operations.md's sizing advice gives
# (the default 512,000 bytes keep about 200; ServerRoot-relative path).
SIZED_SHMCB = "WorkOSCache shmcb:run/workos_cache(8388608)\n"


def start(servers, mpm, extra=SIZED_SHMCB, **kw):
    return servers.start(mpm=mpm, one_process=False,
                         server_extra=(PREFORK_8 if mpm == "prefork" else "")
                         + extra, locations=VERIFY_LOCATIONS, **kw)


def status(httpd):
    return httpd.get("/workos-status?format=json").json()


def fetch(httpd, path, headers):
    # a new connection per request: the MPM hands each to any process
    return requests.get(httpd.base + path, headers=headers, timeout=30,
                        allow_redirects=False).status_code


def fetch_all(httpd, path, header_list, workers=16):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda h: fetch(httpd, path, h), header_list))


def credentials(workos):
    bearers = [bearer(token(workos, sid=f"session_B{i:03d}"))
               for i in range(TOKENS)]
    cookies = [cookie_header(sealer.c_seal(PASSWORD, session(
        workos, token(workos, sid=f"session_C{i:03d}"))))
        for i in range(COOKIES)]
    return bearers + cookies


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_each_credential_is_verified_once_per_host(servers, workos, mpm):
    httpd = start(servers, mpm)
    creds = credentials(workos)
    # first sight of each credential: one process verifies it
    assert fetch_all(httpd, "/static-secret.txt", creds) == [200] * len(creds)
    first = status(httpd)
    assert first["signature_verifications"] == len(creds)
    # then many connections, spread over every process, in random order
    rnd = random.Random(13)
    mixed = [rnd.choice(creds) for _ in range(6 * len(creds))]
    assert fetch_all(httpd, "/static-secret.txt", mixed, workers=24) \
        == [200] * len(mixed)
    s = status(httpd)
    # exactly one RSA check per distinct credential on this host
    assert s["signature_verifications"] == len(creds), s
    # other processes took them from the shared tier, not from WorkOS
    assert s["shared_credential_hits"] > 0, s
    assert s["shared_credential_rejected"] == 0, s
    assert s["requests_allowed"] == len(creds) + len(mixed)
    assert sum(workos.calls.values()) == 1   # the JWKS, once


def burst(httpd, path, header, n):
    """n requests with the same credential, each on its own connection,
    let go at the same moment (so several processes meet it at once)."""
    gate = threading.Barrier(n)

    def one(_):
        gate.wait()
        return fetch(httpd, path, header)
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_a_new_credential_met_at_once_is_verified_once(servers, workos, mpm):
    """Browsers and API clients send a new credential on several
    connections at once; the processes that meet it together check its
    signature once: one claims it, the others wait for its result."""
    httpd = start(servers, mpm)
    creds = [bearer(token(workos, sid=f"session_S{i:03d}"))
             for i in range(24)]
    creds += [cookie_header(sealer.c_seal(PASSWORD, session(
        workos, token(workos, sid=f"session_T{i:03d}")))) for i in range(8)]
    for i, c in enumerate(creds):
        assert burst(httpd, "/static-secret.txt", c, 12) == [200] * 12
        s = status(httpd)
        assert s["signature_verifications"] == i + 1, (i, s)
    assert s["verification_waits"] > 0, s
    assert s["requests_allowed"] == 12 * len(creds), s


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_a_slow_key_fetch_keeps_the_others_waiting(servers, workos, mpm):
    """The first credential after a start also fetches the signing keys;
    when WorkOS takes half a second to answer, the processes that met the
    credential meanwhile still wait for the one verifying it, instead of
    each checking it again once the key is in."""
    httpd = start(servers, mpm)
    workos.jwks_mode = "slow"
    workos.delay = 0.5
    cred = bearer(token(workos, sid="session_SLOW"))
    assert burst(httpd, "/static-secret.txt", cred, 12) == [200] * 12
    s = status(httpd)
    assert s["signature_verifications"] == 1, s
    assert s["verification_waits"] > 0, s
    assert workos.count(workos.jwks_path) == 1


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_revoked_session_in_the_shared_tier_is_denied(servers, workos, mpm):
    """Host a verifies two sessions (their identities go to the shared
    tier) and then records that one is revoked; host b, whose processes
    never met either, finds both identities in the shared tier, and denies
    the revoked one from its first request on."""
    cache = CacheServer("redis").start()
    try:
        a = start(servers, "prefork", extra=cache.server_extra(),
                  modules=[cache.module])
        b = start(servers, mpm, extra=cache.server_extra(),
                  modules=[cache.module])
        t = bearer(token(workos, sid="session_REVOKED"))
        kept = bearer(token(workos, sid="session_KEPT"))
        assert fetch(a, "/static-secret.txt", t) == 200
        assert fetch(a, "/static-secret.txt", kept) == 200
        assert len(cred_entries(cache.port)) == 2
        assert deliver(a, event("session.revoked",
                                {"id": "session_REVOKED"})).status_code == 200
        codes = fetch_all(b, "/static-secret.txt", [t] * 48)
        assert codes == [401] * 48
        s = status(b)
        # b's processes took the identity from the shared tier and said no
        assert s["shared_credential_hits"] > 0, s
        assert s["revoked_requests_denied"] >= 48, s
        assert s["requests_allowed"] == 0, s
        # the other session is untouched, and b never checked its signature
        assert set(fetch_all(b, "/static-secret.txt", [kept] * 32)) == {200}
        assert status(b)["signature_verifications"] \
            == s["signature_verifications"]
    finally:
        cache.cleanup()


def vhost(port, passwords):
    lines = "\n".join(f"    WorkOSCookiePassword {pw} {pid}"
                      for pw, pid in passwords)
    return f"""
Listen 127.0.0.1:{port}
<VirtualHost 127.0.0.1:{port}>
    ServerName 127.0.0.1
{lines}
    WorkOSRedirectURI http://127.0.0.1:{port}/callback
</VirtualHost>
"""


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_vhosts_with_other_cookie_passwords_share_nothing(servers, workos,
                                                          mpm):
    from harness import free_port
    port = free_port()
    other_pw = "other-vhost-cookie-password-0123456789-xyz"
    # the vhost seals with its own password and still opens the main
    # server's cookies (rotation): a cookie valid on both, verified on each
    httpd = start(servers, mpm, extra=SIZED_SHMCB
                  + vhost(port, [(other_pw, "2"), (PASSWORD, "1")]))
    b_base = f"http://127.0.0.1:{port}"
    cookies = [cookie_header(sealer.c_seal(PASSWORD, session(
        workos, token(workos, sid=f"session_V{i}")))) for i in range(5)]
    t = bearer(token(workos, sid="session_VB"))

    def on_b(h):
        return requests.get(b_base + "/static-secret.txt", headers=h,
                            timeout=30).status_code

    assert fetch_all(httpd, "/static-secret.txt", cookies) == [200] * 5
    assert status(httpd)["signature_verifications"] == 5
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        # first sight on the vhost (two processes meeting one credential
        # at the same moment would each verify it), then many
        assert list(pool.map(on_b, cookies)) == [200] * 5
        assert list(pool.map(on_b, cookies * 8)) == [200] * 40
    # the vhost verified each cookie itself, once: nothing of the main
    # server's (private or shared) was taken for its own
    assert status(httpd)["signature_verifications"] == 10
    assert fetch_all(httpd, "/static-secret.txt", cookies * 8) == [200] * 40
    # bearer tokens: both hosts accept them; their shared entries are
    # apart (each MAC key its own), so neither reads the other's
    for _ in range(20):
        assert fetch(httpd, "/static-secret.txt", t) == 200
        assert on_b(t) == 200
    s = status(httpd)
    assert s["shared_credential_rejected"] == 0, s
    assert s["signature_verifications"] <= 12, s


# --- a writer to the cache server cannot mint identities -----------------

def cred_entries(port):
    """{redis key: value} of the module's shared credential entries. The
    socache key is the module's id in hex after the provider's prefix."""
    found = {}
    for k in redis_command(port, "KEYS", "*"):
        name = k
        tail = k.rsplit(b":", 1)[-1]
        try:
            name = bytes.fromhex(tail.decode())
        except ValueError:
            pass
        if b"wos:cred:" in name:
            found[k] = redis_command(port, "GET", k)
    return found


def forge(entries, how, alice_key, bob_key):
    if how == "altered-identity":
        v = entries[alice_key].replace(b"user_01ALICE", b"user_01MALLO")
        return [(alice_key, v)]
    if how == "bad-mac":
        v = entries[alice_key]
        return [(alice_key, v[:-1] + bytes([v[-1] ^ 1]))]
    if how == "moved":
        # Alice's genuine entry under the key of Bob's token
        return [(bob_key, entries[alice_key])]
    if how == "truncated":
        return [(alice_key, entries[alice_key][:40])]
    if how == "oversized":
        # past the largest entry the module writes, within what it reads
        return [(alice_key, entries[alice_key] + b"x" * 40000)]
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["altered-identity", "bad-mac", "moved",
                                 "truncated", "oversized"])
def test_forged_shared_entry_is_ignored(servers, workos, how):
    cache = CacheServer("redis").start()
    try:
        hosts = [start(servers, "prefork", extra=cache.server_extra(),
                       modules=[cache.module]) for _ in range(2)]
        a, b = hosts
        alice = bearer(token(workos, sid="session_FA"))
        bob = bearer(token(workos, sub="user_01BOB", sid="session_FB"))
        assert fetch(a, "/static-secret.txt", alice) == 200
        assert fetch(a, "/static-secret.txt", bob) == 200
        entries = cred_entries(cache.port)
        assert len(entries) == 2, entries.keys()
        alice_key = next(k for k, v in entries.items() if b"user_01ALICE" in v)
        bob_key = next(k for k, v in entries.items() if b"user_01BOB" in v)
        for key, value in forge(entries, how, alice_key, bob_key):
            assert redis_command(cache.port, "SET", key, value, "EX",
                                 120) == b"OK"
        victim = bob if how == "moved" else alice
        want = "user_01BOB" if how == "moved" else "user_01ALICE"
        # host b has never seen the token: it finds the entry, rejects it,
        # verifies the token itself and serves the genuine identity
        r = b.get("/api", headers=victim)
        assert r.status_code == 200
        assert r.json()["REMOTE_USER"] == want
        assert "MALLO" not in r.text
        s = status(b)
        assert s["shared_credential_rejected"] == 1, s
        assert s["signature_verifications"] == 1, s
        assert s["shared_credential_hits"] == 0, s
        # and every process of b keeps serving the genuine one
        for code in fetch_all(b, "/static-secret.txt", [victim] * 24):
            assert code == 200
        assert "MALLO" not in b.get("/api", headers=victim).text
    finally:
        cache.cleanup()


@pytest.mark.parametrize("kind", ["redis", "memcache"])
def test_shared_entry_from_another_host_is_used(servers, workos, kind):
    """The positive side of the test above: an authentic entry written by
    host a is taken by host b without an RSA check (the entry's key fits
    memcache's 250 bytes too)."""
    cache = CacheServer(kind).start()
    try:
        a, b = [start(servers, "prefork", extra=cache.server_extra(),
                      modules=[cache.module]) for _ in range(2)]
        t = bearer(token(workos, sid="session_SHARED"))
        assert fetch(a, "/static-secret.txt", t) == 200
        r = b.get("/api", headers=t)
        assert r.status_code == 200
        assert r.json()["REMOTE_USER"] == "user_01ALICE"
        assert r.json()["WORKOS_SESSION_ID"] == "session_SHARED"
        s = status(b)
        assert s["signature_verifications"] == 0, s
        assert s["shared_credential_hits"] == 1, s
    finally:
        cache.cleanup()


def test_junk_bearer_costs_no_shared_lookup(httpd):
    """Only a JWT-shaped bearer token is looked up in the shared tier: a
    flood of junk costs no cache round trip (with redis, a network one)."""
    mark = len(httpd.log_text())
    for junk in ("junk-without-dots", "a.b", "a.b.c.d"):
        assert httpd.get("/api", headers=bearer(junk)).status_code == 401
    assert "cache get wos:cred" not in httpd.log_text()[mark:]
    assert httpd.get("/api", headers=bearer("a.b.c")).status_code == 401
    assert "cache get wos:cred" in httpd.log_text()[mark:]
