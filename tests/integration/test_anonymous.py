# SPDX-License-Identifier: Apache-2.0
"""Issue 22, finding 10: a claim never replaces a variable httpd, CGI or
the module sets (WorkOSPassClaim refuses it at configtest)."""
import pytest

from test_config import configtest


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
