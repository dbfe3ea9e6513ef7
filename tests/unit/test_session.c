// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pipeline's kernel symbols (src/pipeline/session.c): read from the
 * kallsyms fd at the first blocker stack, and read again when a later
 * stack holds an address the table does not name (a module loaded since),
 * at most once per ten seconds of the events' clock.  The fd here is a
 * temporary file in kallsyms' format, rewritten between events as a
 * module load would change /proc/kallsyms.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/ksyms.h"
#include "pipeline/session.h"

#define SEC 1000000000ull
#define KERNEL_TEXT 0xffffffff81000000ull
#define MODULE_FRAME 0xffffffffc0801234ull

static const char proper[] = "ffffffff81000000 T _stext\n"
			     "ffffffff81000100 T msleep\n";
static const char with_module[] = "ffffffff81000000 T _stext\n"
				  "ffffffff81000100 T msleep\n"
				  "ffffffffc0801200 t oomhold_thread\t[oomhold]\n";

static void rewrite(const char *path, const char *text)
{
	FILE *f = fopen(path, "w"); /* the same inode: the session's fd sees it */

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static struct oomreap_blocker_event picture(uint64_t ts, uint64_t frame)
{
	struct oomreap_blocker_event b;

	memset(&b, 0, sizeof(b));
	b.hdr.type = OOMREAP_EV_BLOCKER;
	b.hdr.size = sizeof(b);
	b.hdr.ts_ns = ts;
	b.hdr.pid = b.hdr.tgid = 4242;
	b.ntasks = 1;
	b.tasks[0].pid = b.tasks[0].tgid = 4243;
	b.tasks[0].stack_len = 2;
	b.tasks[0].stack[0] = KERNEL_TEXT + 0x110; /* msleep+0x10 */
	b.tasks[0].stack[1] = frame;
	return b;
}

static const char *name_of(const struct session *s, uint64_t addr)
{
	uint64_t off;

	return s->rc.ksyms ? ksyms__lookup(s->rc.ksyms, addr, &off) : NULL;
}

static void test_module_loaded_later_is_named_after_reread(void **state)
{
	char path[] = "/tmp/oomreap-kallsyms-XXXXXX";
	struct session_opts o = { .no_summary = true };
	struct render_ctx rc = { .page_size = 4096 };
	struct oomreap_blocker_event b;
	struct session s;
	const struct ksyms *first;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	rewrite(path, proper);
	assert_int_equal(session__open(&s, &o, &rc), 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	session__give_kallsyms(&s, fd);

	/* the first stack reads the table: the kernel's frame named, the module's not */
	b = picture(100 * SEC, MODULE_FRAME);
	session__observe(&b, sizeof(b), &s);
	assert_non_null(s.rc.ksyms);
	assert_string_equal(name_of(&s, KERNEL_TEXT + 0x110), "msleep");
	assert_null(name_of(&s, MODULE_FRAME));
	first = s.rc.ksyms;

	/* the module is loaded; a stack 5 s later: not reread yet */
	rewrite(path, with_module);
	b = picture(105 * SEC, MODULE_FRAME);
	session__observe(&b, sizeof(b), &s);
	assert_ptr_equal(s.rc.ksyms, first);
	assert_null(name_of(&s, MODULE_FRAME));

	/* 10 s after the first read: read again, and the frame is named */
	b = picture(110 * SEC, MODULE_FRAME);
	session__observe(&b, sizeof(b), &s);
	assert_non_null(name_of(&s, MODULE_FRAME));
	assert_string_equal(name_of(&s, MODULE_FRAME), "oomhold_thread");
	assert_ptr_equal(s.rc.ksyms, s.ksyms);

	/* every frame named: no more reads, however late */
	first = s.rc.ksyms;
	rewrite(path, proper);
	b = picture(500 * SEC, MODULE_FRAME);
	session__observe(&b, sizeof(b), &s);
	assert_ptr_equal(s.rc.ksyms, first);

	assert_int_equal(session__close(&s, 0), 0);
	unlink(path);
}

/* A recording's own symbols (replay) are never replaced from this machine. */
static void test_given_symbols_are_never_reread(void **state)
{
	struct session_opts o = { .no_summary = true, .replay = true };
	struct render_ctx rc = { .page_size = 4096 };
	struct oomreap_blocker_event b;
	struct session s;
	struct ksyms *ks = ksyms__new();

	(void)state;
	assert_non_null(ks);
	assert_int_equal(ksyms__add(ks, KERNEL_TEXT, "_stext"), 0);
	assert_int_equal(session__open(&s, &o, &rc), 0);
	session__set_symbols(&s, ks);
	b = picture(100 * SEC, MODULE_FRAME);
	session__observe(&b, sizeof(b), &s);
	b = picture(200 * SEC, MODULE_FRAME);
	session__observe(&b, sizeof(b), &s);
	assert_ptr_equal(s.rc.ksyms, ks);
	assert_null(s.ksyms);
	assert_int_equal(session__close(&s, 0), 0);
	ksyms__free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_loaded_later_is_named_after_reread),
		cmocka_unit_test(test_given_symbols_are_never_reread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
