/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Record files: the wire events of a live session, as they arrived, behind
 * a versioned header, so that replay and report run the very same tracker
 * later.  The layout is documented in docs/RECORD-FORMAT.md; every struct
 * below is fixed-width with explicit padding, like include/oomreap_abi.h.
 *
 *   preamble (16 bytes) | record | record | ...
 *   record = oomrec_record (16 bytes: type, len, crc32c) + len payload bytes
 *
 * The first record is a HEADER; a clean stop ends with an END record.  A
 * file without END was cut short (crash, power loss): its records up to the
 * cut are still good, and the reader says so.
 */
#ifndef OOMREAP_RECORD_H
#define OOMREAP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oomreap_abi.h"
#include "core/missed.h"

/* PNG-style: a high-bit byte and a newline catch text-mode transfers. */
#define OOMREC_MAGIC "\x89OOMREC\n"
#define OOMREC_MAGIC_LEN 8
#define OOMREC_FORMAT_VERSION 1
/* Written as a native u32: reads back as 0x04030201 on the other byte order. */
#define OOMREC_BYTE_ORDER 0x01020304u

/* Record types.  Readers skip types they do not know (with a valid CRC). */
#define OOMREC_REC_HEADER 1 /* struct oomrec_header, first record */
#define OOMREC_REC_EVENT 2  /* one wire event, exactly hdr.size bytes */
#define OOMREC_REC_LOST 3   /* struct oomrec_lost: drop counters changed */
#define OOMREC_REC_KMSG 4   /* struct oomrec_kmsg + one raw /dev/kmsg record */
#define OOMREC_REC_END 5    /* struct oomrec_end: clean end of this file */
#define OOMREC_REC_SYMBOL 6 /* struct oomrec_symbol + NUL-terminated kernel symbol name */
#define OOMREC_REC_MISSED 7 /* struct oomrec_missed + n oomrec_missed_program: runs skipped */

/* Bound on any record's payload: a corrupt length must not drive a huge read. */
#define OOMREC_MAX_PAYLOAD (64u * 1024)

struct oomrec_preamble {
	char magic[OOMREC_MAGIC_LEN];
	__u32 format_version;
	__u32 byte_order;
};
_Static_assert(sizeof(struct oomrec_preamble) == 16, "preamble layout");

struct oomrec_record {
	__u32 type;     /* OOMREC_REC_* */
	__u32 len;      /* payload bytes that follow */
	__u32 crc32c;   /* CRC-32C over type, len and the payload */
	__u32 reserved; /* 0 */
};
_Static_assert(sizeof(struct oomrec_record) == 16, "record layout");

/* Flags in oomrec_header.flags. */
#define OOMREC_F_KMSG 0x1 /* /dev/kmsg was captured into KMSG records */

#define OOMREC_PLAN_LEN 1024

struct oomrec_header {
	__u32 abi_version;      /* OOMREAP_ABI_VERSION of the events that follow */
	__u32 page_size;        /* RSS counters are in pages of this size */
	__s64 mono_to_real_ns;  /* CLOCK_REALTIME - CLOCK_MONOTONIC at start */
	__u64 start_mono_ns;    /* CLOCK_MONOTONIC when this file was opened */
	__u32 rung;             /* enum rung of the attach plan (1..3), 0 unknown */
	__u32 segment;          /* 0 for FILE, n for the rotated FILE.n */
	__u32 flags;            /* OOMREC_F_* */
	__u32 pad0;
	char tool_version[32];  /* every string: NUL-terminated in its field */
	char kernel_release[72];
	char hostname[72];
	char boot_id[40];       /* /proc/sys/kernel/random/boot_id */
	char machine[16];       /* uname -m */
	char attach_plan[OOMREC_PLAN_LEN]; /* "program hook\n" per attached program */
};
_Static_assert(sizeof(struct oomrec_header) == 1296, "header layout");

struct oomrec_lost {
	__u64 mono_ns;
	__u64 ringbuf_lost;     /* BPF ring-buffer reserve failures so far */
	__u64 unrecorded;       /* events the writer could not store so far */
};
_Static_assert(sizeof(struct oomrec_lost) == 24, "lost layout");

/*
 * Runs of each loaded BPF program that the kernel skipped since it was
 * loaded (core/missed.h), written when a count changed and at the start
 * of each file.  Older readers skip it.
 */
struct oomrec_missed {
	__u64 mono_ns;
	__u32 nprograms;        /* entries that follow, 1..MISSED_MAX_PROGRAMS */
	__u32 pad0;
};
_Static_assert(sizeof(struct oomrec_missed) == 16, "missed layout");

#define OOMREC_MISSED_KNOWN 0x1 /* the kernel counts this program's skipped runs */

struct oomrec_missed_program {
	char name[MISSED_NAME_LEN]; /* a C identifier, NUL-terminated in its field */
	__u64 runs;             /* runs skipped since load; 0 unless KNOWN */
	__u32 flags;            /* OOMREC_MISSED_* */
	__u32 pad0;
};
_Static_assert(sizeof(struct oomrec_missed_program) == 48, "missed program layout");

struct oomrec_kmsg {
	__u64 read_mono_ns;     /* when the line was read: an upper bound on its time */
	/* followed by the record exactly as read(2) from /dev/kmsg returned it */
};
_Static_assert(sizeof(struct oomrec_kmsg) == 8, "kmsg layout");

/*
 * A kernel symbol that a blocker stack in this recording runs through,
 * written before the first event that needs it: replay on another boot or
 * machine names the frames as the recorder saw them (KASLR, modules).
 */
struct oomrec_symbol {
	__u64 start;            /* the symbol's address in the recording boot */
	/* followed by its name, NUL-terminated, at most OOMREC_SYMBOL_NAME_MAX */
};
_Static_assert(sizeof(struct oomrec_symbol) == 8, "symbol layout");
#define OOMREC_SYMBOL_NAME_MAX 256

struct oomrec_end {
	__u64 end_mono_ns;
	__u64 events;           /* EVENT records in this file */
	__u64 kmsg_records;
	__u64 ringbuf_lost;
	__u64 unrecorded;
	__u32 next_segment;     /* 0: the recording ends here; n: continues in FILE.n */
	__u32 pad0;
};
_Static_assert(sizeof(struct oomrec_end) == 48, "end layout");

/* CRC-32C (Castagnoli), slice-by-8; the table lives with its user. */
struct crc32c_table {
	uint32_t t[8][256];
};
void crc32c__init(struct crc32c_table *tab);
uint32_t crc32c__update(const struct crc32c_table *tab, uint32_t crc, const void *buf, size_t len);
/* The checksum of one record: type, len, then the payload. */
uint32_t record__crc(const struct crc32c_table *tab, uint32_t type, const void *payload,
		     uint32_t len);

/* ------------------------------------------------------------------ writer */

struct rec_writer_stats {
	uint64_t events;        /* EVENT records written, all segments */
	uint64_t kmsg_records;
	uint64_t unrecorded;    /* events lost to write errors */
	uint64_t kmsg_unrecorded; /* kernel log lines lost to write errors */
	uint64_t write_errors;  /* failed flushes */
	uint64_t bytes;         /* committed bytes, all segments */
	uint32_t segments;      /* files created */
	int last_error;         /* errno of the latest failure, 0 once writes work again */
	int rotate_error;       /* errno: the next segment could not be created */
};

struct rec_writer;

/*
 * Create path (never following a symlink, never overwriting: O_EXCL,
 * mode 0600) and write the preamble and header.  max_bytes > 0 rotates to
 * path.1, path.2, ... before a file would grow past it.  -errno on failure.
 */
int rec_writer__open(struct rec_writer **out, const char *path, const struct oomrec_header *hdr,
		     uint64_t max_bytes);
/* The same on an open, seekable fd (tests); no rotation.  Takes the fd. */
int rec_writer__open_fd(struct rec_writer **out, int fd, const struct oomrec_header *hdr);
/*
 * Append to the buffer; the buffer goes to the file when full, on
 * rec_writer__flush() and on close.  -errno if a write failed (the data
 * is counted as unrecorded and the file stays well-formed).
 */
int rec_writer__event(struct rec_writer *w, const void *event, size_t len);
int rec_writer__kmsg(struct rec_writer *w, uint64_t read_mono_ns, const void *raw, size_t len);
int rec_writer__lost(struct rec_writer *w, uint64_t mono_ns, uint64_t ringbuf_lost);
int rec_writer__symbol(struct rec_writer *w, uint64_t start, const char *name);
/* A MISSED record when m differs from the last one written in this file (m->n 0: none). */
int rec_writer__missed(struct rec_writer *w, uint64_t mono_ns, const struct runs_missed *m);
/* Write what is buffered; fdatasync at most once a second of now_ns. */
int rec_writer__flush(struct rec_writer *w, uint64_t now_ns);
/* END record, flush, sync, close, free.  -errno of the first failure. */
int rec_writer__close(struct rec_writer *w, uint64_t now_ns);
const struct rec_writer_stats *rec_writer__stats(const struct rec_writer *w);
/* Path of the file being written now (path or path.n). */
const char *rec_writer__path(const struct rec_writer *w);

/* ------------------------------------------------------------------ reader */

enum rec_item_type {
	REC_ITEM_EVENT = 1, /* data: a validated wire event, 8-byte aligned */
	REC_ITEM_LOST,      /* lost: the counters */
	REC_ITEM_KMSG,      /* data/len: the raw kmsg record; kmsg_mono_ns */
	REC_ITEM_END,       /* end: the trailer; next() returns 0 after it */
	REC_ITEM_SYMBOL,    /* sym_start, data: the NUL-terminated name */
	REC_ITEM_MISSED,    /* missed, kmsg_mono_ns: its time */
};

struct rec_item {
	enum rec_item_type type;
	const void *data;
	size_t len;
	uint64_t kmsg_mono_ns;
	uint64_t sym_start;
	struct oomrec_lost lost;
	struct oomrec_end end;
	struct runs_missed missed;
};

struct rec_reader_stats {
	uint64_t offset;        /* bytes consumed so far */
	uint64_t records;
	uint64_t events;
	uint64_t kmsg_records;
	uint64_t skipped;       /* records of unknown type */
	bool saw_end;
};

struct rec_reader;

/*
 * Open a file / a memory buffer (not copied: must outlive the reader).
 * Only a regular file, never blocking in open(2): -EISDIR for a directory,
 * -EINVAL for a FIFO, device or socket.
 */
int rec_reader__open(struct rec_reader **out, const char *path);
int rec_reader__open_mem(struct rec_reader **out, const void *buf, size_t len);
/*
 * Read the preamble and the HEADER record.  0, or -errno with
 * rec_reader__error() saying what is wrong in one line.
 */
int rec_reader__start(struct rec_reader *r);
const struct oomrec_header *rec_reader__header(const struct rec_reader *r);
/*
 * Next item: 1 with *item filled, 0 at a clean end (after END), or -errno
 * (-ENODATA: the file stops without END at a record boundary; -EPROTO:
 * truncated inside a record; -EBADMSG: corrupted) with the message set.
 */
int rec_reader__next(struct rec_reader *r, struct rec_item *item);
/* One line: what is wrong and what could be read, e.g.
 * "truncated at byte 1234 of 1250 (inside record 9): 7 events read". */
const char *rec_reader__error(const struct rec_reader *r);
const struct rec_reader_stats *rec_reader__stats(const struct rec_reader *r);
void rec_reader__free(struct rec_reader *r);

/* Fill the identity fields of a header from this machine (uname, boot_id). */
void record__header_from_host(struct oomrec_header *hdr);

#endif /* OOMREAP_RECORD_H */
