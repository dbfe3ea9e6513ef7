// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Why a program was refused, in one line (src/live/loadlog.c), from load
 * logs as the kernel and libbpf write them.  The first two are the tails
 * of the logs 7.3.4 and 7.3.4-rt gave for the blocker program before it
 * knew their mmap_lock layouts (relocated against their BTF, verified).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "live/loadlog.h"

static const char log_73[] =
	"324: (bf) r7 = r6                     ; R6=map_value(map=blocker_scratch,ks=4,vs=1016)\n"
	"325: <invalid CO-RE relocation>\n"
	"failed to resolve CO-RE relocation <byte_off> [378] struct "
	"mm_struct.mmap_lock.wait_list (0:0:18:4 @ offset 208)\n"
	"processed 284 insns (limit 1000000) max_states_per_insn 0 total_states 13 "
	"peak_states 13 mark_read 0\n";

static const char log_73_rt[] =
	"282: (6b) *(u16 *)(r6 +32) = r0       ; R0=scalar(smin=smin32=0,smax=umax=1)\n"
	"283: <invalid CO-RE relocation>\n"
	"failed to resolve CO-RE relocation <byte_off> [378] struct "
	"mm_struct.mmap_lock.count.counter (0:0:18:0:0 @ offset 184)\n"
	"processed 239 insns (limit 1000000) max_states_per_insn 0 total_states 9 "
	"peak_states 9 mark_read 0\n";

/* A plain verifier refusal, with the statistics a log level 4 adds. */
static const char log_verifier[] =
	"0: R1=ctx() R10=fp0\n"
	"; oom_mm = task->signal->oom_mm; @ oomreap.bpf.c:720\n"
	"2: (79) r1 = *(u64 *)(r9 +3520)\n"
	"access beyond struct task_struct at off 3520 size 8\n"
	"verification time 33 usec\n"
	"stack depth 0\n"
	"processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0\n";

static void test_core_relocation_first(void **state)
{
	char buf[200];

	(void)state;
	loadlog__reason(log_73, buf, sizeof(buf));
	assert_string_equal(buf, "failed to resolve CO-RE relocation <byte_off> [378] struct "
				 "mm_struct.mmap_lock.wait_list (0:0:18:4 @ offset 208)");
	loadlog__reason(log_73_rt, buf, sizeof(buf));
	assert_non_null(strstr(buf, "mm_struct.mmap_lock.count.counter"));
	assert_ptr_equal(strstr(buf, "failed to resolve"), buf);
}

static void test_verifier_last_word(void **state)
{
	char buf[200];

	(void)state;
	loadlog__reason(log_verifier, buf, sizeof(buf));
	assert_string_equal(buf, "access beyond struct task_struct at off 3520 size 8");
	/* no trailing newline, trailing blanks cut */
	loadlog__reason("0: (85) call pc+1\nR1 invalid mem access 'scalar'  \r", buf, sizeof(buf));
	assert_string_equal(buf, "R1 invalid mem access 'scalar'");
}

static void test_nothing_to_say(void **state)
{
	char buf[16] = "stale";

	(void)state;
	loadlog__reason(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
	strcpy(buf, "stale");
	loadlog__reason("", buf, sizeof(buf));
	assert_string_equal(buf, "");
	loadlog__reason("\n\nprocessed 1 insns\n", buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_cut_and_cleaned(void **state)
{
	char buf[12];

	(void)state;
	/* cut to the buffer, and the kernel's text never puts a control byte on our line */
	loadlog__reason("bad\x1b[31m thing happened\n", buf, sizeof(buf));
	assert_string_equal(buf, "bad?[31m th");
	loadlog__reason("x\n", buf, 1);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_relocation_first),
		cmocka_unit_test(test_verifier_last_word),
		cmocka_unit_test(test_nothing_to_say),
		cmocka_unit_test(test_cut_and_cleaned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
