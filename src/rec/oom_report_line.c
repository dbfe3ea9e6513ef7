// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's OOM report, one line at a time (oom_report_parse.h): each
 * oomr__parse_* reads one line of one part, in the kernel's exact format,
 * or refuses it.  What a refused line means, and how the lines of one
 * report are walked, is oom_report_parse.c's.
 */
#include <errno.h>
#include <string.h>

#include "rec/oom_report_parse.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool lit(const char **p, const char *end, const char *l)
{
	size_t n = strlen(l);

	if ((size_t)(end - *p) < n || memcmp(*p, l, n))
		return false;
	*p += n;
	return true;
}

static bool u64_at(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || !is_digit(*s))
		return false;
	for (; s < end && is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

/* "-?N" within [lo, hi]. */
static bool s64_at(const char **p, const char *end, int64_t lo, int64_t hi, int64_t *out)
{
	const char *s = *p;
	bool neg = s < end && *s == '-';
	uint64_t v;
	int64_t x;

	if (neg)
		s++;
	if (!u64_at(&s, end, &v) || v > (uint64_t)INT64_MAX)
		return false;
	x = neg ? -(int64_t)v : (int64_t)v;
	if (x < lo || x > hi)
		return false;
	*p = s;
	*out = x;
	return true;
}

static void skip_spaces(const char **p, const char *end)
{
	while (*p < end && **p == ' ')
		(*p)++;
}

int oomr__parse_counter(const char *text, size_t len, struct oomr_counter *out)
{
	static const char *const names[] = { [OOMR_CTR_MEMORY] = "memory: usage ",
					     [OOMR_CTR_SWAP] = "swap: usage ",
					     [OOMR_CTR_MEMSW] = "memory+swap: usage ",
					     [OOMR_CTR_KMEM] = "kmem: usage " };
	const char *p = text, *end = text + len;
	int which;

	for (which = 0; which < 4; which++)
		if (lit(&p, end, names[which]))
			break;
	if (which == 4)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!u64_at(&p, end, &out->usage_kb) || !lit(&p, end, "kB, limit ") ||
	    !u64_at(&p, end, &out->limit_kb) || !lit(&p, end, "kB, failcnt ") ||
	    !u64_at(&p, end, &out->failcnt) || p != end)
		return -EINVAL;
	out->have = true;
	return which;
}

int oomr__parse_stat(const char *text, size_t len, const char **key, size_t *klen,
		     uint64_t *val)
{
	const char *p = text, *end = text + len;

	while (p < end && ((*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '_'))
		p++;
	if (p == text || p >= end || *p != ' ' || (size_t)(p - text) >= 64)
		return -EINVAL;
	*key = text;
	*klen = (size_t)(p - text);
	p++;
	if (!u64_at(&p, end, val) || p != end)
		return -EINVAL;
	return 0;
}

#define HDR_HEAD "[  pid  ]   uid  tgid total_vm      rss "
#define HDR_SPLIT "rss_anon rss_file rss_shmem "
#define HDR_TAIL "pgtables_bytes swapents oom_score_adj name"

int oomr__parse_task_header(const char *text, size_t len, bool *split)
{
	const char *p = text, *end = text + len;

	if (!lit(&p, end, HDR_HEAD))
		return -EINVAL;
	*split = lit(&p, end, HDR_SPLIT);
	if (!lit(&p, end, HDR_TAIL) || p != end)
		return -EINVAL;
	return 0;
}

int oomr__parse_task_row(const char *text, size_t len, bool split, struct oomr_task *out)
{
	const char *p = text, *end = text + len;
	uint64_t n[10];
	int64_t pid, uid, pgt, adj;
	int i, nn = split ? 5 : 2; /* tgid total_vm rss [anon file shmem] */
	size_t name_len;

	memset(out, 0, sizeof(*out));
	if (!lit(&p, end, "["))
		return -EINVAL;
	skip_spaces(&p, end);
	if (!s64_at(&p, end, 1, 0x3fffffff, &pid) || !lit(&p, end, "] "))
		return -EINVAL;
	skip_spaces(&p, end);
	if (!s64_at(&p, end, -1, UINT32_MAX, &uid))
		return -EINVAL;
	for (i = 0; i <= nn; i++) {
		if (!lit(&p, end, " "))
			return -EINVAL;
		skip_spaces(&p, end);
		if (!u64_at(&p, end, &n[i]))
			return -EINVAL;
	}
	/* pgtables_bytes is a %ld, swapents a %lu, oom_score_adj a %hd in [-1000, 1000] */
	if (!lit(&p, end, " "))
		return -EINVAL;
	skip_spaces(&p, end);
	if (!s64_at(&p, end, 0, INT64_MAX, &pgt) || !lit(&p, end, " "))
		return -EINVAL;
	skip_spaces(&p, end);
	if (!u64_at(&p, end, &n[nn + 1]) || !lit(&p, end, " "))
		return -EINVAL;
	skip_spaces(&p, end);
	if (!s64_at(&p, end, -1000, 1000, &adj))
		return -EINVAL;
	/* " NAME", or nothing at all for an empty name whose space was trimmed */
	if (p != end && !lit(&p, end, " "))
		return -EINVAL;
	if (n[0] == 0 || n[0] > 0x3fffffff)
		return -EINVAL;
	name_len = (size_t)(end - p);
	if (name_len >= sizeof(out->name))
		return -EINVAL; /* longer than any escaped comm: not a kernel row */
	out->pid = (uint32_t)pid;
	out->uid = (uint32_t)uid;
	out->tgid = (uint32_t)n[0];
	out->total_vm = n[1];
	out->rss = n[2];
	if (split) {
		out->rss_anon = n[3];
		out->rss_file = n[4];
		out->rss_shmem = n[5];
	}
	out->pgtables_bytes = (uint64_t)pgt;
	out->swapents = n[nn + 1];
	out->oom_score_adj = (int16_t)adj;
	memcpy(out->name, p, name_len);
	out->name[name_len] = 0;
	return 0;
}


int oomr__parse_meminfo(const char *text, size_t len, struct oomr_kv *kv)
{
	const char *p = text, *end = text + len;
	int n = 0;

	while (p < end) {
		const char *k = p, *colon;
		uint64_t v;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (lit(&p, end, OOMR_ESC_NL))
			continue;
		while (p < end && ((*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '_'))
			p++;
		colon = p;
		if (colon == k || !lit(&p, end, ":") || !u64_at(&p, end, &v))
			return -EINVAL;
		if (p < end && *p != ' ' && *p != '\\')
			return -EINVAL;
		oomr_kv__add(kv, k, (size_t)(colon - k), v);
		n++;
	}
	return n ? n : -EINVAL;
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z');
}

/* "Node N " (show_node(), or the node line's own "Node %d"): its number. */
static bool node_prefix(const char **p, const char *end, int32_t *node)
{
	const char *q = *p;
	uint64_t v;

	/* *p moves only past a whole "Node N" */
	if (!lit(&q, end, "Node ") || !u64_at(&q, end, &v) || v > 0xffff)
		return false;
	*p = q;
	*node = (int32_t)v;
	return true;
}

/* A zone's name as the kernel spells them: DMA, DMA32, Normal, HighMem, Movable, Device. */
static bool zone_name(const char **p, const char *end, char *name)
{
	const char *s = *p;

	if (s >= end || !is_upper(*s))
		return false;
	while (s < end && is_alnum(*s))
		s++;
	if ((size_t)(s - *p) >= OOMR_ZONE_NAME)
		return false;
	memcpy(name, *p, (size_t)(s - *p));
	name[s - *p] = 0;
	*p = s;
	return true;
}

/*
 * " key:NkB key:NkB ..." to the end (5.10's " shmem_thp: NkB" with its
 * space too, and the node line's " all_unreclaimable? yes|no").  All or
 * nothing: kv is only written when every token is the kernel's.
 */
static int kb_tokens(const char *p, const char *end, struct oomr_zkv *kv, int8_t *unrecl)
{
	struct oomr_zkv tmp;
	int8_t u = -1;

	memset(&tmp, 0, sizeof(tmp));
	while (p < end) {
		const char *k;
		uint64_t v;
		size_t kl;

		if (!lit(&p, end, " "))
			return -EINVAL;
		k = p;
		while (p < end && (is_alnum(*p) || *p == '_' || *p == '(' || *p == ')'))
			p++;
		kl = (size_t)(p - k);
		if (!kl)
			return -EINVAL;
		if (unrecl && lit(&p, end, "? ")) {
			if (kl != 17 || memcmp(k, "all_unreclaimable", 17))
				return -EINVAL;
			if (lit(&p, end, "yes"))
				u = 1;
			else if (lit(&p, end, "no"))
				u = 0;
			else
				return -EINVAL;
			continue;
		}
		if (!lit(&p, end, ":"))
			return -EINVAL;
		lit(&p, end, " "); /* "shmem_thp: %lukB" before 6.x */
		if (!u64_at(&p, end, &v) || !(lit(&p, end, "kB") || lit(&p, end, "KB")))
			return -EINVAL;
		if (p < end && *p != ' ')
			return -EINVAL;
		oomr_zkv__add(&tmp, k, kl, v);
	}
	if (!tmp.n)
		return -EINVAL;
	*kv = tmp;
	if (unrecl)
		*unrecl = u;
	return 0;
}

int oomr__parse_node(const char *text, size_t len, struct oomr_node *out)
{
	const char *p = text, *end = text + len;
	int32_t node;

	if (!node_prefix(&p, end, &node) || p >= end || *p != ' ' || p + 1 >= end ||
	    !(p[1] >= 'a' && p[1] <= 'z'))
		return -EINVAL;
	/* "Node 0 hugepages_total=..." is hugetlb's line, not this one */
	if (kb_tokens(p, end, &out->kb, &out->all_unreclaimable))
		return -EINVAL;
	out->node = node;
	return 0;
}

int oomr__parse_zone(const char *text, size_t len, struct oomr_zone *out)
{
	const char *p = text, *end = text + len;
	struct oomr_zone z;

	memset(&z, 0, sizeof(z));
	z.node = -1;
	if (node_prefix(&p, end, &z.node) && !lit(&p, end, " "))
		return -EINVAL;
	if (!zone_name(&p, end, z.name))
		return -EINVAL;
	if ((size_t)(end - p) < 6 || memcmp(p, " free:", 6))
		return -EINVAL;
	if (kb_tokens(p, end, &z.kb, NULL))
		return -EINVAL;
	*out = z;
	return 0;
}

int oomr__parse_lowmem(const char *text, size_t len, int64_t *vals, uint8_t *n)
{
	const char *p = text, *end = text + len;
	uint8_t k = 0;

	if (!lit(&p, end, "lowmem_reserve[]:"))
		return -EINVAL;
	while (p < end) {
		int64_t v;

		if (!lit(&p, end, " ") || !s64_at(&p, end, INT64_MIN + 1, INT64_MAX, &v))
			return -EINVAL;
		if (k == OOMR_LOWMEM_MAX)
			return -EINVAL; /* more zones than any kernel has */
		vals[k++] = v;
	}
	if (!k)
		return -EINVAL;
	*n = k;
	return 0;
}

int oomr__parse_buddy(const char *text, size_t len, int32_t *node, char *name,
		      uint64_t *total_kb)
{
	const char *p = text, *end = text + len;
	uint64_t sum = 0, v, sz;
	int orders = 0;

	*node = -1;
	if (node_prefix(&p, end, node) && !lit(&p, end, " "))
		return -EINVAL;
	if (!zone_name(&p, end, name) || !lit(&p, end, ": "))
		return -EINVAL;
	/* "N*SkB " each order, "(UMEHCI) " after a non-empty one, then "= NkB" */
	while (p < end && *p != '=') {
		if (!u64_at(&p, end, &v) || !lit(&p, end, "*") || !u64_at(&p, end, &sz) ||
		    !lit(&p, end, "kB "))
			return -EINVAL;
		if (lit(&p, end, "(")) {
			while (p < end && is_upper(*p))
				p++;
			if (!lit(&p, end, ") "))
				return -EINVAL;
		}
		if (sz && v > UINT64_MAX / sz)
			return -EINVAL;
		sum += v * sz;
		if (++orders > 16)
			return -EINVAL;
	}
	if (!orders || !lit(&p, end, "= ") || !u64_at(&p, end, &v) || !lit(&p, end, "kB") ||
	    p != end || v != sum)
		return -EINVAL; /* its total is the sum of its orders, or it is not the line */
	*total_kb = v;
	return 0;
}

static bool ends_with(const char *t, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && !memcmp(t + n - k, suf, k);
}

bool oomr__meminfo_other(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int32_t node;
	int64_t v;

	/* hugetlb_show_meminfo_node() */
	if (node_prefix(&p, end, &node))
		return lit(&p, end, " hugepages_total=");
	p = text;
	if (lit(&p, end, "Free swap  = ") || lit(&p, end, "Total swap = "))
		return s64_at(&p, end, INT64_MIN + 1, INT64_MAX, &v) && lit(&p, end, "kB") &&
		       p == end;
	if (lit(&p, end, "Swap cache stats: add "))
		return true;
	/* 7.x: the root's memory.min and memory.low protection given out */
	if (lit(&p, end, "Memory cgroup min protection "))
		return s64_at(&p, end, 0, INT64_MAX, &v) && lit(&p, end, "kB -- low protection ") &&
		       s64_at(&p, end, 0, INT64_MAX, &v) && lit(&p, end, "kB") && p == end;
	if (!s64_at(&p, end, INT64_MIN + 1, INT64_MAX, &v))
		return false;
	return (size_t)(end - p) <= 30 &&
	       (ends_with(p, (size_t)(end - p), " total pagecache pages") ||
		ends_with(p, (size_t)(end - p), " pages in swap cache") ||
		ends_with(p, (size_t)(end - p), " pages RAM") ||
		ends_with(p, (size_t)(end - p), " pages HighMem/MovableOnly") ||
		ends_with(p, (size_t)(end - p), " pages reserved") ||
		ends_with(p, (size_t)(end - p), " pages cma reserved") ||
		ends_with(p, (size_t)(end - p), " pages hwpoisoned"));
}


int oomr__parse_slab_header(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	if (!lit(&p, end, "Name "))
		return -EINVAL;
	skip_spaces(&p, end);
	if (!lit(&p, end, "Used "))
		return -EINVAL;
	skip_spaces(&p, end);
	return lit(&p, end, "Total") && p == end ? 0 : -EINVAL;
}

/* "%-17s %10luKB %10luKB": read from the right, the name is the rest. */
int oomr__parse_slab_row(const char *text, size_t len, struct oomr_slab *out)
{
	const char *end = text + len, *q = end;
	uint64_t v[2];
	size_t nl;
	int i;

	for (i = 1; i >= 0; i--) {
		const char *d, *dd;

		if (q - text < 3 || memcmp(q - 2, "KB", 2))
			return -EINVAL;
		q -= 2;
		d = q;
		while (d > text && is_digit(d[-1]))
			d--;
		dd = d;
		if (d == q || d == text || d[-1] != ' ' || !u64_at(&dd, q, &v[i]) || dd != q)
			return -EINVAL;
		q = d;
		while (q > text && q[-1] == ' ')
			q--;
	}
	nl = (size_t)(q - text);
	if (!nl || nl >= OOMR_SLAB_NAME || v[0] > v[1])
		return -EINVAL; /* used above total: not the kernel's row */
	for (i = 0; i < (int)nl; i++)
		if ((unsigned char)text[i] <= ' ')
			return -EINVAL; /* a cache name has no spaces */
	memset(out, 0, sizeof(*out));
	memcpy(out->name, text, nl);
	out->used_kb = v[0];
	out->total_kb = v[1];
	return 0;
}

/* A record "Node N" alone: show_node()'s part of a zone or buddy line, cut from it. */
bool oomr__parse_bare_node(const char *t, size_t n, int32_t *node)
{
	const char *p = t, *end = t + n;

	if (!node_prefix(&p, end, node))
		return false;
	lit(&p, end, " ");
	return p == end;
}
