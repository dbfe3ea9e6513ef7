// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Crafted recordings for tests/cli/run_cli.sh, written with the real
 * writer: what a hostile or damaged copy of a recording may hold, with
 * valid checksums, so that the checks behind the CRC are what is tested.
 *
 *   mkrec hostile PATH       ESC sequences and newlines in the header's
 *                            hostname and kernel release and in the kernel
 *                            symbols of a blocker stack
 *   mkrec big PATH           numbers at their bounds: clock offset 2^62,
 *                            lost counters near 2^64, RSS near INT64_MAX
 *   mkrec segments N PATH    one kill per segment, N segments (PATH, PATH.1, ...)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oomreap_abi.h"
#include "rec/record.h"
#include "wire.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (3600 * SEC)

static void die(const char *what, int err)
{
	fprintf(stderr, "mkrec: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void header(struct oomrec_header *h)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->tool_version, sizeof(h->tool_version), "0.1.0");
	snprintf(h->kernel_release, sizeof(h->kernel_release), "6.18.0-crafted");
	snprintf(h->hostname, sizeof(h->hostname), "crafted");
	snprintf(h->boot_id, sizeof(h->boot_id), "00000000-0000-4000-8000-000000c0ffee");
	snprintf(h->machine, sizeof(h->machine), "x86_64");
	h->page_size = 4096;
	h->mono_to_real_ns = 1795631400ll * 1000000000ll - (int64_t)T0;
	h->start_mono_ns = T0;
	h->rung = 3;
}

static void check(int err, const char *what)
{
	if (err)
		die(what, err);
}

static void event(struct rec_writer *w, const void *ev, size_t len)
{
	check(rec_writer__event(w, ev, len), "event");
}

static void hostile(const char *path)
{
	static const uint64_t stack[] = { 0xffffffff81a1c2d0ull, 0xffffffff8136e7a2ull };
	struct oomrec_header h;
	struct rec_writer *w;
	struct oomreap_kill_event k;
	struct oomreap_reap_event r;
	struct oomreap_blocker_event b;
	struct oomreap_blocked_task *t;
	uint64_t ts = T0 + SEC;

	header(&h);
	snprintf(h.hostname, sizeof(h.hostname), "evil\x1b[31mhost\nNEXTLINE");
	snprintf(h.kernel_release, sizeof(h.kernel_release), "6.18\x1b]0;title\x07-x");
	check(rec_writer__open(&w, path, &h, 0), path);
	k = wire__kill(1, 4242, 4242, ts, "victim", "/crafted");
	k.mm = wire__mm(1000, 10, 0);
	event(w, &k, sizeof(k));
	r = wire__reap(OOMREAP_EV_REAP_SKIP, 1, 4242, ts + 10 * MS);
	r.skip_reason = OOMREAP_SKIP_TRYLOCK_FAILED;
	event(w, &r, sizeof(r));
	check(rec_writer__symbol(w, 0xffffffff81a1c000ull, "evil_sym\x1b[2J\nINJECTED"), "symbol");
	check(rec_writer__symbol(w, 0xffffffff8136e000ull, "__x64_sys_\x1b[1mread"), "symbol");
	b = wire__blocker(1, 4242, ts + 11 * MS, 0x103);
	t = wire__blocked(&b, 4250, OOMREAP_ROLE_OWNER_WRITER, "holder", 2);
	memcpy(t->stack, stack, sizeof(stack));
	event(w, &b, sizeof(b));
	check(rec_writer__close(w, ts + SEC), "close");
}

static void big(const char *path)
{
	struct oomrec_header h;
	struct rec_writer *w;
	struct oomreap_kill_event k;
	struct oomreap_exit_event x;
	struct oomreap_reap_event r;
	uint64_t ts = T0 + SEC;

	header(&h);
	/* the documented bound on the clock offset, exactly */
	h.mono_to_real_ns = INT64_C(1) << 62;
	check(rec_writer__open(&w, path, &h, 0), path);
	k = wire__kill(1, 4242, 4242, ts, "big", "/crafted");
	k.mm = wire__mm(INT64_MAX - 1, 0, 0);
	event(w, &k, sizeof(k));
	r = wire__reap(OOMREAP_EV_REAP_START, 1, 4242, ts + MS);
	r.mm = wire__mm(INT64_MAX - 1, 0, 0);
	event(w, &r, sizeof(r));
	r = wire__reap(OOMREAP_EV_REAP_FINISH, 1, 4242, ts + 2 * MS);
	r.mm = wire__mm(0, 0, 0);
	event(w, &r, sizeof(r));
	x = wire__exit(1, 4242, ts + 3 * MS, 1, 1);
	event(w, &x, sizeof(x));
	check(rec_writer__lost(w, ts + 4 * MS, UINT64_MAX - 1), "lost");
	check(rec_writer__close(w, ts + SEC), "close");
}

static void segments(const char *path, unsigned n)
{
	struct oomrec_header h;
	struct rec_writer *w;
	char comm[16];
	unsigned i;

	header(&h);
	/* small enough that each kill lands in its own segment */
	check(rec_writer__open(&w, path, &h, 2048), path);
	for (i = 0; i < n; i++) {
		uint64_t ts = T0 + (i + 1) * SEC;
		struct oomreap_kill_event k;
		struct oomreap_exit_event x;

		snprintf(comm, sizeof(comm), "seg-%u", i);
		k = wire__kill(i + 1, 5000 + i, 5000 + i, ts, comm, "/crafted");
		event(w, &k, sizeof(k));
		x = wire__exit(i + 1, 5000 + i, ts + MS, 1, 1);
		event(w, &x, sizeof(x));
		check(rec_writer__flush(w, ts + 2 * MS), "flush");
	}
	check(rec_writer__close(w, T0 + (n + 1) * SEC), "close");
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "hostile"))
		hostile(argv[2]);
	else if (argc == 3 && !strcmp(argv[1], "big"))
		big(argv[2]);
	else if (argc == 4 && !strcmp(argv[1], "segments"))
		segments(argv[3], (unsigned)strtoul(argv[2], NULL, 10));
	else {
		fprintf(stderr, "usage: mkrec hostile|big PATH | mkrec segments N PATH\n");
		return 2;
	}
	return 0;
}
