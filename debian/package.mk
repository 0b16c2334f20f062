# SPDX-License-Identifier: Apache-2.0
# Debian package, included by Makefile.apxs (issue 7).
#   make -f Makefile.apxs package        .deb into $(DEB_OUT)/ (no root needed)
#   make -f Makefile.apxs test-package   as root: build, install into this
#                                        machine's Apache, smoke request, purge
# dpkg-buildpackage runs in a temporary copy of the working tree, so the
# tree itself is left alone; see tests/package/build-deb.sh.
DEB_OUT ?= build-deb

package:
	tests/package/build-deb.sh $(DEB_OUT)

test-package:
	DEB_OUT=$(DEB_OUT) tests/package/smoke.sh

.PHONY: package test-package
