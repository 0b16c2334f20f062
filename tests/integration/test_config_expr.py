# SPDX-License-Identifier: Apache-2.0
"""An AuthType the config check cannot evaluate (issue 22, finding 11):
configtest never crashes on it, and the scope is checked at its first
request instead, with the error configtest gives for the literal case."""
import pytest

from harness import Httpd
from test_authn import bearer, token
from test_first_hour import configtest

# expressions that read the request: configtest has none to give them
EXPRESSIONS = [
    "%{HTTP:X-Auth-Type}",
    "%{req:X-Auth-Type}",
    "%{resp:X-Auth-Type}",
    "%{env:AUTH_KIND}",
    "%{note:AUTH_KIND}",
    "%{REMOTE_ADDR}%{REMOTE_HOST}%{REMOTE_PORT}",
    "%{SERVER_PORT}%{HTTPS}%{IPV6}%{SERVER_PROTOCOL}",
    "%{CONTEXT_PREFIX}%{CONTEXT_DOCUMENT_ROOT}%{DOCUMENT_ROOT}",
    "%{REQUEST_SCHEME}%{REQUEST_URI}%{THE_REQUEST}%{HTTP_HOST}",
    "%{REQUEST_FILENAME}%{SCRIPT_FILENAME}%{PATH_INFO}%{QUERY_STRING}",
    "%{REMOTE_USER}%{REMOTE_IDENT}%{AUTH_TYPE}%{HANDLER}%{CONN_REMOTE_ADDR}",
    "%{REQUEST_STATUS}%{REQUEST_LOG_ID}%{CONN_LOG_ID}%{SERVER_NAME}",
    "%{toupper:%{HTTP:X-Auth-Type}}",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_auth_type_expression_does_not_crash_configtest(workos, expr):
    loc = (f'<Location /app>\n AuthType "{expr}"\n Require valid-user\n'
           '</Location>\n')
    r = configtest(workos, locations=loc, drop=("WorkOSRedirectURI",))
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert "Syntax OK" in r.stderr


def start_without_redirect_uri(servers, workos, locations):
    h = Httpd(workos)
    h.locations = locations.replace("@D@", str(h.dir))
    config = h.config
    h.config = lambda: "\n".join(l for l in config().splitlines()
                                 if not l.startswith("WorkOSRedirectURI"))
    servers.started.append(h)
    return h.start()


APP = """
ScriptAliasMatch "^/app(/.*)?$" "@D@/cgi/env.py"
<Location /app>
    AuthType "%{HTTP:X-Auth-Type}"
    Require valid-user
</Location>
<Location /app/api>
    WorkOSUnauthAction 401
</Location>
"""


def test_expression_scope_is_checked_at_its_first_request(servers, workos):
    h = start_without_redirect_uri(servers, workos, APP)
    h.allowed_errors.append(r"WOS05201")
    for headers in ({"X-Auth-Type": "WorkOS"},
                    {"X-Auth-Type": "WorkOS", **bearer(token(workos))}):
        r = h.get("/app/page", headers=headers)
        assert r.status_code == 500, r.text
    log = h.log_text()
    assert "WOS05201" in log
    assert "WorkOSRedirectURI is required" in log
    # a scope that never sends anyone to sign in works without it
    r = h.get("/app/api", headers={"X-Auth-Type": "WorkOS",
                                   **bearer(token(workos))})
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "user_01ALICE"
    assert h.get("/app/api", headers={"X-Auth-Type": "WorkOS"}) \
        .status_code == 401
