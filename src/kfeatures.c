// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kfeatures.h"

/* Number of parameters of a tracepoint's btf_trace_<name> prototype, or -1. */
static int tp_nr_params(const struct btf *btf, const char *tp)
{
	char name[128];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	t = btf__type_by_id(btf, t->type); /* pointer */
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t) - 1; /* the first parameter is the tracepoint's void *data */
}

static bool has_func(const struct btf *btf, const char *fn)
{
	return btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC) > 0;
}

static const struct btf_member *find_member(const struct btf *btf, const char *type,
					    const char *member)
{
	const struct btf_member *m;
	const struct btf_type *t;
	int id, i;

	id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	if (id < 0)
		return NULL;
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), member))
			return m;
	return NULL;
}

int features__from_btf(struct kernel_features *kf, const struct btf *btf)
{
	const struct btf_member *m;
	const struct btf_type *t;
	int n;

	kf->have_btf = true;
	n = tp_nr_params(btf, "mark_victim");
	kf->tp_mark_victim = n >= 1;
	kf->mark_victim_has_task = n >= 2;
	kf->tp_reaper = tp_nr_params(btf, "wake_reaper") == 1 &&
			tp_nr_params(btf, "start_task_reaping") == 1 &&
			tp_nr_params(btf, "finish_task_reaping") == 1 &&
			tp_nr_params(btf, "skip_task_reaping") == 1;
	n = tp_nr_params(btf, "sched_process_exit");
	kf->tp_sched_process_exit = n >= 1;
	kf->exit_tp_has_group_dead = n >= 2;

	kf->fn_mark_oom_victim = has_func(btf, "mark_oom_victim");
	kf->mark_oom_victim_btf_id = btf__find_by_name_kind(btf, "mark_oom_victim", BTF_KIND_FUNC);
	kf->fn_oom_kill_process = has_func(btf, "oom_kill_process");
	kf->fn_queue_oom_reaper = has_func(btf, "queue_oom_reaper");
	kf->fn_wake_oom_reaper = has_func(btf, "wake_oom_reaper");
	kf->fn_oom_reap_task_mm = has_func(btf, "__oom_reap_task_mm");
	kf->kfunc_task_from_pid = has_func(btf, "bpf_task_from_pid");

	kf->reaper_timer = find_member(btf, "task_struct", "oom_reaper_timer") != NULL;
	m = find_member(btf, "mm_struct", "rss_stat");
	if (!m) {
		/* mm_struct fields may sit in an anonymous struct: look one level down */
		kf->rss_percpu = btf__find_by_name_kind(btf, "mm_rss_stat", BTF_KIND_STRUCT) < 0;
	} else {
		t = btf__type_by_id(btf, m->type);
		kf->rss_percpu = t && btf_is_array(t);
	}
	kf->mm_flags_bitmap = btf__find_by_name_kind(btf, "mm_flags_t", BTF_KIND_TYPEDEF) > 0;
	return 0;
}

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/*
 * The running kernel's BTF, read the cheap way where the kernel allows it
 * (6.16+ maps /sys/kernel/btf/vmlinux): libbpf's own loader reads the
 * 5 MB a page per read() and copies it once more, which made this feature
 * probe a fifth of the tool's start-up.  Elsewhere, libbpf's loader.
 */
static struct btf *load_vmlinux_btf(void)
{
	struct btf *btf = NULL;
	struct stat st;
	void *data;
	int fd;

	fd = open(VMLINUX_BTF, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
		data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (data != MAP_FAILED) {
			btf = btf__new(data, st.st_size);
			munmap(data, st.st_size);
		}
	}
	if (fd >= 0)
		close(fd);
	if (!btf || libbpf_get_error(btf))
		btf = btf__load_vmlinux_btf();
	return btf;
}

struct btf *features__load_btf(const char *btf_path)
{
	return btf_path ? btf__parse(btf_path, NULL) : load_vmlinux_btf();
}

int features__probe(struct kernel_features *kf, const struct btf *btf)
{
	struct utsname u;

	memset(kf, 0, sizeof(*kf));
	if (uname(&u) == 0)
		snprintf(kf->release, sizeof(kf->release), "%s", u.release);
	return features__from_btf(kf, btf);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

void features__print(FILE *f, const struct kernel_features *kf)
{
	fprintf(f, "kernel release:            %s\n", kf->release);
	fprintf(f, "BTF:                       %s\n", yes_no(kf->have_btf));
	fprintf(f, "tracepoint oom:mark_victim: %s (%s)\n", yes_no(kf->tp_mark_victim),
		kf->mark_victim_has_task ? "task, uid: 6.9+ or backport" : "int pid");
	fprintf(f, "reaper tracepoints:        %s\n", yes_no(kf->tp_reaper));
	fprintf(f, "sched_process_exit:        %s%s\n", yes_no(kf->tp_sched_process_exit),
		kf->exit_tp_has_group_dead ? " (with group_dead)" : "");
	fprintf(f, "reaper delay timer:        %s\n",
		kf->reaper_timer ? "yes (2 s OOM_REAPER_DELAY, 5.18+)" : "no (reaper woken at once)");
	fprintf(f, "rss_stat:                  %s\n",
		kf->rss_percpu ? "percpu_counter[] (6.2+, approximate)" : "atomic_long_t[]");
	fprintf(f, "mm->flags:                 %s\n", kf->mm_flags_bitmap ? "mm_flags_t bitmap" : "unsigned long");
	fprintf(f, "functions in BTF:          mark_oom_victim=%s oom_kill_process=%s "
		   "queue_oom_reaper=%s wake_oom_reaper=%s __oom_reap_task_mm=%s\n",
		yes_no(kf->fn_mark_oom_victim), yes_no(kf->fn_oom_kill_process), yes_no(kf->fn_queue_oom_reaper),
		yes_no(kf->fn_wake_oom_reaper), yes_no(kf->fn_oom_reap_task_mm));
}
