# SPDX-License-Identifier: Apache-2.0
"""Real cache servers for the fleet tests: redis-server and memcached from
Debian, on 127.0.0.1, started and stopped by the tests."""
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import free_port


def _wait_port(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)  # polling for the port, not synchronising
    raise RuntimeError(f"{proc.args[0]} did not listen on {port}")


class CacheServer:
    """kind is "redis" or "memcache"; spec() is the WorkOSCache value."""

    def __init__(self, kind):
        self.kind = kind
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix=f"wos-{kind}-")
        self.proc = None

    def argv(self):
        if self.kind == "redis":
            return ["redis-server", "--port", str(self.port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", self.dir, "--protected-mode", "yes"]
        return ["memcached", "-l", "127.0.0.1", "-p", str(self.port),
                "-U", "0", "-u", "nobody", "-m", "16"]

    def start(self):
        self.proc = subprocess.Popen(self.argv(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        _wait_port(self.port, self.proc)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def spec(self):
        return f"{self.kind}:127.0.0.1:{self.port}"

    def server_extra(self):
        return f"WorkOSCache {self.spec()}\n"

    @property
    def module(self):
        return "socache_redis" if self.kind == "redis" else "socache_memcache"


def _resp_read(f):
    line = f.readline()
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest
    if kind == b"-":
        raise RuntimeError(rest.decode(errors="replace"))
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2]
    if kind == b"*":
        return [_resp_read(f) for _ in range(int(rest))]
    raise RuntimeError(f"unexpected redis reply {line!r}")


def redis_command(port, *args):
    """One command to the redis server on 127.0.0.1:port, as a test writer
    to the cache would send it (binary-safe); its reply."""
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    msg = b"*%d\r\n" % len(parts) + b"".join(
        b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(msg)
        with s.makefile("rb") as f:
            return _resp_read(f)
