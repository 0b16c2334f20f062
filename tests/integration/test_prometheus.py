# SPDX-License-Identifier: Apache-2.0
"""workos-status in Prometheus's text exposition format (issue 16), read
back with prometheus_client's own parser."""
import re

from prometheus_client.parser import text_string_to_metric_families

from test_authn import bearer, token
from test_events import STATUS


def scrape(h, **kw):
    r = h.get("/workos-status", **kw)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return r.text


def families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def value(fams, family, sample, **labels):
    for s in fams[family].samples:
        if s.name == sample and s.labels == labels:
            return s.value
    raise KeyError((sample, labels))


def test_prometheus_format_parses_and_counts(servers, workos):
    h = servers.start(mpm="event", one_process=False, locations=STATUS)
    t = token(workos)
    for _ in range(3):
        assert h.get("/api", headers=bearer(t)).status_code == 200
    assert h.get("/api").status_code == 401
    assert h.get("/role", headers=bearer(t)).status_code == 403
    text = scrape(h, params={"format": "prometheus"})
    # what Prometheus itself sends is honoured too
    accept = scrape(h, headers={"Accept": "application/openmetrics-text;"
                                "version=1.0.0;q=0.5,text/plain;"
                                "version=0.0.4;q=0.3,*/*;q=0.1"})
    assert families(accept).keys() == families(text).keys()
    fams = families(text)
    assert value(fams, "workos_decisions", "workos_decisions_total",
                 outcome="allowed") == 4
    assert value(fams, "workos_decisions", "workos_decisions_total",
                 outcome="unauthenticated") == 1
    assert value(fams, "workos_decisions", "workos_decisions_total",
                 outcome="forbidden") == 1
    assert value(fams, "workos_jwks_fetches", "workos_jwks_fetches_total") \
        == 1
    assert value(fams, "workos_api_calls", "workos_api_calls_total",
                 endpoint="jwks", status="2xx") == 1
    assert value(fams, "workos_api_calls", "workos_api_calls_total",
                 endpoint="events", status="2xx") == 0
    for name in ("workos_credential_cache_hits", "workos_refreshes",
                 "workos_events_applied", "workos_revocations_recorded"):
        assert fams[name].type == "counter", name
    assert fams["workos_events_poll_lag_seconds"].type == "gauge"
    # every family is workos_*, documented and typed, once
    for f in fams.values():
        assert f.name.startswith("workos_") and f.documentation, f.name
        assert f.type in ("counter", "gauge"), f.name
    for kind in ("HELP", "TYPE"):
        names = re.findall(rf"^# {kind} (\S+)", text, re.M)
        assert len(names) == len(set(names)) == len(fams)
    # the other formats still answer
    assert h.get("/workos-status").json()["requests_allowed"] == 4
    print("\n" + "\n".join(text.splitlines()[:12]))


def test_events_poll_metrics(servers, workos):
    h = servers.start(mpm="prefork", one_process=False, locations=STATUS,
                      server_extra="WorkOSEventsPoll 1\n")
    from test_events import wait_for, wait_polls
    wait_polls(workos, 1)
    workos.emit("session.revoked", {"id": "session_PROM"})

    def applied():
        f = families(scrape(h, params={"format": "prometheus"}))
        return value(f, "workos_events_applied",
                     "workos_events_applied_total") == 1

    wait_for(applied, 10, "the event counted")
    fams = families(scrape(h, params={"format": "prometheus"}))
    assert value(fams, "workos_api_calls", "workos_api_calls_total",
                 endpoint="events", status="2xx") >= 1
    assert value(fams, "workos_events_poll_last_success_timestamp_seconds",
                 "workos_events_poll_last_success_timestamp_seconds") > 0
    assert 0 <= value(fams, "workos_events_poll_lag_seconds",
                      "workos_events_poll_lag_seconds") <= 5
