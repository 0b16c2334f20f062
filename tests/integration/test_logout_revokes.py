# SPDX-License-Identifier: Apache-2.0
"""/logout records the session's revocation, as a session.revoked event
would: a copy of the cookie saved before signing out is refused by every
process and every host sharing the cache (issue 22 item 12)."""
import time

import pytest

from services import CacheServer
from test_lifecycle import session_cookie


def private(h, cookie):
    return h.get("/private", headers={"Cookie": f"wos-session={cookie}"})


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_saved_cookie_is_refused_after_logout(servers, workos, mpm):
    h = servers.start(mpm=mpm, one_process=False)
    _, cookie = session_cookie(workos)
    # the cookie works in several processes before signing out
    assert [private(h, cookie).status_code for _ in range(6)] == [200] * 6
    r = h.get("/logout", headers={"Cookie": f"wos-session={cookie}"})
    assert r.status_code == 302
    assert "/user_management/sessions/logout" in r.headers["Location"]
    # the saved copy: refused at once, whichever process answers
    assert [private(h, cookie).status_code for _ in range(6)] == [401] * 6
    assert "recorded revocation sid:" in h.log_text()


def test_logout_of_an_expired_session_revokes_it(servers, workos):
    h = servers.start()
    _, cookie = session_cookie(workos, expired=True)
    assert h.get("/logout", headers={"Cookie": f"wos-session={cookie}"}
                 ).status_code == 302
    # the saved copy is not refreshed into a new session
    assert private(h, cookie).status_code == 401
    assert workos.count("/user_management/authenticate") == 0


def test_forged_or_absent_session_revokes_nothing(servers, workos):
    h = servers.start()
    assert h.get("/logout").status_code == 302
    assert h.get("/logout", headers={
        "Cookie": "wos-session=Fe26.2*1*x*y*z**a*b~2"}).status_code == 302
    assert "recorded revocation" not in h.log_text()


@pytest.fixture(params=["redis", "memcache"])
def cache_server(request):
    server = CacheServer(request.param).start()
    yield server
    server.cleanup()


def test_saved_cookie_is_refused_on_the_other_host(servers, workos,
                                                   cache_server):
    a, b = [servers.start(server_extra=cache_server.server_extra(),
                          modules=[cache_server.module]) for _ in range(2)]
    _, cookie = session_cookie(workos)
    assert private(a, cookie).status_code == 200
    assert a.get("/logout", headers={"Cookie": f"wos-session={cookie}"}
                 ).status_code == 302
    # host b never saw this session: its first answer is the refusal
    assert private(b, cookie).status_code == 401
    assert private(a, cookie).status_code == 401


def test_other_host_that_served_the_session_refuses_it_within_its_poll(
        servers, workos, cache_server):
    """A host that already answered for the session re-reads the shared
    revocations at most a second later (REVOKE_POLL_USEC), as for a
    session.revoked event."""
    a, b = [servers.start(server_extra=cache_server.server_extra(),
                          modules=[cache_server.module]) for _ in range(2)]
    _, cookie = session_cookie(workos)
    assert private(b, cookie).status_code == 200
    assert a.get("/logout", headers={"Cookie": f"wos-session={cookie}"}
                 ).status_code == 302
    started = time.monotonic()
    while private(b, cookie).status_code != 401:
        assert time.monotonic() - started < 2, "b still accepts it after 2 s"
