# SPDX-License-Identifier: Apache-2.0
"""Authorisation that depends on the URI is decided for every URI a request
reaches (issue 22, finding 4): a CGI's local redirect, a mod_rewrite
internal redirect and a subrequest are checked again, so a tenant bound to
the path cannot be left by redirecting inside the server."""
import pytest

from test_authn import bearer
from test_claims import ECHO_CGI, start, tok
from harness import LOCATIONS

JUMP_CGI = """#!/usr/bin/python3
import os
# a local redirect: httpd serves the target as an internal redirect
target = os.environ.get("QUERY_STRING", "")
print("Location: /orgs/" + target + "/echo")
print()
"""

TENANTS = r"""
AliasMatch "^/orgs/[^/]+/(page|secret)\.shtml$" "@D@/htdocs/tenant/$1.shtml"
ScriptAliasMatch "^/orgs/[^/]+/jump$" "@D@/cgi/jump.py"
ScriptAliasMatch "^/orgs/(.*)$" "@D@/cgi/echo.py"
<LocationMatch "^/orgs/(?<tenant>org_[0-9A-Z]+)/">
    AuthType WorkOS
    WorkOSUnauthAction 401
    Require workos-org %{env:MATCH_TENANT}
</LocationMatch>
<Directory @D@/cgi>
    RewriteEngine On
    RewriteCond %{REQUEST_URI} ^/orgs/org_[0-9A-Z]+/hop-(org_[0-9A-Z]+)$
    RewriteRule ^ /orgs/%1/echo [L]
</Directory>
<Directory @D@/htdocs/tenant>
    Options +Includes
    AddOutputFilter INCLUDES .shtml
    AddType text/html .shtml
</Directory>
"""


@pytest.fixture
def tenants(servers, workos):
    h = start(servers, workos, locations=LOCATIONS + TENANTS,
              modules=("rewrite", "include"))
    tenant = h.dir / "htdocs" / "tenant"
    tenant.mkdir()
    (tenant / "page.shtml").write_text(
        'page <!--#include virtual="/orgs/org_01OTHER/secret.shtml" -->\n')
    (tenant / "secret.shtml").write_text("OTHER-SECRET\n")
    jump = h.dir / "cgi" / "jump.py"
    jump.write_text(JUMP_CGI)
    jump.chmod(0o755)
    (h.dir / "cgi" / "echo.py").write_text(ECHO_CGI)
    return h


def test_cgi_local_redirect_to_another_tenant_is_refused(tenants, workos):
    t = bearer(tok(workos))   # a member of org_01ACME
    r = tenants.get("/orgs/org_01ACME/jump?org_01ACME", headers=t)
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "user_01ALICE"
    r = tenants.get("/orgs/org_01ACME/jump?org_01OTHER", headers=t)
    assert r.status_code == 403, r.text


def test_rewrite_to_another_tenant_is_refused(tenants, workos):
    t = bearer(tok(workos))
    r = tenants.get("/orgs/org_01ACME/hop-org_01ACME", headers=t)
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "user_01ALICE"
    r = tenants.get("/orgs/org_01ACME/hop-org_01OTHER", headers=t)
    assert r.status_code == 403, r.text


def test_subrequest_into_another_tenant_is_refused(tenants, workos):
    t = bearer(tok(workos))
    # the page itself is ACME's; what it includes is OTHER's
    tenants.allowed_errors.append(r"AH01339|unable to include")
    r = tenants.get("/orgs/org_01ACME/page.shtml", headers=t)
    assert r.status_code == 200, r.text
    assert r.text.startswith("page ")
    assert "OTHER-SECRET" not in r.text
    r = tenants.get("/orgs/org_01OTHER/secret.shtml", headers=t)
    assert r.status_code == 403


def test_redirect_reuses_the_first_check_and_refreshes_once(tenants, workos):
    # authentication runs for every URI now: the redirected request must
    # reuse the first request's result, never refresh the session again
    # with its single-use refresh token
    import sealer
    from test_lifecycle import cookie_value, session_cookie
    _, cookie = session_cookie(workos, expired=True)
    r = tenants.get("/orgs/org_01ACME/jump?org_01ACME",
                    headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "user_01ALICE"
    new = cookie_value(r, "wos-session")
    assert new and new != cookie
    sealer.ISSUED.append(new)
    assert workos.count("/user_management/authenticate") == 1
