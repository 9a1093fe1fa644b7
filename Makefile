# pam4sim - build, run, test, bench, install.
#   make run     set up (installs missing Debian packages when root), build, run the default link
#   make test    set up, build, run every test
#   make regress the reference test vectors, bit-exact (also part of make test)
#   make bench   throughput and memory of the default link
#   make install PREFIX=/usr/local DESTDIR=    (and make uninstall with the same two)
#   make asan    the whole test suite under AddressSanitizer + UBSan, built in build-asan/
#   make fuzz    each fuzz target (tests/fuzz/) for FUZZ_SECONDS under ASan + UBSan (clang-14, libFuzzer)
# CFLAGS (optimisation, debugging, sanitizers) may come from the environment or the command line;
# the project's own flags are in P4_CFLAGS and are always added.
CC      ?= cc
PREFIX  ?= /usr/local
CFLAGS  ?= -O3 -g
# -fno-math-errno: sqrt, floor and friends inline (no errno to set); -fno-trapping-math: loops with
# a comparison or a select vectorise (no floating-point exception is ever tested); -ffp-contract=off:
# no FMA contraction with any compiler (GCC's C11 mode already has it off; clang's default does
# not); results are unchanged (no fast-math: no reassociation). x86-64-v2 (SSE4.2, 2009 on) only where both the
# compiler and this machine's processor have it: inline floor/round; again the same results.
ARCH    ?= $(shell [ "$$(uname -m)" = x86_64 ] && grep -qw sse4_2 /proc/cpuinfo 2>/dev/null && \
             $(CC) -march=x86-64-v2 -E -x c /dev/null >/dev/null 2>&1 && echo -march=x86-64-v2)
P4_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Iinclude -fPIC -fno-math-errno -fno-trapping-math -ffp-contract=off $(ARCH)
PKGS    := fftw3 gsl libfyaml
DEBS    := build-essential pkg-config libfftw3-dev libgsl-dev libfyaml-dev libcriterion-dev xz-utils \
           libopenmpi-dev openmpi-bin libplplot-dev plplot-driver-cairo clang-14 libclang-rt-14-dev python3
B       ?= build
VERSION := $(shell sed -n 's/^\#define P4_VERSION "\(.*\)"/\1/p' include/pam4sim/report.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))
LIBDIR  := $(DESTDIR)$(PREFIX)/lib

LIB_SRC := $(wildcard dsp/*.c) $(wildcard channel/*.c) $(filter-out sim/main.c sim/cli_%.c,$(wildcard sim/*.c))
CLI_OBJ := $(patsubst %.c,$(B)/%.o,sim/main.c $(wildcard sim/cli_*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o) $(B)/com_builtin.o $(B)/fftw_wisdom.o
COM_YAML := $(wildcard com/params/*.yaml)
TESTS   := $(patsubst tests/%.c,$(B)/tests/%,$(wildcard tests/test_*.c))
BENCHES := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))
CHANNELS := $(patsubst vectors/channels/%.xz,$(B)/channels/%,$(wildcard vectors/channels/*.s4p.xz))

# IBIS-AMI models: the examples (examples/ami) and the failing test models (tests/ami), each a
# shared library with its .ami file beside it in build/ami
AMI_SO  := $(patsubst %.c,$(B)/ami/%.so,$(notdir $(wildcard examples/ami/*.c tests/ami/*.c)))
AMI_AMI := $(patsubst %.ami,$(B)/ami/%.ami,$(notdir $(wildcard examples/ami/*.ami tests/ami/*.ami)))

.PHONY: all setup run test regress bench install uninstall clean channels asan fuzz fuzz-build
all: $(B)/.setup $(B)/libpam4sim.a $(B)/libpam4sim.so $(B)/pam4sim $(AMI_SO) $(AMI_AMI)

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
# The set-up is an included file: GNU make remakes it first and then reads this Makefile again, so
# what the set-up installs (mpicc, looked up below) is seen by the very first build on a fresh machine.
ifeq ($(filter clean uninstall,$(MAKECMDGOALS)),)
-include $(B)/.setup
endif

LDLIBS = $(shell pkg-config --libs $(PKGS)) -lfftw3_threads -lm -lpthread -ldl

# MPI: the command line is built with mpicc when there is one (the library never needs MPI).
MPICC   := $(shell command -v mpicc 2>/dev/null)
CLI_CC  := $(if $(MPICC),$(MPICC),$(CC))
CLI_DEF := $(if $(MPICC),-DP4_MPI,)

$(B)/%.o: %.c $(wildcard include/pam4sim/*.h) $(wildcard sim/*.h) $(wildcard channel/*.h) | $(B)/.setup
	@mkdir -p $(dir $@)
	$(CC) $(P4_CFLAGS) $(CFLAGS) $(shell pkg-config --cflags $(PKGS)) -c $< -o $@

# the command line's objects: with mpicc and -DP4_MPI when MPI is there
$(CLI_OBJ): $(B)/sim/%.o: sim/%.c $(wildcard include/pam4sim/*.h) $(wildcard sim/*.h) $(wildcard channel/*.h) $(B)/.mpi-$(if $(MPICC),on,off) | $(B)/.setup
	@mkdir -p $(dir $@)
	$(CLI_CC) $(P4_CFLAGS) $(CFLAGS) $(CLI_DEF) $(shell pkg-config --cflags $(PKGS) plplot) -c $< -o $@
$(B)/.mpi-on $(B)/.mpi-off: | $(B)/.setup
	@rm -f $(B)/.mpi-on $(B)/.mpi-off; touch $@

# the shipped COM parameter tables, built into the library
$(B)/com_builtin.c: $(COM_YAML) com/embed.sh | $(B)/.setup
	sh com/embed.sh $(COM_YAML) > $@.tmp && mv $@.tmp $@
$(B)/com_builtin.o: $(B)/com_builtin.c
	$(CC) $(P4_CFLAGS) $(CFLAGS) -c $< -o $@

# the FFT plans' built-in wisdom (channel/fftw_wisdom.txt, `pam4sim fft-wisdom`), a C string
$(B)/fftw_wisdom.c: channel/fftw_wisdom.txt | $(B)/.setup
	{ echo '/* generated from channel/fftw_wisdom.txt: do not edit */'; echo 'const char p4_fftw_wisdom[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' $<; echo '    "";'; } > $@.tmp && mv $@.tmp $@
$(B)/fftw_wisdom.o: $(B)/fftw_wisdom.c
	$(CC) $(P4_CFLAGS) $(CFLAGS) -c $< -o $@

$(B)/libpam4sim.a: $(LIB_OBJ)
	$(AR) rcs $@ $^
# The shared library: libpam4sim.so.VERSION with SONAME libpam4sim.so.MAJOR, and the two links to it.
$(B)/libpam4sim.so.$(VERSION): $(LIB_OBJ)
	$(CC) $(P4_CFLAGS) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libpam4sim.so.$(SOMAJOR) -o $@ $^ $(LDLIBS)
$(B)/libpam4sim.so: $(B)/libpam4sim.so.$(VERSION)
	ln -sf libpam4sim.so.$(VERSION) $(B)/libpam4sim.so.$(SOMAJOR)
	ln -sf libpam4sim.so.$(SOMAJOR) $@
$(B)/pam4sim: $(CLI_OBJ) $(B)/libpam4sim.a
	$(CLI_CC) $(P4_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs plplot)

# the models stand for vendors' binaries: built plainly, never with the sanitizers of make asan
# (a model that crashes on purpose must crash, not stop in a sanitizer's report)
AMI_CFLAGS := -O2 -g -Wall -fPIC -shared
$(B)/ami/%.so: examples/ami/%.c examples/ami/ami_util.h | $(B)/.setup
	@mkdir -p $(dir $@)
	$(CC) $(AMI_CFLAGS) -o $@ $< -lm
$(B)/ami/%.so: tests/ami/%.c | $(B)/.setup
	@mkdir -p $(dir $@)
	$(CC) $(AMI_CFLAGS) -o $@ $< -lm
$(B)/ami/tx_ffe_gw.so: examples/ami/tx_ffe.c examples/ami/ami_util.h
$(B)/ami/%.ami: examples/ami/%.ami
	@mkdir -p $(dir $@)
	cp $< $@
$(B)/ami/%.ami: tests/ami/%.ami
	@mkdir -p $(dir $@)
	cp $< $@

$(B)/channels/%: vectors/channels/%.xz | $(B)/.setup
	@mkdir -p $(dir $@)
	xz -dc $< > $@.tmp && mv $@.tmp $@
channels: $(CHANNELS)

$(B)/tests/%: tests/%.c tests/testutil.h $(B)/libpam4sim.a
	@mkdir -p $(dir $@)
	$(CC) $(P4_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libpam4sim.a $(LDLIBS) -lcriterion

$(B)/bench/%: bench/%.c bench/bench.h $(B)/libpam4sim.a
	@mkdir -p $(dir $@)
	$(CC) $(P4_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libpam4sim.a $(LDLIBS)

run: all
	./$(B)/pam4sim run

test: all channels $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; P4_BIN=$(B)/pam4sim P4_CHANNELS=$(B)/channels P4_AMI=$(B)/ami $$t --jobs 2; done
	@sh tests/cli_errors.sh $(B)/pam4sim $(B)/channels
	@sh tests/help_cli.sh $(B)/pam4sim
	@sh tests/vectors_cli.sh $(B)/pam4sim
	@MAKE="$(MAKE)" sh tests/install.sh $(B)/pam4sim $(B)/channels
	@sh tests/mpi.sh $(B)/pam4sim
	@sh tests/stat_cli.sh $(B)/pam4sim
	@sh tests/compare_cli.sh $(B)/pam4sim
	@sh tests/module_cli.sh $(B)/pam4sim
	@sh tests/mission_cli.sh $(B)/pam4sim
	@sh tests/sweep_channel_cli.sh $(B)/pam4sim $(B)/channels
	@sh tests/com_cli.sh $(B)/pam4sim $(B)/channels
	@sh tests/ami_cli.sh $(B)/pam4sim $(B)/ami
	@sh tests/robust_cli.sh $(B)/pam4sim
	@sh tests/json_cli.sh $(B)/pam4sim
	@sh tests/readme_cli.sh $(B)/pam4sim
	@sh tests/wisdom_cli.sh $(B)/pam4sim
	@$(MAKE) --no-print-directory regress

# The reference vectors: every block the manifest lists, regenerated in memory and compared
# (integers bit-exact). Regenerating the files is deliberate: ./build/pam4sim vectors generate vectors
regress: all
	./$(B)/pam4sim vectors check vectors

bench: all $(BENCHES)
	@for b in $(BENCHES); do $$b; done
	@sh bench/bench_mpi.sh $(B)/pam4sim

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include/pam4sim
	install -m 755 $(B)/pam4sim $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(B)/libpam4sim.a $(LIBDIR)/
	install -m 755 $(B)/libpam4sim.so.$(VERSION) $(LIBDIR)/
	ln -sf libpam4sim.so.$(VERSION) $(LIBDIR)/libpam4sim.so.$(SOMAJOR)
	ln -sf libpam4sim.so.$(SOMAJOR) $(LIBDIR)/libpam4sim.so
	install -m 644 include/pam4sim/*.h $(DESTDIR)$(PREFIX)/include/pam4sim/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' pam4sim.pc.in > $(LIBDIR)/pkgconfig/pam4sim.pc
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

# Removes what install put there (the same PREFIX and DESTDIR), and the folders it leaves empty.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/pam4sim $(LIBDIR)/libpam4sim.a $(LIBDIR)/libpam4sim.so \
	      $(LIBDIR)/libpam4sim.so.$(SOMAJOR) $(LIBDIR)/libpam4sim.so.$(VERSION) $(LIBDIR)/pkgconfig/pam4sim.pc \
	      $(addprefix $(DESTDIR)$(PREFIX)/include/pam4sim/,$(notdir $(wildcard include/pam4sim/*.h)))
	-rmdir $(DESTDIR)$(PREFIX)/include/pam4sim 2>/dev/null || true

# Sanitizers: the library, the command line and every test built with ASan + UBSan in their own
# folder, then the whole suite; leaks of third-party libraries (Criterion, Open MPI, PLplot) are
# suppressed in tests/sanitizer.supp, every other leak or error fails. (The slow unwinder on malloc
# gives the whole allocation stack through libraries built without frame pointers, which the
# suppressions need.)
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
asan:
	@ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:halt_on_error=1:handle_segv=0 \
	 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizer.supp:print_suppressions=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 OMPI_MCA_memory=^patcher P4_SAN_FLAGS="-fsanitize=address,undefined" \
	 $(MAKE) --no-print-directory B=build-asan CFLAGS="$(ASAN_FLAGS)" test

# Fuzzing (libFuzzer, clang-14): each target in tests/fuzz/ calls one reader of the library with
# hostile bytes, under ASan + UBSan; the corpus grows in build-fuzz/corpus/TARGET from the seeds in
# tests/fuzz/seeds/TARGET. A crash, a leak, a hang (> 10 s) or a 2 GB allocation fails.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang-14
FUZZERS      := touchstone config checkpoint fec_hex ami_file com_params wisdom
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
