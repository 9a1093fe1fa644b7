# pam4sim - build, run, test, bench, install.
#   make run     set up (installs missing Debian packages when root), build, run the default link
#   make test    set up, build, run every test
#   make regress the reference test vectors, bit-exact (also part of make test)
#   make bench   throughput and memory of the default link
#   make install PREFIX=/usr/local DESTDIR=
#   make asan    the whole test suite under AddressSanitizer + UBSan, built in build-asan/
#   make fuzz    each fuzz target (tests/fuzz/) for FUZZ_SECONDS under ASan + UBSan (clang-14, libFuzzer)
# CFLAGS (optimisation, debugging, sanitizers) may come from the environment or the command line;
# the project's own flags are in P4_CFLAGS and are always added.
CC      ?= cc
PREFIX  ?= /usr/local
CFLAGS  ?= -O2 -g
P4_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Iinclude -fPIC
PKGS    := fftw3 gsl libfyaml
DEBS    := build-essential pkg-config libfftw3-dev libgsl-dev libfyaml-dev libcriterion-dev xz-utils \
           libopenmpi-dev openmpi-bin libplplot-dev plplot-driver-cairo clang-14 libclang-rt-14-dev python3
B       ?= build

LIB_SRC := $(wildcard dsp/*.c) $(wildcard channel/*.c) $(filter-out sim/main.c sim/cli_%.c,$(wildcard sim/*.c))
CLI_OBJ := $(patsubst %.c,$(B)/%.o,sim/main.c $(wildcard sim/cli_*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
TESTS   := $(patsubst tests/%.c,$(B)/tests/%,$(wildcard tests/test_*.c))
BENCHES := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))
CHANNELS := $(patsubst vectors/channels/%.xz,$(B)/channels/%,$(wildcard vectors/channels/*.s4p.xz))

.PHONY: all setup run test regress bench install clean channels asan fuzz fuzz-build
all: $(B)/.setup $(B)/libpam4sim.a $(B)/libpam4sim.so $(B)/pam4sim

# Set-up: every library must be known to pkg-config; as root, apt-get installs what is missing.
$(B)/.setup:
	@mkdir -p $(B)
	@if pkg-config --exists $(PKGS) criterion plplot 2>/dev/null && ls /usr/lib/*/plplot*/drivers/cairo.so >/dev/null 2>&1 && command -v xz >/dev/null && command -v mpicc >/dev/null && command -v python3 >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "setup: installing $(DEBS)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBS) >/dev/null || exit 1; \
	else \
	  echo "setup: missing libraries; run:  sudo apt-get install -y $(DEBS)"; exit 1; \
	fi
	@touch $@
setup: $(B)/.setup

LDLIBS = $(shell pkg-config --libs $(PKGS)) -lfftw3_threads -lm -lpthread

# MPI: the command line is built with mpicc when there is one (the library never needs MPI).
MPICC   := $(shell command -v mpicc 2>/dev/null)
CLI_CC  := $(if $(MPICC),$(MPICC),$(CC))
CLI_DEF := $(if $(MPICC),-DP4_MPI,)

$(B)/%.o: %.c $(wildcard include/pam4sim/*.h) sim/cli.h | $(B)/.setup
	@mkdir -p $(dir $@)
	$(CC) $(P4_CFLAGS) $(CFLAGS) $(shell pkg-config --cflags $(PKGS)) -c $< -o $@

# the command line's objects: with mpicc and -DP4_MPI when MPI is there
$(CLI_OBJ): $(B)/sim/%.o: sim/%.c $(wildcard include/pam4sim/*.h) sim/cli.h $(B)/.mpi-$(if $(MPICC),on,off) | $(B)/.setup
	@mkdir -p $(dir $@)
	$(CLI_CC) $(P4_CFLAGS) $(CFLAGS) $(CLI_DEF) $(shell pkg-config --cflags $(PKGS) plplot) -c $< -o $@
$(B)/.mpi-on $(B)/.mpi-off: | $(B)/.setup
	@rm -f $(B)/.mpi-on $(B)/.mpi-off; touch $@

$(B)/libpam4sim.a: $(LIB_OBJ)
	$(AR) rcs $@ $^
$(B)/libpam4sim.so: $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -o $@ $^ $(LDLIBS)
$(B)/pam4sim: $(CLI_OBJ) $(B)/libpam4sim.a
	$(CLI_CC) $(P4_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs plplot)

$(B)/channels/%: vectors/channels/%.xz | $(B)/.setup
	@mkdir -p $(dir $@)
	xz -dc $< > $@.tmp && mv $@.tmp $@
channels: $(CHANNELS)

$(B)/tests/%: tests/%.c tests/testutil.h $(B)/libpam4sim.a
	@mkdir -p $(dir $@)
	$(CC) $(P4_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libpam4sim.a $(LDLIBS) -lcriterion

$(B)/bench/%: bench/%.c bench/bench.h $(B)/libpam4sim.a
	@mkdir -p $(dir $@)
	$(CC) $(P4_CFLAGS) $(CFLAGS) $(LDFLAGS) -O3 -o $@ $< $(B)/libpam4sim.a $(LDLIBS)

run: all
	./$(B)/pam4sim run

test: all channels $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; P4_BIN=$(B)/pam4sim P4_CHANNELS=$(B)/channels $$t --jobs 2; done
	@sh tests/cli_errors.sh $(B)/pam4sim $(B)/channels
	@sh tests/mpi.sh $(B)/pam4sim
	@sh tests/stat_cli.sh $(B)/pam4sim
	@sh tests/compare_cli.sh $(B)/pam4sim
	@sh tests/robust_cli.sh $(B)/pam4sim
	@sh tests/json_cli.sh $(B)/pam4sim
	@$(MAKE) --no-print-directory regress

# The reference vectors: every block the manifest lists, regenerated in memory and compared
# (integers bit-exact). Regenerating the files is deliberate: ./build/pam4sim vectors generate vectors
regress: all
	./$(B)/pam4sim vectors check vectors

bench: all $(BENCHES)
	@for b in $(BENCHES); do $$b; done
	@sh bench/bench_mpi.sh $(B)/pam4sim

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/pam4sim $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(B)/pam4sim $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(B)/libpam4sim.a $(B)/libpam4sim.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/pam4sim/*.h $(DESTDIR)$(PREFIX)/include/pam4sim/
	sed -e 's|@PREFIX@|$(PREFIX)|' pam4sim.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/pam4sim.pc

# Sanitizers: the library, the command line and every test built with ASan + UBSan in their own
# folder, then the whole suite; leaks of third-party libraries (Criterion, Open MPI, PLplot) are
# suppressed in tests/sanitizer.supp, every other leak or error fails. (The slow unwinder on malloc
# gives the whole allocation stack through libraries built without frame pointers, which the
# suppressions need.)
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
asan:
	@ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:halt_on_error=1 \
	 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizer.supp:print_suppressions=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 OMPI_MCA_memory=^patcher \
	 $(MAKE) --no-print-directory B=build-asan CFLAGS="$(ASAN_FLAGS)" test

# Fuzzing (libFuzzer, clang-14): each target in tests/fuzz/ calls one reader of the library with
# hostile bytes, under ASan + UBSan; the corpus grows in build-fuzz/corpus/TARGET from the seeds in
# tests/fuzz/seeds/TARGET. A crash, a leak, a hang (> 10 s) or a 2 GB allocation fails.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang-14
FUZZERS      := touchstone config checkpoint fec_hex
FUZZ_FLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
fuzz-build: $(B)/.setup
	@command -v $(FUZZ_CC) >/dev/null && ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || \
	 { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-14 libclang-rt-14-dev >/dev/null; } || \
	 { echo "fuzz: needs clang-14 and libclang-rt-14-dev: sudo apt-get install -y clang-14 libclang-rt-14-dev"; exit 1; }
	@$(MAKE) --no-print-directory B=build-fuzz CC=$(FUZZ_CC) CFLAGS="$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link" \
	  $(FUZZERS:%=build-fuzz/fuzz/%)
$(B)/fuzz/%: tests/fuzz/%.c $(B)/libpam4sim.a
	@mkdir -p $(dir $@)
	$(CC) $(P4_CFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(B)/libpam4sim.a $(LDLIBS)
fuzz: fuzz-build
	@set -e; for t in $(FUZZERS); do \
	  mkdir -p build-fuzz/corpus/$$t; echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	  rc=0; ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build-fuzz/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 -dict=tests/fuzz/$$t.dict \
	    -artifact_prefix=build-fuzz/$$t- build-fuzz/corpus/$$t tests/fuzz/seeds/$$t > build-fuzz/$$t.log 2>&1 || rc=$$?; \
	  tail -n 25 build-fuzz/$$t.log; \
	  [ $$rc = 0 ] && [ $$(ls build-fuzz/$$t-* 2>/dev/null | wc -l) = 0 ] || \
	    { echo "fuzz $$t: failed (status $$rc); the input is in build-fuzz/$$t-*, the log in build-fuzz/$$t.log"; exit 1; }; \
	done

clean:
	rm -rf $(B) build-asan build-fuzz
