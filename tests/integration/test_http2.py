# SPDX-License-Identifier: Apache-2.0
"""HTTP/2 (h2c through mod_http2): many concurrent streams on one
connection, bearer and cookie credentials side by side, an expired
session refreshed among them (issue 13)."""
import json
import socket
import time

import h2.config
import h2.connection
import h2.events
import pytest

import sealer
import tokens
from harness import PASSWORD
from test_lifecycle import session_cookie

H2C = """
Protocols h2c http/1.1
H2Direct on
"""


def h2_get_all(port, requests_, timeout=60.0):
    """Sends every (path, headers) as its own stream on ONE connection,
    all before reading any answer, and returns [(status, headers, body)]
    in request order. Fails on a reset stream or a closed connection."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(
        client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    # room for every answer at once, so no stream waits on flow control
    conn.increment_flow_control_window(1 << 24)
    sock.sendall(conn.data_to_send())
    order, streams = [], {}
    for path, headers in requests_:
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, [(":method", "GET"), (":path", path),
                                (":scheme", "http"),
                                (":authority", f"127.0.0.1:{port}"),
                                *[(k.lower(), v) for k, v in headers.items()]],
                          end_stream=True)
        order.append(sid)
        streams[sid] = {"headers": [], "body": b"", "done": False}
    sock.sendall(conn.data_to_send())
    deadline = time.monotonic() + timeout
    try:
        while not all(s["done"] for s in streams.values()):
            assert time.monotonic() < deadline, "HTTP/2 answers timed out"
            data = sock.recv(65536)
            assert data, "server closed the HTTP/2 connection"
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.ResponseReceived):
                    streams[ev.stream_id]["headers"] += ev.headers
                elif isinstance(ev, h2.events.DataReceived):
                    streams[ev.stream_id]["body"] += ev.data
                    conn.acknowledge_received_data(
                        ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    streams[ev.stream_id]["done"] = True
                elif isinstance(ev, (h2.events.StreamReset,
                                     h2.events.ConnectionTerminated)):
                    raise AssertionError(f"HTTP/2 error: {ev}")
            out = conn.data_to_send()
            if out:
                sock.sendall(out)
    finally:
        sock.close()
    answers = []
    for sid in order:
        hdrs = streams[sid]["headers"]
        status = int(dict(hdrs)[":status"])
        answers.append((status, hdrs, streams[sid]["body"]))
    return answers


def set_cookie(headers, name="wos-session"):
    values = [v for k, v in headers if k == "set-cookie"
              and v.startswith(name + "=")]
    assert len(values) <= 1, values
    return values[0].split(";", 1)[0].split("=", 1)[1] if values else None


def bearer_token(workos, sub):
    claims = tokens.claims(workos.issuer, sub=sub, org_id="org_01ACME")
    return tokens.mint(workos.keys[0], claims)


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_many_streams_bearer_cookie_and_one_refresh(servers, workos, mpm):
    httpd = servers.start(mpm=mpm, one_process=False, modules=("http2",),
                          server_extra=H2C)
    # Stopping the server, a prefork child that served h2 streams to a
    # CGI sometimes dies of SIGSEGV inside mod_http2's pool cleanup
    # (prefork's clean_child_exit from its signal handler): Apache 2.4.71,
    # reproduced with a bare config without mod_auth_workos loaded. Under
    # event, it is the open exit case of test_lifecycle. Every answer is
    # checked below, so a crash while serving still fails the test.
    httpd.allowed_errors.append(r"AH00052: .* exit signal Segmentation")
    users = [f"user_01H2BEARER{i:02d}" for i in range(8)]
    bearers = [bearer_token(workos, u) for u in users]
    _, good_cookie = session_cookie(workos)
    old_answer, expired_cookie = session_cookie(workos, expired=True)
    workos.auth_mode = "slow"   # the refresh stays in flight a while
    workos.delay = 0.5

    plan = []  # (path, headers, kind, expected user)
    for i in range(3):
        for u, t in zip(users, bearers):
            plan.append(("/api", {"authorization": f"Bearer {t}"},
                         "bearer", u))
        for _ in range(4):
            plan.append(("/private", {"cookie": f"wos-session={good_cookie}"},
                         "cookie", "user_01ALICE"))
        for _ in range(4):
            plan.append(("/private",
                         {"cookie": f"wos-session={expired_cookie}"},
                         "refresh", "user_01ALICE"))
    plan.append(("/api", {"authorization": "Bearer not.a.token"}, "bad",
                 None))
    plan.append(("/api", {}, "none", None))

    answers = h2_get_all(httpd.port, [(p, h) for p, h, _, _ in plan])

    refreshed = set()
    for (path, _, kind, user), (status, headers, body) in zip(plan, answers):
        if kind in ("bad", "none"):
            assert status == 401, (kind, status, body)
            continue
        assert status == 200, (kind, status, body[:300])
        env = json.loads(body)
        assert env["REMOTE_USER"] == user, (kind, env)
        assert env["WORKOS_ORG_ID"] == "org_01ACME", (kind, env)
        new = set_cookie(headers)
        if kind == "refresh":
            assert new and new != expired_cookie, kind
            refreshed.add(new)
        else:
            assert new is None, (kind, new)
    # one refresh at WorkOS for the twelve streams that needed it, and
    # every one of them got the same new session
    assert workos.count("/user_management/authenticate") == 1
    assert len(refreshed) == 1
    new = refreshed.pop()
    sealer.ISSUED.append(new)
    data = sealer.node_unseal("iron-session", PASSWORD, new)
    assert data["refreshToken"] != old_answer["refresh_token"]
    assert data["user"]["id"] == "user_01ALICE"
    # and the new cookie works on its own, over HTTP/2 as well
    [(status, headers, body)] = h2_get_all(
        httpd.port, [("/private", {"cookie": f"wos-session={new}"})])
    assert status == 200 and json.loads(body)["REMOTE_USER"] == "user_01ALICE"
    assert set_cookie(headers) is None
    assert workos.count("/user_management/authenticate") == 1
