#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Reproduces httpd's own event-MPM stop race, with no module loaded.

    tests/soak/event_stop_race.py [CYCLES] [term|graceful]

Each cycle starts a plain event-MPM httpd (static files, keep-alive, no
mod_auth_workos), keeps it busy with clients holding keep-alive
connections, stops it (SIGTERM, or SIGWINCH = `apachectl graceful-stop`)
in the middle of that traffic, and counts the children that died of a
signal (AH00051/AH00052 in the error log). On SIGTERM the child's main
thread runs close_worker_sockets() without a lock while a worker thread
destroys the pool of the connection it is closing; the main thread then
reads freed memory. Prints one line: cycles, stops, crashed cycles,
crash lines.
"""
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
MODDIR = "/usr/lib/apache2/modules"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(d, port):
    return f"""ServerRoot {d}
DefaultRuntimeDir {d}
PidFile {d}/httpd.pid
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
User www-data
Group www-data
LoadModule mpm_event_module {MODDIR}/mod_mpm_event.so
LoadModule authz_core_module {MODDIR}/mod_authz_core.so
LoadModule mime_module {MODDIR}/mod_mime.so
StartServers 2
ServerLimit 4
ThreadsPerChild 32
MaxRequestWorkers 64
ErrorLog {d}/error.log
LogLevel notice
DocumentRoot {d}
TypesConfig /etc/mime.types
<Directory {d}>
    Require all granted
</Directory>
"""


def load(port, stop):
    """One client: keep-alive requests on one connection, reconnecting
    whenever httpd closes it."""
    req = (b"GET /f.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), 1) as s:
                s.settimeout(1)
                while not stop.is_set():
                    s.sendall(req)
                    if not s.recv(4096):
                        break
        except OSError:
            time.sleep(0.01)  # httpd is starting or stopping


def cycle(mode):
    d = pathlib.Path(tempfile.mkdtemp(prefix="wos-race-"))
    d.chmod(0o755)
    (d / "f.txt").write_text("x" * 100)
    port = free_port()
    (d / "httpd.conf").write_text(config(d, port))
    proc = subprocess.Popen([APACHE, "-f", str(d / "httpd.conf"),
                             "-DFOREGROUND"], start_new_session=True)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("httpd did not start")
            time.sleep(0.02)  # polling for the port
    stop = threading.Event()
    threads = [threading.Thread(target=load, args=(port, stop))
               for _ in range(16)]
    for t in threads:
        t.start()
    time.sleep(0.3)   # let traffic build up: this is load, not a sync
    proc.send_signal(signal.SIGTERM if mode == "term" else signal.SIGWINCH)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    stop.set()
    for t in threads:
        t.join()
    log = (d / "error.log").read_text(errors="replace")
    shutil.rmtree(d, ignore_errors=True)
    return [line for line in log.splitlines()
            if "AH00051" in line or "AH00052" in line]


def main():
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 120
    mode = sys.argv[2] if len(sys.argv) > 2 else "term"
    crashed = 0
    lines = 0
    for _ in range(cycles):
        found = cycle(mode)
        crashed += bool(found)
        lines += len(found)
        for line in found:
            print(line)
    print(f"event stop race ({mode}, no module): {cycles} stops, "
          f"{crashed} with a child killed by a signal, {lines} crash lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
