# SPDX-License-Identifier: Apache-2.0
# Fuzzing and the sanitized integration run. Included by Makefile.apxs, so
# its variables (PURE_SRC, HTTPD_SRC, HEADERS, WARN, APR_*, DEP_LIBS,
# APXS, PYTHON, TOOLS) are in scope; everything defined here is FUZZ_*.
# Each flavour compiles every source once into objects of its own: the
# pure layers into a sanitized archive for the fuzzers, the whole module
# under ASan+UBSan for the integration suite.
#
#   make -f Makefile.apxs fuzz          each target FUZZ_SECONDS (60)
#   make -f Makefile.apxs fuzz-short    each target FUZZ_SHORT_SECONDS (5), CI
#   make -f Makefile.apxs test-asan     integration suite, module under ASan+UBSan
#
# Fuzzing needs clang and its runtime (Debian: clang libclang-rt-14-dev).
# Seeds are read from tests/fuzz/corpus/<name>/; new inputs and crash files
# go to FUZZ_WORK, which is scratch and not in git.

FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_SHORT_SECONDS ?= 5
FUZZ_DIR   = tests/fuzz
FUZZ_BIN   = $(FUZZ_DIR)/build
FUZZ_WORK ?= $(FUZZ_DIR)/work
FUZZ_NAMES = b64url cookie seal session jwt jwks require webhook_sig \
             api_answer apikey credentry events flow claims envelope \
             access
FUZZ_BINS  = $(FUZZ_NAMES:%=$(FUZZ_BIN)/fuzz_%)
# UBSan findings abort, so libFuzzer records them as crashes.
FUZZ_SAN    = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) $(WARN) \
              -Isrc $(APR_CFLAGS)
# fuzz_common.c replaces apr_palloc; libapr must see the executable's copy.
FUZZ_LDFLAGS = -Wl,--export-dynamic-symbol=apr_palloc \
               -Wl,--export-dynamic-symbol=apr_pcalloc
FUZZ_LIBS   = $(APR_LIBS) $(DEP_LIBS) -ldl
FUZZ_COMMON = $(FUZZ_DIR)/fuzz_common.c $(FUZZ_DIR)/fuzz_common.h
# The pure layers once, instrumented for libFuzzer without its main().
FUZZ_OBJ_CFLAGS = $(subst fuzzer$(comma),fuzzer-no-link$(comma),$(FUZZ_CFLAGS))
FUZZ_PURE_OBJ = $(PURE_SRC:src/%.c=$(FUZZ_BIN)/obj/%.o)
FUZZ_PURE_LIB = $(FUZZ_BIN)/libwos_pure.a

$(FUZZ_BIN)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_OBJ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_PURE_LIB): $(FUZZ_PURE_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BIN)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_COMMON) $(FUZZ_PURE_LIB)
	@mkdir -p $(FUZZ_BIN)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LDFLAGS) -o $@ $< \
	    $(FUZZ_DIR)/fuzz_common.c $(FUZZ_PURE_LIB) $(FUZZ_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	FUZZ_WORK=$(FUZZ_WORK) $(FUZZ_DIR)/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-short: $(FUZZ_BINS)
	FUZZ_WORK=$(FUZZ_WORK) $(FUZZ_DIR)/run.sh $(FUZZ_SHORT_SECONDS) $(FUZZ_BINS)

# ---- the module under AddressSanitizer + UBSan -----------------------------
# gcc's runtime, because apache2 is built with gcc: it is preloaded into
# apache2 only (through a wrapper first on PATH), not into pytest, node or
# the compilers the suite runs, so every report comes from httpd.
# UBSan traps instead of calling libubsan: with libasan preloaded, gcc 12's
# libubsan ignores log_path and writes to stderr, which httpd points at an
# error log the harness deletes; a trap becomes an ASan "ILL" report, with
# the file and line, in the report directory (see test-asan.sh).
FUZZ_ASAN_DIR ?= build-asan
FUZZ_ASAN_CC  ?= gcc
FUZZ_ASAN_SO   = $(FUZZ_ASAN_DIR)/mod_auth_workos.so
FUZZ_ASAN_CFLAGS = -g -O1 -fPIC -fno-omit-frame-pointer \
                   -fsanitize=address,undefined \
                   -fsanitize-undefined-trap-on-error $(WARN) -Isrc \
                   -I$(shell $(APXS) -q INCLUDEDIR) $(APR_CFLAGS)

FUZZ_ASAN_OBJ = $(HTTPD_SRC:src/%.c=$(FUZZ_ASAN_DIR)/obj/%.o) \
                $(PURE_SRC:src/%.c=$(FUZZ_ASAN_DIR)/obj/%.o) \
                $(FUZZ_ASAN_DIR)/obj/mod_auth_workos.o

$(FUZZ_ASAN_DIR)/obj/mod_auth_workos.o: mod_auth_workos.c
	@mkdir -p $(@D)
	$(FUZZ_ASAN_CC) $(FUZZ_ASAN_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_ASAN_DIR)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_ASAN_CC) $(FUZZ_ASAN_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_ASAN_SO): $(FUZZ_ASAN_OBJ) $(EXPORTS)
	$(FUZZ_ASAN_CC) $(FUZZ_ASAN_CFLAGS) -shared \
	    -Wl,--version-script=$(EXPORTS) -o $@ $(FUZZ_ASAN_OBJ) $(DEP_LIBS)

-include $(FUZZ_PURE_OBJ:.o=.d) $(FUZZ_ASAN_OBJ:.o=.d)

test-asan: $(FUZZ_ASAN_SO) $(TOOLS)
	FUZZ_ASAN_CC=$(FUZZ_ASAN_CC) PYTHON=$(PYTHON) \
	    $(FUZZ_DIR)/test-asan.sh $(FUZZ_ASAN_DIR) $(FUZZ_ASAN_SO)

fuzz-clean:
	rm -rf $(FUZZ_BIN) $(FUZZ_WORK) $(FUZZ_ASAN_DIR)

.PHONY: fuzz-build fuzz fuzz-short test-asan fuzz-clean
