// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/event.h"
#include "sinks/metrics.h"

#define MS 1000000ull
const uint64_t metrics_bucket_ns[METRICS_NBUCKETS] = {
	MS / 2,    MS,         5 * MS / 2, 5 * MS,    10 * MS,    25 * MS,    50 * MS,    100 * MS,
	250 * MS,  500 * MS,   1000 * MS,  2000 * MS, 2050 * MS,  2100 * MS,  2250 * MS,  2500 * MS,
	3000 * MS, 4000 * MS,  5000 * MS,  10000 * MS, 30000 * MS, 60000 * MS,
};
const char *const metrics_bucket_le[METRICS_NBUCKETS] = {
	"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
	"0.25",   "0.5",   "1",      "2",     "2.05", "2.1",   "2.25", "2.5",
	"3",      "4",     "5",      "10",    "30",   "60",
};

static const char *const rss_label[OOMREAP_RSS_NR] = {
	[OOMREAP_RSS_FILE] = "file",
	[OOMREAP_RSS_ANON] = "anon",
	[OOMREAP_RSS_SWAP] = "swap",
	[OOMREAP_RSS_SHMEM] = "shmem",
};

int metrics__init(struct metrics *m, uint32_t cgroup_cap)
{
	memset(m, 0, sizeof(*m));
	if (cgroup_cap) {
		m->cgroups = calloc(cgroup_cap, sizeof(*m->cgroups));
		if (!m->cgroups)
			return -ENOMEM;
		m->cgroup_cap = cgroup_cap;
		strcpy(m->other.label, "other");
	}
	return 0;
}

void metrics__free(struct metrics *m)
{
	free(m->cgroups);
	m->cgroups = NULL;
	m->cgroup_cap = m->ncgroups = 0;
}

static void hist_observe(struct metrics_hist *h, uint64_t ns)
{
	int i;

	if (ns == LATENCY_NONE)
		return;
	for (i = 0; i < METRICS_NBUCKETS; i++) {
		if (ns <= metrics_bucket_ns[i]) {
			h->buckets[i]++;
			break;
		}
	}
	h->count++;
	h->sum_ns += ns;
}

/*
 * The cgroup's entry, keyed by its sanitised label value: two raw paths
 * that sanitise alike must share one series, or the exposition would carry
 * a duplicate.  Past the cap: the "other" entry.
 */
static struct metrics_cgroup *cgroup_entry(struct metrics *m, const struct oomreap_incident *inc)
{
	char label[METRICS_LABEL_MAX];
	struct container_info ci;
	struct metrics_cgroup *c;
	uint32_t i;

	if (inc->have_identity && inc->cgroup_path[0])
		incident__escape_buf(label, sizeof(label), ESCAPE_PROM_UTF8, inc->cgroup_path,
				     sizeof(inc->cgroup_path));
	else
		strcpy(label, "unknown");
	for (i = 0; i < m->ncgroups; i++)
		if (!strcmp(m->cgroups[i].label, label))
			return &m->cgroups[i];
	if (m->ncgroups == m->cgroup_cap) {
		m->cgroup_overflows++;
		return &m->other;
	}
	c = &m->cgroups[m->ncgroups++];
	strcpy(c->label, label);
	if (inc->have_identity &&
	    container__parse(inc->cgroup_path, sizeof(inc->cgroup_path), &ci)) {
		strcpy(c->container_id, ci.id);
		strcpy(c->pod_uid, ci.pod_uid);
	}
	return c;
}

void metrics__add_incident(struct metrics *m, const struct oomreap_incident *inc,
			   uint64_t page_size)
{
	summary__add(&m->sum, inc);
	m->page_size = page_size;
	/* not the kernel's OOM killer: its own counters (summary's ukills) and histograms */
	if (inc->kind == INCIDENT_USERSPACE) {
		uint32_t i;

		/* a call not seen to its end is LATENCY_NONE, which hist_observe() skips */
		for (i = 0; i < inc->uk.ncalls && i < MRELEASE_CALLS_MAX; i++)
			hist_observe(&m->mrelease_duration,
				     incident__mrelease_duration_ns(&inc->uk.calls[i]));
		hist_observe(&m->memory_gone, incident__memory_gone_ns(inc));
		return;
	}
	hist_observe(&m->reap_latency, incident__reap_latency_ns(inc));
	hist_observe(&m->reap_duration, incident__reap_duration_ns(inc));
	hist_observe(&m->exit_latency, incident__exit_latency_ns(inc));

	if (m->cgroup_cap) {
		struct metrics_cgroup *c = cgroup_entry(m, inc);

		if ((unsigned int)inc->outcome < OUTCOME_NR)
			c->incidents[inc->outcome]++;
		c->trylock_failures += inc->trylock_failures;
		if (!inc->freed_unread)
			c->freed_bytes += incident__freed_bytes(inc->freed_pages, page_size);
	}
}

static void label_value(FILE *f, const char *s, size_t maxlen)
{
	incident__escape(f, ESCAPE_PROM_LABEL, s, maxlen);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one sample without labels. */
static void scalar(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	family(f, name, type, help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/*
 * Runs the kernel skipped, one series per loaded program whose count it
 * keeps, and which programs those are (program names are C identifiers:
 * the record reader refuses anything else).
 */
static void write_missed(FILE *f, const struct runs_missed *m)
{
	uint32_t i;

	family(f, "oomreap_bpf_runs_missed_total", "counter",
	       "Runs of this BPF program the kernel skipped and counted since it was loaded "
	       "(recursion_misses: from 7.0 a tracepoint program preempted on a CPU makes the "
	       "next run there skip; on kprobes also the kprobe's own misses): each one an "
	       "event lost. Absent for a program whose skipped runs this kernel does not count.");
	for (i = 0; i < m->n; i++)
		if (m->p[i].known)
			fprintf(f, "oomreap_bpf_runs_missed_total{program=\"%.*s\"} %" PRIu64 "\n",
				MISSED_NAME_LEN, m->p[i].name, m->p[i].runs);
	family(f, "oomreap_bpf_runs_missed_counted", "gauge",
	       "1 when the kernel counts this loaded program's skipped runs, 0 when it does not "
	       "(before 5.12; kprobe programs before 6.7): then runs may be lost uncounted.");
	for (i = 0; i < m->n; i++)
		fprintf(f, "oomreap_bpf_runs_missed_counted{program=\"%.*s\"} %d\n", MISSED_NAME_LEN,
			m->p[i].name, m->p[i].known ? 1 : 0);
}

/* A value in seconds from ns, exactly: no float rounding in the file. */
static void print_seconds(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%09" PRIu64, ns / UINT64_C(1000000000), ns % UINT64_C(1000000000));
}

static void write_hist(FILE *f, const char *name, const char *help, const struct metrics_hist *h)
{
	uint64_t cum = 0;
	int i;

	family(f, name, "histogram", help);
	for (i = 0; i < METRICS_NBUCKETS; i++) {
		cum += h->buckets[i];
		fprintf(f, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name, metrics_bucket_le[i], cum);
	}
	fprintf(f, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n%s_sum ", name, h->count, name);
	print_seconds(f, h->sum_ns);
	fprintf(f, "\n%s_count %" PRIu64 "\n", name, h->count);
}

static void cgroup_labels(FILE *f, const struct metrics_cgroup *c)
{
	fputs("{cgroup=\"", f);
	label_value(f, c->label, sizeof(c->label));
	fprintf(f, "\",container_id=\"%s\",pod_uid=\"%s\"", c->container_id, c->pod_uid);
}

static void write_cgroups(FILE *f, const struct metrics *m)
{
	/* every cgroup in use, then "other" once something overflowed */
	uint32_t n = m->ncgroups + (m->cgroup_overflows ? 1 : 0), i;
	const struct metrics_cgroup *c;
	int o;

#define for_each_cgroup(c, i) \
	for (i = 0; i < n && ((c) = i < m->ncgroups ? &m->cgroups[i] : &m->other); i++)

	/* a family is written only with samples: no HELP/TYPE over nothing */
	if (n) {
		family(f, "oomreap_cgroup_incidents_total", "counter",
		       "OOM kill incidents per victim memory cgroup and outcome "
		       "(--prom-cgroup-labels).");
		for_each_cgroup(c, i) {
			for (o = 0; o < OUTCOME_NR; o++) {
				/* only outcomes seen: most would be zeros */
				if (!c->incidents[o])
					continue;
				fputs("oomreap_cgroup_incidents_total", f);
				cgroup_labels(f, c);
				fprintf(f, ",outcome=\"%s\"} %" PRIu64 "\n",
					outcome__name((enum oomreap_outcome)o), c->incidents[o]);
			}
		}
		family(f, "oomreap_cgroup_reaper_trylock_failures_total", "counter",
		       "Failed mmap_lock trylocks by the OOM reaper per victim memory cgroup.");
		for_each_cgroup(c, i) {
			fputs("oomreap_cgroup_reaper_trylock_failures_total", f);
			cgroup_labels(f, c);
			fprintf(f, "} %" PRIu64 "\n", c->trylock_failures);
		}
		family(f, "oomreap_cgroup_reaper_freed_bytes_total", "counter",
		       "Bytes the OOM reaper unmapped (anon + file + shmem) per victim memory "
		       "cgroup.");
		for_each_cgroup(c, i) {
			fputs("oomreap_cgroup_reaper_freed_bytes_total", f);
			cgroup_labels(f, c);
			fprintf(f, "} %" PRIu64 "\n", c->freed_bytes);
		}
	}
#undef for_each_cgroup
	scalar(f, "oomreap_cgroup_label_overflows_total", "counter",
	       "Incidents counted under cgroup=\"other\" because the cgroup label cap was "
	       "reached.",
	       m->cgroup_overflows);
	scalar(f, "oomreap_cgroup_labels", "gauge", "Distinct cgroup label values in use.",
	       m->ncgroups);
	scalar(f, "oomreap_cgroup_labels_max", "gauge",
	       "Cap on distinct cgroup label values (--prom-cgroup-labels=MAX).",
	       m->cgroup_cap);
}

/* A counter family by group_kill (enum oom_group_kill): false, true, unknown. */
static void by_group_kill(FILE *f, const char *name, const char *help, const uint64_t v[3])
{
	static const uint8_t order[] = { GROUP_KILL_NO, GROUP_KILL_YES, GROUP_KILL_UNKNOWN };
	size_t i;

	family(f, name, "counter", help);
	for (i = 0; i < sizeof(order); i++)
		fprintf(f, "%s{group_kill=\"%s\"} %" PRIu64 "\n", name, group_kill__name(order[i]),
			v[order[i]]);
}

/* A family by (killer, method): the pairs the summary kept, then "other" if it counted any. */
static uint64_t ukill_kills(const struct summary_ukill *u)
{
	return u->kills;
}

static uint64_t ukill_failures(const struct summary_ukill *u)
{
	uint64_t failed = 0;
	int k;

	for (k = 0; k < MREL_ERR_NR; k++)
		failed += u->calls_failed_by[k];
	return failed;
}

static uint64_t ukill_events(const struct summary_ukill *u)
{
	return u->kill_events;
}

/* type: an OOMREAP_RSS_* for a family with a "type" label (bytes), -1 none */
static void ukill_series(FILE *f, const struct metrics *m, const char *name,
			 uint64_t (*value)(const struct summary_ukill *u), int type)
{
	int i;

	for (i = 0; i <= SUMMARY_UKILL_PAIRS; i++) {
		const struct summary_ukill *u = &m->sum.ukills[i];
		bool other = i == SUMMARY_UKILL_PAIRS;

		if (other ? !u->kills : i >= (int)m->sum.nukills)
			continue;
		fprintf(f, "%s{killer=\"", name);
		label_value(f, other ? "other" : u->killer, OOMREAP_COMM_LEN);
		fprintf(f, "\",method=\"%s\"", other ? "other" : method__name(u->method));
		if (type >= 0)
			fprintf(f, ",type=\"%s\"} %" PRIu64 "\n", rss_label[type],
				incident__bytes(u->freed_pages[type], m->page_size));
		else
			fprintf(f, "} %" PRIu64 "\n", value(u));
	}
}

static void ukill_family(FILE *f, const struct metrics *m, const char *name, const char *help,
			 uint64_t (*value)(const struct summary_ukill *u))
{
	family(f, name, "counter", help);
	ukill_series(f, m, name, value, -1);
}

void metrics__write(FILE *f, const struct metrics *m, const struct metrics_info *info)
{
	int i;

	family(f, "oomreap_info", "gauge",
	       "oomreap-trace version, attach rung in use and kernel release (always 1).");
	fputs("oomreap_info{version=\"", f);
	label_value(f, info->version, 64);
	fputs("\",attach=\"", f);
	label_value(f, info->attach, 64);
	fputs("\",kernel=\"", f);
	label_value(f, info->kernel, 65);
	fputs("\"} 1\n", f);
	scalar(f, "oomreap_start_time_seconds", "gauge",
	       "When this oomreap-trace process started, in seconds since the epoch.",
	       info->start_time_s);

	family(f, "oomreap_kills_total", "counter",
	       "OOM kills, by OOM constraint, from oom_control or the kernel log (\"unknown\": "
	       "neither told it, e.g. the kernel ratelimited its OOM report); a kill counts when its "
	       "event was seen or, tracing having started after it, its kernel log line was read.");
	for (i = 0; i < METRICS_NCONSTRAINT; i++)
		fprintf(f, "oomreap_kills_total{constraint=\"%s\"} %" PRIu64 "\n",
			i == METRICS_CONSTRAINT_UNKNOWN ? "unknown" : constraint__name((uint32_t)i),
			m->sum.kills_by_constraint[i]);
	ukill_family(f, m, "oomreap_userspace_kills_total",
		     "Memory kills by userspace killers (earlyoom, systemd-oomd, ...), recognised by "
		     "their executable file, by killer and by how the signal was sent.",
		     ukill_kills);
	ukill_family(f, m, "oomreap_userspace_mrelease_failures_total",
		     "process_mrelease(2) calls of userspace killers that failed (ESRCH, the "
		     "victim's memory gone first, not counted), by killer; traced only with "
		     "--mrelease.",
		     ukill_failures);
	ukill_family(f, m, "oomreap_userspace_kill_events_total",
		     "Kill events of userspace killers: one write to cgroup.kill is one, whatever "
		     "it killed (oomreap_userspace_kills_total counts its victims); any other "
		     "kill is one.",
		     ukill_events);
	family(f, "oomreap_userspace_freed_bytes_total", "counter",
	       "Memory userspace killers' process_mrelease(2) calls measurably unmapped (the "
	       "victim's RSS at the call's entry less at its return), by killer, method and "
	       "memory type; traced only with --mrelease.");
	for (i = 0; i < OOMREAP_RSS_NR; i++)
		ukill_series(f, m, "oomreap_userspace_freed_bytes_total", NULL, i);
	/* by errno and not by killer: written from the start at 0, for alerts */
	family(f, "oomreap_mrelease_failures_total", "counter",
	       "process_mrelease(2) calls of userspace killers that failed, by errno (ESRCH, "
	       "the victim's memory gone first, not counted; EINVAL, a victim not dying, as "
	       "after a SIGTERM it handles, is routine); traced only with --mrelease.");
	for (i = 0; i < MREL_ERR_NR; i++)
		fprintf(f, "oomreap_mrelease_failures_total{errno=\"%s\"} %" PRIu64 "\n",
			mrelease_err__name((unsigned)i),
			summary__mrelease_failed(&m->sum, (unsigned)i));
	by_group_kill(f, "oomreap_oom_events_total",
		      "OOM-killer invocations that killed, by whether memory.oom.group killed a "
		      "whole cgroup (\"unknown\": the kill could not be read for it); counted at the "
		      "first victim's end.",
		      m->sum.oom_events_by_group);
	by_group_kill(f, "oomreap_oom_event_victims_total",
		      "Victims of those OOM events, by the same label: divided by "
		      "oomreap_oom_events_total, victims per event.",
		      m->sum.victims_by_group);
	family(f, "oomreap_incidents_total", "counter",
	       "Finished OOM kill incidents by outcome (gave_up: the reaper could not reap; "
	       "open: still open at exit, evicted, or closed with its end unseen).");
	for (i = 0; i < OUTCOME_NR; i++)
		fprintf(f, "oomreap_incidents_total{outcome=\"%s\"} %" PRIu64 "\n",
			outcome__name((enum oomreap_outcome)i), m->sum.incidents[i]);
	scalar(f, "oomreap_incidents_incomplete_total", "counter",
	       "Incidents that were open while events were lost; their figures may be partial.",
	       m->sum.incomplete);
	scalar(f, "oomreap_incidents_ended_unseen_total", "counter",
	       "Incidents closed (outcome open) when events were lost and none of their own came "
	       "for a while: their end was never seen.",
	       m->sum.ended_unseen);
	scalar(f, "oomreap_open_incidents", "gauge", "Incidents being tracked right now.",
	       m->open_incidents);

	scalar(f, "oomreap_reaper_attempts_total", "counter",
	       "OOM reaper attempts (start_task_reaping or skip_task_reaping).",
	       m->sum.attempts);
	scalar(f, "oomreap_reaper_trylock_failures_total", "counter",
	       "OOM reaper attempts that failed to take the victim's mmap_lock.",
	       m->sum.trylock_failures);
	family(f, "oomreap_reaper_freed_bytes_total", "counter",
	       "Memory the OOM reaper unmapped, by memory type (swap: swap entries freed), over "
	       "the incidents whose reaps were read.");
	for (i = 0; i < OOMREAP_RSS_NR; i++)
		fprintf(f, "oomreap_reaper_freed_bytes_total{type=\"%s\"} %" PRIu64 "\n",
			rss_label[i], incident__bytes(m->sum.freed_pages[i], m->page_size));
	scalar(f, "oomreap_reaper_freed_unread_total", "counter",
	       "Incidents with a reap the tool could not read (it had not seen the kill): what "
	       "they freed is in no oomreap_reaper_freed_bytes_total.",
	       m->sum.freed_unread);

	write_hist(f, "oomreap_reap_latency_seconds",
		   "From the OOM kill to the end of the reap (finish_task_reaping); includes the "
		   "reaper's 2 s delay.",
		   &m->reap_latency);
	write_hist(f, "oomreap_reap_duration_seconds",
		   "One reap pass, from start_task_reaping to finish_task_reaping.",
		   &m->reap_duration);
	write_hist(f, "oomreap_victim_exit_latency_seconds",
		   "From the OOM kill to the victim's exit.", &m->exit_latency);
	write_hist(f, "oomreap_mrelease_duration_seconds",
		   "Each process_mrelease(2) call of a userspace killer whose entry was seen, from "
		   "entry to return: the wait for the victim's mmap_lock and the unmap (the first "
		   "four calls on each victim; --mrelease).",
		   &m->mrelease_duration);
	write_hist(f, "oomreap_userspace_memory_gone_seconds",
		   "From a userspace killer's signal until the victim's memory was seen gone (a "
		   "process_mrelease call that freed or found it gone, or the exit where it comes "
		   "after the memory's release).",
		   &m->memory_gone);

	scalar(f, "oomreap_events_lost_total", "counter",
	       "Events the BPF side could not queue (ring buffer full).",
	       m->events_lost);
	if (m->missed.n)
		write_missed(f, &m->missed);
	scalar(f, "oomreap_tracker_evictions_total", "counter",
	       "Incidents closed early because --max-open incidents were already tracked.",
	       m->evictions);
	scalar(f, "oomreap_textfile_write_failures_total", "counter",
	       "Failed attempts to write this file (the count shows once a write succeeds).",
	       m->write_failures);
	/* live only: replay never drops, and its files stay as they were */
	if (m->have_stdout)
		scalar(f, "oomreap_stdout_dropped_lines_total", "counter",
		       "Lines not written to stdout because its reader was not reading.",
		       m->stdout_dropped);

	if (m->cgroup_cap)
		write_cgroups(f, m);
}
