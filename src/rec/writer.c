// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The record file writer (format: record.h, docs/RECORD-FORMAT.md).
 *
 * It never leaves a torn record behind: it writes with pwrite() at the
 * offset of the last complete record, so after a failed or short write
 * (ENOSPC) the next successful flush overwrites the torn bytes, and close
 * truncates whatever tail is left.  What could not be written is counted
 * and announced in the next LOST record, which replay turns into
 * "incomplete" incidents exactly like ring-buffer drops.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/fdio.h"
#include "rec/record.h"

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
	struct runs_missed noted_missed; /* as of the last MISSED written in this file */
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
	memset(&w->noted_missed, 0, sizeof(w->noted_missed)); /* and the runs missed */
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

int rec_writer__missed(struct rec_writer *w, uint64_t mono_ns, const struct runs_missed *m)
{
	struct oomrec_missed_program p[MISSED_MAX_PROGRAMS];
	struct oomrec_missed hdr = { 0 };
	uint32_t i, n = m->n < MISSED_MAX_PROGRAMS ? m->n : MISSED_MAX_PROGRAMS;

	if (mono_ns > w->now_ns)
		w->now_ns = mono_ns;
	if (!n || !memcmp(m, &w->noted_missed, sizeof(*m)))
		return 0;
	memset(p, 0, sizeof(p));
	for (i = 0; i < n; i++) {
		memcpy(p[i].name, m->p[i].name, MISSED_NAME_LEN - 1);
		p[i].runs = m->p[i].known ? m->p[i].runs : 0;
		p[i].flags = m->p[i].known ? OOMREC_MISSED_KNOWN : 0;
	}
	hdr.mono_ns = w->now_ns;
	hdr.nprograms = n;
	w->noted_missed = *m;
	return append(w, OOMREC_REC_MISSED, &hdr, sizeof(hdr), p, n * sizeof(p[0]));
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
