# SPDX-License-Identifier: Apache-2.0
"""Issue 22, finding 10: a claim never replaces a variable httpd, CGI or
the module sets (WorkOSPassClaim refuses it at configtest), and an
anonymous caller never satisfies Require valid-user (the status page is
not readable by anyone under it)."""
import pytest
import requests

from harness import Httpd
from test_authn import bearer, token
from test_config import configtest
from test_first_hour import BROWSER, sign_in, whole_site


@pytest.mark.parametrize("var", [
    "LD_PRELOAD", "LD_LIBRARY_PATH", "PATH", "path", "REMOTE_USER",
    "REMOTE_ADDR", "AUTH_TYPE", "WORKOS_ORG_ID", "workos_user_id",
    "HTTP_X_WORKOS_USER_ID", "HTTP_COOKIE", "SERVER_NAME", "HTTPS",
    "GATEWAY_INTERFACE", "CONTENT_LENGTH", "QUERY_STRING", "REQUEST_METHOD",
    "SCRIPT_FILENAME", "DOCUMENT_ROOT", "PATH_INFO", "SSL_CLIENT_S_DN",
    "UNIQUE_ID", "REDIRECT_STATUS", "CONTEXT_PREFIX",
])
def test_pass_claim_refuses_reserved_variables(workos, var):
    loc = ("<Location /x>\n AuthType WorkOS\n"
           f" WorkOSPassClaim tier {var}\n Require valid-user\n</Location>\n")
    r = configtest(workos, locations=loc)
    assert r.returncode != 0, r.stderr
    assert "WorkOSPassClaim" in r.stderr, r.stderr
    assert f"'{var}' is a reserved variable" in r.stderr, r.stderr


@pytest.mark.parametrize("var", ["TIER", "WORKOS_CLAIM_TIER", "APP_TIER",
                                 "PATHWAY", "HTTPX", "LDAP_GROUP"])
def test_pass_claim_accepts_other_variables(workos, var):
    loc = ("<Location /x>\n AuthType WorkOS\n"
           f" WorkOSPassClaim tier {var}\n Require valid-user\n</Location>\n")
    r = configtest(workos, locations=loc)
    assert r.returncode == 0, r.stderr


STATUS = """
<Location /workos-status>
    SetHandler workos-status
    AuthType WorkOS
    Require valid-user
</Location>
"""


def test_status_under_valid_user_needs_a_user(servers, workos):
    httpd = servers.start(locations=STATUS)
    r = httpd.get("/workos-status", headers={"Accept": "application/json"})
    assert r.status_code == 401, r.text
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = httpd.get("/workos-status", headers={"Accept": "application/json",
                                             **bearer(token(workos))})
    assert r.status_code == 200, r.text


def test_status_under_whole_site_valid_user_needs_a_user(servers, workos):
    httpd = servers.start(locations=whole_site(
        extra="<Location /status>\n SetHandler workos-status\n</Location>\n"
              "<Location /logout>\n SetHandler workos-logout\n</Location>\n"))
    r = httpd.get("/status", headers={"Accept": "application/json"})
    assert r.status_code == 401, r.text
    # a browser is sent to sign in, as for any page
    r = httpd.get("/status", headers=BROWSER)
    assert r.status_code == 302
    assert r.headers["Location"].startswith(workos.base)
    # the sign-in flow itself stays open to anonymous callers
    s, r = sign_in(httpd, "/status")
    assert r.status_code == 200, r.text
    r = requests.get(httpd.base + "/logout", headers=BROWSER, timeout=20,
                     allow_redirects=False)
    assert r.status_code == 302
