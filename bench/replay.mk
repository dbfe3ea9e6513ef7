# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# `make bench-replay` (also run by `make bench`): replay throughput and
# report generation time on one core (bench/bench_replay.c).  Figures, not
# a test.  BENCH_INCIDENTS=N changes the size (default 100000).

BENCH_REPLAY := $(OUT)/bench/bench_replay
BENCH_INCIDENTS ?= 100000

.PHONY: bench bench-replay

$(BENCH_REPLAY): bench/bench_replay.c $(LIB_OBJS) $(TEST_LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(TEST_CPPFLAGS) $(CFLAGS) $(WARNFLAGS) -MMD -MP $< $(TEST_LIB_OBJS) \
		$(LIB_OBJS) -o $@

bench-replay: $(BENCH_REPLAY)
	$(Q)$(BENCH_REPLAY) $(BENCH_INCIDENTS)

bench: bench-replay

-include $(wildcard $(OUT)/bench/*.d)
