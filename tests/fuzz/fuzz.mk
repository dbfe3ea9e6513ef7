# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# libFuzzer harnesses for the parsers of untrusted input: record files
# (tests/fuzz/fuzz_record.c: reader, tracker, both report renderers; and
# tests/fuzz/fuzz_replay.c: end to end as replay --json -v, replay and report
# run them, from a file) and kernel logs (tests/fuzz/fuzz_kmsg.c), under
# ASan + UBSan with clang.
#
#   make fuzz                  each harness for FUZZ_TIME seconds (default 30)
#   make fuzz FUZZ_TIME=600    longer
# Crashes land in $(OUT)/fuzz/artifacts; seeds are the golden recordings.

FUZZ_OUT := $(OUT)/fuzz
FUZZ_CC ?= clang
FUZZ_TIME ?= 30
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
# The standard libFuzzer define: the record reader then skips its checksums, so
# mutations get past them into the parsers (the unit tests cover the CRC).
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
FUZZ_OBJS := $(LIB_SRCS:src/%.c=$(FUZZ_OUT)/obj/%.o)
FUZZERS := $(FUZZ_OUT)/fuzz_record $(FUZZ_OUT)/fuzz_kmsg $(FUZZ_OUT)/fuzz_replay

.PHONY: fuzz fuzzers
# Kept between runs: rebuilding them all for each harness is slow.
.SECONDARY: $(FUZZ_OBJS)

fuzzers: $(FUZZERS)

$(FUZZ_OUT)/obj/%.o: src/%.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_OUT)/%: tests/fuzz/%.c $(FUZZ_OBJS) | $(FUZZ_OUT)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJS) -o $@

$(FUZZ_OUT):
	$(Q)mkdir -p $@

fuzz: $(FUZZERS)
	$(Q)FUZZ_TIME=$(FUZZ_TIME) FUZZ_OUT=$(FUZZ_OUT) tests/fuzz/run_fuzz.sh

-include $(wildcard $(FUZZ_OUT)/obj/*/*.d)
