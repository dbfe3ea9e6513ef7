// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The OOM killer's own lines in the kernel log (kmsg.h), from
 * mm/oom_kill.c: dump_header()'s "invoked oom-killer" and its domain,
 * the "oom-kill:" summary, "Killed process" with its RSS; then each read
 * joined exactly to one incident (its OOM context, its RSS at the kill,
 * its identity when the kill itself was not seen).  The store and the
 * record and line formats are kmsg.c's.
 */
#include <errno.h>
#include <string.h>

#include "core/oom_context.h"
#include "core/tracker.h"
#include "io/errors.h"
#include "rec/kmsg.h"
#include "rec/kmsg_text.h"
#include "rec/oom_report_parse.h"

static const char *find_last(const char *s, size_t n, const char *needle)
{
	const char *p = s, *at, *last = NULL;
	size_t nl = strlen(needle);

	while ((at = memmem(p, n - (size_t)(p - s), needle, nl))) {
		last = at;
		p = at + 1;
	}
	return last;
}

static size_t count_of(const char *s, size_t n, const char *needle)
{
	const char *p = s, *at;
	size_t nl = strlen(needle), c = 0;

	while ((at = memmem(p, n - (size_t)(p - s), needle, nl))) {
		c++;
		p = at + 1;
	}
	return c;
}

static bool ends_with(const char *s, size_t n, const char *a, size_t alen, const char *b,
		      size_t blen)
{
	return n >= alen + blen && !memcmp(s + n - alen - blen, a, alen) &&
	       !memcmp(s + n - blen, b, blen);
}

/* "-?DIGITS" at *p, in [lo, hi]; advances *p. */
static bool parse_s32(const char **p, const char *end, int64_t lo, int64_t hi, int32_t *out)
{
	const char *s = *p;
	bool neg = false;
	uint64_t v;

	if (s < end && *s == '-') {
		neg = true;
		s++;
	}
	if (!parse_u64(&s, end, &v) || v > (uint64_t)1 << 31)
		return false;
	if ((neg ? -(int64_t)v : (int64_t)v) < lo || (neg ? -(int64_t)v : (int64_t)v) > hi)
		return false;
	*out = (int32_t)(neg ? -(int64_t)v : (int64_t)v);
	*p = s;
	return true;
}

static bool lit(const char **p, const char *end, const char *l)
{
	size_t n = strlen(l);

	if ((size_t)(end - *p) < n || memcmp(*p, l, n))
		return false;
	*p += n;
	return true;
}

#define INVOKED_NEEDLE " invoked oom-killer: gfp_mask="

int kmsg__parse_invoked(const char *text, size_t len, struct kmsg_invoked *out)
{
	/* gfp names and numbers are the kernel's: the last needle is the real one */
	const char *at = find_last(text, len, INVOKED_NEEDLE), *end = text + len, *p, *close;
	uint64_t gfp = 0;

	if (!at)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->comm = text;
	out->comm_len = (size_t)(at - text);
	p = at + strlen(INVOKED_NEEDLE);
	/* %#x: "0" for no flags, else "0x..." */
	if (lit(&p, end, "0x")) {
		int digits = 0;

		while (p < end && digits < 9 &&
		       ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
			gfp = gfp * 16 + (uint64_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
			p++;
			digits++;
		}
		if (!digits || digits > 8)
			return -EINVAL;
	} else if (!lit(&p, end, "0")) {
		return -EINVAL;
	}
	if (!lit(&p, end, "("))
		return -EINVAL;
	close = memchr(p, ')', (size_t)(end - p));
	if (!close)
		return -EINVAL;
	out->gfp_mask = (uint32_t)gfp;
	out->gfp_names = p;
	out->gfp_names_len = (size_t)(close - p);
	p = close + 1;
	if (!lit(&p, end, ", order=") || !parse_s32(&p, end, -1, 64, &out->order) ||
	    !lit(&p, end, ", oom_score_adj=") ||
	    !parse_s32(&p, end, -1000, 1000, &out->oom_score_adj) || p != end)
		return -EINVAL; /* cut short, or not the kernel's line */
	return 0;
}

#define SUMMARY_PREFIX "oom-kill:constraint="

int kmsg__parse_summary(const char *text, size_t len, struct kmsg_summary *out)
{
	static const char *const names[] = { "CONSTRAINT_NONE", "CONSTRAINT_CPUSET",
					     "CONSTRAINT_MEMORY_POLICY", "CONSTRAINT_MEMCG" };
	const char *end = text + len, *p, *comma, *uid_at, *q;
	uint64_t v;
	size_t i, n;

	if (len < sizeof(SUMMARY_PREFIX) - 1 || memcmp(text, SUMMARY_PREFIX, sizeof(SUMMARY_PREFIX) - 1))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	p = text + sizeof(SUMMARY_PREFIX) - 1;
	comma = memchr(p, ',', (size_t)(end - p));
	if (!comma)
		return -EINVAL;
	n = (size_t)(comma - p);
	out->constraint = -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !memcmp(p, names[i], n))
			out->constraint = (int32_t)i;
	/* the right end: ",pid=N,uid=N" and nothing after */
	uid_at = find_last(text, len, ",uid=");
	if (!uid_at || uid_at < comma)
		return -EINVAL;
	q = uid_at + 5;
	if (!parse_u64(&q, end, &v) || q != end || v > UINT32_MAX)
		return -EINVAL;
	out->uid = (uint32_t)v;
	q = uid_at;
	while (q > comma && is_digit(q[-1]))
		q--;
	if (q == uid_at || (size_t)(q - comma) < 5 || memcmp(q - 5, ",pid=", 5))
		return -EINVAL;
	{
		const char *d = q;

		if (!parse_u64(&d, uid_at, &v) || d != uid_at || v == 0 || v > 0x3fffffff)
			return -EINVAL;
	}
	out->pid = (uint32_t)v;
	out->head = text;
	out->head_len = (size_t)(q - 5 - text);
	return 0;
}

/*
 * Were lines lost between these times?  /dev/kmsg numbers its records
 * without a hole, so a hole in the sequence numbers of the lines here is
 * lines we never got (an overrun, or a recording that could not write
 * them).  Lines without a sequence number (a dmesg file) cannot tell.
 */
static bool lost_between(const struct kmsg_log *l, uint64_t lo_t, uint64_t hi_t)
{
	uint64_t lo = UINT64_MAX, hi = 0, cnt = 0;
	size_t i = lower_bound(l, lo_t);

	/* what we let go ourselves is as lost as what the kernel overwrote */
	if (l->dropped_until_ns && lo_t <= l->dropped_until_ns)
		return true;
	if (l->full && (!l->n || hi_t >= l->v[l->n - 1].ts_ns))
		return true;

	/* the line before the window too: a hole right at its start counts */
	if (i > 0)
		i--;
	for (; i < l->n && l->v[i].ts_ns <= hi_t; i++) {
		if (!l->v[i].seq)
			continue;
		lo = l->v[i].seq < lo ? l->v[i].seq : lo;
		hi = l->v[i].seq > hi ? l->v[i].seq : hi;
		cnt++;
	}
	/* the line after the window, likewise */
	if (i < l->n && l->v[i].seq) {
		lo = l->v[i].seq < lo ? l->v[i].seq : lo;
		hi = l->v[i].seq > hi ? l->v[i].seq : hi;
		cnt++;
	}
	return cnt && hi - lo + 1 > cnt;
}

static void copy_text(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

static void set_why(struct oom_context *c, int f, uint8_t why)
{
	if (!c->src[f])
		c->why[f] = why;
}

/* Is d the victim's memcg or an ancestor of it: a possible OOM domain? */
static bool domain_of(const char *d, size_t dn, const char *cg)
{
	size_t cn = strlen(cg);

	if (dn == 1 && d[0] == '/')
		return true;
	return dn <= cn && !memcmp(d, cg, dn) && (cn == dn || cg[dn] == '/');
}

/*
 * The domain from head (the summary before ",task=COMM"): the part
 * between ",oom_memcg=" and ",task_memcg=VICTIM", or ",global_oom".
 * Cgroup names may hold either string: split only where exactly one
 * reading fits, else leave it unparsed.
 */
static void parse_domain(const char *h, size_t n, int32_t constraint, const char *cg,
			 struct oom_context *c)
{
	static const char tm[] = ",task_memcg=", om[] = ",oom_memcg=", go[] = ",global_oom";
	const char *at, *end;
	size_t m;

	if (c->src[CTXF_DOMAIN])
		return;
	if (cg && ends_with(h, n, tm, sizeof(tm) - 1, cg, strlen(cg))) {
		m = n - strlen(cg) - (sizeof(tm) - 1);
	} else {
		if (count_of(h, n, tm) != 1) {
			c->why[CTXF_DOMAIN] = CTX_WHY_UNPARSED;
			return;
		}
		m = (size_t)(find_last(h, n, tm) - h);
	}
	if (constraint != 3 /* CONSTRAINT_MEMCG */) { /* no oc->memcg: "global_oom" */
		if (m >= sizeof(go) - 1 && !memcmp(h + m - (sizeof(go) - 1), go, sizeof(go) - 1)) {
			c->src[CTXF_DOMAIN] = CTX_SRC_KERNEL_LOG;
			c->why[CTXF_DOMAIN] = CTX_WHY_NONE;
			c->global = true;
			c->domain[0] = 0;
		} else {
			c->why[CTXF_DOMAIN] = CTX_WHY_UNPARSED;
		}
		return;
	}
	end = h + m;
	/*
	 * Rightmost first: the first that reads as the victim's memcg or one
	 * above it.  Without the victim's path, only a line with one
	 * ",oom_memcg=" splits exactly.
	 */
	if (!cg && count_of(h, m, om) != 1) {
		c->why[CTXF_DOMAIN] = CTX_WHY_UNPARSED;
		return;
	}
	for (at = find_last(h, m, om); at;
	     at = find_last(h, (size_t)(at - h) + sizeof(om) - 2, om)) {
		const char *d = at + sizeof(om) - 1;
		size_t dn = (size_t)(end - d);

		if (!cg || domain_of(d, dn, cg)) {
			if (dn >= sizeof(c->domain))
				break; /* longer than we hold: never a cut path */
			c->src[CTXF_DOMAIN] = CTX_SRC_KERNEL_LOG;
			c->why[CTXF_DOMAIN] = CTX_WHY_NONE;
			c->global = false;
			copy_text(c->domain, sizeof(c->domain), d, dn);
			return;
		}
		if (at == h)
			break;
	}
	c->why[CTXF_DOMAIN] = CTX_WHY_UNPARSED;
}

/* Does this summary name the victim: its pid, and ",task=COMM" its comm? */
static bool summary_is(const struct kmsg_summary *s, const struct kmsg_ctx_query *q,
		       size_t *head_len)
{
	static const char task[] = ",task=";
	size_t cn = strlen(q->comm);

	if (s->pid != q->tgid && s->pid != q->pid)
		return false;
	if (cn && ends_with(s->head, s->head_len, task, sizeof(task) - 1, q->comm, cn)) {
		*head_len = s->head_len - cn - (sizeof(task) - 1);
		return true;
	}
	/*
	 * The summary names the chosen task, the thread group's leader; the
	 * kill event names the thread the kernel marked (find_lock_task_mm()),
	 * which may be another, named otherwise.  Only then, split where there
	 * is one ",task=" only.  The same thread under another name is another
	 * task that had this pid.
	 */
	if (s->pid != q->pid && count_of(s->head, s->head_len, task) == 1) {
		*head_len = (size_t)(find_last(s->head, s->head_len, task) - s->head);
		return true;
	}
	return false;
}

static void fill_invoked(const struct kmsg_invoked *iv, struct oom_context *c)
{
	if (!c->src[CTXF_GFP]) {
		c->src[CTXF_GFP] = CTX_SRC_KERNEL_LOG;
		c->why[CTXF_GFP] = CTX_WHY_NONE;
		c->gfp_mask = iv->gfp_mask;
		copy_text(c->gfp_names, sizeof(c->gfp_names), iv->gfp_names, iv->gfp_names_len);
	}
	if (!c->src[CTXF_ORDER]) {
		c->src[CTXF_ORDER] = CTX_SRC_KERNEL_LOG;
		c->why[CTXF_ORDER] = CTX_WHY_NONE;
		c->order = iv->order;
	}
	if (!c->src[CTXF_TRIGGER]) {
		c->src[CTXF_TRIGGER] = CTX_SRC_KERNEL_LOG;
		c->why[CTXF_TRIGGER] = CTX_WHY_NONE;
		copy_text(c->trigger_comm, sizeof(c->trigger_comm), iv->comm, iv->comm_len);
		c->trigger_oom_score_adj = iv->oom_score_adj;
	}
}

static void invoked_missing(struct oom_context *c, uint8_t why)
{
	set_why(c, CTXF_GFP, why);
	set_why(c, CTXF_ORDER, why);
	set_why(c, CTXF_TRIGGER, why);
}

/*
 * The "invoked oom-killer" line of the report whose summary is l->v[si]:
 * its index, SIZE_MAX when there is none.
 */
static size_t pair_invoked(const struct kmsg_log *l, size_t si, struct oom_context *c)
{
	uint64_t sts = l->v[si].ts_ns;
	size_t j;

	for (j = si; j-- > 0;) {
		const struct kmsg_entry *e = &l->v[j];
		struct kmsg_invoked iv;

		if (e->ts_ns + KMSG_REPORT_SPAN_NS < sts)
			break;
		if (e->kind == KMSG_OOM_SUMMARY || e->kind == KMSG_KILLED)
			break; /* an earlier OOM's lines: under oom_lock, reports never interleave */
		if (e->kind != KMSG_OOM_INVOKED)
			continue;
		if (kmsg__parse_invoked(kmsg_log__text(l, e), e->text_len, &iv)) {
			invoked_missing(c, CTX_WHY_UNPARSED);
			return j;
		}
		fill_invoked(&iv, c);
		return j;
	}
	invoked_missing(c, lost_between(l, sts > KMSG_REPORT_SPAN_NS ? sts - KMSG_REPORT_SPAN_NS : 0, sts)
				   ? CTX_WHY_OVERRUN
				   : CTX_WHY_NO_INVOKED);
	return SIZE_MAX;
}

bool kmsg_log__oom_context(const struct kmsg_log *l, const struct kmsg_ctx_query *q,
			   struct oom_context *c)
{
	uint64_t lo_t = q->kill_ns > KMSG_MATCH_WINDOW_NS ? q->kill_ns - KMSG_MATCH_WINDOW_NS : 0;
	uint64_t hi_t = q->kill_ns + KMSG_MATCH_WINDOW_NS, best_d = UINT64_MAX;
	size_t i, best = SIZE_MAX, best_head = 0, first;
	struct kmsg_summary s, bs = { 0 };
	int f;

	/* what was not found for want of the log becomes "not found in it" below */
	for (f = 0; f < CTXF_NR; f++)
		if (!c->src[f] && f != CTXF_TOTALPAGES)
			c->why[f] = CTX_WHY_NONE;
	for (i = lower_bound(l, lo_t); i < l->n && l->v[i].ts_ns <= hi_t; i++) {
		const struct kmsg_entry *e = &l->v[i];
		uint64_t d = absdiff(e->ts_ns, q->kill_ns);
		size_t hl;

		if (e->kind != KMSG_OOM_SUMMARY || d >= best_d ||
		    kmsg__parse_summary(kmsg_log__text(l, e), e->text_len, &s) ||
		    !summary_is(&s, q, &hl))
			continue;
		best = i;
		best_d = d;
		best_head = hl;
		bs = s;
	}
	if (best == SIZE_MAX) {
		uint8_t why = lost_between(l, lo_t, hi_t) ? CTX_WHY_OVERRUN : CTX_WHY_RATELIMITED;

		if (l->given && (!l->n || l->v[0].ts_ns > q->kill_ns || l->v[l->n - 1].ts_ns < q->kill_ns))
			why = CTX_WHY_LOG_NOT_COVERING;

		for (f = 0; f < CTXF_NR; f++)
			if (f != CTXF_TOTALPAGES)
				set_why(c, f, why);
		oom_report__missing(&c->report, why);
		return false;
	}
	if (!c->src[CTXF_CONSTRAINT]) {
		if (bs.constraint >= 0) {
			c->src[CTXF_CONSTRAINT] = CTX_SRC_KERNEL_LOG;
			c->why[CTXF_CONSTRAINT] = CTX_WHY_NONE;
			c->constraint = (uint32_t)bs.constraint;
		} else {
			c->why[CTXF_CONSTRAINT] = CTX_WHY_UNPARSED;
		}
	}
	if (bs.constraint >= 0)
		parse_domain(bs.head, best_head, bs.constraint, q->cgroup, c);
	else
		set_why(c, CTXF_DOMAIN, CTX_WHY_UNPARSED);
	first = pair_invoked(l, best, c);
	if (first == SIZE_MAX) {
		/* where the report starts is not known: none of its lines is taken */
		oom_report__missing(&c->report, c->why[CTXF_TRIGGER]);
	} else {
		struct oomr_query rq = {
			.victim_tgid = q->tgid ? q->tgid : q->pid,
			.trigger_tgid = q->trigger_tgid,
			/* no oc->memcg: the kernel printed Mem-Info, not a memcg's counters */
			.global = bs.constraint >= 0 && bs.constraint != 3 /* CONSTRAINT_MEMCG */,
			/* a path that fills its buffer may be cut: not one to compare with */
			.domain = c->src[CTXF_DOMAIN] && !c->global &&
						  strnlen(c->domain, sizeof(c->domain)) < sizeof(c->domain) - 1
					  ? c->domain
					  : NULL,
		};

		kmsg_log__oom_report(l, first, best, &rq, &c->report);
	}
	return true;
}

bool kmsg__incident_context(const struct kmsg_log *l, uint8_t why, struct oomreap_incident *inc)
{
	char comm[OOMREAP_COMM_LEN + 1];
	struct kmsg_ctx_query q;
	int f;

	if (!inc->have_identity)
		return false; /* the tracker said why: nothing to match by */
	if (!l) {
		for (f = 0; f < CTXF_NR; f++)
			if (!inc->ctx.src[f] && f != CTXF_TOTALPAGES)
				inc->ctx.why[f] = why ? why : CTX_WHY_LOG_NOT_READ;
		oom_report__missing(&inc->ctx.report, why ? why : CTX_WHY_LOG_NOT_READ);
		return false;
	}
	memcpy(comm, inc->comm, OOMREAP_COMM_LEN);
	comm[OOMREAP_COMM_LEN] = 0;
	q = (struct kmsg_ctx_query){ .pid = inc->pid,
				     .tgid = inc->tgid,
				     .kill_ns = inc->kill_ns,
				     .comm = comm,
				     .trigger_tgid = inc->trigger_tgid,
				     .cgroup = inc->cgroup_truncated || !inc->cgroup_path[0]
						       ? NULL
						       : inc->cgroup_path };
	if (kmsg_log__oom_context(l, &q, &inc->ctx))
		return true;
	/* a group's other victims: the kernel reports the chosen one only */
	if (inc->oom_event.index > 1) {
		for (f = 0; f < CTXF_NR; f++)
			if (!inc->ctx.src[f] && f != CTXF_TOTALPAGES)
				inc->ctx.why[f] = CTX_WHY_GROUP_MEMBER;
		oom_report__missing(&inc->ctx.report, CTX_WHY_GROUP_MEMBER);
	}
	return false;
}

/* "NAME:<digits>kB" at p (within end): the number, p moved past "kB". */
static bool kb_field(const char **p, const char *end, const char *name, uint64_t *v)
{
	size_t nl = strlen(name);
	const char *q = *p;
	uint64_t x = 0;
	int digits = 0;

	if ((size_t)(end - q) < nl || memcmp(q, name, nl))
		return false;
	for (q += nl; q < end && *q >= '0' && *q <= '9'; q++, digits++) {
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*q - '0');
	}
	if (!digits || end - q < 2 || q[0] != 'k' || q[1] != 'B')
		return false;
	*p = q + 2;
	*v = x;
	return true;
}

int kmsg__parse_killed_rss(const char *text, size_t len, uint64_t kb[3])
{
	const char *end = text + len, *p = find_last(text, len, " anon-rss:");

	if (!p)
		return -EINVAL;
	p++;
	if (!kb_field(&p, end, "anon-rss:", &kb[0]) || !kb_field(&p, end, ", file-rss:", &kb[1]) ||
	    !kb_field(&p, end, ", shmem-rss:", &kb[2]))
		return -EINVAL;
	/* the line goes on with ", UID:N pgtables:..." (or was cut right here) */
	if (p != end && ((size_t)(end - p) < 6 || memcmp(p, ", UID:", 6)))
		return -EINVAL;
	return 0;
}

bool kmsg__incident_kill_rss(const struct kmsg_log *l, struct oomreap_incident *inc)
{
	struct kmsg_block b;
	const struct kmsg_entry *e;

	if (!l || !inc->have_identity ||
	    !kmsg_log__find_block(l, inc->pid, inc->tgid, inc->kill_ns, &b) || b.last < b.first)
		return false;
	e = &l->v[b.last];
	if (e->kind != KMSG_KILLED ||
	    kmsg__parse_killed_rss(kmsg_log__text(l, e), e->text_len, inc->kill_log_rss_kb))
		return false;
	inc->have_kill_log_rss = true;
	return true;
}

/* A decimal at *p (optionally signed), within end: p moved past it. */
static bool dec_field(const char **p, const char *end, bool sign, int64_t *v)
{
	const char *q = *p;
	bool neg = false;
	uint64_t x;

	if (sign && q < end && *q == '-') {
		neg = true;
		q++;
	}
	if (!parse_u64(&q, end, &x) || x > INT64_MAX)
		return false;
	*v = neg ? -(int64_t)x : (int64_t)x;
	*p = q;
	return true;
}

int kmsg__parse_killed(const char *text, size_t len, struct kmsg_killed *k)
{
	const char *end = text + len, *at = find(text, len, "Killed process "), *p, *close;
	uint64_t v;
	int64_t x;

	memset(k, 0, sizeof(*k));
	if (!at)
		return -EINVAL;
	p = at + 15;
	if (!parse_u64(&p, end, &v) || v == 0 || v > 0x3fffffff || !lit(&p, end, " ("))
		return -EINVAL;
	k->pid = (uint32_t)v;
	close = find_last(p, (size_t)(end - p), ") total-vm:");
	if (!close || (size_t)(close - p) >= sizeof(k->comm))
		return -EINVAL;
	copy_text(k->comm, sizeof(k->comm), p, (size_t)(close - p));
	p = close + 2;
	if (!kb_field(&p, end, "total-vm:", &k->total_vm_kb) || !lit(&p, end, ", ") ||
	    !kb_field(&p, end, "anon-rss:", &k->rss_kb[0]) ||
	    !kb_field(&p, end, ", file-rss:", &k->rss_kb[1]) ||
	    !kb_field(&p, end, ", shmem-rss:", &k->rss_kb[2]) || !lit(&p, end, ", UID:") ||
	    !dec_field(&p, end, false, &x) || x > UINT32_MAX)
		return -EINVAL;
	k->uid = (uint32_t)x;
	if (!kb_field(&p, end, " pgtables:", &k->pgtables_kb) || !lit(&p, end, " oom_score_adj:") ||
	    !dec_field(&p, end, true, &x) || x < -1000 || x > 1000 || p != end)
		return -EINVAL;
	k->oom_score_adj = (int32_t)x;
	return 0;
}

/* The kernel log's clock and the tool's may differ by this much. */
#define JOIN_CLOCK_SLACK_NS (50ull * 1000000)

enum kmsg_kind kmsg__reaper_verdict(const struct kmsg_log *l, const struct oomreap_incident *inc,
				    uint64_t *at)
{
	uint64_t kill = inc->kill_ns ? inc->kill_ns
			: inc->identity_from_log ? inc->kill_log_ns
						 : inc->opened_ns;
	const struct kmsg_entry *e;
	struct kmsg_block b;

	if (!l || !kmsg_log__find_block(l, inc->pid, inc->tgid, kill, &b) || !b.nextra)
		return KMSG_OTHER;
	/* one kill, one verdict: the first after it */
	e = &l->v[b.extra[0]];
	*at = e->ts_ns;
	return (enum kmsg_kind)e->kind;
}

bool kmsg__incident_join(const struct kmsg_log *l, uint8_t why, struct oomreap_incident *inc,
			 uint64_t page_size)
{
	struct kmsg_ctx_query q;
	struct kmsg_killed k;
	struct kmsg_block b;
	const struct kmsg_entry *e;
	int i;

	if (inc->have_identity || inc->kill_ns || inc->identity_from_log)
		return false;
	if (!l) {
		oom_context__missing(&inc->ctx, why);
		return false;
	}
	if (!kmsg_log__find_block(l, inc->pid, inc->tgid, inc->opened_ns, &b) || b.last < b.first)
		return false;
	e = &l->v[b.last];
	if (e->kind != KMSG_KILLED || e->ts_ns > inc->opened_ns + JOIN_CLOCK_SLACK_NS ||
	    kmsg__parse_killed(kmsg_log__text(l, e), e->text_len, &k) || k.pid != inc->pid)
		return false;
	inc->identity_from_log = true;
	inc->kill_log_ns = e->ts_ns;
	memcpy(inc->comm, k.comm, sizeof(k.comm) < sizeof(inc->comm) ? sizeof(k.comm)
								     : sizeof(inc->comm));
	inc->comm[sizeof(inc->comm) - 1] = 0;
	inc->uid = k.uid;
	inc->oom_score_adj = (int16_t)k.oom_score_adj;
	inc->have_kill_log_rss = true;
	memcpy(inc->kill_log_rss_kb, k.rss_kb, sizeof(k.rss_kb));
	if (page_size) {
		static const int type[3] = { OOMREAP_RSS_ANON, OOMREAP_RSS_FILE, OOMREAP_RSS_SHMEM };

		inc->have_rss_at_kill = true;
		for (i = 0; i < 3; i++)
			inc->rss_at_kill_pages[type[i]] = k.rss_kb[i] * 1024 / page_size;
		inc->rss_at_kill_pages[OOMREAP_RSS_SWAP] = 0; /* not printed: shown null */
		inc->total_vm_pages = k.total_vm_kb * 1024 / page_size;
	}
	inc->pgtables_bytes = k.pgtables_kb * 1024;
	/* the context: the oom-kill line of this kill */
	q = (struct kmsg_ctx_query){ .pid = inc->pid, .tgid = inc->tgid, .kill_ns = e->ts_ns,
				     .comm = inc->comm, .cgroup = NULL };
	kmsg_log__oom_context(l, &q, &inc->ctx);
	return true;
}
