#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The demo's pages, as one CGI: Apache runs it for /, /app, /admin, the
projects pages and the 403 page. Everything it knows about the user comes from the WORKOS_*
variables mod_auth_workos sets; with the local stand-in it also asks the
stand-in when the current access token expires (the module does not pass
tokens on)."""
import html
import json
import os
import time
import urllib.parse
import urllib.request

DEMO = "mod_auth_workos demo"
# The module refreshes an access token on the first request in its last
# this-many seconds (the demo config's WorkOSRefreshBefore).
REFRESH_BEFORE = 10
# Pages of one organisation each (WorkOSAutoSwitchOrg On): path -> org id.
ORG_PAGES = {"/orgs/globex": "org_01GLOBEX", "/orgs/initech": "org_01INITECH"}

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; color: #1d1d1f; line-height: 1.45; }
nav a { margin-right: 1rem; }
.card { border: 1px solid #d0d0d8; border-radius: 10px; padding: 1rem 1.5rem;
        margin: 1rem 0; }
.note { background: #f3f3fb; border-radius: 6px; padding: .5rem .75rem;
        font-size: .9rem; }
.forbidden { border-color: #e99; background: #fff5f5; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; width: 12rem; font-weight: 600; }
td, th { padding: .3rem .5rem; border-bottom: 1px solid #eee;
         vertical-align: top; }
code, td { font-family: ui-monospace, monospace; font-size: .9rem; }
button { background: #6363f1; color: white; border: 0; border-radius: 6px;
         padding: .45rem 1rem; cursor: pointer; }
"""

COUNTDOWN = """
<script>
(function () {
  var el = document.getElementById('expires-in');
  if (!el) return;
  var exp = Number(el.dataset.exp);
  function tick() {
    var left = Math.round(exp - Date.now() / 1000);
    el.textContent = left > REFRESH_BEFORE
      ? 'expires in ' + left + ' s'
      : (left > 0 ? 'expires in ' + left + ' s' : 'expired')
        + ': reload to see Apache refresh it';
  }
  tick();
  setInterval(tick, 1000);
})();
</script>
"""


def env(name):
    """A variable; on the 403 page (an ErrorDocument) httpd prefixes the
    original request's variables with REDIRECT_."""
    return os.environ.get(name) or os.environ.get("REDIRECT_" + name) or ""


def e(value):
    return html.escape(value or "")


def stand_in(sid, what="session"):
    """What the local stand-in knows about this session (or, what
    "projects", this organisation), or None."""
    base = env("DEMO_WORKOS_URL")
    if not base or not sid:
        return None
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    key = "sid" if what == "session" else "org"
    url = f"{base}/demo/{what}?" + urllib.parse.urlencode({key: sid})
    try:
        with opener.open(url, timeout=2) as r:
            return json.load(r)
    except (OSError, ValueError):
        return None


def nav(signed_in):
    links = ['<a href="/">Home</a>', '<a href="/app">Protected page</a>',
             '<a href="/admin">Admin page</a>',
             '<a href="/orgs/globex" id="globex-link">Globex page</a>',
             '<a href="/app/projects" id="projects-link">Projects</a>',
             '<a href="/status">Module status</a>']
    if signed_in:
        links.append('<a href="/sessions">Your sessions (JSON)</a>')
        links.append('<a href="/logout" id="sign-out">Sign out</a>')
    else:
        links.append('<a href="/login?return_to=/app" id="sign-in">'
                     'Sign in</a>')
        links.append('<a href="/signup?return_to=/app" id="sign-up">'
                     'Sign up</a>')
    return "<nav>" + "".join(links) + "</nav>"


def page(title, body, status="200 OK", signed_in=False):
    full = title if title == DEMO else f"{title} · {DEMO}"
    print(f"Status: {status}")
    print("Content-Type: text/html; charset=utf-8")
    print("Cache-Control: no-store")
    print()
    print(f"<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
          f"<title>{e(full)}</title>"
          f"<style>{STYLE}</style></head><body>{nav(signed_in)}"
          f"<h1>{e(title)}</h1>{body}</body></html>")


def org_label(org, info):
    names = (info or {}).get("org_names", {})
    return f"{names[org]} ({org})" if org in names else org


def identity_table(info):
    sid = env("WORKOS_SESSION_ID")
    rows = [
        ("User id (REMOTE_USER)", "user-id", env("WORKOS_USER_ID")),
        ("Email", "email", env("WORKOS_USER_EMAIL")),
        ("Organisation", "org", org_label(env("WORKOS_ORG_ID"), info)),
        ("Role", "role", env("WORKOS_ROLE")),
        ("Roles", "roles", env("WORKOS_ROLES")),
        ("Permissions", "permissions", env("WORKOS_PERMISSIONS")),
        ("Entitlements", "entitlements", env("WORKOS_ENTITLEMENTS")),
        ("Feature flags", "feature-flags", env("WORKOS_FEATURE_FLAGS")),
        ("Session id", "session", sid),
    ]
    if env("WORKOS_IMPERSONATOR_EMAIL"):
        rows.append(("Impersonated by", "impersonator",
                     env("WORKOS_IMPERSONATOR_EMAIL")))
    out = "".join(f'<tr><th>{label}</th><td id="{key}">{e(value)}</td></tr>'
                  for label, key, value in rows)
    token = (info or {}).get("token")
    if token:
        out += (f'<tr><th>Access token</th><td><span id="token-id">'
                f'{e(token["jti"])}</span><br>issued {e(clock(token["iat"]))}'
                f', <span id="expires-in" data-exp="{int(token["exp"])}">'
                f'expires {e(clock(token["exp"]))}</span></td></tr>')
    else:
        out += ("<tr><th>Access token</th><td>(its expiry is known only to "
                "the local stand-in)</td></tr>")
    return f'<table id="identity">{out}</table>'


def clock(epoch):
    return time.strftime("%H:%M:%S", time.localtime(int(epoch)))


def switch_form(info):
    current = env("WORKOS_ORG_ID")
    if info:
        roles = {o["id"]: o["role"] for o in info.get("organizations", [])}
        options = []
        for oid, name in info.get("org_names", {}).items():
            role = roles.get(oid)
            label = f"{name} — {role}" if role else \
                f"{name} — not a member (WorkOS will refuse)"
            sel = " selected" if oid != current and role and not any(
                "selected" in o for o in options) else ""
            if oid == current:
                label += " (current)"
            options.append(f'<option value="{e(oid)}"{sel}>{e(label)}'
                           '</option>')
        field = ('<select name="organization_id" id="organization_id">'
                 + "".join(options) + "</select>")
    else:
        field = ('<input name="organization_id" id="organization_id" '
                 'placeholder="org_01..." size="32" required>')
    return f"""
<form method="post" action="/switch-org" class="card" id="switch-org">
<h2>Switch organisation</h2>
<p>POSTs to the <code>workos-switch-org</code> handler, which refreshes the
session into the organisation you pick (if you belong to it).</p>
<input type="hidden" name="return_to" value="/app">
{field} <button type="submit" id="switch">Switch</button>
</form>"""


def home():
    user = env("REMOTE_USER")
    stand = bool(env("DEMO_WORKOS_URL"))
    if user:
        who = (f'<p id="who">Signed in as <b>{e(env("WORKOS_USER_EMAIL") or user)}'
               f'</b> in <code>{e(env("WORKOS_ORG_ID"))}</code>. '
               '<a href="/app">Go to the protected page</a>.</p>')
    else:
        who = ('<p id="who">Not signed in. <a href="/login?return_to=/app">'
               'Sign in</a>, or open <a href="/app">the protected page</a> '
               'and Apache sends you to sign in.</p>')
    where = ("a <b>local stand-in for WorkOS</b> on 127.0.0.1 (its sign-in "
             "page lets you pick a user, organisations and roles)" if stand
             else "<b>WorkOS</b>")
    body = f"""
{who}
<div class="card">
<p>This page is public. Apache with <code>mod_auth_workos</code> protects the
others, signing in with {where}:</p>
<ul>
<li><a href="/app">/app</a> — <code>Require valid-user</code>: shows what the
module tells the application (the <code>WORKOS_*</code> variables), lets you
switch organisation and watch the access token being refreshed.</li>
<li><a href="/admin">/admin</a> — <code>Require workos-role admin</code>:
members get a 403 page.</li>
<li><a href="/orgs/globex">/orgs/globex</a> — <code>Require workos-org
org_01GLOBEX</code> with <code>WorkOSAutoSwitchOrg On</code>: signed in to
another organisation, a member of Globex is switched there on the way in;
<a href="/orgs/initech">/orgs/initech</a> answers 403 to non-members.</li>
<li><a href="/app/projects">/app/projects</a> — one page per project, each
behind <code>Require workos-access project:view project
%{{env:MATCH_PROJECT}}</code>: WorkOS's Authorization API (FGA) decides per
project, so Alice and Bob see different projects of the same
organisation.</li>
<li><a href="/signup?return_to=/app">/signup</a> — <code>workos-login</code>
with <code>WorkOSSignUp On</code>: AuthKit's sign-up screen. Sign-in links
may also carry <code>login_hint</code>, <code>organization_id</code> and the
other AuthKit hints; open two sign-ins in two tabs and finish them in any
order.</li>
<li><a href="/status">/status</a> — the module's counters
(<code>workos-status</code>).</li>
<li><a href="/config.txt">/config.txt</a> — the Apache config behind this
demo (secrets hidden).</li>
</ul>
</div>
<p class="note">The cookies are not <code>Secure</code> here
(<code>WorkOSCookieSecure Off</code>) because this is plain http on
127.0.0.1. Anywhere else keep the default (<code>On</code>) and serve
https.</p>"""
    page(DEMO, body, signed_in=bool(user))


def app():
    info = stand_in(env("WORKOS_SESSION_ID"))
    refresh_note = ""
    if info:
        refresh_note = (f"""<p class="note">Reload in the access token's last
{REFRESH_BEFORE} seconds (or after it expired): the module refreshes it with
the sealed refresh token and sets a new <code>wos-session</code> cookie. The
session id stays, the token id changes.</p>""")
    body = f"""
<p>You are signed in. This page is a CGI behind <code>AuthType WorkOS</code>
+ <code>Require valid-user</code>; all it knows about you is what the module
put in its environment.</p>
{identity_table(info)}
{refresh_note}
{switch_form(info)}
<p><a href="/admin">Try the admin page</a> (needs role <code>admin</code>)
· <a href="/logout">Sign out</a></p>
{COUNTDOWN.replace("REFRESH_BEFORE", str(REFRESH_BEFORE))}"""
    page("Protected page", body, signed_in=True)


def admin():
    info = stand_in(env("WORKOS_SESSION_ID"))
    body = f"""
<div class="card"><p id="admin-ok">Welcome, admin of
{e(org_label(env("WORKOS_ORG_ID"), info))}. Only
<code>Require workos-role admin</code> stood between you and this page.</p>
<p>Your permissions: <code>{e(env("WORKOS_PERMISSIONS"))}</code></p></div>"""
    page("Admin page", body, signed_in=True)


def org_page(path):
    info = stand_in(env("WORKOS_SESSION_ID"))
    body = f"""
<div class="card"><p id="org-page">This page belongs to
<b>{e(org_label(ORG_PAGES[path], info))}</b>; you are in
<code id="org">{e(env("WORKOS_ORG_ID"))}</code>.</p>
<p>If you came here signed in to another organisation, the module asked
WorkOS to switch your session here (<code>WorkOSAutoSwitchOrg On</code>) and
sent this page with the new <code>wos-session</code> cookie.</p></div>"""
    page("Organisation page", body, signed_in=True)


def projects():
    """The list: links to each project of the session's organisation; the
    module decides, per project, who sees it (Require workos-access)."""
    org = env("WORKOS_ORG_ID")
    info = stand_in(env("WORKOS_SESSION_ID"))
    listing = stand_in(org, "projects") if org else None
    if listing:
        items = "".join(
            f'<li><a href="/app/projects/{e(p["name"])}" '
            f'id="project-{e(p["name"])}">{e(p["name"])}</a> <small>'
            f'(project-viewer: {e(", ".join(p["viewers"]) or "nobody")}'
            + (f'; workspace-admin: {e(", ".join(p["workspace_admins"]))}'
               if p["workspace_admins"] else "") + ")</small></li>"
            for p in listing["projects"])
        shown = f'<ul id="projects">{items}</ul>'
    elif env("DEMO_WORKOS_URL"):
        shown = ('<p id="projects">The stand-in has no projects in this '
                 'organisation.</p>')
    else:
        shown = ('<p id="projects">With the real WorkOS, create resources of '
                 'type <code>project</code> (Authorization, FGA) and open '
                 '<code>/app/projects/EXTERNAL_ID</code>.</p>')
    body = f"""
<p>The projects of {e(org_label(org, info))}. Each project's page is
guarded on its own by
<code>Require workos-access project:view project %{{env:MATCH_PROJECT}}</code>
in a <code>&lt;LocationMatch "^/app/projects/(?&lt;project&gt;[a-z0-9-]+)"&gt;</code>:
the module asks WorkOS (FGA) whether your organisation membership may view
that project, and answers 403 when it may not.</p>
<div class="card">{shown}</div>
<p class="note">Who may view what is the stand-in's, not the module's:
a <code>project-viewer</code> role on the project, or
<code>workspace-admin</code> on the workspace above it (inherited). Switch
organisation on <a href="/app">the protected page</a> to see another
organisation's projects.</p>"""
    page("Projects", body, signed_in=True)


def project(name):
    org = env("WORKOS_ORG_ID")
    info = stand_in(env("WORKOS_SESSION_ID"))
    body = f"""
<div class="card"><p id="project-ok">Project <b id="project">{e(name)}</b>
of {e(org_label(org, info))}: WorkOS says your membership may view it
(<code>project:view</code>), so the module let you in.</p></div>
<p><a href="/app/projects">All projects</a></p>"""
    page(f"Project {name}", body, signed_in=True)


def forbidden():
    info = stand_in(env("WORKOS_SESSION_ID"))
    role = env("WORKOS_ROLE")
    org = env("WORKOS_ORG_ID")
    want = ORG_PAGES.get(os.environ.get("REDIRECT_URL", "").rstrip("/"))
    if want:
        body = f"""
<div class="card forbidden">
<p id="forbidden">This page belongs to {e(org_label(want, info))}, and
WorkOS did not switch you there: you are not a member. Apache answered
<b>403 Forbidden</b>.</p></div>"""
        page("Not your organisation", body, status="403 Forbidden",
             signed_in=True)
        return
    you = (f"You are signed in with role <b id=\"role\">{e(role)}</b> in "
           f"{e(org_label(org, info))}. " if role else
           "You are signed in without a role here. " if org or
           env("REMOTE_USER") else "")
    body = f"""
<div class="card forbidden">
<p id="forbidden">This page needs the <code>admin</code> role, so Apache
answered <b>403 Forbidden</b> (not a sign-in loop: you are signed in; the
location sets <code>AuthzSendForbiddenOnFailure On</code>).</p>
<p>{you}Switch to an organisation where you are an admin on
<a href="/app">the protected page</a>, or sign out and sign in again choosing
the admin role.</p>
</div>"""
    page("Not for your role", body, status="403 Forbidden",
         signed_in=bool(env("REMOTE_USER") or org))


def main():
    path = os.environ.get("SCRIPT_NAME", "/").rstrip("/") or "/"
    if path == "/forbidden":
        forbidden()
    elif path == "/admin":
        admin()
    elif path == "/app":
        app()
    elif path in ORG_PAGES:
        org_page(path)
    elif path == "/app/projects":
        projects()
    elif path.startswith("/app/projects/"):
        project(path.rsplit("/", 1)[1])
    else:
        home()


if __name__ == "__main__":
    main()
