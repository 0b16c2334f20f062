# SPDX-License-Identifier: Apache-2.0
"""A network cache is untrusted storage (security review, issue 22): the
tests act as someone who can read and write the redis or memcached server
the hosts share. Whatever they write there (a forged entry, a real one
altered, moved to another name, copied from another WorkOS environment,
truncated, or dated in the future) is a miss for the hosts, counted as
cache_rejected in workos-status: never an identity, a permission, or
revocations stopped. What they read there is no session they can use."""
import hashlib
import json
import socket
import time
import urllib.parse

import pytest

import sealer
import tokens
from conftest import signing_key
from harness import CLIENT_ID, LOCATIONS
from services import CacheServer, redis_command
from fake_workos import FakeWorkOS
from test_apikey import KEY_LOCATIONS, key_header, keys, new_key, validations
from test_authn import bearer, token
from test_lifecycle import cookie_value, session_cookie
from test_webhook import deliver, event

STATUS_LOC = """
<Location /workos-status>
    SetHandler workos-status
</Location>
"""
LOCS = LOCATIONS + KEY_LOCATIONS + STATUS_LOC
OTHER_CLIENT = "client_01OTHERENV"
REJECTED_LOG = r"WOS0500[12]"


# (asked for before servers in every test: httpd stops before its cache
# server, or its poller logs the server's absence)
@pytest.fixture(params=["redis", "memcache"])
def cache_server(request):
    server = CacheServer(request.param).start()
    yield server
    server.cleanup()


def host(servers, cache, extra="", **kw):
    h = servers.start(server_extra=cache.server_extra() + extra,
                      modules=[cache.module], locations=LOCS, **kw)
    return h


def status(h):
    return h.get("/workos-status?format=json").json()


def wait_for(cond, timeout, what):
    start = time.monotonic()
    while not cond():
        assert time.monotonic() - start < timeout, \
            f"not within {timeout} s: {what}"
        time.sleep(0.02)  # polling a condition with a deadline


def env_tag(workos, client_id=CLIENT_ID):
    """config_check.c's env_tag: the WorkOS environment's name."""
    text = f"env\n{workos.base}\n{client_id}".encode()
    return hashlib.sha256(text).hexdigest()[:16]


# --- the cache server, as its reader and writer sees it -------------------

CALLERS = ("wos:apikey", "wos:apikey-lock", "wos:apikey-fail",
           "wos:apikey-fail-lock", "wos:flow", "wos:asw")


def socache_id(name):
    """base/cache.c's cache_id: one byte from a hash (even for entries
    callers create, odd for the others), then the name."""
    h = 2166136261
    for b in name.encode():
        h = ((h ^ b) * 16777619) & 0xffffffff
    h ^= h >> 16
    callers = any(name.startswith(t + ":") for t in CALLERS)
    first = (h & 0xfe) if callers else (h | 1) & 0xff
    return bytes([first]) + name.encode()


class Attacker:
    """Reads and writes the cache server directly, as the module's socache
    provider names entries: "auth_workos:" and the id in hex."""

    def __init__(self, cache):
        self.cache = cache

    def key(self, name):
        return b"auth_workos:" + socache_id(name).hex().encode()

    def _mc(self, cmd, data=None):
        with socket.create_connection(("127.0.0.1", self.cache.port),
                                      timeout=5) as s:
            s.sendall(cmd + b"\r\n" + (data + b"\r\n" if data is not None
                                       else b""))
            with s.makefile("rb") as f:
                lines = []
                while True:
                    line = f.readline()
                    if not line:
                        return lines
                    if line.startswith(b"VALUE "):
                        n = int(line.split()[3])
                        lines.append(f.read(n + 2)[:-2])
                        continue
                    lines.append(line[:-2])
                    if line[:-2] in (b"END", b"STORED", b"DELETED",
                                     b"NOT_FOUND", b"ERROR") \
                            or line.startswith(b"CLIENT_ERROR") \
                            or line.startswith(b"SERVER_ERROR"):
                        return lines

    def names(self):
        """Every entry's name ("wos:..."), as a reader lists them."""
        if self.cache.kind == "redis":
            keys = redis_command(self.cache.port, "KEYS", "*")
        else:
            keys = [urllib.parse.unquote_to_bytes(w[4:])
                    for line in self._mc(b"lru_crawler metadump all")
                    for w in line.split() if w.startswith(b"key=")]
        out = []
        for k in keys:
            try:
                out.append(bytes.fromhex(k.rsplit(b":", 1)[-1].decode())[1:]
                           .decode())
            except ValueError:
                pass
        return out

    def find(self, prefix):
        return sorted(n for n in self.names() if n.startswith(prefix))

    def get(self, name):
        if self.cache.kind == "redis":
            return redis_command(self.cache.port, "GET", self.key(name))
        got = self._mc(b"get " + self.key(name))
        return got[0] if len(got) == 2 else None

    def set(self, name, value, ttl=600):
        if isinstance(value, str):
            value = value.encode()
        if self.cache.kind == "redis":
            assert redis_command(self.cache.port, "SET", self.key(name),
                                 value, "EX", ttl) == b"OK"
        else:
            assert self._mc(b"set %s 0 %d %d" % (self.key(name), ttl,
                                                 len(value)),
                            value) == [b"STORED"]


def test_attacker_names_entries_as_the_module_does(cache_server, servers,
                                                   workos):
    """The tests below write under names they compute: check them."""
    h = host(servers, cache_server)
    assert h.get("/api", headers=bearer(token(workos))).status_code == 200
    spy = Attacker(cache_server)
    jwks = f"wos:jwks:{workos.base}{workos.jwks_path}"
    wait_for(lambda: jwks in spy.names(), 5, "the JWKS entry listed")
    assert spy.get(jwks) is not None


# --- signing keys ----------------------------------------------------------

def mallory(workos, key="key_evil"):
    return tokens.mint(signing_key(key), tokens.claims(
        f"{workos.base}/user_management/{CLIENT_ID}", sub="user_01MALLORY",
        sid="session_01MALLORY", role="admin", roles=["admin"],
        permissions=["posts:write"]))


def evil_jwks(fetched_at_us):
    doc = json.dumps({"keys": [signing_key("key_evil").jwk()]})
    return f"{fetched_at_us} {doc}"


@pytest.mark.parametrize("how", ["forged", "future-dated", "moved"])
def test_forged_signing_keys_mint_no_identity(cache_server, servers, workos,
                                              how):
    spy = Attacker(cache_server)
    jwks = f"wos:jwks:{workos.base}{workos.jwks_path}"
    now_us = int(time.time() * 1e6)
    if how == "forged":
        spy.set(jwks, evil_jwks(now_us))
    elif how == "future-dated":
        spy.set(jwks, evil_jwks(now_us + 10 * 365 * 86400 * 10**6))
    else:
        # a genuine entry of another WorkOS environment, whose keys are
        # the attacker's, moved to this environment's name
        evil = FakeWorkOS(OTHER_CLIENT)
        evil.keys = [signing_key("key_evil")]
        evil.start()
        try:
            other = host(servers, cache_server,
                         extra=f"WorkOSClientID {OTHER_CLIENT}\n"
                         f"WorkOSAPIBaseURL {evil.base}\n")
            t = tokens.mint(signing_key("key_evil"),
                            tokens.claims(evil.issuer))
            assert other.get("/api", headers=bearer(t)).status_code == 200
            src = f"wos:jwks:{evil.base}{evil.jwks_path}"
            wait_for(lambda: spy.get(src) is not None, 5, "the other JWKS")
            spy.set(jwks, spy.get(src))
        finally:
            evil.stop()
    h = host(servers, cache_server)
    h.allowed_errors += [REJECTED_LOG]
    r = h.get("/role", headers=bearer(mallory(workos)))
    assert r.status_code != 200
    assert "MALLORY" not in r.text
    # the genuine keys still work, fetched from WorkOS
    ok = h.get("/api", headers=bearer(token(workos)))
    assert ok.status_code == 200
    assert ok.json()["REMOTE_USER"] == "user_01ALICE"
    assert status(h)["cache_rejected"] >= 1
    r = h.get("/role", headers=bearer(mallory(workos)))
    assert r.status_code != 200


# --- API-key answers -------------------------------------------------------

def apikey_name(workos, value, client_id=CLIENT_ID):
    digest = hashlib.sha256(value.encode()).hexdigest()
    return f"wos:apikey:{env_tag(workos, client_id)}:{digest}"


def test_forged_apikey_answer_grants_nothing(cache_server, servers, workos,
                                             keys):  # noqa: F811
    spy = Attacker(cache_server)
    made_up = servers.remember_secret(new_key())
    spy.set(apikey_name(workos, made_up),
            'ok {"id":"api_key_01MALLORY","org":"org_01ACME",'
            '"perms":["posts:write"]}')
    h = host(servers, cache_server)
    h.allowed_errors += [REJECTED_LOG]
    r = h.get("/private/k/write", headers=key_header(made_up))
    assert r.status_code == 401
    assert validations(workos) == 1   # WorkOS was asked, and said no
    assert status(h)["cache_rejected"] >= 1


@pytest.mark.parametrize("how", ["altered", "moved", "truncated",
                                 "other-environment"])
def test_tampered_apikey_answer_grants_nothing(cache_server, servers, workos,
                                               keys, how):  # noqa: F811
    spy = Attacker(cache_server)
    h = host(servers, cache_server)
    h.allowed_errors += [REJECTED_LOG]
    # genuine answers: the user key may read, the org key may write
    assert h.get("/private/k/write",
                  headers=key_header(keys.user_key)).status_code == 403
    assert h.get("/private/k/write",
                  headers=key_header(keys.org_key)).status_code == 200
    user = apikey_name(workos, keys.user_key)
    org = apikey_name(workos, keys.org_key)
    assert spy.get(user) is not None and spy.get(org) is not None
    victim_key = keys.user_key
    if how == "altered":
        v = spy.get(user)
        assert b'"posts:read"' in v
        spy.set(user, v.replace(b'"posts:read"', b'"posts:write"'))
    elif how == "moved":
        spy.set(user, spy.get(org))
    elif how == "truncated":
        v = spy.get(org)
        spy.set(org, v[:len(v) // 2])
        victim_key = keys.org_key
    else:
        other = host(servers, cache_server,
                     extra=f"WorkOSClientID {OTHER_CLIENT}\n")
        assert other.get("/private/k/write",
                         headers=key_header(keys.org_key)).status_code == 200
        src = apikey_name(workos, keys.org_key, OTHER_CLIENT)
        assert spy.get(src) is not None
        spy.set(user, spy.get(src))
    # a second host has only the cache server's word
    b = host(servers, cache_server)
    b.allowed_errors += [REJECTED_LOG]
    before = validations(workos)
    r = b.get("/private/k/write", headers=key_header(victim_key))
    if victim_key == keys.user_key:
        assert r.status_code == 403     # WorkOS's answer: it may only read
    else:
        assert r.status_code == 200
    assert validations(workos) == before + 1
    assert status(b)["cache_rejected"] >= 1


# --- the Events API poller -------------------------------------------------

POLL = "WorkOSEventsPoll 1\n"


def polls(workos):
    with workos.lock:
        return len(workos.events_queries)


@pytest.mark.parametrize("how", ["future-dated cursor", "forged claim"])
def test_forged_poller_state_stops_no_revocation(cache_server, servers,
                                                 workos, how):
    spy = Attacker(cache_server)
    tag = env_tag(workos)
    if how == "forged claim":
        # an attacker holds the lease of the environment's poller
        spy.set(f"wos:events:claim:{tag}", "mallory:1", ttl=3600)
    h = host(servers, cache_server, extra=POLL, mpm="prefork",
             one_process=False)
    h.allowed_errors += [REJECTED_LOG]
    t = token(workos, sid="session_POLLED")
    assert h.get("/api", headers=bearer(t)).status_code == 200
    if how == "future-dated cursor":
        wait_for(lambda: polls(workos) >= 1, 10, "a first poll")
        spy.set(f"wos:events:cursor:{tag}",
                "since 2099-01-01T00:00:00.000Z", ttl=3600)
    before = polls(workos)
    workos.emit("session.revoked", {"id": "session_POLLED"})
    wait_for(lambda: h.get("/api", headers=bearer(t)).status_code == 401, 10,
             "the revocation applied")
    assert polls(workos) > before
    assert status(h)["cache_rejected"] >= 1


# --- refresh results -------------------------------------------------------

def test_a_reader_gets_no_session_from_a_refresh_result(cache_server, servers,
                                                        workos):
    spy = Attacker(cache_server)
    h = host(servers, cache_server)
    _, expired = session_cookie(workos, expired=True)
    r = h.get("/private", headers={"Cookie": f"wos-session={expired}"})
    assert r.status_code == 200
    new = cookie_value(r, "wos-session")
    assert new
    sealer.ISSUED.append(new)
    done = spy.find("wos:rt-done:")
    assert len(done) == 1
    raw = spy.get(done[0])
    assert raw is not None
    assert new.encode() not in raw
    # what a reader would replay: the value, as it is or after "ok "
    for cand in (raw, raw[3:]):
        text = cand.decode("latin-1")
        if not text or any(c in text for c in "\r\n;\x00") \
                or not text.isprintable():
            continue   # not even a cookie value
        r = h.get("/private", headers={"Cookie": f"wos-session={text}"})
        assert r.status_code != 200
        assert "REMOTE_USER" not in r.text


def test_a_forged_refresh_result_is_not_taken(cache_server, servers,
                                              workos):
    """A writer puts a refusal where a waiter looks for the result: the
    waiter does not take it (nor would it take a session) and refreshes."""
    spy = Attacker(cache_server)
    h = host(servers, cache_server)
    h.allowed_errors += [REJECTED_LOG]
    answer, expired = session_cookie(workos, expired=True)
    rt = answer["refresh_token"]
    # refresh.c: the hash of the token and the organisation asked for
    # (none: the session's own)
    digest = hashlib.sha256(f"{rt}|".encode()).hexdigest()
    name = f"wos:rt-done:{env_tag(workos)}:{digest}"
    spy.set(name, "no invalid_grant", ttl=30)
    spy.set(name.replace("rt-done", "rt-lock"), "mallory", ttl=2)
    r = h.get("/private", headers={"Cookie": f"wos-session={expired}"})
    new = cookie_value(r, "wos-session")
    if new:
        sealer.ISSUED.append(new)
    assert r.status_code == 200
    assert new


# --- revocations -----------------------------------------------------------

def rev_name(workos, sid):
    """state/revoke.c: the record's name, hashed (store/revstore.c)."""
    record = f"{env_tag(workos)}:sid:{sid}".encode()
    return "wos:rev:" + hashlib.sha256(record).hexdigest()[:32]


@pytest.mark.parametrize("how", ["forged", "moved"])
def test_forged_revocation_revokes_nobody(cache_server, servers, workos,
                                          how):
    spy = Attacker(cache_server)
    a = host(servers, cache_server)
    victim = token(workos, sid="session_VICTIM")
    if how == "forged":
        spy.set(rev_name(workos, "session_VICTIM"), str(int(time.time())))
    else:
        # a genuine revocation of another session, moved to the victim's
        gone = token(workos, sid="session_GONE")
        assert a.get("/api", headers=bearer(gone)).status_code == 200
        assert deliver(a, event("session.revoked",
                                {"id": "session_GONE"})).status_code == 200
        src = rev_name(workos, "session_GONE")
        wait_for(lambda: spy.get(src) is not None, 5, "the revocation")
        spy.set(rev_name(workos, "session_VICTIM"), spy.get(src))
    spy.set(f"wos:rev:gen:{env_tag(workos)}", "1-mallory")
    b = host(servers, cache_server)
    b.allowed_errors += [REJECTED_LOG]
    r = b.get("/api", headers=bearer(victim))
    assert r.status_code == 200
    assert r.json()["WORKOS_SESSION_ID"] == "session_VICTIM"
    assert status(b)["cache_rejected"] >= 1
    # and a genuine revocation still reaches the other host
    assert deliver(a, event("session.revoked",
                            {"id": "session_VICTIM"})).status_code == 200
    wait_for(lambda: b.get("/api", headers=bearer(victim)).status_code
             == 401, 5, "the genuine revocation on host b")


# --- API-key failure counters -----------------------------------------------

@pytest.mark.parametrize("how", ["forged", "future-dated"])
def test_forged_failure_count_locks_out_no_address(cache_server, servers,
                                                   workos, keys,  # noqa: F811
                                                   how):
    spy = Attacker(cache_server)
    now_us = int(time.time() * 1e6)
    start = now_us if how == "forged" else now_us + 10 * 365 * 86400 * 10**6
    spy.set(f"wos:apikey-fail:{env_tag(workos)}:127.0.0.1",
            f"1000 {start}")
    h = host(servers, cache_server, extra="WorkOSAPIKeyFailureLimit 2 60\n")
    h.allowed_errors += [REJECTED_LOG]
    r = h.get("/private/k/write", headers=key_header(keys.org_key))
    assert r.status_code == 200
    assert status(h)["cache_rejected"] >= 1


# --- by construction: whatever the module writes there is sealed ----------

def test_every_entry_on_the_server_is_sealed(cache_server, servers, workos,
                                             keys):  # noqa: F811
    """A workload that makes most entry types, then a reader's look at the
    server: every value is an envelope ("WE1"), the refresh result's is
    encrypted, and no value holds a token, a key or a session cookie.
    (The verified credentials carry their own MAC: test_verify_once.)"""
    spy = Attacker(cache_server)
    h = host(servers, cache_server, extra=POLL, mpm="prefork",
             one_process=False)
    t = token(workos, sid="session_SEALED")
    assert h.get("/api", headers=bearer(t)).status_code == 200
    assert h.get("/private/k/write",
                  headers=key_header(keys.org_key)).status_code == 200
    bad = servers.remember_secret(new_key())
    assert h.get("/private/k/write", headers=key_header(bad)).status_code \
        == 401
    _, expired = session_cookie(workos, expired=True)
    r = h.get("/private", headers={"Cookie": f"wos-session={expired}"})
    assert r.status_code == 200
    new = cookie_value(r, "wos-session")
    sealer.ISSUED.append(new)
    assert deliver(h, event("session.revoked",
                            {"id": "session_SEALED"})).status_code == 200
    wait_for(lambda: polls(workos) >= 1, 10, "a first poll")
    seen = {}
    for name in spy.names():
        kind = name.split(":")[1]
        if kind == "rev" and name.split(":")[2] == "gen":
            kind = "rev:gen"
        v = spy.get(name)
        if v is None:
            continue   # lapsed since listed
        seen[kind] = v
        if kind == "cred":
            continue
        assert v.startswith(b"WE1"), (name, v[:40])
        for secret in (t, keys.org_key, bad, new, expired):
            assert secret.encode() not in v, name
    for kind in ("jwks", "apikey", "apikey-fail", "rt-done",
                 "rev", "rev:gen", "events", "cred"):
        assert kind in seen, (kind, sorted(seen))
    assert seen["rt-done"][3] & 1, "the refresh result is encrypted"
    assert status(h)["cache_rejected"] == 0
