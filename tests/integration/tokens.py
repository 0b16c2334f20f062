# SPDX-License-Identifier: Apache-2.0
"""RSA signing keys, JWTs and JWKS entries made with python3-cryptography."""
import base64
import hashlib
import hmac
import json
import secrets
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


class SigningKey:
    def __init__(self, kid, bits=2048):
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537,
                                                key_size=bits)

    def jwk(self):
        pub = self.private.public_key().public_numbers()
        return {"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                "n": _uint(pub.n), "e": _uint(pub.e)}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())


def encode(header: dict, claims: dict) -> str:
    return (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
            + b64url(json.dumps(claims, separators=(",", ":")).encode()))


# Every token made in this run: none may ever appear in an error log.
ISSUED = []


def mint(key: SigningKey, claims: dict, header: dict | None = None) -> str:
    h = {"alg": "RS256", "typ": "JWT", "kid": key.kid}
    h.update(header or {})
    signing_input = encode(h, claims)
    t = signing_input + "." + b64url(key.sign(signing_input.encode()))
    ISSUED.append(t)
    return t


def mint_hs256(secret: bytes, claims: dict, kid: str) -> str:
    signing_input = encode({"alg": "HS256", "typ": "JWT", "kid": kid}, claims)
    sig = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


def claims(issuer, sub="user_01ALICE", lifetime=300, **extra):
    now = int(time.time())
    c = {"iss": issuer, "sub": sub, "sid": "session_01ALICE",
         "org_id": "org_01ACME", "role": "member",
         "roles": ["member"], "permissions": ["posts:read"],
         "entitlements": ["audit-logs"], "feature_flags": ["new-editor"],
         "jti": "jti_" + secrets.token_hex(8), "iat": now, "exp": now + lifetime}
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}
