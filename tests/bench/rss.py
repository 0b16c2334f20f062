#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Child RSS before and after 1,000,000 authenticated requests.

httpd (event MPM, 2 children) with mod_auth_workos; wrk sends bearer
tokens cycling through more distinct tokens than the credential cache has
slots, so entries are evicted and replaced all the time. Growth must stay
bounded by the cache size. Writes tests/bench/last-rss.md.
   make -f Makefile.apxs rss      (RSS_REQUESTS, RSS_TOKENS to tune)
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

REQUESTS = int(os.environ.get("RSS_REQUESTS", "1000000"))
TOKENS = int(os.environ.get("RSS_TOKENS", "6000"))

LUA = r"""
local tokens = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  i = math.random(#tokens)
end
request = function()
  i = i % #tokens + 1
  return wrk.format("GET", "/file.txt",
                    {["Authorization"] = "Bearer " .. tokens[i]})
end
"""


def children_rss(parent):
    out = subprocess.run(["ps", "--ppid", str(parent), "-o", "pid=,rss="],
                         capture_output=True, text=True).stdout
    return {int(p): int(r) for p, r in
            (line.split() for line in out.splitlines() if line.strip())}


def wrk(url, script, tokfile, seconds):
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", script,
                          url, "--", tokfile], capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{bad.group(1)} responses were not 200:\n{out}")
    return int(re.search(r"(\d+) requests in", out).group(1)), \
        float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main():
    bench.ensure_installed()
    jwks = bench.JwksServer().start()
    creds = bench.Credentials(f"http://127.0.0.1:{jwks.port}")
    jwks.jwks = creds.jwks
    work = tempfile.mkdtemp(prefix="wos-rss-")
    tokfile = os.path.join(work, "tokens.txt")
    script = os.path.join(work, "cycle.lua")
    with open(tokfile, "w") as f:
        for _ in range(TOKENS):
            f.write(creds.token() + "\n")
    with open(script, "w") as f:
        f.write(LUA)
    h = bench.Httpd("rss", "mod_auth_workos bearer",
                    [], bench.workos_server_conf(jwks.base, "rss"),
                    bench.workos_location(sources="bearer"), {})
    try:
        h.start()
        total, _ = wrk(h.url, script, tokfile, 5)      # warm every token
        before = children_rss(h.proc.pid)
        rates = []
        started = time.monotonic()
        while total < REQUESTS:
            n, rps = wrk(h.url, script, tokfile, 20)
            total += n
            rates.append(rps)
        after = children_rss(h.proc.pid)
        same = sorted(set(before) & set(after))
        lines = [
            f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
            f"{total:,} bearer requests over {time.monotonic() - started:.0f}"
            f" s ({min(rates):,.0f}-{max(rates):,.0f} req/s), cycling "
            f"{TOKENS:,} distinct tokens through a {4096:,}-slot "
            "credential cache per process; event MPM, 2 children.", "",
            "| child | RSS after warm-up | RSS after | growth |",
            "|---|---:|---:|---:|"]
        for pid in same:
            lines.append(f"| {pid} | {before[pid]:,} KiB | {after[pid]:,} KiB"
                         f" | {after[pid] - before[pid]:+,} KiB |")
        if not same:
            lines.append("| (children were replaced during the run) | | | |")
        text = "\n".join(lines) + "\n"
        print(text)
        with open(os.path.join(bench.BENCH, "last-rss.md"), "w") as f:
            f.write(text)
        errors = h.error_lines()
        if errors:
            raise RuntimeError("errors in the log:\n" + "\n".join(errors[:5]))
    finally:
        h.stop()
        h.cleanup()
        jwks.stop()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
