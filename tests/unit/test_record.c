// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Record files (src/rec/writer.c, src/rec/reader.c) and replay
 * (src/rec/replay.c): round trips, the writer's file-safety rules, write
 * errors, rotation, and every kind of bad file: truncated at every byte
 * offset, a byte corrupted at every offset, a future version, empty, not
 * a recording.  Each bad file must give one line saying what is wrong and
 * what was read, never a crash.
 * Buffers handed to the reader are heap copies of exactly the length
 * under test, so an overread shows under -fsanitize=address (make asan).
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/event.h"
#include "core/ksyms.h"
#include "oomreap_abi.h"
#include "rec/record.h"
#include "rec/replay.h"
#include "core/tracker.h"
#include "wire.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (1000 * SEC)

struct tmpdir {
	char path[64];
};

static void tmpdir_make(struct tmpdir *d)
{
	strcpy(d->path, "/tmp/oomrec-test.XXXXXX");
	assert_non_null(mkdtemp(d->path));
}

static void tmpdir_remove(struct tmpdir *d)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	assert_int_equal(system(cmd), 0);
}

static void header(struct oomrec_header *h)
{
	memset(h, 0, sizeof(*h));
	strcpy(h->tool_version, "test");
	strcpy(h->kernel_release, "6.18.0-test");
	strcpy(h->hostname, "unit");
	strcpy(h->boot_id, "boot-1");
	strcpy(h->machine, "x86_64");
	strcpy(h->attach_plan, "tp mark_victim\n");
	h->page_size = 4096;
	h->mono_to_real_ns = 1700000000ll * 1000000000ll;
	h->start_mono_ns = T0;
	h->rung = 3;
}

static struct oomreap_kill_event kill_ev(uint64_t seq, uint32_t pid, uint64_t ts)
{
	char comm[OOMREAP_COMM_LEN];
	struct oomreap_kill_event k;

	snprintf(comm, sizeof(comm), "victim%u", pid);
	k = wire__kill(seq, pid, pid, ts, comm, "/test");
	k.mm = wire__mm(1000, 0, 0);
	return k;
}

static struct oomreap_exit_event exit_ev(uint64_t seq, uint32_t pid, uint64_t ts)
{
	return wire__exit(seq, pid, ts, 1, 1);
}

static struct oomreap_reap_event skip_ev(uint64_t seq, uint32_t pid, uint64_t ts)
{
	struct oomreap_reap_event r = wire__reap(OOMREAP_EV_REAP_SKIP, seq, pid, ts);

	r.skip_reason = OOMREAP_SKIP_TRYLOCK_FAILED;
	return r;
}

static const char KMSG_LINE[] = "3,77,1000001000,-;Memory cgroup out of memory: Killed process "
				"101 (victim101) total-vm:4kB\n";

/* A small recording: 2 incidents, a kmsg line, a drop record.  Returns its bytes. */
static unsigned char *small_recording(const char *dir, size_t *len)
{
	struct oomrec_header h;
	struct rec_writer *w;
	struct oomreap_kill_event k1 = kill_ev(1, 101, T0 + SEC), k2 = kill_ev(2, 202, T0 + 2 * SEC);
	struct oomreap_exit_event x1 = exit_ev(1, 101, T0 + SEC + 5 * MS);
	struct oomreap_reap_event s2 = skip_ev(2, 202, T0 + 4 * SEC);
	char path[128];
	unsigned char *buf;
	struct stat sb;
	FILE *f;

	header(&h);
	snprintf(path, sizeof(path), "%s/small.oomrec", dir);
	unlink(path);
	assert_int_equal(rec_writer__open(&w, path, &h, 0), 0);
	assert_int_equal(rec_writer__event(w, &k1, sizeof(k1)), 0);
	assert_int_equal(rec_writer__kmsg(w, T0 + SEC, KMSG_LINE, strlen(KMSG_LINE)), 0);
	assert_int_equal(rec_writer__event(w, &x1, sizeof(x1)), 0);
	assert_int_equal(rec_writer__lost(w, T0 + SEC, 2), 0);
	assert_int_equal(rec_writer__event(w, &k2, sizeof(k2)), 0);
	assert_int_equal(rec_writer__event(w, &s2, sizeof(s2)), 0);
	assert_int_equal(rec_writer__close(w, T0 + 5 * SEC), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	buf = malloc((size_t)sb.st_size);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, (size_t)sb.st_size, f), (size_t)sb.st_size);
	fclose(f);
	*len = (size_t)sb.st_size;
	return buf;
}

/* Read everything; returns the final next() value, counts items by type. */
static int read_all(const void *buf, size_t len, int counts[8], char *err, size_t errlen)
{
	struct rec_reader *r;
	struct rec_item it;
	void *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, buf, len);
	memset(counts, 0, 8 * sizeof(int));
	assert_int_equal(rec_reader__open_mem(&r, copy, len), 0);
	ret = rec_reader__start(r);
	if (!ret) {
		while ((ret = rec_reader__next(r, &it)) > 0) {
			assert_true(it.type >= REC_ITEM_EVENT && it.type <= REC_ITEM_MISSED);
			counts[it.type]++;
			if (it.type == REC_ITEM_EVENT)
				assert_true(event__validate(it.data, it.len) > 0);
		}
	}
	snprintf(err, errlen, "%s", rec_reader__error(r));
	rec_reader__free(r);
	free(copy);
	return ret;
}

static void test_crc32c_known_vector(void **state)
{
	struct crc32c_table t;

	crc32c__init(&t);
	/* RFC 3720 / iSCSI check value */
	assert_int_equal(crc32c__update(&t, 0, "123456789", 9), 0xe3069283);
	assert_int_equal(crc32c__update(&t, crc32c__update(&t, 0, "1234", 4), "56789", 5),
			 0xe3069283);
}

static void test_round_trip(void **state)
{
	struct tmpdir d;
	unsigned char *buf;
	size_t len;
	struct rec_reader *r;
	struct rec_item it;
	int n = 0;

	tmpdir_make(&d);
	buf = small_recording(d.path, &len);
	assert_int_equal(rec_reader__open_mem(&r, buf, len), 0);
	assert_int_equal(rec_reader__start(r), 0);
	assert_string_equal(rec_reader__header(r)->hostname, "unit");
	assert_int_equal(rec_reader__header(r)->abi_version, OOMREAP_ABI_VERSION);
	assert_int_equal(rec_reader__header(r)->page_size, 4096);
	while (rec_reader__next(r, &it) > 0) {
		switch (n++) {
		case 0:
			assert_int_equal(it.type, REC_ITEM_EVENT);
			assert_int_equal(((const struct oomreap_event_header *)it.data)->pid, 101);
			break;
		case 1:
			assert_int_equal(it.type, REC_ITEM_KMSG);
			assert_int_equal(it.len, strlen(KMSG_LINE));
			assert_memory_equal(it.data, KMSG_LINE, it.len);
			break;
		case 2:
			assert_int_equal(it.type, REC_ITEM_EVENT);
			break;
		case 3:
			assert_int_equal(it.type, REC_ITEM_LOST);
			assert_int_equal(it.lost.ringbuf_lost, 2);
			break;
		case 6:
			assert_int_equal(it.type, REC_ITEM_END);
			assert_int_equal(it.end.events, 4);
			assert_int_equal(it.end.kmsg_records, 1);
			assert_int_equal(it.end.next_segment, 0);
			break;
		}
	}
	assert_int_equal(n, 7);
	assert_int_equal(rec_reader__next(r, &it), 0);
	assert_true(rec_reader__stats(r)->saw_end);
	rec_reader__free(r);
	free(buf);
	tmpdir_remove(&d);
}

/* The file reader (window refills) must agree with the memory reader. */
static void test_file_reader(void **state)
{
	struct tmpdir d;
	unsigned char *buf;
	size_t len;
	struct rec_reader *r;
	struct rec_item it;
	char path[128];
	int n = 0;

	tmpdir_make(&d);
	buf = small_recording(d.path, &len);
	snprintf(path, sizeof(path), "%s/small.oomrec", d.path);
	assert_int_equal(rec_reader__open(&r, path), 0);
	assert_int_equal(rec_reader__start(r), 0);
	while (rec_reader__next(r, &it) > 0)
		n++;
	assert_int_equal(n, 7);
	assert_int_equal(rec_reader__stats(r)->offset, len);
	rec_reader__free(r);
	assert_int_equal(rec_reader__open(&r, d.path), -EISDIR);
	free(buf);
	tmpdir_remove(&d);
}

static void test_writer_never_overwrites_or_follows(void **state)
{
	struct tmpdir d;
	struct oomrec_header h;
	struct rec_writer *w;
	char path[128], link[128], target[128];
	struct stat sb;
	FILE *f;

	tmpdir_make(&d);
	header(&h);
	snprintf(path, sizeof(path), "%s/exists.oomrec", d.path);
	f = fopen(path, "w");
	fputs("precious", f);
	fclose(f);
	assert_int_equal(rec_writer__open(&w, path, &h, 0), -EEXIST);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 8);

	/* A symlink, dangling or not, is never followed. */
	snprintf(target, sizeof(target), "%s/target", d.path);
	snprintf(link, sizeof(link), "%s/link.oomrec", d.path);
	assert_int_equal(symlink(target, link), 0);
	assert_int_not_equal(rec_writer__open(&w, link, &h, 0), 0);
	assert_int_equal(stat(target, &sb), -1); /* not created through the link */

	snprintf(path, sizeof(path), "%s/no/such/dir.oomrec", d.path);
	assert_int_equal(rec_writer__open(&w, path, &h, 0), -ENOENT);
	tmpdir_remove(&d);
}

static void test_empty_and_not_a_recording(void **state)
{
	int counts[8];
	char err[512];

	assert_true(read_all("", 0, counts, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "empty file"));
	assert_true(read_all("hello, world\n", 13, counts, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "not an oomreap-trace recording"));
	assert_true(read_all("\x89OOM", 4, counts, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "truncated"));
}

static void test_future_version_and_abi(void **state)
{
	struct tmpdir d;
	unsigned char *buf;
	size_t len;
	int counts[8];
	char err[512];
	struct oomrec_preamble pre;
	uint32_t order = 0x04030201u;

	tmpdir_make(&d);
	buf = small_recording(d.path, &len);
	memcpy(&pre, buf, sizeof(pre));
	pre.format_version = OOMREC_FORMAT_VERSION + 1;
	memcpy(buf, &pre, sizeof(pre));
	assert_int_equal(read_all(buf, len, counts, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "newer than this oomreap-trace reads"));

	pre.format_version = OOMREC_FORMAT_VERSION;
	memcpy(buf, &pre, sizeof(pre));
	memcpy(buf + offsetof(struct oomrec_preamble, byte_order), &order, 4);
	assert_int_equal(read_all(buf, len, counts, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "other byte order"));
	free(buf);

	/* A header announcing another wire ABI, with a valid checksum. */
	{
		struct oomrec_header h;
		struct rec_writer *w;
		char path[128];
		FILE *f;
		unsigned char file[4096];
		size_t n;
		struct oomrec_record rec;
		struct crc32c_table t;

		header(&h);
		snprintf(path, sizeof(path), "%s/abi.oomrec", d.path);
		assert_int_equal(rec_writer__open(&w, path, &h, 0), 0);
		assert_int_equal(rec_writer__close(w, T0), 0);
		f = fopen(path, "rb");
		n = fread(file, 1, sizeof(file), f);
		fclose(f);
		/* newer: refused; 2 (ABI 3's layout, its flags unset) and 1: read */
		static const struct { uint32_t abi; int ret; } cases[] = {
			{ OOMREAP_ABI_VERSION + 1, -EPROTONOSUPPORT }, { 2, 0 }, { 1, 0 },
		};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			memcpy(&h, file + 32, sizeof(h));
			h.abi_version = cases[i].abi;
			memcpy(file + 32, &h, sizeof(h));
			memcpy(&rec, file + 16, sizeof(rec));
			crc32c__init(&t);
			rec.crc32c = record__crc(&t, rec.type, file + 32, rec.len);
			memcpy(file + 16, &rec, sizeof(rec));
			assert_int_equal(read_all(file, n, counts, err, sizeof(err)), cases[i].ret);
			if (cases[i].ret)
				assert_non_null(strstr(err, "wire ABI version"));
		}
	}
	tmpdir_remove(&d);
}

/* Record boundaries of a well-formed file, to tell where a cut lands. */
static size_t boundaries(const unsigned char *buf, size_t len, size_t *at, size_t max)
{
	size_t off = sizeof(struct oomrec_preamble), n = 0;

	at[n++] = off;
	while (off + sizeof(struct oomrec_record) <= len && n < max) {
		struct oomrec_record rec;

		memcpy(&rec, buf + off, sizeof(rec));
		off += sizeof(rec) + rec.len;
		at[n++] = off;
	}
	return n;
}

static void test_truncated_at_every_offset(void **state)
{
	struct tmpdir d;
	unsigned char *buf;
	size_t len, cut, at[64], nb, i;
	int counts[8], prev_events = 0;
	char err[512];

	tmpdir_make(&d);
	buf = small_recording(d.path, &len);
	nb = boundaries(buf, len, at, 64);
	assert_int_equal(at[nb - 1], len);
	for (cut = 0; cut < len; cut++) {
		int ret = read_all(buf, cut, counts, err, sizeof(err));
		bool boundary = false;

		for (i = 1; i < nb; i++)
			boundary |= at[i] == cut;
		assert_true(ret < 0);
		assert_true(err[0]);
		assert_null(strchr(err, '\n')); /* one line */
		if (cut == 0)
			assert_non_null(strstr(err, "empty"));
		else if (boundary)
			assert_int_equal(ret, -ENODATA);
		else
			assert_int_equal(ret, -EPROTO);
		if (ret == -EPROTO || ret == -ENODATA) {
			if (cut > at[1]) /* after the header: says what it read */
				assert_non_null(strstr(err, "read before it"));
			/* never fewer events for a longer prefix */
			assert_true(counts[REC_ITEM_EVENT] >= prev_events);
			prev_events = counts[REC_ITEM_EVENT];
		}
	}
	assert_int_equal(read_all(buf, len, counts, err, sizeof(err)), 0);
	assert_int_equal(counts[REC_ITEM_EVENT], 4);
	free(buf);
	tmpdir_remove(&d);
}

static void test_corrupted_at_every_offset(void **state)
{
	struct tmpdir d;
	unsigned char *buf;
	size_t len, off, at[64], nb, i;
	int counts[8];
	char err[512];

	tmpdir_make(&d);
	buf = small_recording(d.path, &len);
	nb = boundaries(buf, len, at, 64);
	for (off = 0; off < len; off++) {
		bool reserved = false;
		int ret;

		/* The frame's reserved word is outside the checksum by design. */
		for (i = 0; i + 1 < nb; i++)
			reserved |= off >= at[i] + 12 && off < at[i] + 16;
		buf[off] ^= 0x5a;
		ret = read_all(buf, len, counts, err, sizeof(err));
		buf[off] ^= 0x5a;
		if (reserved) {
			assert_int_equal(ret, 0);
			continue;
		}
		assert_true(ret < 0);
		assert_true(err[0]);
		assert_null(strchr(err, '\n'));
	}
	free(buf);
	tmpdir_remove(&d);
}

static void test_unknown_record_skipped_trailing_rejected(void **state)
{
	struct tmpdir d;
	unsigned char *buf, *big;
	size_t len, at[64], nb;
	struct oomrec_record rec = { .type = 99, .len = 3 };
	struct crc32c_table t;
	int counts[8];
	char err[512];

	tmpdir_make(&d);
	buf = small_recording(d.path, &len);
	nb = boundaries(buf, len, at, 64);
	crc32c__init(&t);
	rec.crc32c = record__crc(&t, 99, "new", 3);
	/* insert the unknown record right after the header */
	big = malloc(len + sizeof(rec) + 3 + 5);
	memcpy(big, buf, at[1]);
	memcpy(big + at[1], &rec, sizeof(rec));
	memcpy(big + at[1] + sizeof(rec), "new", 3);
	memcpy(big + at[1] + sizeof(rec) + 3, buf + at[1], len - at[1]);
	assert_int_equal(read_all(big, len + sizeof(rec) + 3, counts, err, sizeof(err)), 0);
	assert_int_equal(counts[REC_ITEM_EVENT], 4);
	/* junk after END */
	memcpy(big + len + sizeof(rec) + 3, "junk!", 5);
	assert_int_equal(read_all(big, len + sizeof(rec) + 3 + 5, counts, err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "after the end record"));
	(void)nb;
	free(big);
	free(buf);
	tmpdir_remove(&d);
}

/* ENOSPC halfway: tracing goes on, the gap is counted and marked, the file stays valid. */
static void test_write_error_recovers(void **state)
{
	struct tmpdir d;
	struct oomrec_header h;
	struct rec_writer *w;
	char path[128];
	int fd, keep, full, counts[8], i;
	char err[512];
	unsigned char *buf;
	struct stat sb;
	FILE *f;
	struct rec_reader *r;
	struct rec_item it;
	uint64_t unrecorded = 0;

	tmpdir_make(&d);
	header(&h);
	snprintf(path, sizeof(path), "%s/full.oomrec", d.path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	keep = dup(fd);
	assert_int_equal(rec_writer__open_fd(&w, fd, &h), 0);
	for (i = 0; i < 3; i++) {
		struct oomreap_kill_event k = kill_ev(1 + i, 100 + i, T0 + i * SEC);

		assert_int_equal(rec_writer__event(w, &k, sizeof(k)), 0);
	}
	assert_int_equal(rec_writer__flush(w, T0 + 3 * SEC), 0);

	full = open("/dev/full", O_WRONLY);
	if (full < 0) {
		rec_writer__close(w, T0);
		close(keep);
		tmpdir_remove(&d);
		skip();
	}
	assert_int_equal(dup2(full, fd), fd);
	for (i = 3; i < 5; i++) {
		struct oomreap_kill_event k = kill_ev(1 + i, 100 + i, T0 + i * SEC);

		assert_int_equal(rec_writer__event(w, &k, sizeof(k)), 0);
	}
	assert_int_equal(rec_writer__flush(w, T0 + 5 * SEC), -ENOSPC);
	assert_int_equal(rec_writer__stats(w)->unrecorded, 2);
	assert_int_equal(rec_writer__stats(w)->last_error, ENOSPC);

	/* space is back */
	assert_int_equal(dup2(keep, fd), fd);
	{
		struct oomreap_kill_event k = kill_ev(6, 106, T0 + 6 * SEC);

		assert_int_equal(rec_writer__event(w, &k, sizeof(k)), 0);
	}
	assert_int_equal(rec_writer__flush(w, T0 + 6 * SEC), 0);
	assert_int_equal(rec_writer__stats(w)->last_error, 0);
	assert_int_equal(rec_writer__close(w, T0 + 7 * SEC), 0);
	close(keep);
	close(full);

	assert_int_equal(stat(path, &sb), 0);
	buf = malloc((size_t)sb.st_size);
	f = fopen(path, "rb");
	assert_int_equal(fread(buf, 1, (size_t)sb.st_size, f), (size_t)sb.st_size);
	fclose(f);
	assert_int_equal(read_all(buf, (size_t)sb.st_size, counts, err, sizeof(err)), 0);
	assert_int_equal(counts[REC_ITEM_EVENT], 4);
	assert_int_equal(rec_reader__open_mem(&r, buf, (size_t)sb.st_size), 0);
	assert_int_equal(rec_reader__start(r), 0);
	while (rec_reader__next(r, &it) > 0)
		if (it.type == REC_ITEM_LOST)
			unrecorded = it.lost.unrecorded;
	assert_int_equal(unrecorded, 2);
	rec_reader__free(r);
	free(buf);
	tmpdir_remove(&d);
}

/* A stamp no clock can produce would overflow every renderer's wall-clock sum. */
static void test_implausible_stamp(void **state)
{
	struct tmpdir d;
	struct oomrec_header h;
	struct rec_writer *w;
	struct oomreap_kill_event k = kill_ev(1, 1, 1ull << 63);
	char path[128], err[512];
	unsigned char buf[4096];
	int counts[8];
	size_t n;
	FILE *f;

	tmpdir_make(&d);
	header(&h);
	snprintf(path, sizeof(path), "%s/stamp.oomrec", d.path);
	assert_int_equal(rec_writer__open(&w, path, &h, 0), 0);
	assert_int_equal(rec_writer__event(w, &k, sizeof(k)), 0);
	assert_int_equal(rec_writer__close(w, T0), 0);
	f = fopen(path, "rb");
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(read_all(buf, n, counts, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "implausible time stamp"));
	tmpdir_remove(&d);
}

/* LOST, KMSG and END stamps have the bound of event stamps: 2^62 ns. */
static void test_implausible_record_stamps(void **state)
{
	static const uint64_t past = (1ull << 62) + 1;
	struct tmpdir d;
	struct oomrec_header h;
	struct rec_writer *w;
	char path[128], err[512];
	unsigned char buf[8192];
	int counts[8], which;
	size_t n;
	FILE *f;

	(void)state;
	tmpdir_make(&d);
	for (which = 0; which < 4; which++) {
		header(&h);
		snprintf(path, sizeof(path), "%s/stamp%d.oomrec", d.path, which);
		assert_int_equal(rec_writer__open(&w, path, &h, 0), 0);
		if (which == 0)
			assert_int_equal(rec_writer__lost(w, past, 1), 0);
		else if (which == 1)
			assert_int_equal(rec_writer__kmsg(w, past, KMSG_LINE, strlen(KMSG_LINE)), 0);
		/* 2: the END's stamp; 3: the same at the bound, accepted */
		assert_int_equal(rec_writer__close(w, which == 2 ? past : which == 3 ? 1ull << 62 : T0),
				 0);
		f = fopen(path, "rb");
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (which == 3) {
			assert_int_equal(read_all(buf, n, counts, err, sizeof(err)), 0);
		} else {
			assert_int_equal(read_all(buf, n, counts, err, sizeof(err)), -EBADMSG);
			assert_non_null(strstr(err, "implausible time stamp"));
		}
	}
	tmpdir_remove(&d);
}

struct count_ctx {
	int incidents;
	int incomplete;
	int outcomes[OUTCOME_NR];
};

static void count_incident(const struct oomreap_incident *inc, void *ctx)
{
	struct count_ctx *c = ctx;

	c->incidents++;
	c->incomplete += inc->incomplete;
	c->outcomes[inc->outcome]++;
}

/*
 * Symbols stored with a recording name its stack frames on replay, on any
 * machine; names longer than the record allows are cut, never overrun.
 */
static void test_symbols_round_trip(void **state)
{
	struct tmpdir d;
	struct oomrec_header h;
	struct rec_writer *w;
	struct oomreap_kill_event k = kill_ev(1, 101, T0);
	char path[128], longname[400];
	const char *paths[1] = { path };
	struct replay *rp;
	struct count_ctx c = { 0 };
	struct tracker_opts to = { .on_close = count_incident, .ctx = &c };
	struct tracker *t;
	uint64_t off = 0;
	const char *name;

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	tmpdir_make(&d);
	header(&h);
	snprintf(path, sizeof(path), "%s/sym.oomrec", d.path);
	assert_int_equal(rec_writer__open(&w, path, &h, 0), 0);
	assert_int_equal(rec_writer__symbol(w, 0xffffffff81200000ull, "request_wait_answer"), 0);
	assert_int_equal(rec_writer__symbol(w, 0xffffffff81100000ull, "clear_refs_write"), 0);
	assert_int_equal(rec_writer__symbol(w, 0xffffffff81300000ull, longname), 0);
	assert_int_equal(rec_writer__event(w, &k, sizeof(k)), 0);
	assert_int_equal(rec_writer__close(w, T0 + SEC), 0);

	assert_int_equal(replay__open(&rp, paths, 1), 0);
	t = tracker__new(&to);
	assert_int_equal(replay__run(rp, t, NULL, NULL, NULL), 0);
	name = ksyms__lookup(replay__symbols(rp), 0xffffffff81200112ull, &off);
	assert_non_null(name);
	assert_string_equal(name, "request_wait_answer");
	assert_int_equal(off, 0x112);
	name = ksyms__lookup(replay__symbols(rp), 0xffffffff8110012bull, &off);
	assert_string_equal(name, "clear_refs_write");
	name = ksyms__lookup(replay__symbols(rp), 0xffffffff81300001ull, &off);
	assert_int_equal(strlen(name), OOMREC_SYMBOL_NAME_MAX - 1);
	assert_null(ksyms__lookup(replay__symbols(rp), 0xffffffff81000000ull, &off));
	tracker__free(t);
	replay__free(rp);
	tmpdir_remove(&d);
}

static void test_rotation_and_replay(void **state)
{
	struct tmpdir d;
	struct oomrec_header h;
	struct rec_writer *w;
	char path[128], seg[160];
	const char *paths[64];
	char names[64][160];
	int i, nseg;
	struct replay *rp;
	struct count_ctx c = { 0 };
	struct tracker_opts to = { .on_close = count_incident, .ctx = &c };
	struct tracker *t;

	tmpdir_make(&d);
	header(&h);
	snprintf(path, sizeof(path), "%s/rot.oomrec", d.path);
	assert_int_equal(rec_writer__open(&w, path, &h, 8000), 0);
	for (i = 0; i < 50; i++) {
		struct oomreap_kill_event k = kill_ev(1 + i, 1000 + i, T0 + i * 10 * MS);
		struct oomreap_exit_event x = exit_ev(1 + i, 1000 + i, T0 + i * 10 * MS + 3 * MS);

		assert_int_equal(rec_writer__event(w, &k, sizeof(k)), 0);
		assert_int_equal(rec_writer__event(w, &x, sizeof(x)), 0);
	}
	nseg = (int)rec_writer__stats(w)->segments;
	assert_true(nseg > 3);
	assert_int_equal(rec_writer__close(w, T0 + SEC), 0);
	for (i = 0; i < nseg; i++) {
		struct stat sb;

		if (i)
			snprintf(names[i], sizeof(names[i]), "%s.%d", path, i);
		else
			snprintf(names[i], sizeof(names[i]), "%s", path);
		assert_int_equal(stat(names[i], &sb), 0);
		assert_true(sb.st_size <= 8000);
		paths[i] = names[i];
	}
	snprintf(seg, sizeof(seg), "%s.%d", path, nseg);
	assert_int_equal(access(seg, F_OK), -1);

	/* All segments, in order: every incident whole. */
	t = tracker__new(&to);
	assert_int_equal(replay__open(&rp, paths, nseg), 0);
	assert_int_equal(replay__run(rp, t, NULL, NULL, NULL), 0);
	assert_int_equal(replay__stats(rp)->events, 100);
	assert_true(replay__stats(rp)->clean_end);
	assert_int_equal(c.incidents, 50);
	assert_int_equal(c.outcomes[OUTCOME_VICTIM_EXITED], 50);
	replay__free(rp);
	tracker__free(t);

	/* A missing segment is refused, after what could be read. */
	memset(&c, 0, sizeof(c));
	t = tracker__new(&to);
	paths[1] = names[2];
	assert_int_equal(replay__open(&rp, paths, 2), 0);
	assert_int_equal(replay__run(rp, t, NULL, NULL, NULL), -EINVAL);
	assert_non_null(strstr(replay__error(rp), "none missing"));
	assert_true(c.incidents > 0);
	replay__free(rp);
	tracker__free(t);

	/* The first segment alone: says the recording goes on. */
	t = tracker__new(&to);
	assert_int_equal(replay__open(&rp, paths, 1), 0);
	assert_int_equal(replay__run(rp, t, NULL, NULL, NULL), 0);
	assert_int_equal(replay__stats(rp)->next_segment, 1);
	assert_false(replay__stats(rp)->clean_end);
	replay__free(rp);
	tracker__free(t);
	tmpdir_remove(&d);
}

/* Drops in the file reach the tracker like live ring-buffer drops. */
static void test_replay_lost_marks_incomplete(void **state)
{
	struct tmpdir d;
	unsigned char *buf;
	size_t len;
	char path[128];
	const char *paths[1] = { path };
	struct replay *rp;
	struct count_ctx c = { 0 };
	struct tracker_opts to = { .on_close = count_incident, .ctx = &c };
	struct tracker *t = tracker__new(&to);
	struct kmsg_log k;

	tmpdir_make(&d);
	buf = small_recording(d.path, &len);
	snprintf(path, sizeof(path), "%s/small.oomrec", d.path);
	kmsg_log__init(&k);
	assert_int_equal(replay__open(&rp, paths, 1), 0);
	assert_int_equal(replay__run(rp, t, &k, NULL, NULL), 0);
	assert_int_equal(c.incidents, 2);
	/* incident 2 was opened after the drop record: whole; incident 1 had closed */
	assert_int_equal(tracker__stats(t)->lost_events, 2);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.v[0].kind, KMSG_KILLED);
	assert_int_equal(k.v[0].pid, 101);
	replay__free(rp);
	tracker__free(t);
	kmsg_log__free(&k);

	/* A file that is not there: one line naming it. */
	snprintf(path, sizeof(path), "%s/none.oomrec", d.path);
	assert_int_equal(replay__open(&rp, paths, 1), -ENOENT);
	assert_non_null(strstr(replay__error(rp), "none.oomrec: no such file"));
	replay__free(rp);
	free(buf);
	tmpdir_remove(&d);
}

/* A MISSED record as a writer would frame it, with a given payload. */
static size_t put_missed(unsigned char *dst, const struct oomrec_missed *mh,
			 const struct oomrec_missed_program *mp, uint32_t n)
{
	struct oomrec_record rec = { .type = OOMREC_REC_MISSED };
	unsigned char payload[sizeof(*mh) + 2 * sizeof(*mp)];
	struct crc32c_table t;

	assert_true(n <= 2);
	memcpy(payload, mh, sizeof(*mh));
	memcpy(payload + sizeof(*mh), mp, n * sizeof(*mp));
	rec.len = (uint32_t)(sizeof(*mh) + n * sizeof(*mp));
	crc32c__init(&t);
	rec.crc32c = record__crc(&t, rec.type, payload, rec.len);
	memcpy(dst, &rec, sizeof(rec));
	memcpy(dst + sizeof(rec), payload, rec.len);
	return sizeof(rec) + rec.len;
}

/*
 * Runs the kernel skipped: written when they change (and not otherwise),
 * read back by program with what the kernel does not count kept unknown,
 * replayed into the tracker so the incident open at the time is marked;
 * a record that lies about its size or names a program with anything but
 * a C identifier (every output prints names as they are) is refused.
 */
static void test_missed_round_trip_and_replay(void **state)
{
	struct tmpdir d;
	struct oomrec_header h;
	struct rec_writer *w;
	struct runs_missed m = { 0 };
	struct oomreap_kill_event k = kill_ev(1, 101, T0 + SEC);
	struct oomreap_exit_event x = exit_ev(1, 101, T0 + SEC + 5 * MS);
	char path[128], err[512];
	const char *paths[1] = { path };
	struct count_ctx c = { 0 };
	struct tracker_opts to = { .on_close = count_incident, .ctx = &c };
	struct tracker *t = tracker__new(&to);
	struct oomrec_missed mh = { .mono_ns = T0, .nprograms = 1 };
	struct oomrec_missed_program mp = { .name = "tp_sched_process_exit", .runs = 1,
					    .flags = OOMREC_MISSED_KNOWN };
	struct replay *rp;
	unsigned char *buf, *big;
	size_t len, at[16], n;
	int counts[8];
	struct stat sb;
	FILE *f;

	tmpdir_make(&d);
	header(&h);
	snprintf(path, sizeof(path), "%s/missed.oomrec", d.path);
	assert_int_equal(rec_writer__open(&w, path, &h, 0), 0);
	missed__set(&m, "tp_mark_victim", 0, true);
	missed__set(&m, "tp_sched_process_exit", 0, true);
	missed__set(&m, "kprobe_mark_oom_victim", 0, false);
	assert_int_equal(rec_writer__missed(w, T0, &m), 0);
	assert_int_equal(rec_writer__missed(w, T0 + MS, &m), 0); /* unchanged: no record */
	assert_int_equal(rec_writer__event(w, &k, sizeof(k)), 0);
	missed__set(&m, "tp_sched_process_exit", 2, true);
	assert_int_equal(rec_writer__missed(w, T0 + SEC + MS, &m), 0);
	assert_int_equal(rec_writer__event(w, &x, sizeof(x)), 0);
	assert_int_equal(rec_writer__close(w, T0 + 3 * SEC), 0);

	assert_int_equal(stat(path, &sb), 0);
	len = (size_t)sb.st_size;
	buf = malloc(len);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, len, f), len);
	fclose(f);
	assert_int_equal(read_all(buf, len, counts, err, sizeof(err)), 0);
	assert_int_equal(counts[REC_ITEM_MISSED], 2);
	assert_int_equal(counts[REC_ITEM_EVENT], 2);

	assert_int_equal(replay__open(&rp, paths, 1), 0);
	assert_int_equal(replay__run(rp, t, NULL, NULL, NULL), 0);
	assert_int_equal(c.incidents, 1);
	assert_int_equal(c.incomplete, 1); /* open when the exit program missed runs */
	assert_int_equal(missed__total(&tracker__stats(t)->missed), 2);
	assert_int_equal(missed__unknown(&tracker__stats(t)->missed), 1);
	assert_int_equal(replay__stats(rp)->missed.n, 3);
	assert_string_equal(replay__stats(rp)->missed.p[2].name, "kprobe_mark_oom_victim");
	assert_false(replay__stats(rp)->missed.p[2].known);
	replay__free(rp);
	tracker__free(t);

	/* crafted records, inserted right after the header */
	n = boundaries(buf, len, at, 16);
	assert_true(n > 2);
	big = malloc(len + 256);
	memcpy(big, buf, at[1]);
	n = put_missed(big + at[1], &mh, &mp, 1);
	memcpy(big + at[1] + n, buf + at[1], len - at[1]);
	assert_int_equal(read_all(big, len + n, counts, err, sizeof(err)), 0);
	assert_int_equal(counts[REC_ITEM_MISSED], 3);

	snprintf(mp.name, sizeof(mp.name), "tp_exit\x1b[31m");
	n = put_missed(big + at[1], &mh, &mp, 1);
	memcpy(big + at[1] + n, buf + at[1], len - at[1]);
	assert_int_equal(read_all(big, len + n, counts, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "C identifier"));

	memset(mp.name, 'a', sizeof(mp.name)); /* no NUL in its field */
	n = put_missed(big + at[1], &mh, &mp, 1);
	memcpy(big + at[1] + n, buf + at[1], len - at[1]);
	assert_int_equal(read_all(big, len + n, counts, err, sizeof(err)), -EBADMSG);

	snprintf(mp.name, sizeof(mp.name), "tp_ok");
	mh.nprograms = 2; /* says two, holds one */
	n = put_missed(big + at[1], &mh, &mp, 1);
	memcpy(big + at[1] + n, buf + at[1], len - at[1]);
	assert_int_equal(read_all(big, len + n, counts, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "lists 2 programs"));

	free(big);
	free(buf);
	tmpdir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_known_vector),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_file_reader),
		cmocka_unit_test(test_writer_never_overwrites_or_follows),
		cmocka_unit_test(test_empty_and_not_a_recording),
		cmocka_unit_test(test_future_version_and_abi),
		cmocka_unit_test(test_truncated_at_every_offset),
		cmocka_unit_test(test_corrupted_at_every_offset),
		cmocka_unit_test(test_unknown_record_skipped_trailing_rejected),
		cmocka_unit_test(test_implausible_stamp),
		cmocka_unit_test(test_implausible_record_stamps),
		cmocka_unit_test(test_write_error_recovers),
		cmocka_unit_test(test_symbols_round_trip),
		cmocka_unit_test(test_rotation_and_replay),
		cmocka_unit_test(test_replay_lost_marks_incomplete),
		cmocka_unit_test(test_missed_round_trip_and_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
