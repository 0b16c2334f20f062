#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark of `Require workos-access` with every decision cached.

    make -f Makefile.apxs bench-access

100 users, each with a bearer token of its own (its own user id, session
and organisation, hence its own organisation membership at the fake
WorkOS), × 50 projects: every request is GET /projects/<project>/file.txt
for a (token, project) pair drawn at random by wrk's Lua script, under

    <LocationMatch "^/projects/(?<project>[a-z0-9-]+)/">

with three configurations, in the same run, alternating rounds:

    no auth      Require all granted (the same LocationMatch, the same
                 AliasMatch to the 100-byte file, the same random headers
                 as workos-access)
    permission   Require workos-permission project:view, tokens that
                 carry project:view
    access       Require workos-access project:view project
                 %{env:MATCH_PROJECT}, tokens WITHOUT project:view, so the
                 fake WorkOS decides; WorkOSAccessCacheTTL 3600

Before the rounds, each server gets the same warm-up pass: wrk with every
thread walking all 5,000 (token, project) pairs in order, again and
again, BENCH_PASS seconds (3), repeated until workos-access has asked
WorkOS about every pair (once each: the decision is kept in the process
and in WorkOSCache, shmcb, for every process); then scale.py's first
round (random pairs, not counted: 5 s under event, 30 s under prefork,
where each of 32 children has its own memo to fill; BENCH_WARMUP sets
both), then the timed rounds. workos-status's access counters are read after the
warm-up pass and at the end of the run: asked stays at 5,000 (plus the
check of a denied project), so every measured decision was a cached one.
The fake counts the checks it answers per (membership, permission, type,
project).

Workloads: event (4 processes × 25 threads) and prefork (32 children), as
scale.py's. Reported: req/s (median of the rounds, median of the runs),
its ratio to workos-permission (target ≥ 0.95) and to no auth, p99;
written to tests/bench/last-access.md.

Environment (as scale.py): BENCH_RUNS (3), BENCH_ROUNDS (6),
BENCH_SECONDS (5), BENCH_WARMUP (5/30), BENCH_CONNECTIONS (32),
BENCH_THREADS (2), BENCH_WORKOS_CACHE, WOS_MODULE; BENCH_PASS (3),
BENCH_ACCESS_ONLY (event, prefork: comma-separated), BENCH_ACCESS_USERS
(100; fewer users, fewer pairs). A short check: BENCH_RUNS=1
BENCH_ROUNDS=1 BENCH_SECONDS=2 BENCH_WARMUP=1 BENCH_ACCESS_ONLY=event.
"""
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.dont_write_bytecode = True
import bench as B  # noqa: E402
import scale as S  # noqa: E402

USERS = int(os.environ.get("BENCH_ACCESS_USERS", "100"))
PROJECTS = [f"project-{i:02d}" for i in range(50)]
DENIED = "no-entry"  # a project the fake WorkOS says no to
# BENCH_WARMUP, when set, instead of each workload's first round below
WARMUP = os.environ.get("BENCH_WARMUP")
PASS_SECONDS = int(os.environ.get("BENCH_PASS", "3"))

# key, title, MPM, tuning, first round (s): long enough for every process
# to meet the pairs it keeps in its own memo (a prefork child sees a 32nd
# of the requests, so it needs a longer one than an event process does)
WORKLOADS = [
    ("event", "event, 4 × 25 threads", "event", S.EVENT_4x25, 5),
    ("prefork", "prefork, 32 children", "prefork", S.PREFORK_32, 30),
]

TITLES = {"none": "no auth", "perm": "workos-permission",
          "access": "workos-access"}

# Every request one of the USERS × PROJECTS pairs at random, prepared
# once per thread (each thread seeded apart); the tokens file has one
# "Bearer ..." line per user, the projects are written in below. With a
# second argument "cycle" (the warm-up pass), each thread walks all the
# pairs in order instead, again and again, from its own starting point.
LUA = """
local reqs, seq, cycle, i = {}, 0, false, 0
local projects = {%s}
function setup(thread)
  seq = seq + 1
  thread:set("seed", seq)
end
function init(args)
  for line in io.lines(args[1]) do
    for _, p in ipairs(projects) do
      reqs[#reqs + 1] = wrk.format(nil, "/projects/" .. p .. "/file.txt",
                                   {["Authorization"] = line})
    end
  end
  cycle = args[2] == "cycle"
  i = (seed * 7919) %% #reqs
  math.randomseed(os.time() * 1000 + seed)
end
function request()
  if cycle then
    i = i %% #reqs + 1
    return reqs[i]
  end
  return reqs[math.random(#reqs)]
end
"""

ALIAS = """
AliasMatch "^/projects/[a-z0-9-]+/file\\.txt$" "{htdocs}/file.txt"
"""

GUARDED = """
<LocationMatch "^/projects/(?<project>[a-z0-9-]+)/">
    AuthType WorkOS
    WorkOSTokenSource cookie bearer
    WorkOSUnauthAction 401
    AuthzSendForbiddenOnFailure On
    {require}
</LocationMatch>
"""

OPEN = """
<LocationMatch "^/projects/(?<project>[a-z0-9-]+)/">
    Require all granted
</LocationMatch>
"""


def say(*a):
    print(*a, flush=True)


def user(i):
    return f"user_01BENCHU{i:03d}"


def mint(cred, permissions):
    """One token per user, each with its own session and organisation."""
    return [cred.token(permissions=permissions, sub=user(i),
                       sid=f"session_01BENCHU{i:03d}",
                       org_id=f"org_01BENCHO{i:03d}")
            for i in range(USERS)]


def servers_for(jwks_base, tag, mpm, tuning, toks):
    out = []
    for key, require in (("none", None),
                         ("perm", "Require workos-permission project:view"),
                         ("access", "Require workos-access project:view "
                                    "project %{env:MATCH_PROJECT}")):
        d = pathlib.Path(tempfile.mkdtemp(prefix=f"wos-bench-acc-{tag}-"))
        loc = ALIAS.replace("{htdocs}", str(d / "htdocs"))
        conf = ""
        if require:
            loc += GUARDED.replace("{require}", require) + S.STATUS_LOCATION
            conf = (B.workos_server_conf(jwks_base, f"acc-{tag}-{key}")
                    + f'WorkOSCache "shmcb:{d}/cache/workos'
                    f'({S.WORKOS_CACHE_BYTES})"\n'
                    "WorkOSAccessCacheTTL 3600\n")
        else:
            loc += OPEN
        h = B.Httpd(key, TITLES[key],
                    [f"LoadModule alias_module {B.MODDIR}/mod_alias.so"],
                    conf, loc,
                    {"Authorization": f"Bearer {toks[key][0]}"},
                    mpm=mpm, tuning=tuning)
        h.dir = d
        h.url = f"{h.base}/projects/{PROJECTS[0]}/file.txt"
        out.append(h)
    return out


def status(h):
    """The module's counters from workos-status (JSON)."""
    r = B.requests.get(h.base + "/workos-status?format=json", timeout=20)
    if r.status_code != 200:
        raise RuntimeError(f"{h.title}: workos-status answered "
                           f"{r.status_code}")
    return r.json()


def counters(h):
    s = status(h)
    return {k: s.get(f"access_checks_{k}")
            for k in ("asked", "cached", "denied", "failed")}


def expect(h, path, token, code):
    r = B.requests.get(h.base + path, timeout=20, headers={
        "Authorization": f"Bearer {token}"})
    if r.status_code != code or (code == 200 and r.content != B.FILE_BODY):
        raise RuntimeError(f"{h.title}: {path}: expected {code}, got "
                           f"{r.status_code}\n{h.log_text()[-3000:]}")


def warm_pass(servers, script, files):
    """wrk walking all the pairs in order (every thread, every pair, again
    and again) for PASS_SECONDS on each server, repeated (at most 5 times)
    until workos-access has asked about every pair."""
    want = USERS * len(PROJECTS) + 1
    for n in range(1, 6):
        for h in servers:
            S.wrk_result(h, ["wrk", f"-t{S.THREADS}", f"-c{S.CONNECTIONS}",
                             f"-d{PASS_SECONDS}s", "--timeout", "5s", "-s",
                             script, h.url, "--", files[h.key], "cycle"],
                         PASS_SECONDS)
        got = counters(servers[-1])
        if got["asked"] >= want:
            return n, got
    raise RuntimeError(f"warm-up pass: asked {got['asked']} of {want} "
                       f"pairs after {n} passes")


def start(live, jwks, tag, mpm, tuning, toks, passes, script, files):
    """Starts and checks the three servers of one run, then the warm-up
    pass on each; passes gets the access counters after it."""
    servers = servers_for(jwks.base, tag, mpm, tuning, toks)
    with jwks.lock:
        jwks.checks.clear()
    for h in servers:
        live.append(h)
        h.start()
        B.check(h, None)
        if h.key == "perm":
            # the workos-access tokens lack the permission
            expect(h, f"/projects/{PROJECTS[0]}/file.txt",
                   toks["access"][0], 403)
        if h.key == "access":
            # WorkOS decides: a project it refuses is refused
            expect(h, f"/projects/{DENIED}/file.txt", toks["access"][0],
                   403)
        h.mark_log()
    n, got = warm_pass(servers, script, files)
    say(f"access: warm-up pass: all {USERS * len(PROJECTS):,} pairs in "
        f"order, {n} × {PASS_SECONDS} s on each server; workos-access "
        f"asked {got['asked']:,}")
    passes.append(got)
    return servers


def probe(jwks):
    def run(h):
        if h.key == "none":
            return None
        out = counters(h)
        out["verifications"] = status(h).get("signature_verifications")
        if h.key == "access":
            checks = jwks.checks_snapshot()
            out["fake_checks"] = sum(checks.values())
            out["fake_distinct"] = len(checks)
            out["fake_max"] = max(checks.values(), default=0)
            out["fake_memberships"] = len({k[0] for k in checks})
            odd = [k for k in checks if k[1:] not in (
                ("project:view", "project", p) for p in PROJECTS + [DENIED])]
            if odd:
                raise RuntimeError(f"the fake WorkOS was asked {odd[0]}, "
                                   f"not project:view on a project")
        return out
    return run


def fmt_ratio(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "—"
    return f"{S.med(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})"


def report(rows, started):
    m = B.machine()
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} on {m['cores']} cores "
        f"({m['cpu']}), Linux {m['kernel']}; load generator and httpd share "
        f"the cores. Apache {m['apache']}, keep-alive, "
        f"{len(B.FILE_BODY)}-byte static file at /projects/<project>/"
        f"file.txt (AliasMatch) under `<LocationMatch \"^/projects/"
        f"(?<project>[a-z0-9-]+)/\">`. wrk {m['wrk']}, {S.THREADS} threads, "
        f"{S.CONNECTIONS} connections; each request a random pair of "
        f"{USERS} bearer tokens (RS256 2048-bit; each its own user, "
        f"session, organisation and membership) × {len(PROJECTS)} "
        f"projects. no auth: `Require all granted`, the workos-access "
        f"tokens' headers; workos-permission: `Require workos-permission "
        f"project:view`, tokens carrying it; workos-access: `Require "
        f"workos-access project:view project %{{env:MATCH_PROJECT}}`, "
        f"tokens without it (the fake WorkOS decides), "
        f"WorkOSAccessCacheTTL 3600, WorkOSCache shmcb. {S.RUNS} runs per "
        f"workload on fresh servers; in each: a warm-up pass (wrk walking "
        f"all {USERS * len(PROJECTS):,} pairs in order, {PASS_SECONDS} s "
        f"per server, repeated until workos-access had asked about every "
        f"pair), a first round (random pairs, not counted) of "
        + ", ".join(f"{r['warm']} s ({r['key']})" for r in rows)
        + f", then {S.ROUNDS} "
        f"alternating rounds of {S.SECONDS} s per configuration. "
        f"Module: {B.MODULE_ID}.",
        "",
        "req/s: median of a run's rounds, median over the runs. Ratios: "
        "each run's median req/s over the other configuration's in the "
        "same run, median over the runs (lowest–highest run). p99: median "
        "of the rounds' wrk p99, median over the runs.",
        "",
        "| workload | configuration | req/s | × no auth "
        "| × workos-permission | p99 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    verdicts = []
    for row in rows:
        pr = row["per_run"]
        for k in row["keys"]:
            vs_none = [a / b for a, b in zip(pr[k], pr["none"]) if a and b]
            vs_perm = [a / b for a, b in zip(pr[k], pr["perm"]) if a and b]
            lines.append(f"| {row['title']} | {TITLES[k]} | "
                         f"{row['rps'][k]:,.0f} | {fmt_ratio(vs_none)} | "
                         f"{fmt_ratio(vs_perm)} | "
                         f"{S.fmt_p99(row['p99'][k])} |")
            if k == "access" and vs_perm:
                r = S.med(vs_perm)
                verdicts.append(f"{row['title']}: workos-access / "
                                f"workos-permission {r:.2f} × — target "
                                f"≥ 0.95 × {'met' if r >= 0.95 else 'NOT met'}"
                                ".  ")
    lines += ["", *verdicts, "",
              "workos-access decisions (workos-status `access_checks_*` of "
              "the workos-access server, per run): asked of WorkOS and kept "
              "(cached) after the warm-up pass → at the end of the run; "
              "the fake WorkOS's checks answered in the run (distinct "
              "(membership, permission, type, project); most asks of one); "
              "signature verifications at the end:", "",
              "| workload | run | asked after pass → end | cached after "
              "pass → end | denied | failed | fake: checks (distinct, "
              "memberships, most per pair) | signature verifications |",
              "|---|---:|---|---|---:|---:|---|---:|"]
    for row in rows:
        for i, (p, e) in enumerate(zip(row["passes"],
                                       row["probe"].get("access", [])), 1):
            lines.append(
                f"| {row['title']} | {i} | {p['asked']:,} → {e['asked']:,} "
                f"| {p['cached']:,} → {e['cached']:,} | {e['denied']:,} | "
                f"{e['failed']:,} | {e['fake_checks']:,} "
                f"({e['fake_distinct']:,}, {e['fake_memberships']}, "
                f"{e['fake_max']}) | {e['verifications'] or 0:,} |")
    lines += ["", f"Expected: asked = {USERS * len(PROJECTS):,} pairs + 1 "
              f"(the check that WorkOS's refusal of project `{DENIED}` is "
              f"a 403, hence denied 1), unchanged from the end of the "
              f"warm-up pass to the end of the run: no measured request "
              f"asked WorkOS.  ",
              f"Total run time {time.monotonic() - started:.0f} s."]
    if S.RUNS * S.ROUNDS < 3:
        lines.insert(0, f"Short check (BENCH_RUNS={S.RUNS}, BENCH_ROUNDS="
                     f"{S.ROUNDS}, BENCH_SECONDS={S.SECONDS}): it shows the "
                     f"benchmark works; its figures are not a measurement.\n")
    text = "\n".join(lines) + "\n"
    say("")
    say(text)
    (B.BENCH / "last-access.md").write_text(text)
    say(f"(written to {B.BENCH / 'last-access.md'})")


def main():
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, B.on_signal)
    signal.signal(signal.SIGHUP, B.on_signal)
    started = time.monotonic()
    only = [k for k in os.environ.get("BENCH_ACCESS_ONLY", "").split(",")
            if k]
    B.ensure_installed()
    B.MODULE_ID = B.module_id()
    jwks = B.JwksServer().start()
    jwks.denied.add(DENIED)
    live = []
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="wos-access-"))
    rows = []
    try:
        cred = B.Credentials(jwks.base)
        jwks.jwks = cred.jwks
        say(f"access: minting {2 * USERS} RS256 tokens")
        toks = {"perm": mint(cred, ("posts:read", "project:view")),
                "access": mint(cred, ("posts:read",))}
        toks["none"] = toks["access"]
        files = {}
        for k, ts in toks.items():
            files[k] = tmp / f"tokens-{k}.txt"
            files[k].write_text("".join(f"Bearer {t}\n" for t in ts))
        script = tmp / "pairs.lua"
        script.write_text(LUA % ", ".join(f'"{p}"' for p in PROJECTS))
        for key, title, mpm, tuning, warm in WORKLOADS:
            if only and key not in only:
                continue
            passes = []
            row = S.run_workload(
                key, title,
                lambda: start(live, jwks, key, mpm, tuning, toks, passes,
                              str(script), {k: str(f) for k, f in
                                            files.items()}),
                S.ROUNDS,
                lambda h, s: S.run_wrk_tokens(h, s, str(script),
                                              str(files[h.key])),
                USERS, warm=int(WARMUP or warm), probe=probe(jwks))
            row["warm"] = int(WARMUP or warm)
            row["passes"] = passes
            rows.append(row)
        report(rows, started)
    except (KeyboardInterrupt, B.Interrupted):
        sys.exit("bench-access: interrupted; everything started was stopped")
    except (RuntimeError, subprocess.SubprocessError) as e:
        sys.exit(f"bench-access: FAILED: {e}")
    finally:
        B.stop_started(live, jwks)
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    main()
