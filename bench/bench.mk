# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# `make bench`: bench/run_bench.py, its two load generators and the two
# floors (btf_floor: start-up; event_floor: the cost of emitting an event).
# Figures, not tests: run as root on an otherwise quiet machine when you can.
# Included by the top-level Makefile.

BENCH_OUT := $(OUT)/bench
BENCH_BINS := $(BENCH_OUT)/forkexit $(BENCH_OUT)/oomstorm $(BENCH_OUT)/btf_floor \
	      $(BENCH_OUT)/event_floor $(BENCH_OUT)/hook_loader $(BENCH_OUT)/sigload

.PHONY: bench bench-killers

# The userspace-killer programs: per signal, per exit, per system call (--mrelease).
bench-killers: $(OUT)/oomreap-trace $(BENCH_OUT)/forkexit $(BENCH_OUT)/sigload
	$(Q)python3 bench/killers.py $(OUT)

# BENCH_BASELINE_REV=main: that revision of the tool is built too and
# measured beside this one in the same run (run_bench.py --baseline).
BENCH_BASELINE_REV ?=
BENCH_BASELINE := $(if $(BENCH_BASELINE_REV),$(BENCH_OUT)/baseline/build/oomreap-trace)
# ... and its static link, for the guest of part g (bench-oomkill)
BENCH_BASELINE_STATIC := $(if $(BENCH_BASELINE_REV),$(BENCH_OUT)/baseline/build/static/oomreap-trace)

bench: $(OUT)/oomreap-trace $(FIXTURES) $(BENCH_BINS) $(BENCH_BASELINE) \
		$(OUT)/static/oomreap-trace $(BENCH_BASELINE_STATIC)
	$(Q)python3 bench/run_bench.py --out $(OUT) $(if $(BENCH_BASELINE),--baseline \
		$(BENCH_BASELINE)) $(if $(BENCH_BASELINE_STATIC),--vm-baseline \
		$(BENCH_BASELINE_STATIC)) $(BENCH_ARGS)

# `make bench-oomkill` (part g of `make bench` too): start-up and memory
# beside libbpf-tools' oomkill, in a qemu guest of Debian 12's 6.12 kernel
# where every rung works (bench/vm_startup.py, bench/README.md).  Needs
# root, qemu and the Debian archive, like `make vmtest`; shares its cache
# (VMTEST_CACHE).  BENCH_VM_ROUNDS=N rounds (default 7).  Not in `make check`.
.PHONY: bench-oomkill
bench-oomkill: $(OUT)/static/oomreap-trace $(BENCH_BASELINE_STATIC)
	$(Q)python3 bench/vm_startup.py --out $(OUT) $(if $(BENCH_BASELINE_STATIC),--baseline \
		$(BENCH_BASELINE_STATIC))

# Rebuilt every time: the revision may have moved.
.PHONY: $(BENCH_OUT)/baseline/build/oomreap-trace
$(BENCH_OUT)/baseline/build/oomreap-trace:
	$(call msg,BASELINE,$(BENCH_BASELINE_REV))
	$(Q)rm -rf $(BENCH_OUT)/baseline && mkdir -p $(BENCH_OUT)/baseline
	$(Q)git archive $(BENCH_BASELINE_REV) | tar -x -C $(BENCH_OUT)/baseline
	$(Q)$(MAKE) -s -C $(BENCH_OUT)/baseline build/oomreap-trace

.PHONY: $(BENCH_OUT)/baseline/build/static/oomreap-trace
$(BENCH_OUT)/baseline/build/static/oomreap-trace: $(BENCH_OUT)/baseline/build/oomreap-trace
	$(Q)$(MAKE) -s -C $(BENCH_OUT)/baseline build/static/oomreap-trace

$(BENCH_OUT)/%: bench/%.c | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -D_GNU_SOURCE -O2 -g $(WARNFLAGS) $< -o $@

$(BENCH_OUT)/btf_floor: bench/btf_floor.c | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -D_GNU_SOURCE -O2 -g $(WARNFLAGS) $< -o $@ -lbpf

# Loads chosen programs of our own object (bench/hook_loader.c).
$(BENCH_OUT)/hook_loader: bench/hook_loader.c $(OUT)/bpf/oomreap.bpf.o $(OUT)/bpf/percpu_offsets.bpf.o \
		| $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -D_GNU_SOURCE -O2 -g $(WARNFLAGS) $< -o $@ $(LDLIBS)

$(BENCH_OUT)/event_floor.bpf.o: bench/event_floor.bpf.c | $(BENCH_OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_OUT)/event_floor.skel.h: $(BENCH_OUT)/event_floor.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name event_floor > $@

$(BENCH_OUT)/event_floor: bench/event_floor.c $(BENCH_OUT)/event_floor.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) -D_GNU_SOURCE -O2 -g $(WARNFLAGS) -I$(BENCH_OUT) $< -o $@ $(LDLIBS)

$(BENCH_OUT):
	$(Q)mkdir -p $@
