// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The report's own words: what happened to each victim, said in plain
 * sentences from its figures, and the label of each timeline event.  Only
 * numbers and our own words go into them, never an untrusted string.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/event.h"
#include "core/timefmt.h"
#include "report/markup.h"
#include "report/report.h"
#include "report/walk.h"

void report__vsay(struct report_out *o, const char *fmt, va_list ap)
{
	char buf[2048];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	o->m->prose(o->f, buf);
}

void report__say(struct report_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report__vsay(o, fmt, ap);
	va_end(ap);
}

static void explain_delay(struct report_out *o, const struct oomreap_incident *inc)
{
	uint64_t k2w = incident__kill_to_wake_ns(inc);
	char d[16];

	if (k2w == LATENCY_NONE)
		return;
	timefmt__duration(d, sizeof(d), k2w);
	if (k2w >= 1900000000ull)
		report__say(o,
		      " The reaper was woken %s after the kill: the 2 s `OOM_REAPER_DELAY` that "
		      "kernels since 5.18 (and stable backports) leave the victim to exit on its "
		      "own first.",
		      d);
	else if (k2w < 1000000000ull)
		report__say(o,
		      " The reaper was woken %s after the kill, without the 2 s delay of "
		      "kernels since 5.18: this kernel wakes it at once.",
		      d);
	else
		report__say(o, " The reaper was woken %s after the kill.", d);
}

static void explain_exit(struct report_out *o, const struct oomreap_incident *inc)
{
	char d[16];

	if (inc->exit_ns) {
		timefmt__duration(d, sizeof(d), incident__exit_latency_ns(inc));
		report__say(o, " The victim's last thread exited %s after the kill.", d);
	} else {
		report__say(o, " The victim was not seen exiting while the recording ran.");
	}
}

/* A userspace memory killer's victim: no OOM killer, no oom_reaper. */
static void explain_userspace(struct report_out *o, const struct oomreap_incident *inc,
			      const struct render_ctx *rc)
{
	const struct ukill_info *u = &inc->uk;
	char name[OOMREAP_COMM_LEN + 1], d[16];
	uint32_t i;

	snprintf(name, sizeof(name), "%s", u->killer_name);
	report__say(o,
	      "Not the kernel's OOM killer: the userspace memory killer %s (pid %u, recognised "
	      "by %s) sent %s%s.",
	      name, u->killer_tgid,
	      u->recognised_by == OOMREAP_KILLER_BY_CGROUP ? "the cgroup it runs in"
							    : "its executable file",
	      u->first_sig == 9 ? "SIGKILL" : "SIGTERM",
	      u->signals > 1 ? (u->last_sig == 9 ? ", then SIGKILL" : ", then again") : "");
	if (u->write_id && u->target_known) {
		report__say(o, " It wrote the `cgroup.kill` of ");
		code(o, u->target_cgroup, sizeof(u->target_cgroup));
		report__say(o, ", which signalled every process below it: this victim is number "
			       "%u of that write (kill event %" PRIu64 ").",
			    u->write_victim, u->write_id);
	} else if (u->write_id) {
		report__say(o, " It wrote a `cgroup.kill` the tracer could not name (kill event "
			       "%" PRIu64 ", victim %u).", u->write_id, u->write_victim);
	}
	if (!rc->mrelease_traced) {
		report__say(o, " Its `process_mrelease()` calls were not traced (`--mrelease`).");
	} else if (!u->ncalls) {
		report__say(o, " It called no `process_mrelease()` on it.");
	} else {
		for (i = 0; i < u->ncalls && i < MRELEASE_CALLS_MAX; i++) {
			const struct mrelease_call *c = &u->calls[i];

			timefmt__duration(d, sizeof(d), incident__mrelease_duration_ns(c));
			report__say(o, " `process_mrelease()`%s returned %lld after %s%s",
				    i ? " again" : "", (long long)c->ret, d,
				    c->mm_gone ? " (the victim released its memory meanwhile)" : "");
			if (incident__mrelease_lock_wait_ns(c) != LATENCY_NONE) {
				char w[16], um[16];

				timefmt__duration(w, sizeof(w), incident__mrelease_lock_wait_ns(c));
				timefmt__duration(um, sizeof(um), incident__mrelease_unmap_ns(c));
				report__say(o, ": %s waiting for the victim's `mmap_lock`, %s "
					       "unmapping%s", w, um,
					    c->partial ? " (some memory left mapped)" : "");
			}
			report__say(o, ".");
		}
	}
	switch (inc->outcome) {
	case OUTCOME_MRELEASED:
		report__say(o, " Its memory was unmapped by `process_mrelease()`, before the "
			       "victim's own exit could.");
		break;
	case OUTCOME_MRELEASE_FAILED:
		report__say(o, " No `process_mrelease()` call succeeded: the victim's exit "
			       "released its memory.");
		break;
	case OUTCOME_VICTIM_EXITED:
		report__say(o, " The victim's own exit released its memory.");
		break;
	default:
		report__say(o, " The victim was not seen dying of it.");
		break;
	}
	explain_exit(o, inc);
}

void report__explain_to(struct report_out *o, const struct oomreap_incident *inc,
			const struct render_ctx *rc)
{
	char freed[48], t1[16], t2[16];

	if (inc->freed_unread)
		strcpy(freed, "an amount the tracer could not read");
	else
		timefmt__bytes(freed, sizeof(freed),
			       incident__freed_bytes(inc->freed_pages, rc->page_size));
	report__put(o, o->m->para_open);
	if (inc->kind == INCIDENT_USERSPACE) {
		explain_userspace(o, inc, rc);
		report__put(o, o->m->para_close);
		return;
	}
	switch (inc->outcome) {
	case OUTCOME_REAPED:
		report__say(o,
		      "The victim did not release its memory by itself in time: something kept "
		      "its address space alive (typically a thread stuck in an uninterruptible "
		      "sleep, such as a FUSE or NFS request, or another process sharing the mm).");
		explain_delay(o, inc);
		timefmt__duration(t1, sizeof(t1), incident__reap_duration_ns(inc));
		timefmt__duration(t2, sizeof(t2), incident__reap_latency_ns(inc));
		report__say(o,
		      " The kernel's `oom_reaper` thread took the victim's `mmap_lock` with "
		      "`mmap_read_trylock()` on attempt %u of at most 10 and unmapped its "
		      "anonymous and private memory without waiting for it to exit: %s freed in "
		      "%s, %s after the kill.",
		      inc->attempts ? inc->attempts : 1, freed, t1, t2);
		if (inc->trylock_failures)
			report__say(o,
			      " Before that, %u attempt%s failed because another task held the "
			      "lock.",
			      inc->trylock_failures, inc->trylock_failures == 1 ? "" : "s");
		explain_exit(o, inc);
		break;
	case OUTCOME_GAVE_UP:
		report__say(o,
		      "The victim could not exit and free its memory by itself.");
		explain_delay(o, inc);
		report__say(o,
		      " The reaper then tried the victim's `mmap_lock` %u times "
		      "(`MAX_OOM_REAP_RETRIES` is 10), sleeping about 100 ms (`HZ/10`) after "
		      "each failure; %u of the attempts failed in `mmap_read_trylock()`.",
		      inc->attempts, inc->trylock_failures);
		report__say(o,
		      " A trylock fails while another task holds the lock for writing, or while a "
		      "writer is queued behind a reader: typically a thread that holds the lock "
		      "for reading while it sleeps in a page fault (on FUSE or NFS) or in a "
		      "`/proc/PID/mem` access, with an `mmap()`, `munmap()` or `mprotect()` "
		      "waiting behind it.");
		report__say(o,
		      " After the last attempt the kernel logged \"oom_reaper: unable to reap "
		      "pid:%u\" and set `MMF_OOM_SKIP` on the mm anyway. That means the OOM "
		      "killer stops waiting for this victim and may kill another task if memory "
		      "is still short, while this victim's memory stays allocated until whatever "
		      "holds the lock lets go: one stuck victim can cost a second kill.",
		      inc->pid);
		if (inc->unknown_skips)
			report__say(o, " %u attempt%s could not be classified %s.", inc->unknown_skips,
				    inc->unknown_skips == 1 ? "" : "s",
				    inc->have_identity ? "on this attach rung"
						       : "(the kill was not seen, so the tracer had no "
							 "hold on the victim's memory to read)");
		explain_exit(o, inc);
		break;
	case OUTCOME_VICTIM_EXITED:
		if (!inc->attempts) {
			timefmt__duration(t1, sizeof(t1), incident__exit_latency_ns(inc));
			report__say(o,
			      "The victim released its memory itself: it exited %s after the kill, "
			      "before the reaper's 2 s delay was up. This is the common case since "
			      "5.18; the reaper had nothing to do.",
			      t1);
			if (inc->wake_ignored)
				report__say(o,
				      " When the reaper's timer fired it found `MMF_OOM_SKIP` already "
				      "set and returned without a word.");
		} else {
			report__say(o, "The reaper came for this victim but it tore down its own "
				       "address space first.");
			explain_delay(o, inc);
			report__say(o,
			      " Of %u attempt%s, %u failed in `mmap_read_trylock()` (another task "
			      "held the lock); then the victim's own exit set `MMF_OOM_SKIP` and "
			      "the reaper stopped: the victim's exit, not the reaper, freed the "
			      "memory.",
			      inc->attempts, inc->attempts == 1 ? "" : "s", inc->trylock_failures);
			explain_exit(o, inc);
		}
		break;
	case OUTCOME_PARTIAL:
		report__say(o,
		      "The reaper got the lock and unmapped part of the address space, but "
		      "`__oom_reap_task_mm()` reported that some of it could not be reaped yet "
		      "(for example a range whose MMU notifier could not be invalidated without "
		      "blocking), so it tried again, %u times in all, %u partial pass%s, and then "
		      "gave up as in \"unable to reap\": `MMF_OOM_SKIP` is set and the OOM killer "
		      "may pick another victim. It freed %s.",
		      inc->attempts, inc->partial_reaps, inc->partial_reaps == 1 ? "" : "es",
		      freed);
		explain_delay(o, inc);
		explain_exit(o, inc);
		break;
	default:
		if (inc->ended_unseen)
			report__say(o,
			      "Its end was never seen: events were lost while it was open, and "
			      "none of its own came for %u s (nor in the %u s after it opened), so "
			      "it was closed then, incomplete: this is what had happened up to then.",
			      (unsigned)(LOSS_SILENCE_NS / 1000000000ull),
			      (unsigned)(LOSS_WAIT_AFTER_KILL_NS / 1000000000ull));
		else if (inc->evicted)
			report__say(o,
			      "This incident was still in progress when it was closed early, "
			      "because too many incidents were open at once (`--max-open`): this "
			      "is what had happened up to then.");
		else
			report__say(o,
			      "The recording ended while this incident was still in progress: "
			      "this is what had happened up to then.");
		break;
	}
	report__put(o, o->m->para_close);
	if (!inc->have_identity || inc->incomplete) {
		report__put(o, o->m->para_open);
		if (inc->identity_from_log)
			report__say(o,
			      "The kill itself was not seen (tracing started after it, or its event "
			      "was lost): the victim's name, uid and memory at the kill are the "
			      "kernel's \"Killed process\" line's; its cgroup is unknown%s.%s",
			      inc->freed_unread ? ", and so is what the reaper freed" : "",
			      inc->incomplete ? " " : "");
		else if (!inc->have_identity)
			report__say(o,
			      "The kill itself was not seen (tracing started after it, or its event "
			      "was lost): the victim's name and cgroup are unknown.%s",
			      inc->incomplete ? " " : "");
		if (inc->incomplete && inc->runs_missed)
			report__say(o,
			      "Events were lost while this incident was open (the kernel skipped "
			      "runs of the tracer's programs, or the ring buffer was full, or the "
			      "recorder could not write): steps may be missing.");
		else if (inc->incomplete && (inc->saw_loss || inc->have_identity))
			report__say(o,
			      "Events were lost while this incident was open (the ring buffer was "
			      "full, or the recorder could not write): steps may be missing.");
		if (inc->outcome_from_log)
			report__say(o,
			      " Its end was among them: the outcome is the kernel's own line "
			      "about pid %u after the kill (\"%s\"), and its time that line's.",
			      inc->pid, inc->outcome == OUTCOME_GAVE_UP
						? "oom_reaper: unable to reap pid:N"
						: "oom_reaper: reaped process N");
		report__put(o, o->m->para_close);
	}
}

void report__explain(FILE *f, const struct oomreap_incident *inc, const struct render_ctx *rc,
		     bool html)
{
	struct report_out o = { .f = f, .m = html ? &report__html : &report__markdown };

	report__explain_to(&o, inc, rc);
}

const char *report__event_label(const struct timeline_entry *te, uint32_t *attempt, char *buf,
				size_t len)
{
	switch (te->type) {
	case OOMREAP_EV_KILL:
		return "killed: SIGKILL sent, marked OOM victim";
	case OOMREAP_EV_REAPER_QUEUE:
		return "reaper timer armed (2 s delay)";
	case OOMREAP_EV_REAPER_WAKE:
		return "reaper woken";
	case OOMREAP_EV_REAP_START:
		snprintf(buf, len, "attempt %u: lock taken, unmapping", ++*attempt);
		return buf;
	case OOMREAP_EV_REAP_FINISH:
		return "unmapping pass done";
	case OOMREAP_EV_REAP_SKIP:
		++*attempt;
		if (te->skip_reason == OOMREAP_SKIP_TRYLOCK_FAILED)
			snprintf(buf, len, "attempt %u: mmap_read_trylock failed", *attempt);
		else if (te->skip_reason == OOMREAP_SKIP_MM_GONE)
			snprintf(buf, len, "attempt %u: skipped, mm already torn down (MMF_OOM_SKIP)",
				 *attempt);
		else
			snprintf(buf, len, "attempt %u: skipped (reason unknown on this rung)",
				 *attempt);
		return buf;
	case OOMREAP_EV_REAP_RESULT:
		return te->reap_ret ? "pass reported complete" : "pass reported incomplete: retry";
	case OOMREAP_EV_VICTIM_EXIT:
		return "victim thread exited";
	default:
		return event__type_name(te->type);
	}
}

