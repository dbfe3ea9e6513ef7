# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# `make bench`: bench/run_bench.py, its two load generators and the two
# floors (btf_floor: start-up; event_floor: the cost of emitting an event).
# Figures, not tests: run as root on an otherwise quiet machine when you can.
# Included by the top-level Makefile.

BENCH_OUT := $(OUT)/bench
BENCH_BINS := $(BENCH_OUT)/forkexit $(BENCH_OUT)/oomstorm $(BENCH_OUT)/btf_floor \
	      $(BENCH_OUT)/event_floor $(BENCH_OUT)/hook_loader

.PHONY: bench

bench: $(OUT)/oomreap-trace $(FIXTURES) $(BENCH_BINS)
	$(Q)python3 bench/run_bench.py --out $(OUT) $(BENCH_ARGS)

$(BENCH_OUT)/%: bench/%.c | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -D_GNU_SOURCE -O2 -g $(WARNFLAGS) $< -o $@

$(BENCH_OUT)/btf_floor: bench/btf_floor.c | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -D_GNU_SOURCE -O2 -g $(WARNFLAGS) $< -o $@ -lbpf

# Loads chosen programs of our own object (bench/hook_loader.c).
$(BENCH_OUT)/hook_loader: bench/hook_loader.c $(OUT)/bpf/oomreap.bpf.o | $(BENCH_OUT)
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
