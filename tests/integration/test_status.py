# SPDX-License-Identifier: Apache-2.0
"""workos-status and the mod_status section (issue 7)."""
from harness import LOCATIONS
from test_authn import bearer, token

STATUS = LOCATIONS + """
<Location /workos-status>
    SetHandler workos-status
</Location>
<Location /server-status>
    SetHandler server-status
</Location>
"""


def test_counters_count_what_happened(servers, workos):
    httpd = servers.start(locations=STATUS, modules=["status"])
    t = token(workos)
    for _ in range(5):
        assert httpd.get("/api", headers=bearer(t)).status_code == 200
    assert httpd.get("/api").status_code == 401
    assert httpd.get("/role", headers=bearer(t)).status_code == 403
    s = httpd.get("/workos-status").json()
    assert s["requests_allowed"] == 6       # 5 + the 403 one authenticated
    assert s["requests_denied"] == 1
    assert s["requests_forbidden"] == 1
    assert s["jwks_fetches"] == 1
    assert s["credential_cache_hits"] == 5
    assert s["credential_cache_misses"] == 1
    assert s["workos_api_errors"] == 0
    html = httpd.get("/workos-status", headers={"Accept": "text/html"})
    assert html.headers["Content-Type"].startswith("text/html")
    assert "<th>requests_allowed</th><td>6</td>" in html.text
    auto = httpd.get("/server-status?auto").text
    assert "WorkOS requests_allowed: 6" in auto
    assert "mod_auth_workos" in httpd.get("/server-status").text


def test_decisions_are_logged_with_reasons_and_no_secrets(httpd, workos):
    import time
    expired = token(workos, exp=int(time.time()) - 120)
    httpd.get("/api", headers=bearer(expired))
    httpd.get("/api", headers=bearer(token(workos, key="key_unknown")))
    httpd.get("/role", headers=bearer(token(workos)))
    log = httpd.log_text()
    assert "no valid session: expired" in log
    assert "no valid session: unknown kid" in log.replace("key id", "kid")
    assert "Require workos-role: not granted to user_01ALICE" in log
