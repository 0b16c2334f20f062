# SPDX-License-Identifier: Apache-2.0
"""`Require workos-access` where no WorkOSAPIKey is configured fails
configtest naming the line (issue 23): WorkOS's Authorization API needs the
key, so every check would be refused and the location would answer 503 for
ever. A line in a <VirtualHost> needs that host's key (its own or the main
server's); a line outside any <VirtualHost> fails only when no server has
one."""
import re
import subprocess

from harness import API_KEY, APACHE, Httpd, free_port

ACCESS = """
<Location /projects>
    AuthType WorkOS
    <RequireAny>
        Require workos-access project:view project web
    </RequireAny>
</Location>
"""


def configtest(workos, locations="", server_extra="", key=True):
    h = Httpd(workos, server_extra=server_extra, locations=locations)
    try:
        h.write()
        conf = h.dir / "httpd.conf"
        text = conf.read_text()
        if not key:
            assert f"WorkOSAPIKey {API_KEY}\n" in text
            # the main server's (a vhost's own, later, stays)
            text = text.replace(f"WorkOSAPIKey {API_KEY}\n", "", 1)
            conf.write_text(text)
        r = subprocess.run([APACHE, "-t", "-f", str(conf)],
                           capture_output=True, text=True, timeout=30)
        return r, conf, text
    finally:
        h.cleanup()


def line_of(text, needle, after=0):
    lines = text.splitlines()
    for i in range(after, len(lines)):
        if needle in lines[i]:
            return i + 1
    raise AssertionError(needle)


def test_access_without_an_api_key_fails_naming_the_line(workos):
    r, conf, text = configtest(workos, locations=ACCESS, key=False)
    assert r.returncode != 0, r.stderr
    found = re.findall(r"WOS05700[^\n]*", r.stderr)
    assert len(found) == 1, r.stderr
    n = line_of(text, "Require workos-access")
    assert f"at {conf}:{n}" in found[0], found[0]
    assert '"Require workos-access project:view project web"' in found[0]
    assert "<Location /projects>" in found[0]
    assert "WorkOSAPIKey" in found[0]
    assert API_KEY not in r.stderr


def test_with_the_key_or_without_access_lines_it_passes(workos):
    r, _, _ = configtest(workos, locations=ACCESS)
    assert r.returncode == 0, r.stderr
    assert "WOS05700" not in r.stderr
    # other Require lines need no key (they read the token)
    r, _, _ = configtest(workos, key=False, locations=ACCESS.replace(
        "workos-access project:view project web", "workos-role admin"))
    assert r.returncode == 0, r.stderr
    assert "WOS05700" not in r.stderr


def vhost(port, body):
    return (f"Listen 127.0.0.1:{port}\n<VirtualHost 127.0.0.1:{port}>\n"
            f"ServerName 127.0.0.1\n{body}\n</VirtualHost>\n")


def test_a_virtual_host_needs_its_own_key(workos):
    port = free_port()
    inside = vhost(port, ACCESS)
    # no key anywhere: the line in the vhost is named
    r, conf, text = configtest(workos, server_extra=inside, key=False)
    assert r.returncode != 0, r.stderr
    found = re.findall(r"WOS05700[^\n]*", r.stderr)
    assert len(found) == 1, r.stderr
    n = line_of(text, "Require workos-access",
                line_of(text, "<VirtualHost") - 1)
    assert f"at {conf}:{n}" in found[0], found[0]
    assert "this <VirtualHost>" in found[0]
    # the main server's key is inherited
    r, _, _ = configtest(workos, server_extra=inside)
    assert r.returncode == 0, r.stderr
    # the vhost's own key is enough for its lines
    own = vhost(port, f"WorkOSAPIKey {API_KEY}\n" + ACCESS)
    r, _, _ = configtest(workos, server_extra=own, key=False)
    assert r.returncode == 0, r.stderr
    assert "WOS05700" not in r.stderr


def test_a_line_for_every_server_needs_a_key_somewhere(workos):
    port = free_port()
    # outside any vhost, with a vhost that has a key: that host can check
    r, _, _ = configtest(workos, locations=ACCESS, key=False,
                         server_extra=vhost(port,
                                            f"WorkOSAPIKey {API_KEY}\n"))
    assert r.returncode == 0, r.stderr
    # "Require not workos-access" asks WorkOS too
    r, _, _ = configtest(workos, key=False, locations=ACCESS.replace(
        "Require workos-access", "Require valid-user\n"
        "        Require not workos-access").replace("RequireAny",
                                                   "RequireAll"))
    assert r.returncode != 0, r.stderr
    assert '"Require not workos-access project:view project web"' \
        in r.stderr, r.stderr
