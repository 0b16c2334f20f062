# SPDX-License-Identifier: Apache-2.0
"""Bad configuration fails `apache2 -t` with a message naming the directive."""
import pytest

from harness import Httpd


def configtest(workos, server_extra="", locations=""):
    h = Httpd(workos, server_extra=server_extra, locations=locations)
    try:
        return h.configtest()
    finally:
        h.cleanup()


def test_good_config_passes(workos):
    r = configtest(workos)
    assert r.returncode == 0, r.stderr
    assert "Syntax OK" in r.stderr


@pytest.mark.parametrize("extra,names", [
    ("WorkOSCookiePassword short-password", "WorkOSCookiePassword"),
    ("WorkOSCache nosuchprovider", "WorkOSCache"),
    ("WorkOSCache nosuchprovider:/tmp/x", "nosuchprovider"),
    ("WorkOSJWKSCacheTTL soon", "WorkOSJWKSCacheTTL"),
    ("WorkOSClockSkew -5", "WorkOSClockSkew"),
    ("WorkOSAPIBaseURL ftp://example.com", "WorkOSAPIBaseURL"),
    ("WorkOSCookieSameSite Sometimes", "WorkOSCookieSameSite"),
    ("WorkOSCookiePassword " + "p" * 40 + " bad-id!", "password id"),
])
def test_bad_server_directive_fails(workos, extra, names):
    r = configtest(workos, server_extra=extra)
    assert r.returncode != 0
    assert names in r.stderr, r.stderr


def test_short_password_is_not_echoed(workos):
    r = configtest(workos, server_extra="WorkOSCookiePassword hunter2secret")
    assert r.returncode != 0
    assert "hunter2secret" not in r.stderr + r.stdout


@pytest.mark.parametrize("line,names", [
    ("WorkOSUnauthAction redirect", "WorkOSUnauthAction"),
    ("WorkOSTokenSource carrier-pigeon", "WorkOSTokenSource"),
    ("Require workos-role", "workos"),
    ('Require workos-permission "unterminated', "workos"),
])
def test_bad_location_directive_fails(workos, line, names):
    loc = f"<Location /x>\n AuthType WorkOS\n {line}\n</Location>\n"
    r = configtest(workos, locations=loc)
    assert r.returncode != 0
    assert names in r.stderr, r.stderr


def test_missing_client_id_fails(workos):
    h = Httpd(workos)
    h.write()
    conf = h.dir / "httpd.conf"
    text = conf.read_text()
    conf.write_text("\n".join(l for l in text.splitlines()
                              if not l.startswith("WorkOSClientID")))
    import subprocess
    from harness import APACHE
    r = subprocess.run([APACHE, "-t", "-f", str(conf)], capture_output=True,
                       text=True, timeout=30)
    h.cleanup()
    assert r.returncode != 0
    assert "WorkOSClientID" in r.stderr, r.stderr


# The shipped conf/example-*.conf files are run (configtest and a sign-in)
# by test_docs.py.
