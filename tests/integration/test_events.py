# SPDX-License-Identifier: Apache-2.0
"""WorkOSEventsPoll: the Events API instead of webhooks (issue 16). Real
httpd (prefork and event, several processes), a real redis shared by two
hosts, the fake WorkOS's /events with cursors and 30-day retention."""
import os
import re
import signal
import time

import pytest

from fake_workos import EVENTS_RETENTION
from harness import LOCATIONS
from services import CacheServer
from test_authn import bearer, token
from test_webhook import deliver, event

STATUS = LOCATIONS + """
<Location /workos-status>
    SetHandler workos-status
</Location>
"""
POLL = "WorkOSEventsPoll 1\n"
# the poller's own complaints that some tests provoke on purpose
POLL_FAILED = r"WOS02605"
LOST_CURSOR = r"WOS02607"


def wait_for(cond, timeout, what):
    """Polls cond until it holds; returns the seconds it took."""
    start = time.monotonic()
    while not cond():
        assert time.monotonic() - start < timeout, f"not within {timeout} s: {what}"
        time.sleep(0.02)  # polling a condition with a deadline
    return time.monotonic() - start


def status(h):
    return h.get("/workos-status?format=json").json()


# (ask for redis before servers: httpd stops before its cache server)
@pytest.fixture
def redis():
    server = CacheServer("redis").start()
    yield server
    server.cleanup()


def host(servers, cache=None, mpm="event", extra=POLL, **kw):
    kw.setdefault("one_process", False)
    if cache:
        kw["server_extra"] = cache.server_extra() + extra
        kw["modules"] = [cache.module]
    else:
        kw["server_extra"] = extra
    return servers.start(mpm=mpm, locations=STATUS, **kw)


def polls(workos):
    with workos.lock:
        return len(workos.events_queries)


def wait_polls(workos, n=1, timeout=10):
    """Waits until n more polls have been answered."""
    target = polls(workos) + n
    wait_for(lambda: polls(workos) >= target, timeout, f"{n} more polls")


def test_revocation_through_the_poller_reaches_a_second_host(redis, servers,
                                                             workos):
    a = host(servers, redis, mpm="prefork")
    b = host(servers, redis, mpm="event")
    t = token(workos, sid="session_POLLED")
    assert a.get("/api", headers=bearer(t)).status_code == 200
    assert b.get("/api", headers=bearer(t)).status_code == 200
    wait_polls(workos, 2)
    workos.emit("session.revoked", {"id": "session_POLLED"})
    delay = wait_for(lambda: b.get("/api", headers=bearer(t)).status_code
                     == 401, 10, "revoked on host b")
    assert a.get("/api", headers=bearer(t)).status_code == 401
    print(f"\nevent at the API -> first 401 on the second host: {delay:.3f} s"
          " (WorkOSEventsPoll 1)")
    # every poll asked for the events it applies, by name: one
    # comma-separated value, as WorkOS's description has it
    q = workos.events_queries[-1]
    assert len(q["events"]) == 1 and "events[]" not in q
    assert set(q["events"][0].split(",")) >= {"session.revoked", "user.deleted",
                                  "organization_membership.deleted",
                                  "organization_membership.updated",
                                  "api_key.revoked"}
    assert q["limit"] == ["100"]
    # one poller for the fleet: one process of one host claimed it
    claims = a.log_text().count("WOS02603") + b.log_text().count("WOS02603")
    assert claims == 1
    applied = status(a)["events_applied"] + status(b)["events_applied"]
    assert applied == 1


def test_one_poller_among_many_prefork_children(servers, workos):
    h = host(servers, mpm="prefork")
    wait_polls(workos, 4)
    # a second apart, not once per child
    start, n = time.monotonic(), polls(workos)
    wait_polls(workos, 3)
    rate = (polls(workos) - n) / (time.monotonic() - start)
    assert rate < 2.5, f"{rate:.1f} polls/s with 4+ children polling"
    assert h.log_text().count("WOS02603") == 1


def test_first_poll_starts_now_not_30_days_back(servers, workos):
    workos.emit("session.revoked", {"id": "session_OLD"},
                created=time.time() - 3600)
    h = host(servers)
    wait_polls(workos, 2)
    t = token(workos, sid="session_OLD")
    assert h.get("/api", headers=bearer(t)).status_code == 200
    first = workos.events_queries[0]
    assert "after" not in first and "range_start" in first


def test_restart_goes_on_from_the_cursor(redis, servers, workos):
    a = host(servers, redis)
    wait_polls(workos, 1)
    workos.emit("session.revoked", {"id": "session_R1"})
    wait_for(lambda: status(a)["events_applied"] == 1, 10, "first event")
    a.stop()
    # events while no host polls: applied after the restart, none twice
    workos.emit("session.revoked", {"id": "session_R2"})
    workos.emit("user.deleted", {"id": "user_01GONE"})
    b = host(servers, redis)
    wait_for(lambda: status(b)["events_applied"] == 2, 10,
             "the events missed while down")
    wait_polls(workos, 2)
    assert status(b)["events_applied"] == 2
    assert b.get("/api", headers=bearer(token(
        workos, sid="session_R2"))).status_code == 401
    assert b.get("/api", headers=bearer(token(
        workos, sub="user_01GONE", sid="session_X"))).status_code == 401
    assert b.get("/api", headers=bearer(token(
        workos, sid="session_R1"))).status_code == 401


def test_a_cursor_workos_no_longer_knows(servers, workos):
    h = host(servers)
    h.allowed_errors.append(LOST_CURSOR)
    wait_polls(workos, 1)
    workos.emit("session.revoked", {"id": "session_C1"})
    wait_for(lambda: status(h)["events_applied"] == 1, 10, "first event")
    # older than WorkOS keeps: the cursor's event is gone
    with workos.lock:
        for e in workos.events:
            e["_t"] -= EVENTS_RETENTION + 60
    wait_for(lambda: LOST_CURSOR in h.log_text(), 10, "lost cursor logged")
    assert "going on from now" in h.log_text()
    workos.emit("session.revoked", {"id": "session_C2"})
    wait_for(lambda: h.get("/api", headers=bearer(token(
        workos, sid="session_C2"))).status_code == 401, 10,
        "events after the restart from now")
    assert h.log_text().count(LOST_CURSOR) == 1


@pytest.mark.parametrize("mode", ["garbage", "truncated", "huge",
                                  "forbidden"])
def test_bad_answers_apply_nothing_and_lose_nothing(servers, workos, mode):
    h = host(servers)
    h.allowed_errors.append(POLL_FAILED)
    wait_polls(workos, 1)
    t = token(workos, sid="session_BAD")
    workos.events_mode = mode
    workos.emit("session.revoked", {"id": "session_BAD"})
    wait_for(lambda: POLL_FAILED in h.log_text(), 10, "failure logged")
    assert h.get("/api", headers=bearer(t)).status_code == 200
    assert status(h)["events_applied"] == 0
    workos.events_mode = "ok"
    wait_for(lambda: h.get("/api", headers=bearer(t)).status_code == 401,
             15, "caught up after the bad answers")
    assert status(h)["events_applied"] == 1
    assert "WOS02608" in h.log_text()


def test_workos_down_backs_off_logs_once_and_catches_up(servers, workos):
    h = host(servers)
    h.allowed_errors.append(POLL_FAILED)
    wait_polls(workos, 1)
    workos.events_mode = "down"
    n = polls(workos)
    t = token(workos, sid="session_DOWN")
    workos.emit("session.revoked", {"id": "session_DOWN"})
    assert h.get("/api", headers=bearer(t)).status_code == 200  # keys in
    down = time.monotonic()
    # requests are answered at once all along (the bound leaves room for
    # a loaded machine; a request held by a poll would wait for it)
    while time.monotonic() - down < 8:
        started = time.monotonic()
        assert h.get("/api", headers=bearer(t)).status_code == 200
        assert time.monotonic() - started < 1.0
        time.sleep(0.2)  # spacing the requests, not synchronising
    tries = polls(workos) - n
    # 1 s apart at first, then 2, 4, 8: not eight tries in eight seconds
    assert 2 <= tries <= 5, tries
    assert h.log_text().count(POLL_FAILED) == 1
    workos.events_mode = "ok"
    wait_for(lambda: h.get("/api", headers=bearer(t)).status_code == 401,
             15, "caught up after WorkOS came back")
    assert "WOS02608" in h.log_text()


def test_slow_workos_never_holds_a_request(servers, workos):
    workos.delay = 1.5
    h = host(servers, extra=POLL + "WorkOSHTTPTimeout 3\n")
    wait_polls(workos, 1)
    t = token(workos)
    assert h.get("/api", headers=bearer(t)).status_code == 200  # keys in
    workos.events_mode = "slow"
    n = polls(workos)
    # each poll now takes 1.5 s; requests meanwhile take no part of it
    while polls(workos) < n + 3:
        started = time.monotonic()
        assert h.get("/api", headers=bearer(t)).status_code == 200
        assert time.monotonic() - started < 1.0
        time.sleep(0.1)  # spacing the requests, not synchronising


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_graceful_restart_and_stop_with_the_poller(redis, servers, workos,
                                                   mpm):
    h = host(servers, redis, mpm=mpm)
    h.allowed_errors.append("AH00493")  # SIGUSR1 received
    wait_polls(workos, 1)
    before = h.log_text().count("resuming normal operations")
    os.kill(h.proc.pid, signal.SIGUSR1)  # apachectl graceful
    wait_for(lambda: h.log_text().count("resuming normal operations")
             > before, 20, "the new generation")
    workos.emit("session.revoked", {"id": "session_GRACE"})
    t = token(workos, sid="session_GRACE")
    wait_for(lambda: h.get("/api", headers=bearer(t)).status_code == 401,
             15, "the new generation polls")
    started = time.monotonic()
    h.stop()
    assert time.monotonic() - started < 8, "stop waited for the poller"
    assert h.proc.returncode == 0
    # the claim was handed back: another host polls at once
    g = host(servers, redis)
    wait_for(lambda: "WOS02603" in g.log_text(), 3, "the claim taken over")


def test_events_poll_needs_an_api_key(servers, workos):
    from harness import Httpd
    h = Httpd(workos, server_extra=POLL + "WorkOSAPIKey \"\"\n")
    r = h.configtest()
    h.cleanup()
    # an empty key is refused by the key's own check or by the poller's
    assert r.returncode != 0
    assert re.search(r"WorkOSAPIKey", r.stdout + r.stderr)


def test_a_dead_pollers_claim_is_taken_over(redis, servers, workos):
    a = host(servers, redis, mpm="event")
    wait_for(lambda: "WOS02603" in a.log_text(), 5, "host a polls")
    b = host(servers, redis, mpm="prefork")
    wait_polls(workos, 2)
    assert "WOS02603" not in b.log_text()
    # host a dies without handing the claim back
    os.killpg(a.proc.pid, signal.SIGKILL)
    a.proc.wait()
    # killed on purpose: not a crash for the end-of-test checks
    servers.started.remove(a)
    a.proc.stdout.close()
    a.cleanup()
    # the lease (3 x 1 s + WorkOSHTTPTimeout 2 s + 5 s) runs out
    took = wait_for(lambda: "WOS02603" in b.log_text(), 15,
                    "host b takes over")
    workos.emit("session.revoked", {"id": "session_TAKEN"})
    t = token(workos, sid="session_TAKEN")
    wait_for(lambda: b.get("/api", headers=bearer(t)).status_code == 401,
             5, "host b applies events")
    print(f"\ntake-over after the poller died: {took:.1f} s")
