# SPDX-License-Identifier: Apache-2.0
"""The docs cannot drift (issue 17): the README's Quick start block and
every conf/example-*.conf run as written, with only the WorkOS values
filled in (the fake's base URL, client id and key) and the site's address
and certificate made local, and a browser signs in through them."""
import pathlib
import re
import subprocess
import time
import urllib.parse

import pytest
import requests

from harness import API_KEY, CLIENT_ID, PASSWORD, ROOT, Httpd
from test_first_hour import BROWSER, Backend


def readme_quick_start():
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```apache\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the Quick start has one apache block"
    return blocks[0]


class DocHttpd(Httpd):
    """httpd with a main config of its own (no WorkOS directives of the
    harness) and the documented block as the only site, over TLS."""

    def __init__(self, workos, site, host, modules=()):
        super().__init__(workos, modules=["ssl", "authz_host", "dir", *modules])
        self.base = f"https://127.0.0.1:{self.port}"
        self.host = host
        self.site = self.fill(site)

    def fill(self, site):
        d = self.dir
        s = site.replace("client_01...", CLIENT_ID) \
                .replace("client_01EXAMPLE", CLIENT_ID) \
                .replace("sk_...", API_KEY).replace("sk_example", API_KEY)
        s = re.sub(r'(WorkOSCookiePassword) "[^"]*"', rf'\1 "{PASSWORD}"', s)
        s = re.sub(r"^(\s*)(WorkOSClientID .*)$",
                   rf"\1\2\n\1WorkOSAPIBaseURL {self.workos.base}", s,
                   count=1, flags=re.M)
        s = s.replace(f"https://{self.host}", self.base)
        s = s.replace("<VirtualHost *:443>",
                      f"<VirtualHost 127.0.0.1:{self.port}>")
        s = s.replace("DocumentRoot /var/www/html", f"DocumentRoot {d}/htdocs")
        s = re.sub(r"SSLCertificateFile .*", f"SSLCertificateFile {d}/cert.pem",
                   s)
        s = re.sub(r"SSLCertificateKeyFile .*",
                   f"SSLCertificateKeyFile {d}/key.pem", s)
        return s

    @property
    def ca(self):
        return str(self.dir / "cert.pem")

    def config(self):
        d = self.dir
        return f"""
ServerRoot {d}
DefaultRuntimeDir {d}/run
PidFile {d}/run/httpd.pid
Listen 127.0.0.1:{self.port}
ServerName 127.0.0.1
User www-data
Group www-data
{self._modules()}
{self._mpm_tuning()}
{"ScriptSock " + str(d) + "/run/cgid.sock" if self.mpm != "prefork" else ""}
ErrorLog {d}/error.log
LogLevel warn auth_workos:trace8
DocumentRoot {d}/htdocs
TypesConfig /etc/mime.types
DirectoryIndex index.html
<Directory {d}/htdocs>
    Require all granted
</Directory>
{self.site}
"""

    def write(self):
        super().write()
        d = self.dir
        (d / "htdocs" / "index.html").write_text("home\n")
        for page in ("app", "admin", "v1", "v1/admin"):
            (d / "htdocs" / page).mkdir(parents=True, exist_ok=True)
            (d / "htdocs" / page / "index.html").write_text(f"{page}\n")
        # the Quick start's page that shows who signed in (its install line)
        (d / "htdocs" / "app" / "index.shtml").write_bytes(
            (ROOT / "demo" / "whoami.shtml").read_bytes())
        if not (d / "cert.pem").exists():
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                 "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"),
                 "-days", "2", "-subj", "/CN=127.0.0.1",
                 "-addext", "subjectAltName=IP:127.0.0.1"],
                check=True, capture_output=True, timeout=60)
            (d / "key.pem").chmod(0o644)
        (d / "httpd.conf").write_text(self.config())

    def _wait_ready(self, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("httpd exited:\n" + self.log_text())
            try:
                requests.get(self.base + "/", verify=self.ca, timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.05)  # polling for the listener, no sync
        raise RuntimeError("httpd did not become ready\n" + self.log_text())

    def get(self, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("verify", self.ca)
        kw.setdefault("timeout", 20)
        return requests.get(self.base + path, **kw)


def start(servers, workos, site, host="app.example.com", modules=(),
          **kw):
    h = DocHttpd(workos, site, host, modules=modules)
    for k, v in kw.items():
        setattr(h, k, v)
    r = h.configtest()
    assert r.returncode == 0, r.stderr + "\n" + h.site
    servers.started.append(h)
    return h.start()


def browser_sign_in(h, workos, path):
    s = requests.Session()
    s.trust_env = False
    s.verify = h.ca
    r = s.get(h.base + path, headers=BROWSER, allow_redirects=True,
              timeout=20)
    return s, r


def assert_signs_in(h, workos, path, body=None):
    assert h.get(path, headers=BROWSER).status_code == 302
    s, r = browser_sign_in(h, workos, path)
    assert r.status_code == 200, (r.status_code, r.text, h.log_text())
    assert urllib.parse.urlsplit(r.url).path == path
    if body:
        assert body in r.text
    cookie = next(c for c in s.cookies if c.name == "wos-session")
    assert cookie.secure
    # the cookie alone opens the page again, without WorkOS
    n = workos.count("/user_management/authenticate")
    assert s.get(h.base + path, timeout=20).status_code == 200
    assert workos.count("/user_management/authenticate") == n
    return s


def readme_quick_start_commands():
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(re.findall(r"```sh\n(.*?)```", section, re.S))


def test_readme_quick_start_commands_run_unattended():
    cmds = readme_quick_start_commands()
    assert re.search(r"^apt-get install -y ", cmds, re.M), cmds
    assert "make-ssl-cert generate-default-snakeoil" in cmds
    assert "systemctl" not in cmds and "apache2ctl" in cmds
    # every module the block needs is enabled
    assert "a2enmod ssl include auth_workos" in cmds
    assert "demo/whoami.shtml /var/www/html/app/index.shtml" in cmds


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_readme_quick_start_signs_in(servers, workos, mpm):
    h = start(servers, workos, readme_quick_start(), mpm=mpm,
              one_process=False, modules=["include"])
    # it ends on a page that shows who signed in
    s = assert_signs_in(h, workos, "/app/", body="alice@example.com")
    page = s.get(h.base + "/app/", timeout=20).text
    assert '<code id="user">user_01ALICE</code>' in page, page
    assert '<code id="org">org_01ACME</code>' in page
    assert '<code id="role">member</code>' in page
    # a member is not an admin: 403, never another sign-in
    r = s.get(h.base + "/admin/", timeout=20, allow_redirects=False)
    assert r.status_code == 403
    r = s.get(h.base + "/logout", timeout=20, allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"].startswith(workos.base)


def test_readme_quick_start_protects_the_whole_site(servers, workos):
    site = readme_quick_start().replace("<Location /app>", "<Location />")
    assert "<Location />" in site
    h = start(servers, workos, site, one_process=False, modules=["include"])
    assert_signs_in(h, workos, "/app/", body="user_01ALICE")
    assert_signs_in(h, workos, "/", body="home")


def test_example_vhost_signs_in(servers, workos):
    site = (ROOT / "conf" / "example-vhost.conf").read_text()
    h = start(servers, workos, site, modules=["headers"])
    s = assert_signs_in(h, workos, "/app/", body="app")
    assert s.get(h.base + "/admin/", timeout=20).status_code == 403
    assert h.get("/api/", headers=BROWSER).status_code == 401


def test_example_proxy_signs_in_and_hides_credentials(servers, workos):
    backend = Backend().start()
    try:
        site = (ROOT / "conf" / "example-proxy.conf").read_text().replace(
            "http://127.0.0.1:3000/", f"http://127.0.0.1:{backend.port}/")
        h = start(servers, workos, site,
                  modules=["proxy", "proxy_http", "headers"])
        s = assert_signs_in(h, workos, "/app/x")
        headers = dict((k.lower(), v) for k, v in s.get(
            h.base + "/app/x", timeout=20).json()["headers"])
        assert headers["x-workos-user-id"] == "user_01ALICE"
        from test_authn import bearer, token
        r = h.get("/app/y", headers=bearer(token(workos)))
        assert r.status_code == 200
        seen = dict((k.lower(), v) for k, v in r.json()["headers"])
        assert "authorization" not in seen
        assert seen["x-workos-user-id"] == "user_01ALICE"
    finally:
        backend.stop()


def test_example_api_takes_bearers_and_needs_no_redirect_uri(servers,
                                                            workos):
    site = (ROOT / "conf" / "example-api.conf").read_text()
    assert not re.search(r"^\s*WorkOSRedirectURI", site, re.M)
    h = start(servers, workos, site, host="api.example.com")
    from test_authn import bearer, token
    assert h.get("/v1/", headers=BROWSER).status_code == 401
    r = h.get("/v1/", headers=bearer(token(workos)))
    assert r.status_code == 200 and r.text == "v1\n"
    r = h.get("/v1/admin/", headers=bearer(token(workos)))
    assert r.status_code == 403


def test_example_claims_tenants_info_and_error_page(servers, workos):
    from test_authn import bearer, token
    backend = Backend().start()
    try:
        errors = None
        site = (ROOT / "conf" / "example-claims.conf").read_text()
        site = site.replace("http://127.0.0.1:3000/",
                            f"http://127.0.0.1:{backend.port}/premium/")
        site = site.replace("http://127.0.0.1:3001/",
                            f"http://127.0.0.1:{backend.port}/tenant/")
        h = DocHttpd(workos, site, "app.example.com",
                     modules=["proxy", "proxy_http", "include", "headers"])
        errors = h.dir / "errors"
        errors.mkdir()
        (errors / "signin.shtml").write_text(
            'Example sign-in: <!--#echo var="REDIRECT_WORKOS_ERROR" -->\n')
        errors.chmod(0o755)
        h.site = h.site.replace("/var/www/errors", str(errors))
        r = h.configtest()
        assert r.returncode == 0, r.stderr + "\n" + h.site
        servers.started.append(h)
        h.start()
        r = h.get("/auth/me", headers=BROWSER)
        assert r.status_code == 401 and r.json()["authenticated"] is False
        t = token(workos, email="alice@example.com",
                  **{"urn:app:tier": "gold", "app": {"department": "R&D"}})
        assert h.get("/auth/me", headers=bearer(t)).json()[
            "user_id"] == "user_01ALICE"
        r = h.get("/premium/x", headers={**bearer(t),
                                         "Cookie": "a=1; wos-session=zz"})
        assert r.status_code == 200, r.text
        seen = dict((k.lower(), v) for k, v in r.json()["headers"])
        assert seen["x-workos-claim-urn-app-tier"] == "gold"
        assert seen["x-workos-claim-department"] == "R&D"
        assert seen["cookie"] == "a=1"
        assert "authorization" not in seen
        silver = token(workos, email="alice@example.com",
                       **{"urn:app:tier": "silver"})
        assert h.get("/premium/x", headers=bearer(silver)).status_code == 403
        assert h.get("/orgs/org_01ACME/x", headers=bearer(t)).status_code \
            == 200
        assert h.get("/orgs/org_01OTHER/x",
                     headers=bearer(t)).status_code == 403
        assert h.get("/orgs/org_01ACME/settings/",
                     headers=bearer(t)).status_code == 403
        admin = token(workos, role="admin", roles=["admin"])
        assert h.get("/orgs/org_01ACME/settings/",
                     headers=bearer(admin)).status_code == 200
        r = h.get("/auth/callback?error=access_denied&state=x")
        assert r.status_code == 400
        assert "Example sign-in: sign_in_failed" in r.text
    finally:
        backend.stop()


def test_every_example_is_tested():
    tested = {"example-vhost.conf", "example-proxy.conf", "example-api.conf",
              "example-claims.conf"}
    shipped = {p.name for p in (ROOT / "conf").glob("example-*.conf")}
    assert shipped == tested


# The command table: mod_auth_workos.c today, src/ (e.g. src/base/) soon.
DIRECTIVE = re.compile(r'AP_INIT_[A-Z0-9_]+\(\s*"(WorkOS[A-Za-z]+)"')


def module_directives():
    names = set()
    for path in [ROOT / "mod_auth_workos.c", *sorted(ROOT.glob("src/**/*.c"))]:
        if path.exists():
            names.update(DIRECTIVE.findall(path.read_text()))
    return names


def test_every_directive_has_a_reference_entry():
    names = module_directives()
    assert len(names) >= 30, sorted(names)
    reference = ROOT / "docs" / "reference.md"
    assert reference.exists(), "docs/reference.md holds the directives"
    entries = [line for line in reference.read_text().splitlines()
               if line.startswith(("|", "#"))]
    missing = sorted(
        n for n in names
        if not any(re.search(rf"`{n}[`\s]", line) for line in entries))
    assert not missing, f"no docs/reference.md entry for {missing}"


def markdown_outside_code(text):
    """The text of a markdown file without fenced blocks and inline code."""
    kept, fence = [], None
    for line in text.splitlines():
        m = re.match(r"\s*(```|~~~)", line)
        if m:
            if fence is None:
                fence = m.group(1)
            elif m.group(1) == fence:
                fence = None
            continue
        if fence is None:
            kept.append(re.sub(r"`[^`]*`", "", line))
    return kept


def heading_slugs(path):
    """GitHub's anchors for the headings of a markdown file."""
    slugs, seen = set(), {}
    for line in markdown_outside_code(path.read_text()):
        m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1))
        t = re.sub(r"[^\w\- ]", "", t.replace("`", "").strip().lower())
        slug = t.replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        slugs.add(slug if n == 0 else f"{slug}-{n}")
    return slugs


def relative_links(path):
    text = "\n".join(markdown_outside_code(path.read_text()))
    for target in re.findall(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)",
                             text):
        if not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target):
            yield target


def test_readme_is_a_front_door():
    readme = ROOT / "README.md"
    lines = readme.read_text().splitlines()
    assert len(lines) <= 400, f"README.md has {len(lines)} lines (<= 400)"
    assert "## Quick start" in lines[:120], \
        "## Quick start starts within the README's first 120 lines"
    docs = sorted((ROOT / "docs").glob("*.md"))
    assert docs, "the reference and the rest live in docs/*.md"
    linked = set()
    broken = []
    for md in [readme, *docs]:
        for target in relative_links(md):
            file, _, anchor = target.partition("#")
            dest = (md.parent / file).resolve() if file else md
            if not dest.exists() or ROOT not in [dest, *dest.parents]:
                broken.append(f"{md.relative_to(ROOT)}: {target}")
                continue
            if md == readme:
                linked.add(dest)
            if anchor and dest.suffix == ".md" and \
                    anchor not in heading_slugs(dest):
                broken.append(f"{md.relative_to(ROOT)}: {target} (no heading)")
    assert not broken, "links that do not resolve:\n" + "\n".join(broken)
    unlinked = [str(d.relative_to(ROOT)) for d in docs if d not in linked]
    assert not unlinked, f"README.md does not link {unlinked}"
