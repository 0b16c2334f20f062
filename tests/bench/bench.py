#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark of mod_auth_workos against no auth and its Debian peers.

    make -f Makefile.apxs bench        # this script: wrk, alternating rounds
    make -f Makefile.apxs callgrind    # this script with --callgrind

Bench: starts one multi-process apache2 (event MPM, keep-alive) per
configuration on 127.0.0.1, all serving the same 100-byte static file:

    no auth                       the ceiling
    no auth + Cookie / + Bearer   controls: no auth, but each request carries
                                  the same credential header as below
    mod_auth_workos cookie        sealed wos-session cookie (iron-session)
    mod_auth_workos bearer        Authorization: Bearer <RS256 JWT>
    mod_auth_workos permission    bearer + Require workos-permission posts:write
    mod_auth_openidc bearer       AuthType oauth20, OIDCOAuthVerifyCertFiles
                                  (2.4 fetches a JWKS over https only)
    mod_oauth2 bearer             AuthType oauth2, OAuth2TokenVerify jwks_uri

checks each answers 200 with its credential and 401 without, then runs wrk
(2 threads, 16 connections) against them in alternating rounds and prints
req/s (median of rounds), p50/p99 latency (median of rounds) and the ratio
to the no-auth baseline; the table also goes to tests/bench/last-run.md.

Callgrind (--callgrind): runs `apache2 -X` under valgrind over a fixed
number of requests with a first-seen and with a repeated credential
(bearer and cookie) and reports instructions per request: inclusive in
authn_check_user_id and authz_check (collection on only inside them), and
for the whole request (inside ap_run_process_connection), with the
breakdown under the hook; also written to tests/bench/last-callgrind.md.

Environment: BENCH_ROUNDS (12), BENCH_SECONDS (2), BENCH_CONNECTIONS (16),
BENCH_THREADS (2), BENCH_ONLY (comma-separated configuration keys: none
none-cookie none-bearer workos-cookie workos-bearer workos-perm openidc
oauth2), CALLGRIND_REQUESTS (200), CALLGRIND_ONLY (only the scenarios
whose title holds it), CALLGRIND_KEEP (keep the profiles), WOS_MODULE
(another build).
Installs wrk, libapache2-mod-auth-openidc, libapache2-mod-oauth2 (and
valgrind for --callgrind) from Debian when missing; apt-get waits while
another apt holds the lock. Everything it starts, it stops.
"""
import argparse
import hashlib
import json
import os
import pathlib
import platform
import pwd
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
BENCH = ROOT / "tests" / "bench"
INTEROP = ROOT / "tests" / "interop"
sys.path.insert(0, str(ROOT / "tests" / "integration"))
sys.dont_write_bytecode = True  # leave no __pycache__ in tests/integration
import tokens  # noqa: E402  (RSA keys, JWKS entries, RS256 minting)

MODULE = pathlib.Path(os.environ.get("WOS_MODULE",
                                     ROOT / ".libs" / "mod_auth_workos.so"))
MODDIR = pathlib.Path("/usr/lib/apache2/modules")
APACHE = shutil.which("apache2") or "/usr/sbin/apache2"

CLIENT_ID = "client_01BENCHCLIENT"
PASSWORD = "bench-cookie-password-0123456789-abcdefghij"
KID = "key_bench_1"
FILE_BODY = (b"mod_auth_workos benchmark: one hundred bytes of static "
             b"text served by every configuration.\n")
FILE_BODY = FILE_BODY + b"." * (99 - len(FILE_BODY)) + b"\n"
assert len(FILE_BODY) == 100

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "12"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
CG_REQUESTS = int(os.environ.get("CALLGRIND_REQUESTS", "200"))

PACKAGES = {  # Debian package -> a file that shows it is installed
    "wrk": "/usr/bin/wrk",
    "libapache2-mod-auth-openidc": str(MODDIR / "mod_auth_openidc.so"),
    "libapache2-mod-oauth2": str(MODDIR / "mod_oauth2.so"),
}
SCALE_PACKAGES = {"nghttp2-client": "/usr/bin/h2load"}


def say(*a):
    print(*a, flush=True)


class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted(f"signal {signum}")


# ---------------------------------------------------------------- install

def apt_install(pkgs):
    """apt-get install, waiting (never killing) while another apt holds
    the lock; one apt-get update if a package is unknown."""
    if os.geteuid() != 0:
        sys.exit(f"bench: missing {' '.join(pkgs)}; run as root to install")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    updated = False
    deadline = time.monotonic() + 600
    while True:
        r = subprocess.run(["apt-get", "install", "-y", "-q",
                            "--no-install-recommends", *pkgs],
                           capture_output=True, text=True, env=env)
        if r.returncode == 0:
            return
        out = r.stdout + r.stderr
        if re.search(r"Could not get lock|Unable to acquire the dpkg|"
                     r"is another process using it", out):
            if time.monotonic() > deadline:
                sys.exit("bench: apt is still locked after 10 minutes")
            say("bench: apt is busy (another process holds the lock); "
                "waiting...")
            time.sleep(10)
            continue
        if not updated:
            updated = True
            say("bench: apt-get update")
            while True:
                u = subprocess.run(["apt-get", "update", "-q"],
                                   capture_output=True, text=True, env=env)
                if u.returncode == 0 or not re.search(
                        r"Could not get lock|Unable to acquire",
                        u.stdout + u.stderr):
                    break
                if time.monotonic() > deadline:
                    sys.exit("bench: apt is still locked after 10 minutes")
                say("bench: apt is busy; waiting...")
                time.sleep(10)
            continue
        sys.exit("bench: apt-get install failed:\n" + out[-3000:])


def ensure_installed(extra=None):
    want = dict(PACKAGES)
    want.update(extra or {})
    missing = [p for p, f in want.items() if not os.path.exists(f)]
    if not shutil.which("node"):
        missing += ["nodejs", "npm"]
    if missing:
        say("bench: installing " + " ".join(missing))
        apt_install(missing)
    if not (INTEROP / "node_modules" / "iron-session").is_dir():
        say("bench: npm ci in tests/interop (iron-session)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund",
                        "--loglevel=error"], cwd=INTEROP, check=True)
    if not MODULE.exists():
        sys.exit(f"bench: {MODULE} not built (make -f Makefile.apxs all)")


def pkg_version(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else "?"


# ------------------------------------------------------------ credentials

class Credentials:
    """One RSA-2048 key, its JWKS, RS256 tokens with WorkOS-like claims
    and sealed wos-session cookies holding them."""

    def __init__(self, issuer_base):
        self.issuer = f"{issuer_base}/user_management/{CLIENT_ID}"
        self.key = tokens.SigningKey(KID, bits=2048)
        self.jwks = json.dumps({"keys": [self.key.jwk()]}).encode()
        self.serial = 0

    def claims(self, permissions=("posts:read", "posts:write"),
               lifetime=6 * 3600, **extra):
        self.serial += 1
        now = int(time.time())
        return {"iss": self.issuer, "sub": "user_01BENCHALICE",
                "sid": "session_01BENCHALICE", "org_id": "org_01BENCHACME",
                "role": "admin", "roles": ["admin"],
                "permissions": list(permissions),
                "entitlements": ["audit-logs"],
                "feature_flags": ["new-editor"],
                "jti": f"jti_bench_{now}_{self.serial}",
                "iat": now, "exp": now + lifetime, **extra}

    def token(self, **kw):
        return tokens.mint(self.key, self.claims(**kw))

    def write_cert(self):
        """A self-signed X.509 certificate of the public key, for
        mod_auth_openidc: 2.4 fetches an OIDCOAuthVerifyJwksUri only over
        https, so it gets the same key from a file."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.x509.oid import NameOID
        import datetime
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                             "bench signing key")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name)
                .issuer_name(name).public_key(self.key.private.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=30))
                .sign(self.key.private, hashes.SHA256()))
        fd, path = tempfile.mkstemp(prefix="wos-bench-", suffix=".pem")
        with os.fdopen(fd, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        os.chmod(path, 0o644)
        self.cert_file = path
        return path

    @staticmethod
    def session(token):
        return {"accessToken": token, "refreshToken": "rt_bench_opaque",
                "user": {"object": "user", "id": "user_01BENCHALICE",
                         "email": "alice@example.com", "firstName": "Alice",
                         "lastName": "Bench", "emailVerified": True},
                "organizationId": "org_01BENCHACME", "impersonator": None,
                "authenticationMethod": "Password"}

    def cookie(self, token):
        """Sealed with the real iron-session via tests/interop/seal.mjs."""
        r = subprocess.run(["node", "seal.mjs", "iron-session", "seal",
                            PASSWORD], cwd=INTEROP,
                           input=json.dumps(self.session(token)),
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            sys.exit("bench: iron-session seal failed: " + r.stderr)
        return r.stdout.strip()

    def cookies(self, token_list):
        """Many at once with iron-session (tests/bench/seal_many.mjs)."""
        r = subprocess.run(["node", str(BENCH / "seal_many.mjs"), PASSWORD],
                           input=json.dumps([self.session(t)
                                             for t in token_list]),
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            sys.exit("bench: iron-session seal failed: " + r.stderr)
        out = r.stdout.split()
        assert len(out) == len(token_list)
        return out


class JwksServer:
    """Serves the JWKS on 127.0.0.1 at any path under /jwks/ or /sso/jwks/
    and counts fetches per path."""

    def __init__(self):
        self.jwks = b'{"keys":[]}'
        self.calls = Counter()
        # workos-access checks: (membership, permission, type, external
        # id or resource id) -> how often asked; external ids answered
        # {"authorized": false}
        self.checks = Counter()
        self.denied = set()
        self.lock = threading.Lock()
        srv = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                path, _, query = self.path.partition("?")
                with srv.lock:
                    srv.calls[path] += 1
                if path.startswith(("/jwks/", "/sso/jwks/")):
                    body, status = srv.jwks, 200
                elif path == "/user_management/organization_memberships":
                    # workos-access: the caller's one membership, an id
                    # of its own for each user
                    q = dict(urllib.parse.parse_qsl(query))
                    body, status = json.dumps({"data": [{
                        "id": "om_" + q.get("user_id", "bench")
                        .removeprefix("user_"),
                        "user_id": q.get("user_id"),
                        "organization_id": q.get("organization_id"),
                        "status": "active"}]}).encode(), 200
                else:
                    body, status = b'{"message":"not found"}', 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                # workos-access: every check is granted but those of
                # srv.denied external ids
                path = self.path.split("?", 1)[0]
                raw = self.rfile.read(int(self.headers.get("Content-Length")
                                          or 0))
                ok = path.startswith("/authorization/")
                try:
                    q = json.loads(raw) if ok else {}
                except ValueError:
                    q = {}
                ext = q.get("resource_external_id")
                with srv.lock:
                    srv.calls[path] += 1
                    if ok:
                        srv.checks[(path.split("/")[-2],
                                    q.get("permission_slug"),
                                    q.get("resource_type_slug"),
                                    ext or q.get("resource_id"))] += 1
                body = (b'{"authorized":false}' if ext in srv.denied
                        else b'{"authorized":true}') if ok \
                    else b'{"message":"not found"}'
                self.send_response(200 if ok else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda req, addr: None
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self):
        with self.lock:
            return Counter(self.calls)

    def checks_snapshot(self):
        with self.lock:
            return Counter(self.checks)


# ------------------------------------------------------------------ httpd

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BASE_MODULES = ["authn_core", "authz_core", "authz_user", "mime"]

EVENT_TUNING = """
StartServers 2
ServerLimit 2
ThreadsPerChild 25
MaxRequestWorkers 50
MinSpareThreads 25
MaxSpareThreads 50
ListenCoresBucketsRatio 1
"""


class Httpd:
    def __init__(self, key, title, modules, server_conf, location,
                 ok_headers, one_process=False, wrapper=(), mpm="event",
                 tuning=None):
        self.mpm = mpm
        self.tuning = EVENT_TUNING if tuning is None else tuning
        self.key = key
        self.title = title
        self.modules = modules
        self.server_conf = server_conf
        self.location = location
        self.ok_headers = ok_headers
        self.one_process = one_process
        self.wrapper = list(wrapper)
        self.dir = None  # made by write(), so an unstarted one leaves none
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = self.base + "/file.txt"
        self.proc = None

    def config(self):
        d = self.dir
        mods = [f"LoadModule mpm_{self.mpm}_module "
                f"{MODDIR}/mod_mpm_{self.mpm}.so"]
        mods += [f"LoadModule {m}_module {MODDIR}/mod_{m}.so"
                 for m in BASE_MODULES]
        mods += self.modules
        return f"""
ServerRoot {d}
DefaultRuntimeDir {d}/run
PidFile {d}/run/httpd.pid
Listen 127.0.0.1:{self.port}
ServerName 127.0.0.1
User www-data
Group www-data
{chr(10).join(mods)}
{self.tuning}
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
ErrorLog {d}/error.log
LogLevel warn
DocumentRoot {d}/htdocs
TypesConfig /etc/mime.types
# As Debian's apache2.conf: no .htaccess lookups (five failed opens a
# request otherwise, on every configuration alike).
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory {d}/htdocs>
    Require all granted
</Directory>
{self.server_conf}
{self.location}
"""

    def write(self):
        if self.dir is None:
            self.dir = pathlib.Path(tempfile.mkdtemp(
                prefix=f"wos-bench-{self.key}-"))
        d = self.dir
        for sub in ("run", "htdocs", "cache"):
            (d / sub).mkdir(exist_ok=True)
        (d / "htdocs" / "file.txt").write_bytes(FILE_BODY)
        for p in (d, d / "htdocs"):
            os.chmod(p, 0o755)
        os.chmod(d / "run", 0o777)
        os.chmod(d / "cache", 0o777)
        os.chmod(d / "htdocs" / "file.txt", 0o644)
        (d / "httpd.conf").write_text(self.config())

    def log_text(self):
        p = self.dir / "error.log" if self.dir else None
        return p.read_text(errors="replace") if p and p.exists() else ""

    def start(self, timeout=20.0):
        self.write()
        args = [APACHE, "-f", str(self.dir / "httpd.conf"), "-DFOREGROUND"]
        if self.one_process:
            args.insert(1, "-X")
        self.proc = subprocess.Popen(self.wrapper + args,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace")
                raise RuntimeError(f"{self.title}: httpd exited:\n{out}\n"
                                   f"{self.log_text()}")
            try:
                requests.get(self.url, timeout=2)
                return self
            except requests.RequestException:
                pass
            time.sleep(0.1)  # polling for the listener, not synchronising
        raise RuntimeError(f"{self.title}: httpd not ready\n{self.log_text()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                try:  # its own session: only what we started
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def cleanup(self):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def mark_log(self):
        """Error lines before this point (the checks' refusals) are
        expected."""
        self.log_mark = len(self.log_text())

    def error_lines(self):
        text = self.log_text()[getattr(self, "log_mark", 0):]
        return [ln for ln in text.splitlines()
                if re.search(r"\[[a-z_0-9]*:(error|crit|alert|emerg)\]", ln)]


def stop_started(servers, jwks):
    """Stops what a bench started, whatever stage it failed at: wrk if it
    is still running, every server (then removes its files), the fake
    WorkOS."""
    p = WRK["proc"]
    if p and p.poll() is None:
        p.kill()
        p.wait()
    for h in servers:
        h.stop()
    for h in servers:
        h.cleanup()
    jwks.stop()


def workos_server_conf(jwks_base, name):
    return f"""
LoadModule socache_shmcb_module {MODDIR}/mod_socache_shmcb.so
LoadModule auth_workos_module {MODULE}
WorkOSClientID {CLIENT_ID}
WorkOSAPIKey sk_test_bench_not_a_secret
WorkOSCookiePassword {PASSWORD}
WorkOSAPIBaseURL {jwks_base}
WorkOSJWKSURL {jwks_base}/jwks/{name}
WorkOSCookieSecure Off
"""


def workos_location(require="Require valid-user", sources="cookie bearer"):
    return f"""
<Location />
    AuthType WorkOS
    WorkOSTokenSource {sources}
    WorkOSUnauthAction 401
    AuthzSendForbiddenOnFailure On
    {require}
</Location>
"""


def configurations(jwks_base, token, cookie, cert_file):
    bearer = {"Authorization": f"Bearer {token}"}
    return [
        Httpd("none", "no auth (baseline)", [], "", "", {}),
        # Controls: no auth, but the request carries the same credential
        # header, so the cost of receiving it shows apart from checking it.
        Httpd("none-cookie", "no auth, same Cookie header (control)", [],
              "", "", {"Cookie": f"wos-session={cookie}"}),
        Httpd("none-bearer", "no auth, same Authorization header (control)",
              [], "", "", bearer),
        Httpd("workos-cookie", "mod_auth_workos cookie", [],
              workos_server_conf(jwks_base, "workos-cookie"),
              workos_location(), {"Cookie": f"wos-session={cookie}"}),
        Httpd("workos-bearer", "mod_auth_workos bearer", [],
              workos_server_conf(jwks_base, "workos-bearer"),
              workos_location(), bearer),
        Httpd("workos-perm", "mod_auth_workos bearer + workos-permission",
              [], workos_server_conf(jwks_base, "workos-perm"),
              workos_location("Require workos-permission posts:write"),
              bearer),
        Httpd("openidc", "mod_auth_openidc bearer (oauth20)",
              [f"LoadModule auth_openidc_module "
               f"{MODDIR}/mod_auth_openidc.so"],
              f"""
OIDCOAuthVerifyCertFiles {KID}#{cert_file}
OIDCOAuthRemoteUserClaim sub
OIDCCacheType shm
""", """
<Location />
    AuthType oauth20
    Require valid-user
</Location>
""", bearer),
        Httpd("oauth2", "mod_oauth2 bearer (jwks_uri)",
              [f"LoadModule oauth2_module {MODDIR}/mod_oauth2.so"], "",
              f"""
<Location />
    AuthType oauth2
    OAuth2TokenVerify jwks_uri {jwks_base}/jwks/oauth2
    Require valid-user
</Location>
""", bearer),
    ]


def check(h, bad_token):
    """200 and the file with the credential, 401 without; a token lacking
    the permission is refused where one is required."""
    r = requests.get(h.url, headers=h.ok_headers, timeout=20)
    if r.status_code != 200 or r.content != FILE_BODY:
        raise RuntimeError(f"{h.title}: expected 200 with credential, got "
                           f"{r.status_code}\n{h.log_text()[-3000:]}")
    if h.key.startswith("none"):
        return
    r = requests.get(h.url, timeout=20)
    if r.status_code != 401:
        raise RuntimeError(f"{h.title}: expected 401 without credential, "
                           f"got {r.status_code}")
    r = requests.get(h.url, headers={"Authorization": "Bearer x.y.z"},
                     timeout=20)
    if r.status_code != 401:
        raise RuntimeError(f"{h.title}: expected 401 with a garbage token, "
                           f"got {r.status_code}")
    if h.key == "workos-perm":
        r = requests.get(h.url, headers={
            "Authorization": f"Bearer {bad_token}"}, timeout=20)
        if r.status_code != 403:
            raise RuntimeError(f"{h.title}: expected 403 for a token without "
                               f"posts:write, got {r.status_code}")


# -------------------------------------------------------------------- wrk

UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6}


def to_us(s):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", s)
    return float(m.group(1)) * UNITS[m.group(2)]


WRK = {"proc": None}


def run_wrk(h, seconds):
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s",
            "--latency", "--timeout", "5s"]
    for k, v in h.ok_headers.items():
        args += ["-H", f"{k}: {v}"]
    args.append(h.url)
    WRK["proc"] = p = subprocess.Popen(args, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True)
    out, _ = p.communicate(timeout=seconds + 60)
    WRK["proc"] = None
    if p.returncode != 0:
        raise RuntimeError(f"{h.title}: wrk failed:\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    total = re.search(r"(\d+) requests in", out)
    if not (rps and p50 and p99 and total):
        raise RuntimeError(f"{h.title}: cannot parse wrk output:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{h.title}: {bad.group(1)} of {total.group(1)} "
                           f"responses were not 200 under load\n{out}\n"
                           f"{h.log_text()[-3000:]}")
    errs = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(rps.group(1)), "p50": to_us(p50.group(1)),
            "p99": to_us(p99.group(1)), "requests": int(total.group(1)),
            "socket_errors": errs.group(1) if errs else None}


def fmt_us(us):
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.0f} µs"


def machine():
    cpu = "?"
    try:
        for ln in open("/proc/cpuinfo"):
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ver = subprocess.run([APACHE, "-v"], capture_output=True, text=True)
    apache = re.search(r"Apache/(\S+)", ver.stdout)
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "apache": apache.group(1) if apache else "?",
            "openidc": pkg_version("libapache2-mod-auth-openidc"),
            "oauth2": pkg_version("libapache2-mod-oauth2"),
            "wrk": pkg_version("wrk")}


def cpu_busy():
    """Jiffies the whole machine spent busy (all cores)."""
    f = open("/proc/stat").readline().split()[1:]
    v = [int(x) for x in f]
    return sum(v[:8]) - v[3] - v[4]  # minus idle and iowait


def our_cpu(servers):
    """Jiffies used so far by everything this script started and by
    itself: each httpd (parent and children), wrk (waited children)."""
    parents = {h.proc.pid for h in servers if h.proc}
    total = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            f = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(d) in parents or int(f[1]) in parents:
            total += int(f[11]) + int(f[12])
    t = os.times()
    hz = os.sysconf("SC_CLK_TCK")
    return total + round((t.user + t.system + t.children_user
                          + t.children_system) * hz)


def module_id():
    """Which build was measured: the module's mtime and a hash prefix."""
    st = MODULE.stat()
    h = hashlib.sha256(MODULE.read_bytes()).hexdigest()[:12]
    name = MODULE.relative_to(ROOT) if MODULE.is_relative_to(ROOT) \
        else MODULE
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(st.st_mtime))
    return f"{name} built {built}, sha256 {h}…"


def report(servers, results, started, jwks_calls, others=None):
    base = statistics.median(r["rps"] for r in results["none"])
    base_best = max(r["rps"] for r in results["none"])
    rows = []
    med = {}
    best = {}
    for h in servers:
        rs = results[h.key]
        rps = statistics.median(r["rps"] for r in rs)
        med[h.key] = rps
        best[h.key] = max(r["rps"] for r in rs)
        paired = statistics.median(
            r["rps"] / b["rps"] for r, b in zip(rs, results["none"]))
        rows.append((h.title, f"{rps:,.0f}",
                     f"{min(r['rps'] for r in rs):,.0f}–"
                     f"{max(r['rps'] for r in rs):,.0f}",
                     fmt_us(statistics.median(r["p50"] for r in rs)),
                     fmt_us(statistics.median(r["p99"] for r in rs)),
                     f"{rps / base:.2f} ×", f"{paired:.2f} ×",
                     f"{best[h.key] / base_best:.2f} ×"))
    m = machine()
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} on {m['cores']} cores "
        f"({m['cpu']}), Linux {m['kernel']}; wrk and httpd share the "
        f"cores. Apache {m['apache']} event MPM (2 processes × 25 threads, "
        f"keep-alive), {len(FILE_BODY)}-byte static file, RS256 2048-bit "
        f"token; wrk {m['wrk']}: {THREADS} threads, {CONNECTIONS} "
        f"connections, {ROUNDS} alternating rounds of {SECONDS} s per "
        f"configuration. Peers: libapache2-mod-auth-openidc {m['openidc']}, "
        f"libapache2-mod-oauth2 {m['oauth2']}. Module: {MODULE_ID}.",
        "",
        "| configuration | req/s (median) | req/s (min–max) | p50 | p99 "
        "| × no auth | × no auth, same round | × no auth, best rounds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += ["", "req/s, p50 and p99 are medians over the rounds; "
              "\"× no auth\" divides the medians, \"same round\" is the "
              "median of each round's ratio to that round's baseline, "
              "\"best rounds\" divides the highest rounds (other load on "
              "the machine only ever lowers a round).", ""]
    for ours, control in (("workos-cookie", "none-cookie"),
                          ("workos-bearer", "none-bearer")):
        if ours in med and control in med:
            paired = statistics.median(
                r["rps"] / b["rps"]
                for r, b in zip(results[ours], results[control]))
            lines.append(f"{dict((h.key, h.title) for h in servers)[ours]} "
                         f"/ no auth receiving the same header: "
                         f"{med[ours] / med[control]:.2f} × (same round "
                         f"{paired:.2f} ×)  ")
    wb = med.get("workos-bearer")
    for peer, title in (("openidc", "mod_auth_openidc"),
                        ("oauth2", "mod_oauth2")):
        if wb and peer in med:
            lines.append(f"mod_auth_workos bearer / {title}: "
                         f"{wb / med[peer]:.2f} × (best rounds "
                         f"{best['workos-bearer'] / best[peer]:.2f} ×)  ")
    fetches = ", ".join(f"{k} {v}" for k, v in sorted(jwks_calls.items()))
    lines.append(f"JWKS fetches during the timed rounds: "
                 f"{fetches or 'none'}.  ")
    lines.append(f"Load average before the start {LOAD_AT_START}; "
                 f"other processes used {others:.0%} of the machine's CPU "
                 f"time during the timed rounds (this script, wrk and its "
                 f"httpds used the rest of what was busy).  "
                 if others is not None else
                 f"Load average before the start {LOAD_AT_START}.  ")
    lines.append(f"Total run time {time.monotonic() - started:.0f} s.")
    text = "\n".join(lines) + "\n"
    say("")
    say(text)
    (BENCH / "last-run.md").write_text(text)
    say(f"(written to {BENCH / 'last-run.md'})")


LOAD_AT_START = "?"
MODULE_ID = "?"


def bench():
    global LOAD_AT_START, MODULE_ID
    started = time.monotonic()
    LOAD_AT_START = f"{os.getloadavg()[0]:.2f}"
    ensure_installed()
    MODULE_ID = module_id()
    jwks = JwksServer().start()
    servers = []
    cred = None
    try:
        say("bench: RSA-2048 key, token, iron-session cookie")
        cred = Credentials(jwks.base)
        jwks.jwks = cred.jwks
        token = cred.token()
        bad_token = cred.token(permissions=("posts:read",))
        cookie = cred.cookie(token)
        only = [k for k in os.environ.get("BENCH_ONLY", "").split(",") if k]
        cert_file = cred.write_cert()
        for h in configurations(jwks.base, token, cookie, cert_file):
            if only and h.key not in only and h.key != "none":
                continue
            servers.append(h)
            h.start()
            check(h, bad_token)
            h.mark_log()
            say(f"bench: {h.title:45s} 127.0.0.1:{h.port}  200/401 ok")
        say(f"bench: warm-up 1 s each, then {ROUNDS} rounds × {SECONDS} s × "
            f"{len(servers)} configurations")
        for h in servers:
            run_wrk(h, 1)
        before = jwks.snapshot()
        busy0, ours0, wall0 = cpu_busy(), our_cpu(servers), time.monotonic()
        results = {h.key: [] for h in servers}
        for rnd in range(ROUNDS):
            # rotate the order too, so no configuration always goes first
            order = servers[rnd % len(servers):] + servers[:rnd % len(servers)]
            for h in order:
                r = run_wrk(h, SECONDS)
                results[h.key].append(r)
                say(f"  round {rnd + 1}/{ROUNDS}  {h.title:45s} "
                    f"{r['rps']:10,.0f} req/s  p50 {fmt_us(r['p50']):>9s}  "
                    f"p99 {fmt_us(r['p99']):>9s}")
        calls = jwks.snapshot()
        capacity = ((time.monotonic() - wall0) * os.sysconf("SC_CLK_TCK")
                    * (os.cpu_count() or 1))
        others = max(0, (cpu_busy() - busy0) - (our_cpu(servers) - ours0)) \
            / capacity
        calls.subtract(before)
        calls = {k: v for k, v in calls.items() if v}
        for h in servers:
            errs = h.error_lines()
            if errs:
                say(f"bench: {h.title}: {len(errs)} error lines in its log, "
                    f"e.g. {errs[0]}")
        report(servers, results, started, calls, others)
    finally:
        stop_started(servers, jwks)
        if cred and getattr(cred, "cert_file", None):
            os.unlink(cred.cert_file)


# -------------------------------------------------------------- callgrind

HOOKS = ("authn_check_user_id", "authz_check")
REQUEST = "ap_run_process_connection"  # one call per request (event MPM)


def callgrind():
    """For each scenario two valgrind runs: collection on only inside the
    hooks (their cost and what they spend it on), and inside
    ap_run_process_connection (the whole request in httpd's user space,
    for scale). Each minus the same run with the warm-up alone, divided by
    the request count, is the cost per request. (callgrind_control's
    zero/dump cannot be used: httpd drops to www-data, and vgdb then
    cannot reach the FIFOs valgrind made as root.)"""
    global MODULE_ID
    started = time.monotonic()
    ensure_installed({"valgrind": "/usr/bin/valgrind"})
    MODULE_ID = module_id()
    n = CG_REQUESTS
    jwks = JwksServer().start()
    live = []
    outdir = pathlib.Path(tempfile.mkdtemp(prefix="wos-callgrind-"))
    os.chmod(outdir, 0o777)
    try:
        say(f"callgrind: RSA-2048 key, {2 * n + 2} tokens, {n + 1} "
            f"iron-session cookies")
        cred = Credentials(jwks.base)
        jwks.jwks = cred.jwks
        warm_token, repeat = cred.token(), cred.token()
        fresh = [cred.token() for _ in range(n)]
        cookies = cred.cookies([cred.token() for _ in range(n + 1)])
        fresh_cookies, repeat_cookie = cookies[:n], cookies[n]
        # custom claims as a WorkOS JWT template adds them
        custom = cred.token(**{"urn:app:tier": "gold", "org_meta": {
            "plan": {"tier": "gold", "seats": 25}, "region": "eu"}})
        custom_cookie = cred.cookies([custom])[0]
        auth = "/file.txt"
        warm = [("/open/file.txt", {}),
                (auth, {"Authorization": f"Bearer {warm_token}"}),
                (auth, {"Cookie": f"wos-session={repeat_cookie}"}),
                (auth, {"Authorization": f"Bearer {repeat}"}),
                ("/claim/file.txt", {"Authorization": f"Bearer {custom}"}),
                ("/claim/file.txt", {"Cookie":
                                     f"wos-session={custom_cookie}"})]
        # twice: a credential's first hit parses its claims for the
        # workos-claim rows, once per identity and process (~80,000 Ir);
        # the rows are the steady state after it
        warm += warm[-2:]
        warm.append(("/access/file.txt",
                     {"Authorization": f"Bearer {repeat}"}))
        scenarios = [
            ("no auth (same file, open location)",
             [("/open/file.txt", {})] * n),
            ("no auth, same Authorization header as the bearer rows "
             "(control)",
             [("/open/file.txt", {"Authorization": f"Bearer {repeat}"})]
             * n),
            ("no auth, same Cookie header as the cookie rows (control)",
             [("/open/file.txt", {"Cookie": f"wos-session={repeat_cookie}"})]
             * n),
            ("bearer, first-seen token each request",
             [(auth, {"Authorization": f"Bearer {t}"}) for t in fresh]),
            ("bearer, one token repeated",
             [(auth, {"Authorization": f"Bearer {repeat}"})] * n),
            ("cookie, first-seen cookie each request",
             [(auth, {"Cookie": f"wos-session={c}"})
              for c in fresh_cookies]),
            ("cookie, one cookie repeated",
             [(auth, {"Cookie": f"wos-session={repeat_cookie}"})] * n),
            ("bearer, one token repeated, Require workos-claim "
             "urn:app:tier gold",
             [("/claim/file.txt", {"Authorization": f"Bearer {custom}"})]
             * n),
            ("bearer, one token repeated, Require workos-claim "
             "org_meta.plan.tier gold (dotted path)",
             [("/claimpath/file.txt", {"Authorization": f"Bearer {custom}"})]
             * n),
            ("cookie, one cookie repeated, Require workos-claim "
             "urn:app:tier gold",
             [("/claim/file.txt", {"Cookie": f"wos-session={custom_cookie}"})]
             * n),
            ("bearer, one token repeated, Require workos-access project:view "
             "project web (decision kept)",
             [("/access/file.txt", {"Authorization": f"Bearer {repeat}"})]
             * n),
        ]
        only = os.environ.get("CALLGRIND_ONLY")
        if only:
            scenarios = [sc for sc in scenarios if only in sc[0]]
        location = workos_location("Require workos-permission posts:write")
        location += """
Alias /open {htdocs}
<Location /open>
    AuthType None
    Require all granted
</Location>
Alias /claim {htdocs}
<Location /claim>
    Require workos-claim urn:app:tier gold
</Location>
Alias /claimpath {htdocs}
<Location /claimpath>
    Require workos-claim org_meta.plan.tier gold
</Location>
Alias /access {htdocs}
<Location /access>
    Require workos-access project:view project web
</Location>
"""
        pw = pwd.getpwnam("www-data")

        def run(tag, toggles, reqs):
            out = outdir / f"callgrind.out.{tag}"
            # valgrind opens its output as root at start and writes it at
            # exit as www-data: it must exist already, owned by www-data
            out.touch(mode=0o666)
            os.chown(out, pw.pw_uid, pw.pw_gid)
            wrapper = ["valgrind", "--tool=callgrind", "--quiet",
                       "--vgdb=no", "--collect-atstart=no",
                       *[f"--toggle-collect={t}" for t in toggles],
                       f"--callgrind-out-file={out}"]
            h = Httpd(f"callgrind-{tag}", "mod_auth_workos under callgrind",
                      [f"LoadModule alias_module {MODDIR}/mod_alias.so"],
                      workos_server_conf(jwks.base, "callgrind")
                      + "WorkOSAccessCacheTTL 3600\n", "",
                      {}, one_process=True, wrapper=wrapper)
            h.write()
            h.location = location.replace("{htdocs}", str(h.dir / "htdocs"))
            live.append(h)
            h.start(timeout=180)
            s = requests.Session()
            for path, hd in warm + reqs:
                r = s.get(h.base + path, headers=hd, timeout=120)
                if r.status_code != 200 or r.content != FILE_BODY:
                    raise RuntimeError(f"callgrind: {path}: got "
                                       f"{r.status_code}\n"
                                       f"{h.log_text()[-3000:]}")
            s.close()
            h.stop()  # the dump is written at exit
            live.remove(h)
            h.cleanup()
            if not out.exists() or not out.stat().st_size:
                raise RuntimeError(f"callgrind wrote no profile {out}")
            return annotate(out)

        def per_request(prof, base):
            return {f: ((ir - base.get(f, (0, ""))[0]) / n, obj)
                    for f, (ir, obj) in prof.items()}

        say(f"callgrind: {len(scenarios)} scenarios × {n} requests, "
            f"2 valgrind runs each, plus the warm-up alone")
        base_hooks = run("0-hooks", HOOKS, [])
        base_req = run("0-request", [REQUEST], [])
        results = []
        for i, (title, reqs) in enumerate(scenarios, 1):
            per = per_request(run(f"{i}-hooks", HOOKS, reqs), base_hooks)
            whole = per_request(run(f"{i}-request", [REQUEST], reqs),
                                base_req)
            # (a hook that never ran differs from the warm-up run by a
            # few instructions of noise either way: show 0)
            authn = max(0.0, per.get("authn_check_user_id", (0, ""))[0])
            authz = max(0.0, per.get("authz_check", (0, ""))[0])
            # below the hook only (its callers carry the same inclusive
            # cost); unsymbolised library internals (0x...) left out
            top = sorted(((v, f, obj) for f, (v, obj) in per.items()
                          if v < authn and not f.startswith("0x")
                          and f not in HOOKS), reverse=True)
            res = {"authn": authn, "authz": authz, "top": top,
                   "request": whole.get(REQUEST, (0, ""))[0]}
            results.append((title, res))
            say(f"  {title:40s} request {res['request']:>10,.0f}  "
                f"authn_check_user_id {authn:>10,.0f}  "
                f"authz_check {authz:>6,.0f}  Ir/request")
        cg_report(results, n, started)
    finally:
        for h in live:
            h.stop()
            h.cleanup()
        jwks.stop()
        if os.environ.get("CALLGRIND_KEEP"):
            say(f"callgrind: profiles kept in {outdir} (callgrind.out.0-* "
                f"is the warm-up alone; callgrind_annotate --inclusive=yes)")
        else:
            shutil.rmtree(outdir, ignore_errors=True)


def annotate(dump):
    """Inclusive Ir per function name: {name: (Ir, object file)}. httpd
    loads the module twice (config dry run, then for real), so a function
    may be listed more than once: keep the largest."""
    r = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--auto=no",
                        "--threshold=100", str(dump)],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError("callgrind_annotate failed: " + r.stderr)
    funcs = {}
    for ln in r.stdout.splitlines():
        if "PROGRAM TOTALS" in ln:
            continue
        m = re.match(r"^\s*([\d,]+)\s+(?:\([\d. %]+\)\s+)?(\S.*?):"
                     r"(\S+?)(?:\s+\[(.*)\])?\s*$", ln)
        if m:
            ir = int(m.group(1).replace(",", ""))
            name = m.group(3)
            obj = os.path.basename(m.group(4) or "")
            old_ir, old_obj = funcs.get(name, (0, ""))
            funcs[name] = (max(ir, old_ir), obj or old_obj)
    return funcs


def cg_report(results, n, started):
    lines = [
        f"Instructions (Ir) per request from `valgrind --tool=callgrind` on "
        f"`apache2 -X` (`make -f Makefile.apxs callgrind`), {n} requests "
        f"per scenario, each run minus the same run with the warm-up alone "
        f"(which fetched the keys), divided by {n}. Hook columns: "
        f"`--collect-atstart=no --toggle-collect=authn_check_user_id "
        f"--toggle-collect=authz_check`, inclusive costs from "
        f"`callgrind_annotate --inclusive=yes`. Whole request: "
        f"`--toggle-collect={REQUEST}` (httpd's user space only: reading "
        f"the request, all hooks, the handler, writing; not the kernel). "
        f"Location: `AuthType WorkOS`, `Require workos-permission "
        f"posts:write` (the workos-claim rows: that line instead); RS256 "
        f"2048-bit token. Module: {MODULE_ID}.",
        "",
        "| scenario | whole request Ir/req | authn_check_user_id Ir/req "
        "| authz_check Ir/req |",
        "|---|---:|---:|---:|",
    ]
    for title, a in results:
        lines.append(f"| {title} | {a['request']:,.0f} | {a['authn']:,.0f} "
                     f"| {a['authz']:,.0f} |")
    for title, a in results:
        if a["authn"] < 1000:
            continue
        lines += ["", f"Inclusive cost under authn_check_user_id, {title} "
                  f"(Ir/request, % of the hook; unsymbolised library "
                  f"internals left out):", "", "```"]
        lines.append(f"{a['authn']:>12,.0f}  100.0%  authn_check_user_id")
        for v, f, obj in a["top"][:24]:
            lines.append(f"{v:>12,.0f}  {100 * v / a['authn']:5.1f}%  "
                         f"{f}  [{obj}]")
        lines.append("```")
    lines += ["", f"Total run time {time.monotonic() - started:.0f} s."]
    text = "\n".join(lines) + "\n"
    say("")
    say(text)
    (BENCH / "last-callgrind.md").write_text(text)
    say(f"(written to {BENCH / 'last-callgrind.md'})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--callgrind", action="store_true",
                    help="instructions per request under callgrind instead")
    args = ap.parse_args()
    # Ctrl-C even when started with SIGINT ignored (a background job)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        callgrind() if args.callgrind else bench()
    except (KeyboardInterrupt, Interrupted):
        sys.exit("bench: interrupted; everything started was stopped")
    except (RuntimeError, subprocess.SubprocessError) as e:
        sys.exit(f"bench: FAILED: {e}")


if __name__ == "__main__":
    main()
