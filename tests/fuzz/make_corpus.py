#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora under tests/fuzz/corpus/<target>/.

Real artefacts, small: RS256 tokens signed with python3-cryptography,
WorkOS-shaped JWKS documents, seals made by the module's own sealer
(tests/tools/wos-seal) and by iron-session / @workos-inc/node
(tests/interop/seal.mjs), Cookie headers carrying them, Require lines.
The seeds are committed; rerun this only to change them:

    make -f Makefile.apxs tests/tools/wos-seal
    tests/fuzz/make_corpus.py

Constants shared with the fuzz targets: the passwords (fuzz_seal.c,
fuzz_session.c, fuzz_api_answer.c), the kid, issuers and clock
(fuzz_jwt.c), the webhook secret (fuzz_webhook_sig.c).
"""
import base64
import hashlib
import hmac
import json
import pathlib
import shutil
import struct
import subprocess
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
WOS_SEAL = ROOT / "tests" / "tools" / "wos-seal"
INTEROP = ROOT / "tests" / "interop"

PASSWORD = "fuzz-cookie-password-0123456789-abcdefghij"
WEBHOOK_SECRET = "whsec_fuzz_0123456789abcdefghijklmnopqrstuv"
PASSWORD_2 = "fuzz-second-password-0123456789-abcdefghij"
KID = "sso_oidc_key_pair_01JFUZZ0000000000000000000"
CLIENT = "client_01FUZZ"
ISSUER = "https://api.workos.com/user_management/" + CLIENT
NOW = 1893456000  # the targets' fixed clock, 2030-01-01T00:00:00Z


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def seg(obj) -> str:
    if isinstance(obj, str):  # raw JSON text, e.g. with duplicate keys
        return b64url(obj.encode())
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data.encode() if isinstance(data, str) else data)


class Key:
    def __init__(self, kid, bits=2048):
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537,
                                                key_size=bits)

    def jwk(self, **extra):
        pub = self.private.public_key().public_numbers()
        j = {"alg": "RS256", "kty": "RSA", "use": "sig", "n": uint(pub.n),
             "e": uint(pub.e), "kid": self.kid}
        j.update(extra)
        return {k: v for k, v in j.items() if v is not None}

    def mint(self, claims, header=None):
        h = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        h.update(header or {})
        h = {k: v for k, v in h.items() if v is not None}
        signing_input = seg(h) + "." + seg(claims)
        sig = self.private.sign(signing_input.encode(), padding.PKCS1v15(),
                                hashes.SHA256())
        return signing_input + "." + b64url(sig)


def claims(**extra):
    c = {"iss": ISSUER, "sub": "user_01ALICE", "sid": "session_01ALICE",
         "jti": "01JFUZZJTI000000000000000", "org_id": "org_01ACME",
         "role": "member", "roles": ["member"],
         "permissions": ["posts:read", "posts:write"],
         "entitlements": ["audit-logs"], "feature_flags": ["new-editor"],
         "iat": NOW - 60, "exp": NOW + 240}
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


def jwt_seeds(key):
    t = {
        "member": key.mint(claims()),
        "admin-impersonated": key.mint(claims(
            role="admin", roles=["admin", "owner"],
            act={"sub": "admin@example.com"})),
        "minimal": key.mint({"sub": "user_01BOB", "exp": NOW + 60},
                            header={"typ": None}),
        "at-jwt-fractional": key.mint(claims(exp=NOW + 0.5, nbf=NOW - 1.5),
                                      header={"typ": "at+jwt"}),
        "expired": key.mint(claims(exp=NOW - 3600)),
        "not-yet-valid": key.mint(claims(nbf=NOW + 3600)),
        "foreign-issuer": key.mint(claims(iss="https://evil.example")),
        "unknown-kid": Key("key_other").mint(claims()),
    }
    body = seg(claims())
    t["alg-none"] = seg({"alg": "none", "typ": "JWT"}) + "." + body + "."
    t["hs256"] = (seg({"alg": "HS256", "kid": KID}) + "." + body + "."
                  + b64url(b"\x01" * 32))
    t["embedded-jwk"] = key.mint(claims(), header={"jwk": key.jwk()})
    t["duplicate-sub"] = (seg({"alg": "RS256", "kid": KID}) + "."
                          + seg('{"sub":"a","sub":"b","exp":1}') + "."
                          + b64url(b"\x00" * 256))
    for name, token in t.items():
        write("jwt", name, token)
    return t["member"]


def jwks_seeds(key):
    other = Key("sso_oidc_key_pair_01JFUZZOTHER")
    ec_pub = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    ec_jwk = {"kty": "EC", "crv": "P-256", "kid": "ec_1", "use": "sig",
              "x": uint(ec_pub.x), "y": uint(ec_pub.y)}
    docs = {
        # The shape WorkOS serves: x5c and thumbprint beside n and e.
        "workos": {"keys": [key.jwk(**{"x5c": ["MIIC"],
                                       "x5t#S256": "AAAA"}),
                            other.jwk()]},
        "one-key": {"keys": [key.jwk()]},
        "mixed": {"keys": [ec_jwk, key.jwk(use="enc"), key.jwk(alg="RS384"),
                           other.jwk(use=None, alg=None)]},
        "duplicate-kid": {"keys": [key.jwk(), other.jwk(kid=key.kid)]},
        "big-key": {"keys": [Key("big", 4096).jwk()]},
        "not-a-set": {"keys": {}},
    }
    for name, doc in docs.items():
        write("jwks", name, json.dumps(doc))


def session_json(token):
    return {
        "accessToken": token,
        "refreshToken": "VbYpNTVVEFHNdcNMrRsGOe0Jm",
        "user": {"object": "user", "id": "user_01ALICE",
                 "email": "alice@example.com", "emailVerified": True,
                 "firstName": "Alice", "lastName": "Example",
                 "profilePictureUrl": None,
                 "createdAt": "2029-01-01T00:00:00.000Z",
                 "updatedAt": "2029-06-01T00:00:00.000Z"},
        "organizationId": "org_01ACME",
        "impersonator": {"email": "admin@example.com", "reason": "support"},
        "authenticationMethod": "Password",
    }


def session_seeds(token):
    s = session_json(token)
    write("session", "workos", json.dumps(s))
    write("session", "persistent", json.dumps({"persistent": s}))
    write("session", "minimal", json.dumps({"accessToken": token}))
    write("session", "snake-case", json.dumps({
        "access_token": token, "refresh_token": "x",
        "user": {"id": "user_01ALICE", "first_name": "Alice"}}))
    write("session", "no-token", '{"user":{"id":"user_01ALICE"}}')


def c_seal(data, password=PASSWORD, pw_id="1", ttl_ms=0):
    out = subprocess.run([str(WOS_SEAL), "seal", password, pw_id,
                          str(ttl_ms)], input=data, capture_output=True,
                         text=True, check=True, timeout=30)
    return out.stdout.strip()


def node_seal(lib, data, ttl_s=None):
    if shutil.which("node") is None or not (INTEROP / "node_modules").exists():
        return None
    ttl = [] if ttl_s is None else [str(ttl_s)]
    out = subprocess.run(["node", "seal.mjs", lib, "seal", PASSWORD] + ttl,
                         cwd=INTEROP, input=data, capture_output=True,
                         text=True, check=True, timeout=60)
    return out.stdout.strip()


def seal_seeds(token):
    data = json.dumps(session_json(token))
    seals = {
        "wos-seal": c_seal(data),
        "wos-seal-ttl": c_seal(data, ttl_ms=20 * 365 * 86400 * 1000),
        # Sealed with a 1 s TTL before the targets' clock: expired.
        "wos-seal-expired": c_seal(data, ttl_ms=1000),
        "password-2": c_seal(data, PASSWORD_2, "2"),
        "empty-id": c_seal(data, pw_id=""),
        "not-a-session": c_seal('["x"]'),
    }
    seals["no-suffix"] = seals["wos-seal"].split("~")[0]
    for lib in ("iron-session", "workos-node"):
        sealed = node_seal(lib, data)
        if sealed:
            seals[lib] = sealed
    for name, sealed in seals.items():
        write("seal", name, sealed)
    return seals["wos-seal"]


def cookie_seeds(sealed):
    write("cookie", "browser",
          f"_ga=GA1.1.1234; wos-session={sealed}; theme=dark")
    write("cookie", "only", f"wos-session={sealed}")
    write("cookie", "quoted", f'a=1;wos-session="{sealed}"')
    write("cookie", "blanks", f"  wos-session =\t{sealed[:40]} ;x=y")
    write("cookie", "chunked", "wos-session.0=Fe26.2*1*ab; wos-session=;")
    write("cookie", "lookalikes",
          "xwos-session=1; wos-sessionx=2; WOS-SESSION=3; wos-session")


def flow_seeds(sealed):
    write("flow", "two-flows",
          f"wos-auth-verifier-1a47e90b={sealed}; wos-session=x; "
          "wos-auth-verifier-00c0ffee=\"q\"")
    write("flow", "legacy", f"wos-auth-verifier={sealed}")
    write("flow", "lookalikes",
          "wos-auth-verifierX=1; xwos-auth-verifier-1=2; wos-auth-verifier-")
    write("flow", "email", "alice+tag@example.com")
    write("flow", "crlf", "sign-up\r\nSet-Cookie: x=1")
    flow_state_seeds()


def fnv1a32(s):
    h = 0x811c9dc5
    for b in s.encode():
        h = ((h ^ b) * 0x01000193) & 0xffffffff
    return f"{h:08x}"


def flow_state_seeds():
    """Sign-in states as their cookies carry them: the module's (issuedAt,
    a 600 s seal) and @workos-inc/authkit-nextjs's (no issuedAt: iron's
    600 s ttl ages it), and expirations fuzz_flow's reading must refuse."""
    state = {"nonce": "n0nce", "codeVerifier": "v" * 43,
             "returnPathname": "/app"}
    seals = {
        "state-module": c_seal(json.dumps(dict(state, issuedAt=int(time.time() * 1000))),
                               ttl_ms=600_000),
        "state-no-expiry": c_seal(json.dumps(state)),
        "state-long-ttl": c_seal(json.dumps(state), ttl_ms=3_600_000),
        "state-nextjs-c": c_seal(json.dumps(state), ttl_ms=600_000),
    }
    nextjs = node_seal("iron-session", json.dumps(state), 600)
    if nextjs:
        seals["state-nextjs"] = nextjs
    for name, sealed in seals.items():
        write("flow", name,
              f"wos-auth-verifier-{fnv1a32(sealed)}={sealed}; wos-session=x")
    f = "Fe26.2*1*" + "a" * 64 + "*iv*ct*"
    write("flow", "exp-fields",
          f"wos-auth-verifier-1={f}999999999999999*s*m~2; "
          f"wos-auth-verifier-2={f}1000000000000000*s*m; "
          f"wos-auth-verifier-3={f}0017*s*m; "
          f"wos-auth-verifier-4={f}12x4*s*m; "
          f"wos-auth-verifier-5={f}*s*m; "
          f"wos-auth-verifier-6={f}1893456600000")


def require_seeds():
    lines = {
        "roles": "admin owner",
        "quoted": "posts:write \"billing:manage\" 'audit logs'",
        "org": "org_01ACME",
        "tabs": "\tnew-editor \t member ",
        "unterminated": "admin \"owner",
        "after-quote": "\"a\"b",
    }
    for name, line in lines.items():
        write("require", name, line)


def claims_seeds():
    doc = json.dumps({
        "sub": "user_01FUZZ", "org_id": "org_01ACME", "role": "member",
        "urn:app:tier": "gold", "org_meta": {"plan": {"tier": "gold",
                                                      "seats": 25}},
        "org_meta.plan.tier": "top", "level": 3, "ratio": 1.5,
        "beta": True, "nothing": None, "groups": ["eng", "ops", 7, ["x"]],
        "meta": {"a": 1, "b": [True, None]}, "crlf": "a\r\nb",
        "a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": "x"}}}}}}}},
        "utf8": "Zo\u00eb \u2603"}, separators=(",", ":"))
    for name in ("urn:app:tier", "org_meta.plan.tier", "org_meta.plan.seats",
                 "groups", "meta", "crlf", "a.b.c.d.e.f.g.h",
                 "a.b.c.d.e.f.g.h.i", "org_meta..tier", "", "utf8"):
        write("claims", "path-" + (name.replace(".", "_").replace(":", "_")
                                   or "empty"), name + "\n" + doc)
    write("claims", "nul", 'nul\n{"nul":"a\\u0000b"}')
    write("claims", "not-object", "x\n[1,2,3]")


def b64url_seeds(token, sealed):
    header, payload, sig = token.split(".")
    fields = sealed.split("~")[0].split("*")
    seeds = {"header": header, "signature": sig, "iv": fields[3],
             "mac": fields[7], "two": "AA", "trailing-bits": "AB",
             "three": "AAA", "bad-char": "AA+/", "payload": payload[:64]}
    for name, text in seeds.items():
        write("b64url", name, text)


def webhook_seeds():
    body = json.dumps({"id": "event_01FUZZ", "event": "session.revoked",
                       "data": {"id": "session_01ALICE",
                                "user_id": "user_01ALICE"},
                       "created_at": "2029-12-31T23:59:59.000Z"})

    def header(t, secret=WEBHOOK_SECRET):
        mac = hmac.new(secret.encode(), f"{t}.{body}".encode(),
                       hashlib.sha256).hexdigest()
        return f"t={t}, v1={mac}"
    now_ms = NOW * 1000
    seeds = {"genuine": header(now_ms - 5000),
             "stale": header(now_ms - 3600 * 1000),
             "future": header(now_ms + 3600 * 1000),
             "wrong-secret": header(now_ms, "whsec_other"),
             "upper-hex-no-space": header(now_ms).upper().replace(
                 "T=", "t=").replace(", V1=", ",v1="),
             "v0-only": f"t={now_ms}, v0=abc"}
    for name, h in seeds.items():
        write("webhook_sig", name, h + "\n" + body)


def api_answer_seeds(token):
    user = {"object": "user", "id": "user_01ALICE",
            "email": "alice@example.com", "email_verified": True,
            "first_name": "Alice", "last_name": "Example",
            "profile_picture_url": None, "last_sign_in_at": None,
            "created_at": "2029-01-01T00:00:00.000Z",
            "updated_at": "2029-06-01T00:00:00.000Z",
            "external_id": None, "metadata": {}}
    answers = {
        "code-exchange": {"user": user, "organization_id": "org_01ACME",
                          "access_token": token,
                          "refresh_token": "VbYpNTVVEFHNdcNMrRsGOe0Jm",
                          "authentication_method": "Password"},
        "impersonated": {"user": user, "access_token": token,
                         "refresh_token": "r2",
                         "impersonator": {"email": "admin@example.com",
                                          "reason": "support ticket"}},
        "no-user": {"access_token": token, "refresh_token": "r3"},
        "invalid-grant": {"error": "invalid_grant",
                          "error_description": "Refresh token invalid."},
    }
    for name, a in answers.items():
        write("api_answer", name, json.dumps(a))


def events_seeds():
    ev = {"object": "event", "id": "event_01HZZZ", "event": "session.revoked",
          "data": {"id": "session_01A"},
          "created_at": "2026-11-23T10:20:30.250Z"}
    pages = {
        "page": {"object": "list", "data": [ev, dict(
            ev, id="event_01HZZZB", event="organization_membership.updated",
            data={"user_id": "user_01A", "organization_id": "org_01A"},
            created_at="2026-11-23T10:20:31+01:00")],
            "list_metadata": {"after": "event_01HZZZB"}},
        "empty": {"object": "list", "data": [], "list_metadata": {}},
        "malformed-event": {"data": [{"id": "event_1", "event": "x",
                                      "data": 1}]},
    }
    for name, page in pages.items():
        write("events", name, json.dumps(page))
    write("events", "cursor-after", "after event_01HZZZ")
    write("events", "cursor-since", "since 2026-11-23T10:20:30.007Z")


# fuzz_credentry.c: the clock, key and name its seeds are MAC'd for
CREDENTRY_NOW = 1893456000
CREDENTRY_KEY = b"fuzz-shared-credential-mac-key-0123456789abcdef"
CREDENTRY_NAME = b"wos:cred:b:0123456789abcdef:01234567:abc"


def credentry(until, fields, magic=b"WC1", exp=None, iat=None):
    """A shared-tier entry as credentry_seal writes it."""
    head = magic + b"".join(
        v.to_bytes(8, "big", signed=True)
        for v in (until, exp if exp is not None else until + 30,
                  iat if iat is not None else until - 270))
    body = head + b"".join(f.encode() + b"\0" for f in fields)
    mac = hmac.new(CREDENTRY_KEY, CREDENTRY_NAME + b"\0" + body,
                   hashlib.sha256).digest()
    return body + mac


def credentry_seeds():
    full = ["user_01ALICE", "session_01", "org_01ACME", "admin",
            "alice@example.com", "admin@example.com", "",
            "admin\nbilling", "posts:read\nposts:write", "sso",
            "new-editor", json.dumps({"sub": "user_01ALICE", "x": [1, 2]})]
    later = CREDENTRY_NOW + 300
    write("credentry", "full", credentry(later, full))
    write("credentry", "minimal", credentry(later, ["user_01BOB"] +
                                            [""] * 11))
    write("credentry", "api-key", credentry(later, ["key_01"] + [""] * 5 +
                                            ["key_01"] + [""] * 5))
    write("credentry", "expired", credentry(CREDENTRY_NOW - 1, full))
    write("credentry", "other-version", credentry(later, full, b"WC2"))
    write("credentry", "eleven-fields", credentry(later, full[:11]))
    write("credentry", "no-user", credentry(later, [""] * 12))
    write("credentry", "truncated", credentry(later, full)[:20])


# fuzz_envelope.c seals its input as a value and opens it as an entry:
# an API-key answer's value, and two entries of the sealed form's shape
# (a header alone; the encrypted layout) that carry no valid MAC.
ENVELOPE_EXPIRY_US = (CREDENTRY_NOW + 1) * 1_000_000


def envelope_seeds():
    write("envelope", "value",
          b'ok {"id":"key_01","org":"org_01ACME","perms":["posts:write"]}')
    write("envelope", "header-only",
          b"WE1\x00" + struct.pack(">q", ENVELOPE_EXPIRY_US))
    write("envelope", "encrypted-shape",
          b"WE1\x01" + struct.pack(">q", ENVELOPE_EXPIRY_US) + b"\x00" * 12
          + b"c" * 40 + b"t" * 16 + b"m" * 32)


def access_seeds():
    """WorkOS's answers for Require workos-access, shaped as the fake and
    @workos/openapi-spec give them, and ids as Require lines name them."""
    write("access", "authorized", '{"authorized":true}')
    write("access", "denied", '{"authorized":false}')
    write("access", "not-boolean",
          '{"authorized":"true","data":[{"authorized":1}]}')
    member = {"object": "organization_membership", "id": "om_01ALICEACME",
              "user_id": "user_01ALICE", "organization_id": "org_01ACME",
              "status": "active",
              "role": {"slug": "member"},
              "created_at": "2029-01-01T00:00:00.000Z",
              "updated_at": "2029-01-01T00:00:00.000Z"}
    write("access", "membership", json.dumps(
        {"object": "list", "data": [member],
         "list_metadata": {"before": None, "after": None}}))
    write("access", "memberships", json.dumps({"object": "list", "data": [
        dict(member, id="om_01OTHER", user_id="user_01BOB"),
        dict(member, id="om_01OLD", status="inactive"),
        dict(member, id="om_01BETA", organization_id="org_01BETA"),
        dict(member, id="om 01SPACE"),
        {k: v for k, v in member.items() if k != "user_id"},
        member]}))
    write("access", "nul-inside", json.dumps({"data": [
        dict(member, id="om_01NUL", organization_id="org_01ACME\u0000x"),
        dict(member, id="om_01CUT\u0000x")]}))
    write("access", "by-id", "posts:write\nres_01POST")
    write("access", "by-type", "posts:write\ndocument\ndoc-42")
    write("access", "too-long", "posts:write\n" + "r" * 129)
    write("access", "control", "posts:write\ndocument\ndoc\x1f42")


def main():
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    key = Key(KID)
    token = jwt_seeds(key)
    jwks_seeds(key)
    session_seeds(token)
    sealed = seal_seeds(token)
    cookie_seeds(sealed)
    flow_seeds(sealed)
    require_seeds()
    claims_seeds()
    b64url_seeds(token, sealed)
    webhook_seeds()
    api_answer_seeds(token)
    events_seeds()
    credentry_seeds()
    envelope_seeds()
    access_seeds()


if __name__ == "__main__":
    main()
