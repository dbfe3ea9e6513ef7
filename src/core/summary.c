// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "core/checked.h"
#include "core/event.h"
#include "core/summary.h"
#include "core/timefmt.h"

#include <string.h>

static void add_ukill(struct summary *s, const struct oomreap_incident *inc)
{
	struct summary_ukill *u = NULL;
	uint64_t gone;
	uint32_t i;

	for (i = 0; i < s->nukills && !u; i++)
		if (s->ukills[i].method == inc->uk.method &&
		    !strncmp(s->ukills[i].killer, inc->uk.killer_name, OOMREAP_COMM_LEN))
			u = &s->ukills[i];
	if (!u && s->nukills < SUMMARY_UKILL_PAIRS) {
		u = &s->ukills[s->nukills++];
		memcpy(u->killer, inc->uk.killer_name, OOMREAP_COMM_LEN);
		u->killer[OOMREAP_COMM_LEN - 1] = 0;
		u->method = inc->uk.method;
	}
	if (!u)
		u = &s->ukills[SUMMARY_UKILL_PAIRS]; /* "other" */
	u->kills++;
	if ((unsigned)inc->outcome < OUTCOME_NR)
		u->outcomes[inc->outcome]++;
	u->calls_ok += inc->uk.calls_ok;
	u->calls_esrch += inc->uk.calls_esrch;
	for (i = 0; i < MREL_ERR_NR; i++)
		u->calls_failed_by[i] += inc->uk.calls_failed_by[i];
	gone = incident__memory_gone_ns(inc);
	if (gone != LATENCY_NONE)
		histogram__add(&u->memory_gone_ms, gone / 1000000);
	/* one write to cgroup.kill is one kill event, whatever it killed */
	if (!inc->uk.write_id || inc->uk.write_victim == 1)
		u->kill_events++;
	for (i = 0; i < inc->uk.ncalls && i < MRELEASE_CALLS_MAX; i++) {
		const struct mrelease_call *c = &inc->uk.calls[i];
		int t;

		for (t = 0; c->have_freed && t < OOMREAP_RSS_NR; t++)
			u->freed_pages[t] += c->freed_pages[t];
	}
}

uint64_t summary__mrelease_failed(const struct summary *s, unsigned e)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i <= SUMMARY_UKILL_PAIRS && e < MREL_ERR_NR; i++)
		n += s->ukills[i].calls_failed_by[e];
	return n;
}

void summary__add(struct summary *s, const struct oomreap_incident *inc)
{
	uint64_t v;
	int i;

	if ((unsigned)inc->outcome < OUTCOME_NR)
		s->incidents[inc->outcome]++;
	s->attempts += inc->attempts;
	s->trylock_failures += inc->trylock_failures;
	if (inc->freed_unread)
		s->freed_unread++;
	else
		for (i = 0; i < OOMREAP_RSS_NR; i++)
			s->freed_pages[i] = sat_add_u64(s->freed_pages[i], inc->freed_pages[i]);
	if (inc->incomplete)
		s->incomplete++;
	if (inc->ended_unseen)
		s->ended_unseen++;
	if (inc->exit_unseen)
		s->exits_unseen++;
	/* the kernel's OOM kills only: a userspace killer's has no constraint */
	if (incident__kill_known(inc) && inc->kind != INCIDENT_USERSPACE) {
		int c = oom_context__constraint(&inc->ctx);

		s->kills_by_constraint[c >= 0 && c < 4 ? c : 4]++;
	}
	if (inc->oom_event.id && inc->oom_event.group_kill < 3) {
		if (inc->oom_event.index == 1) {
			s->oom_events++;
			s->oom_events_by_group[inc->oom_event.group_kill]++;
			if (inc->oom_event.group_kill == GROUP_KILL_YES)
				s->group_events++;
		}
		s->victims_by_group[inc->oom_event.group_kill]++;
		if (inc->oom_event.group_kill == GROUP_KILL_YES)
			s->group_victims++;
	}
	if (inc->kind == INCIDENT_USERSPACE)
		add_ukill(s, inc);
	v = incident__reap_latency_ns(inc);
	if (v != LATENCY_NONE)
		histogram__add(&s->reap_latency_ms, v / 1000000);
	v = incident__exit_latency_ns(inc);
	if (v != LATENCY_NONE)
		histogram__add(&s->exit_latency_ms, v / 1000000);
}

static uint64_t incidents_total(const struct summary *s)
{
	uint64_t total = 0;
	int i;

	for (i = 0; i < OUTCOME_NR; i++)
		total += s->incidents[i];
	return total;
}

void summary__missed_text(char *buf, size_t len, const struct runs_missed *m)
{
	uint32_t unknown = missed__unknown(m);

	if (unknown == m->n)
		snprintf(buf, len, "unknown");
	else if (unknown)
		snprintf(buf, len, "%llu (%u program%s uncounted)",
			 (unsigned long long)missed__total(m), unknown, unknown == 1 ? "" : "s");
	else
		snprintf(buf, len, "%llu", (unsigned long long)missed__total(m));
}

void summary__print(FILE *f, const struct summary *s, const struct render_ctx *rc,
		    uint64_t lost_events, const struct runs_missed *missed,
		    uint64_t stdout_dropped)
{
	char freed[16];
	int i;

	timefmt__bytes(freed, sizeof(freed), incident__freed_bytes(s->freed_pages, rc->page_size));
	fprintf(f, "\nSummary: %llu incidents", (unsigned long long)incidents_total(s));
	for (i = 0; i < OUTCOME_NR; i++)
		if (s->incidents[i])
			fprintf(f, ", %llu %s", (unsigned long long)s->incidents[i],
				outcome__name(i));
	fprintf(f, "\n  trylock failures: %llu, freed by the reaper: %s", (unsigned long long)s->trylock_failures,
		freed);
	if (s->freed_unread)
		fprintf(f, " (and by %llu reap%s not read)", (unsigned long long)s->freed_unread,
			s->freed_unread == 1 ? "" : "s");
	fprintf(f, ", events lost: %llu", (unsigned long long)lost_events);
	if (s->incomplete)
		fprintf(f, ", incomplete incidents: %llu", (unsigned long long)s->incomplete);
	if (s->ended_unseen)
		fprintf(f, " (%llu closed with their end unseen)", (unsigned long long)s->ended_unseen);
	if (s->exits_unseen)
		fprintf(f, ", victims' exits unseen (begun before the kill): %llu",
			(unsigned long long)s->exits_unseen);
	if (missed && missed->n) {
		char text[64];

		summary__missed_text(text, sizeof(text), missed);
		fprintf(f, ", BPF runs missed: %s", text);
	}
	if (stdout_dropped)
		fprintf(f, ", stdout lines dropped: %llu", (unsigned long long)stdout_dropped);
	fputc('\n', f);
	if (missed && missed__total(missed)) {
		const char *sep = "  runs missed by program: ";
		uint32_t k;

		for (k = 0; k < missed->n; k++) {
			if (!missed->p[k].known || !missed->p[k].runs)
				continue;
			fprintf(f, "%s%.*s %llu", sep, MISSED_NAME_LEN, missed->p[k].name,
				(unsigned long long)missed->p[k].runs);
			sep = ", ";
		}
		fputc('\n', f);
	}
	{
		const char *sep = "  process_mrelease failed (userspace killers): ";

		for (i = 0; i < MREL_ERR_NR; i++) {
			uint64_t n = summary__mrelease_failed(s, (unsigned)i);

			if (!n)
				continue;
			fprintf(f, "%s%s %llu", sep, mrelease_err__name((unsigned)i),
				(unsigned long long)n);
			sep = ", ";
		}
		if (sep[0] == ',')
			fputc('\n', f);
	}
	if (s->group_events)
		fprintf(f, "  OOM events: %llu, of which memory.oom.group kills: %llu (%llu victims)\n",
			(unsigned long long)s->oom_events, (unsigned long long)s->group_events,
			(unsigned long long)s->group_victims);
	{
		const char *sep = "  kills by constraint: ";

		for (i = 0; i < 5; i++) {
			if (!s->kills_by_constraint[i])
				continue;
			fprintf(f, "%s%s %llu", sep, i < 4 ? constraint__name((uint32_t)i) : "unknown",
				(unsigned long long)s->kills_by_constraint[i]);
			sep = ", ";
		}
		if (*sep == ',')
			fputc('\n', f);
	}
	if (s->reap_latency_ms.count) {
		fprintf(f, "\nReap latency (kill -> reaper finished):\n");
		histogram__print(f, &s->reap_latency_ms, "msecs");
	}
	if (s->exit_latency_ms.count) {
		fprintf(f, "\nExit latency (kill -> victim exited):\n");
		histogram__print(f, &s->exit_latency_ms, "msecs");
	}
}
