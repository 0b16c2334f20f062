# SPDX-License-Identifier: Apache-2.0
"""The local WorkOS stand-in (issue 17): started from its command line, as
an administrator would, it signs users into a plain httpd vhost through its
sign-in page, validates the API keys it was configured with, and delivers
signed webhooks on demand. Issue 24: each session keeps its own user and
memberships through refreshes and switches with several users signed in,
and a restart keeps its signing key (or names a new one with a new kid)."""
import html.parser
import json
import pathlib
import subprocess
import sys
import time
import types
import urllib.parse

import pytest
import requests

import sealer
from harness import API_KEY, CLIENT_ID, LOCATIONS, WEBHOOK_SECRET, Httpd, \
    free_port
from test_lifecycle import BROWSER

ROOT = pathlib.Path(__file__).resolve().parents[2]
STAND_IN = ROOT / "demo" / "stand_in.py"

CONFIG = {
    "users": {"user_01DANA": {"email": "dana@example.test",
                              "first_name": "Dana", "last_name": "Scully"},
              "user_01FOX": {"email": "fox@example.test",
                             "first_name": "Fox", "last_name": "Mulder"}},
    "organizations": {"org_01FBI": "FBI",
                      "org_01LAB": {"name": "Lab", "sso_required": True},
                      "org_01HQ": "HQ"},
    "roles": {"agent": ["cases:read"], "chief": ["cases:read", "cases:close"]},
    "default_roles": {"org_01FBI": "agent", "org_01LAB": "chief",
                      "org_01HQ": "agent"},
    "api_keys": [{"value": "sk_standin_key_for_tests_000001",
                  "id": "api_key_01TEST",
                  "owner": {"type": "organization", "id": "org_01FBI"},
                  "permissions": ["cases:read"]}],
}

KEYS = LOCATIONS + """
<Location /private/k>
    WorkOSTokenSource apikey
</Location>
"""


class Form(html.parser.HTMLParser):
    """The sign-in page's form fields, as a browser would post them."""

    def __init__(self):
        super().__init__()
        self.fields = {}
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "radio" and \
                "checked" in a:
            self.fields[a["name"]] = a["value"]
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select:
            # a browser posts the selected option, else the first
            if "selected" in a or self._select not in self.fields:
                self.fields[self._select] = a["value"]


def launch(tmp_path, port, vhost, *extra, host="127.0.0.1"):
    cfg = tmp_path / "stand-in.json"
    cfg.write_text(json.dumps(CONFIG))
    hook = f"http://127.0.0.1:{vhost}/webhook"
    proc = subprocess.Popen(
        [sys.executable, str(STAND_IN), "--port", str(port), "--callback",
         f"http://127.0.0.1:{vhost}/callback", "--client-id", CLIENT_ID,
         "--api-key", API_KEY, "--config", str(cfg), "--webhook-url", hook,
         "--webhook-secret", WEBHOOK_SECRET,
         "--state-dir", str(tmp_path / "state"), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://{host}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/stand-in", timeout=2).ok:
                break
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or still generating its key
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.1)  # polling for readiness, with a deadline
    return types.SimpleNamespace(base=base, port=vhost, proc=proc)


def finish(si):
    si.proc.terminate()
    out = si.proc.communicate(timeout=20)[0]
    assert si.proc.returncode == 0, out
    return out


@pytest.fixture
def stand_in(tmp_path, request):
    extra = getattr(request, "param", ())
    si = launch(tmp_path, free_port(), free_port(), *extra)
    yield si
    if si.proc.poll() is None:
        finish(si)


@pytest.fixture
def vhost(stand_in):
    h = Httpd(stand_in, mpm="prefork", one_process=False, locations=KEYS)
    h.port = stand_in.port
    h.base = f"http://127.0.0.1:{h.port}"
    h.start()
    yield h
    h.stop()
    problems = h.unexpected_log_lines()
    assert not problems, problems
    h.cleanup()


def sign_in(vhost, path="/private/x", jar=None, **choose):
    jar = jar or requests.Session()
    r = jar.get(vhost.base + path, headers=BROWSER, allow_redirects=True,
                timeout=20)
    assert r.status_code == 200 and "dana@example.test" in r.text, r.text
    form = Form()
    form.feed(r.text)
    form.fields.update(choose)
    action = urllib.parse.urljoin(r.url, "/demo/sign-in")
    r = jar.post(action, data=form.fields, headers=BROWSER,
                 allow_redirects=True, timeout=20)
    sealer.ISSUED.append(jar.cookies.get("wos-session"))
    return jar, r


def test_command_line_stand_in_signs_into_a_vhost(stand_in, vhost):
    about = requests.get(stand_in.base + "/stand-in", timeout=5).json()
    assert about["callbacks"] == [vhost.base + "/callback"]
    assert about["sso_required"] == ["org_01LAB"]
    jar, r = sign_in(vhost)
    assert r.status_code == 200, r.text
    assert r.url == vhost.base + "/private/x"
    env = r.json()
    assert env["REMOTE_USER"] == "user_01DANA"
    assert env["WORKOS_ORG_ID"] == "org_01FBI"
    assert env["WORKOS_ROLE"] == "agent"
    assert env["WORKOS_PERMISSIONS"] == "cases:read"
    # a switch into the SSO organisation is sent to sign in there
    r = jar.post(vhost.base + "/switch-org", allow_redirects=False,
                 data={"organization_id": "org_01LAB"}, timeout=20)
    assert r.status_code == 303
    assert "organization_id=org_01LAB" in r.headers["Location"]


def test_hints_show_on_its_sign_in_page(stand_in, vhost):
    r = requests.get(vhost.base + "/login?screen_hint=sign-up&login_hint="
                     "dana@example.test", allow_redirects=True, timeout=20)
    assert "<h1>Create an account</h1>" in r.text
    assert 'id="hint-login_hint">dana@example.test' in r.text


def test_it_validates_its_api_keys(stand_in, vhost):
    good = {"Authorization": "Bearer sk_standin_key_for_tests_000001"}
    r = vhost.get("/private/k/x", headers=good)
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "api_key_01TEST"
    assert r.json()["WORKOS_ORG_ID"] == "org_01FBI"
    bad = {"Authorization": "Bearer sk_standin_key_unknown_00000002"}
    assert vhost.get("/private/k/x", headers=bad).status_code == 401


def test_it_delivers_signed_webhooks_on_demand(stand_in, vhost):
    jar, r = sign_in(vhost)
    sid = r.json()["WORKOS_SESSION_ID"]
    assert jar.get(vhost.base + "/private/y", timeout=20).status_code == 200
    r = requests.post(stand_in.base + "/stand-in/webhooks", timeout=20,
                      json={"event": "session.revoked", "data": {"id": sid}})
    assert r.json() == {"delivered_to": vhost.base + "/webhook",
                        "status": 200, "event": "session.revoked"}
    # every process learns it within the revocation poll interval
    deadline = time.monotonic() + 5
    while True:
        r = jar.get(vhost.base + "/private/y", allow_redirects=False,
                    headers={"Accept": "application/json"}, timeout=20)
        if r.status_code != 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)  # polling for the revocation, with a deadline
    assert r.status_code == 401


def who(jar, vhost, path="/private/who"):
    r = jar.get(vhost.base + path, headers=BROWSER, allow_redirects=False,
                timeout=20)
    assert r.status_code == 200, (r.status_code, r.text)
    sealer.ISSUED.append(jar.cookies.get("wos-session"))
    env = r.json()
    return (env["REMOTE_USER"], env["WORKOS_ORG_ID"], env["WORKOS_ROLE"],
            env["WORKOS_SESSION_ID"])


# Tokens live 30 s, WorkOSRefreshBefore's default: every request refreshes.
@pytest.mark.parametrize("stand_in", [("--token-lifetime", "30")],
                         indirect=True)
def test_each_session_keeps_its_user_through_refresh_and_switch(stand_in,
                                                                 vhost):
    dana, r = sign_in(vhost)
    assert r.status_code == 200, r.text
    dana_sid = r.json()["WORKOS_SESSION_ID"]
    # Fox signs in after Dana, chief of FBI, not a member of HQ
    fox, r = sign_in(vhost, user="user_01FOX", role_org_01FBI="chief",
                     role_org_01HQ="")
    assert r.status_code == 200, r.text
    assert r.json()["REMOTE_USER"] == "user_01FOX"
    fox_sid = r.json()["WORKOS_SESSION_ID"]
    # refreshes: each keeps its own user, role and session
    for _ in range(2):
        assert who(dana, vhost) == ("user_01DANA", "org_01FBI", "agent",
                                    dana_sid)
        assert who(fox, vhost) == ("user_01FOX", "org_01FBI", "chief",
                                   fox_sid)
    # Dana is a member of HQ (Fox is not): her switch is by her memberships
    r = dana.post(vhost.base + "/switch-org", allow_redirects=False,
                  data={"organization_id": "org_01HQ"}, timeout=20)
    assert r.status_code in (302, 303), r.text
    assert who(dana, vhost) == ("user_01DANA", "org_01HQ", "agent", dana_sid)
    r = fox.post(vhost.base + "/switch-org", allow_redirects=False,
                 data={"organization_id": "org_01HQ"}, timeout=20)
    assert r.status_code == 403, r.text
    assert who(fox, vhost) == ("user_01FOX", "org_01FBI", "chief", fox_sid)
    assert who(dana, vhost) == ("user_01DANA", "org_01HQ", "agent", dana_sid)


def test_a_restart_keeps_signatures_valid(stand_in, vhost, tmp_path):
    dana, r = sign_in(vhost)
    assert r.status_code == 200, r.text
    kid = requests.get(stand_in.base + "/sso/jwks/" + CLIENT_ID,
                       timeout=5).json()["keys"][0]["kid"]
    port = int(stand_in.base.rsplit(":", 1)[1])
    finish(stand_in)
    again = launch(tmp_path, port, stand_in.port)
    try:
        keys = requests.get(again.base + "/sso/jwks/" + CLIENT_ID,
                            timeout=5).json()["keys"]
        assert [k["kid"] for k in keys] == [kid]
        # the session signed before the restart, and a new sign-in
        assert who(dana, vhost)[0] == "user_01DANA"
        fox, r = sign_in(vhost, user="user_01FOX")
        assert r.status_code == 200, r.text
        assert r.json()["REMOTE_USER"] == "user_01FOX"
    finally:
        finish(again)


@pytest.mark.parametrize("stand_in", [("--state-dir", "")], indirect=True)
def test_a_new_key_gets_a_new_kid(stand_in, vhost, tmp_path):
    dana, r = sign_in(vhost)
    assert r.status_code == 200, r.text
    kid = requests.get(stand_in.base + "/sso/jwks/" + CLIENT_ID,
                       timeout=5).json()["keys"][0]["kid"]
    port = int(stand_in.base.rsplit(":", 1)[1])
    finish(stand_in)
    again = launch(tmp_path, port, stand_in.port, "--state-dir", "")
    try:
        keys = requests.get(again.base + "/sso/jwks/" + CLIENT_ID,
                            timeout=5).json()["keys"]
        # never the old kid with another key: a module that cached the old
        # key sees an unknown kid and fetches the keys again (within its
        # refetch budget, docs/reference.md) instead of "bad signature"
        assert [k["kid"] for k in keys] != [kid]
        assert keys[0]["kid"].startswith("stand-in-")
    finally:
        finish(again)


def test_it_listens_where_asked(tmp_path):
    port = free_port()
    si = launch(tmp_path, port, free_port(), "--host", "127.0.0.2",
                host="127.0.0.2")
    try:
        about = requests.get(si.base + "/stand-in", timeout=5).json()
        assert about["base"] == f"http://127.0.0.2:{port}"
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/stand-in", timeout=5)
    finally:
        finish(si)
