# SPDX-License-Identifier: Apache-2.0
"""The workos-* Require providers (issue 2)."""
import pytest

from test_authn import bearer, token


@pytest.mark.parametrize("path,claims", [
    ("/perm", {"permissions": ["posts:write"]}),
    ("/perm", {"permissions": ["x", "billing:manage"]}),   # second value
    ("/role", {"role": "admin", "roles": None}),
    ("/role", {"role": "member", "roles": ["member", "owner"]}),
    ("/org", {"org_id": "org_01ACME"}),
    ("/ent", {"entitlements": ["sso"]}),
    ("/flag", {"feature_flags": ["beta", "new-editor"]}),
    ("/all", {}),
    ("/any", {"role": "admin"}),
    ("/any", {}),   # entitlement audit-logs from the default claims
])
def test_provider_grants(httpd, workos, path, claims):
    r = httpd.get(path, headers=bearer(token(workos, **claims)))
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "user_01ALICE"


@pytest.mark.parametrize("path,claims", [
    ("/perm", {}),                                    # posts:read only
    ("/perm", {"permissions": ["POSTS:WRITE"]}),      # case matters
    ("/perm", {"permissions": "posts:write"}),        # not a list
    ("/role", {}),                                    # member
    ("/role", {"role": None, "roles": None}),
    ("/org", {"org_id": "org_01OTHER"}),
    ("/org", {"org_id": None}),
    ("/other-org", {}),
    ("/ent", {}),
    ("/flag", {"feature_flags": []}),
    ("/all", {"role": "guest", "roles": ["guest"]}),
    ("/any", {"entitlements": None}),
])
def test_authenticated_but_not_allowed_is_403(httpd, workos, path, claims):
    r = httpd.get(path, headers=bearer(token(workos, **claims)))
    assert r.status_code == 403, r.text
    assert "Location" not in r.headers


@pytest.mark.parametrize("path", ["/perm", "/role", "/org", "/ent", "/flag",
                                  "/all", "/any"])
def test_providers_without_credential_ask_for_authentication(httpd, path):
    r = httpd.get(path)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
