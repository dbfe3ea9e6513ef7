// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The record file reader (format: record.h, docs/RECORD-FORMAT.md).
 *
 * It treats the file as hostile: every length is bounded before it is
 * used, every record is checksummed, every event goes through
 * event__validate(), and every failure becomes one line saying where and
 * what had been read up to there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/event.h"
#include "rec/record.h"

#define READER_BUF (1024u * 1024)
/* 2^62 ns is 146 years: beyond any real CLOCK_MONOTONIC stamp or offset. */
#define STAMP_MAX (INT64_C(1) << 62)

struct rec_reader {
	struct crc32c_table crc;
	int fd;                   /* -1: memory source */
	const unsigned char *mem; /* memory source, or the window below */
	size_t mem_len;
	unsigned char *win;       /* file window */
	size_t win_start, win_end;
	bool eof;
	uint64_t file_size;       /* for messages; 0 if unknown */
	uint64_t off;             /* file offset of the next unread byte */
	struct oomrec_header hdr;
	bool started, done;
	struct rec_reader_stats st;
	union {
		struct oomreap_event_header h;
		unsigned char b[OOMREAP_EVENT_MAX_SIZE];
		uint64_t align;
	} ev;
	char err[320];
};

static int reader_new(struct rec_reader **out)
{
	struct rec_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	crc32c__init(&r->crc);
	r->fd = -1;
	*out = r;
	return 0;
}

int rec_reader__open_mem(struct rec_reader **out, const void *buf, size_t len)
{
	struct rec_reader *r;
	int err = reader_new(&r);

	if (err)
		return err;
	r->mem = buf;
	r->mem_len = len;
	r->file_size = len;
	*out = r;
	return 0;
}

int rec_reader__open(struct rec_reader **out, const char *path)
{
	struct rec_reader *r;
	struct stat st;
	int fd, err;

	/*
	 * O_NONBLOCK: a FIFO would block open(2) until a writer came, for
	 * ever.  Opened without waiting, anything but a regular file is then
	 * refused (a recording has a size, read(2) on a device or FIFO may
	 * block or never end); O_NOCTTY: a terminal never becomes ours.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	if (fcntl(fd, F_SETFL, 0)) { /* a regular file: blocking reads again */
		err = -errno;
		close(fd);
		return err;
	}
	err = reader_new(&r);
	if (!err) {
		r->win = malloc(READER_BUF);
		if (!r->win) {
			free(r);
			err = -ENOMEM;
		}
	}
	if (err) {
		close(fd);
		return err;
	}
	r->fd = fd;
	r->file_size = (uint64_t)st.st_size;
	*out = r;
	return 0;
}

void rec_reader__free(struct rec_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->win);
	free(r);
}

const char *rec_reader__error(const struct rec_reader *r)
{
	return r->err;
}

const struct oomrec_header *rec_reader__header(const struct rec_reader *r)
{
	return r->started ? &r->hdr : NULL;
}

const struct rec_reader_stats *rec_reader__stats(const struct rec_reader *r)
{
	return &r->st;
}

/*
 * Make up to `need` contiguous bytes at the read position available in *p.
 * Returns how many are (less than need only at end of file), or -errno.
 */
static ssize_t peek(struct rec_reader *r, size_t need, const unsigned char **p)
{
	if (r->fd < 0) {
		size_t left = r->mem_len - (size_t)r->off;

		*p = r->mem + r->off;
		return (ssize_t)(left < need ? left : need);
	}
	while (r->win_end - r->win_start < need && !r->eof) {
		ssize_t n;

		if (r->win_start) {
			memmove(r->win, r->win + r->win_start, r->win_end - r->win_start);
			r->win_end -= r->win_start;
			r->win_start = 0;
		}
		n = read(r->fd, r->win + r->win_end, READER_BUF - r->win_end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			r->eof = true;
		r->win_end += (size_t)n;
	}
	*p = r->win + r->win_start;
	return (ssize_t)(r->win_end - r->win_start < need ? r->win_end - r->win_start : need);
}

static void consume(struct rec_reader *r, size_t n)
{
	r->off += n;
	if (r->fd >= 0)
		r->win_start += n;
}

/* Everything after the first sentence: what was read before the failure. */
static int fail(struct rec_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct rec_reader *r, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(r->err) && r->started)
		snprintf(r->err + n, sizeof(r->err) - (size_t)n,
			 ": %llu events and %llu kernel log lines read before it",
			 (unsigned long long)r->st.events, (unsigned long long)r->st.kmsg_records);
	r->done = true;
	return err;
}

static const char *size_of_file(const struct rec_reader *r, char *buf, size_t len)
{
	if (r->file_size)
		snprintf(buf, len, " of %llu", (unsigned long long)r->file_size);
	else
		buf[0] = 0;
	return buf;
}

static bool str_ok(const char *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

/* One framed record: header checked, payload checksummed.  1, 0 at EOF, -err. */
static int read_record(struct rec_reader *r, struct oomrec_record *rec, const unsigned char **payload)
{
	const unsigned char *p;
	char sz[32];
	ssize_t n;
	uint64_t at = r->off;

	n = peek(r, sizeof(*rec), &p);
	if (n < 0)
		return fail(r, (int)n, "read error at byte %llu: %s", (unsigned long long)at,
			    strerror((int)-n));
	if (n == 0)
		return 0;
	if ((size_t)n < sizeof(*rec))
		return fail(r, -EPROTO, "truncated at byte %llu%s (inside the frame of record %llu)",
			    (unsigned long long)(at + (uint64_t)n), size_of_file(r, sz, sizeof(sz)),
			    (unsigned long long)r->st.records + 1);
	memcpy(rec, p, sizeof(*rec));
	if (rec->len > OOMREC_MAX_PAYLOAD)
		return fail(r, -EBADMSG,
			    "corrupted: record %llu at byte %llu claims %u bytes (limit %u)",
			    (unsigned long long)r->st.records + 1, (unsigned long long)at, rec->len,
			    OOMREC_MAX_PAYLOAD);
	n = peek(r, sizeof(*rec) + rec->len, &p);
	if (n < 0)
		return fail(r, (int)n, "read error at byte %llu: %s", (unsigned long long)at,
			    strerror((int)-n));
	if ((size_t)n < sizeof(*rec) + rec->len)
		return fail(r, -EPROTO,
			    "truncated at byte %llu%s (inside record %llu, a %s record of %u bytes)",
			    (unsigned long long)(at + (uint64_t)n), size_of_file(r, sz, sizeof(sz)),
			    (unsigned long long)r->st.records + 1,
			    rec->type == OOMREC_REC_EVENT ? "event"
			    : rec->type == OOMREC_REC_KMSG ? "kernel log"
			    : rec->type == OOMREC_REC_HEADER ? "header"
							     : "control",
			    rec->len);
	*payload = p + sizeof(*rec);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* (Fuzz builds skip it, so mutated inputs reach the parsers behind it.) */
	if (record__crc(&r->crc, rec->type, *payload, rec->len) != rec->crc32c)
		return fail(r, -EBADMSG, "corrupted: checksum mismatch in record %llu at byte %llu",
			    (unsigned long long)r->st.records + 1, (unsigned long long)at);
#endif
	consume(r, sizeof(*rec) + rec->len);
	r->st.records++;
	r->st.offset = r->off;
	return 1;
}

int rec_reader__start(struct rec_reader *r)
{
	struct oomrec_preamble pre;
	struct oomrec_record rec;
	const unsigned char *p;
	ssize_t n;
	char sz[32];
	int ret;

	n = peek(r, sizeof(pre), &p);
	if (n < 0)
		return fail(r, (int)n, "read error: %s", strerror((int)-n));
	if (n == 0)
		return fail(r, -ENOMSG, "empty file: not an oomreap-trace recording");
	if (memcmp(p, OOMREC_MAGIC, (size_t)n < OOMREC_MAGIC_LEN ? (size_t)n : OOMREC_MAGIC_LEN))
		return fail(r, -ENOMSG, "not an oomreap-trace recording (no OOMREC magic)");
	if ((size_t)n < sizeof(pre))
		return fail(r, -EPROTO, "truncated at byte %zd%s (inside the preamble)", n,
			    size_of_file(r, sz, sizeof(sz)));
	memcpy(&pre, p, sizeof(pre));
	if (pre.byte_order != OOMREC_BYTE_ORDER)
		return fail(r, -EPROTONOSUPPORT,
			    pre.byte_order == 0x04030201u
				    ? "recorded on a machine of the other byte order: not readable here"
				    : "corrupted preamble (byte-order mark %#x)",
			    pre.byte_order);
	if (pre.format_version == 0)
		return fail(r, -EBADMSG, "corrupted preamble (format version 0)");
	if (pre.format_version > OOMREC_FORMAT_VERSION)
		return fail(r, -EPROTONOSUPPORT,
			    "format version %u is newer than this oomreap-trace reads (%u): "
			    "use a newer oomreap-trace",
			    pre.format_version, OOMREC_FORMAT_VERSION);
	consume(r, sizeof(pre));

	ret = read_record(r, &rec, &p);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return fail(r, -EPROTO, "truncated at byte %llu%s (the header is missing)",
			    (unsigned long long)r->off, size_of_file(r, sz, sizeof(sz)));
	if (rec.type != OOMREC_REC_HEADER)
		return fail(r, -EBADMSG, "corrupted: the first record is of type %u, not a header",
			    rec.type);
	/* A newer minor revision may append fields: read ours, ignore the rest. */
	if (rec.len < sizeof(r->hdr))
		return fail(r, -EBADMSG, "corrupted: header record too short (%u bytes)", rec.len);
	memcpy(&r->hdr, p, sizeof(r->hdr));
	if (!str_ok(r->hdr.tool_version, sizeof(r->hdr.tool_version)) ||
	    !str_ok(r->hdr.kernel_release, sizeof(r->hdr.kernel_release)) ||
	    !str_ok(r->hdr.hostname, sizeof(r->hdr.hostname)) ||
	    !str_ok(r->hdr.boot_id, sizeof(r->hdr.boot_id)) ||
	    !str_ok(r->hdr.machine, sizeof(r->hdr.machine)) ||
	    !str_ok(r->hdr.attach_plan, sizeof(r->hdr.attach_plan)))
		return fail(r, -EBADMSG, "corrupted: unterminated string in the header");
	/*
	 * version 1 events are prefixes of today's: read as such
	 * (event__from_v1); version 2's are today's layout, without the event
	 * types and the flags 3 added; version 3's userspace kill events are
	 * prefixes of version 4's (event__from_v3)
	 */
	if (r->hdr.abi_version < 1 || r->hdr.abi_version > OOMREAP_ABI_VERSION)
		return fail(r, -EPROTONOSUPPORT,
			    "events use wire ABI version %u; this oomreap-trace reads versions 1 to %u",
			    r->hdr.abi_version, OOMREAP_ABI_VERSION);
	/* Every renderer adds the offset to a stamp: keep the sum inside int64_t. */
	if (r->hdr.mono_to_real_ns > STAMP_MAX || r->hdr.mono_to_real_ns < -STAMP_MAX ||
	    r->hdr.start_mono_ns > (uint64_t)STAMP_MAX)
		return fail(r, -EBADMSG, "corrupted: implausible clock offset in the header");
	if (r->hdr.page_size < 512 || r->hdr.page_size > (1u << 24) ||
	    (r->hdr.page_size & (r->hdr.page_size - 1)))
		return fail(r, -EBADMSG, "corrupted: implausible page size %u in the header",
			    r->hdr.page_size);
	r->started = true;
	return 0;
}

/* Every stamp of a record (event, LOST, KMSG, END) has the bound of the header's. */
/* A C identifier, NUL-terminated inside its field. */
static bool program_name_ok(const char *name, size_t len)
{
	size_t i;

	if (!len || !name[0] || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (i = 0; i < len && name[i]; i++)
		if (!(name[i] == '_' || (name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9')))
			return false;
	return i < len;
}

static int stamp_error(struct rec_reader *r, uint64_t at)
{
	return fail(r, -EBADMSG, "corrupted: implausible time stamp in record %llu at byte %llu",
		    (unsigned long long)r->st.records, (unsigned long long)at);
}

int rec_reader__next(struct rec_reader *r, struct rec_item *item)
{
	struct oomrec_record rec;
	const unsigned char *p;
	uint64_t at;
	size_t len;
	int ret;

	if (!r->started)
		return -EINVAL;
again:
	if (r->done)
		return r->st.saw_end ? 0 : -EIO;
	at = r->off;
	if (r->st.saw_end) {
		ssize_t n = peek(r, 1, &p);

		if (n == 0) {
			r->done = true;
			return 0;
		}
		r->st.saw_end = false;
		if (n < 0)
			return fail(r, (int)n, "read error at byte %llu: %s", (unsigned long long)at,
				    strerror((int)-n));
		return fail(r, -EBADMSG, "corrupted: data after the end record at byte %llu",
			    (unsigned long long)at);
	}
	ret = read_record(r, &rec, &p);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return fail(r, -ENODATA,
			    "ends at byte %llu without an end record (recording cut short: "
			    "tracer killed or machine crashed?)",
			    (unsigned long long)at);

	memset(item, 0, sizeof(*item));
	switch (rec.type) {
	case OOMREC_REC_EVENT:
		if (rec.len > sizeof(r->ev.b))
			return fail(r, -EBADMSG, "corrupted: event record %llu at byte %llu is %u bytes",
				    (unsigned long long)r->st.records, (unsigned long long)at, rec.len);
		memcpy(r->ev.b, p, rec.len);
		len = rec.len;
		if (r->hdr.abi_version == 1)
			len = event__from_v1(r->ev.b, len, sizeof(r->ev.b));
		if (r->hdr.abi_version <= 3)
			len = event__from_v3(r->ev.b, len, sizeof(r->ev.b));
		if (event__validate(r->ev.b, len) < 0)
			return fail(r, -EBADMSG,
				    "corrupted: invalid event in record %llu at byte %llu "
				    "(type %u, %u bytes)",
				    (unsigned long long)r->st.records, (unsigned long long)at,
				    rec.len >= 4 ? r->ev.h.type : 0, rec.len);
		if (r->ev.h.ts_ns > (uint64_t)STAMP_MAX)
			return stamp_error(r, at);
		item->type = REC_ITEM_EVENT;
		item->data = r->ev.b;
		item->len = len;
		r->st.events++;
		return 1;
	case OOMREC_REC_LOST:
		if (rec.len < sizeof(item->lost))
			return fail(r, -EBADMSG, "corrupted: short drop-counter record at byte %llu",
				    (unsigned long long)at);
		item->type = REC_ITEM_LOST;
		memcpy(&item->lost, p, sizeof(item->lost));
		if (item->lost.mono_ns > (uint64_t)STAMP_MAX)
			return stamp_error(r, at);
		return 1;
	case OOMREC_REC_KMSG: {
		struct oomrec_kmsg k;

		if (rec.len < sizeof(k))
			return fail(r, -EBADMSG, "corrupted: short kernel log record at byte %llu",
				    (unsigned long long)at);
		memcpy(&k, p, sizeof(k));
		if (k.read_mono_ns > (uint64_t)STAMP_MAX)
			return stamp_error(r, at);
		item->type = REC_ITEM_KMSG;
		item->kmsg_mono_ns = k.read_mono_ns;
		item->data = p + sizeof(k); /* valid until the next call */
		item->len = rec.len - sizeof(k);
		r->st.kmsg_records++;
		return 1;
	}
	case OOMREC_REC_SYMBOL: {
		struct oomrec_symbol sym;
		size_t n = rec.len - sizeof(sym);

		if (rec.len <= sizeof(sym) || n > OOMREC_SYMBOL_NAME_MAX ||
		    ((const char *)p)[rec.len - 1] != 0 || strlen((const char *)p + sizeof(sym)) != n - 1)
			return fail(r, -EBADMSG, "corrupted: bad symbol record at byte %llu",
				    (unsigned long long)at);
		memcpy(&sym, p, sizeof(sym));
		item->type = REC_ITEM_SYMBOL;
		item->sym_start = sym.start;
		item->data = p + sizeof(sym);
		item->len = n;
		return 1;
	}
	case OOMREC_REC_MISSED: {
		struct oomrec_missed mh;
		struct oomrec_missed_program mp;
		uint32_t i;

		if (rec.len < sizeof(mh))
			return fail(r, -EBADMSG, "corrupted: short missed-runs record at byte %llu",
				    (unsigned long long)at);
		memcpy(&mh, p, sizeof(mh));
		if (!mh.nprograms || mh.nprograms > MISSED_MAX_PROGRAMS ||
		    rec.len != sizeof(mh) + mh.nprograms * sizeof(mp))
			return fail(r, -EBADMSG,
				    "corrupted: missed-runs record at byte %llu lists %u programs in "
				    "%u bytes",
				    (unsigned long long)at, mh.nprograms, rec.len);
		if (mh.mono_ns > (uint64_t)STAMP_MAX)
			return stamp_error(r, at);
		item->type = REC_ITEM_MISSED;
		item->kmsg_mono_ns = mh.mono_ns;
		for (i = 0; i < mh.nprograms; i++) {
			memcpy(&mp, p + sizeof(mh) + i * sizeof(mp), sizeof(mp));
			/* every output prints the name as is: only a C identifier passes */
			if (!program_name_ok(mp.name, sizeof(mp.name)))
				return fail(r, -EBADMSG,
					    "corrupted: missed-runs record at byte %llu: program %u "
					    "is not named by a C identifier",
					    (unsigned long long)at, i + 1);
			missed__set(&item->missed, mp.name, mp.runs,
				    mp.flags & OOMREC_MISSED_KNOWN);
		}
		return 1;
	}
	case OOMREC_REC_END:
		if (rec.len < sizeof(item->end))
			return fail(r, -EBADMSG, "corrupted: short end record at byte %llu",
				    (unsigned long long)at);
		item->type = REC_ITEM_END;
		memcpy(&item->end, p, sizeof(item->end));
		/* the end's stamp becomes the recording's last time: bounded like an event's */
		if (item->end.end_mono_ns > (uint64_t)STAMP_MAX)
			return stamp_error(r, at);
		r->st.saw_end = true;
		return 1;
	case OOMREC_REC_HEADER:
		return fail(r, -EBADMSG, "corrupted: a second header at byte %llu",
			    (unsigned long long)at);
	default:
		/* A newer writer's record type: skippable by design (CRC was good). */
		r->st.skipped++;
		goto again;
	}
}
