# SPDX-License-Identifier: Apache-2.0
"""Refresh outcomes (issue 12 items 5 and 6, issue 15 item 5): only
invalid_grant, mfa_enrollment and sso_required sign a user out; 429 (with
its Retry-After), 408, 5xx and no answer are retryable: 503, the session
kept, nothing remembered as a refusal. Requests waiting on a slow refresh
cost constant memory, end within WorkOSHTTPTimeout, and the next request
after a failure does not call WorkOS again at once. WorkOSRefreshBefore
sets how early a session refreshes."""
import concurrent.futures
import os
import time

import pytest

import sealer
from test_lifecycle import BROWSER, cookie_value, session_cookie

AUTH = "/user_management/authenticate"


def get(httpd, cookie, headers=None):
    return httpd.get("/private", headers={"Cookie": f"wos-session={cookie}",
                                          **(headers or {})})


def until_not_503(httpd, cookie, seconds=10):
    deadline = time.monotonic() + seconds
    r = get(httpd, cookie)
    while r.status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.2)  # polling for the hold to lapse, with a deadline
        r = get(httpd, cookie)
    return r


@pytest.mark.parametrize("mode", ["429", "408", "503", "down", "slow"])
def test_retryable_answers_keep_the_session(httpd, workos, mode):
    httpd.allowed_errors += ["WOS00502", "WOS00303"]
    _, cookie = session_cookie(workos, expired=True)
    workos.auth_mode = mode
    workos.delay = 3          # "slow": past WorkOSHTTPTimeout (2)
    r = get(httpd, cookie, BROWSER)
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) >= 1
    assert cookie_value(r, "wos-session") is None       # not cleared
    assert "Location" not in r.headers                  # not sent to sign in
    assert workos.count(AUTH) == 1
    if mode == "slow":
        return  # the fake finished that refresh late: the token is spent
    # not remembered as a refusal: once WorkOS answers, the same cookie
    # refreshes
    workos.auth_mode = "ok"
    r = until_not_503(httpd, cookie)
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "user_01ALICE"
    sealer.ISSUED.append(cookie_value(r, "wos-session"))


def test_429_retry_after_is_honoured(httpd, workos):
    httpd.allowed_errors += ["WOS00502", "WOS00303"]
    _, cookie = session_cookie(workos, expired=True)
    workos.auth_mode = "429"
    workos.retry_after = 7
    r = get(httpd, cookie)
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "7"
    # the next requests inside that window do not call WorkOS
    workos.auth_mode = "ok"
    for _ in range(3):
        r = get(httpd, cookie)
        assert r.status_code == 503
        assert 1 <= int(r.headers["Retry-After"]) <= 7
    assert workos.count(AUTH) == 1


@pytest.mark.parametrize("code", ["mfa_enrollment", "sso_required"])
def test_terminal_answers_sign_out(httpd, workos, code):
    _, cookie = session_cookie(workos, expired=True)
    workos.refresh_error = code
    r = get(httpd, cookie, BROWSER)
    assert r.status_code == 302            # signed out: sent to sign in
    assert "/user_management/authorize" in r.headers["Location"]
    assert any(h.startswith("wos-session=;") and "Max-Age=0" in h
               for h in r.raw.headers.getlist("Set-Cookie"))


def test_a_refusal_about_this_server_is_not_a_sign_out(httpd, workos):
    # a wrong API key: WorkOS answers invalid_client, which says nothing
    # about the user's session
    httpd.allowed_errors += ["WOS02310", "WOS00303"]
    _, cookie = session_cookie(workos, expired=True)
    workos.api_key = "sk_test_some_other_key_entirely_0000"
    r = get(httpd, cookie, BROWSER)
    assert r.status_code == 503
    assert cookie_value(r, "wos-session") is None
    assert "WorkOSAPIKey" in httpd.log_text()


def _children(parent):
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                out.append(int(pid))
        except (OSError, IndexError, ValueError):
            pass
    return out


def _rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def test_sixty_waiters_on_a_slow_refresh(servers, workos):
    # timeout 2 s; room for 60 waiters and the test's other connections
    httpd = servers.start(mpm="event", one_process=False, server_extra=(
        "StartServers 4\nMaxRequestWorkers 128\nMaxSpareThreads 128"))
    httpd.allowed_errors += ["WOS00502", "WOS00503", "WOS00303",
                             "AH10159", "AH00484"]  # busy on purpose
    _, cookie = session_cookie(workos, expired=True)
    # warm every worker thread up (keys fetched, pools grown), then measure
    warm = [session_cookie(workos)[1] for _ in range(4)]
    with concurrent.futures.ThreadPoolExecutor(60) as pool:
        list(pool.map(lambda i: get(httpd, warm[i % 4]), range(120)))
    children = _children(httpd.proc.pid)
    before = {pid: _rss_kb(pid) for pid in children}
    workos.auth_mode = "slow"
    workos.delay = 6

    def hit(_):
        t0 = time.monotonic()
        r = get(httpd, cookie)
        return r.status_code, time.monotonic() - t0, r.headers.get(
            "Retry-After"), cookie_value(r, "wos-session")

    with concurrent.futures.ThreadPoolExecutor(60) as pool:
        results = list(pool.map(hit, range(60)))
    after = {pid: _rss_kb(pid) for pid in children}
    assert [s for s, _, _, _ in results] == [503] * 60
    slowest = max(t for _, t, _, _ in results)
    assert slowest < 2 + 1.0, slowest        # WorkOSHTTPTimeout + margin
    assert all(ra for _, _, ra, _ in results)
    assert all(c is None for _, _, _, c in results)   # sessions kept
    assert workos.count(AUTH) == 1
    growth = max(after[p] - before[p] for p in children)
    print(f"60 waiters: slowest {slowest:.2f} s, RSS growth per child "
          f"{[after[p] - before[p] for p in children]} KiB")
    # constant per waiter: the old loop grew a child by 11-18 MB here;
    # 8 MB leaves room for a sanitizer's quarantine
    assert growth < 8192, growth
    # right after the failure, the next request takes it, without a call
    r = get(httpd, cookie)
    assert r.status_code == 503
    assert workos.count(AUTH) == 1


def test_refresh_before_sets_how_early(servers, workos):
    default = servers.start()
    early = servers.start(server_extra="WorkOSRefreshBefore 200")
    workos.token_lifetime = 100   # 100 s left
    _, cookie100 = session_cookie(workos)
    workos.token_lifetime = 20    # 20 s left: inside the default 30 s
    _, cookie20 = session_cookie(workos)
    workos.token_lifetime = 300
    r = get(default, cookie100)
    assert r.status_code == 200 and cookie_value(r, "wos-session") is None
    assert workos.count(AUTH) == 0
    r = get(default, cookie20)
    assert r.status_code == 200
    assert cookie_value(r, "wos-session")           # refreshed early
    sealer.ISSUED.append(cookie_value(r, "wos-session"))
    assert workos.count(AUTH) == 1
    r = get(early, cookie100)
    assert r.status_code == 200
    assert cookie_value(r, "wos-session")
    sealer.ISSUED.append(cookie_value(r, "wos-session"))
    assert workos.count(AUTH) == 2
