# libgevent_patch - run unmodified blocking programs on greenlets.
#
#   make            build build/libgevent_patch.so and build/gevent-run
#   make deps       install the Debian packages it needs (as root)
#   make demo       the side-by-side demo (installs what is missing first)
#   make test       the whole test suite; ends with "N passed, N failed"
#   make test SANITIZE=1   the same with the shim built under ASan + UBSan
#   make bench      benchmarks, printed as ratios measured in one run
#   make soak       200,000 connections in waves against the echo server under the shim
#   make install PREFIX=/usr/local DESTDIR=   /   make uninstall
#   make deb        Debian packages into build/deb/ (built in a copy of the tree)

PREFIX  ?= /usr/local
DESTDIR ?=
LIBDIR  ?= $(PREFIX)/lib
BINDIR  ?= $(PREFIX)/bin
INCDIR  ?= $(PREFIX)/include
MANDIR  ?= $(PREFIX)/share/man
PCDIR   ?= $(PREFIX)/share/pkgconfig
# One version for the library, gevent-run and the Debian packages: the top
# entry of debian/changelog (a native package, so no Debian revision).
VERSION := $(shell head -n1 debian/changelog | cut -d' ' -f2 | tr -d '()')
$(if $(VERSION),,$(error cannot read the version from debian/changelog))
# The ABI generation; the Debian library package's name carries it too
# (debian/control: libgevent-patch0).
SOVERSION := 0
SONAME    := libgevent_patch.so.$(SOVERSION)

CC      ?= cc
BUILD   ?= build
ifeq ($(SANITIZE),1)
BUILD   := build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
# Internals are hidden; the hooks in patches/ keep default visibility and the
# generated version script decides what is exported.
VIS       = -fvisibility=hidden
$(BUILD)/obj/patches/%.o: VIS =
# The stdio hooks hold a FILE lock across calls where a greenlet may be
# cancelled: the unwinder must run their cleanups.
$(BUILD)/obj/patches/stdio.o: ALLCFLAGS += -fexceptions
# -U_FORTIFY_SOURCE: the library defines libc's own names (open, read...);
# fortify's inline wrappers of them (Debian's hardening CPPFLAGS) must not
# wrap our definitions or the aliases made of them.
ALLCFLAGS = -std=gnu11 $(CPPFLAGS) -U_FORTIFY_SOURCE $(CFLAGS) $(WARN) $(SANFLAGS) -fPIC $(VIS) \
             -D_GNU_SOURCE -DGP_VERSION='"$(VERSION)"'
# boost.context's fcontext routines are plain assembly: the static archive
# links into a shared object without dragging libstdc++ along.
BOOST_CONTEXT_A := $(firstword $(wildcard /usr/lib/*/libboost_context.a /usr/lib/libboost_context.a))
LIBS     := -lev -lcares -ldl -lpthread

# Layers, bottom up: shim/base (symbol table, originals, configuration),
# hub/, resolver/, patches/, then the front door (shim/*.c). The launcher
# (gevent-run.c, run_elf.c) is a program of its own.
RUN_SRCS := shim/gevent-run.c shim/run_elf.c
SRCS := $(wildcard shim/base/*.c hub/*.c resolver/*.c patches/*.c shim/*.c)
SRCS := $(filter-out $(RUN_SRCS),$(SRCS))
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o)
LIB  := $(BUILD)/libgevent_patch.so
RUN  := $(BUILD)/gevent-run

# Test and benchmark programs: plain C, built the way Debian builds
# packages, with no knowledge of the shim.
LEGACY_SRCS := $(wildcard test/legacy/*.c)
LEGACY      := $(LEGACY_SRCS:test/legacy/%.c=$(BUILD)/legacy/%)
LEGACY_CFLAGS := -O2 -g -D_FORTIFY_SOURCE=2 -Wall -Wextra -Werror -pthread
# C++ and Rust programs beside them, built from source the same way (g++
# -std=c++20 -pthread; rustc -O with std only, no cargo): test/legacy/*.cc
# and test/legacy/*.rs.
LEGACY_CXX_SRCS := $(wildcard test/legacy/*.cc)
LEGACY_RS_SRCS  := $(wildcard test/legacy/*.rs)
LEGACY += $(LEGACY_CXX_SRCS:test/legacy/%.cc=$(BUILD)/legacy/%) \
          $(LEGACY_RS_SRCS:test/legacy/%.rs=$(BUILD)/legacy/%)
LEGACY_CXXFLAGS := -std=c++20 -O2 -g -D_FORTIFY_SOURCE=2 -Wall -Wextra -Werror -pthread
RUSTC ?= rustc
# Debian 12's rustc is 1.63: OnceLock (1.70) only where the compiler has it.
RUSTFLAGS ?= -O -g $(shell $(RUSTC) --version 2>/dev/null | \
               awk '{split($$2, v, "."); if (v[1] > 1 || v[2] >= 70) print "--cfg has_oncelock"}')
# Helpers the tests run beside the programs (a small DNS server).
TOOLS_SRCS  := $(wildcard test/tools/*.c)
TOOLS       := $(TOOLS_SRCS:test/tools/%.c=$(BUILD)/tools/%)
BENCH_SRCS  := $(wildcard bench/*.c)
BENCH       := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%) \
               $(patsubst bench/%.cc,$(BUILD)/bench/%,$(wildcard bench/*.cc)) \
               $(patsubst bench/%.rs,$(BUILD)/bench/%,$(wildcard bench/*.rs))

# Debian packages: to build, and what the tests and benchmarks drive.
DEPS      := libev-dev libc-ares-dev libboost-context-dev
TEST_DEPS := dpkg-dev gcc g++ rustc make procps binutils valgrind curl socat openssh-client man-db groff-base netcat-openbsd python3 \
             util-linux zlib1g-dev dpkg-dev debhelper lintian pkg-config build-essential systemd \
             libjemalloc2 libgoogle-perftools4 libmimalloc2.0 redis-server redis-tools \
             mount liburing-dev memcached haproxy unbound pigz xz-utils zstd pbzip2 ripgrep fd-find
# Only make bench needs these (the original system, for comparison).
BENCH_DEPS := python3-gevent
DEP_HEADERS := /usr/include/ev.h /usr/include/ares.h /usr/include/boost/context/detail/fcontext.hpp

.PHONY: posix all deps bench-deps check-deps test demo bench soak install uninstall clean format legacy deb FORCE

all: check-deps $(LIB) $(RUN)

check-deps:
	@missing=""; \
	for h in $(DEP_HEADERS); do [ -e $$h ] || missing=1; done; \
	[ -n "$(BOOST_CONTEXT_A)" ] || missing=1; \
	if [ -n "$$missing" ]; then \
	  echo "libgevent_patch: missing build dependencies (Debian: $(DEPS))."; \
	  echo "  run: make deps     (as root; or: sudo apt-get install -y $(DEPS))"; \
	  exit 1; fi

deps bench-deps:
	@need=""; for p in $(DEPS) $(TEST_DEPS) $(if $(filter bench-deps,$@),$(BENCH_DEPS)); do \
	  dpkg -s $$p >/dev/null 2>&1 || need="$$need $$p"; done; \
	if [ -z "$$need" ]; then echo "deps: all installed"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$need"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$need; \
	else echo "deps: run as root:  apt-get install -y$$need"; exit 1; fi
	@# make posix fetches the Open POSIX Test Suite with apt-get source:
	@# source lines (deb-src) next to the binary ones, added when missing
	@if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then :; \
	elif [ "$$(id -u)" != 0 ]; then echo "deps: no deb-src source lines (make posix needs them): run make deps as root"; \
	elif [ -f /etc/apt/sources.list.d/debian.sources ]; then \
	  echo "deps: enabling deb-src (/etc/apt/sources.list.d/gevent-patch-src.sources)"; \
	  sed 's/^Types: deb$$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
	    >/etc/apt/sources.list.d/gevent-patch-src.sources && apt-get update -q; \
	elif [ -f /etc/apt/sources.list ]; then \
	  echo "deps: enabling deb-src (/etc/apt/sources.list.d/gevent-patch-src.list)"; \
	  sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >/etc/apt/sources.list.d/gevent-patch-src.list && \
	  apt-get update -q; fi

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/exports.map: patches/symbols.def
	@mkdir -p $(dir $@)
	@{ echo '{ global:'; \
	   sed -n 's/^GP_SYM([A-Za-z0-9_]*, *\([A-Za-z0-9_]*\), *"[^"]*", *[a-z]*, *HOOK,.*/  \1;/p' $< | sort -u; \
	   echo '  gevent_*;'; echo 'local: *; };'; } > $@

$(LIB): $(OBJS) $(BUILD)/exports.map
	$(CC) -shared $(SANFLAGS) $(LDFLAGS) -Wl,-soname,$(SONAME) -o $@ $(OBJS) -Wl,--version-script=$(BUILD)/exports.map \
	  -Wl,-z,now -Wl,--exclude-libs,ALL $(BOOST_CONTEXT_A) $(LIBS)

RUN_CC = $(CC) -std=gnu11 -D_GNU_SOURCE $(CPPFLAGS) $(CFLAGS) $(WARN) -DGP_LIBDIR='"$(LIBDIR)"' \
	  $(LDFLAGS) -o $@ $(RUN_SRCS) -ldl
$(RUN): $(RUN_SRCS) shim/run_elf.h
	@mkdir -p $(dir $@)
	$(RUN_CC)

# The installed launcher looks for the library in the install's LIBDIR,
# compiled in: built at each install, so that `make` then
# `make install LIBDIR=/usr/lib/x86_64-linux-gnu` agree.
$(BUILD)/inst/gevent-run: $(RUN_SRCS) shim/run_elf.h FORCE
	@mkdir -p $(dir $@)
	$(RUN_CC)
FORCE:

$(BUILD)/legacy/%: test/legacy/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LEGACY_CFLAGS) -o $@ $< -lm $(LEGACY_LIBS)

# preemption tests (issue 14): zlib compressing threads
$(BUILD)/legacy/zecho: LEGACY_LIBS = -lz

# A program whose library's constructor starts threads, opens a socket and
# resolves a name before main (and before the shim's constructor).
$(BUILD)/legacy/libgp_ctor.so: test/legacy/lib/gp_ctor.c
	@mkdir -p $(dir $@)
	$(CC) $(LEGACY_CFLAGS) -fPIC -shared -o $@ $<
$(BUILD)/legacy/ctor_main: test/legacy/ctor_main.c $(BUILD)/legacy/libgp_ctor.so
	$(CC) $(LEGACY_CFLAGS) -o $@ $< -L$(BUILD)/legacy -lgp_ctor -Wl,-rpath,'$$ORIGIN'
# System calls made without libc (test 99): liburing linked statically.
$(BUILD)/legacy/raw_syscalls: LEGACY_LIBS = -l:liburing.a

# A liburing program (liburing-dev, a test dependency): its own library.
$(BUILD)/legacy/uring_wait: test/legacy/uring_wait.c
	@mkdir -p $(dir $@)
	$(CC) $(LEGACY_CFLAGS) -o $@ $< -luring

# A futex waiter unwound by cancellation unlinks itself (cleanup attribute).
$(BUILD)/obj/patches/futex.o: ALLCFLAGS += -fexceptions

$(BUILD)/legacy/%: test/legacy/%.cc
	@mkdir -p $(dir $@)
	$(CXX) $(LEGACY_CXXFLAGS) -o $@ $<

$(BUILD)/legacy/%: test/legacy/%.rs
	@mkdir -p $(dir $@)
	MAKEFLAGS= $(RUSTC) $(RUSTFLAGS) -o $@ $<

# Libraries with thread-local storage that tls_threads dlopens (one before
# its threads exist, one after).
TLSMODS := $(BUILD)/legacy/mod/libtlsmod.so $(BUILD)/legacy/mod/libtlsmod2.so
$(TLSMODS): test/legacy/mod/tlsmod.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $<
$(BUILD)/legacy/tls_threads: | $(TLSMODS)

# Exports its own gnu_get_libc_version (a glibc the shim does not know).
$(BUILD)/legacy/tls_glibc_other: LEGACY_CFLAGS += -rdynamic

# Cleanup by unwinding, as C++ code does it (cleanup attributes).
$(BUILD)/legacy/sync_unwind: LEGACY_CFLAGS += -fexceptions

$(BUILD)/tools/%: test/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -o $@ $<

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -pthread -o $@ $< -lev

$(BUILD)/bench/%: bench/%.cc
	@mkdir -p $(dir $@)
	$(CXX) -std=c++20 -O2 -g -Wall -Wextra -Werror -pthread -o $@ $<

$(BUILD)/bench/%: bench/%.rs
	@mkdir -p $(dir $@)
	MAKEFLAGS= $(RUSTC) -O -o $@ $<

legacy: $(LEGACY) $(TOOLS)

# The Open POSIX Test Suite natively and under the shim (about 15 minutes;
# not part of make test, run by .ci/run after it): test/posix/run.
posix: all
	@GP_BUILD=$(BUILD) test/posix/run

test: all $(LEGACY) $(TOOLS)
	@GP_BUILD=$(BUILD) GP_SANITIZE=$(SANITIZE) test/run

demo: deps
	@$(MAKE) --no-print-directory all legacy
	@GP_BUILD=$(BUILD) test/demo

bench: bench-deps
	@$(MAKE) --no-print-directory all legacy $(BENCH)
	@GP_BUILD=$(BUILD) bench/run

soak: all legacy
	@GP_BUILD=$(BUILD) test/soak 40 5000 4

# The library under its full version, the SONAME link, and the bare name
# LD_PRELOAD=libgevent_patch.so and gevent-run use.
install: all $(BUILD)/inst/gevent-run
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(PCDIR)
	install -m 755 $(LIB) $(DESTDIR)$(LIBDIR)/libgevent_patch.so.$(VERSION)
	ln -sf libgevent_patch.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libgevent_patch.so
	sed -e 's|@PREFIX@|$(PREFIX)|;s|@INCDIR@|$(INCDIR)|;s|@VERSION@|$(VERSION)|' \
	  shim/gevent_patch.pc.in > $(DESTDIR)$(PCDIR)/gevent_patch.pc
	install -m 755 $(BUILD)/inst/gevent-run $(DESTDIR)$(BINDIR)/gevent-run
	install -m 644 shim/gevent_patch.h $(DESTDIR)$(INCDIR)/gevent_patch.h
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	sed '1s/"libgevent_patch [^"]*"/"libgevent_patch $(VERSION)"/' man/gevent-run.1 \
	  > $(DESTDIR)$(MANDIR)/man1/gevent-run.1
	sed '1s/"libgevent_patch [^"]*"/"libgevent_patch $(VERSION)"/' man/libgevent_patch.7 \
	  > $(DESTDIR)$(MANDIR)/man7/libgevent_patch.7
	chmod 644 $(DESTDIR)$(MANDIR)/man1/gevent-run.1 $(DESTDIR)$(MANDIR)/man7/libgevent_patch.7 \
	  $(DESTDIR)$(PCDIR)/gevent_patch.pc
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libgevent_patch.so $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libgevent_patch.so.$(VERSION) $(DESTDIR)$(BINDIR)/gevent-run \
	  $(DESTDIR)$(INCDIR)/gevent_patch.h $(DESTDIR)$(PCDIR)/gevent_patch.pc
	rm -f $(DESTDIR)$(MANDIR)/man1/gevent-run.1 $(DESTDIR)$(MANDIR)/man7/libgevent_patch.7
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

# Binary packages built by dpkg-buildpackage in a temporary copy of the
# tracked files (it writes beside the source tree), collected with lintian's
# verdict into build/deb/ (git ignores build/).
deb:
	@debian/make-deb build/deb

format:
	clang-format -i $(SRCS) $(RUN_SRCS) shim/base/*.h hub/*.h patches/*.h shim/*.h resolver/*.h $(LEGACY_SRCS) \
	  $(TOOLS_SRCS) $(BENCH_SRCS)

clean:
	rm -rf build

-include $(OBJS:.o=.d)
