# SPDX-License-Identifier: Apache-2.0
"""Runs a real httpd (Debian's apache2) with the built module and a
generated config, the way httpd's own pytest suites drive it.

Stopping: a multi-process httpd is stopped the way an administrator
should stop it, with a graceful stop (SIGWINCH, `apachectl graceful-stop`),
and SIGTERM only when that has not finished within STOP_TIMEOUT. httpd's
event MPM has a race of its own on SIGTERM (the child's main thread closes
worker sockets while a worker destroys the pool holding one; see
docs/operations.md, on stopping httpd) that kills children with SIGSEGV
with or without this module. A one-process (-X) httpd only stops on SIGTERM, so the harness
first lets the clients' connections close: with no connection left there
is no worker socket to race on. Any child death by signal (AH00051,
AH00052) and a -X httpd killed by a signal fail the test.
"""
import collections
import gc
import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
# WOS_MODULE points the suite at another build (e.g. the sanitized one).
MODULE = pathlib.Path(os.environ.get("WOS_MODULE",
                                     ROOT / ".libs" / "mod_auth_workos.so"))
MODDIR = pathlib.Path("/usr/lib/apache2/modules")
APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
# WOS_HTTPD_PREFIX runs httpd under a tool, e.g. valgrind (tests/memcheck).
PREFIX = shlex.split(os.environ.get("WOS_HTTPD_PREFIX", ""))
READY_TIMEOUT = 120.0 if PREFIX else 15.0
# How long a graceful stop may take before SIGTERM; how long the clients'
# connections to a -X httpd may take to close (httpd's KeepAliveTimeout is
# 5 s, so an idle keep-alive connection is gone by then whatever the client
# does).
STOP_TIMEOUT = 120.0 if PREFIX else 20.0
DRAIN_TIMEOUT = 60.0 if PREFIX else 7.0

CLIENT_ID = "client_01TESTCLIENT"
PASSWORD = "test-cookie-password-0123456789-abcdefghij"
API_KEY = "sk_test_0123456789abcdef0123456789"
WEBHOOK_SECRET = "whsec_test_0123456789abcdefghij"

ENV_CGI = """#!/usr/bin/python3
import json, os
keep = ("WORKOS_", "HTTP_X_WORKOS_", "REMOTE_USER", "AUTH_TYPE")
env = {k: v for k, v in os.environ.items() if k.startswith(keep)}
print("Content-Type: application/json")
print()
print(json.dumps(env))
"""

# Paths served by the env CGI, and what protects them.
LOCATIONS = """
<Location /webhook>
    SetHandler workos-webhook
</Location>
<Location /sessions>
    SetHandler workos-sessions
</Location>
<Location /callback>
    SetHandler workos-callback
</Location>
<Location /login>
    SetHandler workos-login
</Location>
<Location /logout>
    SetHandler workos-logout
</Location>
<Location /switch-org>
    SetHandler workos-switch-org
</Location>
<Location /private>
    AuthType WorkOS
    Require valid-user
</Location>
<Location /api>
    AuthType WorkOS
    WorkOSTokenSource bearer
    WorkOSUnauthAction 401
    Require valid-user
</Location>
<Location /cookie-only>
    AuthType WorkOS
    WorkOSTokenSource cookie
    Require valid-user
</Location>
<Location /pass>
    AuthType WorkOS
    WorkOSUnauthAction pass
    Require all granted
</Location>
<Location /pass-strict>
    AuthType WorkOS
    WorkOSUnauthAction pass
    Require valid-user
</Location>
<Location /headers>
    AuthType WorkOS
    WorkOSPassHeaders On
    Require valid-user
</Location>
<Location /perm>
    AuthType WorkOS
    Require workos-permission posts:write "billing:manage"
</Location>
<Location /role>
    AuthType WorkOS
    Require workos-role admin owner
</Location>
<Location /org>
    AuthType WorkOS
    Require workos-org org_01ACME
</Location>
<Location /other-org>
    AuthType WorkOS
    Require workos-org org_01OTHER
</Location>
<Location /ent>
    AuthType WorkOS
    Require workos-entitlement sso
</Location>
<Location /flag>
    AuthType WorkOS
    Require workos-feature-flag new-editor
</Location>
<Location /all>
    AuthType WorkOS
    <RequireAll>
        Require valid-user
        Require workos-permission posts:read
        Require workos-role member
    </RequireAll>
</Location>
<Location /any>
    AuthType WorkOS
    <RequireAny>
        Require workos-role admin
        Require workos-entitlement audit-logs
    </RequireAny>
</Location>
"""
PROTECTED = ("private", "api", "cookie-only", "pass", "pass-strict",
             "headers", "perm",
             "role", "org", "other-org", "ent", "flag", "all", "any")

# httpd lines that are expected in these tests and are not failures.
ALLOWED_AH = (
    "AH00558",  # could not reliably determine the server's FQDN
    "AH00489", "AH00094", "AH00491", "AH00492", "AH00493",  # start/stop
    "AH00169", "AH00170", "AH00171",  # prefork: SIGTERM, SIGWINCH, SIGUSR1
    "AH01797",  # client denied by server configuration (403 tests)
    "AH01630",  # client denied (authz_core, 403 tests)
    "AH01631",  # user ...: authorization failure (403 tests)
)


# A child killed by a signal: AH00052, or AH00051 when a core was written.
CHILD_CRASH_AH = ("AH00051", "AH00052")
# What the parent logs as it begins to stop, per MPM and signal.
SHUTDOWN_AH = {("event", "term"): "AH00491", ("event", "graceful"): "AH00492",
               ("worker", "term"): "AH00295", ("worker", "graceful"): "AH00296",
               ("prefork", "term"): "AH00169",
               ("prefork", "graceful"): "AH00170"}

# TCP states in /proc/net/tcp: a connection httpd still holds.
_HELD_STATES = {"01", "08"}   # ESTABLISHED, CLOSE_WAIT


def held_connections(port):
    """Server-side sockets of 127.0.0.1:port that are still open (the
    client's or httpd's end not yet closed)."""
    n = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = pathlib.Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if len(f) > 3 and f[3] in _HELD_STATES and \
                    int(f[1].rsplit(":", 1)[1], 16) == port:
                n += 1
    return n


# Ports free_port handed out lately: the kernel may hand the same free
# port to two bind(0) calls in a row (once the first socket is closed),
# and a test that picks a vhost's port and then starts an httpd that picks
# its own would get two Listen lines for one port.
_PORTS_HANDED_OUT = collections.deque(maxlen=8192)


def free_port():
    """A free loopback port, never one this process was given lately."""
    for _ in range(1000):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _PORTS_HANDED_OUT:
            break
    _PORTS_HANDED_OUT.append(port)
    return port


class Httpd:
    def __init__(self, workos, mpm="event", one_process=True,
                 server_extra="", locations=LOCATIONS, secrets=(),
                 modules=()):
        self.workos = workos
        self.mpm = mpm
        self.one_process = one_process
        self.server_extra = server_extra
        self.extra_modules = list(modules)
        self.locations = locations
        self.secrets = [PASSWORD, API_KEY, WEBHOOK_SECRET, *secrets]
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="wos-httpd-"))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.allowed_errors = []  # regexes of error lines a test expects
        # How the last stop went: "graceful", "term" (graceful-stop timed
        # out, or -X), "kill"; and a -X httpd's exit status.
        self.stopped_by = None
        self.exit_status = None

    @property
    def error_log(self):
        return self.dir / "error.log"

    def log_text(self):
        return self.error_log.read_text(errors="replace") \
            if self.error_log.exists() else ""

    def _modules(self):
        mods = ["authn_core", "authz_core", "authz_user", "socache_shmcb",
                "alias", "headers", "mime"]
        mods.append("cgi" if self.mpm == "prefork" else "cgid")
        mods += self.extra_modules
        lines = [f"LoadModule mpm_{self.mpm}_module "
                 f"{MODDIR}/mod_mpm_{self.mpm}.so"]
        lines += [f"LoadModule {m}_module {MODDIR}/mod_{m}.so" for m in mods]
        lines.append(f"LoadModule auth_workos_module {MODULE}")
        return "\n".join(lines)

    def _mpm_tuning(self):
        if self.mpm == "prefork":
            # room over the 16 client threads of the load tests: at exactly
            # 16, prefork logs AH00161 (an error) on a loaded machine
            return ("StartServers 4\nMinSpareServers 4\nMaxSpareServers 8\n"
                    "MaxRequestWorkers 32\n")
        return ("StartServers 2\nServerLimit 4\nThreadsPerChild 32\n"
                "MaxRequestWorkers 64\nMinSpareThreads 8\n"
                "MaxSpareThreads 64\n")

    def config(self):
        d = self.dir
        wos = self.workos
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
<Location />
    AuthzSendForbiddenOnFailure On
</Location>

WorkOSClientID {CLIENT_ID}
WorkOSCookiePassword {PASSWORD}
WorkOSAPIKey {API_KEY}
WorkOSAPIBaseURL {wos.base}
WorkOSCookieSecure Off
WorkOSHTTPTimeout 2
WorkOSRedirectURI {self.base}/callback
WorkOSLogoutReturnTo {self.base}/bye
WorkOSWebhookSecret {WEBHOOK_SECRET}
{self.server_extra}

ScriptAliasMatch "^/({'|'.join(PROTECTED)})(/.*)?$" "{d}/cgi/env.py"
<Directory {d}/cgi>
    Options +ExecCGI
    Require all granted
</Directory>
<Directory {d}/htdocs>
    Require all granted
</Directory>
{self.locations}
"""

    def write(self):
        d = self.dir
        for sub in ("run", "htdocs", "cgi"):
            (d / sub).mkdir(exist_ok=True)
        (d / "htdocs" / "health.txt").write_text("ok\n")
        (d / "htdocs" / "static-secret.txt").write_text("secret\n")
        cgi = d / "cgi" / "env.py"
        cgi.write_text(ENV_CGI)
        cgi.chmod(0o755)
        os.chmod(d, 0o755)
        os.chmod(d / "run", 0o777)
        (d / "httpd.conf").write_text(self.config())

    def configtest(self):
        self.write()
        return subprocess.run([APACHE, "-t", "-f", str(self.dir / "httpd.conf")],
                              capture_output=True, text=True, timeout=30)

    def start(self):
        self.write()
        args = [APACHE, "-f", str(self.dir / "httpd.conf"), "-DFOREGROUND"]
        if self.one_process:
            args.insert(1, "-X")
            args = PREFIX + args
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout=READY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace")
                raise RuntimeError(f"httpd exited: {out}\n{self.log_text()}")
            try:
                r = requests.get(self.base + "/health.txt",
                                 timeout=30 if PREFIX else 1)
                if r.status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.05)  # polling for a condition, not synchronising
        raise RuntimeError("httpd did not become ready\n" + self.log_text())

    def wait_connections_closed(self, timeout=DRAIN_TIMEOUT):
        """Waits until httpd holds no connection on its port; returns True
        when none is left. Collects garbage first, so a requests.Session
        a test dropped closes its sockets now."""
        gc.collect()
        deadline = time.monotonic() + timeout
        while held_connections(self.port):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)  # polling for the sockets to close
        return True

    def _signal_and_wait(self, sig, timeout):
        try:
            self.proc.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self, graceful=None, timeout=STOP_TIMEOUT):
        """Stops httpd: a multi-process one with a graceful stop, SIGTERM
        after `timeout`; a -X one with SIGTERM once its clients'
        connections have closed. graceful=False forces SIGTERM."""
        if self.proc and self.proc.poll() is None:
            if graceful is None:
                graceful = not self.one_process
            self.wait_connections_closed()
            if graceful and self._signal_and_wait(signal.SIGWINCH, timeout):
                self.stopped_by = "graceful"
            elif self._signal_and_wait(signal.SIGTERM, READY_TIMEOUT):
                self.stopped_by = "term"
            else:
                self.proc.kill()
                self.proc.wait()
                self.stopped_by = "kill"
        if self.proc:
            # also when httpd had exited on its own before the stop
            self.exit_status = self.proc.returncode
            # helpers httpd forked (mod_cgid's daemon) share its session
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    # --- for tests that drive a running server (graceful, soak) ----------

    def graceful_restart(self, timeout=STOP_TIMEOUT):
        """`apachectl graceful` (SIGUSR1); waits until the new generation
        is up. Returns the number of generations seen so far."""
        before = self.generations()
        os.kill(self.proc.pid, signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while self.generations() == before:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("no new generation after SIGUSR1\n"
                                   + self.log_text()[-4000:])
            time.sleep(0.05)  # polling the log for the new generation
        return self.generations()

    def generations(self):
        return self.log_text().count("resuming normal operations")

    def children(self):
        """Pids of the processes httpd's parent forked (its children and
        mod_cgid's daemon)."""
        if not self.proc:
            return []
        pids = []
        for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return pids

    def crash_lines(self):
        """Log lines of children killed by a signal."""
        return [line for line in self.log_text().splitlines()
                if any(ah in line for ah in CHILD_CRASH_AH)]

    def get(self, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 20 if not PREFIX else 180)
        return requests.get(self.base + path, **kw)

    def post(self, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 20 if not PREFIX else 180)
        return requests.post(self.base + path, **kw)

    def unexpected_log_lines(self):
        bad = []
        for line in self.log_text().splitlines():
            level = re.search(r"\[[a-z_]*:(error|crit|alert|emerg)\]", line)
            ah = re.search(r"AH\d{5}", line)
            if ah and ah.group(0) in CHILD_CRASH_AH and not any(
                    re.search(p, line) for p in self.allowed_errors):
                bad.append(line)  # a child died of a signal (notice level)
                continue
            if ah and ah.group(0) in ALLOWED_AH:
                continue
            if level and (ah or "WOS" in line) and not any(
                    re.search(p, line) for p in self.allowed_errors):
                bad.append(line)
        if self.exit_status is not None and self.exit_status < 0 and \
                self.stopped_by != "kill":
            when = f"as it stopped ({self.stopped_by})" if self.stopped_by \
                else "before it was stopped"
            bad.append(f"httpd (pid {self.proc.pid}) died of signal "
                       f"{signal.Signals(-self.exit_status).name} {when}")
        if self.stopped_by == "kill":
            bad.append(f"httpd (pid {self.proc.pid}) did not stop on "
                       f"SIGTERM within {READY_TIMEOUT:.0f} s")
        elif self.stopped_by and not self.one_process:
            # the parent logs how it began to stop: its log is complete
            want = SHUTDOWN_AH.get((self.mpm, self.stopped_by))
            if want and want not in self.log_text():
                bad.append(f"httpd stopped ({self.stopped_by}) without "
                           f"logging {want}")
        return bad

    def leaked_secrets(self, extra=()):
        text = self.log_text()
        return [s[:6] + "..." for s in (*self.secrets, *extra)
                if s and len(s) >= 8 and s in text]

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
