#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Soak: mixed traffic against httpd under the event and prefork MPMs
(multi-process, one of each, sharing a redis WorkOSCache as two hosts of a
fleet would) while

- each httpd is restarted gracefully (`apachectl graceful`) every 20 s,
- the fake WorkOS flaps: slow (within WorkOSHTTPTimeout), 429 with
  Retry-After, 5xx, down (connection closed without an answer),
- the cache server (redis, with an append-only file, as a fleet would run
  it) is stopped and started again.

    SOAK_SECONDS=600 tests/soak/soak.py       (make -f Makefile.apxs soak)
    SOAK_CHAOS=cache,restart ...   only some disturbances (workos, cache,
                                   restart), to narrow a failure down

Traffic: sealed cookies, bearer tokens, WorkOS API keys, refreshes of
expired cookies (retried after a 503 until they succeed), switch-org,
session.revoked webhooks, and forged requests (tampered cookies, tokens
signed by a wrong key, alg none, unknown kids, revoked sessions, unknown
API keys, a foreign organisation, forged X-WorkOS-* / X_WorkOS_* headers).

It fails on
- a valid request refused: a valid credential answered 401/403, a
  connection error or a hang, or any other status except a 503 with
  Retry-After where SPEC allows it (a refresh, a switch-org or an API-key
  validation that needs WorkOS while WorkOS is failing);
- a forged request allowed (2xx/3xx, or a forged header reaching the
  backend), a revoked session accepted 3 s after its webhook was answered;
- a child killed by a signal (AH00051/AH00052), a secret in a log;
- RSS beyond the bound stated at RSS_BOUND_KIB below.
It prints a summary and exits 1 on any failure.
"""
import base64
import collections
import json
import os
import pathlib
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))

import requests  # noqa: E402

import sealer  # noqa: E402
import tokens  # noqa: E402
from fake_workos import FakeWorkOS  # noqa: E402
from harness import (API_KEY, CLIENT_ID, PASSWORD, WEBHOOK_SECRET,  # noqa: E402
                     Httpd, free_port)
from services import _wait_port  # noqa: E402
from test_apikey import VALIDATIONS, FakeKeys  # noqa: E402
from test_webhook import event, sign  # noqa: E402

SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
# Which disturbances run (all by default; fewer to narrow a failure down).
CHAOS = set(os.environ.get("SOAK_CHAOS", "workos,cache,restart").split(","))
THREADS = int(os.environ.get("SOAK_THREADS", "6"))
RESTART_EVERY = 20.0          # graceful restart of each httpd
CACHE_RESTART_EVERY = 30.0    # redis stop + start
CACHE_DOWN_FOR = 3.0
FAULT_OK_FOR = 4.0            # WorkOS healthy between faults ...
FAULT_FOR = 4.0               # ... and failing for this long
HTTP_TIMEOUT = 3              # WorkOSHTTPTimeout
PROPAGATION = 3.0             # a revocation must hold everywhere after this
# A 503 may come from a call to WorkOS that failed up to this long before
# the request started (the module's backoff after a failure, Retry-After).
FAULT_GRACE = 10.0
# While the cache server is away each host uses its own shmcb
# (docs/operations.md, "Outages"), and revocations recorded only in redis are not seen there; a
# host was measured using redis again up to 12 s after it came back.
CACHE_GRACE = 15.0
CLIENT_TIMEOUT = 15.0
# RSS bound, per child, over its maximum after warm-up. The per-process
# caches are bounded (credential cache: 32,768 slots, identities <= 32 MiB;
# revocation memo bounded; the shared revocation table's pages are touched
# only as it fills), but what a child can fill here is far less: children
# are replaced on every graceful restart (each host every 20 s), and in
# one generation the soak shows a child at most ~2,000 distinct
# credentials of 1-2 KiB (< 4 MiB) and a few hundred revocations. 16 MiB
# covers that with room for allocator slack and catches a leak per request
# (issue 12 #6: 60 waiters grew a child by 163 MiB). The parent forks every
# generation from its own memory: it may not grow more than 4 MiB over the
# whole soak (58 restarts at 600 s).
RSS_BOUND_KIB = {"child": 16 * 1024, "parent": 4 * 1024}

USER = "user_01ALICE"

SOAK_LOCATIONS = """
<Location /webhook>
    SetHandler workos-webhook
</Location>
<Location /switch-org>
    SetHandler workos-switch-org
</Location>
<Location /sapp>
    AuthType WorkOS
    WorkOSTokenSource cookie
    WorkOSUnauthAction 401
    WorkOSPassHeaders On
    Require valid-user
</Location>
<Location /sapi>
    AuthType WorkOS
    WorkOSTokenSource bearer
    WorkOSUnauthAction 401
    Require valid-user
</Location>
<Location /skeys>
    AuthType WorkOS
    WorkOSTokenSource apikey
    WorkOSUnauthAction 401
    Require valid-user
</Location>
<Location /sother>
    AuthType WorkOS
    WorkOSUnauthAction 401
    Require workos-org org_01OTHER
</Location>
"""

# What the backend saw, echoed by mod_headers from the final request.
ECHO = """
Header always set X-Echo-User "%{WORKOS_USER_ID}e"
Header always set X-Echo-Org "%{WORKOS_ORG_ID}e"
Header always set X-Echo-Hdr "expr=%{req:X-WorkOS-User-Id}"
Header always set X-Echo-Under "expr=%{req:X_WorkOS_User_Id}"
"""


class SoakHttpd(Httpd):
    def write(self):
        super().write()
        for sub in ("sapp", "sapi", "skeys", "sother", "spublic"):
            (self.dir / "htdocs" / sub).mkdir(exist_ok=True)
            (self.dir / "htdocs" / sub / "page.txt").write_text("page\n")


class FlappingWorkOS(FakeWorkOS):
    """The fake WorkOS with a fault switch over every endpoint."""

    def __init__(self, client_id):
        self.fault = "ok"        # ok | slow | 429 | 5xx | down
        self.faulted = collections.Counter()
        super().__init__(client_id)

    def issue_session(self, org, lifetime=None):
        """As FakeWorkOS's, with a lifetime per call: the soak's threads
        make expired and fresh sessions at once, and refreshes (made by the
        fake) must always get fresh tokens."""
        with self.lock:
            self.sessions_seen += 1
            n = self.sessions_seen
        claims = tokens.claims(self.issuer, sub=self.user["id"],
                               lifetime=lifetime or int(SECONDS) + 600,
                               sid=f"session_{n:06d}", org_id=org,
                               role=self.memberships.get(org, "member"),
                               roles=[self.memberships.get(org, "member")])
        rt = "rt_" + secrets.token_urlsafe(24)
        with self.lock:
            self.refresh_tokens[rt] = {"org": org, "used": False}
        answer = {"user": self.user,
                  "access_token": tokens.mint(self.keys[0], claims),
                  "refresh_token": rt, "authentication_method": "Password"}
        # as WorkOS (and FakeWorkOS): no organisation, no organization_id
        if org is not None:
            answer["organization_id"] = org
        return answer

    def _handler(self):
        base = super()._handler()
        fake = self

        class Flapping(base):
            def _fault(self):
                mode = fake.fault
                if mode == "ok":
                    return False
                with fake.lock:
                    fake.faulted[mode] += 1
                if mode == "slow":
                    time.sleep(random.uniform(0.2, HTTP_TIMEOUT * 0.5))
                    return False
                if self.command == "POST":
                    self.rfile.read(int(self.headers.get("Content-Length")
                                        or 0))
                if mode == "down":
                    self.close_connection = True
                    return True
                if mode == "429":
                    body = b'{"message":"Too many requests"}'
                    self.send_response(429)
                    self.send_header("Retry-After", "1")
                else:
                    body = b'{"message":"unavailable"}'
                    self.send_response(random.choice((500, 502, 503)))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return True

            def do_GET(self):
                if not self._fault():
                    super().do_GET()

            def do_POST(self):
                if not self._fault():
                    super().do_POST()

        return Flapping


class Redis:
    """redis-server on a fixed port, with an append-only file so a
    restart keeps what was written (revocations must outlive it)."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="wos-soak-redis-")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "yes", "--appendfsync", os.environ.get("SOAK_FSYNC", "always"),
             "--dir", self.dir], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        _wait_port(self.port, self.proc)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Timeline:
    """When WorkOS was failing and when the cache server was away."""

    def __init__(self):
        self.lock = threading.Lock()
        self.faults = []     # [start, end or None, mode]
        self.outages = []    # [start, end or None]

    def begin(self, kind, mode=None):
        with self.lock:
            if kind == "fault":
                self.faults.append([time.monotonic(), None, mode])
            else:
                self.outages.append([time.monotonic(), None])

    def end(self, kind):
        with self.lock:
            rows = self.faults if kind == "fault" else self.outages
            if rows and rows[-1][1] is None:
                rows[-1][1] = time.monotonic()

    @staticmethod
    def _overlaps(rows, t0, t1, grace):
        for row in rows:
            end = row[1] if row[1] is not None else float("inf")
            if row[0] <= t1 and end + grace >= t0:
                return True
        return False

    def workos_failing(self, t0, t1):
        with self.lock:
            return self._overlaps(self.faults, t0, t1, FAULT_GRACE)

    def cache_away(self, t0, t1):
        with self.lock:
            return self._overlaps(self.outages, t0, t1, CACHE_GRACE)


def camel_session(answer, org):
    u = answer["user"]
    return {"accessToken": answer["access_token"],
            "refreshToken": answer["refresh_token"],
            "user": {"object": "user", "id": u["id"], "email": u["email"],
                     "firstName": u["first_name"], "lastName": u["last_name"],
                     "emailVerified": u["email_verified"]},
            "organizationId": org, "authenticationMethod": "Password"}


def cookie_value(r, name="wos-session"):
    for h in r.raw.headers.getlist("Set-Cookie"):
        if h.startswith(name + "="):
            return h.split(";", 1)[0].split("=", 1)[1]
    return None


class Soak:
    def __init__(self):
        self.workos = FlappingWorkOS(CLIENT_ID)
        self.key = tokens.SigningKey("key_1")
        self.wrong_key = tokens.SigningKey("key_1")   # same kid, other key
        self.workos.keys = [self.key]
        self.keys = FakeKeys(self.workos)
        self.api_key = self.keys.add("api_key_01SOAK", {
            "type": "organization", "id": "org_01ACME"}, ["posts:read"])
        self.redis = Redis()
        self.timeline = Timeline()
        self.hosts = []
        self.lock = threading.Lock()
        self.count = collections.Counter()      # requests by kind
        self.allowed_503 = collections.Counter()
        self.outage_revoked_allowed = 0
        self.failures = []
        self.failure_kinds = collections.Counter()
        self.events = []            # what the chaos threads did, and when
        self.local = threading.local()   # the host a thread last asked
        self.restarts = collections.Counter()
        self.cache_restarts = 0
        self.fault_windows = collections.Counter()
        self.pending_refresh = []   # (not_before, cookie) answered 503
        self.revoked = []           # (t_answered, cookie, token, sid, in_outage)
        self.rss = {}               # label -> [(t, kib)]
        self.stop_traffic = threading.Event()
        self.stop_chaos = threading.Event()
        self.t0 = None

    # --- credentials ------------------------------------------------------

    def session(self, expired=False, org="org_01ACME"):
        answer = self.workos.issue_session(
            org, lifetime=-120 if expired else int(SECONDS) + 600)
        return answer, sealer.c_seal(PASSWORD, camel_session(answer, org))

    def token(self, sid=None, key=None, **extra):
        claims = tokens.claims(self.workos.issuer, sub=USER,
                               lifetime=int(SECONDS) + 600,
                               sid=sid or "session_b" + secrets.token_hex(6),
                               **extra)
        return tokens.mint(key or self.key, claims)

    # --- bookkeeping ------------------------------------------------------

    def event(self, text):
        with self.lock:
            self.events.append(f"{time.monotonic() - self.t0:7.1f}s == {text}")

    def fail(self, kind, what, r=None):
        status = getattr(r, "status_code", r)
        now = time.monotonic()
        state = [w for w, on in (
            ("WorkOS failing", self.timeline.workos_failing(now - 1, now)),
            ("cache server away", self.timeline.cache_away(now - 1, now)))
            if on]
        with self.lock:
            self.failure_kinds[f"{kind}: {what.split(' session_')[0]}"] += 1
            self.failures.append(
                f"{now - self.t0:7.1f}s {kind}: {what}"
                f" (got {status} from {getattr(self.local, 'host', '?')}){' [' + ', '.join(state) + ']' if state else ''}")

    def note(self, kind):
        with self.lock:
            self.count[kind] += 1

    def host(self):
        return random.choice(self.hosts)

    def get(self, path, host=None, **kw):
        h = host or self.host()
        self.local.host = h.mpm
        kw.setdefault("timeout", CLIENT_TIMEOUT)
        kw.setdefault("allow_redirects", False)
        return requests.get(h.base + path, **kw)

    def retryable_503(self, kind, r, t0):
        """A 503 with Retry-After where SPEC allows it: the request needed
        WorkOS while WorkOS was failing."""
        if r.status_code == 503 and r.headers.get("Retry-After") and \
                self.timeline.workos_failing(t0, time.monotonic()):
            with self.lock:
                self.allowed_503[kind] += 1
            return True
        return False

    # --- traffic ----------------------------------------------------------

    def op_cookie(self, cookie):
        r = self.get("/sapp/page.txt",
                     headers={"Cookie": f"wos-session={cookie}",
                              "X-WorkOS-User-Id": "user_01FORGED",
                              "X_WorkOS_User_Id": "user_01FORGED"})
        if r.status_code != 200:
            return self.fail("cookie", "valid cookie refused", r)
        if r.headers.get("X-Echo-User") != USER:
            self.fail("cookie", "backend saw another user",
                      r.headers.get("X-Echo-User"))
        if r.headers.get("X-Echo-Hdr") != USER or \
                r.headers.get("X-Echo-Under"):
            self.fail("forged-header", "forged X-WorkOS-* reached backend",
                      f"{r.headers.get('X-Echo-Hdr')!r} "
                      f"{r.headers.get('X-Echo-Under')!r}")

    def op_bearer(self, token):
        r = self.get("/sapi/page.txt", headers={
            "Authorization": f"Bearer {token}"})
        if r.status_code != 200:
            self.fail("bearer", "valid token refused", r)

    def op_apikey(self):
        t0 = time.monotonic()
        r = self.get("/skeys/page.txt", headers={
            "Authorization": f"Bearer {self.api_key}"})
        if r.status_code != 200 and not self.retryable_503("apikey", r, t0):
            self.fail("apikey", "valid API key refused", r)

    def op_refresh(self, cookie=None, final=False):
        if cookie is None:
            _, cookie = self.session(expired=True)
        t0 = time.monotonic()
        r = self.get("/sapp/page.txt",
                     headers={"Cookie": f"wos-session={cookie}"})
        if r.status_code == 200:
            new = cookie_value(r)
            if not new:
                return self.fail("refresh", "200 without a new cookie", r)
            r2 = self.get("/sapp/page.txt",
                          headers={"Cookie": f"wos-session={new}"})
            if r2.status_code != 200 or cookie_value(r2) is not None:
                self.fail("refresh", "refreshed cookie refused or refreshed"
                          " again", r2)
            return True
        if not final and self.retryable_503("refresh", r, t0):
            if cookie_value(r) == "":
                self.fail("refresh", "session cleared on a retryable 503", r)
            with self.lock:
                self.pending_refresh.append((time.monotonic() + 3, cookie))
            return False
        self.fail("refresh", "expired cookie with a valid refresh token "
                  "refused" + (" after WorkOS recovered" if final else ""), r)
        return True

    def op_retry_refresh(self):
        now = time.monotonic()
        with self.lock:
            ready = [p for p in self.pending_refresh if p[0] <= now]
            if not ready:
                return False
            item = ready[0]
            self.pending_refresh.remove(item)
        self.note("refresh-retry")
        self.op_refresh(item[1])
        return True

    def op_switch(self):
        _, cookie = self.session()
        t0 = time.monotonic()
        h = self.host()
        self.local.host = h.mpm
        r = requests.post(h.base + "/switch-org",
                          data={"organization_id": "org_01OTHER"},
                          headers={"Cookie": f"wos-session={cookie}"},
                          allow_redirects=False, timeout=CLIENT_TIMEOUT)
        if r.status_code == 303:
            new = cookie_value(r)
            r2 = self.get("/sother/page.txt",
                          headers={"Cookie": f"wos-session={new}"})
            if r2.status_code != 200 or \
                    r2.headers.get("X-Echo-Org") != "org_01OTHER":
                self.fail("switch-org", "switched cookie refused", r2)
        elif not self.retryable_503("switch-org", r, t0):
            self.fail("switch-org", "switch to a member org refused", r)
        # a foreign organisation is never granted (a fresh session: the
        # first one's refresh token is spent)
        _, cookie = self.session()
        h = self.host()
        self.local.host = h.mpm
        r = requests.post(h.base + "/switch-org",
                          data={"organization_id": "org_01NOTMINE"},
                          headers={"Cookie": f"wos-session={cookie}"},
                          allow_redirects=False, timeout=CLIENT_TIMEOUT)
        if r.status_code < 400:
            self.fail("forged-switch", "foreign organisation granted", r)

    def op_revoke(self):
        answer, cookie = self.session()
        sid = json.loads(base64.urlsafe_b64decode(
            answer["access_token"].split(".")[1] + "==="))["sid"]
        token = self.token(sid=sid)
        r = self.get("/sapp/page.txt",
                     headers={"Cookie": f"wos-session={cookie}"})
        if r.status_code != 200:
            self.fail("cookie", "new session refused before revocation", r)
        body = event("session.revoked", {"id": sid, "user_id": USER},
                     eid="event_" + secrets.token_hex(8))
        deadline = time.monotonic() + 60
        while True:   # WorkOS redelivers until it gets a 2xx
            t0 = time.monotonic()
            try:
                h = self.host()
                self.local.host = h.mpm
                w = requests.post(h.base + "/webhook", data=body,
                                  headers={"Content-Type": "application/json",
                                           "WorkOS-Signature": sign(body)},
                                  timeout=CLIENT_TIMEOUT)
                if 200 <= w.status_code < 300:
                    break
                self.note(f"webhook-{w.status_code}")
            except requests.RequestException:
                self.note("webhook-error")
            if time.monotonic() > deadline:
                return self.fail("webhook", "not accepted within 60 s", w)
            time.sleep(1)   # WorkOS's redelivery, shortened
        with self.lock:
            self.revoked.append((time.monotonic(), cookie, token, sid,
                                 self.timeline.cache_away(t0,
                                                          time.monotonic())))

    def op_revoked_probe(self, final=False):
        now = time.monotonic()
        with self.lock:
            ready = [x for x in self.revoked if now - x[0] >= PROPAGATION]
        if not ready:
            return False
        t_rev, cookie, token, sid, in_outage = random.choice(ready)
        for kind, path, hdr in (
                ("cookie", "/sapp/page.txt", {"Cookie": f"wos-session={cookie}"}),
                ("bearer", "/sapi/page.txt", {"Authorization": f"Bearer {token}"})):
            t0 = time.monotonic()
            r = self.get(path, headers=hdr)
            if r.status_code < 400:
                if in_outage or (not final and self.timeline.cache_away(
                        t0, time.monotonic())):
                    with self.lock:
                        self.outage_revoked_allowed += 1
                else:
                    self.fail("forged-revoked", f"revoked session {sid} "
                              f"accepted ({kind}) {now - t_rev:.0f}s after "
                              "its webhook", r)
        return True

    def op_forged(self):
        which = random.randrange(7)
        if which == 0:     # tampered cookie: one ciphertext character
            _, cookie = self.session()
            parts = cookie.split("*")
            c = parts[4]
            i = random.randrange(len(c))
            parts[4] = c[:i] + ("A" if c[i] != "A" else "B") + c[i + 1:]
            r = self.get("/sapp/page.txt",
                         headers={"Cookie": f"wos-session={'*'.join(parts)}"})
            what = "tampered cookie"
        elif which == 1:   # signed by a key WorkOS does not have, same kid
            r = self.get("/sapi/page.txt", headers={
                "Authorization": f"Bearer {self.token(key=self.wrong_key)}"})
            what = "token signed by a wrong key"
        elif which == 2:
            claims = tokens.claims(self.workos.issuer, sub=USER)
            t = tokens.encode({"alg": "none", "typ": "JWT", "kid": "key_1"},
                              claims) + "."
            r = self.get("/sapi/page.txt",
                         headers={"Authorization": f"Bearer {t}"})
            what = "alg none token"
        elif which == 3:   # a junk kid: refused, and must not block rotation
            junk = tokens.SigningKey.__new__(tokens.SigningKey)
            junk.kid, junk.private = "kid_" + secrets.token_hex(4), \
                self.wrong_key.private
            r = self.get("/sapi/page.txt", headers={
                "Authorization": f"Bearer {self.token(key=junk)}"})
            what = "token with an unknown kid"
        elif which == 4:
            r = self.get("/skeys/page.txt", headers={
                "Authorization": "Bearer sk_test_" + secrets.token_urlsafe(24)})
            if r.status_code == 503 and r.headers.get("Retry-After"):
                return   # cannot tell while WorkOS is failing: not allowed
            what = "unknown API key"
        elif which == 5:   # forged identity headers, no authentication
            r = self.get("/spublic/page.txt", headers={
                "X-WorkOS-User-Id": "user_01FORGED",
                "X_WorkOS_User_Id": "user_01FORGED"})
            if r.status_code != 200:
                return self.fail("public", "public page refused", r)
            if r.headers.get("X-Echo-Hdr") or r.headers.get("X-Echo-Under"):
                self.fail("forged-header", "forged X-WorkOS-* reached the "
                          "backend of a public path",
                          f"{r.headers.get('X-Echo-Hdr')!r} "
                          f"{r.headers.get('X-Echo-Under')!r}")
            return
        else:              # wrong organisation
            _, cookie = self.session()
            r = self.get("/sother/page.txt",
                         headers={"Cookie": f"wos-session={cookie}"})
            what = "session of another organisation"
        if r.status_code < 400:
            self.fail("forged", f"{what} allowed", r)

    def worker(self, cookies, bearers):
        ops = (["cookie"] * 6 + ["bearer"] * 6 + ["apikey"] * 3 +
               ["refresh"] * 2 + ["switch"] + ["revoke"] +
               ["probe"] * 2 + ["forged"] * 3)
        while not self.stop_traffic.is_set():
            op = random.choice(ops)
            try:
                if op == "refresh" and self.op_retry_refresh():
                    continue
                if op == "probe" and not self.op_revoked_probe():
                    op = "cookie"
                self.note(op)
                if op == "cookie":
                    self.op_cookie(random.choice(cookies))
                elif op == "bearer":
                    self.op_bearer(random.choice(bearers))
                elif op == "apikey":
                    self.op_apikey()
                elif op == "refresh":
                    self.op_refresh()
                elif op == "switch":
                    self.op_switch()
                elif op == "revoke":
                    self.op_revoke()
                elif op == "forged":
                    self.op_forged()
            except requests.RequestException as e:
                self.fail(op, "request failed", type(e).__name__)
            except Exception:   # a bug in the soak itself: fail loudly
                self.fail(op, "soak error", traceback.format_exc())

    # --- chaos ------------------------------------------------------------

    def elapsed(self):
        return time.monotonic() - self.t0

    def chaos_workos(self, start, end):
        modes = ["slow", "429", "5xx", "down"]
        i = 0
        while not self.stop_chaos.wait(0.1):
            if self.elapsed() >= start:
                break
        while not self.stop_chaos.is_set() and self.elapsed() < end:
            mode = modes[i % len(modes)]
            i += 1
            if i % len(modes) == 0:
                random.shuffle(modes)
            self.fault_windows[mode] += 1
            self.timeline.begin("fault", mode)
            self.event(f"WorkOS {mode}")
            self.workos.fault = mode
            self.stop_chaos.wait(FAULT_FOR)
            self.workos.fault = "ok"
            self.timeline.end("fault")
            self.event("WorkOS ok")
            self.stop_chaos.wait(FAULT_OK_FOR)

    def chaos_cache(self, start, end):
        next_at = start
        while not self.stop_chaos.wait(0.2):
            if self.elapsed() >= end:
                return
            if self.elapsed() < next_at:
                continue
            self.timeline.begin("outage")
            self.event("cache server stopped")
            self.redis.stop()
            self.stop_chaos.wait(CACHE_DOWN_FOR)
            self.redis.start()
            self.timeline.end("outage")
            self.event("cache server started")
            self.cache_restarts += 1
            next_at += CACHE_RESTART_EVERY

    def chaos_restarts(self, end):
        # event at 10, 30, 50 ...; prefork at 20, 40, ...: a restart every
        # 10 s, each host every RESTART_EVERY
        n = 0
        while not self.stop_chaos.is_set():
            at = (n + 1) * RESTART_EVERY / 2
            if at >= end:
                return
            while self.elapsed() < at:
                if self.stop_chaos.wait(0.1):
                    return
            h = self.hosts[n % 2]
            try:
                self.event(f"graceful restart of {h.mpm}")
                h.graceful_restart()
                self.restarts[h.mpm] += 1
            except RuntimeError as e:
                self.fail("restart", f"{h.mpm} graceful restart", str(e)[:200])
            n += 1

    # --- memory -----------------------------------------------------------

    @staticmethod
    def _rss(pid):
        try:
            for line in pathlib.Path(f"/proc/{pid}/status").read_text() \
                    .splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return None

    @staticmethod
    def _threads(pid):
        try:
            for line in pathlib.Path(f"/proc/{pid}/status").read_text() \
                    .splitlines():
                if line.startswith("Threads:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def worker_children(self, h):
        kids = h.children()
        if h.mpm == "event":   # mod_cgid's daemon has one thread
            kids = [k for k in kids if self._threads(k) > 1]
        return kids

    def sample_rss(self):
        t = self.elapsed()
        for h in self.hosts:
            kids = [self._rss(k) for k in self.worker_children(h)]
            kids = [k for k in kids if k]
            if kids:
                self.rss.setdefault(f"{h.mpm} child", []).append((t, max(kids)))
            p = self._rss(h.proc.pid)
            if p:
                self.rss.setdefault(f"{h.mpm} parent", []).append((t, p))

    def sampler(self):
        while not self.stop_traffic.wait(2.0):
            self.sample_rss()

    def rss_verdict(self, warmup):
        lines = []
        for label, samples in sorted(self.rss.items()):
            base = [k for t, k in samples if t <= warmup] or \
                [samples[0][1]]
            start = max(base)
            end = samples[-1][1]
            peak = max(k for _, k in samples)
            bound = RSS_BOUND_KIB["parent" if "parent" in label else "child"]
            ok = peak <= start + bound
            lines.append(f"  RSS {label}: start {start} KiB, end {end} KiB, "
                         f"peak {peak} KiB (bound start + {bound} KiB)"
                         f"{'' if ok else '  EXCEEDED'}")
            if not ok:
                self.fail("rss", f"{label} grew beyond its bound",
                          f"{peak} KiB > {start} + {bound} KiB")
        return lines

    # --- run --------------------------------------------------------------

    def start_hosts(self):
        extra = (f"WorkOSCache redis:127.0.0.1:{self.redis.port}\n"
                 f"WorkOSHTTPTimeout {HTTP_TIMEOUT}\n"
                 "WorkOSAPIKeyFailureLimit 1000000 60\n" + ECHO)
        for mpm in ("event", "prefork"):
            h = SoakHttpd(self.workos, mpm=mpm, one_process=False,
                          server_extra=extra, locations=SOAK_LOCATIONS,
                          modules=("socache_redis",),
                          secrets=(self.api_key,))
            self.hosts.append(h)
            h.start()

    def run(self):
        warmup = min(10.0, SECONDS / 6)
        quiet = min(15.0, SECONDS / 4)
        chaos_end = SECONDS - quiet
        self.workos.start()
        self.redis.start()
        self.t0 = time.monotonic()
        try:
            self.start_hosts()
            cookies = [self.session()[1] for _ in range(20)]
            bearers = [self.token() for _ in range(20)]
            for c in cookies[:2]:
                self.op_cookie(c)      # keys fetched before any fault
            self.t0 = time.monotonic()
            threads = [threading.Thread(target=self.worker,
                                        args=(cookies, bearers), daemon=True)
                       for _ in range(THREADS)]
            threads += [threading.Thread(target=self.sampler, daemon=True)]
            chaos = [threading.Thread(target=fn, args=args, daemon=True)
                     for name, fn, args in (
                         ("workos", self.chaos_workos, (warmup, chaos_end)),
                         ("cache", self.chaos_cache, (warmup + 5, chaos_end)),
                         ("restart", self.chaos_restarts, (SECONDS - 5,)))
                     if name in CHAOS]
            for t in threads + chaos:
                t.start()
            while self.elapsed() < chaos_end:
                time.sleep(0.5)   # the soak's own clock
            self.stop_chaos.set()
            for t in chaos:
                t.join()
            self.workos.fault = "ok"
            while self.elapsed() < SECONDS:
                time.sleep(0.5)
            self.stop_traffic.set()
            for t in threads:
                t.join(timeout=CLIENT_TIMEOUT * 3)
            self.sample_rss()
            self.final_checks()
        finally:
            self.stop_traffic.set()
            self.stop_chaos.set()
            for h in self.hosts:
                h.stop()
            self.redis.cleanup()
            self.workos.stop()
        return self.report(warmup)

    def final_checks(self):
        """WorkOS and the cache are healthy again: every refresh answered
        503 must now succeed, every revocation must hold everywhere."""
        with self.lock:
            pending = [c for _, c in self.pending_refresh]
            self.pending_refresh.clear()
            revoked = list(self.revoked)
        for cookie in pending:
            self.note("refresh-final")
            try:
                self.op_refresh(cookie, final=True)
            except requests.RequestException as e:
                self.fail("refresh-final", "request failed", type(e).__name__)
        for t_rev, cookie, token, sid, in_outage in revoked:
            for h in self.hosts:
                for path, hdr in (("/sapp/page.txt",
                                   {"Cookie": f"wos-session={cookie}"}),
                                  ("/sapi/page.txt",
                                   {"Authorization": f"Bearer {token}"})):
                    self.note("revoked-final")
                    try:
                        r = self.get(path, host=h, headers=hdr)
                    except requests.RequestException as e:
                        self.fail("revoked-final", "request failed",
                                  type(e).__name__)
                        continue
                    if r.status_code < 400:
                        if in_outage:
                            self.outage_revoked_allowed += 1
                        else:
                            self.fail("forged-revoked", f"revoked session "
                                      f"{sid} accepted by {h.mpm} at the end",
                                      r)

    def report(self, warmup):
        crashes = []
        errors = collections.Counter()
        for h in self.hosts:
            crashes += [f"{h.mpm}: {line}" for line in h.crash_lines()]
            for line in h.log_text().splitlines():
                if re.search(r"\[[a-z_]*:(error|crit|alert|emerg)\]", line):
                    code = re.search(r"(AH|WOS)\d{5}", line)
                    errors[code.group(0) if code else "other"] += 1
            if h.stopped_by != "graceful":
                self.fail("stop", f"{h.mpm} did not stop gracefully",
                          h.stopped_by)
            leaked = h.leaked_secrets(
                [t.split(".")[2] for t in tokens.ISSUED[-200:]])
            if leaked:
                self.fail("secrets", f"{h.mpm} log has secrets", leaked)
        rss = self.rss_verdict(warmup)
        if self.keys.bad_requests:
            self.fail("apikey", "module asked WorkOS wrongly",
                      self.keys.bad_requests[:3])
        total = sum(v for k, v in self.count.items())
        print(f"soak: {SECONDS:.0f} s, {THREADS} client threads, "
              "event + prefork, redis WorkOSCache, disturbances: "
              f"{', '.join(sorted(CHAOS))}")
        print(f"  requests: {total} operations "
              f"({', '.join(f'{k} {v}' for k, v in sorted(self.count.items()))})")
        print(f"  graceful restarts: {sum(self.restarts.values())} "
              f"({dict(self.restarts)}); cache server restarts: "
              f"{self.cache_restarts}")
        print(f"  faults injected: {sum(self.fault_windows.values())} windows "
              f"({dict(self.fault_windows)}), {sum(self.workos.faulted.values())}"
              f" WorkOS calls answered by a fault ({dict(self.workos.faulted)})")
        print(f"  503 + Retry-After while WorkOS failed (allowed): "
              f"{dict(self.allowed_503)}")
        print(f"  revoked sessions: {len(self.revoked)}; accepted while the "
              f"cache server was away (per-host, docs/operations.md 'Outages'): "
              f"{self.outage_revoked_allowed}")
        print(f"  error lines in the logs (expected under faults): "
              f"{dict(errors)}")
        for line in rss:
            print(line)
        print(f"  crashes: {len(crashes)}")
        for line in crashes:
            print("    " + line)
        print(f"  failures: {len(self.failures)}")
        for what, n in self.failure_kinds.most_common():
            print(f"    {n:6d} x {what}")
        for line in self.failures[:30]:
            print("    " + line)
        if self.failures:
            fd, path = tempfile.mkstemp(prefix="wos-soak-failures-",
                                        suffix=".txt")
            with os.fdopen(fd, "w") as f:
                f.write("\n".join(sorted(self.failures + self.events)) + "\n")
            print(f"    all failures with the soak's events: {path}")
        ok = not self.failures and not crashes
        for h in self.hosts:
            if ok:
                h.cleanup()
            else:
                print(f"  {h.mpm} error log: {h.error_log}")
        print("soak: PASS" if ok else "soak: FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(Soak().run())
