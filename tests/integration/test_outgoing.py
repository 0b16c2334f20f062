# SPDX-License-Identifier: Apache-2.0
"""WorkOSOutgoingProxy and WorkOSCABundle (issue 16): every call to
WorkOS through a real forward proxy (Debian's tinyproxy, started here) to
an https fake WorkOS whose certificate only a test CA, given through
WorkOSCABundle, vouches for."""
import datetime
import ipaddress
import pathlib
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import Servers, signing_key
from fake_workos import FakeWorkOS
from harness import CLIENT_ID, Httpd, free_port
from services import _wait_port
from test_apikey import FakeKeys, key_header
from test_authn import bearer, token
from test_events import STATUS, wait_for, wait_polls
from test_lifecycle import session_cookie
import sealer

LOCS = STATUS + """
<Location /private/k>
    WorkOSTokenSource apikey
</Location>
"""


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki(d):
    """A test CA and a certificate for 127.0.0.1 it signed."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("wos test CA"))
          .issuer_name(_name("wos test CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
          .add_extension(x509.KeyUsage(False, False, False, False, False,
                                       True, True, False, False), True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (d / "ca.pem").write_bytes(ca.public_bytes(pem))
    (d / "server.pem").write_bytes(cert.public_bytes(pem))
    (d / "server.key").write_bytes(key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    for f in ("ca.pem", "server.pem"):
        (d / f).chmod(0o644)
    d.chmod(0o755)
    return d / "ca.pem"


class Tinyproxy:
    """Debian's tinyproxy on a free port; refuse=True allows CONNECT to
    port 443 only, so a tunnel to the fake is refused."""

    def __init__(self, refuse=False):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="wos-proxy-"))
        self.dir.chmod(0o777)
        self.port = free_port()
        self.log = self.dir / "tinyproxy.log"
        conf = [f"Port {self.port}", "Listen 127.0.0.1", "Timeout 30",
                "User nobody", "Group nogroup", f"LogFile \"{self.log}\"",
                "LogLevel Connect", "MaxClients 50", "Allow 127.0.0.1",
                f"PidFile \"{self.dir}/tinyproxy.pid\""]
        if refuse:
            conf.append("ConnectPort 443")
        (self.dir / "tinyproxy.conf").write_text("\n".join(conf) + "\n")
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.proc = subprocess.Popen(
            ["tinyproxy", "-d", "-c", str(self.dir / "tinyproxy.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        _wait_port(self.port, self.proc)
        return self

    def connects(self):
        text = self.log.read_text(errors="replace") if self.log.exists() \
            else ""
        return len(re.findall(r"CONNECT 127\.0\.0\.1:\d+", text))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def pki():
    d = pathlib.Path(tempfile.mkdtemp(prefix="wos-pki-"))
    yield make_pki(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def https_workos(pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.parent / "server.pem", pki.parent / "server.key")
    fake = FakeWorkOS(CLIENT_ID, tls=ctx)
    fake.keys = [signing_key("key_1")]
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def proxy():
    p = Tinyproxy().start()
    yield p
    p.stop()


@pytest.fixture
def refusing_proxy():
    p = Tinyproxy(refuse=True).start()
    yield p
    p.stop()


@pytest.fixture
def tls_servers(https_workos):
    s = Servers(https_workos)
    yield s
    problems = s.finish()
    assert not problems, "\n".join(problems)


def test_every_call_goes_through_the_proxy_and_trusts_the_bundle(
        tls_servers, https_workos, proxy, pki):
    workos = https_workos
    keys = FakeKeys(workos)
    value = tls_servers.remember_secret(keys.add(
        "api_key_01PROXY", {"type": "organization", "id": "org_01ACME"},
        ["posts:read"]))
    h = tls_servers.start(mpm="event", one_process=False, locations=LOCS,
                          server_extra=f"WorkOSOutgoingProxy {proxy.url}\n"
                          f"WorkOSCABundle {pki}\nWorkOSEventsPoll 1\n")
    # JWKS
    assert h.get("/api", headers=bearer(token(workos))).status_code == 200
    # API key validation
    assert h.get("/private/k/x", headers=key_header(value)).status_code \
        == 200
    # refresh (authenticate)
    _, cookie = session_cookie(workos, expired=True)
    r = h.get("/private", headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 200
    sealer.ISSUED.extend(c.split(";")[0].split("=", 1)[1]
                         for c in r.raw.headers.getlist("Set-Cookie"))
    # events
    wait_polls(workos, 1)
    workos.emit("session.revoked", {"id": "session_VIA_PROXY"})
    t = token(workos, sid="session_VIA_PROXY")
    wait_for(lambda: h.get("/api", headers=bearer(t)).status_code == 401,
             10, "revocation polled through the proxy")
    for path in (workos.jwks_path, "/api_keys/validations",
                 "/user_management/authenticate", "/events"):
        assert workos.count(path) >= 1, path
    # each of those calls was a tunnel through the proxy
    assert proxy.connects() >= 4


def test_without_the_bundle_the_test_ca_is_not_trusted(tls_servers,
                                                       https_workos, proxy):
    h = tls_servers.start(server_extra=f"WorkOSOutgoingProxy {proxy.url}\n")
    h.allowed_errors += [r"WOS00205", r"WOS00303"]
    r = h.get("/api", headers=bearer(token(https_workos)))
    assert r.status_code == 503
    assert https_workos.count(https_workos.jwks_path) == 0
    assert re.search(r"WOS00205.*(certificate|SSL)", h.log_text())


def test_a_proxy_that_refuses_connect_is_a_clear_503(
        tls_servers, https_workos, refusing_proxy, pki):
    h = tls_servers.start(server_extra=f"WorkOSOutgoingProxy "
                          f"{refusing_proxy.url}\nWorkOSCABundle {pki}\n")
    h.allowed_errors += [r"WOS00205", r"WOS00303"]
    started = time.monotonic()
    r = h.get("/api", headers=bearer(token(https_workos)))
    assert r.status_code == 503
    assert time.monotonic() - started < 2  # refused at once, no hang
    assert https_workos.count(https_workos.jwks_path) == 0
    assert re.search(r"WOS00205.*the proxy refused the tunnel \(HTTP 403 "
                     r"from http://127\.0\.0\.1", h.log_text())


PROXY_VARS = ("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
              "ALL_PROXY")


def test_no_proxy_unless_configured_even_with_proxy_variables(
        servers, workos, monkeypatch):
    dead = f"http://127.0.0.1:{free_port()}"

    class ProxyEnvHttpd(Httpd):
        """httpd starts with the variables; the test's own client then
        goes without them."""

        def _wait_ready(self, *args, **kw):
            for var in PROXY_VARS:
                monkeypatch.delenv(var)
            return super()._wait_ready(*args, **kw)

    h = ProxyEnvHttpd(workos)
    servers.started.append(h)
    for var in PROXY_VARS:
        monkeypatch.setenv(var, dead)
    h.start()
    assert h.get("/api", headers=bearer(token(workos))).status_code == 200
    assert workos.count(workos.jwks_path) == 1


@pytest.mark.parametrize("path", ["/nonexistent/ca.pem", "/etc",
                                  "/etc/passwd"])
def test_a_bad_ca_bundle_fails_configtest(workos, path):
    h = Httpd(workos, server_extra=f"WorkOSCABundle {path}\n")
    r = h.configtest()
    h.cleanup()
    assert r.returncode != 0
    assert "WorkOSCABundle" in r.stdout + r.stderr


def test_a_good_ca_bundle_passes_configtest(workos, pki):
    h = Httpd(workos, server_extra=f"WorkOSCABundle {pki}\n"
              "WorkOSOutgoingProxy http://127.0.0.1:3128\n")
    r = h.configtest()
    h.cleanup()
    assert r.returncode == 0, r.stdout + r.stderr
