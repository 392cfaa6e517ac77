# aioctl — see README.md.  Everything is built below build/.
PREFIX   ?= /usr/local
DESTDIR  ?=
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
# Completions go where each shell looks below PREFIX: bash-completion and fish name their
# directory in pkg-config (relative to datadir); Debian's zsh searches vendor-completions
# below /usr and site-functions below /usr/local.
BASHCOMPDIR ?= $(or $(shell pkg-config --define-variable=datadir=$(PREFIX)/share --variable=completionsdir bash-completion 2>/dev/null),$(PREFIX)/share/bash-completion/completions)
FISHCOMPDIR ?= $(or $(shell pkg-config --define-variable=datadir=$(PREFIX)/share --variable=completionsdir fish 2>/dev/null),$(PREFIX)/share/fish/vendor_completions.d)
ZSHCOMPDIR  ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/share/zsh/vendor-completions,$(PREFIX)/share/zsh/site-functions)
VERSION  := 0.1.0

CC       ?= cc
PKGS     := libproc2 jansson
BUILD    ?= build
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -DAIOCTL_VERSION='"$(VERSION)"' \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -Isrc
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Bind every symbol at start-up: a lazy binding resolved inside move's frozen window
# faults in the dynamic linker's pages while the target stands still.
LDFLAGS  += -Wl,-z,now -Wl,-z,relro

# make check SANITIZE=1: AddressSanitizer + UBSan for aioctl and the unit tests.
ifeq ($(SANITIZE),1)
BUILD    := build/sanitize
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

SRCS      := $(wildcard src/*.c)
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
LIB_OBJS  := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
MAIN_OBJ  := $(BUILD)/obj/main.o
# Test-only fault hooks (src/testhook.h, tests/integration/faults.bats) exist only in a
# second binary, build/aioctl-test, compiled from the same sources with AIOCTL_TEST_HOOKS.
TEST_OBJS := $(SRCS:src/%.c=$(BUILD)/testobj/%.o)
HDRS      := $(wildcard src/*.h src/arch/*.h)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TGT_SRCS  := $(wildcard tests/targets/*.c)
TGT_BINS  := $(TGT_SRCS:tests/targets/%.c=$(BUILD)/targets/%)
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

DEB_PKGS  := build-essential pkg-config libproc2-dev libjansson-dev libaio-dev \
             libcmocka-dev bats jq fio util-linux man-db groff-base bash-completion \
             zsh fish

BENCH_PKGS := hyperfine gdb time jq

.PHONY: all deps check unit integration demo bench fuzz install uninstall clean tests-build

all: $(BUILD)/aioctl

$(BUILD)/aioctl: $(MAIN_OBJ) $(BUILD)/libaioctl.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libaioctl.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/obj/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/aioctl-test: $(TEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/testobj/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DAIOCTL_TEST_HOOKS -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libaioctl.a tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags cmocka 2>/dev/null) $(LDFLAGS) -o $@ $< \
	    $(BUILD)/libaioctl.a $(LDLIBS) $(shell pkg-config --libs cmocka 2>/dev/null)

# Test targets are plain programs: no sanitizer, so they behave like real applications.
$(BUILD)/targets/%: tests/targets/%.c tests/targets/target.h
	@mkdir -p $(dir $@)
	cc -O1 -g -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -o $@ $< -laio -lpthread

# spawner (a benchmark helper) also gives list.bats its hundreds of processes.
tests-build: all $(BUILD)/aioctl-test $(UNIT_BINS) $(TGT_BINS) $(BUILD)/bench/spawner

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	cc -O2 -g -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -o $@ $< -lpthread

# Installs the Debian packages that are missing (needs root; a no-op when all are present).
deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

check: deps
	$(MAKE) tests-build
	BUILD=$(BUILD) tests/run

unit: tests-build
	BUILD=$(BUILD) tests/run unit

integration: tests-build
	BUILD=$(BUILD) tests/run integration

demo: deps
	$(MAKE) all $(BUILD)/targets/ringholder
	BUILD=$(BUILD) tests/demo.sh

# libFuzzer harnesses (tests/fuzz): FUZZ_SECONDS per harness.
FUZZ_SECONDS ?= 60
fuzz: deps
	@dpkg -s clang libclang-rt-14-dev >/dev/null 2>&1 || \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
	tests/fuzz/run-fuzz $(FUZZ_SECONDS)

# Benchmarks are not tests: `make check` never depends on them.
bench: deps
	@missing=""; for p in $(BENCH_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
	$(MAKE) all $(BENCH_BINS) $(BUILD)/targets/ringholder
	BUILD=$(BUILD) bench/run $(BENCH_ARGS)

install: all
	install -D -m 0755 $(BUILD)/aioctl $(DESTDIR)$(SBINDIR)/aioctl
	install -D -m 0644 man/aioctl.8 $(DESTDIR)$(MANDIR)/man8/aioctl.8
	install -D -m 0644 completions/aioctl.bash $(DESTDIR)$(BASHCOMPDIR)/aioctl
	install -D -m 0644 completions/_aioctl $(DESTDIR)$(ZSHCOMPDIR)/_aioctl
	install -D -m 0644 completions/aioctl.fish $(DESTDIR)$(FISHCOMPDIR)/aioctl.fish

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/aioctl $(DESTDIR)$(MANDIR)/man8/aioctl.8 \
	    $(DESTDIR)$(BASHCOMPDIR)/aioctl $(DESTDIR)$(ZSHCOMPDIR)/_aioctl \
	    $(DESTDIR)$(FISHCOMPDIR)/aioctl.fish

clean:
	rm -rf build
