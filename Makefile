# pam4sim - build, run, test, bench, install.
#   make run     set up (installs missing Debian packages when root), build, run the default link
#   make test    set up, build, run every test
#   make regress the reference test vectors, bit-exact (also part of make test)
#   make bench   throughput and memory of the default link
#   make install PREFIX=/usr/local DESTDIR=
CC      ?= cc
PREFIX  ?= /usr/local
CFLAGS  ?= -O3 -g
# -fno-math-errno: sqrt, floor and friends inline (no errno to set); results are unchanged (no
# fast-math: no reassociation, no FMA contraction). x86-64-v2 (SSE4.2, 2009 on) only where both the
# compiler and this machine's processor have it: inline floor/round; again the same results.
ARCH    ?= $(shell [ "$$(uname -m)" = x86_64 ] && grep -qw sse4_2 /proc/cpuinfo 2>/dev/null && \
             $(CC) -march=x86-64-v2 -E -x c /dev/null >/dev/null 2>&1 && echo -march=x86-64-v2)
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Iinclude -fPIC -fno-math-errno $(ARCH)
PKGS    := fftw3 gsl libfyaml
DEBS    := build-essential pkg-config libfftw3-dev libgsl-dev libfyaml-dev libcriterion-dev xz-utils \
           libopenmpi-dev openmpi-bin libplplot-dev plplot-driver-cairo
B       := build

LIB_SRC := $(wildcard dsp/*.c) $(wildcard channel/*.c) $(filter-out sim/main.c sim/cli_%.c,$(wildcard sim/*.c))
CLI_OBJ := $(patsubst %.c,$(B)/%.o,sim/main.c $(wildcard sim/cli_*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
TESTS   := $(patsubst tests/%.c,$(B)/tests/%,$(wildcard tests/test_*.c))
BENCHES := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))
CHANNELS := $(patsubst vectors/channels/%.xz,$(B)/channels/%,$(wildcard vectors/channels/*.s4p.xz))

.PHONY: all setup run test regress bench install clean channels
all: $(B)/.setup $(B)/libpam4sim.a $(B)/libpam4sim.so $(B)/pam4sim

# Set-up: every library must be known to pkg-config; as root, apt-get installs what is missing.
$(B)/.setup:
	@mkdir -p $(B)
	@if pkg-config --exists $(PKGS) criterion plplot 2>/dev/null && ls /usr/lib/*/plplot*/drivers/cairo.so >/dev/null 2>&1 && command -v xz >/dev/null && command -v mpicc >/dev/null; then :; \
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

$(B)/%.o: %.c $(wildcard include/pam4sim/*.h) $(wildcard sim/*.h) | $(B)/.setup
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags $(PKGS)) -c $< -o $@

# the command line's objects: with mpicc and -DP4_MPI when MPI is there
$(CLI_OBJ): $(B)/sim/%.o: sim/%.c $(wildcard include/pam4sim/*.h) sim/cli.h $(B)/.mpi-$(if $(MPICC),on,off) | $(B)/.setup
	@mkdir -p $(dir $@)
	$(CLI_CC) $(CFLAGS) $(CLI_DEF) $(shell pkg-config --cflags $(PKGS) plplot) -c $< -o $@
$(B)/.mpi-on $(B)/.mpi-off: | $(B)/.setup
	@rm -f $(B)/.mpi-on $(B)/.mpi-off; touch $@

$(B)/libpam4sim.a: $(LIB_OBJ)
	$(AR) rcs $@ $^
$(B)/libpam4sim.so: $(LIB_OBJ)
	$(CC) -shared -o $@ $^ $(LDLIBS)
$(B)/pam4sim: $(CLI_OBJ) $(B)/libpam4sim.a
	$(CLI_CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs plplot)

$(B)/channels/%: vectors/channels/%.xz | $(B)/.setup
	@mkdir -p $(dir $@)
	xz -dc $< > $@.tmp && mv $@.tmp $@
channels: $(CHANNELS)

$(B)/tests/%: tests/%.c tests/testutil.h $(B)/libpam4sim.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(B)/libpam4sim.a $(LDLIBS) -lcriterion

$(B)/bench/%: bench/%.c bench/bench.h $(B)/libpam4sim.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(B)/libpam4sim.a $(LDLIBS)

run: all
	./$(B)/pam4sim run

test: all channels $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; P4_BIN=$(B)/pam4sim P4_CHANNELS=$(B)/channels $$t --jobs 2; done
	@sh tests/cli_errors.sh $(B)/pam4sim $(B)/channels
	@sh tests/mpi.sh $(B)/pam4sim
	@sh tests/stat_cli.sh $(B)/pam4sim
	@sh tests/compare_cli.sh $(B)/pam4sim
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

clean:
	rm -rf $(B)
