# SPDX-License-Identifier: Apache-2.0
"""The hot path (issue 5): once the keys are cached, a repeated credential
costs no WorkOS call and no cache write; the only cache read left is the
revocation generation, once per process per second."""
import re
import time

import pytest
import requests

import sealer
from harness import PASSWORD
from test_authn import bearer, cookie_header, session, token

REQUESTS = 200


def cache_ops(text):
    """(operation, kind of key) for each cache trace line (WOS00109)."""
    return re.findall(r"WOS00109: cache (get|put|del) (\S+) in ", text)


def credential(workos, kind):
    t = token(workos)
    if kind == "bearer":
        return "/api", bearer(t)
    sealed = sealer.node_seal("iron-session", PASSWORD, session(workos, t))
    return "/private", cookie_header(sealed)


@pytest.mark.parametrize("kind", ["bearer", "cookie"])
def test_repeated_credential_no_workos_call_no_cache_write(httpd, workos,
                                                            kind):
    path, headers = credential(workos, kind)
    assert httpd.get(path, headers=headers).status_code == 200
    first = cache_ops(httpd.log_text())
    # the first request fetched the keys and shared them: traced
    assert ("put", "wos:jwks") in first, first
    calls = sum(workos.calls.values())
    mark = len(httpd.log_text())
    started = time.monotonic()
    with requests.Session() as s:
        for _ in range(REQUESTS):
            r = s.get(httpd.base + path, headers=headers, timeout=20)
            assert r.status_code == 200
    elapsed = time.monotonic() - started
    ops = cache_ops(httpd.log_text()[mark:])
    assert sum(workos.calls.values()) == calls
    assert [op for op in ops if op != ("get", "wos:rev:gen")] == []
    # one process (-X): one generation read per started second at most
    assert len(ops) <= int(elapsed) + 1, (len(ops), elapsed)
