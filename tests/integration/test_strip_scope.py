# SPDX-License-Identifier: Apache-2.0
"""Issue 22, finding 5: WorkOSStripCookies applies to every request in its
scope, whatever the Require lines: a scope that grants without a user
(Require all granted, Require ip) still never hands the backend the
session cookie."""
import pytest

import sealer
from harness import LOCATIONS, PASSWORD
from test_authn import session
from test_claims import start, tok

OPEN = r"""
ScriptAliasMatch "^/(open|either|plain|anon)(/.*)?$" "@D@/cgi/echo.py"
<Location /open>
    AuthType WorkOS
    WorkOSStripCookies On
    Require all granted
</Location>
<Location /either>
    AuthType WorkOS
    WorkOSStripCookies On
    <RequireAny>
        Require ip 127.0.0.1
        Require valid-user
    </RequireAny>
</Location>
<Location /plain>
    WorkOSStripCookies On
    Require all granted
</Location>
<Location /anon>
    AuthType WorkOS
    WorkOSUnauthAction pass
    WorkOSStripCookies On
    Require all granted
</Location>
"""


@pytest.fixture
def open_httpd(servers, workos):
    return start(servers, workos, locations=LOCATIONS + OPEN, modules=("authz_host",))


@pytest.mark.parametrize("path", ["/open", "/either", "/plain", "/anon"])
def test_strip_cookies_whatever_the_require_lines(open_httpd, workos, path):
    sealed = sealer.c_seal(PASSWORD, session(workos, tok(workos)))
    for header in (f"a=1; wos-session={sealed}; b=2",
                   "a=1; wos-session=not-even-a-seal; b=2"):
        r = open_httpd.get(path, headers={"Cookie": header})
        assert r.status_code == 200, (path, r.text)
        assert r.json()["HTTP_COOKIE"] == "a=1; b=2", path
