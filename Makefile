# pam4sim - build, run, test, bench, install.
#   make run     set up (installs missing Debian packages when root), build, run the default link
#   make test    set up, build, run every test
#   make regress the reference test vectors, bit-exact (also part of make test)
#   make bench   throughput and memory of the default link
#   make install PREFIX=/usr/local DESTDIR=    (and make uninstall with the same two)
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
           libopenmpi-dev openmpi-bin libplplot-dev plplot-driver-cairo python3
B       := build
VERSION := $(shell sed -n 's/^\#define P4_VERSION "\(.*\)"/\1/p' include/pam4sim/report.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))
LIBDIR  := $(DESTDIR)$(PREFIX)/lib

LIB_SRC := $(wildcard dsp/*.c) $(wildcard channel/*.c) $(filter-out sim/main.c sim/cli_%.c,$(wildcard sim/*.c))
CLI_OBJ := $(patsubst %.c,$(B)/%.o,sim/main.c $(wildcard sim/cli_*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o) $(B)/com_builtin.o
COM_YAML := $(wildcard com/params/*.yaml)
TESTS   := $(patsubst tests/%.c,$(B)/tests/%,$(wildcard tests/test_*.c))
BENCHES := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))
CHANNELS := $(patsubst vectors/channels/%.xz,$(B)/channels/%,$(wildcard vectors/channels/*.s4p.xz))

# IBIS-AMI models: the examples (examples/ami) and the failing test models (tests/ami), each a
# shared library with its .ami file beside it in build/ami
AMI_SO  := $(patsubst %.c,$(B)/ami/%.so,$(notdir $(wildcard examples/ami/*.c tests/ami/*.c)))
AMI_AMI := $(patsubst %.ami,$(B)/ami/%.ami,$(notdir $(wildcard examples/ami/*.ami tests/ami/*.ami)))

.PHONY: all setup run test regress bench install uninstall clean channels
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

$(B)/%.o: %.c $(wildcard include/pam4sim/*.h) $(wildcard sim/*.h) | $(B)/.setup
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags $(PKGS)) -c $< -o $@

# the command line's objects: with mpicc and -DP4_MPI when MPI is there
$(CLI_OBJ): $(B)/sim/%.o: sim/%.c $(wildcard include/pam4sim/*.h) $(wildcard sim/*.h) $(B)/.mpi-$(if $(MPICC),on,off) | $(B)/.setup
	@mkdir -p $(dir $@)
	$(CLI_CC) $(CFLAGS) $(CLI_DEF) $(shell pkg-config --cflags $(PKGS) plplot) -c $< -o $@
$(B)/.mpi-on $(B)/.mpi-off: | $(B)/.setup
	@rm -f $(B)/.mpi-on $(B)/.mpi-off; touch $@

# the shipped COM parameter tables, built into the library
$(B)/com_builtin.c: $(COM_YAML) com/embed.sh | $(B)/.setup
	sh com/embed.sh $(COM_YAML) > $@.tmp && mv $@.tmp $@
$(B)/com_builtin.o: $(B)/com_builtin.c
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/libpam4sim.a: $(LIB_OBJ)
	$(AR) rcs $@ $^
# The shared library: libpam4sim.so.VERSION with SONAME libpam4sim.so.MAJOR, and the two links to it.
$(B)/libpam4sim.so.$(VERSION): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libpam4sim.so.$(SOMAJOR) -o $@ $^ $(LDLIBS)
$(B)/libpam4sim.so: $(B)/libpam4sim.so.$(VERSION)
	ln -sf libpam4sim.so.$(VERSION) $(B)/libpam4sim.so.$(SOMAJOR)
	ln -sf libpam4sim.so.$(SOMAJOR) $@
$(B)/pam4sim: $(CLI_OBJ) $(B)/libpam4sim.a
	$(CLI_CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs plplot)

$(B)/ami/%.so: examples/ami/%.c examples/ami/ami_util.h | $(B)/.setup
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -o $@ $< -lm
$(B)/ami/%.so: tests/ami/%.c | $(B)/.setup
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -o $@ $<
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
	$(CC) $(CFLAGS) -o $@ $< $(B)/libpam4sim.a $(LDLIBS) -lcriterion

$(B)/bench/%: bench/%.c bench/bench.h $(B)/libpam4sim.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(B)/libpam4sim.a $(LDLIBS)

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

clean:
	rm -rf $(B)
