# SPDX-License-Identifier: Apache-2.0
import concurrent.futures
import sys
import pathlib

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from fake_workos import FakeWorkOS  # noqa: E402
from harness import CLIENT_ID, Httpd  # noqa: E402
import sealer  # noqa: E402
import tokens  # noqa: E402
from tokens import SigningKey  # noqa: E402

# One RSA key pair per run: generating them is the slow part.
_KEYS = {}


def signing_key(kid):
    if kid not in _KEYS:
        _KEYS[kid] = SigningKey(kid)
    return _KEYS[kid]


@pytest.fixture
def workos():
    fake = FakeWorkOS(CLIENT_ID)
    fake.keys = [signing_key("key_1")]
    fake.start()
    yield fake
    fake.stop()


class Servers:
    """Starts httpd instances for one test and checks their logs at the
    end: no unexpected error line, no secret."""

    def __init__(self, workos):
        self.workos = workos
        self.started = []
        self.secrets = []

    def start(self, **kw):
        h = Httpd(self.workos, **kw)
        self.started.append(h)
        return h.start()

    def remember_secret(self, value):
        self.secrets.append(value)
        return value

    def finish(self):
        problems = []
        # A log line may carry at most a prefix of these: check the
        # distinctive part (the signature, the MAC) of each.
        issued = [t.split(".")[i] for t in tokens.ISSUED for i in (1, 2)]
        issued += [c.split("*")[i] for c in sealer.ISSUED for i in (4, 7)
                   if c.count("*") == 7]
        self.secrets += [s for s in issued if len(s) >= 16]
        # Stopped together: a graceful stop waits for httpd's once-a-second
        # maintenance to see its children gone, and a fleet test's hosts
        # need not wait for each other.
        if len(self.started) > 1:
            with concurrent.futures.ThreadPoolExecutor(
                    len(self.started)) as pool:
                for f in [pool.submit(h.stop) for h in self.started]:
                    f.result()
        for h in self.started:
            h.stop()   # a no-op for a server stopped above
            problems += [f"unexpected log line: {l}"
                         for l in h.unexpected_log_lines()]
            problems += [f"secret in log: {s}"
                         for s in h.leaked_secrets(self.secrets)]
        for h in self.started:
            if not problems:
                h.cleanup()
        return problems


@pytest.fixture
def servers(workos):
    s = Servers(workos)
    yield s
    problems = s.finish()
    assert not problems, "\n".join(problems)


@pytest.fixture
def httpd(servers):
    return servers.start()
