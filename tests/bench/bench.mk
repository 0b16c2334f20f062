# SPDX-License-Identifier: Apache-2.0
# Benchmark targets, included by Makefile.apxs.
#   make -f Makefile.apxs bench       req/s vs no auth, mod_auth_openidc, mod_oauth2
#   make -f Makefile.apxs callgrind   instructions per request in the auth hook
# Tuning: BENCH_ROUNDS, BENCH_SECONDS, BENCH_ONLY, CALLGRIND_REQUESTS (env);
# bench-scale also BENCH_RUNS, BENCH_SCALE_ONLY, BENCH_WARMUP, BENCH_CRED_CACHE
# (a short check: BENCH_RUNS=1 BENCH_ROUNDS=1 BENCH_SECONDS=1);
# bench-access the same and BENCH_ACCESS_ONLY (event, prefork).

bench: all
	$(PYTHON) tests/bench/bench.py

callgrind: all
	$(PYTHON) tests/bench/bench.py --callgrind

.PHONY: bench callgrind

# Child RSS before and after 1,000,000 authenticated requests.
rss: all
	$(PYTHON) tests/bench/rss.py

.PHONY: rss

# Many distinct tokens, event and prefork, HTTP/2 (tests/bench/scale.py).
bench-scale: all
	$(PYTHON) tests/bench/scale.py

.PHONY: bench-scale

# Require workos-access, every decision cached, against workos-permission
# and no auth: 100 users × 50 projects (tests/bench/access.py).
bench-access: all
	$(PYTHON) tests/bench/access.py

.PHONY: bench-access
