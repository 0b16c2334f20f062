# SPDX-License-Identifier: Apache-2.0
"""make install / uninstall into a staging DESTDIR (issue 17): what goes
where, an admin's auth_workos.conf is never overwritten nor removed."""
import subprocess

import pytest

from harness import ROOT

LIBEXEC = subprocess.run(["apxs", "-q", "LIBEXECDIR"], capture_output=True,
                         text=True, check=True).stdout.strip()


def make(target, destdir):
    r = subprocess.run(["make", "-s", "-f", "Makefile.apxs", target,
                        f"DESTDIR={destdir}"], cwd=ROOT, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.fixture
def dest(tmp_path):
    return tmp_path / "root"


def files(dest):
    return sorted(str(p.relative_to(dest)) for p in dest.rglob("*")
                  if p.is_file() or p.is_symlink())


def test_install_puts_module_and_a2enmod_files(dest):
    out = make("install", dest)
    mods = "etc/apache2/mods-available"
    assert files(dest) == sorted([
        LIBEXEC.lstrip("/") + "/mod_auth_workos.so",
        f"{mods}/auth_workos.conf", f"{mods}/auth_workos.load"])
    assert (dest / mods / "auth_workos.conf").read_bytes() == \
        (ROOT / "conf" / "auth_workos.conf").read_bytes()
    assert "a2enmod auth_workos" in out
    make("uninstall", dest)
    assert files(dest) == []


def test_reinstall_keeps_the_admins_conf(dest):
    make("install", dest)
    conf = dest / "etc/apache2/mods-available/auth_workos.conf"
    conf.write_text(conf.read_text() + "\nWorkOSClientID client_MINE\n")
    edited = conf.read_text()
    out = make("install", dest)
    assert conf.read_text() == edited
    dist = conf.with_name("auth_workos.conf.dist")
    assert dist.read_bytes() == (ROOT / "conf/auth_workos.conf").read_bytes()
    assert "kept your" in out and "auth_workos.conf.dist" in out
    # a2enmod's links
    on = dest / "etc/apache2/mods-enabled"
    on.mkdir()
    (on / "auth_workos.load").symlink_to("../mods-available/auth_workos.load")
    (on / "auth_workos.conf").symlink_to("../mods-available/auth_workos.conf")
    out = make("uninstall", dest)
    assert files(dest) == ["etc/apache2/mods-available/auth_workos.conf"]
    assert conf.read_text() == edited
    assert "kept" in out and "disabled auth_workos" in out


def test_uninstall_refuses_while_an_enabled_site_uses_workos(dest):
    """Issue 24: after make uninstall "reload Apache" failed while a site
    still used WorkOS directives; it now names them and refuses."""
    make("install", dest)
    sites = dest / "etc/apache2/sites-available"
    sites.mkdir(parents=True)
    on = dest / "etc/apache2/sites-enabled"
    on.mkdir()
    (sites / "app.conf").write_text(
        "<VirtualHost *:443>\n    ServerName app.example.com\n"
        "    <Location /app>\n        authtype WorkOS\n"
        "    </Location>\n</VirtualHost>\n")
    (sites / "old.conf").write_text("# WorkOSClientID client_01OLD\n")
    (on / "app.conf").symlink_to("../sites-available/app.conf")
    (on / "old.conf").symlink_to("../sites-available/old.conf")
    confs = dest / "etc/apache2/conf-enabled"
    confs.mkdir()
    (confs / "workos.conf").write_text("WorkOSCache shmcb\n")
    r = subprocess.run(["make", "-s", "-f", "Makefile.apxs", "uninstall",
                        f"DESTDIR={dest}"], cwd=ROOT, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode != 0
    assert "sites-enabled/app.conf" in r.stdout, r.stdout
    assert "conf-enabled/workos.conf" in r.stdout
    assert "old.conf" not in r.stdout  # a comment is not a use
    assert "FORCE=1" in r.stdout
    assert (dest / LIBEXEC.lstrip("/") / "mod_auth_workos.so").exists()
    r = subprocess.run(["make", "-s", "-f", "Makefile.apxs", "uninstall",
                        f"DESTDIR={dest}", "FORCE=1"], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "uninstalling anyway" in r.stdout
    assert not (dest / LIBEXEC.lstrip("/") / "mod_auth_workos.so").exists()
