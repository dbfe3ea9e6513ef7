// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Record file writer and reader (format: record.h, docs/RECORD-FORMAT.md).
 *
 * The writer never leaves a torn record behind: it writes with pwrite() at
 * the offset of the last complete record, so after a failed or short write
 * (ENOSPC) the next successful flush overwrites the torn bytes, and close
 * truncates whatever tail is left.  What could not be written is counted
 * and announced in the next LOST record, which replay turns into
 * "incomplete" incidents exactly like ring-buffer drops.
 *
 * The reader treats the file as hostile: every length is bounded before it
 * is used, every record is checksummed, every event goes through
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
#include <sys/utsname.h>
#include <unistd.h>

#include "core/event.h"
#include "core/fdio.h"
#include "rec/record.h"

/* ------------------------------------------------------------------ crc32c */

#define CRC32C_POLY 0x82f63b78u /* reflected Castagnoli */

void crc32c__init(struct crc32c_table *tab)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
		tab->t[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (j = 1; j < 8; j++)
			tab->t[j][i] = (tab->t[j - 1][i] >> 8) ^ tab->t[0][tab->t[j - 1][i] & 0xff];
}

uint32_t crc32c__update(const struct crc32c_table *tab, uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	crc = ~crc;
	/* Eight bytes a step: the replay path checksums every event. */
	while (len >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);

		crc = tab->t[7][lo & 0xff] ^ tab->t[6][(lo >> 8) & 0xff] ^
		      tab->t[5][(lo >> 16) & 0xff] ^ tab->t[4][lo >> 24] ^ tab->t[3][p[4]] ^
		      tab->t[2][p[5]] ^ tab->t[1][p[6]] ^ tab->t[0][p[7]];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ tab->t[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

uint32_t record__crc(const struct crc32c_table *tab, uint32_t type, const void *payload,
		     uint32_t len)
{
	uint32_t head[2] = { type, len };
	uint32_t crc = crc32c__update(tab, 0, head, sizeof(head));

	return crc32c__update(tab, crc, payload, len);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n > size - 1)
		n = size - 1;
	memcpy(dst, src, n);
	memset(dst + n, 0, size - n);
}

void record__header_from_host(struct oomrec_header *hdr)
{
	struct utsname u;
	char boot_id[64] = "";
	FILE *f;

	if (uname(&u) == 0) {
		copy_str(hdr->kernel_release, sizeof(hdr->kernel_release), u.release);
		copy_str(hdr->hostname, sizeof(hdr->hostname), u.nodename);
		copy_str(hdr->machine, sizeof(hdr->machine), u.machine);
	}
	/* Ties kernel timestamps to one boot: mono times mean nothing across boots. */
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f) {
		if (fgets(boot_id, sizeof(boot_id), f))
			boot_id[strcspn(boot_id, "\n")] = 0;
		fclose(f);
	}
	copy_str(hdr->boot_id, sizeof(hdr->boot_id), boot_id);
}

/* ------------------------------------------------------------------ writer */

#define WRITER_BUF (256u * 1024)
#define SYNC_INTERVAL_NS 1000000000ull
#define HEADER_BYTES (sizeof(struct oomrec_preamble) + sizeof(struct oomrec_record) + \
		      sizeof(struct oomrec_header))

struct rec_writer {
	struct crc32c_table crc;
	int fd;
	char *base_path;     /* NULL when opened on an fd */
	char *path;          /* the file being written */
	uint64_t max_bytes;
	struct oomrec_header hdr;
	bool header_done;    /* preamble + header are in the current file */
	uint64_t off;        /* end of the last complete record in the file */
	unsigned char *buf;
	size_t len;
	uint32_t buf_events, buf_kmsg;
	uint64_t file_events, file_kmsg;
	uint64_t ringbuf_lost;
	uint64_t noted_ringbuf, noted_unrecorded; /* as of the last LOST written */
	uint64_t now_ns;     /* latest time given to flush/lost */
	uint64_t synced_ns;
	bool dirty;          /* written since the last sync */
	struct rec_writer_stats st;
};

static size_t put_record(struct rec_writer *w, unsigned char *dst, uint32_t type, const void *a,
			 size_t alen, const void *b, size_t blen)
{
	struct oomrec_record rec = { .type = type, .len = (uint32_t)(alen + blen) };
	uint32_t head[2] = { type, rec.len };
	uint32_t crc = crc32c__update(&w->crc, 0, head, sizeof(head));

	crc = crc32c__update(&w->crc, crc, a, alen);
	if (blen)
		crc = crc32c__update(&w->crc, crc, b, blen);
	rec.crc32c = crc;
	memcpy(dst, &rec, sizeof(rec));
	memcpy(dst + sizeof(rec), a, alen);
	if (blen)
		memcpy(dst + sizeof(rec) + alen, b, blen);
	return sizeof(rec) + alen + blen;
}

static int write_header(struct rec_writer *w)
{
	unsigned char bytes[HEADER_BYTES];
	struct oomrec_preamble pre = { .format_version = OOMREC_FORMAT_VERSION,
				       .byte_order = OOMREC_BYTE_ORDER };
	int err;

	memcpy(pre.magic, OOMREC_MAGIC, OOMREC_MAGIC_LEN);
	memcpy(bytes, &pre, sizeof(pre));
	put_record(w, bytes + sizeof(pre), OOMREC_REC_HEADER, &w->hdr, sizeof(w->hdr), NULL, 0);
	err = fdio__pwrite_all(w->fd, bytes, sizeof(bytes), 0);
	if (err)
		return err;
	w->header_done = true;
	w->off = sizeof(bytes);
	w->st.bytes += sizeof(bytes);
	w->dirty = true;
	return 0;
}

/* Buffer -> file.  On failure the buffer is dropped and counted. */
static int flush_buf(struct rec_writer *w)
{
	int err = 0;

	if (!w->header_done)
		err = write_header(w);
	if (!err && w->len)
		err = fdio__pwrite_all(w->fd, w->buf, w->len, w->off);
	if (err) {
		w->st.write_errors++;
		w->st.last_error = -err;
		w->st.unrecorded += w->buf_events;
		w->st.kmsg_unrecorded += w->buf_kmsg;
		/* Best effort: a torn tail is overwritten by the next write anyway. */
		if (ftruncate(w->fd, (off_t)w->off)) {
			/* nothing more to do: close truncates again */
		}
	} else {
		w->off += w->len;
		w->st.bytes += w->len;
		w->st.events += w->buf_events;
		w->st.kmsg_records += w->buf_kmsg;
		w->file_events += w->buf_events;
		w->file_kmsg += w->buf_kmsg;
		w->st.last_error = 0;
		if (w->len)
			w->dirty = true;
	}
	w->len = 0;
	w->buf_events = 0;
	w->buf_kmsg = 0;
	return err;
}

static int open_excl(const char *path)
{
	/* O_EXCL with O_CREAT never follows a symlink; O_NOFOLLOW says so twice. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	return fd < 0 ? -errno : fd;
}

static void end_record(struct rec_writer *w, struct oomrec_end *end, uint32_t next_segment)
{
	memset(end, 0, sizeof(*end));
	end->end_mono_ns = w->now_ns;
	end->events = w->file_events + w->buf_events;
	end->kmsg_records = w->file_kmsg + w->buf_kmsg;
	end->ringbuf_lost = w->ringbuf_lost;
	end->unrecorded = w->st.unrecorded;
	end->next_segment = next_segment;
}

static int append(struct rec_writer *w, uint32_t type, const void *a, size_t alen,
		  const void *b, size_t blen);

/* Close this segment and go on in path.N; on failure stay in this file. */
static int rotate(struct rec_writer *w)
{
	uint32_t next = w->hdr.segment + 1;
	size_t n = strlen(w->base_path) + 16;
	char *path = malloc(n);
	struct oomrec_end end;
	int fd, err;

	if (!path)
		return -ENOMEM;
	snprintf(path, n, "%s.%u", w->base_path, next);
	fd = open_excl(path);
	if (fd < 0) {
		/* Keep writing this file past the limit rather than lose events. */
		free(path);
		w->max_bytes = 0; /* do not retry on every event */
		w->st.rotate_error = -fd;
		return 0;
	}
	end_record(w, &end, next);
	w->len += put_record(w, w->buf + w->len, OOMREC_REC_END, &end, sizeof(end), NULL, 0);
	err = flush_buf(w);
	if (!err && fsync(w->fd))
		err = -errno;
	close(w->fd);
	free(w->path);
	w->fd = fd;
	w->path = path;
	w->hdr.segment = next;
	w->header_done = false;
	w->off = 0;
	w->file_events = 0;
	w->file_kmsg = 0;
	w->st.segments++;
	/* Each file stands alone: its own header, and the drop counters so far. */
	if (!flush_buf(w) && (w->ringbuf_lost || w->st.unrecorded))
		w->noted_ringbuf = w->noted_unrecorded = UINT64_MAX; /* re-announce */
	return err;
}

static int append(struct rec_writer *w, uint32_t type, const void *a, size_t alen,
		  const void *b, size_t blen)
{
	size_t need = sizeof(struct oomrec_record) + alen + blen;
	int err = 0, err2;

	if (need > sizeof(struct oomrec_record) + OOMREC_MAX_PAYLOAD)
		return -E2BIG;
	if (w->len + need + sizeof(struct oomrec_record) + sizeof(struct oomrec_end) +
		    sizeof(struct oomrec_record) + sizeof(struct oomrec_lost) >
	    WRITER_BUF)
		err = flush_buf(w);
	if (w->max_bytes && w->base_path && (w->file_events || w->file_kmsg || w->len) &&
	    w->off + w->len + need > w->max_bytes) {
		err2 = rotate(w);
		if (!err)
			err = err2;
	}
	/* Announce drops before the next thing that does get written. */
	if (type != OOMREC_REC_LOST && type != OOMREC_REC_END &&
	    (w->noted_unrecorded != w->st.unrecorded || w->noted_ringbuf != w->ringbuf_lost)) {
		struct oomrec_lost lost = { w->now_ns, w->ringbuf_lost, w->st.unrecorded };

		w->len += put_record(w, w->buf + w->len, OOMREC_REC_LOST, &lost, sizeof(lost),
				     NULL, 0);
		w->noted_ringbuf = w->ringbuf_lost;
		w->noted_unrecorded = w->st.unrecorded;
	}
	w->len += put_record(w, w->buf + w->len, type, a, alen, b, blen);
	if (type == OOMREC_REC_EVENT)
		w->buf_events++;
	else if (type == OOMREC_REC_KMSG)
		w->buf_kmsg++;
	return err;
}

static int writer_new(struct rec_writer **out, int fd, const struct oomrec_header *hdr)
{
	struct rec_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->buf = malloc(WRITER_BUF);
	if (!w->buf) {
		free(w);
		return -ENOMEM;
	}
	crc32c__init(&w->crc);
	w->fd = fd;
	w->hdr = *hdr;
	w->hdr.abi_version = OOMREAP_ABI_VERSION;
	w->now_ns = hdr->start_mono_ns;
	w->synced_ns = hdr->start_mono_ns;
	w->st.segments = 1;
	*out = w;
	return 0;
}

static void writer_free(struct rec_writer *w)
{
	free(w->buf);
	free(w->base_path);
	free(w->path);
	free(w);
}

int rec_writer__open_fd(struct rec_writer **out, int fd, const struct oomrec_header *hdr)
{
	struct rec_writer *w;
	int err = writer_new(&w, fd, hdr);

	if (err)
		return err;
	err = write_header(w);
	if (err) {
		writer_free(w);
		return err;
	}
	*out = w;
	return 0;
}

int rec_writer__open(struct rec_writer **out, const char *path, const struct oomrec_header *hdr,
		     uint64_t max_bytes)
{
	struct rec_writer *w;
	int fd, err;

	fd = open_excl(path);
	if (fd < 0)
		return fd;
	err = writer_new(&w, fd, hdr);
	if (err) {
		close(fd);
		unlink(path);
		return err;
	}
	w->base_path = strdup(path);
	w->path = strdup(path);
	/* A rotated file must hold at least its header and one record. */
	w->max_bytes = max_bytes && max_bytes < 4 * HEADER_BYTES ? 4 * HEADER_BYTES : max_bytes;
	if (!w->base_path || !w->path)
		err = -ENOMEM;
	if (!err)
		err = write_header(w);
	if (err) {
		close(fd);
		unlink(path);
		writer_free(w);
		return err;
	}
	*out = w;
	return 0;
}

int rec_writer__event(struct rec_writer *w, const void *event, size_t len)
{
	return append(w, OOMREC_REC_EVENT, event, len, NULL, 0);
}

int rec_writer__kmsg(struct rec_writer *w, uint64_t read_mono_ns, const void *raw, size_t len)
{
	struct oomrec_kmsg k = { .read_mono_ns = read_mono_ns };

	if (len > OOMREC_MAX_PAYLOAD - sizeof(k))
		len = OOMREC_MAX_PAYLOAD - sizeof(k);
	return append(w, OOMREC_REC_KMSG, &k, sizeof(k), raw, len);
}

int rec_writer__symbol(struct rec_writer *w, uint64_t start, const char *name)
{
	struct oomrec_symbol sym = { .start = start };
	size_t n = strnlen(name, OOMREC_SYMBOL_NAME_MAX - 1);
	char buf[OOMREC_SYMBOL_NAME_MAX];

	memcpy(buf, name, n);
	buf[n] = 0;
	return append(w, OOMREC_REC_SYMBOL, &sym, sizeof(sym), buf, n + 1);
}

int rec_writer__lost(struct rec_writer *w, uint64_t mono_ns, uint64_t ringbuf_lost)
{
	struct oomrec_lost lost;

	if (mono_ns > w->now_ns)
		w->now_ns = mono_ns;
	if (ringbuf_lost == w->noted_ringbuf && w->st.unrecorded == w->noted_unrecorded)
		return 0;
	w->ringbuf_lost = ringbuf_lost;
	lost = (struct oomrec_lost){ w->now_ns, ringbuf_lost, w->st.unrecorded };
	w->noted_ringbuf = ringbuf_lost;
	w->noted_unrecorded = w->st.unrecorded;
	return append(w, OOMREC_REC_LOST, &lost, sizeof(lost), NULL, 0);
}

int rec_writer__flush(struct rec_writer *w, uint64_t now_ns)
{
	int err = 0;

	if (now_ns > w->now_ns)
		w->now_ns = now_ns;
	if (w->len || !w->header_done)
		err = flush_buf(w);
	/* The page cache survives our crash, not the machine's: sync once a second. */
	if (!err && w->dirty && now_ns - w->synced_ns >= SYNC_INTERVAL_NS) {
		if (fdatasync(w->fd) && errno != EINVAL && errno != EROFS)
			err = -errno;
		w->dirty = false;
		w->synced_ns = now_ns;
	}
	return err;
}

int rec_writer__close(struct rec_writer *w, uint64_t now_ns)
{
	struct oomrec_end end;
	int err, err2 = 0;

	if (now_ns > w->now_ns)
		w->now_ns = now_ns;
	/* Make room first, so END never rides in a buffer that overflows. */
	err = rec_writer__lost(w, now_ns, w->ringbuf_lost);
	end_record(w, &end, 0);
	w->len += put_record(w, w->buf + w->len, OOMREC_REC_END, &end, sizeof(end), NULL, 0);
	err2 = flush_buf(w);
	if (!err)
		err = err2;
	if (ftruncate(w->fd, (off_t)w->off) && !err && errno != EINVAL)
		err = -errno;
	if (fsync(w->fd) && !err && errno != EINVAL && errno != EROFS)
		err = -errno;
	if (close(w->fd) && !err)
		err = -errno;
	writer_free(w);
	return err;
}

const struct rec_writer_stats *rec_writer__stats(const struct rec_writer *w)
{
	return &w->st;
}

const char *rec_writer__path(const struct rec_writer *w)
{
	return w->path ? w->path : "(fd)";
}

/* ------------------------------------------------------------------ reader */

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

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
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
	r->file_size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
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
	if (r->hdr.abi_version != OOMREAP_ABI_VERSION)
		return fail(r, -EPROTONOSUPPORT,
			    "events use wire ABI version %u; this oomreap-trace reads version %u",
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

int rec_reader__next(struct rec_reader *r, struct rec_item *item)
{
	struct oomrec_record rec;
	const unsigned char *p;
	uint64_t at;
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
		if (event__validate(r->ev.b, rec.len) < 0)
			return fail(r, -EBADMSG,
				    "corrupted: invalid event in record %llu at byte %llu "
				    "(type %u, %u bytes)",
				    (unsigned long long)r->st.records, (unsigned long long)at,
				    rec.len >= 4 ? r->ev.h.type : 0, rec.len);
		if (r->ev.h.ts_ns > (uint64_t)STAMP_MAX)
			return fail(r, -EBADMSG,
				    "corrupted: implausible time stamp in record %llu at byte %llu",
				    (unsigned long long)r->st.records, (unsigned long long)at);
		item->type = REC_ITEM_EVENT;
		item->data = r->ev.b;
		item->len = rec.len;
		r->st.events++;
		return 1;
	case OOMREC_REC_LOST:
		if (rec.len < sizeof(item->lost))
			return fail(r, -EBADMSG, "corrupted: short drop-counter record at byte %llu",
				    (unsigned long long)at);
		item->type = REC_ITEM_LOST;
		memcpy(&item->lost, p, sizeof(item->lost));
		return 1;
	case OOMREC_REC_KMSG: {
		struct oomrec_kmsg k;

		if (rec.len < sizeof(k))
			return fail(r, -EBADMSG, "corrupted: short kernel log record at byte %llu",
				    (unsigned long long)at);
		memcpy(&k, p, sizeof(k));
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
	case OOMREC_REC_END:
		if (rec.len < sizeof(item->end))
			return fail(r, -EBADMSG, "corrupted: short end record at byte %llu",
				    (unsigned long long)at);
		item->type = REC_ITEM_END;
		memcpy(&item->end, p, sizeof(item->end));
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
