#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The mod_auth_workos demo: Apache with the module on 127.0.0.1, signing
in against a local stand-in for WorkOS (or the real WorkOS, when
WORKOS_CLIENT_ID, WORKOS_API_KEY and WORKOS_COOKIE_PASSWORD are set).

    make -f Makefile.apxs demo          # or: /usr/bin/python3 demo/run.py

Environment:
    DEMO_PORT            port for Apache on 127.0.0.1 (default 8080; 0 = any
                         free port). With the stand-in, a taken port falls
                         back to a free one.
    DEMO_TOKEN_LIFETIME  seconds an access token from the stand-in lives
                         (default 60), so you can watch a refresh: the
                         module refreshes in a token's last 10 seconds.
    DEMO_KEEP            1 = keep the temporary directory (config, logs).
    WORKOS_CLIENT_ID, WORKOS_API_KEY, WORKOS_COOKIE_PASSWORD
                         all three: use the real WorkOS instead.

Ctrl-C (SIGINT) or SIGTERM stops everything it started.
Importable: start(...) returns a Demo whose stop() undoes it.
"""
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
MODULE = pathlib.Path(os.environ.get("WOS_MODULE",
                                     ROOT / ".libs" / "mod_auth_workos.so"))
MODDIR = pathlib.Path("/usr/lib/apache2/modules")
APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
DEFAULT_PORT = 8080

# The stand-in's fixed client and secrets: nothing here is a real secret.
FAKE_CLIENT_ID = "client_01DEMO"
FAKE_API_KEY = "sk_test_demo_0123456789abcdef"
FAKE_PASSWORD = "demo-cookie-password-not-a-secret-0123456789"

REAL_VARS = ("WORKOS_CLIENT_ID", "WORKOS_API_KEY", "WORKOS_COOKIE_PASSWORD")

# Loopback only: never send the demo's own requests through a proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class DemoError(Exception):
    """Something the person running the demo must fix; the text says what."""


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def any_free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pick_port(requested, fallback_ok):
    """(port, note): the requested port, or a free one when it is taken."""
    if requested == 0:
        return any_free_port(), None
    if port_free(requested):
        return requested, None
    if not fallback_ok:
        raise DemoError(
            f"port {requested} on 127.0.0.1 is taken. Set DEMO_PORT to a free "
            "port and add http://127.0.0.1:PORT/callback as a redirect URI "
            "in the WorkOS dashboard.")
    port = any_free_port()
    return port, f"port {requested} is taken; using {port} instead"


def conf_value(name, value):
    """A value quoted for httpd.conf. httpd expands ${...} and ends a quoted
    string at a quote, so values with those are refused, not mangled."""
    if any(c in value for c in '"\\\n\r') or "${" in value:
        raise DemoError(f"{name} contains a quote, backslash, '${{' or a "
                        "line break, which cannot go into an Apache config "
                        "line unchanged; use another value")
    return f'"{value}"'


def real_settings(env):
    """The WorkOS settings from the environment, or None for the stand-in."""
    present = [v for v in REAL_VARS if env.get(v)]
    if not present:
        return None
    if len(present) != len(REAL_VARS):
        missing = [v for v in REAL_VARS if not env.get(v)]
        raise DemoError(f"{', '.join(present)} set but {', '.join(missing)} "
                        "not: set all three to use the real WorkOS, or none "
                        "for the local stand-in")
    if len(env["WORKOS_COOKIE_PASSWORD"]) < 32:
        raise DemoError("WORKOS_COOKIE_PASSWORD must be at least 32 "
                        "characters (try: openssl rand -base64 32)")
    return {v: env[v] for v in REAL_VARS}


# --- httpd -----------------------------------------------------------------

MODULES = ("authn_core", "authz_core", "authz_user", "socache_shmcb",
           "alias", "mime", "env", "cgid")


def httpd_config(d, port, workos_lines, fake_base):
    base = f"http://127.0.0.1:{port}"
    user = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
    loads = "\n".join(f"LoadModule {m}_module {MODDIR}/mod_{m}.so"
                      for m in MODULES)
    stand_in = (f"SetEnv DEMO_WORKOS_URL {fake_base}\n" if fake_base else "")
    return f"""# Written by demo/run.py for one run; removed when it stops.
ServerRoot {d}
DefaultRuntimeDir {d}/run
PidFile {d}/run/httpd.pid
ScriptSock {d}/run/cgid.sock
Listen 127.0.0.1:{port}
ServerName 127.0.0.1:{port}
{user}
LoadModule mpm_event_module {MODDIR}/mod_mpm_event.so
StartServers 1
ServerLimit 1
ThreadsPerChild 16
MaxRequestWorkers 16
MinSpareThreads 4
MaxSpareThreads 16
{loads}
LoadModule auth_workos_module {MODULE}

ErrorLog {d}/error.log
# auth_workos:debug logs why each request was allowed or refused (WOSnnnnn)
LogLevel warn auth_workos:debug
TypesConfig /etc/mime.types
DocumentRoot {d}/htdocs
<Directory {d}/htdocs>
    Require all granted
</Directory>
<Directory {d}/cgi>
    Options +ExecCGI
    Require all granted
</Directory>

# ---- mod_auth_workos ------------------------------------------------------
{workos_lines}
WorkOSRedirectURI {base}/callback
WorkOSLogoutReturnTo {base}/
# Plain http on loopback, so the cookies may not be Secure. Keep the default
# (On) anywhere else, and serve the site over https.
WorkOSCookieSecure Off
# Refresh an access token in its last 10 s (default 30 s), so the demo's
# short-lived tokens show a refresh.
WorkOSRefreshBefore 10

# A signed-in user without the right role gets 403, not 401.
<Location />
    AuthzSendForbiddenOnFailure On
</Location>

# The pages: one small CGI shows what the module put in WORKOS_*.
{stand_in}ScriptAliasMatch "^/(app|admin|forbidden|orgs/globex|orgs/initech)?/?$" "{d}/cgi/page.py"
ScriptAliasMatch "^/app/projects(/[a-z0-9-]+)?/?$" "{d}/cgi/page.py"

# Home: public; shows who is signed in, if anyone (pass: a signed-in
# user is known, anyone else is let through by Require all granted).
<LocationMatch "^/$">
    AuthType WorkOS
    WorkOSUnauthAction pass
    Require all granted
</LocationMatch>
# Any signed-in user.
<Location /app>
    AuthType WorkOS
    Require valid-user
</Location>
# One page per project, each guarded by WorkOS FGA: who may view project
# NAME in the session's organisation is WorkOS's answer (a role on the
# project, or one inherited from its workspace). The token's permissions
# are looked at first; the demo's roles do not hold project:view, so
# WorkOS is asked (and the answer kept WorkOSAccessCacheTTL, 10 s). Others
# get the module's 403. /app/projects, the list, is any signed-in user's.
<LocationMatch "^/app/projects/(?<project>[a-z0-9-]+)/?$">
    AuthType WorkOS
    Require workos-access project:view project %{{env:MATCH_PROJECT}}
    AuthzSendForbiddenOnFailure On
</LocationMatch>
# Admins only: others get the demo's 403 page. ErrorDocument is set only
# where the Require lines are, so the module's own refusals (a switch
# into an organisation the user is not in) keep their own page.
<Location /admin>
    AuthType WorkOS
    Require workos-role admin
    ErrorDocument 403 /forbidden
</Location>
# One organisation's pages: a member signed in to another organisation is
# switched into this one on the way in; others get 403.
<Location /orgs/globex>
    AuthType WorkOS
    WorkOSAutoSwitchOrg On
    Require workos-org org_01GLOBEX
    ErrorDocument 403 /forbidden
</Location>
<Location /orgs/initech>
    AuthType WorkOS
    WorkOSAutoSwitchOrg On
    Require workos-org org_01INITECH
    ErrorDocument 403 /forbidden
</Location>
# The 403 page knows who is signed in (its nav shows them).
<Location /forbidden>
    AuthType WorkOS
    WorkOSUnauthAction pass
    Require all granted
</Location>

<Location /login>
    SetHandler workos-login
</Location>
# The same, opening AuthKit's sign-up screen.
<Location /signup>
    SetHandler workos-login
    WorkOSSignUp On
</Location>
<Location /callback>
    SetHandler workos-callback
</Location>
<Location /logout>
    SetHandler workos-logout
</Location>
<Location /switch-org>
    SetHandler workos-switch-org
</Location>
<Location /sessions>
    SetHandler workos-sessions
</Location>
<Location /status>
    SetHandler workos-status
</Location>
"""


def redact(config, secrets):
    for s in secrets:
        config = config.replace(s, "********")
    return config


class Demo:
    """Everything one run started: the stand-in (if any) and httpd."""

    def __init__(self, port=None, token_lifetime=None, env=None,
                 quiet=False):
        self.env = dict(os.environ if env is None else env)
        self.quiet = quiet
        self.real = real_settings(self.env)
        req = self.env.get("DEMO_PORT", "") if port is None else str(port)
        try:
            self.requested_port = int(req) if req else DEFAULT_PORT
        except ValueError:
            raise DemoError(f"DEMO_PORT={req!r} is not a port number")
        lifetime = self.env.get("DEMO_TOKEN_LIFETIME", "") \
            if token_lifetime is None else str(token_lifetime)
        try:
            self.token_lifetime = int(lifetime) if lifetime else 60
        except ValueError:
            raise DemoError(f"DEMO_TOKEN_LIFETIME={lifetime!r} is not seconds")
        if self.token_lifetime < 1:
            raise DemoError("DEMO_TOKEN_LIFETIME must be at least 1 second")
        self.keep = self.env.get("DEMO_KEEP") == "1"
        self.fake = None
        self.proc = None
        self.dir = None
        self.port = None
        self.notes = []
        self._stopped = False

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    @property
    def error_log(self):
        return self.dir / "error.log"

    def start(self):
        if not MODULE.exists():
            raise DemoError(f"{MODULE} is missing: build it first with "
                            "make -f Makefile.apxs")
        if not os.path.exists(APACHE):
            raise DemoError("apache2 is not installed (apt-get install "
                            "apache2)")
        self.port, note = pick_port(self.requested_port,
                                    fallback_ok=self.real is None)
        if note:
            self.notes.append(note)
        try:
            if self.real is None:
                self._start_fake()
            self._start_httpd()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_fake(self):
        sys.path.insert(0, str(HERE))
        sys.dont_write_bytecode = True  # leave no __pycache__ in the tree
        try:
            import stand_in
        except ImportError as e:
            raise DemoError(f"the local WorkOS stand-in needs {e.name} "
                            "(apt-get install python3-cryptography)")
        redirect_uri = f"http://127.0.0.1:{self.port}/callback"
        self.fake = stand_in.DemoWorkOS(FAKE_CLIENT_ID, redirect_uri,
                                        self.token_lifetime)
        self.fake.api_key = FAKE_API_KEY
        self.fake.start()

    def _workos_lines(self):
        if self.real is None:
            return (f"WorkOSClientID {FAKE_CLIENT_ID}\n"
                    f"WorkOSAPIKey {FAKE_API_KEY}\n"
                    f"WorkOSCookiePassword {FAKE_PASSWORD}\n"
                    "# The local stand-in for WorkOS: sign-in page, JWKS, "
                    "token and logout endpoints\n"
                    f"WorkOSAPIBaseURL {self.fake.base}\n"
                    "# No leeway at expiry (default 30 s), so a refresh is "
                    "quick to see\n"
                    "WorkOSClockSkew 0")
        r = self.real
        return ("WorkOSClientID " + conf_value(
                    "WORKOS_CLIENT_ID", r["WORKOS_CLIENT_ID"]) + "\n"
                "WorkOSAPIKey " + conf_value(
                    "WORKOS_API_KEY", r["WORKOS_API_KEY"]) + "\n"
                "WorkOSCookiePassword " + conf_value(
                    "WORKOS_COOKIE_PASSWORD", r["WORKOS_COOKIE_PASSWORD"]))

    def _write(self):
        d = self.dir
        for sub in ("run", "htdocs", "cgi"):
            (d / sub).mkdir()
        # httpd's children run as www-data: they read the pages, not the
        # config (which holds the secrets and is read by root at start).
        os.chmod(d, 0o755)
        os.chmod(d / "run", 0o777)
        for sub in ("htdocs", "cgi"):
            os.chmod(d / sub, 0o755)
        page = d / "cgi" / "page.py"
        shutil.copyfile(HERE / "page.py", page)
        page.chmod(0o755)
        fake_base = self.fake.base if self.fake else None
        config = httpd_config(d, self.port, self._workos_lines(), fake_base)
        conf = d / "httpd.conf"
        conf.touch(mode=0o600)
        conf.write_text(config)
        secrets = [(self.real or {}).get(v) for v in
                   ("WORKOS_API_KEY", "WORKOS_COOKIE_PASSWORD")]
        secrets = [v for v in secrets if v]
        shown = d / "htdocs" / "config.txt"
        shown.write_text(redact(config, secrets))
        shown.chmod(0o644)

    def _start_httpd(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="wos-demo-"))
        self._write()
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
        if self.real is not None:
            # the real WorkOS may be behind the user's proxy; loopback isn't
            env.update({k: v for k, v in self.env.items()
                        if k.lower() in ("http_proxy", "https_proxy",
                                         "no_proxy", "all_proxy")})
        conf = str(self.dir / "httpd.conf")
        test = subprocess.run([APACHE, "-t", "-f", conf], env=env,
                              capture_output=True, text=True, timeout=60)
        if test.returncode != 0:
            raise DemoError("Apache refused the demo config:\n"
                            + test.stderr.strip())
        # httpd's parent signals its whole process group when it stops, so
        # it gets a session of its own.
        self.proc = subprocess.Popen([APACHE, "-f", conf, "-DFOREGROUND"],
                                     env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DemoError("Apache exited at start:\n" + self.log_tail())
            try:
                with _OPENER.open(f"{self.url}status?format=json",
                                  timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)  # polling for a condition
        raise DemoError("Apache did not answer in time:\n" + self.log_tail())

    def log_tail(self, lines=20):
        try:
            text = self.error_log.read_text(errors="replace")
        except OSError:
            return "(no error log)"
        return "\n".join(text.splitlines()[-lines:])

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self._stopped:
            return
        self._stopped = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.fake is not None:
            self.fake.stop()
        if self.dir is not None and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def banner(self):
        lines = ["", "mod_auth_workos demo", ""]
        for note in self.notes:
            lines.append(f"  note: {note}")
        lines.append(f"  Open {self.url} in your browser")
        lines.append("  (use 127.0.0.1 exactly: the sign-in cookie is "
                     "bound to that host name)")
        lines.append("")
        if self.real is None:
            lines.append(f"  WorkOS: a local stand-in on {self.fake.base} "
                         "(no account needed)")
            lines.append(f"  Access tokens live {self.token_lifetime} s; "
                         "Apache refreshes one on the first request in its")
            lines.append("  last 10 s: reload /app then to watch a refresh "
                         "(DEMO_TOKEN_LIFETIME).")
        else:
            lines.append("  WorkOS: the real one, client "
                         f"{self.real['WORKOS_CLIENT_ID']}")
            lines.append("  In the WorkOS dashboard (Redirects) add")
            lines.append(f"    redirect URI  http://127.0.0.1:{self.port}"
                         "/callback")
            lines.append(f"    sign-out redirect  {self.url}")
        lines.append("  Cookies are not Secure here (WorkOSCookieSecure Off):"
                     " plain http on loopback.")
        lines.append(f"  Apache config and log: {self.dir}"
                     + ("" if self.keep else " (removed on exit; DEMO_KEEP=1"
                        " keeps it)"))
        lines.append("")
        lines.append("  Ctrl-C stops the demo.")
        return "\n".join(lines)


def start(**kw):
    """Starts the demo; returns the running Demo (call .stop() when done)."""
    return Demo(**kw).start()


def main():
    stop_asked = threading.Event()

    def on_signal(signum, frame):
        stop_asked.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    demo = Demo()
    try:
        demo.start()
    except DemoError as e:
        print(f"demo: {e}", file=sys.stderr, flush=True)
        return 1
    code = 0
    try:
        print(demo.banner(), flush=True)
        while not stop_asked.wait(0.5):
            if not demo.running():
                print("demo: Apache stopped unexpectedly:\n"
                      + demo.log_tail(), file=sys.stderr, flush=True)
                code = 1
                break
    finally:
        print("\nstopping the demo ...", flush=True)
        demo.stop()
        print("stopped.", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
