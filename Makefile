# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# oomreap-trace build.  `make` builds the tool, `make check` runs every test
# layer, `make V=1` shows the commands.

OUT       := build
CC        ?= cc
CLANG     ?= clang
BPFTOOL   ?= bpftool
ARCH      ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VERSION   := 0.1.0

CFLAGS    ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter
CPPFLAGS  += -Iinclude -Isrc -I$(OUT) -D_GNU_SOURCE -DOOMREAP_VERSION='"$(VERSION)"'
LDLIBS    += $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) \
	      -Iinclude -Ibpf -Ivmlinux/$(ARCH) -Wall -Wno-unused-function

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# The tracker and the sinks are pure and shared by the tool and the tests.
CORE_SRCS := src/tracker.c src/event.c src/render.c src/histogram.c src/timefmt.c src/ksyms.c
# Container attribution, the metric model and atomic textfile writes: no libbpf.
CORE_SRCS += src/container.c src/metrics.c src/textfile.c
# Record files, the kernel log parser, replay and postmortem reports.
CORE_SRCS += src/record.c src/kmsg.c src/replay.c src/report.c src/report_md.c src/report_html.c
TOOL_SRCS := $(CORE_SRCS) src/main.c src/options.c src/attach.c src/corebtf.c src/kbtf.c src/nameset.c src/kfeatures.c \
	     src/consumer.c src/errors.c src/sink_stream.c src/privdrop.c
TOOL_SRCS += src/sink_prom.c
TOOL_SRCS += src/sink_record.c src/replay_cmd.c
CORE_OBJS := $(CORE_SRCS:src/%.c=$(OUT)/obj/%.o)
TOOL_OBJS := $(TOOL_SRCS:src/%.c=$(OUT)/obj/%.o)

UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(wildcard tests/unit/test_*.c))

.DELETE_ON_ERROR:
# Keep the BPF objects between the .bpf.c and the skeleton: bpftool and tests read them.
.SECONDARY: $(OUT)/bpf/oomreap.bpf.o
.PHONY: all clean check deps test-unit test-e2e vmlinux fixtures install

all: $(OUT)/oomreap-trace

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

# Objects that include the skeleton must wait for it.
$(OUT)/obj/attach.o: $(OUT)/oomreap.skel.h

$(OUT)/obj/%.o: src/%.c | $(OUT)/obj
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNFLAGS) -MMD -MP -c $< -o $@

$(OUT)/oomreap-trace: $(TOOL_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The start-up path's BTF code needs libbpf, which the other unit tests do not.
BTF_OBJS := $(OUT)/obj/kbtf.o $(OUT)/obj/nameset.o $(OUT)/obj/corebtf.o
$(OUT)/tests/test_btf: tests/unit/test_btf.c $(CORE_OBJS) $(BTF_OBJS) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNFLAGS) -MMD -MP $< $(CORE_OBJS) $(BTF_OBJS) \
		-lcmocka $(LDLIBS) -o $@

$(OUT)/tests/%: tests/unit/%.c $(CORE_OBJS) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNFLAGS) -MMD -MP $< $(CORE_OBJS) -lcmocka -o $@

# BTF of a "kernel" without the oom tracepoints, for the CLI tests.
$(OUT)/tests/%.o: tests/cli/%.c | $(OUT)/tests
	$(call msg,CC-BTF,$@)
	$(Q)$(CLANG) -g -target bpf -c $< -o $@

$(OUT) $(OUT)/bpf $(OUT)/obj $(OUT)/tests:
	$(Q)mkdir -p $@

# Distribution packages for building and for every test layer (needs root).
deps:
	$(Q)scripts/install-deps.sh

# Regenerate the committed vmlinux.h from a BTF file (default: this kernel).
vmlinux:
	$(call msg,BTF,vmlinux/$(ARCH)/vmlinux.h)
	$(Q)mkdir -p vmlinux/$(ARCH)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > vmlinux/$(ARCH)/vmlinux.h.tmp
	$(Q)mv vmlinux/$(ARCH)/vmlinux.h.tmp vmlinux/$(ARCH)/vmlinux.h

-include tests/fixtures/fixtures.mk
# Hardening helpers and `make asan`; `make bench`.
include tests/hardening/hardening.mk bench/bench.mk
# Golden replays and reports, the HTML check in Chromium, fuzzing, bench-replay.
include tests/golden/golden.mk tests/fuzz/fuzz.mk bench/replay.mk

fixtures: $(FIXTURES)

test-unit: $(UNIT_TESTS)
	$(Q)tests/run-unit.sh $(UNIT_TESTS)

test-e2e: $(OUT)/oomreap-trace $(FIXTURES)
	$(Q)python3 tests/e2e/run_e2e.py

# The kernel matrix (tests/vm/): Debian 6.1 and 6.12 under qemu, every rung.
# The guests get a statically linked tool (libbpf, libelf, zlib archives).
$(OUT)/static/oomreap-trace: $(TOOL_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -static $^ \
		$(shell pkg-config --static --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) -o $@

.PHONY: vmtest
vmtest: $(OUT)/static/oomreap-trace
	$(Q)python3 tests/vm/vmtest.py

# Every layer; the last line is the one CI reads.
check: $(OUT)/oomreap-trace $(UNIT_TESTS) $(FIXTURES) $(OUT)/tests/no_oom_btf.o
	$(Q)tests/run-all.sh

PREFIX ?= /usr/local
install: $(OUT)/oomreap-trace
	install -D -m 0755 $(OUT)/oomreap-trace $(DESTDIR)$(PREFIX)/sbin/oomreap-trace
	install -D -m 0644 man/oomreap-trace.8 $(DESTDIR)$(PREFIX)/share/man/man8/oomreap-trace.8

clean:
	$(call msg,CLEAN,$(OUT))
	$(Q)rm -rf $(OUT)

-include $(wildcard $(OUT)/obj/*.d $(OUT)/bpf/*.d $(OUT)/tests/*.d)
