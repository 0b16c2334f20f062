# SPDX-License-Identifier: Apache-2.0
"""A small local WorkOS for development: the demo's sign-in server, and one
an administrator can point their own virtual host at before touching
WorkOS.

    make -f Makefile.apxs stand-in STAND_IN_ARGS="--port 8081 ..."
    /usr/bin/python3 demo/stand_in.py --port 8081 \
        --callback https://app.example.test/callback [--config users.json]

It is the integration tests' FakeWorkOS (JWKS, code and refresh grants with
PKCE checked and single-use refresh tokens, organisation membership,
logout, the sessions API) plus:
  GET  /user_management/authorize   a sign-in page: pick a user, their
                                    organisations and roles (screen_hint,
                                    login_hint and organization_id honoured)
  POST /demo/sign-in                its form: back to the callback with a code
  POST /api_keys/validations        API-key validation, from the keys
                                    configured (WorkOSTokenSource apikey)
  POST /stand-in/webhooks           {"event", "data"}: signs the event with
                                    the webhook secret and delivers it to
                                    --webhook-url (workos-webhook), at once
  GET  /stand-in                    what it serves, as JSON
  GET  /user_management/sessions/logout   also ends the session's refresh
  GET  /demo/session?sid=...        what the demo page shows about a session
  POST /authorization/organization_memberships/{id}/check
                                    WorkOS FGA (Require workos-access): per
                                    organisation a workspace and projects,
                                    project-viewer and workspace-admin roles
  GET  /demo/projects?org=...       an organisation's projects, for the demo
and a refresh keeps the session id, as WorkOS does. Each session keeps the
user and memberships it signed in with, through refreshes and switches,
however many users are signed in at once. Its signing key is kept in its
state directory (--state-dir) across restarts, and the kid names the key
(a new key never reuses an old key's kid). Organisations marked
"sso_required" answer a switch into them with sso_required, as WorkOS does
for organisations that enforce SSO or MFA. Nothing here is a secret: it is
for development only (127.0.0.1 unless --host says otherwise).
"""
import argparse
import base64
import copy
import hashlib
import hmac
import html
import json
import os
import pathlib
import secrets
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]
                       / "tests" / "integration"))

import tokens  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from fake_fga import FakeFGA  # noqa: E402
from fake_workos import FakeWorkOS, _Server, iso  # noqa: E402

USERS = {
    "user_01ALICE": {"email": "alice@example.com", "first_name": "Alice",
                     "last_name": "Liddell"},
    "user_01BOB": {"email": "bob@example.com", "first_name": "Bob",
                   "last_name": "Baker"},
    "user_01CAROL": {"email": "carol@example.com", "first_name": "Carol",
                     "last_name": "Chen"},
}
ORGS = {"org_01ACME": "Acme Corp", "org_01GLOBEX": "Globex",
        "org_01INITECH": "Initech"}
# What the sign-in page starts with: a member of Acme, an admin of Globex,
# not in Initech, so switching organisation and the 403 page both show.
DEFAULT_ROLES = {"org_01ACME": "member", "org_01GLOBEX": "admin",
                 "org_01INITECH": ""}
ROLES = ("member", "admin")
PERMISSIONS = {"member": ["posts:read"],
               "admin": ["posts:read", "posts:write", "members:manage"]}
ENTITLEMENTS = ["audit-logs"]
FEATURE_FLAGS = ["new-editor"]
# Organisations that enforce SSO (a switch into them answers sso_required).
SSO_ORGS = ()
# API keys the validation endpoint knows: value -> (id, owner, permissions).
API_KEYS = {
    "sk_demo_key_acme_reader_0123456789": (
        "api_key_01DEMOREADER", {"type": "organization", "id": "org_01ACME"},
        ["posts:read"]),
}
# WorkOS FGA (the Authorization API, Require workos-access): per
# organisation a workspace and its projects; who may view which project.
# project-viewer (a project role) is given on each project to the users
# listed; workspace-admin (a workspace role) is inherited by every project
# of the workspace. Config: "projects" {org: {project: [user ids]}},
# "workspace_admins" {org: [user ids]}.
PROJECTS = {
    "org_01ACME": {"apollo": ["user_01ALICE"], "gemini": ["user_01BOB"],
                   "mercury": ["user_01ALICE", "user_01BOB"]},
    "org_01GLOBEX": {"hammock": ["user_01ALICE"],
                     "cypress": ["user_01BOB"]},
    "org_01INITECH": {"tps-reports": ["user_01BOB"]},
}
WORKSPACE_ADMINS = {"org_01ACME": ["user_01CAROL"],
                    "org_01GLOBEX": ["user_01CAROL"]}
FGA_ROLES = {"project-viewer": ("project", ["project:view"]),
             "workspace-admin": ("workspace", ["project:view",
                                               "project:edit"])}
DEFAULT_CLIENT_ID = "client_01DEMO"
DEFAULT_API_KEY = "sk_test_demo_0123456789abcdef"
DEFAULT_WEBHOOK_SECRET = "whsec_demo_not_a_secret_0123456789"

PAGE_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto;
       padding: 0 1rem; color: #1d1d1f; }
.card { border: 1px solid #d0d0d8; border-radius: 10px; padding: 1.5rem; }
.banner { background: #fff6d6; border: 1px solid #e8d48a; border-radius: 6px;
          padding: .5rem .75rem; font-size: .9rem; }
.error { background: #fde2e2; border: 1px solid #e99; border-radius: 6px;
         padding: .5rem .75rem; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: .35rem .5rem;
         border-bottom: 1px solid #eee; }
button { background: #6363f1; color: white; border: 0; border-radius: 6px;
         padding: .6rem 1.2rem; font-size: 1rem; cursor: pointer; }
label { display: block; margin: .5rem 0; }
"""


def _user_object(uid, users=None):
    u = (users or USERS)[uid]
    return {"object": "user", "id": uid, "email": u["email"],
            "first_name": u["first_name"], "last_name": u["last_name"],
            "email_verified": True, "profile_picture_url": None,
            # WorkOS's description requires both (null when unset)
            "external_id": None,
            "last_sign_in_at": "2026-01-01T00:00:00.000Z",
            "created_at": "2026-01-01T00:00:00.000Z",
            "updated_at": "2026-01-01T00:00:00.000Z"}


def signing_key(state_dir=None):
    """The stand-in's RSA key: the one kept in state_dir when there is one
    (made and kept there otherwise), a new one without state_dir. Its kid
    is derived from the public key, so a new key never reuses a kid that a
    module may have cached with another key."""
    key = None
    path = pathlib.Path(state_dir) / "signing-key.pem" if state_dir else None
    if path is not None and path.exists():
        key = tokens.SigningKey.__new__(tokens.SigningKey)
        key.private = serialization.load_pem_private_key(path.read_bytes(),
                                                         password=None)
    if key is None:
        key = tokens.SigningKey("stand-in")
    if path is not None and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = key.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        os.replace(tmp, path)
    digest = hashlib.sha256(key.public_pem()).digest()[:12]
    key.kid = "stand-in-" + base64.urlsafe_b64encode(digest).decode()
    return key


def default_state_dir():
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "mod_auth_workos-stand-in")


def load_config(path):
    """A JSON file with any of: users {id: {email, first_name, last_name}},
    organizations {id: name or {name, sso_required}}, roles {role:
    [permissions]}, default_roles {org: role}, entitlements [...],
    feature_flags [...], api_keys [{value, id, owner, permissions}],
    projects {org: {project: [user ids who may view it]}},
    workspace_admins {org: [user ids]}."""
    with open(path) as f:
        cfg = json.load(f)
    if not isinstance(cfg, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return cfg


def membership_id(uid, org):
    """The stand-in's organisation membership id for (user, organisation):
    the same for every sign-in, so FGA role assignments can be made before
    the user first signs in."""
    return "om_" + uid.removeprefix("user_") + "_" + \
        org.removeprefix("org_")


class StandInFGA(FakeFGA):
    """The fake's FGA with the stand-in's memberships: an id is known while
    its user (as last signed in) is a member of its organisation; a check
    needs the API key, as WorkOS's does."""

    def membership_org(self, om):
        with self.workos.lock:
            uid, org = self.workos.membership_ids.get(om, (None, None))
            ident = self.workos.user_idents.get(uid)
        return org if ident and org in ident["memberships"] else None

    def serve(self, handler, path, body):
        if not handler._authorized():
            return handler._unauthorized()
        return super().serve(handler, path, body)


class DemoWorkOS(FakeWorkOS):
    def __init__(self, client_id, redirect_uri, token_lifetime, port=0,
                 config=None, webhook_url=None, webhook_secret=None,
                 host="127.0.0.1", state_dir=None, public_url=None):
        # set before FakeWorkOS builds its request handler (and sets user
        # and memberships through the properties below)
        self._tls = threading.local()
        self._last = {}
        self.code_idents = {}     # code -> identity it signs in
        self.session_idents = {}  # session id -> identity
        self.user_idents = {}     # user id -> latest identity (memberships API)
        self.redirect_uris = [redirect_uri] if isinstance(redirect_uri, str) \
            else list(redirect_uri)
        self.redirect_uri = self.redirect_uris[0]
        self.session_tokens = {}  # session id -> latest token's jti/iat/exp
        super().__init__(client_id, port=port)
        if host != "127.0.0.1":
            # FakeWorkOS listens on loopback: listen where asked instead
            self.server.server_close()
            self.server = _Server((host, port), self._handler())
            self.server.daemon_threads = True
            self.server.handle_error = lambda request, address: None
            self.port = self.server.server_address[1]
            shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
            self.base = f"http://{shown}:{self.port}"
            self.thread = threading.Thread(
                target=self.server.serve_forever, daemon=True)
        if public_url:
            self.base = public_url.rstrip("/")
        self.membership_ids = {}  # om id -> (user id, org id)
        self.fga = StandInFGA(self)
        self._configure(config or {})
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret or DEFAULT_WEBHOOK_SECRET
        self.keys = [signing_key(state_dir)]
        self.token_lifetime = token_lifetime
        self.user = _user_object(next(iter(self.users)), self.users)
        self.memberships = {o: r for o, r in self.default_roles.items() if r}
        self.org = next(iter(self.memberships), next(iter(self.orgs)))
        self.routes[("GET", "/user_management/authorize")] = self._page
        self.routes[("POST", "/demo/sign-in")] = self._sign_in
        self.routes[("GET", "/user_management/sessions/logout")] = \
            self._logout
        self.routes[("GET", "/demo/session")] = self._session_info
        self.routes[("POST", "/api_keys/validations")] = self._validate_key
        self.routes[("POST", "/stand-in/webhooks")] = self._send_webhook
        self.routes[("GET", "/stand-in")] = self._about
        self.routes[("GET", "/demo/projects")] = self._projects

    def _configure(self, cfg):
        self.users = copy.deepcopy(cfg.get("users") or USERS)
        orgs = cfg.get("organizations") or ORGS
        self.orgs = {o: (v if isinstance(v, str) else v.get("name", o))
                     for o, v in orgs.items()}
        sso = [o for o, v in orgs.items()
               if isinstance(v, dict) and v.get("sso_required")]
        self.org_errors = {o: "sso_required" for o in (*SSO_ORGS, *sso)}
        self.permissions = cfg.get("roles") or PERMISSIONS
        self.roles = tuple(self.permissions)
        self.default_roles = cfg.get("default_roles") or (
            DEFAULT_ROLES if orgs is ORGS else
            {o: self.roles[0] for o in self.orgs})
        self.entitlements = cfg.get("entitlements", ENTITLEMENTS)
        self.feature_flags = cfg.get("feature_flags", FEATURE_FLAGS)
        keys = {k["value"]: (k["id"], k["owner"], k.get("permissions", []))
                for k in cfg.get("api_keys", [])} or API_KEYS
        self.api_keys = {
            v: {"object": "api_key", "id": kid, "owner": owner,
                "name": kid, "obfuscated_value": "sk_..." + v[-4:],
                "permissions": perms, "last_used_at": None,
                "created_at": "2026-01-01T00:00:00.000Z",
                "updated_at": "2026-01-01T00:00:00.000Z"}
            for v, (kid, owner, perms) in keys.items()}
        default = orgs is ORGS
        self._seed_fga(cfg.get("projects") or (PROJECTS if default else {}),
                       cfg.get("workspace_admins") or
                       (WORKSPACE_ADMINS if default else {}))

    def membership_id(self, uid, org):
        om = membership_id(uid, org)
        with self.lock:
            self.membership_ids[om] = (uid, org)
        return om

    def _seed_fga(self, projects, admins):
        """Per organisation a workspace "main" and its projects, with the
        role assignments the configuration gives."""
        fga = self.fga
        fga.add_type("workspace")
        fga.add_type("project", parent="workspace")
        for role, (type_slug, perms) in FGA_ROLES.items():
            fga.add_role(role, perms, type_slug)
        self.projects = {}
        for org in self.orgs:
            if org not in projects and org not in admins:
                continue
            ws = fga.add_resource(org, "workspace", "main")
            for uid in admins.get(org, []):
                fga.assign(self.membership_id(uid, org), "workspace-admin",
                           ws)
            self.projects[org] = {}
            for name, viewers in projects.get(org, {}).items():
                rid = fga.add_resource(org, "project", name, parent=ws)
                for uid in viewers:
                    fga.assign(self.membership_id(uid, org),
                               "project-viewer", rid)
                self.projects[org][name] = {
                    "viewers": list(viewers),
                    "workspace_admins": list(admins.get(org, []))}

    # --- each session keeps its own user and memberships -------------------
    #
    # FakeWorkOS keeps one user and one set of memberships: whoever signed
    # in last. Here they are per request: a code grant takes the identity
    # picked on the sign-in page for that code, a refresh (or switch) the
    # identity of the refresh token's session, the memberships API the
    # user's latest; outside those, the last sign-in's (as FakeWorkOS).

    def _ident(self):
        return getattr(self._tls, "ident", None) or self._last

    @property
    def user(self):
        return self._ident().get("user")

    @user.setter
    def user(self, value):
        self._last = dict(self._last, user=value)

    @property
    def memberships(self):
        return self._ident().get("memberships", {})

    @memberships.setter
    def memberships(self, value):
        self._last = dict(self._last, memberships=value)

    def _handler(self):
        base = super()._handler()
        fake = self

        class Handler(base):
            def _as(self, ident, sid, call, *args):
                fake._tls.ident, fake._tls.sid = ident, sid
                try:
                    return call(*args)
                finally:
                    fake._tls.ident = fake._tls.sid = None

            def _code_grant(self, req):
                with fake.lock:
                    ident = fake.code_idents.pop(req.get("code"), None)
                return self._as(ident, None, super()._code_grant, req)

            def _refresh_grant(self, req):
                with fake.lock:
                    entry = fake.refresh_tokens.get(
                        req.get("refresh_token")) or {}
                    sid = entry.get("sid")
                    ident = fake.session_idents.get(sid)
                return self._as(ident, sid, super()._refresh_grant, req)

            def _list_memberships(self, args):
                """The user's memberships as last signed in (filtered by
                organization_id, as WorkOS does), each with its stand-in
                id (membership_id)."""
                if not self._authorized():
                    return self._unauthorized()
                uid = (args.get("user_id") or [None])[0]
                if not uid:
                    return self._send(422, json.dumps(
                        {"code": "invalid_request_parameters",
                         "message": "user_id is required"}).encode())
                want = (args.get("organization_id") or [None])[0]
                try:
                    limit = min(max(int((args.get("limit") or
                                         ["10"])[0]), 1), 100)
                except ValueError:
                    limit = 10
                with fake.lock:
                    ident = fake.user_idents.get(uid) or {}
                    orgs = list(ident.get("memberships", {}).items())
                data = [{"object": "organization_membership",
                         "id": fake.membership_id(uid, org), "user_id": uid,
                         "organization_id": org, "role": {"slug": role},
                         "status": "active", "directory_managed": False,
                         "user": ident["user"],
                         "created_at": "2026-01-01T00:00:00.000Z",
                         "updated_at": "2026-01-01T00:00:00.000Z"}
                        for org, role in orgs if want in (None, org)]
                page, more = data[:limit], len(data) > limit
                self._send(200, json.dumps(
                    {"object": "list", "data": page,
                     "list_metadata": {"before": None,
                                       "after": page[-1]["id"] if more
                                       else None}}).encode())

        return Handler

    def issue_session(self, org):
        """An authenticate answer (snake_case, as WorkOS sends it); a
        refresh keeps the session id, a sign-in starts a new one."""
        sid = getattr(self._tls, "sid", None)
        with self.lock:
            new = sid is None
            if new:
                self.sessions_seen += 1
                sid = f"session_01DEMO{self.sessions_seen:04d}"
            ident = dict(self._ident())
            user = dict(ident["user"])
            role = ident["memberships"].get(org, "member")
        claims = tokens.claims(self.issuer, sub=user["id"],
                               lifetime=self.token_lifetime, sid=sid,
                               org_id=org, role=role, roles=[role],
                               permissions=self.permissions.get(role, []),
                               entitlements=self.entitlements,
                               feature_flags=self.feature_flags)
        rt = "rt_" + secrets.token_urlsafe(24)
        with self.lock:
            self.refresh_tokens[rt] = {"org": org, "used": False, "sid": sid}
            self.session_tokens[sid] = {
                "jti": claims["jti"], "iat": claims["iat"],
                "exp": claims["exp"], "org": org}
            self.session_idents[sid] = ident
            if new:
                self.user_sessions.setdefault(user["id"], []).append(
                    self._session_object(sid, user["id"], org))
        answer = {"user": user,
                  "access_token": tokens.mint(self.keys[0], claims),
                  "refresh_token": rt, "authentication_method": "Password"}
        # WorkOS's API description: a string when the session has an
        # organisation, absent (never null) when it has none
        if org is not None:
            answer["organization_id"] = org
        return answer

    @staticmethod
    def _session_object(sid, uid, org):
        """A session as WorkOS's sessions API lists it."""
        now = time.time()
        session = {"object": "session", "id": sid, "user_id": uid,
                   "status": "active", "auth_method": "password",
                   "ip_address": "127.0.0.1", "user_agent": "demo",
                   "expires_at": iso(now + 30 * 86400), "ended_at": None,
                   "created_at": iso(now), "updated_at": iso(now)}
        if org is not None:
            session["organization_id"] = org
        return session

    # --- the hosted sign-in page -------------------------------------------

    def _page(self, handler, body):
        query = handler.path.partition("?")[2]
        args = dict(urllib.parse.parse_qsl(query))
        problem = self._check_authorize(args)
        if problem:
            return 400, self._html("Sign-in request refused",
                                   f'<p class="error">{html.escape(problem)}'
                                   "</p>"), {"Content-Type": HTML}
        return 200, self._form(args), {"Content-Type": HTML}

    def _check_authorize(self, args):
        if args.get("client_id") != self.client_id:
            return "unknown client_id"
        if args.get("redirect_uri") not in self.redirect_uris:
            return ("redirect_uri is not a callback this stand-in was "
                    "started with (--callback)")
        if args.get("response_type") != "code" \
                or args.get("code_challenge_method") != "S256" \
                or not args.get("code_challenge"):
            return "a PKCE (S256) code challenge is required"
        return None

    def _form(self, args, error=None, chosen=None):
        chosen = chosen or {}
        want_org = chosen.get("org") or args.get("organization_id") \
            or next(iter(self.orgs))
        hint = args.get("login_hint", "").lower()
        want_user = chosen.get("user") or next(
            (uid for uid, u in self.users.items()
             if u["email"].lower() == hint), None)
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(args[k])}">'
            for k in ("client_id", "redirect_uri", "response_type",
                      "code_challenge", "code_challenge_method", "state",
                      "screen_hint")
            if k in args)
        users = "".join(
            f'<option value="{uid}"'
            f'{" selected" if uid == want_user else ""}>'
            f'{html.escape(u["first_name"] + " " + u["last_name"])} '
            f'&lt;{html.escape(u["email"])}&gt;</option>'
            for uid, u in self.users.items())
        rows = []
        for oid, name in self.orgs.items():
            role = chosen.get("roles", self.default_roles).get(oid, "")
            options = "".join(
                f'<option value="{r}"{" selected" if r == role else ""}>'
                f'{r}</option>' for r in self.roles)
            options += (f'<option value=""{" selected" if not role else ""}>'
                        'not a member</option>')
            rows.append(
                f'<tr><td><input type="radio" name="org" id="org-{oid}" '
                f'value="{oid}"{" checked" if oid == want_org else ""}></td>'
                f'<td><label for="org-{oid}">{html.escape(name)}<br>'
                f'<small>{oid}</small></label></td>'
                f'<td><select name="role_{oid}" id="role-{oid}" '
                f'aria-label="role in {html.escape(name)}">{options}'
                '</select></td></tr>')
        err = f'<p class="error" id="error">{html.escape(error)}</p>' \
            if error else ""
        signup = args.get("screen_hint") == "sign-up"
        shown = "".join(
            f'<li><code>{html.escape(k)}</code> = <code id="hint-{k}">'
            f'{html.escape(args[k])}</code></li>'
            for k in ("screen_hint", "login_hint", "domain_hint",
                      "organization_id", "connection_id", "invitation_token")
            if args.get(k))
        if shown:
            err += f'<p class="banner">Asked for: <ul>{shown}</ul></p>'
        body = f"""
<p class="banner">This is the demo's <b>local stand-in for WorkOS</b>
(AuthKit's hosted sign-in page would be here). No password: pick who signs
in, their organisations and roles.</p>
{err}
<form method="post" action="/demo/sign-in" class="card">
{hidden}
<label>User <select name="user" id="user">{users}</select></label>
<p>Organisations: the role this user has in each, and the one to sign in
to.</p>
<table><tr><th>sign in to</th><th>organisation</th><th>role</th></tr>
{''.join(rows)}</table>
<p><button type="submit" id="continue">Continue</button></p>
</form>"""
        return self._html("Create an account" if signup else "Sign in", body)

    @staticmethod
    def _html(title, body):
        return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(title)} · WorkOS stand-in</title>"
                f"<style>{PAGE_STYLE}</style></head><body>"
                f"<h1>{html.escape(title)}</h1>{body}</body></html>"
                ).encode()

    def _sign_in(self, handler, body):
        form = dict(urllib.parse.parse_qsl(body.decode(errors="replace")))
        problem = self._check_authorize(form)
        if problem:
            return 400, self._html("Sign-in request refused",
                                   f'<p class="error">{html.escape(problem)}'
                                   "</p>"), {"Content-Type": HTML}
        uid = form.get("user")
        org = form.get("org")
        roles = {o: form.get(f"role_{o}", "") for o in self.orgs}
        roles = {o: r for o, r in roles.items() if r in self.roles}
        chosen = {"user": uid, "org": org, "roles": roles}
        if uid not in self.users:
            return 200, self._form(form, "Pick a user.", chosen), \
                {"Content-Type": HTML}
        if org not in roles:
            return 200, self._form(
                form, "The user must be a member of the organisation they "
                "sign in to: give them a role there.", chosen), \
                {"Content-Type": HTML}
        code = "code_" + secrets.token_urlsafe(16)
        ident = {"user": _user_object(uid, self.users), "memberships": roles}
        with self.lock:
            # this code signs in this identity, whoever signs in meanwhile
            self.code_idents[code] = ident
            self.user_idents[uid] = ident
            self._last = ident
            self.org = org
            self.codes[code] = (form["code_challenge"], org)
        sep = "&" if "?" in form["redirect_uri"] else "?"
        location = form["redirect_uri"] + sep + urllib.parse.urlencode(
            {"code": code, "state": form.get("state", "")})
        return 302, b"", {"Location": location, "Content-Type": HTML}

    # --- sign-out and what the demo page shows -------------------------------

    def _logout(self, handler, body):
        args = dict(urllib.parse.parse_qsl(handler.path.partition("?")[2]))
        sid = args.get("session_id")
        with self.lock:
            for entry in self.refresh_tokens.values():
                if entry.get("sid") == sid:
                    entry["used"] = True  # the session's refresh ends
        # like WorkOS, only back to a site the stand-in knows
        origins = []
        for uri in self.redirect_uris:
            site = urllib.parse.urlsplit(uri)
            origins.append(f"{site.scheme}://{site.netloc}")
        to = args.get("return_to") or ""
        if not any(to == o or to.startswith(o + "/") for o in origins):
            to = origins[0] + "/"
        return 302, b"", {"Location": to, "Content-Type": HTML}

    def _session_info(self, handler, body):
        args = dict(urllib.parse.parse_qsl(handler.path.partition("?")[2]))
        with self.lock:
            token = self.session_tokens.get(args.get("sid"))
            ident = self.session_idents.get(args.get("sid")) or {}
            orgs = [{"id": o, "name": self.orgs.get(o, o), "role": r}
                    for o, r in ident.get("memberships", {}).items()]
        if token is None:
            return 404, {"error": "unknown session"}
        return 200, {"token": token, "organizations": orgs,
                     "org_names": self.orgs}

    # --- API keys and webhooks ----------------------------------------------

    def _validate_key(self, handler, body):
        if self.api_key and handler.headers.get("Authorization") \
                != f"Bearer {self.api_key}":
            return 401, {"message": "Unauthorized: not the stand-in's "
                                    "API key (WorkOSAPIKey)"}
        try:
            value = json.loads(body or b"{}").get("value")
        except (ValueError, AttributeError):
            return 422, {"message": "expected {\"value\": \"sk_...\"}"}
        return 200, {"api_key": self.api_keys.get(value)}

    def sign_webhook(self, payload, now_ms=None):
        t = str(now_ms if now_ms is not None else int(time.time() * 1000))
        mac = hmac.new(self.webhook_secret.encode(),
                       f"{t}.".encode() + payload, hashlib.sha256)
        return f"t={t}, v1={mac.hexdigest()}"

    def _send_webhook(self, handler, body):
        """Delivers {"event", "data"} (the body) to --webhook-url now."""
        try:
            ev = json.loads(body or b"{}")
            assert isinstance(ev.get("event"), str)
            assert isinstance(ev.get("data"), dict)
        except (ValueError, AssertionError, AttributeError):
            return 400, {"message": "expected {\"event\": \"...\", "
                                    "\"data\": {...}}"}
        if not self.webhook_url:
            return 409, {"message": "start the stand-in with --webhook-url"}
        ev.setdefault("id", "event_" + secrets.token_hex(8))
        ev.setdefault("created_at", time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                  time.gmtime()))
        payload = json.dumps(ev).encode()
        req = urllib.request.Request(
            self.webhook_url, data=payload, method="POST",
            headers={"Content-Type": "application/json",
                     "WorkOS-Signature": self.sign_webhook(payload)})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=10) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        except (urllib.error.URLError, OSError) as e:
            return 502, {"delivered_to": self.webhook_url,
                         "error": str(e)}
        return 200, {"delivered_to": self.webhook_url, "status": status,
                     "event": ev["event"]}

    def _projects(self, handler, body):
        """An organisation's projects, for the demo's projects page, with
        who the stand-in lets view each (WorkOS has no such listing: the
        module asks only about one project at a time)."""
        args = dict(urllib.parse.parse_qsl(handler.path.partition("?")[2]))
        org = args.get("org")
        emails = {uid: u["email"] for uid, u in self.users.items()}
        projects = self.projects.get(org)
        if projects is None:
            return 404, {"error": "no projects in this organisation"}
        return 200, {"organization_id": org, "projects": [
            {"name": name,
             "viewers": [emails.get(u, u) for u in p["viewers"]],
             "workspace_admins": [emails.get(u, u)
                                  for u in p["workspace_admins"]]}
            for name, p in projects.items()]}

    def _about(self, handler, body):
        return 200, {"base": self.base, "client_id": self.client_id,
                     "callbacks": self.redirect_uris,
                     "users": self.users, "organizations": self.orgs,
                     "sso_required": sorted(self.org_errors),
                     "roles": self.permissions,
                     "api_keys": {k["id"]: k["obfuscated_value"]
                                  for k in self.api_keys.values()},
                     "webhook_url": self.webhook_url,
                     "projects": self.projects}


HTML = "text/html; charset=utf-8"


def vhost_snippet(fake, password_hint="<at least 32 characters>"):
    return "\n".join([
        f"WorkOSClientID {fake.client_id}",
        f"WorkOSAPIKey {fake.api_key}",
        f"WorkOSAPIBaseURL {fake.base}",
        f"WorkOSRedirectURI {fake.redirect_uri}",
        f"WorkOSCookiePassword {password_hint}",
        f"WorkOSWebhookSecret {fake.webhook_secret}"
        if fake.webhook_url else "",
    ]).strip()


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="A local WorkOS stand-in for trying mod_auth_workos "
                    "(for development only; nothing here is a secret).")
    ap.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default 127.0.0.1; e.g. "
                         "0.0.0.0 so a browser on another machine reaches "
                         "its sign-in page)")
    ap.add_argument("--port", type=int, default=8081,
                    help="port (default 8081; 0 = any)")
    ap.add_argument("--public-url", metavar="URL",
                    help="the URL browsers and Apache reach it at, i.e. "
                         "your WorkOSAPIBaseURL (default http://HOST:PORT)")
    ap.add_argument("--state-dir", metavar="DIR", default=default_state_dir(),
                    help="where its signing key is kept across restarts "
                         "(default %(default)s; '' = a new key each start)")
    ap.add_argument("--callback", action="append", metavar="URL",
                    help="a WorkOSRedirectURI it may send browsers back to "
                         "(repeatable; default http://127.0.0.1:8080/callback)")
    ap.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    ap.add_argument("--api-key", default=DEFAULT_API_KEY,
                    help="the WorkOSAPIKey it expects")
    ap.add_argument("--config", metavar="FILE",
                    help="JSON: users, organizations, roles, default_roles, "
                         "api_keys, entitlements, feature_flags")
    ap.add_argument("--token-lifetime", type=int, default=300,
                    help="seconds an access token lives (default 300)")
    ap.add_argument("--webhook-url", metavar="URL",
                    help="your workos-webhook location, for "
                         "POST /stand-in/webhooks")
    ap.add_argument("--webhook-secret", default=DEFAULT_WEBHOOK_SECRET)
    a = ap.parse_args(argv)
    try:
        cfg = load_config(a.config) if a.config else None
    except (OSError, ValueError) as e:
        ap.error(f"--config: {e}")
    try:
        fake = DemoWorkOS(a.client_id,
                          a.callback or ["http://127.0.0.1:8080/callback"],
                          a.token_lifetime, port=a.port, config=cfg,
                          webhook_url=a.webhook_url,
                          webhook_secret=a.webhook_secret, host=a.host,
                          state_dir=a.state_dir or None,
                          public_url=a.public_url)
    except OSError as e:
        ap.error(f"cannot listen on {a.host}:{a.port} or keep its key in "
                 f"{a.state_dir}: {e.strerror}")
    fake.api_key = a.api_key
    fake.start()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"WorkOS stand-in on {fake.base} (Ctrl-C stops it)\n"
          "Put this in your virtual host, with your own cookie password:\n\n"
          + vhost_snippet(fake) + "\n\n"
          f"Users: {', '.join(u['email'] for u in fake.users.values())}\n"
          f"API keys: {', '.join(fake.api_keys)}\n"
          f"Signing key: {fake.keys[0].kid}"
          + (f" (kept in {a.state_dir})" if a.state_dir else "") + "\n"
          f"What it serves: {fake.base}/stand-in", flush=True)
    stop.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
