# SPDX-License-Identifier: Apache-2.0
"""Sign-in state is bounded (issue 22 item 6): the sealed return path is
capped, and the verifier cookies a browser holds stay under about 3 KB
together, so sign-ins started from long URLs never make a Cookie header
httpd refuses (it answered 400 to every path, /login included, for the
flows' 10 minutes)."""
import requests

import sealer
from flows import PREFIX, verifier, verifiers_cleared
from test_lifecycle import BROWSER, cookie_value
from test_signin_flows import finish, start, to_callback

BUDGET = 3 * 1024


def long_url(i, path_len=40, query_len=2000):
    path = f"/private/{i}/" + "p" * path_len
    return path, path + "?q=" + "x" * (query_len - len(path) - 3)


def held(jar):
    return {c.name: c.value for c in jar.cookies if c.name.startswith(PREFIX)}


def header_size(cookies):
    return sum(len(n) + 1 + len(v) + 2 for n, v in cookies.items())


def test_three_sign_ins_from_long_urls_leave_login_working(servers, workos):
    h = servers.start()
    jar = requests.Session()
    for i in range(3):
        _, url = long_url(i)
        assert len(url) >= 2000
        start(h, jar, url)
    # /login still answers, and a whole sign-in in this browser works
    r = jar.get(h.base + "/login", headers=BROWSER, allow_redirects=False,
                timeout=20)
    assert r.status_code == 302, r.status_code
    assert header_size(held(jar)) < BUDGET, header_size(held(jar))
    assert all(len(n) + 1 + len(v) < BUDGET for n, v in held(jar).items())
    assert header_size(held(jar)) < BUDGET
    r = jar.get(h.base + "/private", headers=BROWSER, allow_redirects=True,
                timeout=20)
    assert r.status_code == 200, r.status_code


def test_long_return_path_keeps_its_path_without_the_query(servers, workos):
    h = servers.start()
    jar = requests.Session()
    path, url = long_url(7)
    r = start(h, jar, url)
    r = finish(h, jar, to_callback(r))
    assert r.status_code == 302, r.text
    assert r.headers["Location"] == path
    sealer.ISSUED.append(cookie_value(r, "wos-session"))


def test_over_long_path_returns_to_the_root(servers, workos):
    h = servers.start()
    jar = requests.Session()
    _, url = long_url(8, path_len=1900, query_len=1990)
    r = start(h, jar, url)
    r = finish(h, jar, to_callback(r))
    assert r.status_code == 302, r.text
    assert r.headers["Location"] == "/"
    sealer.ISSUED.append(cookie_value(r, "wos-session"))


def test_short_return_paths_are_kept_whole(servers, workos):
    h = servers.start()
    jar = requests.Session()
    r = start(h, jar, "/private/report?year=2026&q=" + "y" * 200)
    r = finish(h, jar, to_callback(r))
    assert r.headers["Location"] == "/private/report?year=2026&q=" + "y" * 200
    sealer.ISSUED.append(cookie_value(r, "wos-session"))


def test_five_ordinary_flows_stay_pending(servers, workos):
    # the budget never costs ordinary sign-ins: five pending, the sixth
    # clears only the oldest (as before)
    h = servers.start()
    jar = requests.Session()
    names = []
    for i in range(6):
        r = start(h, jar, f"/private/page-{i}?tab={i}")
        names.append(verifier(r)[0])
        assert verifiers_cleared(r) == ([names[0]] if i == 5 else [])
    assert sorted(held(jar)) == sorted(names[1:])
    assert header_size(held(jar)) < BUDGET
