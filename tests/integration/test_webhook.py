# SPDX-License-Identifier: Apache-2.0
"""workos-webhook: signatures, events, revocations (issue 4)."""
import hashlib
import hmac
import json
import subprocess
import time

import pytest
import requests

import sealer
from harness import WEBHOOK_SECRET
from test_authn import bearer, token
from test_lifecycle import BROWSER, cookie_value, session_cookie


def sign(body: bytes, secret=WEBHOOK_SECRET, t_ms=None):
    t = int(time.time() * 1000) if t_ms is None else t_ms
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body,
                   hashlib.sha256).hexdigest()
    return f"t={t}, v1={mac}"


def event(name, data, eid="event_01"):
    # compact, as WorkOS sends it and as the SDK re-serialises it
    return json.dumps({"id": eid, "event": name, "data": data,
                       "created_at": "2026-11-23T00:00:00.000Z"},
                      separators=(",", ":")).encode()


def deliver(httpd, body, header="sign"):
    headers = {"Content-Type": "application/json"}
    if header == "sign":
        header = sign(body)
    if header is not None:
        headers["WorkOS-Signature"] = header
    return requests.post(httpd.base + "/webhook", data=body, headers=headers,
                         timeout=20)


def sdk(mode, *args, data):
    return subprocess.run(["node", "webhook.mjs", mode, *args],
                          cwd=sealer.INTEROP, input=data, text=True,
                          capture_output=True, timeout=60)


def test_signature_format_matches_the_sdk(httpd):
    body = event("user.created", {"id": "user_01NEW"})
    header = sign(body)
    # the SDK's constructEvent accepts what we (and WorkOS) sign ...
    assert sdk("verify", WEBHOOK_SECRET, header,
               data=body.decode()).returncode == 0
    assert deliver(httpd, body, header).status_code == 200
    # ... and the module accepts what the SDK signs
    signed = json.loads(sdk("sign", WEBHOOK_SECRET,
                            data=body.decode()).stdout)
    r = deliver(httpd, signed["body"].encode(), signed["header"])
    assert r.status_code == 200, r.text
    # and both refuse a wrong secret
    assert sdk("verify", "whsec_wrong", header,
               data=body.decode()).returncode != 0


@pytest.mark.parametrize("case", ["wrong_secret", "stale", "future",
                                  "missing", "garbage_header",
                                  "tampered_body", "v0_only"])
def test_bad_signature_is_401(httpd, case):
    body = event("session.revoked", {"id": "session_0001"})
    now = int(time.time() * 1000)
    header = {
        "wrong_secret": sign(body, secret="whsec_wrong_secret_xxxxxxxx"),
        "stale": sign(body, t_ms=now - 181_000),
        "future": sign(body, t_ms=now + 181_000),
        "missing": None,
        "garbage_header": "nonsense",
        "tampered_body": sign(body.replace(b"0001", b"0002")),
        "v0_only": sign(body).replace("v1=", "v0="),
    }[case]
    r = deliver(httpd, body, header)
    assert r.status_code == 401


def test_garbage_json_with_good_signature_is_400(httpd):
    assert deliver(httpd, b"{not json").status_code == 400
    assert deliver(httpd, event("session.revoked", {})).status_code == 400


def test_oversize_body_is_refused(httpd):
    body = b'{"event":"x","data":{},"pad":"' + b"a" * 70000 + b'"}'
    assert deliver(httpd, body).status_code == 413


def test_unknown_event_is_accepted_and_ignored(httpd):
    r = deliver(httpd, event("dsync.user.created", {"id": "x"}))
    assert r.status_code == 200


def test_get_is_not_allowed(httpd):
    assert httpd.get("/webhook").status_code == 405


def test_session_revoked_denies_that_session(httpd, workos):
    answer, cookie = session_cookie(workos)
    other_answer, other = session_cookie(workos)
    ck = {"Cookie": f"wos-session={cookie}"}
    assert httpd.get("/private", headers=ck).status_code == 200
    sid = httpd.get("/private", headers=ck).json()["WORKOS_SESSION_ID"]
    assert deliver(httpd, event("session.revoked",
                                {"id": sid, "user_id": "user_01ALICE"})
                   ).status_code == 200
    r = httpd.get("/private", headers=ck)
    assert r.status_code == 401
    assert cookie_value(r, "wos-session") == ""
    r = httpd.get("/private", headers={**ck, **BROWSER})
    assert r.status_code == 302
    assert "/user_management/authorize" in r.headers["Location"]
    # the user's other session is untouched
    assert httpd.get("/private", headers={
        "Cookie": f"wos-session={other}"}).status_code == 200


def test_revoked_session_is_not_refreshed(httpd, workos):
    answer, cookie = session_cookie(workos, expired=True)
    workos.token_lifetime = -120
    sid = workos.user_sessions["user_01ALICE"][-1]["id"]
    workos.token_lifetime = 300
    deliver(httpd, event("session.revoked", {"id": sid}))
    r = httpd.get("/private", headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 401
    assert workos.count("/user_management/authenticate") == 0


def test_user_deleted_denies_all_their_sessions(httpd, workos):
    t1 = token(workos, sid="session_A")
    t2 = token(workos, sid="session_B")
    t3 = token(workos, sub="user_01BOB", sid="session_C")
    deliver(httpd, event("user.deleted", {"id": "user_01ALICE"}))
    assert httpd.get("/api", headers=bearer(t1)).status_code == 401
    assert httpd.get("/api", headers=bearer(t2)).status_code == 401
    assert httpd.get("/api", headers=bearer(t3)).status_code == 200


def test_membership_deleted_denies_that_org_only(httpd, workos):
    acme = token(workos, org_id="org_01ACME")
    other = token(workos, org_id="org_01OTHER", sid="session_O")
    deliver(httpd, event("organization_membership.deleted",
                         {"id": "om_01", "user_id": "user_01ALICE",
                          "organization_id": "org_01ACME"}))
    assert httpd.get("/api", headers=bearer(acme)).status_code == 401
    assert httpd.get("/api", headers=bearer(other)).status_code == 200


def test_revocation_reaches_every_process(servers, workos):
    httpd = servers.start(mpm="prefork", one_process=False)
    t = token(workos, sid="session_MP")
    for _ in range(8):   # warm every child's memo with "not revoked"
        assert httpd.get("/api", headers=bearer(t)).status_code == 200
    deliver(httpd, event("session.revoked", {"id": "session_MP"}))
    started = time.monotonic()
    while time.monotonic() - started < 5:
        codes = {httpd.get("/api", headers=bearer(t)).status_code
                 for _ in range(8)}
        if codes == {401}:
            break
    assert codes == {401}
    assert time.monotonic() - started < 5
