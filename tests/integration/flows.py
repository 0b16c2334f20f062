# SPDX-License-Identifier: Apache-2.0
"""Per-flow sign-in cookies, as @workos/authkit-session names them, and a
sign-in started or checked by that library itself (tests/interop)."""
import json
import pathlib
import subprocess

INTEROP = pathlib.Path(__file__).resolve().parents[1] / "interop"
PREFIX = "wos-auth-verifier"


def fnv1a32_hex(text):
    h = 0x811C9DC5
    for b in text.encode():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


def cookie_name(state):
    return f"{PREFIX}-{fnv1a32_hex(state)}"


def set_cookies(r):
    return r.raw.headers.getlist("Set-Cookie")


def verifiers_set(r):
    """(name, value) of every verifier cookie a response sets (not clears)."""
    out = []
    for h in set_cookies(r):
        name, _, rest = h.partition("=")
        value = rest.split(";", 1)[0]
        if name.startswith(PREFIX) and value and "Max-Age=0" not in h:
            out.append((name, value))
    return out


def verifiers_cleared(r):
    return [h.split("=", 1)[0] for h in set_cookies(r)
            if h.startswith(PREFIX) and "Max-Age=0" in h]


def verifier(r):
    """The one verifier cookie a sign-in start set: (name, value)."""
    got = verifiers_set(r)
    assert len(got) == 1, got
    return got[0]


def cookie_for(state):
    return {"Cookie": f"{cookie_name(state)}={state}"}


def authkit_start(password, client_id, redirect_uri, api_base, return_path):
    out = subprocess.run(["node", "pkce.mjs", "start", password, client_id,
                          redirect_uri, api_base, return_path],
                         cwd=INTEROP, capture_output=True, text=True,
                         check=True, timeout=60)
    return json.loads(out.stdout)


def authkit_open_state(password, state):
    out = subprocess.run(["node", "pkce.mjs", "verify", password],
                         cwd=INTEROP, input=state, capture_output=True,
                         text=True, timeout=60)
    return json.loads(out.stdout) if out.returncode == 0 else None


def authkit_cookie_name(state):
    return subprocess.run(["node", "pkce.mjs", "name", state], cwd=INTEROP,
                          capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()
