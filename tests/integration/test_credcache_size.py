# SPDX-License-Identifier: Apache-2.0
"""WorkOSCredentialCacheSize (issue 25): each process's private cache of
verified credentials has a budget in bytes; beyond it the least recently
used go, and the shared tier (WorkOSCache) still serves them without a
new signature check."""
import pytest

from test_authn import bearer, cookie_header, session, token
from test_verify_once import SIZED_SHMCB, VERIFY_LOCATIONS, fetch, start, \
    status
import sealer
from harness import PASSWORD


def creds(workos, n, tag):
    return [bearer(token(workos, sid=f"session_{tag}{i:03d}"))
            for i in range(n)]


def test_a_small_budget_evicts_and_the_shared_tier_serves(servers, workos):
    """One process, 256 KiB: 4 KiB per stripe of sets, room for at most
    two of these identities in each of the 64 stripes, so of 200 tokens at
    least 72 are pushed out. Asked again, every one is served, the pushed
    out ones by the shared tier: no token is verified twice."""
    httpd = servers.start(mpm="event", one_process=True,
                          server_extra=SIZED_SHMCB
                          + "WorkOSCredentialCacheSize 256K\n",
                          locations=VERIFY_LOCATIONS)
    tokens = creds(workos, 200, "E")
    assert [fetch(httpd, "/static-secret.txt", h) for h in tokens] \
        == [200] * len(tokens)
    first = status(httpd)
    assert first["signature_verifications"] == len(tokens)
    assert [fetch(httpd, "/static-secret.txt", h) for h in tokens] \
        == [200] * len(tokens)
    s = status(httpd)
    assert s["signature_verifications"] == len(tokens), s
    misses = s["credential_cache_misses"] - first["credential_cache_misses"]
    shared = s["shared_credential_hits"] - first["shared_credential_hits"]
    hits = s["credential_cache_hits"] - first["credential_cache_hits"]
    assert misses >= 72, s          # evicted: the budget holds
    assert shared == misses, s      # ... and the shared tier served each
    assert hits > 0, s              # the budget keeps some


def test_the_default_budget_keeps_them(servers, workos):
    httpd = servers.start(mpm="event", one_process=True,
                          server_extra=SIZED_SHMCB,
                          locations=VERIFY_LOCATIONS)
    tokens = creds(workos, 200, "D")
    for _ in range(2):
        assert [fetch(httpd, "/static-secret.txt", h) for h in tokens] \
            == [200] * len(tokens)
    s = status(httpd)
    assert s["signature_verifications"] == len(tokens), s
    assert s["credential_cache_hits"] == len(tokens), s
    assert s["shared_credential_hits"] == 0, s


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_no_private_budget_still_verifies_once(servers, workos, mpm):
    """A budget smaller than any entry: nothing is kept privately, and
    every repeat is the shared tier's, in every process."""
    httpd = start(servers, mpm, extra=SIZED_SHMCB
                  + "WorkOSCredentialCacheSize 1K\n")
    headers = creds(workos, 10, "N")
    headers += [cookie_header(sealer.c_seal(PASSWORD, session(
        workos, token(workos, sid=f"session_M{i:03d}")))) for i in range(4)]
    for _ in range(3):
        assert [fetch(httpd, "/static-secret.txt", h) for h in headers] \
            == [200] * len(headers)
    s = status(httpd)
    assert s["signature_verifications"] == len(headers), s
    assert s["credential_cache_hits"] == 0, s
    assert s["shared_credential_hits"] == 2 * len(headers), s


@pytest.mark.parametrize("value", ["5G", "2048M", "-1", "12X", "K", ""])
def test_bad_sizes_are_refused(servers, workos, value):
    from harness import Httpd
    h = Httpd(workos, server_extra=f"WorkOSCredentialCacheSize \"{value}\"\n")
    try:
        r = h.configtest()
        assert r.returncode != 0
        assert "WorkOSCredentialCacheSize" in r.stdout + r.stderr
    finally:
        h.cleanup()


@pytest.mark.parametrize("value", ["0", "4M", "512k", "1048576"])
def test_good_sizes_are_taken(servers, workos, value):
    from harness import Httpd
    h = Httpd(workos, server_extra=f"WorkOSCredentialCacheSize {value}\n")
    try:
        r = h.configtest()
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        h.cleanup()
