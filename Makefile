# memscope.h - build, test, benchmark, install.
#   make          library checks (gcc + clang strict builds), examples
#   make demo     build and run the realistic example, print where its report is
#   make test     install test dependencies if missing, then every test
#   make bench    benchmarks against a baseline measured in the same run
#   make install  PREFIX=/usr/local DESTDIR=  (header, memscope.c, memscope CLI, libmemscope.so,
#                 pkg-config file, CMake package)

CC      ?= cc
CLANG   ?= clang
CXX     ?= c++
PREFIX  ?= /usr/local
DESTDIR ?=
B       := build
OUT     := $(B)/test-out

STRICT  := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wconversion -Werror
TESTFLAGS := -std=c11 -g -O1 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror \
             -fno-omit-frame-pointer -rdynamic -I.
EXFLAGS := $(STRICT) -O2 -g -fno-omit-frame-pointer -rdynamic -I.
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
TSAN    := -fsanitize=thread
LIBS    := -pthread

EXAMPLES := $(patsubst examples/%.c,%,$(wildcard examples/*.c))
TESTS    := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))
THREAD_TESTS := $(filter test_threads% test_monitor_live test_bound,$(TESTS))
HAVE_CLANG := $(shell command -v $(CLANG) >/dev/null 2>&1 && echo yes)

.PHONY: stacks-test unwind-test report-test check-toc all check-lib examples demo test deps unit unit-clang sanitize tsan matrix embed check-embed hook-test formats-test package-test \
        browser-test browser-bench format-selftest cli-test setuid-test fuzz fuzz-smoke json-test \
        run-examples bench install uninstall clean

all: check-lib examples $(B)/memscope $(B)/libmemscope.so

# ---- the memscope command-line tool ----
$(B)/memscope: tools/memscope.c memscope.h tools/diff_page.h $(B)/.embed-ok
	@mkdir -p $(B)
	$(CC) $(STRICT) -O2 -I. $< -o $@ $(LIBS)

# the whole-program mode as a preload library (memscope run): frame pointers for its own
# frames, initial-exec TLS so no hook ever allocates for a thread-local
$(B)/libmemscope.so: tools/preload.c memscope.h
	@mkdir -p $(B)
	$(CC) $(STRICT) -O2 -g -fPIC -shared -fno-omit-frame-pointer -ftls-model=initial-exec -I. $< -o $@ $(LIBS)

cli-test: $(B)/memscope $(B)/libmemscope.so $(B)/tests/test_binary $(B)/cli/alloc
	tests/test_cli.sh
	tests/test_run_cli.sh
# a program that knows nothing of memscope, with known allocations, for test_run_cli.sh
$(B)/cli/alloc: tests/cli/alloc.c
	@mkdir -p $(B)/cli
	$(CC) -std=c11 -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror $< -o $@

# a set-user-ID or set-group-ID program ignores MEMSCOPE_* (needs root and setpriv, else skipped)
setuid-test:
	tests/setuid/run.sh

# ---- fuzzing memscope_load's readers, .msb and JSON (clang's libFuzzer); seeds in tests/fuzz/corpus ----
FUZZ_SECONDS ?= 300
$(B)/fuzz_msb: tests/fuzz/fuzz_msb.c memscope.h
	@mkdir -p $(B)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $< -o $@ $(LIBS)
fuzz: $(B)/fuzz_msb
	@mkdir -p $(B)/fuzz-corpus $(B)/fuzz-artifacts
	$(B)/fuzz_msb -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -max_len=65536 \
	  -artifact_prefix=$(B)/fuzz-artifacts/ $(B)/fuzz-corpus tests/fuzz/corpus
# in make test: replay every seed (a sanitizer report fails it and is shown), then a short run
fuzz-smoke:
	@if [ -n "$(HAVE_CLANG)" ]; then $(MAKE) --no-print-directory $(B)/fuzz_msb && \
	  mkdir -p $(B)/fuzz-artifacts && \
	  { $(B)/fuzz_msb -runs=0 -artifact_prefix=$(B)/fuzz-artifacts/ tests/fuzz/corpus > $(B)/fuzz-replay.log 2>&1 && \
	    ! grep -qE "runtime error:|ERROR: [A-Za-z]+Sanitizer" $(B)/fuzz-replay.log || \
	    { echo "fuzz-smoke: replay of tests/fuzz/corpus failed ($(B)/fuzz-replay.log):"; \
	      grep -E "runtime error:|ERROR: |SUMMARY: |^    #[0-9] " $(B)/fuzz-replay.log | head -30; \
	      a=$$(sed -n 's/.*Test unit written to //p' $(B)/fuzz-replay.log | tail -1); \
	      for f in tests/fuzz/corpus/*; do [ -n "$$a" ] && cmp -s "$$f" "$$a" && echo "failing seed: $$f"; done; \
	      exit 1; }; } && \
	  tail -1 $(B)/fuzz-replay.log && \
	  { $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20 > $(B)/fuzz-smoke.log 2>&1 && \
	    ! grep -qE "runtime error:|ERROR: [A-Za-z]+Sanitizer" $(B)/fuzz-smoke.log || \
	    { tail -40 $(B)/fuzz-smoke.log; exit 1; }; } && grep -E "^Done" $(B)/fuzz-smoke.log; \
	  else echo "clang not found: fuzz smoke skipped"; fi

# ---- the dashboard page (tools/dashboard/) embedded into memscope.h, the page of memscope
# diff --html (tools/dashboard/diff.html, diff.js) into tools/diff_page.h ----
DASHBOARD := tools/dashboard/shell.html tools/dashboard/style.css tools/dashboard/app.js \
             tools/dashboard/diff.html tools/dashboard/diff.js
embed: $(B)/.embed-ok
$(B)/.embed-ok: $(DASHBOARD) tools/embed_dashboard.py
	@mkdir -p $(B)
	python3 tools/embed_dashboard.py
	@touch $@
check-embed:
	@python3 tools/embed_dashboard.py --check

# the reference decoder of the binary format checks itself (worked example, corrupt files)
format-selftest:
	@python3 tests/msb_decode.py --selftest

# ---- the library itself, strict, with both compilers ----
check-lib: $(B)/.lib-ok
$(B)/.lib-ok: $(B)/.embed-ok memscope.h memscope.c
	@mkdir -p $(B)
	$(CC) $(STRICT) -O2 -I. -c memscope.c -o $(B)/memscope.o
	@if [ -n "$(HAVE_CLANG)" ]; then echo "$(CLANG) $(STRICT) -O2 -c memscope.c"; \
	  $(CLANG) $(STRICT) -O2 -I. -c memscope.c -o $(B)/memscope-clang.o; fi
	@touch $@

# ---- examples ----
examples: $(addprefix $(B)/examples/,$(EXAMPLES))
$(B)/examples/%: examples/%.c memscope.h
	@mkdir -p $(B)/examples
	$(CC) $(EXFLAGS) $< -o $@ $(LIBS)

demo: $(B)/examples/leaky_cache $(B)/memscope
	@mkdir -p output
	@echo "== running examples/leaky_cache.c (a word counter with an LRU cache that leaks) =="
	@$(B)/examples/leaky_cache
	@echo "== report: output/leaky_cache.json =="
	@python3 -c "import json; d=json.load(open('output/leaky_cache.json')); \
	  print('   parsed back: %d allocations, %d still live, peak %d bytes, %d hotspots, %d stacks' % \
	  (d['total_allocations'], d['active_allocations'], d['peak_memory_bytes'], len(d['hotspots']), len(d['stacks'])))"
	@echo "== dashboard: output/leaky_cache.html (open it in a browser; self-contained) =="
	@echo "== the same run from its binary file: $(B)/memscope report output/leaky_cache.msb --top 5 =="
	@$(B)/memscope report output/leaky_cache.msb --top 5

# ---- tests ----
test: deps
	@$(MAKE) --no-print-directory check-embed check-toc format-selftest unit cli-test setuid-test hook-test stacks-test unwind-test report-test json-test formats-test package-test fuzz-smoke matrix run-examples sanitize tsan unit-clang browser-test
	@echo "== make test: all green =="

# Installs what the tests need when missing: as root through apt-get, otherwise
# prints the exact command.
deps:
	@missing=""; \
	printf '#include <stdarg.h>\n#include <stddef.h>\n#include <setjmp.h>\n#include <stdint.h>\n#include <cmocka.h>\n' \
	  | $(CC) -E -x c - >/dev/null 2>&1 || missing="$$missing libcmocka-dev"; \
	command -v python3 >/dev/null 2>&1 || missing="$$missing python3"; \
	command -v $(CLANG) >/dev/null 2>&1 || missing="$$missing clang"; \
	command -v $(CXX) >/dev/null 2>&1 || missing="$$missing g++"; \
	command -v ip >/dev/null 2>&1 || missing="$$missing iproute2"; \
	for p in heaptrack sqlite3 jq; do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	ldconfig -p 2>/dev/null | grep -q 'libzstd\.so\.1 ' || missing="$$missing libzstd1"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "== installing:$$missing =="; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing test dependencies; install them with:"; \
	    echo "    sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

$(B)/tests/%: tests/%.c memscope.h
	@mkdir -p $(B)/tests
	$(CC) $(TESTFLAGS) $< -o $@ -lcmocka $(LIBS)
$(B)/tests-clang/%: tests/%.c memscope.h
	@mkdir -p $(B)/tests-clang
	$(CLANG) $(TESTFLAGS) $< -o $@ -lcmocka $(LIBS)
$(B)/tests-san/%: tests/%.c memscope.h
	@mkdir -p $(B)/tests-san
	$(CC) $(TESTFLAGS) $(SAN) $< -o $@ -lcmocka $(LIBS)
$(B)/tests-tsan/%: tests/%.c memscope.h
	@mkdir -p $(B)/tests-tsan
	$(CC) $(TESTFLAGS) $(TSAN) $< -o $@ -lcmocka $(LIBS)

define run_tests
	@set -e; for t in $(2); do \
	  echo "== $(1): $$t =="; \
	  tests/run_unit.sh $(1) $(B)/$(1)/$$t $(OUT)/$(1)/$$t $(3); \
	done
endef

# A stand-in libnvidia-ml.so.1 for the NVML path of the monitor (tests/test_monitor_gpu.c).
FAKE_NVML := $(B)/fake-nvml/libnvidia-ml.so.1
$(FAKE_NVML): tests/gpu/fake_nvml.c
	@mkdir -p $(B)/fake-nvml
	$(CC) -std=c11 -O1 -Wall -Wextra -Werror -shared -fPIC $< -o $@

unit: $(addprefix $(B)/tests/,$(TESTS)) $(FAKE_NVML)
	$(call run_tests,tests,$(TESTS),)

unit-clang:
	@if [ -n "$(HAVE_CLANG)" ]; then $(MAKE) --no-print-directory unit-clang-run; \
	 else echo "clang not found: clang build of the tests skipped"; fi
unit-clang-run: $(addprefix $(B)/tests-clang/,$(TESTS)) $(FAKE_NVML)
	$(call run_tests,tests-clang,$(TESTS),)

sanitize: $(addprefix $(B)/tests-san/,$(TESTS)) $(FAKE_NVML)
	$(call run_tests,tests-san,$(TESTS),ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1)

# TSan needs a fixed memory layout on kernels with high mmap randomisation.
tsan: $(addprefix $(B)/tests-tsan/,$(THREAD_TESTS))
	$(call run_tests,tests-tsan,$(THREAD_TESTS),TSAN_OPTIONS=halt_on_error=1:die_after_fork=0 $$(setarch $$(uname -m) -R true 2>/dev/null && echo setarch $$(uname -m) -R))

# Compile matrix: strict gcc/clang, decl+impl TUs linked, header twice, MEMSCOPE_STATIC,
# C++11, every MEMSCOPE_NO_* toggle, includes after strict system headers, custom
# allocator, MEMSCOPE_NO_JSON run (only JSON and HTML gone), and two programs that must NOT compile.
MATRIX_RUN := twice static_impl late_include custom_alloc
matrix:
	@mkdir -p $(B)/matrix
	@set -e; for cc in $(CC) $(if $(HAVE_CLANG),$(CLANG)); do \
	  echo "== matrix ($$cc) =="; \
	  $$cc $(STRICT) -I. -c memscope.c -o $(B)/matrix/impl.o; \
	  $$cc $(STRICT) -I. -c tests/matrix/decl_user.c -o $(B)/matrix/decl.o; \
	  $$cc $(STRICT) -I. -c tests/matrix/main_link.c -o $(B)/matrix/main.o; \
	  $$cc $(B)/matrix/impl.o $(B)/matrix/decl.o $(B)/matrix/main.o -o $(B)/matrix/link $(LIBS); \
	  $(B)/matrix/link; \
	  for f in $(MATRIX_RUN); do \
	    $$cc $(STRICT) -I. tests/matrix/$$f.c -o $(B)/matrix/$$f $(LIBS); $(B)/matrix/$$f >/dev/null; \
	    echo "   $$f: ok"; \
	  done; \
	  $$cc $(STRICT) -I. tests/matrix/late_include_time.c -o $(B)/matrix/late_include_time; \
	  $(B)/matrix/late_include_time >/dev/null; echo "   late_include_time (no -pthread): ok"; \
	  $$cc $(STRICT) -DMEMSCOPE_HOOK_MALLOC -I. tests/matrix/late_include.c -o $(B)/matrix/late_include_hook $(LIBS); \
	  $(B)/matrix/late_include_hook >/dev/null; echo "   late_include with -DMEMSCOPE_HOOK_MALLOC: ok"; \
	  $$cc $(STRICT) -DMEMSCOPE_HOOK_MALLOC -I. -c memscope.c -o $(B)/matrix/impl_hook.o; \
	  $$cc $(STRICT) -I. -c tests/matrix/own_close.c -o $(B)/matrix/own_close.o; \
	  $$cc $(B)/matrix/impl_hook.o $(B)/matrix/own_close.o -o $(B)/matrix/own_close $(LIBS); \
	  $(B)/matrix/own_close; echo "   own_close (its own close and dup2 beside -DMEMSCOPE_HOOK_MALLOC: they link and are called): ok"; \
	  rm -rf $(B)/matrix/no_json; mkdir -p $(B)/matrix/no_json; \
	  $$cc $(STRICT) -DMEMSCOPE_NO_JSON -I. tests/matrix/no_json.c -o $(B)/matrix/no_json-bin $(LIBS); \
	  $(B)/matrix/no_json-bin $(B)/matrix/no_json tests/fuzz/corpus/json-valid.json >/dev/null; \
	  python3 -c 'import json, sys; [json.load(open(p)) for p in sys.argv[1:]]' \
	    $(B)/matrix/no_json/one.trace.json $(B)/matrix/no_json/one.dhat.json; \
	  echo "   no_json (-DMEMSCOPE_NO_JSON: every export but JSON and HTML, both readers): ok"; \
	  for opt in MEMSCOPE_NO_MONITOR MEMSCOPE_NO_JSON MEMSCOPE_NO_HTML MEMSCOPE_NO_BINARY MEMSCOPE_NO_STACKS MEMSCOPE_NO_SHORT_NAMES MEMSCOPE_HOOK_MALLOC \
	             MEMSCOPE_HOOK_MALLOC,MEMSCOPE_NO_BINARY MEMSCOPE_HOOK_MALLOC,MEMSCOPE_NO_JSON MEMSCOPE_HOOK_MALLOC,MEMSCOPE_NO_STACKS \
	             MEMSCOPE_NO_JSON,MEMSCOPE_NO_BINARY; do \
	    $$cc $(STRICT) $$(echo "-D$$opt" | sed 's/,/ -D/g') -I. -c memscope.c -o $(B)/matrix/opt.o; echo "   -D$$opt: ok"; \
	  done; \
	  for f in fail_nonpointer fail_partial_alloc; do \
	    if $$cc $(STRICT) -I. tests/matrix/$$f.c -o $(B)/matrix/$$f $(LIBS) 2>/dev/null; then \
	      echo "   $$f compiled but must not"; exit 1; fi; \
	    echo "   $$f: rejected at compile time, as it must be"; \
	  done; \
	done
	@echo "== matrix (C++11) =="
	$(CXX) -std=c++11 -Wall -Wextra -Wpedantic -Werror -I. tests/matrix/cpp_decl.cpp $(B)/matrix/impl.o \
	  -o $(B)/matrix/cpp $(LIBS)
	$(B)/matrix/cpp
	$(CC) $(STRICT) -I. -c tests/cpp_impl.c -o $(B)/matrix/cpp_impl.o
	$(CXX) -std=c++11 -Wall -Wextra -Wpedantic -Werror -I. tests/test_cpp.cpp $(B)/matrix/cpp_impl.o \
	  -o $(B)/matrix/test_cpp $(LIBS)
	$(B)/matrix/test_cpp
	@if [ -n "$(HAVE_CLANG)" ]; then \
	  clang++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -I. tests/matrix/cpp_decl.cpp $(B)/matrix/impl.o \
	    -o $(B)/matrix/cpp-clang $(LIBS) && $(B)/matrix/cpp-clang; fi

# Every example writes a JSON report and a .msb of the same instant: `memscope report` of the
# .msb must give back the JSON byte for byte, and print its report.
run-examples: examples $(B)/memscope
	@set -e; rm -rf $(OUT)/examples; mkdir -p $(OUT)/examples; for e in $(EXAMPLES); do \
	  echo "== example: $$e =="; (cd $(OUT)/examples && ../../examples/$$e >/dev/null); \
	done; n=0; for m in $(OUT)/examples/output/*.msb; do \
	  j=$${m%.msb}.json; $(B)/memscope report $$m --as-recorded --json $$m.json > $$m.txt; \
	  cmp $$j $$m.json; grep -q "^memscope report of" $$m.txt; \
	  echo "   $$(basename $$m): memscope report ok, its JSON = $$(basename $$j) byte for byte ($$(wc -c < $$j) bytes)"; n=$$((n+1)); \
	done; [ $$n = $(words $(EXAMPLES)) ] || { echo "FAIL: $$n .msb files for $(words $(EXAMPLES)) examples"; exit 1; }

# ---- whole-program mode: hooks compiled in (gcc, clang), memscope run on programs that know
# nothing of memscope, and the figures of real Debian programs against heaptrack's ----
$(B)/hook/test_hooks: tests/hook/test_hooks.c memscope.h tests/ms_test.h
	@mkdir -p $(B)/hook
	$(CC) $(TESTFLAGS) $< -o $@ -lcmocka $(LIBS) -lm
$(B)/hook/test_hooks-clang: tests/hook/test_hooks.c memscope.h tests/ms_test.h
	@mkdir -p $(B)/hook
	$(if $(HAVE_CLANG),$(CLANG),$(CC)) $(TESTFLAGS) $< -o $@ -lcmocka $(LIBS) -lm
$(B)/hook/prog: tests/hook/prog.c
	@mkdir -p $(B)/hook
	$(CC) -std=c11 -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror $< -o $@ $(LIBS)
hook-test: $(B)/hook/test_hooks $(B)/hook/test_hooks-clang $(B)/hook/prog $(B)/memscope $(B)/libmemscope.so
	@echo "== whole-program mode: hooks in the program (gcc, clang) =="
	@MEMSCOPE_TEST_OUT=$(OUT)/hooks $(B)/hook/test_hooks
	@MEMSCOPE_TEST_OUT=$(OUT)/hooks-clang $(B)/hook/test_hooks-clang
	@echo "== the same with the live table instead of log mode (MEMSCOPE_LIVE_TABLE=1) =="
	@MEMSCOPE_LIVE_TABLE=1 MEMSCOPE_TEST_OUT=$(OUT)/hooks-table $(B)/hook/test_hooks
	@echo "== whole-program mode: memscope run =="
	@tests/hook/test_run.sh
	@echo "== whole-program mode: the .msb written while the program runs =="
	@tests/hook/test_stream.sh
	@echo "== whole-program mode: figures against heaptrack =="
	@python3 tests/peer/compare_heaptrack.py

# ---- call stacks: frame names against the modules' symbol tables, nm and addr2line ----
stacks-test: $(B)/memscope $(B)/libmemscope.so
	@echo "== call stacks: frame names (static, exported, stripped, a library of the test's own) =="
	@tests/names/run.sh

# ---- the call-frame-information unwinder (>>unwind) against glibc's backtrace() (gcc, clang,
# ASan+UBSan, TSan), and end to end through memscope run ----
unwind-test: $(B)/memscope $(B)/libmemscope.so
	@echo "== call stacks: the unwinder against backtrace(), and through memscope run =="
	@tests/unwind/run.sh

$(B)/unwind-bench: bench/unwind_bench.c memscope.h
	@mkdir -p $(B)
	$(CC) -std=c11 -O2 -g -fno-omit-frame-pointer -Wall -Wextra -I. $< -o $@ $(LIBS)

# ---- other tools' formats, each checked by its real reader (installed when missing) ----
formats-test: $(B)/tests/test_formats $(B)/memscope $(B)/libmemscope.so
	tests/formats/run.sh

# ---- make install / uninstall, and a consumer project built against the installed tree
# through find_package(memscope) and through pkg-config ----
package-test: $(B)/memscope $(B)/libmemscope.so
	tests/package/run.sh

# ---- memscope.h's map (TOC, banners, function list, options) agrees with the file, and its
# .msb names (section types, META fields) with docs/FORMAT.md ----
check-toc:
	@python3 tools/check_toc.py --selftest memscope.h
	@python3 tools/check_toc.py memscope.h
	@python3 tools/check_format.py --selftest memscope.h docs/FORMAT.md
	@python3 tools/check_format.py memscope.h docs/FORMAT.md

# ---- reports that point at the problem: where frames, grouped leaks, suppressions, diff ----
report-test: $(B)/memscope $(B)/libmemscope.so
	@echo "== reports: where frames, leaks by stack, suppressions, folded costs, pprof, diff =="
	@tests/report/run.sh

# ---- memscope report of a JSON report: what the .msb of the same instant gives, for TRACK
# programs and a whole-program run; malformed JSON refused with its offset (also under ASan+UBSan) ----
json-test: $(B)/memscope $(B)/libmemscope.so examples
	@echo "== reports from the JSON export: those of the .msb; malformed JSON refused =="
	@tests/report/json.sh

# ---- browser tests of the HTML dashboard (install chromium and playwright-core if missing) ----
browser-test: embed
	tests/browser/run.sh
browser-bench: embed
	tests/browser/run.sh --bench

# ---- benchmark ----
# PEER_PAIRS: malloc/free pairs per run of the whole-program comparison with heaptrack
PEER_PAIRS ?= 10000000
bench: $(B)/memscope-bench $(B)/unwind-bench $(B)/memscope $(B)/libmemscope.so
	$(B)/memscope-bench $(BENCH_PAIRS)
	$(B)/unwind-bench
	bench/peer_bench.sh $(PEER_PAIRS)
	@$(MAKE) --no-print-directory browser-bench
$(B)/memscope-bench: bench/bench.c memscope.h
	@mkdir -p $(B)
	$(CC) -std=c11 -O2 -g -fno-omit-frame-pointer -Wall -Wextra -I. $< -o $@ $(LIBS)

# ---- install ----
install: $(B)/memscope $(B)/libmemscope.so
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/memscope $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/memscope
	install -m 755 $(B)/memscope $(DESTDIR)$(PREFIX)/bin/memscope
	install -m 755 $(B)/libmemscope.so $(DESTDIR)$(PREFIX)/lib/memscope/libmemscope.so
	install -m 644 memscope.h $(DESTDIR)$(PREFIX)/include/memscope.h
	install -m 644 memscope.c $(DESTDIR)$(PREFIX)/share/memscope/memscope.c
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^#define MEMSCOPE_VERSION_STRING "\(.*\)"/\1/p' memscope.h)|g' \
	  tools/memscope.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/memscope.pc
	install -d $(DESTDIR)$(PREFIX)/lib/cmake/memscope
	for f in memscope-config memscope-config-version; do \
	  sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^#define MEMSCOPE_VERSION_STRING "\(.*\)"/\1/p' memscope.h)|g' \
	    tools/cmake/$$f.cmake.in > $(DESTDIR)$(PREFIX)/lib/cmake/memscope/$$f.cmake || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/memscope.h $(DESTDIR)$(PREFIX)/share/memscope/memscope.c \
	  $(DESTDIR)$(PREFIX)/bin/memscope $(DESTDIR)$(PREFIX)/lib/memscope/libmemscope.so \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/memscope.pc
	rm -f $(DESTDIR)$(PREFIX)/lib/cmake/memscope/memscope-config.cmake \
	  $(DESTDIR)$(PREFIX)/lib/cmake/memscope/memscope-config-version.cmake
	-rmdir $(DESTDIR)$(PREFIX)/share/memscope 2>/dev/null
	-rmdir $(DESTDIR)$(PREFIX)/lib/memscope $(DESTDIR)$(PREFIX)/lib/cmake/memscope 2>/dev/null

clean:
	rm -rf $(B) output
