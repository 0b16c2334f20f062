# SPDX-License-Identifier: Apache-2.0
"""apachectl graceful under load: no request lost, keys not refetched."""
import concurrent.futures
import os
import signal
import threading
import time

from harness import LOCATIONS
from test_authn import bearer, token

# A static file: the CGI backend (mod_cgid) restarts with httpd and answers
# 503 meanwhile, which would measure it rather than the module.
STATIC = LOCATIONS + """
<Location /static-secret.txt>
    AuthType WorkOS
    WorkOSTokenSource bearer
    Require valid-user
</Location>
"""


def generations(httpd):
    return httpd.log_text().count("resuming normal operations")


def test_graceful_restart_loses_nothing_and_keeps_keys(servers, workos):
    httpd = servers.start(mpm="event", one_process=False, locations=STATIC)
    httpd.allowed_errors.append("AH00493")  # SIGUSR1 received
    t = token(workos)
    assert httpd.get("/static-secret.txt", headers=bearer(t)).status_code == 200
    assert workos.count(workos.jwks_path) == 1
    stop = threading.Event()
    codes = []

    def load():
        while not stop.is_set():
            # fresh tokens: each is verified, so keys are needed each time
            codes.append(httpd.get("/static-secret.txt", headers=bearer(
                token(workos))).status_code)

    before = generations(httpd)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(4):
            pool.submit(load)
        try:
            os.kill(httpd.proc.pid, signal.SIGUSR1)   # apachectl graceful
            deadline = time.monotonic() + 20
            while generations(httpd) == before:
                assert time.monotonic() < deadline, "no new generation"
                time.sleep(0.05)  # polling the log for the new generation
            # keep the load on the new generation for a moment
            served = len(codes)
            while len(codes) < served + 200:
                assert time.monotonic() < deadline
                time.sleep(0.01)  # polling the load threads' progress
        finally:
            stop.set()   # or the load threads would outlive a failure
    assert codes and set(codes) == {200}, set(codes)
    assert workos.count(workos.jwks_path) == 1
    print(f"{len(codes)} requests across the graceful restart, all 200")
