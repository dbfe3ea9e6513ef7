// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --pin (pin.h): adopting a pinned set.  Its links, programs, ring buffer
 * and .bss taken over without a load; the drop and skip counters as they
 * stood, so that only what is lost from now on is counted as ours.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/missed.h"
#include "live/pin.h"
#include "live/pin_impl.h"
#include "oomreap.skel.h"

/* The BPF side's kill sequence: the CPU in the low bits, its count above. */
#define KILL_SEQ_CPU_BITS 12

bool pin__stamped_before(const struct pin_dir *pd, uint64_t seq)
{
	const struct pin_adopted *a = pd->adopted;
	uint64_t cpu = seq & ((1u << KILL_SEQ_CPU_BITS) - 1);

	/* its count is within what that CPU had counted then */
	return a && seq && cpu < (uint64_t)a->ncpus &&
	       (seq >> KILL_SEQ_CPU_BITS) <= a->kills_at_adopt[cpu];
}

/* Each CPU's kill count now, from the pinned kill_count map; 0 or -errno. */
static int read_kill_counts(struct pin_adopted *a, const struct pin_dir *pd)
{
	int fd = pin_obj_get(pd, "map_kill_count"), n = libbpf_num_possible_cpus(), err = 0;

	if (fd < 0)
		return -errno;
	if (n <= 0) {
		close(fd);
		return n ? n : -EINVAL;
	}
	a->kills_at_adopt = calloc((size_t)n, sizeof(uint64_t));
	if (!a->kills_at_adopt)
		err = -ENOMEM;
	else if (bpf_map_lookup_elem(fd, &(__u32){ 0 }, a->kills_at_adopt))
		err = -errno;
	else
		a->ncpus = n;
	close(fd);
	return err;
}

static int adopt_link(struct pin_adopted *a, const struct pin_dir *pd, const char *prog)
{
	struct bpf_link_info li;
	struct bpf_prog_info pi;
	char name[PIN_NAME_LEN + 8];
	__u32 len = sizeof(li);
	int n = a->nprogs;

	pin_name(name, sizeof(name), "link_", prog);
	a->link_fds[n] = pin_obj_get(pd, name);
	if (a->link_fds[n] < 0)
		return -errno;
	memset(&li, 0, sizeof(li));
	if (bpf_obj_get_info_by_fd(a->link_fds[n], &li, &len))
		return -errno;
	pin_name(name, sizeof(name), "prog_", prog);
	a->prog_fds[n] = pin_obj_get(pd, name);
	if (a->prog_fds[n] < 0)
		return -errno;
	memset(&pi, 0, sizeof(pi));
	len = sizeof(pi);
	if (bpf_obj_get_info_by_fd(a->prog_fds[n], &pi, &len))
		return -errno;
	/* the program the link runs, not another of the same name */
	if (pi.id != li.prog_id)
		return -ESTALE;
	a->prog_types[n] = pi.type;
	snprintf(a->names[n], sizeof(a->names[n]), "%s", prog);
	a->nprogs++;
	return 0;
}

int pin__adopt(struct pin_dir *pd, struct tracer *tr, char *why, size_t whylen)
{
	struct pin_adopted *a = calloc(1, sizeof(*a));
	struct bpf_map_info info;
	struct pin_identity id;
	char idwhy[96];
	const char *what = "identity";
	uint32_t i;
	int err;

	memset(tr, 0, sizeof(*tr));
	if (!a)
		return -ENOMEM;
	a->events_fd = a->bss_fd = -1;
	for (i = 0; i <= PLAN_MAX_HOOKS; i++)
		a->link_fds[i] = a->prog_fds[i] = -1;
	err = pin_read_identity(pd, &id, idwhy, sizeof(idwhy));
	if (!err) {
		what = "map_events";
		a->events_fd = pin_obj_get(pd, "map_events");
		err = a->events_fd < 0 ? -errno : pin_map_info(a->events_fd, &info);
		if (!err && info.type != BPF_MAP_TYPE_RINGBUF)
			err = -EINVAL;
		a->ring_bytes = info.max_entries;
	}
	if (!err) {
		what = "map_bss";
		a->bss_fd = pin_obj_get(pd, "map_bss");
		err = a->bss_fd < 0 ? -errno : pin_map_info(a->bss_fd, &info);
		if (!err && (info.value_size < sizeof(*a->bss) || !(info.map_flags & BPF_F_MMAPABLE)))
			err = -EINVAL;
	}
	if (!err) {
		long page = sysconf(_SC_PAGESIZE);

		a->bss_len = ((size_t)info.value_size + (size_t)page - 1) & ~((size_t)page - 1);
		a->bss = mmap(NULL, a->bss_len, PROT_READ | PROT_WRITE, MAP_SHARED, a->bss_fd, 0);
		if (a->bss == MAP_FAILED) {
			a->bss = NULL;
			err = -errno;
		}
	}
	if (!err) {
		what = "state";
		pd->state_fd = pin_obj_get(pd, "state");
		err = pd->state_fd < 0 ? -errno : pin_map_info(pd->state_fd, &info);
		if (!err && (info.type != BPF_MAP_TYPE_ARRAY ||
			     info.value_size != sizeof(struct oomreap_incident) ||
			     info.max_entries != 1 + PIN_STATE_MAX ||
			     !(info.map_flags & BPF_F_MMAPABLE)))
			err = -EINVAL;
		if (!err)
			err = pin_map_state(pd);
	}
	if (!err) {
		what = "map_kill_count";
		err = read_kill_counts(a, pd);
	}
	for (i = 0; !err && i < id.nlinks && i <= PLAN_MAX_HOOKS; i++) {
		id.links[i].program[PIN_NAME_LEN - 1] = 0;
		id.links[i].hook[PLAN_HOOK_LEN - 1] = 0;
		what = id.links[i].program;
		err = adopt_link(a, pd, id.links[i].program);
	}
	if (err) {
		snprintf(why, whylen, "%s: cannot adopt %s: %s", pd->path, what, strerror(-err));
		pin__adopted_free(a);
		return err;
	}
	/* the plan, as the process that attached said it */
	tr->plan.rung = (enum rung)id.rung;
	for (i = 0; i < id.nlinks && i <= PLAN_MAX_HOOKS; i++) {
		if (!id.links[i].hook[0] || tr->plan.nhooks >= PLAN_MAX_HOOKS)
			continue; /* blocker attribution: said by plan.blockers */
		tr->plan.hooks[tr->plan.nhooks].program = a->names[i];
		memcpy(tr->plan.hooks[tr->plan.nhooks].hook, id.links[i].hook, PLAN_HOOK_LEN);
		tr->plan.nhooks++;
	}
	tr->plan.blockers = id.blockers_on;
	id.blockers_why[sizeof(id.blockers_why) - 1] = 0;
	snprintf(tr->plan.blockers_why, sizeof(tr->plan.blockers_why), "%s", id.blockers_why);
	tr->adopted = a;
	pd->adopted = a;
	return 0;
}

uint64_t pin__adopted_dropped(const struct pin_adopted *a)
{
	uint64_t n = a->bss->dropped_events + a->bss->blocker_dropped;

	return n > a->dropped_base ? n - a->dropped_base : 0;
}

uint64_t pin_missed_base(const struct pin_adopted *a, const char *name)
{
	uint32_t i;

	for (i = 0; i < a->missed_base.n && i < MISSED_MAX_PROGRAMS; i++)
		if (!strncmp(a->missed_base.p[i].name, name, MISSED_NAME_LEN))
			return a->missed_base.p[i].runs;
	return 0;
}

/* The kernel's struct bpf_link_info for a perf-event kprobe, up to missed (6.7 uapi). */
struct pin_link_kprobe {
	__u32 type, id, prog_id, pad, perf_event_type, pad2;
	__u64 func_name;
	__u32 name_len, offset;
	__u64 addr, missed;
};

void pin__adopted_missed(const struct pin_adopted *a, bool kprobe_counted, struct runs_missed *out)
{
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < a->nprogs; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		uint64_t runs, base;
		bool known;

		memset(&info, 0, sizeof(info));
		known = !bpf_obj_get_info_by_fd(a->prog_fds[i], &info, &len) &&
			len >= offsetof(struct bpf_prog_info, recursion_misses) +
				       sizeof(info.recursion_misses);
		runs = known ? info.recursion_misses : 0;
		if (known && a->prog_types[i] == BPF_PROG_TYPE_KPROBE) {
			known = kprobe_counted;
			struct pin_link_kprobe li;

			len = sizeof(li);
			memset(&li, 0, sizeof(li));
			if (!bpf_obj_get_info_by_fd(a->link_fds[i], &li, &len) && li.type == 7 &&
			    (li.perf_event_type == 3 || li.perf_event_type == 4))
				runs += li.missed;
		}
		base = pin_missed_base(a, a->names[i]);
		missed__set(out, a->names[i], runs > base ? runs - base : 0, known);
	}
}

uint32_t pin__adopted_ring_bytes(const struct pin_adopted *a)
{
	return a->ring_bytes;
}

struct oomreap_killer_cgroups *pin__adopted_killer_cgroups(struct pin_adopted *a)
{
	return a->bss ? &a->bss->killer_cgroups : NULL;
}

int pin__adopted_events_fd(const struct pin_adopted *a)
{
	return a->events_fd;
}

void pin__adopted_set_rss_sum_table(struct pin_adopted *a, uint64_t addr)
{
	a->bss->per_cpu_offset_addr = addr;
}

void pin__adopted_print_tags(FILE *f, const struct pin_adopted *a)
{
	int i, j;

	for (i = 0; i < a->nprogs; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(a->prog_fds[i], &info, &len))
			continue;
		fprintf(f, "program tag:               %s ", a->names[i]);
		for (j = 0; j < BPF_TAG_SIZE; j++)
			fprintf(f, "%02x", info.tag[j]);
		fprintf(f, "\n");
	}
}

/* Closing the fds detaches nothing: the pins hold the links. */
void pin__adopted_free(struct pin_adopted *a)
{
	int i;

	if (!a)
		return;
	if (a->bss)
		munmap(a->bss, a->bss_len);
	free(a->kills_at_adopt);
	for (i = 0; i <= PLAN_MAX_HOOKS; i++) {
		if (a->link_fds[i] >= 0)
			close(a->link_fds[i]);
		if (a->prog_fds[i] >= 0)
			close(a->prog_fds[i]);
	}
	if (a->events_fd >= 0)
		close(a->events_fd);
	if (a->bss_fd >= 0)
		close(a->bss_fd);
	free(a);
}
