# SPDX-License-Identifier: Apache-2.0
"""Seals and opens cookies with WorkOS's own npm libraries (tests/interop)
or, where noted, with the module's C code (tests/tools/wos-seal)."""
import json
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
INTEROP = ROOT / "tests" / "interop"
WOS_SEAL = ROOT / "tests" / "tools" / "wos-seal"


# Every cookie value made in this run: none may appear in an error log.
ISSUED = []


def node_seal(lib, password, data, ttl=None):
    args = ["node", "seal.mjs", lib, "seal", password]
    if ttl is not None:
        args.append(str(ttl))
    out = subprocess.run(args, cwd=INTEROP, input=json.dumps(data),
                         capture_output=True, text=True, check=True,
                         timeout=60)
    ISSUED.append(out.stdout.strip())
    return out.stdout.strip()


def node_unseal(lib, password, sealed):
    out = subprocess.run(["node", "seal.mjs", lib, "unseal", password],
                         cwd=INTEROP, input=sealed, capture_output=True,
                         text=True, timeout=60)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout)


def c_seal(password, data, pw_id="1", ttl_ms=0):
    out = subprocess.run([str(WOS_SEAL), "seal", password, pw_id,
                          str(ttl_ms)], input=json.dumps(data),
                         capture_output=True, text=True, check=True,
                         timeout=30)
    ISSUED.append(out.stdout.strip())
    return out.stdout.strip()
