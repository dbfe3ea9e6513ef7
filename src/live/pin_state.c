// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --pin (pin.h): the incidents in flight, saved at SIGTERM/SIGINT into
 * the pinned "state" map and restored by the next process, each checked
 * against bounds a damaged state cannot break.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/timefmt.h"
#include "core/tracker.h"
#include "io/errors.h"
#include "live/pin.h"
#include "live/pin_impl.h"

static void *state_entry(const struct pin_dir *pd, uint32_t i)
{
	return (char *)pd->state + (size_t)i * STATE_ENTRY;
}

/*
 * The state is read and written through a mapping made now, while the
 * process may still use bpf(2): after the privilege drop, kernels before
 * 6.5 refuse every bpf(2) command to a process without CAP_BPF, and the
 * save at SIGTERM comes after it.
 */
int pin_map_state(struct pin_dir *pd)
{
	long page = sysconf(_SC_PAGESIZE);

	pd->state_len = (STATE_ENTRY * (1 + PIN_STATE_MAX) + (size_t)page - 1) &
			~((size_t)page - 1);
	pd->state = mmap(NULL, pd->state_len, PROT_READ | PROT_WRITE, MAP_SHARED, pd->state_fd, 0);
	if (pd->state == MAP_FAILED) {
		pd->state = NULL;
		return -errno;
	}
	return 0;
}

static void write_hdr(struct pin_dir *pd, const struct pin_state_hdr *hdr)
{
	memcpy(state_entry(pd, 0), hdr, sizeof(*hdr));
}

/* A map of the state's shape, created and pinned by the process that loads the set. */
int pin_create_state(struct pin_dir *pd)
{
	struct pin_state_hdr hdr = { .magic = STATE_MAGIC, .version = STATE_VERSION,
				     .incident_size = sizeof(struct oomreap_incident),
				     .mark = STATE_RUNNING, .pid = (uint32_t)getpid() };
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	char path[PIN_NAME_LEN + 64];
	int err;

	pd->state_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "oomreap_state", 4,
				      sizeof(struct oomreap_incident), 1 + PIN_STATE_MAX, &opts);
	if (pd->state_fd < 0)
		return -errno;
	err = pin_map_state(pd);
	if (!err)
		write_hdr(pd, &hdr);
	pin_at(pd, "state", path, sizeof(path));
	if (!err && bpf_obj_pin(pd->state_fd, path))
		err = -errno;
	return err;
}

/* A saved incident, before the tracker takes it: bounds a damaged state cannot break. */
static bool sane(struct oomreap_incident *inc)
{
	uint32_t i;

	if (!inc->in_use || inc->outcome != OUTCOME_OPEN || inc->timeline_len > TIMELINE_MAX ||
	    inc->nblockers > BLOCKER_SNAPSHOTS)
		return false;
	for (i = 0; i < inc->nblockers; i++)
		if (inc->blockers[i].ntasks > 1 + OOMREAP_MAX_WAITERS)
			return false;
	inc->comm[sizeof(inc->comm) - 1] = 0;
	inc->trigger_comm[sizeof(inc->trigger_comm) - 1] = 0;
	inc->cgroup_path[sizeof(inc->cgroup_path) - 1] = 0;
	inc->domain_cgroup_path[sizeof(inc->domain_cgroup_path) - 1] = 0;
	inc->oom_event.group_cgroup[sizeof(inc->oom_event.group_cgroup) - 1] = 0;
	return true;
}

bool pin__restore(struct pin_dir *pd, struct tracker *t)
{
	bool unsaved = false;
	struct oomreap_incident *e = calloc(1, sizeof(*e));
	struct pin_state_hdr hdr;
	uint32_t i, restored = 0, refused = 0;

	if (!e || !pd->state || !pd->adopted)
		goto out;
	memcpy(&hdr, state_entry(pd, 0), sizeof(hdr));
	if (memcmp(hdr.magic, STATE_MAGIC, sizeof(STATE_MAGIC)) || hdr.version != STATE_VERSION ||
	    hdr.incident_size != sizeof(*e)) {
		p_err("%s: the saved state is not this build's: incidents in flight, if any, "
		      "continue joined halfway", pd->path);
		memset(&hdr, 0, sizeof(hdr));
	} else if (hdr.mark == STATE_SAVED) {
		pd->adopted->dropped_base = hdr.dropped_seen;
		hdr.missed_seen.n = hdr.missed_seen.n > MISSED_MAX_PROGRAMS ? MISSED_MAX_PROGRAMS
									  : hdr.missed_seen.n;
		pd->adopted->missed_base = hdr.missed_seen;
		tracker__carry_set(t, &hdr.carry);
		for (i = 1; i <= hdr.count && i <= PIN_STATE_MAX; i++) {
			memcpy(e, state_entry(pd, i), sizeof(*e));
			if (!sane(e) || tracker__take_over(t, e))
				refused++;
			else
				restored++;
		}
		p_note("adopted the pinned set in %s: %u incident%s in flight restored%s", pd->path,
		       restored, restored == 1 ? "" : "s",
		       hdr.not_saved ? ", more closed as open by the previous process" : "");
		/* counted again as the reader first notes its losses: said here for the gap */
		if (pin__adopted_dropped(pd->adopted))
			p_err("%llu events lost while no process read them (ring buffer full)",
			      (unsigned long long)pin__adopted_dropped(pd->adopted));
		if (refused)
			p_err("%u saved incident%s could not be restored (damaged state)", refused,
			      refused == 1 ? "" : "s");
		if (hdr.not_saved)
			p_err("%u incident%s in flight were not saved (more than %u open): shown "
			      "open by the previous process, their rest joined halfway here",
			      hdr.not_saved, hdr.not_saved == 1 ? "" : "s", PIN_STATE_MAX);
	} else {
		/*
		 * The previous process died without saving (SIGKILL, a crash):
		 * what it had read of its open incidents is gone; their later
		 * events, queued here, open them again joined halfway, and the
		 * kernel log names them.  The BPF side's loss counters since
		 * the programs were loaded are all counted here: some may have
		 * been counted by that process too.
		 */
		p_note("adopted the pinned set in %s", pd->path);
		if (hdr.mark == STATE_RUNNING) {
			p_err("the previous process (pid %u) stopped without saving: its incidents "
			      "in flight continue joined halfway from the kernel log",
			      hdr.pid);
			unsaved = true;
		}
	}
out:
	if (pd->state) {
		struct pin_state_hdr run = { .magic = STATE_MAGIC, .version = STATE_VERSION,
					     .incident_size = sizeof(struct oomreap_incident),
					     .mark = STATE_RUNNING, .pid = (uint32_t)getpid() };

		write_hdr(pd, &run);
	}
	free(e);
	return unsaved;
}

struct save_ctx {
	struct pin_dir *pd;
	uint32_t n;
};

static bool save_one(const struct oomreap_incident *inc, void *arg)
{
	struct save_ctx *c = arg;

	if (c->n >= PIN_STATE_MAX)
		return false;
	memcpy(state_entry(c->pd, c->n + 1), inc, sizeof(*inc));
	c->n++;
	return true;
}

void pin__save(struct pin_dir *pd, struct tracker *t)
{
	const struct tracker_stats *st = tracker__stats(t);
	struct pin_state_hdr hdr = { .magic = STATE_MAGIC, .version = STATE_VERSION,
				     .incident_size = sizeof(struct oomreap_incident),
				     .mark = STATE_SAVED, .pid = (uint32_t)getpid() };
	struct save_ctx c = { .pd = pd };
	uint32_t left;

	if (!pd->state)
		return;
	tracker__carry_get(t, &hdr.carry);
	tracker__hand_over(t, save_one, &c);
	left = tracker__open_count(t);
	hdr.count = c.n;
	hdr.not_saved = left;
	hdr.saved_ns = timefmt__mono_now();
	/* raw kernel totals: what the next process subtracts (the base plus what we saw) */
	hdr.dropped_seen = st->lost_events + (pd->adopted ? pd->adopted->dropped_base : 0);
	hdr.missed_seen = st->missed;
	if (pd->adopted)
		for (uint32_t i = 0; i < hdr.missed_seen.n && i < MISSED_MAX_PROGRAMS; i++)
			hdr.missed_seen.p[i].runs +=
				pin_missed_base(pd->adopted, hdr.missed_seen.p[i].name);
	/* the header last: a process killed before this line saved nothing */
	write_hdr(pd, &hdr);
	p_note("%u incident%s in flight saved in %s for the next start%s", c.n,
	       c.n == 1 ? "" : "s", pd->path, left ? "; the rest close as open" : "");
}
