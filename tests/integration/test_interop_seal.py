# SPDX-License-Identifier: Apache-2.0
"""The module's seal code (through tests/tools/wos-seal) and WorkOS's and
iron's own npm libraries (through tests/interop/seal.mjs) open each other's
seals. No httpd: this is the cookie format alone."""
import base64
import json
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
INTEROP = ROOT / "tests" / "interop"
WOS_SEAL = ROOT / "tests" / "tools" / "wos-seal"

LIBS = ["iron-session", "iron-webcrypto", "workos-node", "authkit-session"]
PASSWORD = "interop-password-0123456789-abcdefghij"
OTHER_PASSWORD = "another-password-0123456789-abcdefghij"
B64URL = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
          "0123456789-_")

# What an SDK seals: camelCase session with a nested user, non-ASCII text,
# nulls and an unknown field that must survive.
SESSION = {
    "accessToken": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzAxIn0.sig",
    "refreshToken": "rt_01HXYZ",
    "user": {
        "object": "user",
        "id": "user_01HXYZ",
        "email": "zoe@example.com",
        "emailVerified": True,
        "firstName": "Zo\u00eb",
        "lastName": "\u6771\u4eac \U0001F600",
        "profilePictureUrl": None,
        "metadata": {"k": "v \"quoted\" \\ /"},
    },
    "organizationId": "org_01HXYZ",
    "impersonator": None,
    "authenticationMethod": "Password",
    "futureField": [1, 2.5, False, {"nested": []}],
}


@pytest.fixture(scope="session")
def wos_seal():
    if not WOS_SEAL.exists():
        subprocess.run(["make", "-f", "Makefile.apxs", "tests/tools/wos-seal"],
                       cwd=ROOT, check=True, timeout=300)
    return str(WOS_SEAL)


@pytest.fixture(scope="session")
def node():
    path = shutil.which("node")
    assert path, "node is needed for the interop tests"
    assert (INTEROP / "node_modules").is_dir(), \
        "run npm ci in tests/interop first"
    return path


def run(args, stdin, cwd=None):
    return subprocess.run(args, input=stdin, capture_output=True, text=True,
                          cwd=cwd, timeout=60)


def lib_seal(node, lib, password, data):
    out = run([node, "seal.mjs", lib, "seal", password], json.dumps(data),
              cwd=INTEROP)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def lib_unseal(node, lib, password, sealed):
    return run([node, "seal.mjs", lib, "unseal", password], sealed,
               cwd=INTEROP)


def c_seal(wos_seal, password, data):
    out = run([wos_seal, "seal", password], json.dumps(data))
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def c_unseal(wos_seal, sealed, *passwords):
    return run([wos_seal, "unseal", *passwords], sealed + "\n")


@pytest.mark.parametrize("lib", LIBS)
def test_lib_seals_wos_seal_unseals(lib, node, wos_seal):
    sealed = lib_seal(node, lib, PASSWORD, SESSION)
    assert sealed.startswith("Fe26.2*1*")
    out = c_unseal(wos_seal, sealed, PASSWORD)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == SESSION


@pytest.mark.parametrize("lib", LIBS)
def test_wos_seal_seals_lib_unseals(lib, node, wos_seal):
    sealed = c_seal(wos_seal, PASSWORD, SESSION)
    assert sealed.startswith("Fe26.2*1*") and sealed.endswith("~2")
    out = lib_unseal(node, lib, PASSWORD, sealed)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == SESSION


@pytest.mark.parametrize("lib", LIBS)
def test_rotation_picks_the_lib_seal_password(lib, node, wos_seal):
    """WorkOS's libraries write id 1; with several passwords the id picks."""
    sealed = lib_seal(node, lib, PASSWORD, SESSION)
    out = c_unseal(wos_seal, sealed, OTHER_PASSWORD + ":2", PASSWORD + ":1")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == SESSION
    out = c_unseal(wos_seal, sealed, PASSWORD + ":2", OTHER_PASSWORD + ":1")
    assert out.returncode == 1
    assert "bad seal MAC" in out.stderr


@pytest.mark.parametrize("lib", LIBS)
def test_wrong_password_rejected_by_wos_seal(lib, node, wos_seal):
    sealed = lib_seal(node, lib, OTHER_PASSWORD, SESSION)
    out = c_unseal(wos_seal, sealed, PASSWORD)
    assert out.returncode == 1
    assert out.stdout == ""
    assert "bad seal MAC" in out.stderr


@pytest.mark.parametrize("lib", LIBS)
def test_wrong_password_rejected_by_lib(lib, node, wos_seal):
    sealed = c_seal(wos_seal, OTHER_PASSWORD, SESSION)
    out = lib_unseal(node, lib, PASSWORD, sealed)
    assert out.returncode != 0
    assert out.stdout == ""


def lax_b64url_decode(text):
    """Python's default decoder, like iron-webcrypto 2's, ignores the
    unused low bits of the last character."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def set_unused_mac_bit(sealed):
    body, _, version = sealed.partition("~")
    fields = body.split("*")
    mac = fields[7]
    value = B64URL.index(mac[-1])
    # 43 characters carry 258 bits for a 256-bit MAC: 2 unused bits.
    assert len(mac) == 43 and value & 3 == 0
    fields[7] = mac[:-1] + B64URL[value | 1]
    assert lax_b64url_decode(fields[7]) == lax_b64url_decode(mac)
    return "*".join(fields) + ("~" + version if version else "")


@pytest.mark.parametrize("lib", LIBS)
def test_mac_with_unused_bit_set_rejected_by_wos_seal(lib, node, wos_seal):
    sealed = lib_seal(node, lib, PASSWORD, SESSION)
    assert c_unseal(wos_seal, sealed, PASSWORD).returncode == 0
    out = c_unseal(wos_seal, set_unused_mac_bit(sealed), PASSWORD)
    assert out.returncode == 1
    assert "malformed seal" in out.stderr


def test_mac_with_unused_bit_set_from_wos_seal_rejected(wos_seal):
    sealed = c_seal(wos_seal, PASSWORD, SESSION)
    out = c_unseal(wos_seal, set_unused_mac_bit(sealed), PASSWORD)
    assert out.returncode == 1
    assert "malformed seal" in out.stderr
