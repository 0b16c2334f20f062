# SPDX-License-Identifier: Apache-2.0
"""AuthType WorkOS with bearer tokens and sealed cookies (issue 2)."""
import json
import time

import pytest

import sealer
import tokens
from conftest import signing_key
from harness import CLIENT_ID, PASSWORD


def issuer(workos):
    return f"{workos.base}/user_management/{CLIENT_ID}"


def token(workos, key="key_1", header=None, **claims):
    return tokens.mint(signing_key(key), tokens.claims(issuer(workos), **claims),
                       header)


def bearer(t):
    return {"Authorization": f"Bearer {t}"}


def session(workos, t=None, **extra):
    data = {"accessToken": t or token(workos), "refreshToken": "rt_opaque_1",
            "user": {"object": "user", "id": "user_01ALICE",
                     "email": "alice@example.com", "firstName": "Alice",
                     "emailVerified": True},
            "impersonator": None}
    data.update(extra)
    return data


def cookie_header(value, name="wos-session"):
    return {"Cookie": f"{name}={value}"}


def test_valid_bearer_sets_user_and_env(httpd, workos):
    r = httpd.get("/api", headers=bearer(token(workos)))
    assert r.status_code == 200, r.text
    env = r.json()
    assert env["REMOTE_USER"] == "user_01ALICE"
    assert env["AUTH_TYPE"] == "WorkOS"
    assert env["WORKOS_USER_ID"] == "user_01ALICE"
    assert env["WORKOS_SESSION_ID"] == "session_01ALICE"
    assert env["WORKOS_ORG_ID"] == "org_01ACME"
    assert env["WORKOS_ROLE"] == "member"
    assert env["WORKOS_PERMISSIONS"] == "posts:read"
    assert env["WORKOS_ENTITLEMENTS"] == "audit-logs"
    assert env["WORKOS_FEATURE_FLAGS"] == "new-editor"
    assert "WORKOS_USER_EMAIL" not in env  # a bearer token has no user object


def test_list_claims_are_comma_joined(httpd, workos):
    t = token(workos, permissions=["a:read", "b:write", "c:x"],
              roles=["member", "billing"])
    env = httpd.get("/api", headers=bearer(t)).json()
    assert env["WORKOS_PERMISSIONS"] == "a:read,b:write,c:x"
    assert env["WORKOS_ROLES"] == "member,billing"


def test_valid_cookie_from_iron_session(httpd, workos):
    sealed = sealer.node_seal("iron-session", PASSWORD, session(workos))
    r = httpd.get("/private", headers=cookie_header(sealed))
    assert r.status_code == 200, r.text
    env = r.json()
    assert env["REMOTE_USER"] == "user_01ALICE"
    assert env["WORKOS_USER_EMAIL"] == "alice@example.com"
    assert "Set-Cookie" not in r.headers


@pytest.mark.parametrize("lib", ["workos-node", "iron-webcrypto",
                                 "authkit-session"])
def test_cookie_sealed_by_each_library(httpd, workos, lib):
    sealed = sealer.node_seal(lib, PASSWORD, session(workos))
    r = httpd.get("/private", headers=cookie_header(sealed))
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "user_01ALICE"


def test_no_credential_is_401_with_bearer_challenge(httpd):
    r = httpd.get("/api")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert "invalid_token" not in r.headers["WWW-Authenticate"]


def test_invalid_token_challenge_says_invalid_token(httpd, workos):
    r = httpd.get("/api", headers=bearer("not.a.token"))
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]


BAD_TOKENS = {
    "expired": lambda w: token(w, exp=int(time.time()) - 120),
    "nbf_future": lambda w: token(w, nbf=int(time.time()) + 600),
    "iat_future": lambda w: token(w, iat=int(time.time()) + 600),
    "wrong_issuer": lambda w: tokens.mint(signing_key("key_1"),
                                          tokens.claims("https://evil.example")),
    "no_exp": lambda w: token(w, exp=None),
    "unknown_kid": lambda w: token(w, key="key_unknown"),
    "alg_none": lambda w: tokens.encode({"alg": "none", "kid": "key_1"},
                                        tokens.claims(issuer(w))) + ".",
    "alg_None_signed": lambda w: token(w, header={"alg": "None"}),
    "hs256_with_public_key": lambda w: tokens.mint_hs256(
        signing_key("key_1").public_pem(), tokens.claims(issuer(w)), "key_1"),
    "embedded_jwk": lambda w: token(w, key="key_attacker", header={
        "jwk": signing_key("key_attacker").jwk(), "kid": "key_1"}),
    "jku_header": lambda w: token(w, header={"jku": "http://127.0.0.1:9/k"}),
    "x5u_header": lambda w: token(w, header={"x5u": "http://127.0.0.1:9/c"}),
    "tampered_payload": lambda w: _tamper_payload(token(w)),
    "stripped_signature": lambda w: token(w).rsplit(".", 1)[0] + ".",
    "signature_from_other_key": lambda w: _resign(token(w), "key_attacker"),
    "garbage": lambda w: "eyJ.garbage.here",
}


def _tamper_payload(t):
    h, p, s = t.split(".")
    claims = json.loads(tokens.base64.urlsafe_b64decode(p + "=="))
    claims["permissions"] = ["posts:write"]
    return h + "." + tokens.b64url(json.dumps(claims).encode()) + "." + s


def _resign(t, kid):
    h, p, _ = t.split(".")
    return f"{h}.{p}." + tokens.b64url(signing_key(kid).sign(f"{h}.{p}".encode()))


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_bearer_token_is_rejected(httpd, workos, case):
    r = httpd.get("/api", headers=bearer(BAD_TOKENS[case](workos)))
    assert r.status_code == 401, r.text
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]


@pytest.mark.parametrize("case", ["expired", "wrong_issuer", "alg_none",
                                  "tampered_payload", "stripped_signature"])
def test_bad_token_inside_a_good_seal_is_rejected(httpd, workos, case):
    sealed = sealer.node_seal("iron-session", PASSWORD,
                              session(workos, BAD_TOKENS[case](workos)))
    r = httpd.get("/private", headers=cookie_header(sealed))
    assert r.status_code == 401


def _cookie_cleared(r):
    sc = r.headers.get("Set-Cookie", "")
    return sc.startswith("wos-session=;") and "Max-Age=0" in sc


SEAL_DAMAGE = {
    "tampered_mac": lambda s: s.replace("*", "*", 6)[:-4]
    + ("A" if s[-4] != "A" else "B") + s[-3:],
    "truncated": lambda s: s[: len(s) // 2],
    "tampered_ciphertext": lambda s: _tamper_field(s, 4),
    "tampered_iv": lambda s: _tamper_field(s, 3),
    "wrong_prefix": lambda s: s.replace("Fe26.2", "Fe26.1", 1),
    "not_a_seal": lambda s: "hello",
}


def _tamper_field(sealed, index):
    body, _, ver = sealed.partition("~")
    parts = body.split("*")
    f = parts[index]
    parts[index] = ("B" if f[0] != "B" else "C") + f[1:]
    return "*".join(parts) + ("~" + ver if ver else "")


@pytest.mark.parametrize("case", sorted(SEAL_DAMAGE))
def test_damaged_seal_is_no_session_and_is_cleared(httpd, workos, case):
    sealed = sealer.node_seal("iron-session", PASSWORD, session(workos))
    r = httpd.get("/private", headers=cookie_header(SEAL_DAMAGE[case](sealed)))
    assert r.status_code == 401
    assert _cookie_cleared(r), r.headers


def test_wrong_password_seal_is_cleared(httpd, workos):
    sealed = sealer.node_seal("iron-session", "another-password-" + "x" * 32,
                              session(workos))
    r = httpd.get("/private", headers=cookie_header(sealed))
    assert r.status_code == 401
    assert _cookie_cleared(r)


def test_expired_seal_is_cleared(httpd, workos):
    # iron-session's ttl is in seconds; iron allows 60 s of skew.
    sealed = sealer.node_seal("iron-session", PASSWORD, session(workos),
                              ttl=-120)
    r = httpd.get("/private", headers=cookie_header(sealed))
    assert r.status_code == 401
    assert _cookie_cleared(r)


def test_sealed_user_id_must_match_sub(httpd, workos):
    data = session(workos)
    data["user"]["id"] = "user_01MALLORY"
    sealed = sealer.node_seal("iron-session", PASSWORD, data)
    r = httpd.get("/private", headers=cookie_header(sealed))
    assert r.status_code == 401
    assert _cookie_cleared(r)


def test_cookie_only_location_ignores_bearer(httpd, workos):
    r = httpd.get("/cookie-only", headers=bearer(token(workos)))
    assert r.status_code == 401


def test_bearer_location_ignores_cookie(httpd, workos):
    sealed = sealer.node_seal("iron-session", PASSWORD, session(workos))
    r = httpd.get("/api", headers=cookie_header(sealed))
    assert r.status_code == 401


def test_pass_lets_anonymous_through_without_identity(httpd, workos):
    r = httpd.get("/pass")
    assert r.status_code == 200
    env = r.json()
    assert "WORKOS_USER_ID" not in env
    assert not env.get("REMOTE_USER")


def test_pass_still_identifies_a_signed_in_user(httpd, workos):
    r = httpd.get("/pass", headers=bearer(token(workos)))
    assert r.status_code == 200
    assert r.json()["REMOTE_USER"] == "user_01ALICE"


def test_forged_workos_headers_are_removed(httpd, workos):
    forged = {"X-WorkOS-User-Id": "user_01ADMIN", "X-WorkOS-Role": "admin",
              "x-workos-permissions": "everything"}
    r = httpd.get("/headers", headers={**forged, **bearer(token(workos))})
    env = r.json()
    assert env["HTTP_X_WORKOS_USER_ID"] == "user_01ALICE"
    assert env["HTTP_X_WORKOS_ROLE"] == "member"
    assert env["HTTP_X_WORKOS_PERMISSIONS"] == "posts:read"
    r = httpd.get("/private", headers={**forged, **bearer(token(workos))})
    assert not any(k.startswith("HTTP_X_WORKOS") for k in r.json())


def test_forged_headers_removed_even_without_a_session(httpd):
    r = httpd.get("/pass", headers={"X-WorkOS-User-Id": "user_01ADMIN"})
    assert r.status_code == 200
    assert "HTTP_X_WORKOS_USER_ID" not in r.json()


def test_oversized_cookie_header_is_no_session(httpd, workos):
    r = httpd.get("/private", headers=cookie_header("Fe26.2*" + "A" * 7000))
    assert r.status_code == 401


def test_oversized_bearer_is_rejected(httpd, workos):
    r = httpd.get("/api", headers=bearer("a" * 7000 + "." + "b" * 1000 + ".c"))
    assert r.status_code == 401
