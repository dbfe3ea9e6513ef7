/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What filled the memory: the parts of the kernel's own OOM report
 * (dump_header() in mm/oom_kill.c) that say so, as rec/oom_report_parse.c
 * reads them from the kernel log.  The OOM domain's counters
 * (mem_cgroup_print_oom_meminfo(): "memory: usage ...", "swap: ...",
 * cgroup v1's "memory+swap: ..." and "kmem: ..."), its memory.stat as the
 * kernel printed it (keys as stated), the task table (dump_tasks(),
 * "Tasks state (memory values in pages)"), and for a global OOM Mem-Info's
 * summary (__show_mem()).  Each part has a source or, when null, a reason;
 * a part read only in part says how much is missing, never guesses.
 */
#ifndef OOMREAP_OOM_REPORT_H
#define OOMREAP_OOM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum oomr_part {
	OOMR_DOMAIN = 0,   /* the domain memcg's counters */
	OOMR_MEMORY_STAT,  /* "Memory cgroup stats for PATH:" and its lines */
	OOMR_TASKS,        /* dump_tasks() */
	OOMR_MEMINFO,      /* "Mem-Info:" (a global OOM): summary, nodes, zones */
	OOMR_SLAB,         /* "Unreclaimable slab info:" (a global OOM, when slab is large) */
	OOMR_NR
};

/* Why a part is null (or, for OOMR_WHY_LINES_LOST / _INTERLEAVED on tasks, short). */
enum oomr_missing {
	OOMR_WHY_NONE = 0,
	OOMR_WHY_NO_REPORT,    /* no OOM report for this kill: ctx_why says why */
	OOMR_WHY_NOT_PRINTED,  /* the report is whole and has no such part */
	OOMR_WHY_DUMP_TASKS_OFF, /* no task table in a whole report: vm.oom_dump_tasks=0 */
	OOMR_WHY_GLOBAL,       /* domain, memory.stat: a global OOM has no domain memcg */
	OOMR_WHY_MEMCG,        /* Mem-Info: printed for a global OOM only */
	OOMR_WHY_LINES_LOST,   /* lines of the report were lost (a sequence hole) */
	OOMR_WHY_INTERLEAVED,  /* the part twice in one report: two reports mixed */
	OOMR_WHY_UNPARSED,     /* the part is there but not in a format we know */
	OOMR_WHY_OTHER_DOMAIN, /* memory.stat names another cgroup than the domain */
	OOMR_WHY_SLAB_SMALL,   /* slab: printed only when unreclaimable slab > user memory */
	OOMR_WHY_SLAB_BUSY,    /* slab: "excessive unreclaimable slab but cannot dump stats" */
	OOMR_WHY_NR
};

/* One line's counter: "NAME: usage %llukB, limit %llukB, failcnt %lu". */
struct oomr_counter {
	bool have;
	uint64_t usage_kb, limit_kb, failcnt;
};

/* Keys and values as the kernel printed them, in order, bounded. */
#define OOMR_KV_MAX 96
#define OOMR_KV_TEXT 1280
struct oomr_kv {
	uint16_t n;
	uint16_t text_len;
	uint32_t dropped;            /* keys not kept: bounds, or a value cut by the kernel */
	uint16_t key_off[OOMR_KV_MAX];
	uint64_t val[OOMR_KV_MAX];
	char text[OOMR_KV_TEXT];     /* NUL-terminated keys */
};

enum {
	OOMR_TASK_VICTIM = 1,        /* tgid is the kill's victim's */
	OOMR_TASK_TRIGGER = 2,       /* tgid is the task that invoked the OOM killer */
};

#define OOMR_NAME_LEN 64
struct oomr_task {
	uint32_t pid, uid, tgid;
	int16_t oom_score_adj;
	uint8_t flags;               /* OOMR_TASK_* */
	uint64_t total_vm, rss;      /* pages */
	uint64_t rss_anon, rss_file, rss_shmem; /* pages, when oom_report.tasks_split */
	uint64_t pgtables_bytes, swapents;
	char name[OOMR_NAME_LEN];    /* as the log has it (/dev/kmsg escapes \xNN) */
};

/*
 * One Mem-Info node or zone line (show_free_areas()): its keys as stated,
 * values in kB as stated ("kB", or "KB" for reserved_highatomic).  Read
 * whole or not at all: a line with one token not in the kernel's form is
 * counted (meminfo_unread), never read in part.
 */
#define OOMR_ZKV_MAX 30
#define OOMR_ZKV_TEXT 352
struct oomr_zkv {
	uint16_t n;
	uint16_t text_len;
	uint32_t dropped;
	uint16_t key_off[OOMR_ZKV_MAX];
	uint64_t val[OOMR_ZKV_MAX];
	char text[OOMR_ZKV_TEXT];
};

/* "Node N active_anon:...kB ... all_unreclaimable? yes|no" */
struct oomr_node {
	int32_t node;
	int8_t all_unreclaimable;    /* 1 yes, 0 no, -1 not stated */
	struct oomr_zkv kb;
};

/*
 * "[Node N ]ZONE free:...kB min:...kB low:...kB high:...kB ...", its
 * "lowmem_reserve[]: ..." line, and its buddy line ("[Node N ]ZONE:
 * 1*4kB (U) ... = NkB").  node -1: the kernel (no CONFIG_NUMA) did not say.
 */
#define OOMR_ZONE_NAME 16
#define OOMR_LOWMEM_MAX 8
struct oomr_zone {
	int32_t node;
	char name[OOMR_ZONE_NAME];
	struct oomr_zkv kb;
	uint8_t nlowmem;             /* lowmem_reserve[] entries, pages; 0 not read */
	int64_t lowmem_reserve[OOMR_LOWMEM_MAX];
	bool have_buddy;
	uint64_t buddy_free_kb;      /* the buddy line's "= NkB" */
};

#define OOMR_NODES_MAX 2
#define OOMR_ZONES_MAX 6

/* One row of "Unreclaimable slab info:" ("%-17s %10luKB %10luKB"). */
#define OOMR_SLAB_NAME 48
struct oomr_slab {
	uint64_t used_kb, total_kb;
	char name[OOMR_SLAB_NAME];
};
#define OOMR_SLAB_MAX 8

/* Rows kept: the largest by RSS, the victim and the trigger always among them. */
#define OOMR_TASKS_MAX 12

struct oom_report {
	uint8_t src[OOMR_NR];        /* enum ctx_source (core/oom_context.h) */
	uint8_t why[OOMR_NR];        /* enum oomr_missing, for a part with no source */
	uint8_t ctx_why;             /* enum ctx_missing, when why is OOMR_WHY_NO_REPORT */
	bool cut[OOMR_NR];           /* read, but lines were lost while reading it */

	struct oomr_counter memory, swap, memsw, kmem;

	struct oomr_kv stat;         /* memory.stat, values as stated */

	bool tasks_split;            /* rows have rss_anon, rss_file, rss_shmem (6.x) */
	uint32_t ntasks;             /* rows kept, in tasks[], largest RSS first */
	uint32_t tasks_listed;       /* rows the kernel printed and we read */
	uint32_t tasks_unreadable;   /* lines inside the table that are not rows */
	uint64_t rest_rss;           /* pages: the rows read but not kept, summed */
	uint64_t listed_rss;         /* pages: every row read, summed */
	bool victim_listed;
	struct oomr_task tasks[OOMR_TASKS_MAX];

	struct oomr_kv meminfo;      /* Mem-Info's summary, pages */
	uint8_t nnodes, nzones;      /* kept in nodes[], zones[], in the kernel's order */
	uint16_t nodes_dropped, zones_dropped; /* read, but more than kept */
	uint16_t zone_lines_orphan;  /* lowmem_reserve[] or buddy line of no zone read */
	uint16_t meminfo_unread;     /* lines inside Mem-Info in none of its forms */
	uint16_t meminfo_other;      /* known lines not kept (hugepages, swap, pages RAM...) */
	struct oomr_node nodes[OOMR_NODES_MAX];
	struct oomr_zone zones[OOMR_ZONES_MAX];

	/* the unreclaimable slab table: the largest by used, the rest summed */
	uint32_t slab_listed;        /* rows the kernel printed and we read */
	uint32_t slab_unreadable;    /* lines inside the table that are not rows */
	uint64_t slab_listed_kb;     /* used, every row read */
	uint64_t slab_rest_kb;       /* used, rows read but not kept */
	uint8_t nslab;
	struct oomr_slab slab[OOMR_SLAB_MAX];

	uint32_t lines_lost;         /* sequence hole inside the report */
};

const char *oomr_part__name(enum oomr_part p);     /* "domain", "memory_stat", ... */
/* Plain text, no quotes or backslashes (JSON as is). */
const char *oom_report__reason(const struct oom_report *r, enum oomr_part p);

/* Every part missing for want of the report, ctx_why (enum ctx_missing) saying why. */
void oom_report__missing(struct oom_report *r, uint8_t ctx_why);
/*
 * For saying what is unknown, parts null for one reason together: when
 * part i is the first such with its reason, write "a, b and c" into names
 * and return how many; else 0.  A global OOM's domain and memory.stat and
 * a memcg OOM's Mem-Info are not unknown (there are none): left out.
 */
int oom_report__unknown_group(const struct oom_report *r, int i, char *names, size_t len);

const char *oomr_kv__key(const struct oomr_kv *kv, unsigned i);
/* The value of key, false when the kernel did not state it. */
bool oomr_kv__get(const struct oomr_kv *kv, const char *key, uint64_t *val);
/* Add key (klen bytes) = val; false (and counted) when full. */
bool oomr_kv__add(struct oomr_kv *kv, const char *key, size_t klen, uint64_t val);

/*
 * One more row of the table: kept when it is among the largest by RSS or
 * marked (victim, trigger), else summed into rest_rss.  Rows are kept
 * largest first.
 */
void oom_report__add_task(struct oom_report *r, const struct oomr_task *t);

const char *oomr_zkv__key(const struct oomr_zkv *kv, unsigned i);
bool oomr_zkv__get(const struct oomr_zkv *kv, const char *key, uint64_t *val);
bool oomr_zkv__add(struct oomr_zkv *kv, const char *key, size_t klen, uint64_t val);

/* Keep one more slab row (largest used first), else sum it into slab_rest_kb. */
void oom_report__add_slab(struct oom_report *r, const struct oomr_slab *s);

/*
 * The zones whose free was below their min watermark, the kernel's own
 * figures: how many zones were read (0: none) and, into below[] (at most
 * max), the indexes in zones[] of those below.
 */
int oom_report__zones_below_min(const struct oom_report *r, int *below, int max, int *nbelow);

/* A limit the kernel prints for "no limit" (PAGE_COUNTER_MAX in kB). */
static inline bool oomr__unlimited(uint64_t limit_kb)
{
	return limit_kb >= (UINT64_C(1) << 52);
}

/*
 * The memory.stat breakdown the report draws as a bar: for cgroup v2 keys
 * (anon, file, kernel, shmem, sock, percpu...) and v1's (rss, cache...),
 * in bytes, the parts that do not overlap.  Returns how many, into
 * names/bytes (at most max).
 */
int oom_report__breakdown(const struct oom_report *r, const char **names, uint64_t *bytes,
			  int max);

struct oom_context;
/*
 * One plain sentence on what filled the memory ("The memcg was at its
 * 64.0MiB limit; memhog (the victim) held 63.8MiB of anonymous memory, 2
 * other tasks 1.2MiB of RSS."), told in pieces: our words, and the task
 * names (untrusted: the output marks them up and escapes them).  Nothing
 * when the report is not there.  page_size: the table's pages.
 */
struct oomr_say {
	void (*words)(void *arg, const char *s);
	void (*name)(void *arg, const char *name, size_t maxlen, bool first);
	void *arg;
};
void oom_report__tell(const struct oom_context *c, uint64_t page_size, const struct oomr_say *o);
/* The same into buf, names escaped as how (enum escape_format) says.  Returns the length. */
size_t oom_report__sentence(char *buf, size_t len, const struct oom_context *c,
			    uint64_t page_size, int how);

#endif /* OOMREAP_OOM_REPORT_H */
