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
 *   mkrec big-end PATH       the same with an END stamp past 2^62
 *   mkrec many N PATH        N kills with their exits and kernel log lines, one file
 *   mkrec open N PATH        the same without the exits: N incidents open at once
 *   mkrec segments N PATH    N segments (PATH, PATH.1, ... PATH.N-1), a kill in each
 */
#include <errno.h>
#include <stdbool.h>
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
	h.flags = OOMREC_F_KMSG;
	check(rec_writer__open(&w, path, &h, 0), path);
	k = wire__kill(1, 4242, 4242, ts, "victim", "/crafted");
	k.mm = wire__mm(1000, 10, 0);
	event(w, &k, sizeof(k));
	{
		/* the kernel log quotes comm as the victim set it: ESC and all */
		static const char line[] = "3,7,3601000000,-;Out of memory: Killed process 4242 "
					   "(vic\x1b[5mtim\x07) total-vm:1kB\n";

		check(rec_writer__kmsg(w, ts + MS, line, sizeof(line) - 1), "kmsg");
	}
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

/*
 * The writer keeps its counters honest; a file need not: records written
 * one by one, each with its valid CRC.
 */
struct raw {
	FILE *f;
	struct crc32c_table crc;
};

static void raw_record(struct raw *w, uint32_t type, const void *payload, uint32_t len)
{
	struct oomrec_record rec = { .type = type, .len = len };

	rec.crc32c = record__crc(&w->crc, type, payload, len);
	if (fwrite(&rec, sizeof(rec), 1, w->f) != 1 || fwrite(payload, len, 1, w->f) != 1)
		die("write", errno);
}

static void raw_open(struct raw *w, const char *path, const struct oomrec_header *h)
{
	struct oomrec_preamble pre = { .format_version = OOMREC_FORMAT_VERSION,
				       .byte_order = OOMREC_BYTE_ORDER };

	memcpy(pre.magic, OOMREC_MAGIC, OOMREC_MAGIC_LEN);
	crc32c__init(&w->crc);
	w->f = fopen(path, "wx");
	if (!w->f || fwrite(&pre, sizeof(pre), 1, w->f) != 1)
		die(path, errno);
	raw_record(w, OOMREC_REC_HEADER, h, sizeof(*h));
}

static void raw_close(struct raw *w)
{
	if (fclose(w->f))
		die("close", errno);
}

/*
 * Numbers at their bounds: the clock offset at the documented 2^62, RSS
 * near INT64_MAX pages, drop counters whose sum passes 2^64.  end_ns:
 * the END record's stamp (2^62 + 1 makes the file corrupted).
 */
static void big(const char *path, uint64_t end_ns)
{
	struct oomrec_header h;
	struct oomreap_kill_event k;
	struct oomreap_exit_event x;
	struct oomreap_reap_event r;
	struct oomrec_lost lost = { .ringbuf_lost = UINT64_MAX - 1, .unrecorded = 5 };
	struct oomrec_end end = { .ringbuf_lost = UINT64_MAX - 1, .unrecorded = 5, .events = 4 };
	struct raw w;
	/* stamps near their bound too: stamp + offset is past INT64_MAX */
	uint64_t ts = (UINT64_C(1) << 62) - 10 * SEC;

	header(&h);
	h.abi_version = OOMREAP_ABI_VERSION;
	h.mono_to_real_ns = INT64_C(1) << 62;
	raw_open(&w, path, &h);
	k = wire__kill(1, 4242, 4242, ts, "big", "/crafted");
	k.mm = wire__mm(INT64_MAX - 1, INT64_MAX - 1, 0);
	k.total_vm_pages = UINT64_MAX / 2;
	raw_record(&w, OOMREC_REC_EVENT, &k, sizeof(k));
	r = wire__reap(OOMREAP_EV_REAP_START, 1, 4242, ts + MS);
	r.mm = wire__mm(INT64_MAX - 1, INT64_MAX - 1, 0);
	raw_record(&w, OOMREC_REC_EVENT, &r, sizeof(r));
	r = wire__reap(OOMREAP_EV_REAP_FINISH, 1, 4242, ts + 2 * MS);
	r.mm = wire__mm(0, 0, 0);
	raw_record(&w, OOMREC_REC_EVENT, &r, sizeof(r));
	lost.mono_ns = ts + 2 * MS + 1;
	raw_record(&w, OOMREC_REC_LOST, &lost, sizeof(lost));
	x = wire__exit(1, 4242, ts + 3 * MS, 1, 1);
	raw_record(&w, OOMREC_REC_EVENT, &x, sizeof(x));
	end.end_mono_ns = end_ns ? end_ns : ts + 4 * MS;
	raw_record(&w, OOMREC_REC_END, &end, sizeof(end));
	raw_close(&w);
}

static void segments(const char *path, unsigned n)
{
	struct oomrec_header h;
	struct rec_writer *w;
	char comm[16];
	unsigned i;

	header(&h);
	/* one kill (and its exit) fills a segment: the next kill rotates */
	check(rec_writer__open(&w, path, &h, 1700), path);
	for (i = 0; rec_writer__stats(w)->segments < n || i == 0; i++) {
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
	check(rec_writer__close(w, T0 + (i + 1) * SEC), "close");
}

/* n kills, each with its exit and a kernel log line, in one file: for memory limits. */
static void many(const char *path, unsigned n, bool exits)
{
	struct oomrec_header h;
	struct rec_writer *w;
	char comm[16], line[160];
	unsigned i;

	header(&h);
	h.flags = OOMREC_F_KMSG;
	check(rec_writer__open(&w, path, &h, 0), path);
	for (i = 0; i < n; i++) {
		uint64_t ts = T0 + (i + 1) * MS;
		struct oomreap_kill_event k;
		struct oomreap_exit_event x;
		int len;

		snprintf(comm, sizeof(comm), "many-%u", i);
		k = wire__kill(i + 1, 5000 + i, 5000 + i, ts, comm, "/crafted");
		event(w, &k, sizeof(k));
		x = wire__exit(i + 1, 5000 + i, ts + 1000, 1, 1);
		if (exits)
			event(w, &x, sizeof(x));
		len = snprintf(line, sizeof(line), "3,%u,%llu,-;Out of memory: Killed process %u (%s)\n",
			       i, (unsigned long long)(ts / 1000), 5000 + i, comm);
		check(rec_writer__kmsg(w, ts + 1000, line, (size_t)len), "kmsg");
	}
	check(rec_writer__close(w, T0 + (n + 1) * MS), "close");
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "hostile"))
		hostile(argv[2]);
	else if (argc == 3 && !strcmp(argv[1], "big"))
		big(argv[2], 0);
	else if (argc == 3 && !strcmp(argv[1], "big-end"))
		big(argv[2], (UINT64_C(1) << 62) + 1);
	else if (argc == 4 && !strcmp(argv[1], "many"))
		many(argv[3], (unsigned)strtoul(argv[2], NULL, 10), true);
	else if (argc == 4 && !strcmp(argv[1], "open"))
		many(argv[3], (unsigned)strtoul(argv[2], NULL, 10), false);
	else if (argc == 4 && !strcmp(argv[1], "segments"))
		segments(argv[3], (unsigned)strtoul(argv[2], NULL, 10));
	else {
		fprintf(stderr, "usage: mkrec hostile|big|big-end PATH | mkrec many|open|segments N PATH\n");
		return 2;
	}
	return 0;
}
