# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Golden tests of replay and report (tests/golden/run_golden.sh), the HTML
# report in headless Chromium (tests/golden/check_html.sh), and the
# generator of the synthetic recordings.  Included by the top-level Makefile.
#
#   make test-golden                 compare with the committed expectations
#   make test-golden UPDATE=1        rewrite the expectations (review the diff!)
#   make golden-synthetic            regenerate tests/golden/synthetic-*.oomrec

GOLDEN_OUT := $(OUT)/golden
GOLDEN_GEN := $(GOLDEN_OUT)/gen_synthetic

.PHONY: golden-synthetic test-golden test-report-browser

$(GOLDEN_GEN): tests/golden/gen_synthetic.c $(LIB_OBJS) $(TEST_LIB_OBJS) | $(GOLDEN_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(TEST_CPPFLAGS) $(CFLAGS) $(WARNFLAGS) -MMD -MP $< $(TEST_LIB_OBJS) \
		$(LIB_OBJS) -o $@

$(GOLDEN_OUT):
	$(Q)mkdir -p $@

golden-synthetic: $(GOLDEN_GEN)
	$(Q)$(GOLDEN_GEN) tests/golden

test-golden: $(OUT)/oomreap-trace
	$(Q)UPDATE=$(UPDATE) tests/golden/run_golden.sh

test-report-browser: $(OUT)/oomreap-trace
	$(Q)tests/golden/check_html.sh

check: $(GOLDEN_GEN)

-include $(wildcard $(GOLDEN_OUT)/*.d)
