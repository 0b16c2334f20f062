# SPDX-License-Identifier: Apache-2.0
"""Any claim (issue 14): Require workos-claim, %{...} expressions in every
workos-* Require line, WorkOSPassClaim, WorkOSRemoteUser, workos-info,
brandable error pages and WorkOSStripCookies."""
import json
import os

import pytest

import sealer
import tokens
from conftest import signing_key
from harness import LOCATIONS, PASSWORD, Httpd
from test_apikey import FakeKeys, ORG_KEY_ID
from test_authn import bearer, cookie_header, issuer, session, token

ECHO_CGI = """#!/usr/bin/python3
import json, os
keep = ("WORKOS_", "HTTP_X_WORKOS_", "REMOTE_USER", "HTTP_COOKIE",
        "GROUPS", "TIER")
env = {k: v for k, v in os.environ.items() if k.startswith(keep)}
print("Content-Type: application/json")
print()
print(json.dumps(env))
"""

ERROR_CGI = """#!/usr/bin/python3
import os
print("Content-Type: text/plain")
print()
for k in ("REDIRECT_WORKOS_ERROR", "REDIRECT_WORKOS_ERROR_DESCRIPTION",
          "REDIRECT_STATUS"):
    print(k + "=" + os.environ.get(k, ""))
"""

ERROR_SHTML = """<html><body><h1>Example Corp sign-in</h1>
<p>error=<!--#echo var="REDIRECT_WORKOS_ERROR" --></p>
<p>why=<!--#echo var="REDIRECT_WORKOS_ERROR_DESCRIPTION" --></p>
</body></html>
"""

CLAIM_LOCATIONS = r"""
ScriptAliasMatch "^/(c|orgs|ru|pc|strip|echo)(/.*)?$" "@D@/cgi/echo.py"
<Location /c>
    AuthType WorkOS
    WorkOSTokenSource cookie bearer apikey
</Location>
<Location /c/tier>
    Require workos-claim urn:app:tier gold platinum
</Location>
<Location /c/nested>
    Require workos-claim org_meta.plan.tier gold
</Location>
<Location /c/level>
    Require workos-claim level 3
</Location>
<Location /c/ratio>
    Require workos-claim ratio 1.5
</Location>
<Location /c/beta>
    Require workos-claim beta true
</Location>
<Location /c/groups>
    Require workos-claim groups ops
</Location>
<Location /c/meta>
    Require workos-claim meta x
</Location>
<Location /c/deep>
    Require workos-claim a.b.c.d.e.f.g.h.i x
</Location>
<Location /c/eight>
    Require workos-claim a.b.c.d.e.f.g.h x
</Location>
<Location /c/expr>
    Require workos-claim urn:app:tier %{HTTP:X-Want-Tier}
</Location>
<Location /c/role-expr>
    Require workos-role %{env:NO_SUCH_VARIABLE}
</Location>
<Location /c/perm-expr>
    Require workos-permission "posts:%{tolower:READ}"
</Location>
<LocationMatch "^/orgs/(?<tenant>org_[0-9A-Z]+)/">
    AuthType WorkOS
    Require workos-org %{env:MATCH_TENANT}
</LocationMatch>
<Location /ru/email>
    AuthType WorkOS
    WorkOSRemoteUser email
    Require valid-user
</Location>
<Location /ru/claim>
    AuthType WorkOS
    WorkOSRemoteUser claim employee_id
    Require valid-user
</Location>
<Location /ru/nested>
    AuthType WorkOS
    WorkOSRemoteUser claim org_meta.plan.tier
    Require valid-user
</Location>
<Location /pc>
    AuthType WorkOS
    WorkOSPassClaim urn:app:tier
    WorkOSPassClaim groups GROUPS
    WorkOSPassClaim meta
    WorkOSPassClaim level
    WorkOSPassClaim org_meta.plan.tier TIER
    WorkOSPassClaim evil
    WorkOSPassClaim evil_list
    WorkOSPassClaim a.b.c.d.e.f.g.h.i
    Require valid-user
</Location>
<Location /pc/headers>
    WorkOSPassHeaders On
</Location>
<Location /pc/cached>
    WorkOSRemoteUser claim employee_id
    Require workos-claim urn:app:tier gold
</Location>
<Location /strip>
    AuthType WorkOS
    WorkOSStripCookies On
    Require valid-user
</Location>
<Location /strip/off>
    WorkOSStripCookies Off
</Location>
<Location /proxied>
    AuthType WorkOS
    WorkOSStripCookies On
    Require valid-user
    ProxyPass http://127.0.0.1:@PORT@/echo
</Location>
<Location /info>
    SetHandler workos-info
</Location>
<Location /status>
    SetHandler workos-status
</Location>
"""

CUSTOM = {"urn:app:tier": "gold", "org_meta": {"plan": {"tier": "gold"}},
          "level": 3, "ratio": 1.5, "beta": True, "groups": ["eng", "ops"],
          "meta": {"a": 1, "b": [True, None]}, "employee_id": "E-1234"}


def nested(depth, leaf="x"):
    """{"a": {"b": ... leaf}} with depth keys a, b, c, ..."""
    v = leaf
    for k in reversed("abcdefghijklmnop"[:depth]):
        v = {k: v}
    return v


def start(servers, workos, mpm="event", one_process=True, extra="",
          locations=None, modules=("proxy", "proxy_http", "include")):
    h = Httpd(workos, mpm=mpm, one_process=one_process, server_extra=extra,
              modules=modules)
    locs = locations if locations is not None else LOCATIONS + CLAIM_LOCATIONS
    h.locations = locs.replace("@D@", str(h.dir)).replace("@PORT@",
                                                          str(h.port))
    servers.started.append(h)
    h.write()
    for name, text in (("echo.py", ECHO_CGI), ("error.py", ERROR_CGI)):
        f = h.dir / "cgi" / name
        f.write_text(text)
        f.chmod(0o755)
    (h.dir / "htdocs" / "errors").mkdir(exist_ok=True)
    (h.dir / "htdocs" / "errors" / "signin.shtml").write_text(ERROR_SHTML)
    os.chmod(h.dir / "htdocs" / "errors", 0o755)
    return h.start()


@pytest.fixture
def claims_httpd(servers, workos):
    return start(servers, workos)


def tok(workos, **claims):
    return token(workos, **{**CUSTOM, **claims})


# ---- Require workos-claim ----------------------------------------------

@pytest.mark.parametrize("path,claims", [
    ("/c/tier", {}),
    ("/c/tier", {"urn:app:tier": "platinum"}),           # second value
    ("/c/nested", {}),                                   # dotted path
    ("/c/nested", {"org_meta.plan.tier": "gold",         # top-level first
                   "org_meta": {"plan": {"tier": "x"}}}),
    ("/c/level", {}),                                    # number by text
    ("/c/ratio", {}),                                    # real
    ("/c/beta", {}),                                     # boolean
    ("/c/groups", {}),                                   # any array member
    ("/c/eight", {**nested(8)}),                         # 8 levels is fine
    ("/c/perm-expr", {}),                                # expression value
])
def test_workos_claim_grants(claims_httpd, workos, path, claims):
    r = claims_httpd.get(path, headers=bearer(tok(workos, **claims)))
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "user_01ALICE"


@pytest.mark.parametrize("path,claims", [
    ("/c/tier", {"urn:app:tier": "silver"}),
    ("/c/tier", {"urn:app:tier": "Gold"}),               # exact
    ("/c/tier", {"urn:app:tier": None}),                 # absent
    ("/c/tier", {"urn:app:tier": ["silver", "bronze"]}),
    ("/c/nested", {"org_meta.plan.tier": "silver"}),     # top-level wins
    ("/c/nested", {"org_meta": {"plan": "gold"}}),       # path ends early
    ("/c/level", {"level": "03"}),
    ("/c/level", {"level": 30}),
    ("/c/beta", {"beta": False}),
    ("/c/beta", {"beta": "TRUE"}),
    ("/c/groups", {"groups": ["eng"]}),
    ("/c/groups", {"groups": None}),
])
def test_workos_claim_denies(claims_httpd, workos, path, claims):
    r = claims_httpd.get(path, headers=bearer(tok(workos, **claims)))
    assert r.status_code == 403, r.text
    assert "Location" not in r.headers


def test_object_claim_compared_to_string_denies_with_log(claims_httpd,
                                                         workos):
    r = claims_httpd.get("/c/meta", headers=bearer(tok(workos)))
    assert r.status_code == 403
    assert "WOS02504" in claims_httpd.log_text()
    assert "object" in claims_httpd.log_text()


def test_claim_path_deeper_than_eight_denies_with_log(claims_httpd, workos):
    r = claims_httpd.get("/c/deep", headers=bearer(tok(workos, **nested(9))))
    assert r.status_code == 403
    assert "deeper than 8" in claims_httpd.log_text()


def test_non_utf8_claim_value_is_never_allowed(claims_httpd, workos):
    # jansson refuses the token's JSON: the credential is no credential
    key = signing_key("key_1")
    claims = tokens.claims(issuer(workos))
    body = json.dumps(claims, separators=(",", ":")).encode()
    body = body[:-1] + b',"urn:app:tier":"gold\xff"}'
    head = tokens.b64url(json.dumps({"alg": "RS256", "typ": "JWT",
                                     "kid": key.kid}).encode())
    signing_input = head + "." + tokens.b64url(body)
    t = signing_input + "." + tokens.b64url(key.sign(signing_input.encode()))
    tokens.ISSUED.append(t)
    r = claims_httpd.get("/c/tier", headers=bearer(t))
    assert r.status_code == 401
    r = claims_httpd.get("/pc", headers=bearer(t))
    assert r.status_code == 401


def test_workos_claim_with_cookie_session(claims_httpd, workos):
    sealed = sealer.c_seal(PASSWORD, session(workos, tok(workos)))
    r = claims_httpd.get("/c/tier", headers=cookie_header(sealed))
    assert r.status_code == 200, r.text
    sealed = sealer.c_seal(PASSWORD, session(
        workos, tok(workos, **{"urn:app:tier": "silver"})))
    r = claims_httpd.get("/c/tier", headers=cookie_header(sealed))
    assert r.status_code == 403


def test_workos_claim_denies_an_api_key(servers, workos):
    keys = FakeKeys(workos)
    value = servers.remember_secret(keys.add(
        ORG_KEY_ID, {"type": "organization", "id": "org_01ACME"},
        ["posts:read"]))
    h = start(servers, workos)
    r = h.get("/c/tier", headers=bearer(value))
    assert r.status_code == 403, r.text
    assert not keys.bad_requests


def test_expression_value_is_evaluated_per_request(claims_httpd, workos):
    t = tok(workos)
    assert claims_httpd.get("/c/expr", headers={
        **bearer(t), "X-Want-Tier": "gold"}).status_code == 200
    assert claims_httpd.get("/c/expr", headers={
        **bearer(t), "X-Want-Tier": "silver"}).status_code == 403
    # one expression gives one value, never several
    assert claims_httpd.get("/c/expr", headers={
        **bearer(t), "X-Want-Tier": "silver gold"}).status_code == 403


def test_expression_that_gives_nothing_denies(claims_httpd, workos):
    r = claims_httpd.get("/c/expr", headers=bearer(tok(workos)))
    assert r.status_code == 403
    r = claims_httpd.get("/c/role-expr", headers=bearer(tok(workos)))
    assert r.status_code == 403


# ---- tenant per path ---------------------------------------------------

def tenant_checks(h, workos):
    t = tok(workos)   # a member of org_01ACME
    r = h.get("/orgs/org_01ACME/report", headers=bearer(t))
    assert r.status_code == 200, r.text
    assert r.json()["WORKOS_ORG_ID"] == "org_01ACME"
    assert h.get("/orgs/org_01OTHER/report",
                 headers=bearer(t)).status_code == 403
    other = tok(workos, org_id="org_01OTHER", sub="user_01BOB")
    assert h.get("/orgs/org_01OTHER/x", headers=bearer(other)).status_code \
        == 200
    assert h.get("/orgs/org_01ACME/x", headers=bearer(other)).status_code \
        == 403
    assert h.get("/orgs/org_01ACME/x").status_code == 401


def test_tenant_in_url_bound_to_organisation(claims_httpd, workos):
    tenant_checks(claims_httpd, workos)


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_tenant_and_claims_multi_process(servers, workos, mpm):
    h = start(servers, workos, mpm=mpm, one_process=False)
    for _ in range(3):
        tenant_checks(h, workos)
        t = tok(workos)
        assert h.get("/c/tier", headers=bearer(t)).status_code == 200
        env = h.get("/pc", headers=bearer(t)).json()
        assert env["WORKOS_CLAIM_URN_APP_TIER"] == "gold"
        assert env["GROUPS"] == "eng,ops"
        assert h.get("/ru/claim", headers=bearer(t)).json()[
            "REMOTE_USER"] == "E-1234"
        sealed = sealer.c_seal(PASSWORD, session(workos, t))
        r = h.get("/strip", headers={"Cookie": f"a=1; wos-session={sealed}"})
        assert r.json()["HTTP_COOKIE"] == "a=1"
        assert h.get("/info", headers=cookie_header(sealed)).json()[
            "email"] == "alice@example.com"


# ---- WorkOSPassClaim ---------------------------------------------------

def test_pass_claim_variables(claims_httpd, workos):
    env = claims_httpd.get("/pc", headers=bearer(tok(workos))).json()
    assert env["WORKOS_CLAIM_URN_APP_TIER"] == "gold"
    assert env["GROUPS"] == "eng,ops"
    assert json.loads(env["WORKOS_CLAIM_META"]) == CUSTOM["meta"]
    assert env["WORKOS_CLAIM_META"] == '{"a":1,"b":[true,null]}'
    assert env["WORKOS_CLAIM_LEVEL"] == "3"
    assert env["TIER"] == "gold"
    assert not any(k.startswith("HTTP_X_WORKOS_CLAIM") for k in env)


def test_pass_claim_headers(claims_httpd, workos):
    forged = {"X-WorkOS-Claim-Urn-App-Tier": "platinum",
              "X-WorkOS-Claim-Forged": "1"}
    env = claims_httpd.get("/pc/headers", headers={
        **bearer(tok(workos)), **forged}).json()
    assert "HTTP_X_WORKOS_CLAIM_FORGED" not in env
    assert env["HTTP_X_WORKOS_CLAIM_URN_APP_TIER"] == "gold"
    assert env["HTTP_X_WORKOS_CLAIM_GROUPS"] == "eng,ops"
    assert env["HTTP_X_WORKOS_CLAIM_TIER"] == "gold"
    assert env["WORKOS_CLAIM_URN_APP_TIER"] == "gold"


@pytest.mark.parametrize("evil", ["a\r\nX-Injected: 1", "nul\u0000byte",
                                  "tab\there", "bell\u0007"])
def test_pass_claim_control_characters_dropped(claims_httpd, workos, evil):
    t = tok(workos, evil=evil, evil_list=["ok", evil])
    r = claims_httpd.get("/pc/headers", headers=bearer(t))
    if "\u0000" in evil:
        # jansson does not take NUL inside a token's strings: no credential
        assert r.status_code == 401
        return
    env = r.json()
    assert r.status_code == 200
    assert "WORKOS_CLAIM_EVIL" not in env
    assert "WORKOS_CLAIM_EVIL_LIST" not in env
    assert not any(k.startswith("HTTP_X_WORKOS_CLAIM_EVIL") for k in env)
    assert "HTTP_X_INJECTED" not in env
    assert env["WORKOS_CLAIM_URN_APP_TIER"] == "gold"   # the rest still goes
    assert "WOS02510" in claims_httpd.log_text()


def test_pass_claim_too_deep_is_logged_not_passed(claims_httpd, workos):
    env = claims_httpd.get("/pc", headers=bearer(tok(workos, **nested(9)))
                           ).json()
    assert not any(k.startswith("WORKOS_CLAIM_A") for k in env)
    assert "deeper than 8" in claims_httpd.log_text()


def test_cached_credential_sees_the_same_claims(claims_httpd, workos):
    def hits():
        return claims_httpd.get("/status?format=json").json()[
            "credential_cache_hits"]

    for creds in (bearer(tok(workos)),
                  cookie_header(sealer.c_seal(PASSWORD,
                                              session(workos, tok(workos))))):
        before = hits()
        first = claims_httpd.get("/pc/cached", headers=creds)
        assert first.status_code == 200, first.text
        second = claims_httpd.get("/pc/cached", headers=creds)
        assert second.status_code == 200, second.text
        assert hits() == before + 1          # the second was served cached
        assert first.json() == second.json()
        assert second.json()["REMOTE_USER"] == "E-1234"
        assert second.json()["WORKOS_CLAIM_URN_APP_TIER"] == "gold"


# ---- WorkOSRemoteUser --------------------------------------------------

def test_remote_user_email_from_session(claims_httpd, workos):
    sealed = sealer.c_seal(PASSWORD, session(workos, tok(workos)))
    r = claims_httpd.get("/ru/email", headers=cookie_header(sealed))
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "alice@example.com"
    assert r.json()["WORKOS_USER_ID"] == "user_01ALICE"


def test_remote_user_email_claim_in_bearer(claims_httpd, workos):
    r = claims_httpd.get("/ru/email", headers=bearer(
        tok(workos, email="alice@example.com")))
    assert r.json()["REMOTE_USER"] == "alice@example.com"


def test_remote_user_claim(claims_httpd, workos):
    r = claims_httpd.get("/ru/claim", headers=bearer(tok(workos)))
    assert r.json()["REMOTE_USER"] == "E-1234"
    r = claims_httpd.get("/ru/nested", headers=bearer(tok(workos)))
    assert r.json()["REMOTE_USER"] == "gold"


@pytest.mark.parametrize("path,claims", [
    ("/ru/email", {}),                          # a bearer token, no email
    ("/ru/claim", {"employee_id": None}),
    ("/ru/claim", {"employee_id": ""}),
    ("/ru/claim", {"employee_id": ["E-1"]}),    # not a single value
    ("/ru/claim", {"employee_id": "E\r\n1"}),
])
def test_remote_user_missing_is_401_and_logged(claims_httpd, workos, path,
                                               claims):
    r = claims_httpd.get(path, headers=bearer(tok(workos, **claims)))
    assert r.status_code == 401
    assert "Location" not in r.headers
    assert "WOS02511" in claims_httpd.log_text()


# ---- WorkOSStripCookies ------------------------------------------------

def test_strip_cookies_cgi_and_proxy(claims_httpd, workos):
    sealed = sealer.c_seal(PASSWORD, session(workos, tok(workos)))
    header = (f'a=1; wos-session={sealed}; wos-auth-verifier-0a1b2c3d=v1;'
              ' b="q r" ;c=3;wos-auth-verifier=old; wos-sessionx=keep')
    for path in ("/strip", "/proxied"):
        r = claims_httpd.get(path, headers={"Cookie": header})
        assert r.status_code == 200, (path, r.text)
        assert r.json()["HTTP_COOKIE"] == \
            'a=1; b="q r" ;c=3; wos-sessionx=keep', path
    r = claims_httpd.get("/strip/off", headers={"Cookie": header})
    assert r.json()["HTTP_COOKIE"] == header


def test_strip_cookies_only_ours_leaves_no_header(claims_httpd, workos):
    sealed = sealer.c_seal(PASSWORD, session(workos, tok(workos)))
    r = claims_httpd.get("/strip", headers={
        "Cookie": f"wos-session={sealed}; wos-auth-verifier-1=x"})
    assert r.status_code == 200
    assert "HTTP_COOKIE" not in r.json()


# ---- workos-info -------------------------------------------------------

def check_info(r, secret_parts=()):
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Type"].startswith("application/json")
    for s in secret_parts:
        assert s not in r.text
    return r.json()


def test_info_with_cookie(claims_httpd, workos):
    t = tok(workos, act={"sub": "admin@example.com"})
    sealed = sealer.c_seal(PASSWORD, session(workos, t))
    info = check_info(claims_httpd.get("/info", headers=cookie_header(sealed)),
                      [t.split(".")[2], sealed.split("*")[4], "rt_opaque_1"])
    assert info["user_id"] == "user_01ALICE"
    assert info["email"] == "alice@example.com"
    assert info["organization_id"] == "org_01ACME"
    assert info["role"] == "member"
    assert info["roles"] == ["member"]
    assert info["permissions"] == ["posts:read"]
    assert info["entitlements"] == ["audit-logs"]
    assert info["feature_flags"] == ["new-editor"]
    assert info["session_id"] == "session_01ALICE"
    assert info["impersonator"] == {"email": "admin@example.com"}
    assert info["access_token_expires_at"] == tokens_exp(t)
    assert "accessToken" not in r_text(info)


def tokens_exp(t):
    import base64
    p = t.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["exp"]


def r_text(info):
    return json.dumps(info)


def test_info_with_bearer(claims_httpd, workos):
    t = tok(workos)
    info = check_info(claims_httpd.get("/info", headers=bearer(t)),
                      [t.split(".")[2]])
    assert info["user_id"] == "user_01ALICE"
    assert info["email"] is None
    assert info["impersonator"] is None
    info = check_info(claims_httpd.get("/info", headers=bearer(
        tok(workos, role="admin", roles=None))))
    assert info["role"] == "admin" and info["roles"] == ["admin"]
    info = check_info(claims_httpd.get("/info", headers=bearer(
        tok(workos, role=None, roles=None, permissions=None))))
    assert info["role"] is None and info["roles"] == []
    assert info["permissions"] == []


def test_info_without_session_is_401_json(claims_httpd):
    for headers in ({}, {"Accept": "text/html"},
                    {"Authorization": "Bearer not.a.token"}):
        r = claims_httpd.get("/info", headers=headers)
        assert r.status_code == 401
        assert r.headers["Cache-Control"] == "no-store"
        assert r.json() == {"authenticated": False, "error": "not_signed_in"}


def test_info_post_is_405(claims_httpd, workos):
    r = claims_httpd.get("/info", headers=bearer(tok(workos)))
    assert r.status_code == 200
    import requests
    r = requests.post(claims_httpd.base + "/info", timeout=20)
    assert r.status_code == 405


WHOLE_SITE = """
<Location />
    AuthType WorkOS
    AuthzSendForbiddenOnFailure On
    Require valid-user
</Location>
<Location /health.txt>
    Require all granted
</Location>
<Location /info>
    SetHandler workos-info
</Location>
"""


@pytest.mark.parametrize("mpm,one", [("event", True), ("prefork", False)])
def test_info_under_whole_site_auth(servers, workos, mpm, one):
    h = start(servers, workos, mpm=mpm, one_process=one,
              locations=WHOLE_SITE)
    r = h.get("/info", headers={"Accept": "text/html"})
    assert r.status_code == 401, r.text
    assert r.json()["authenticated"] is False
    sealed = sealer.c_seal(PASSWORD, session(workos, tok(workos)))
    info = check_info(h.get("/info", headers=cookie_header(sealed)))
    assert info["email"] == "alice@example.com"
    info = check_info(h.get("/info", headers=bearer(tok(workos))))
    assert info["user_id"] == "user_01ALICE"


# ---- brandable error pages ---------------------------------------------

BRANDED = """
ErrorDocument 400 /errors/signin.shtml
ErrorDocument 403 /errors/signin.shtml
<Directory @D@/htdocs/errors>
    Options +Includes
    AddOutputFilter INCLUDES .shtml
    AddType text/html .shtml
</Directory>
"""


def test_error_document_brands_callback_errors(servers, workos):
    h = start(servers, workos, locations=LOCATIONS + BRANDED)
    r = h.get("/callback?error=access_denied&state=x")
    assert r.status_code == 400
    assert "Example Corp sign-in" in r.text
    assert "error=sign_in_failed" in r.text
    # the module's own sentence: the query's text is never exported
    assert "why=The sign-in did not complete. Please sign in again." in r.text
    assert r.headers["Cache-Control"] == "no-store"


def test_error_document_for_post_switch_org(servers, workos):
    h = start(servers, workos, locations=LOCATIONS + BRANDED)
    import requests
    r = requests.post(h.base + "/switch-org",
                      data={"organization_id": "org_01OTHER"},
                      headers={"Sec-Fetch-Site": "cross-site"}, timeout=20)
    assert r.status_code == 403
    assert "error=cross_site_request_refused" in r.text
    assert "why=Switching organisation must come from this site." in r.text


BRANDED_CGI = """
ErrorDocument 400 /errors/error-cgi
ScriptAlias /errors/error-cgi "@D@/cgi/error.py"
"""


@pytest.mark.parametrize("mpm,one", [("event", True), ("prefork", False)])
def test_error_document_cgi_sees_variables(servers, workos, mpm, one):
    h = start(servers, workos, mpm=mpm, one_process=one,
              locations=LOCATIONS + BRANDED_CGI)
    r = h.get("/callback?code=abc")     # no state, no verifier cookie
    assert r.status_code == 400
    assert "REDIRECT_WORKOS_ERROR=sign_in_failed" in r.text
    assert ("REDIRECT_WORKOS_ERROR_DESCRIPTION=The callback carries no "
            "sign-in state.") in r.text
    assert "REDIRECT_STATUS=400" in r.text


def test_builtin_error_page_without_error_document(claims_httpd):
    r = claims_httpd.get("/callback?error=access_denied&state=x")
    assert r.status_code == 400
    assert "<h1>Sign-in failed</h1>" in r.text
    assert "access_denied" not in r.text  # the query's text is never shown


# ---- configuration errors ----------------------------------------------

@pytest.mark.parametrize("line,names", [
    ('Require workos-claim "" gold', "workos-claim: empty Require value"),
    ("Require workos-claim urn:app:tier",
     "workos-claim: needs a claim name and at least one value"),
    ("Require workos-claim", "workos-claim: Require line needs"),
    ("Require workos-claim %{env:X} gold",
     "workos-claim: the claim name '%{env:X}' cannot be an expression"),
    ("Require workos-org %{nosuchfunc:X}",
     "workos-org: cannot parse expression '%{nosuchfunc:X}'"),
    ("Require workos-role %{env:X", "workos-role: cannot parse expression"),
    ("Require workos-claim tier %{HTTP:",
     "workos-claim: cannot parse expression"),
    ("WorkOSRemoteUser nickname", "WorkOSRemoteUser"),
    ("WorkOSRemoteUser claim", "WorkOSRemoteUser"),
    ('WorkOSRemoteUser claim ""', "WorkOSRemoteUser"),
    ('WorkOSPassClaim ""', "WorkOSPassClaim"),
    ("WorkOSPassClaim tier BAD-NAME", "WorkOSPassClaim"),
])
def test_bad_claim_config_fails(workos, line, names):
    loc = f"<Location /x>\n AuthType WorkOS\n {line}\n</Location>\n"
    h = Httpd(workos, locations=loc)
    try:
        r = h.configtest()
    finally:
        h.cleanup()
    assert r.returncode != 0
    assert names in r.stderr, r.stderr
