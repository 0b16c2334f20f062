# SPDX-License-Identifier: Apache-2.0
"""workos-status for people (issue 24, item 8): a health summary on top
(WorkOS reachable, the signing keys, the cache, the events poller, the
last errors by WOS number), then the counters grouped with rates since
start; and the Grafana dashboard in conf/ uses only metrics the module
exports."""
import json
import pathlib
import re

import pytest

from harness import LOCATIONS
from services import CacheServer
from test_authn import bearer, token

ROOT = pathlib.Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "conf" / "grafana-mod_auth_workos.json"
STATUS = LOCATIONS + """
<Location /workos-status>
    SetHandler workos-status
</Location>
"""
HTML = {"Accept": "text/html"}


def health(page, what):
    """The state cell and the details cell of a health row."""
    m = re.search(r"<tr><th>" + re.escape(what) + r"</th><td class=\"(\w+)\">"
                  r"([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert m, f"no health row for {what}"
    return m.group(1), m.group(2), m.group(3)


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_the_page_sums_up_health_then_counters(servers, workos, mpm):
    httpd = servers.start(locations=STATUS, mpm=mpm, one_process=False)
    page = httpd.get("/workos-status", headers=HTML).text
    assert health(page, "WorkOS")[:2] == ("idle", "not called yet")
    assert health(page, "Signing keys")[:2] == ("idle", "not fetched yet")
    assert health(page, "Cache")[:2] == ("ok", "up")
    assert health(page, "Events poller")[:2] == ("idle", "not polling")
    assert "<p>None since start.</p>" in page
    # a few requests, spread over the processes
    t = token(workos)
    for _ in range(6):
        assert httpd.get("/api", headers=bearer(t)).status_code == 200
    r = httpd.get("/workos-status", headers=HTML)
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Cache-Control"] == "no-store"
    page = r.text
    assert page.startswith("<!DOCTYPE html>\n<html><head><title>")
    cls, state, details = health(page, "WorkOS")
    assert (cls, state) == ("ok", "reachable")
    assert "s ago)" in details and "last failure (no answer or 5xx): never" \
        in details
    cls, state, details = health(page, "Signing keys")
    assert (cls, state) == ("ok", f"{len(workos.keys)} key, 0 min old")
    assert "fetches 1, failed 0" in details
    # the health summary comes before the counters, grouped, with rates
    assert page.index("<h2>Health</h2>") < page.index("<h2>Counters</h2>")
    groups = re.findall(r"<h3>([^<]+)</h3>", page)
    assert groups[:2] == ["Requests", "Sessions"]
    assert "Calls to WorkOS" in groups
    m = re.search(r"<tr><th>requests_allowed</th><td>6</td>"
                  r"<td>([0-9.]+)/min</td><td>Authentication", page)
    assert m and float(m.group(1)) > 0
    # every counter appears once, whatever its group
    s = httpd.get("/workos-status").json()
    for name in s:
        if isinstance(s[name], int) and name not in GAUGES:
            assert page.count(f"<tr><th>{name}</th>") == 1, name
    assert s["jwks_keys"] == len(workos.keys)
    assert s["jwks_last_fetch"] > 0 and s["started"] > 0
    assert s["workos_api_last_success"] >= s["jwks_last_fetch"]
    assert s["workos_api_last_failure"] == 0
    assert s["workos_api_unreachable"] == 0 and s["cache_down"] == 0
    assert s["last_errors"] == []


GAUGES = {"events_poll_last_success", "events_poll_lag_seconds", "started",
          "workos_api_last_success", "workos_api_last_failure", "jwks_keys",
          "jwks_last_fetch", "cache_last_success", "cache_last_failure",
          "workos_api_unreachable", "cache_down"}


def test_an_unreachable_workos_and_its_errors_show(servers, workos):
    httpd = servers.start(locations=STATUS)
    # the JWKS fetch fails, then the request cannot be verified
    httpd.allowed_errors += [r"WOS00205", r"WOS00303"]
    workos.jwks_mode = "down"
    assert httpd.get("/api", headers=bearer(token(workos))).status_code \
        in (502, 503)
    page = httpd.get("/workos-status", headers=HTML).text
    cls, state, details = health(page, "WorkOS")
    assert (cls, state) == ("down", "unreachable")
    assert "last answer: never" in details
    assert health(page, "Signing keys")[:2] == ("idle", "not fetched yet")
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\w+)</td><td>(WOS\d{5})"
                      r"</td></tr>", page)
    assert ("error", "WOS00205") in [(lv, n) for _, lv, n in rows]
    s = httpd.get("/workos-status").json()
    assert s["workos_api_unreachable"] == 1
    last = s["last_errors"]
    assert [e["number"] for e in last] == ["WOS00303", "WOS00205"]
    assert {e["level"] for e in last} == {"error"}
    assert all(e["time"] >= s["started"] for e in last)
    # the page shows numbers only, never a logged message's text
    assert "JWKS fetch from" not in page


@pytest.fixture
def redis():
    server = CacheServer("redis").start()
    yield server
    server.cleanup()


def test_the_network_cache_up_then_down(redis, servers, workos):
    httpd = servers.start(locations=STATUS, modules=[redis.module],
                          server_extra=redis.server_extra())
    # the cache server's absence, as mod_socache_redis and the module log it
    httpd.allowed_errors += [r"WOS001\d\d", r"AH0347\d"]
    t = token(workos)
    assert httpd.get("/api", headers=bearer(t)).status_code == 200
    page = httpd.get("/workos-status", headers=HTML).text
    cls, state, details = health(page, "Cache")
    assert (cls, state) == ("ok", "up")
    assert redis.spec() in details
    redis.stop()
    assert httpd.get("/api", headers=bearer(token(workos, sid="s2"))) \
        .status_code == 200
    page = httpd.get("/workos-status", headers=HTML).text
    cls, state, _ = health(page, "Cache")
    assert (cls, state) == ("down", "down (this host uses its own)")
    s = httpd.get("/workos-status").json()
    assert s["cache_down"] == 1
    # a warning logged with the failure's status is remembered too
    assert "WOS00107" in [e["number"] for e in s["last_errors"]]
    assert s["cache_last_failure"] >= s["cache_last_success"] > 0


# --- the Grafana dashboard ---------------------------------------------------

def dashboard_exprs():
    board = json.loads(DASHBOARD.read_text())
    exprs = []
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            exprs.append(target["expr"])
    return board, exprs


def exported(prom_text):
    """metric name -> the label names its samples carry."""
    out = {}
    for line in prom_text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? \S+$", line)
        assert m, line
        labels = set(re.findall(r"(\w+)=\"", m.group(3) or ""))
        out.setdefault(m.group(1), set()).update(labels)
    return out


# Labels Prometheus adds to every sample it scrapes.
TARGET_LABELS = {"job", "instance"}


def test_every_metric_the_dashboard_uses_exists(servers):
    httpd = servers.start(locations=STATUS)
    board, exprs = dashboard_exprs()
    assert board["title"] and exprs
    have = exported(httpd.get("/workos-status?format=prometheus").text)
    used = set()
    for expr in exprs:
        for name, labels in re.findall(r"\b(workos_[a-z_]+)(\{[^}]*\})?",
                                       expr):
            used.add(name)
            assert name in have, f"{name} (in {expr!r}) is not exported"
            for label in re.findall(r"(\w+)\s*=~?", labels):
                assert label in have[name] | TARGET_LABELS, \
                    f"{name} has no label {label}"
    # the dashboard covers the health the page shows
    for name in ("workos_api_last_success_timestamp_seconds",
                 "workos_jwks_keys", "workos_events_poll_lag_seconds",
                 "workos_cache_down", "workos_api_unreachable",
                 "workos_decisions_total", "workos_api_calls_total"):
        assert name in used, name
