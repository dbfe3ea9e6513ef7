// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <string.h>

#include "core/checked.h"
#include "core/incident.h"
#include "core/ksyms.h"

/* ------------------------------------------------------------- figures */

static uint64_t span(uint64_t from, uint64_t to)
{
	if (!from || !to)
		return LATENCY_NONE;
	return to >= from ? to - from : 0; /* cross-CPU skew: never negative */
}

uint64_t incident__kill_to_wake_ns(const struct oomreap_incident *inc)
{
	return span(inc->kill_ns, inc->wake_ns);
}

uint64_t incident__wake_to_first_attempt_ns(const struct oomreap_incident *inc)
{
	return span(inc->wake_ns, inc->first_attempt_ns);
}

uint64_t incident__reap_duration_ns(const struct oomreap_incident *inc)
{
	if (inc->finish_ns < inc->last_start_ns)
		return LATENCY_NONE;
	return span(inc->last_start_ns, inc->finish_ns);
}

uint64_t incident__reap_latency_ns(const struct oomreap_incident *inc)
{
	return span(inc->kill_ns, inc->finish_ns);
}

uint64_t incident__exit_latency_ns(const struct oomreap_incident *inc)
{
	return span(inc->kill_ns, inc->exit_ns);
}

uint64_t incident__start_ns(const struct oomreap_incident *inc)
{
	if (inc->kill_ns)
		return inc->kill_ns;
	if (inc->identity_from_log)
		return inc->kill_log_ns; /* joined halfway: the kernel log's kill line */
	return inc->timeline_len ? inc->timeline[0].ts_ns : inc->closed_ns;
}

uint64_t incident__done_ns(const struct oomreap_incident *inc)
{
	/* closed at its loss deadline: when it was over is not known */
	if (inc->ended_unseen)
		return LATENCY_NONE;
	if (!inc->kill_ns || !inc->closed_ns || inc->closed_ns < inc->kill_ns)
		return LATENCY_NONE;
	return inc->closed_ns - inc->kill_ns;
}

uint64_t incident__mrelease_lock_wait_ns(const struct mrelease_call *c)
{
	if (!c->enter_ns || !c->locked_ns || c->locked_ns < c->enter_ns)
		return LATENCY_NONE;
	return c->locked_ns - c->enter_ns;
}

uint64_t incident__mrelease_duration_ns(const struct mrelease_call *c)
{
	if (!c->enter_ns || c->exit_ns < c->enter_ns)
		return LATENCY_NONE;
	return c->exit_ns - c->enter_ns;
}

uint64_t incident__mrelease_unmap_ns(const struct mrelease_call *c)
{
	if (!c->locked_ns || !c->unmapped_ns || c->unmapped_ns < c->locked_ns)
		return LATENCY_NONE;
	return c->unmapped_ns - c->locked_ns;
}

uint64_t incident__memory_gone_ns(const struct oomreap_incident *inc)
{
	uint64_t gone = 0;
	uint32_t i;

	if (inc->kind != INCIDENT_USERSPACE || !inc->kill_ns)
		return LATENCY_NONE;
	/*
	 * The exit event marks the memory gone only where it comes after
	 * exit_mm() (before 6.18: it saw no mm); from 6.18 it comes before.
	 */
	if (inc->exit_ns && inc->uk.mm_unstable_at_exit < 0)
		gone = inc->exit_ns;
	for (i = 0; i < inc->uk.ncalls && i < MRELEASE_CALLS_MAX; i++) {
		const struct mrelease_call *c = &inc->uk.calls[i];
		bool freed = c->ret == 0 && c->have_freed &&
			     (c->freed_pages[OOMREAP_RSS_ANON] || c->freed_pages[OOMREAP_RSS_FILE] ||
			      c->freed_pages[OOMREAP_RSS_SHMEM]);

		/* a call that freed it, or returned after the mm was released (ESRCH too) */
		if ((freed || c->mm_gone || c->ret == -3 /* ESRCH */) && (!gone || c->exit_ns < gone))
			gone = c->exit_ns;
	}
	if (!gone || gone < inc->kill_ns)
		return LATENCY_NONE;
	return gone - inc->kill_ns;
}

uint64_t incident__freed_bytes(const uint64_t freed_pages[OOMREAP_RSS_NR], uint64_t page_size)
{
	uint64_t pages = sat_add_u64(sat_add_u64(freed_pages[OOMREAP_RSS_ANON],
						 freed_pages[OOMREAP_RSS_FILE]),
				     freed_pages[OOMREAP_RSS_SHMEM]);

	return sat_mul_u64(pages, page_size);
}

uint64_t incident__bytes(uint64_t pages, uint64_t page_size)
{
	return sat_mul_u64(pages, page_size);
}

/*
 * Is path equal to, or below, the cgroup filter?  Compared a component at
 * a time, so that a run of slashes is one separator as in any path:
 * "//" is "/", "/a//b/" is "/a/b".
 */
static bool cgroup_matches(const char *filter, const char *path)
{
	for (;;) {
		size_t fn, pn;

		while (*filter == '/')
			filter++;
		while (*path == '/')
			path++;
		if (!*filter) /* every component of the filter matched */
			return true;
		fn = strcspn(filter, "/");
		pn = strcspn(path, "/");
		if (fn != pn || strncmp(filter, path, fn))
			return false;
		filter += fn;
		path += pn;
	}
}

bool incident__selected(const struct oomreap_incident *inc, uint32_t pid, const char *cgroup)
{
	if (pid && inc->pid != pid && inc->tgid != pid)
		return false;
	if (cgroup && (!inc->have_identity || !cgroup_matches(cgroup, inc->cgroup_path)))
		return false;
	return true;
}

/* --------------------------------------------------------------- roles */

bool incident__role_is_owner(uint32_t role)
{
	return role == OOMREAP_ROLE_OWNER_WRITER || role == OOMREAP_ROLE_OWNER_READER;
}

const char *incident__role_mode(uint32_t role)
{
	switch (role) {
	case OOMREAP_ROLE_OWNER_WRITER:
	case OOMREAP_ROLE_WAITER_WRITE:
		return "write";
	case OOMREAP_ROLE_OWNER_READER:
	case OOMREAP_ROLE_WAITER_READ:
		return "read";
	case OOMREAP_ROLE_WAITER_RT:
		return "unrecorded"; /* PREEMPT_RT: the rtmutex waiter does not say */
	default:
		return "unknown";
	}
}

const char *incident__role_title(uint32_t role)
{
	switch (role) {
	case OOMREAP_ROLE_OWNER_WRITER:
		return "holding it for write";
	case OOMREAP_ROLE_OWNER_READER:
		return "holding it for read (the last reader: a strong hint, not proof)";
	case OOMREAP_ROLE_WAITER_WRITE:
		return "queued for write";
	case OOMREAP_ROLE_WAITER_READ:
		return "queued for read";
	case OOMREAP_ROLE_WAITER_RT:
		return "queued (for read or write: PREEMPT_RT does not record which)";
	default:
		return "unknown role";
	}
}

/*
 * PREEMPT_RT's rwbase_rt readers word (include/linux/rwbase_rt.h,
 * kernel/locking/rwbase_rt.c): READER_BIAS (bit 31) set while no writer
 * is in, plus one per reader; a writer that owns the rtmutex removes the
 * bias and waits until the readers are gone (the word is then the number
 * of readers still in), then sets WRITER_BIAS (bit 30) alone.
 */
#define RWBASE_READER_BIAS (1u << 31)
#define RWBASE_WRITER_BIAS (1u << 30)

enum rwbase_state incident__rwbase_state(uint64_t word, uint32_t *readers)
{
	uint32_t r = (uint32_t)word;

	*readers = 0;
	if (r & RWBASE_READER_BIAS) {
		*readers = r - RWBASE_READER_BIAS;
		return RWBASE_NO_WRITER;
	}
	if (r == RWBASE_WRITER_BIAS)
		return RWBASE_WRITE_LOCKED;
	if (r < RWBASE_WRITER_BIAS) {
		*readers = r;
		return RWBASE_WRITER_WAITING;
	}
	return RWBASE_INVALID;
}

void incident__lock_state(char *buf, size_t len, uint32_t blk_flags, uint64_t lock_count)
{
	static const char unrecorded[] = "PREEMPT_RT counts readers, it does not record who they are";
	uint32_t readers;

	buf[0] = 0;
	if (!(blk_flags & OOMREAP_BLK_RWBASE) || !len)
		return;
	switch (incident__rwbase_state(lock_count, &readers)) {
	case RWBASE_WRITE_LOCKED:
		snprintf(buf, len, "write-locked, no reader in");
		break;
	case RWBASE_WRITER_WAITING:
		snprintf(buf, len, "the writer waits for %u reader%s to leave (%s)", readers,
			 readers == 1 ? "" : "s", unrecorded);
		break;
	case RWBASE_NO_WRITER:
		snprintf(buf, len, "no writer any more, %u reader%s in (%s)", readers,
			 readers == 1 ? "" : "s", unrecorded);
		break;
	default:
		snprintf(buf, len, "readers word %#" PRIx32 ": no state of the lock",
			 (uint32_t)lock_count);
		break;
	}
}

/* Frames that say only "this task is waiting": skipped in verdicts. */
static bool boring_frame(const char *name)
{
	static const char *const prefixes[] = {
		"__schedule", "schedule", "io_schedule", "rwsem_down_", "down_read",
		"down_write", "__down_", "mmap_read_lock", "mmap_write_lock", "__mmap_lock",
		"wait_for_completion", "__wait_", "preempt_schedule", "__cond_resched",
		"msleep", "usleep_range", "do_nanosleep", "hrtimer_nanosleep",
		/* PREEMPT_RT's mmap_lock: rwbase_rt on an rtmutex */
		"rwbase_", "__rwbase_", "rt_mutex_", "__rt_mutex_", "rtmutex_", "rtlock_",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* The syscall the task entered by, from its outermost frames. */
static const char *stack_syscall(const struct oomreap_blocked_task *bt, const struct ksyms *ks)
{
	static const char *const prefixes[] = { "__x64_sys_", "__arm64_sys_", "__do_sys_",
						"__se_sys_", "ksys_" };
	int i;
	size_t j;

	for (i = bt->stack_len - 1; i >= 0; i--) {
		uint64_t off;
		const char *name = ksyms__lookup(ks, bt->stack[i], &off);

		for (j = 0; name && j < sizeof(prefixes) / sizeof(prefixes[0]); j++)
			if (!strncmp(name, prefixes[j], strlen(prefixes[j])))
				return name + strlen(prefixes[j]);
	}
	return NULL;
}

void incident__task_where(char *buf, size_t len, const struct oomreap_blocked_task *bt,
			  const struct ksyms *ks)
{
	const char *sys = NULL, *top = NULL;
	int i;

	buf[0] = 0;
	if (bt->stack_len <= 0 || !ks)
		return;
	for (i = 0; i < bt->stack_len && !top; i++) {
		uint64_t off;
		const char *name = ksyms__lookup(ks, bt->stack[i], &off);

		if (name && !boring_frame(name))
			top = name;
	}
	sys = stack_syscall(bt, ks);
	if (sys && top && strcmp(sys, top))
		snprintf(buf, len, "%s -> ... -> %s", sys, top);
	else if (top)
		snprintf(buf, len, "%s", top);
}

/* ------------------------------------------------------------ escapers */

/* Length of a valid UTF-8 sequence at s (max n bytes), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

const char *incident__html_entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

/* The escape of a byte the format reserves, or NULL. */
static const char *reserved(enum escape_format how, unsigned char c)
{
	switch (how) {
	case ESCAPE_TEXT:
		return c == '\\' ? "\\\\" : NULL;
	case ESCAPE_JSON:
		switch (c) {
		case '"':
			return "\\\"";
		case '\\':
			return "\\\\";
		case '\n':
			return "\\n";
		case '\r':
			return "\\r";
		case '\t':
			return "\\t";
		}
		return NULL;
	case ESCAPE_PROM_LABEL:
		switch (c) {
		case '\\':
			return "\\\\";
		case '"':
			return "\\\"";
		case '\n':
			return "\\n";
		}
		return NULL;
	case ESCAPE_PROM_UTF8:
		return c == '\n' ? "\n" : NULL; /* the label escaper's to escape */
	case ESCAPE_HTML:
		return incident__html_entity((char)c);
	case ESCAPE_MARKDOWN_CELL:
		/* GFM splits cells on | even inside code spans, unless escaped */
		return c == '|' ? "\\|" : NULL;
	default:
		return NULL;
	}
}

/* A control byte or one that is not UTF-8, as the format shows it. */
static size_t bad_byte(enum escape_format how, unsigned char c, char out[8])
{
	switch (how) {
	case ESCAPE_JSON:
		/* the code point of the same value: valid JSON, the byte still recoverable */
		return (size_t)snprintf(out, 8, "\\u%04x", c);
	case ESCAPE_PROM_LABEL:
	case ESCAPE_PROM_UTF8:
		/* Prometheus rejects invalid UTF-8 in label values */
		memcpy(out, "\xef\xbf\xbd", 3); /* U+FFFD REPLACEMENT CHARACTER */
		return 3;
	default:
		return (size_t)snprintf(out, 8, "\\x%02x", c);
	}
}

/* Where an escaper writes: a stream, or a buffer that takes only whole units. */
struct escape_out {
	FILE *f;
	char *buf;
	size_t size, len;
};

static bool put(struct escape_out *o, const void *p, size_t n)
{
	if (o->f)
		return fwrite(p, 1, n, o->f), true;
	if (o->len + n >= o->size)
		return false;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return true;
}

static void escape(struct escape_out *o, enum escape_format how, const char *str, size_t maxlen)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, maxlen), i = 0, len;
	const char *esc;
	char bad[8];

	while (i < n) {
		unsigned char c = s[i];

		if ((esc = reserved(how, c))) {
			if (!put(o, esc, strlen(esc)))
				return;
			i++;
			continue;
		}
		if (how == ESCAPE_TEXT)
			len = c >= 0x20 && c < 0x7f;
		else
			len = c < 0x20 || c == 0x7f ? 0 : utf8_seq_len(s + i, n - i);
		if (!len) {
			if (!put(o, bad, bad_byte(how, c, bad)))
				return;
			i++;
			continue;
		}
		if (!put(o, s + i, len))
			return;
		i += len;
	}
}

void incident__escape(FILE *f, enum escape_format how, const char *s, size_t maxlen)
{
	struct escape_out o = { .f = f };

	escape(&o, how, s, maxlen);
}

size_t incident__escape_buf(char *buf, size_t size, enum escape_format how, const char *s,
			    size_t maxlen)
{
	struct escape_out o = { .buf = buf, .size = size };

	if (!size)
		return 0;
	escape(&o, how, s, maxlen);
	buf[o.len] = 0;
	return o.len;
}

bool incident__kill_known(const struct oomreap_incident *inc)
{
	return inc->kill_ns || inc->identity_from_log;
}
