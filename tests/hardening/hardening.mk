# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Hardening: helpers for tests/hardening/run_hardening.py, and `make asan`
# (the tool and the unit tests built with ASan + UBSan into $(OUT)/asan;
# the unit tests and the golden replays run there: run_asan.sh).
# Included by the top-level Makefile.

HARDENING_OUT := $(OUT)/hardening
HARDENING_BINS := $(HARDENING_OUT)/privdrop_check $(HARDENING_OUT)/hostile_victim

.PHONY: hardening test-hardening asan

hardening: $(HARDENING_BINS)

# privdrop.c on its own (its session glue is stubbed by the test).
$(HARDENING_OUT)/privdrop_check: tests/hardening/privdrop_check.c src/live/privdrop.c \
		src/core/ksyms.c src/io/kallsyms.c src/io/errors.c src/io/fdio.c src/core/incident.c \
		src/live/privdrop.h src/core/ksyms.h src/io/kallsyms.h | $(HARDENING_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNFLAGS) $(filter %.c,$^) $(LDLIBS) -o $@

$(HARDENING_OUT)/hostile_victim: tests/hardening/hostile_victim.c tests/fixtures/fixture.h \
		| $(HARDENING_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -D_GNU_SOURCE -Itests/fixtures $(CFLAGS) $(WARNFLAGS) $< -o $@

$(HARDENING_OUT):
	$(Q)mkdir -p $@

test-hardening: $(OUT)/oomreap-trace $(FIXTURES) $(HARDENING_BINS)
	$(Q)python3 tests/hardening/run_hardening.py

check: $(HARDENING_BINS)

# ASan + UBSan: every finding is fatal (no recovery), leaks included.
ASAN_OUT := $(OUT)/asan
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	      -fno-sanitize-recover=all
asan:
	$(Q)$(MAKE) --no-print-directory OUT=$(ASAN_OUT) CFLAGS="$(ASAN_FLAGS)" \
		LDFLAGS="$(ASAN_FLAGS)" $(ASAN_OUT)/oomreap-trace \
		$(patsubst $(OUT)/tests/%,$(ASAN_OUT)/tests/%,$(UNIT_TESTS))
	$(Q)tests/hardening/run_asan.sh $(ASAN_OUT)
