# SPDX-License-Identifier: Apache-2.0
# The demo and its browser test.   make -f Makefile.apxs demo | test-browser
# Included from Makefile.apxs (which defines `all` and PYTHON).

# Apache with the module on http://127.0.0.1:8080/ (DEMO_PORT), signing in
# against a local stand-in for WorkOS, or the real WorkOS when
# WORKOS_CLIENT_ID, WORKOS_API_KEY and WORKOS_COOKIE_PASSWORD are set.
# Ctrl-C stops it.
demo: all
	$(PYTHON) demo/run.py

# The local WorkOS stand-in alone, for trying your own virtual host against
# it (docs/signing-in.md: "Local WorkOS stand-in"). STAND_IN_ARGS, e.g.
#   make -f Makefile.apxs stand-in STAND_IN_ARGS="--port 8081 \
#        --callback https://app.example.test/callback --config users.json"
STAND_IN_ARGS ?=
stand-in:
	$(PYTHON) demo/stand_in.py $(STAND_IN_ARGS)

# The demo driven in headless Chromium (installs chromium and the npm
# packages when missing).
test-browser: all
	tests/browser/run.sh

.PHONY: demo stand-in test-browser
