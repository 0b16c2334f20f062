"""The demo's stand-in for WorkOS: the integration tests' FakeWorkOS plus a
small hosted sign-in page where you pick a user, organisations and roles.

FakeWorkOS already serves the JWKS, the code and refresh grants (PKCE
checked, refresh tokens single-use, organisation membership checked), logout
and the sessions API. This adds, on top:
  GET  /user_management/authorize   the sign-in page (instead of signing in
                                    at once, as the tests' fake does)
  POST /demo/sign-in                its form: who signs in, then back to the
                                    redirect URI with a code
  GET  /user_management/sessions/logout   also ends the session's refresh
  GET  /demo/session?sid=...        what the demo page shows about a session
                                    (token id, issue and expiry time, orgs)
and a refresh keeps the session id, as WorkOS does.
"""
import html
import json
import pathlib
import secrets
import sys
import threading
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]
                       / "tests" / "integration"))

import tokens  # noqa: E402
from fake_workos import FakeWorkOS  # noqa: E402

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


def _user_object(uid):
    u = USERS[uid]
    return {"object": "user", "id": uid, "email": u["email"],
            "first_name": u["first_name"], "last_name": u["last_name"],
            "email_verified": True, "profile_picture_url": None,
            "created_at": "2026-01-01T00:00:00.000Z",
            "updated_at": "2026-01-01T00:00:00.000Z"}


class DemoWorkOS(FakeWorkOS):
    def __init__(self, client_id, redirect_uri, token_lifetime):
        # set before FakeWorkOS builds its request handler
        self._tls = threading.local()
        self.redirect_uri = redirect_uri
        self.session_tokens = {}  # session id -> latest token's jti/iat/exp
        super().__init__(client_id)
        self.keys = [tokens.SigningKey("demo-key-1")]
        self.token_lifetime = token_lifetime
        self.user = _user_object("user_01ALICE")
        self.memberships = {o: r for o, r in DEFAULT_ROLES.items() if r}
        self.org = "org_01ACME"
        self.routes[("GET", "/user_management/authorize")] = self._page
        self.routes[("POST", "/demo/sign-in")] = self._sign_in
        self.routes[("GET", "/user_management/sessions/logout")] = \
            self._logout
        self.routes[("GET", "/demo/session")] = self._session_info

    # --- a refresh keeps its session id ------------------------------------

    def _handler(self):
        base = super()._handler()
        fake = self

        class Handler(base):
            def _refresh_grant(self, req):
                with fake.lock:
                    entry = fake.refresh_tokens.get(
                        req.get("refresh_token")) or {}
                fake._tls.sid = entry.get("sid")
                try:
                    return super()._refresh_grant(req)
                finally:
                    fake._tls.sid = None

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
            user = dict(self.user)
            role = self.memberships.get(org, "member")
        claims = tokens.claims(self.issuer, sub=user["id"],
                               lifetime=self.token_lifetime, sid=sid,
                               org_id=org, role=role, roles=[role],
                               permissions=PERMISSIONS[role],
                               entitlements=ENTITLEMENTS,
                               feature_flags=FEATURE_FLAGS)
        rt = "rt_" + secrets.token_urlsafe(24)
        with self.lock:
            self.refresh_tokens[rt] = {"org": org, "used": False, "sid": sid}
            self.session_tokens[sid] = {
                "jti": claims["jti"], "iat": claims["iat"],
                "exp": claims["exp"], "org": org}
            if new:
                self.user_sessions.setdefault(user["id"], []).append(
                    {"object": "session", "id": sid, "user_id": user["id"],
                     "organization_id": org, "status": "active",
                     "auth_method": "password", "ip_address": "127.0.0.1",
                     "user_agent": "demo"})
        return {"user": user, "organization_id": org,
                "access_token": tokens.mint(self.keys[0], claims),
                "refresh_token": rt, "authentication_method": "Password"}

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
        if args.get("redirect_uri") != self.redirect_uri:
            return "redirect_uri is not the demo's callback"
        if args.get("response_type") != "code" \
                or args.get("code_challenge_method") != "S256" \
                or not args.get("code_challenge"):
            return "a PKCE (S256) code challenge is required"
        return None

    def _form(self, args, error=None, chosen=None):
        chosen = chosen or {}
        want_org = chosen.get("org") or args.get("organization_id") \
            or "org_01ACME"
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(args[k])}">'
            for k in ("client_id", "redirect_uri", "response_type",
                      "code_challenge", "code_challenge_method", "state")
            if k in args)
        users = "".join(
            f'<option value="{uid}"'
            f'{" selected" if uid == chosen.get("user") else ""}>'
            f'{html.escape(u["first_name"] + " " + u["last_name"])} '
            f'&lt;{html.escape(u["email"])}&gt;</option>'
            for uid, u in USERS.items())
        rows = []
        for oid, name in ORGS.items():
            role = chosen.get("roles", DEFAULT_ROLES).get(oid, "")
            options = "".join(
                f'<option value="{r}"{" selected" if r == role else ""}>'
                f'{r}</option>' for r in ROLES)
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
        return self._html("Sign in", body)

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
        roles = {o: form.get(f"role_{o}", "") for o in ORGS}
        roles = {o: r for o, r in roles.items() if r in ROLES}
        chosen = {"user": uid, "org": org, "roles": roles}
        if uid not in USERS:
            return 200, self._form(form, "Pick a user.", chosen), \
                {"Content-Type": HTML}
        if org not in roles:
            return 200, self._form(
                form, "The user must be a member of the organisation they "
                "sign in to: give them a role there.", chosen), \
                {"Content-Type": HTML}
        code = "code_" + secrets.token_urlsafe(16)
        with self.lock:
            # who signs in next, as the tests' fake keeps it
            self.user = _user_object(uid)
            self.memberships = roles
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
        # like WorkOS, only back to where the app said it may go
        site = urllib.parse.urlsplit(self.redirect_uri)
        origin = f"{site.scheme}://{site.netloc}"
        to = args.get("return_to") or ""
        if to != origin and not to.startswith(origin + "/"):
            to = origin + "/"
        return 302, b"", {"Location": to, "Content-Type": HTML}

    def _session_info(self, handler, body):
        args = dict(urllib.parse.parse_qsl(handler.path.partition("?")[2]))
        with self.lock:
            token = self.session_tokens.get(args.get("sid"))
            orgs = [{"id": o, "name": ORGS.get(o, o), "role": r}
                    for o, r in self.memberships.items()]
        if token is None:
            return 404, {"error": "unknown session"}
        return 200, {"token": token, "organizations": orgs,
                     "org_names": ORGS}


HTML = "text/html; charset=utf-8"


if __name__ == "__main__":  # a quick look: python3 demo/stand_in.py
    fake = DemoWorkOS("client_01DEMO", "http://127.0.0.1:8080/callback", 60)
    fake.start()
    print(json.dumps({"base": fake.base}))
    threading.Event().wait()
