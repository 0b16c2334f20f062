# SPDX-License-Identifier: Apache-2.0
"""Attacks from RFC 8725 and mod_auth_openidc's history that the core tests
do not already cover (issue 6). Each is one assertion on real behaviour."""
import json
import time

import pytest
import requests

import sealer
from flows import cookie_for
import tokens
from conftest import signing_key
from harness import CLIENT_ID, PASSWORD
from test_authn import bearer, issuer, session, token
from test_lifecycle import cookie_value
from test_webhook import deliver, event


def raw_token(header_json: str, payload_json: str, key="key_1"):
    """Signed for real, with JSON text chosen byte for byte."""
    si = (tokens.b64url(header_json.encode()) + "."
          + tokens.b64url(payload_json.encode()))
    t = si + "." + tokens.b64url(signing_key(key).sign(si.encode()))
    tokens.ISSUED.append(t)
    return t


def claims_json(workos, **extra):
    return json.dumps(tokens.claims(issuer(workos), **extra))


def test_alg_NONE_uppercase(httpd, workos):
    t = tokens.encode({"alg": "NONE", "kid": "key_1"},
                      tokens.claims(issuer(workos))) + "."
    assert httpd.get("/api", headers=bearer(t)).status_code == 401


def test_duplicate_key_in_header(httpd, workos):
    t = raw_token('{"alg":"RS256","kid":"key_1","alg":"none"}',
                  claims_json(workos))
    assert httpd.get("/api", headers=bearer(t)).status_code == 401


def test_duplicate_key_in_payload(httpd, workos):
    c = claims_json(workos)
    t = raw_token('{"alg":"RS256","kid":"key_1"}',
                  c[:-1] + ',"sub":"user_01ADMIN"}')
    assert httpd.get("/api", headers=bearer(t)).status_code == 401


def test_deep_json_nesting(httpd, workos):
    deep = "[" * 1000 + "]" * 1000   # fits httpd's 8 KB header limit
    t = raw_token('{"alg":"RS256","kid":"key_1"}',
                  claims_json(workos)[:-1] + ',"x":' + deep + "}")
    assert httpd.get("/api", headers=bearer(t)).status_code == 401
    assert httpd.get("/health.txt").status_code == 200


@pytest.mark.parametrize("mangle", ["padding", "plus_slash", "trailing_bits",
                                    "space"])
def test_invalid_base64url(httpd, workos, mangle):
    h, p, s = token(workos).split(".")
    if mangle == "padding":
        s = s + "=="
    elif mangle == "plus_slash":
        p = p.replace("-", "+").replace("_", "/") + "+/"
    elif mangle == "trailing_bits":
        # 256-byte signature: 342 chars, the last carries 4 unused bits
        last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        s = s[:-1] + last[last.index(s[-1]) | 1]
    else:
        p = p[:10] + " " + p[10:]
    r = httpd.get("/api", headers=bearer(f"{h}.{p}.{s}"))
    assert r.status_code == 401


def test_token_for_another_client(httpd, workos):
    other = tokens.mint(signing_key("key_1"), tokens.claims(
        f"{workos.base}/user_management/client_01SOMEONEELSE"))
    assert httpd.get("/api", headers=bearer(other)).status_code == 401


def test_far_future_exp_on_a_revoked_session(httpd, workos):
    t = token(workos, sid="session_LONG", lifetime=10 * 365 * 86400)
    assert httpd.get("/api", headers=bearer(t)).status_code == 200
    deliver(httpd, event("session.revoked", {"id": "session_LONG"}))
    assert httpd.get("/api", headers=bearer(t)).status_code == 401


@pytest.mark.parametrize("claim", ["sub", "org_id", "role", "sid"])
def test_crlf_in_claims_never_reaches_headers_or_log(httpd, workos, claim):
    evil = "x\r\nX-Injected: 1"
    t = token(workos, **{claim: evil})
    r = httpd.get("/headers", headers=bearer(t))
    assert "X-Injected" not in r.headers
    if r.status_code == 200:
        env = r.json()
        assert all("\r" not in v and "\n" not in v for v in env.values())
    assert "X-Injected: 1" not in httpd.log_text()
    assert "\r" not in httpd.log_text()


def test_crlf_in_cookie_user_fields(httpd, workos):
    data = session(workos)
    data["user"]["email"] = "a@example.com\r\nX-Injected: 1"
    sealed = sealer.node_seal("iron-session", PASSWORD, data)
    r = httpd.get("/headers", headers={"Cookie": f"wos-session={sealed}"})
    assert r.status_code == 200
    assert "X-Injected" not in r.headers
    assert "HTTP_X_WORKOS_USER_EMAIL" not in r.json()


def test_huge_cookie_header_is_refused_cleanly(httpd):
    r = httpd.get("/private", headers={"Cookie": "a=" + "b" * 7000 +
                                       "; wos-session=" + "c" * 900})
    assert r.status_code == 401


def test_session_cookie_is_not_a_verifier(httpd, workos):
    sealed = sealer.node_seal("iron-session", PASSWORD, session(workos))
    # under the very name a flow with that state would have: it opens with
    # the cookie password, but it is no sign-in state
    r = requests.get(httpd.base + "/callback?code=x&state=" + sealed,
                     headers=cookie_for(sealed),
                     allow_redirects=False, timeout=20)
    assert r.status_code == 400
    assert cookie_value(r, "wos-session") is None
    assert workos.count("/user_management/authenticate") == 0
