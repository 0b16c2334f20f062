#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark at scale: many distinct tokens, many processes, HTTP/2.

    make -f Makefile.apxs bench-scale

HTTP/1.1 workloads (wrk, keep-alive, 100-byte file): each request carries
one of N distinct RS256 bearer tokens picked at random (a Lua script holds
the N headers; every configuration, the no-auth baseline included, gets the
same random headers), N = 100 and 3,000, under

    event     4 processes × 25 threads
    prefork   32 children

against no auth, mod_auth_workos, mod_auth_openidc (AuthType oauth20) and
mod_oauth2 (jwks_uri), configured as in bench.py. HTTP/2 workload: h2c
through mod_http2 (`Protocols h2c http/1.1`, event 4 × 25), h2load with
many concurrent streams per connection, one bearer token (h2load sends the
same headers on every stream), for no auth and the module.

Each workload is run BENCH_RUNS (3) times, every run on freshly started
servers. In a run, the first round is the warm-up (every token new to
every process, as 3,000 tokens arriving at once at 9 am), reported on its
own; then rounds alternate between the configurations, so every ratio
comes from one run under the same conditions. A run's ratio is the median
of its rounds' req/s over the no-auth baseline's; the tables give the
median of the runs' ratios and their spread (lowest–highest), and p99
latency per configuration (wrk's --latency; h2load's per-request log)
next to req/s, with its ratio to no auth's in the same run. After each workload the module's workos-status
JSON is read: the signature-verification counter (by name, when this build
has one) divided by the distinct tokens shows how often each token was
verified on this host. Tables go to stdout and tests/bench/last-scale.md.

Before the timed rounds every configuration gets the same warm-up: 1 s per
300 distinct tokens (10 s with 3,000; see warmup_seconds).

Environment: BENCH_RUNS (3), BENCH_ROUNDS (6), BENCH_SECONDS (5),
BENCH_CRED_CACHE (WorkOSCredentialCacheSize, e.g. 1M; unset: the
default), BENCH_CONNECTIONS (32),
BENCH_WARMUP (seconds, instead of 1 s per 300 tokens),
BENCH_THREADS (2), BENCH_SCALE_ONLY (workload keys, comma-separated:
event-100 event-3000 prefork-100 prefork-3000 h2), BENCH_H2_CLIENTS (8),
BENCH_H2_STREAMS (64), BENCH_WORKOS_CACHE (the module's shmcb size in
bytes, 16777216), WOS_MODULE (another build). Installs what it needs
from Debian when missing (wrk, nghttp2-client, the peers).
"""
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.dont_write_bytecode = True
import bench as B  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
CRED_CACHE = os.environ.get("BENCH_CRED_CACHE", "")
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
H2_CLIENTS = int(os.environ.get("BENCH_H2_CLIENTS", "8"))
H2_STREAMS = int(os.environ.get("BENCH_H2_STREAMS", "64"))
# WorkOSCache shmcb size: the rule of thumb in docs/operations.md for 3,000 live tokens
# (2 × tokens × (identity + 200 bytes)) with room to spare.
WORKOS_CACHE_BYTES = int(os.environ.get("BENCH_WORKOS_CACHE", "16777216"))

EVENT_4x25 = """
StartServers 4
ServerLimit 4
ThreadsPerChild 25
MaxRequestWorkers 100
MinSpareThreads 25
MaxSpareThreads 100
ListenCoresBucketsRatio 1
"""

PREFORK_32 = """
StartServers 32
ServerLimit 32
MaxRequestWorkers 32
MinSpareServers 32
MaxSpareServers 32
MaxConnectionsPerChild 0
"""

H2_CONF = f"""
LoadModule http2_module {B.MODDIR}/mod_http2.so
Protocols h2c http/1.1
H2Direct on
H2MaxSessionStreams {max(100, H2_STREAMS)}
"""

WORKLOADS = [
    # key, title, mpm, tuning, distinct tokens
    ("event-100", "event, 4 × 25 threads, 100 tokens", "event", EVENT_4x25,
     100),
    ("event-3000", "event, 4 × 25 threads, 3,000 tokens", "event",
     EVENT_4x25, 3000),
    ("prefork-100", "prefork, 32 children, 100 tokens", "prefork",
     PREFORK_32, 100),
    ("prefork-3000", "prefork, 32 children, 3,000 tokens", "prefork",
     PREFORK_32, 3000),
]

STATUS_LOCATION = """
<Location /workos-status>
    SetHandler workos-status
    Require all granted
</Location>
"""

# The Lua script wrk runs: every request is one of the N prepared
# requests, picked at random (each thread seeded apart).
LUA = """
local reqs, n, seq = {}, 0, 0
function setup(thread)
  seq = seq + 1
  thread:set("seed", seq)
end
function init(args)
  for line in io.lines(args[1]) do
    n = n + 1
    reqs[n] = wrk.format(nil, nil, {["Authorization"] = line})
  end
  math.randomseed(os.time() * 1000 + seed)
end
function request()
  return reqs[math.random(n)]
end
"""


def say(*a):
    print(*a, flush=True)


def servers_for(jwks_base, tag, mpm, tuning, token, cert_file, extra=""):
    """no auth, mod_auth_workos, mod_auth_openidc, mod_oauth2 (HTTP/1.1)
    or no auth and mod_auth_workos (HTTP/2), all with the given MPM."""
    out = []
    for h in B.configurations(jwks_base, token, "unused", cert_file):
        if h.key not in ("none", "workos-bearer", "openidc", "oauth2"):
            continue
        if extra and h.key not in ("none", "workos-bearer"):
            continue
        h.key = h.key.replace("-bearer", "")
        h.title = {"none": "no auth", "workos": "mod_auth_workos",
                   "openidc": "mod_auth_openidc",
                   "oauth2": "mod_oauth2"}[h.key]
        h.mpm, h.tuning = mpm, tuning
        h.ok_headers = {"Authorization": f"Bearer {token}"}
        h.server_conf += extra
        if h.key == "workos":
            # sized as docs/operations.md says for this many live tokens
            h.dir = pathlib.Path(tempfile.mkdtemp(prefix=f"wos-bench-{tag}-"))
            h.server_conf = (B.workos_server_conf(jwks_base, f"{tag}")
                             + f'WorkOSCache "shmcb:{h.dir}/cache/workos'
                             f'({WORKOS_CACHE_BYTES})"\n' + extra)
            if CRED_CACHE:
                h.server_conf += f"WorkOSCredentialCacheSize {CRED_CACHE}\n"
            h.location = h.location + STATUS_LOCATION
        if h.key == "oauth2":
            h.location = h.location.replace("/jwks/oauth2",
                                            f"/jwks/oauth2-{tag}")
        out.append(h)
    return out


def verifications(h):
    """The module's signature-verification count from workos-status, or
    None when this build has no such counter."""
    try:
        r = B.requests.get(h.base + "/workos-status?format=json",
                           timeout=20)
        stats = r.json()
    except (B.requests.RequestException, ValueError):
        return None
    for name in ("signature_verifications", "signatures_verified",
                 "jwt_verifications", "token_verifications"):
        if isinstance(stats.get(name), int):
            return name, stats[name]
    for name, v in stats.items():
        if "verif" in name and "fail" not in name and isinstance(v, int):
            return name, v
    return None


def private_kib(h):
    """Median private memory (Private_Clean + Private_Dirty, KiB) of the
    server's children, from /proc/PID/smaps_rollup; None if unreadable."""
    parent = h.proc.pid if h.proc else None
    sizes = []
    for d in pathlib.Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != parent:
                continue
            kib = 0
            for ln in (d / "smaps_rollup").read_text().splitlines():
                if ln.startswith(("Private_Clean:", "Private_Dirty:")):
                    kib += int(ln.split()[1])
            sizes.append(kib)
        except (OSError, ValueError, IndexError):
            continue
    return statistics.median(sizes) if sizes else None


def run_wrk_tokens(h, seconds, script, tokens_file):
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s",
            "--latency", "--timeout", "5s", "-s", script, h.url, "--",
            tokens_file]
    return wrk_result(h, args, seconds)


def wrk_result(h, args, seconds):
    B.WRK["proc"] = p = subprocess.Popen(args, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True)
    out, _ = p.communicate(timeout=seconds + 120)
    B.WRK["proc"] = None
    if p.returncode != 0:
        raise RuntimeError(f"{h.title}: wrk failed:\n{out}")
    rps = B.re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = B.re.search(r"(\d+) requests in", out)
    if not (rps and total):
        raise RuntimeError(f"{h.title}: cannot parse wrk output:\n{out}")
    p99 = B.re.search(r"^\s*99%\s+(\S+)\s*$", out, B.re.M)
    bad = B.re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{h.title}: {bad.group(1)} of {total.group(1)} "
                           f"responses were not 200 under load\n{out}\n"
                           f"{h.log_text()[-3000:]}")
    return {"rps": float(rps.group(1)), "requests": int(total.group(1)),
            "p99": B.to_us(p99.group(1)) if p99 else None}


def p99_of_log(path):
    """p99 of h2load's per-request log (third column: microseconds until
    the end of the response)."""
    times = []
    with open(path) as f:
        for ln in f:
            cols = ln.split("\t")
            if len(cols) >= 3 and cols[2].strip().isdigit():
                times.append(int(cols[2]))
    if not times:
        return None
    times.sort()
    return float(times[min(len(times) - 1, int(0.99 * len(times)))])


def run_h2load(h, seconds):
    log = tempfile.NamedTemporaryFile(prefix="wos-h2load-", delete=False)
    log.close()
    try:
        return run_h2load_logged(h, seconds, log.name)
    finally:
        os.unlink(log.name)


def run_h2load_logged(h, seconds, log):
    args = ["h2load", f"-t{THREADS}", f"-c{H2_CLIENTS}", f"-m{H2_STREAMS}",
            f"-D{seconds}", f"--log-file={log}"]
    for k, v in h.ok_headers.items():
        args += ["-H", f"{k.lower()}: {v}"]
    args.append(h.url)
    B.WRK["proc"] = p = subprocess.Popen(args, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True)
    out, _ = p.communicate(timeout=seconds + 120)
    B.WRK["proc"] = None
    rps = B.re.search(r"finished in [\d.]+\w*, ([\d.]+) req/s", out)
    done = B.re.search(r"requests: \d+ total, \d+ started, (\d+) done, "
                       r"(\d+) succeeded, (\d+) failed, (\d+) errored", out)
    codes = B.re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, "
                        r"(\d+) 5xx", out)
    proto = B.re.search(r"Application protocol: (\S+)", out)
    if p.returncode != 0 or not (rps and done and codes):
        raise RuntimeError(f"{h.title}: h2load failed:\n{out}")
    if proto is None or proto.group(1) != "h2c":
        raise RuntimeError(f"{h.title}: not HTTP/2 (h2c):\n{out}")
    if int(done.group(3)) or int(done.group(4)) or any(
            int(codes.group(i)) for i in (2, 3, 4)):
        raise RuntimeError(f"{h.title}: failed or non-2xx answers under "
                           f"load:\n{out}\n{h.log_text()[-3000:]}")
    return {"rps": float(rps.group(1)), "requests": int(done.group(2)),
            "p99": p99_of_log(log)}


def check_h2(h):
    """One request over h2c with the credential: 200 and the file."""
    r = subprocess.run(["h2load", "-n1", "-c1", "-m1",
                        *sum((["-H", f"{k.lower()}: {v}"]
                              for k, v in h.ok_headers.items()), []), h.url],
                       capture_output=True, text=True, timeout=60)
    if "1 succeeded" not in r.stdout or "1 2xx" not in r.stdout \
            or "h2c" not in r.stdout:
        raise RuntimeError(f"{h.title}: h2c check failed:\n{r.stdout}"
                           f"{h.log_text()[-3000:]}")


def warmup_seconds(ntokens):
    """A site's processes meet each live token once per token lifetime
    (5 minutes); a bench compresses that into its first seconds, where
    every prefork child fetches every token from the shared tier once (and
    a peer that caches per process verifies it once per process). The
    warm-up lets that settle before the timed rounds: 1 s per 300 distinct
    tokens, the same for every configuration. BENCH_WARMUP overrides."""
    if os.environ.get("BENCH_WARMUP"):
        return int(os.environ["BENCH_WARMUP"])
    return max(1, ntokens // 300)


def run_once(servers, rounds, runner, warm, key, run):
    """One run: the first round (the warm-up, measured), then the rounds,
    alternating. {key: {"first": result, "rounds": [results]}}."""
    out = {h.key: {"first": None, "rounds": []} for h in servers}
    for h in servers:
        out[h.key]["first"] = r = runner(h, warm)
        say(f"  {key} run {run} first round ({warm} s) {h.title:20s} "
            f"{r['rps']:10,.0f} req/s  p99 {fmt_p99(r['p99'])}")
    for rnd in range(rounds):
        order = servers[rnd % len(servers):] + servers[:rnd % len(servers)]
        for h in order:
            r = runner(h, SECONDS)
            out[h.key]["rounds"].append(r)
            say(f"  {key} run {run} round {rnd + 1}/{rounds}  "
                f"{h.title:20s} {r['rps']:10,.0f} req/s  "
                f"p99 {fmt_p99(r['p99'])}")
    return out


def fmt_p99(us):
    return B.fmt_us(us) if us is not None else "n/a"


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def run_workload(key, title, start, rounds, runner, ntokens, warm=None,
                 probe=None):
    """RUNS runs of a workload, each on servers start() gives (started,
    checked) and stopped after it. warm: seconds of the first round
    (default: warmup_seconds(ntokens)); probe(h), when given, is called
    on each server at the end of each run, before it stops, and what it
    returns is kept in row["probe"][h.key] (one entry per run)."""
    if warm is None:
        warm = warmup_seconds(ntokens)
    runs, ver, mem, probed = [], None, {}, {}
    for run in range(1, RUNS + 1):
        servers = start()
        say(f"scale: {title}: run {run}/{RUNS}: first round {warm} s each, "
            f"then {rounds} rounds × {SECONDS} s × {len(servers)} "
            f"configurations")
        try:
            runs.append(run_once(servers, rounds, runner, warm, key, run))
            for h in servers:
                if h.key == "workos":
                    ver = verifications(h)
                if probe:
                    probed.setdefault(h.key, []).append(probe(h))
                mem.setdefault(h.key, []).append(private_kib(h))
                # every child or thread busy is the point of the load
                errs = [e for e in h.error_lines()
                        if "AH00161" not in e and "AH10159" not in e]
                if errs:
                    say(f"scale: {h.title}: {len(errs)} error lines in its "
                        f"log, e.g. {errs[0]}")
        finally:
            for h in servers:
                h.stop()
                h.cleanup()
    keys = list(runs[0].keys())
    row = {"key": key, "title": title, "ver": ver, "tokens": ntokens,
           "keys": keys, "rps": {}, "ratio": {}, "spread": {}, "first": {},
           "p99": {}, "p99_ratio": {}, "first_p99": {}, "mem": {},
           "per_run": {}, "probe": probed}
    for k in keys:
        per_run = [med(r["rps"] for r in x[k]["rounds"]) for x in runs]
        row["per_run"][k] = per_run
        base = [med(r["rps"] for r in x["none"]["rounds"]) for x in runs]
        ratios = [a / b for a, b in zip(per_run, base) if a and b]
        p99s = [med(r["p99"] for r in x[k]["rounds"]) for x in runs]
        bp99 = [med(r["p99"] for r in x["none"]["rounds"]) for x in runs]
        row["rps"][k] = med(per_run)
        row["ratio"][k] = med(ratios)
        row["spread"][k] = (min(ratios), max(ratios)) if ratios else None
        row["first"][k] = med(x[k]["first"]["rps"] / x["none"]["first"]["rps"]
                              for x in runs if x["none"]["first"]["rps"])
        row["p99"][k] = med(p99s)
        row["p99_ratio"][k] = med(a / b for a, b in zip(p99s, bp99)
                                  if a is not None and b)
        row["first_p99"][k] = med(x[k]["first"]["p99"] for x in runs)
        row["mem"][k] = med(mem.get(k, []))
    return row


def report(rows, started):
    m = B.machine()
    pkg_h2 = B.pkg_version("nghttp2-client")
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} on {m['cores']} cores "
        f"({m['cpu']}), Linux {m['kernel']}; load generator and httpd share "
        f"the cores. Apache {m['apache']}, keep-alive, "
        f"{len(B.FILE_BODY)}-byte static file, RS256 2048-bit tokens. "
        f"HTTP/1.1: wrk {m['wrk']}, {THREADS} threads, {CONNECTIONS} "
        f"connections, each request one of N distinct bearer tokens at "
        f"random (no auth receives the same headers). HTTP/2: h2c, h2load "
        f"(nghttp2-client {pkg_h2}), {THREADS} threads, {H2_CLIENTS} "
        f"connections × {H2_STREAMS} concurrent streams, one token. "
        f"{RUNS} runs per workload on fresh servers; in each a first round "
        f"(the warm-up: 1 s per 300 distinct tokens, at least 1 s; "
        f"BENCH_WARMUP={os.environ.get('BENCH_WARMUP', 'unset')}), then "
        f"{ROUNDS} alternating rounds of {SECONDS} s per configuration. "
        f"WorkOSCredentialCacheSize {CRED_CACHE or 'default (4M)'}. "
        f"Peers: libapache2-mod-auth-openidc {m['openidc']}, "
        f"libapache2-mod-oauth2 {m['oauth2']}. Module: {B.MODULE_ID}.",
        "",
        "× no auth: the median over the runs of each run's median req/s "
        "ratio, and in brackets the lowest and highest run.",
        "",
        "| workload | no auth | mod_auth_workos | mod_auth_openidc "
        "| mod_oauth2 |",
        "|---|---:|---:|---:|---:|",
    ]
    cols = ("none", "workos", "openidc", "oauth2")

    def ratio_cell(row, k):
        if row["ratio"].get(k) is None:
            return "—"
        lo, hi = row["spread"][k]
        return f"{row['ratio'][k]:.2f} ({lo:.2f}–{hi:.2f})"
    for row in rows:
        lines.append(f"| {row['title']} | "
                     + " | ".join(ratio_cell(row, k) for k in cols) + " |")
    lines += ["", "First round (the warm-up), × no auth's first round, "
              "median over the runs:", "",
              "| workload | no auth | mod_auth_workos | mod_auth_openidc "
              "| mod_oauth2 |", "|---|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['title']} | " + " | ".join(
            f"{row['first'][k]:.2f}" if row["first"].get(k) is not None
            else "—" for k in cols) + " |")
    lines += ["", "req/s and p99 latency (medians over the runs; p99 × no "
              "auth's p99 of the same run in brackets; first-round p99 "
              "after the slash):", "",
              "| workload | no auth | mod_auth_workos | mod_auth_openidc "
              "| mod_oauth2 | signature verifications (per distinct token) |",
              "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        cells = []
        for k in cols:
            if row["rps"].get(k) is None:
                cells.append("—")
                continue
            pr = row["p99_ratio"].get(k)
            cells.append(f"{row['rps'][k]:,.0f} req/s, p99 "
                         f"{fmt_p99(row['p99'][k])}"
                         + (f" ({pr:.2f})" if pr is not None else "")
                         + f" / {fmt_p99(row['first_p99'][k])}")
        ver = row["ver"]
        vtxt = (f"{ver[1]:,} ({ver[1] / row['tokens']:.2f})"
                if ver else "n/a")
        lines.append(f"| {row['title']} | " + " | ".join(cells)
                     + f" | {vtxt} |")
    lines += ["", "Private memory per child at the end of a run "
              "(Private_Clean + Private_Dirty from smaps_rollup, median "
              "over children and runs, KiB):", "",
              "| workload | no auth | mod_auth_workos | mod_auth_openidc "
              "| mod_oauth2 |", "|---|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['title']} | " + " | ".join(
            f"{row['mem'][k]:,.0f}" if row["mem"].get(k) is not None
            else "—" for k in cols) + " |")
    names = {r["ver"][0] for r in rows if r["ver"]}
    lines += ["", "Signature verifications: the module's workos-status "
              f"counter {', '.join(sorted(names)) or '(none in this build: n/a)'} "
              "at the end of the workload (checks and warm-up included), "
              "and divided by the distinct tokens sent.  ",
              f"Total run time {time.monotonic() - started:.0f} s."]
    text = "\n".join(lines) + "\n"
    say("")
    say(text)
    (B.BENCH / "last-scale.md").write_text(text)
    say(f"(written to {B.BENCH / 'last-scale.md'})")


def start_all(live, servers, h2=False):
    """Starts and checks the servers of one run; live keeps them for the
    clean-up on an interruption (stop and cleanup are idempotent)."""
    for h in servers:
        live.append(h)
        h.start()
        B.check(h, None)
        if h2:
            check_h2(h)
        h.mark_log()
    return servers


def main():
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, B.on_signal)
    signal.signal(signal.SIGHUP, B.on_signal)
    started = time.monotonic()
    only = [k for k in os.environ.get("BENCH_SCALE_ONLY", "").split(",") if k]
    B.ensure_installed(B.SCALE_PACKAGES)
    B.MODULE_ID = B.module_id()
    jwks = B.JwksServer().start()
    cred = None
    live = []
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="wos-scale-"))
    rows = []
    try:
        cred = B.Credentials(jwks.base)
        jwks.jwks = cred.jwks
        cert_file = cred.write_cert()
        script = tmp / "tokens.lua"
        script.write_text(LUA)
        ntok = max([w[4] for w in WORKLOADS if not only or w[0] in only]
                   or [1])
        say(f"scale: minting {ntok:,} RS256 tokens")
        tokens = [cred.token() for _ in range(ntok)]
        for key, title, mpm, tuning, n in WORKLOADS:
            if only and key not in only:
                continue
            tfile = tmp / f"tokens-{n}.txt"
            tfile.write_text("".join(f"Bearer {t}\n" for t in tokens[:n]))
            rows.append(run_workload(
                key, title,
                lambda: start_all(live, servers_for(
                    jwks.base, key, mpm, tuning, tokens[0], cert_file)),
                ROUNDS,
                lambda h, s: run_wrk_tokens(h, s, str(script), str(tfile)),
                n))
        if not only or "h2" in only:
            rows.append(run_workload(
                "h2", f"HTTP/2 (h2c), event, 4 × 25 threads, {H2_CLIENTS} "
                f"connections × {H2_STREAMS} streams, one token",
                lambda: start_all(live, servers_for(
                    jwks.base, "h2", "event", EVENT_4x25, tokens[0],
                    cert_file, extra=H2_CONF), h2=True),
                ROUNDS, run_h2load, 1))
        report(rows, started)
    except (KeyboardInterrupt, B.Interrupted):
        sys.exit("bench-scale: interrupted; everything started was stopped")
    except (RuntimeError, subprocess.SubprocessError) as e:
        sys.exit(f"bench-scale: FAILED: {e}")
    finally:
        B.stop_started(live, jwks)
        if cred and getattr(cred, "cert_file", None):
            os.unlink(cred.cert_file)
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    main()
