# The demo and its browser test.   make -f Makefile.apxs demo | test-browser
# Included from Makefile.apxs (which defines `all` and PYTHON).

# Apache with the module on http://127.0.0.1:8080/ (DEMO_PORT), signing in
# against a local stand-in for WorkOS, or the real WorkOS when
# WORKOS_CLIENT_ID, WORKOS_API_KEY and WORKOS_COOKIE_PASSWORD are set.
# Ctrl-C stops it.
demo: all
	$(PYTHON) demo/run.py

# The demo driven in headless Chromium (installs chromium and the npm
# packages when missing).
test-browser: all
	tests/browser/run.sh

.PHONY: demo test-browser
