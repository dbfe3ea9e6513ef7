// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hook_loader OBJECT PROGRAM...: loads only the named programs of the
 * tool's own BPF object, attaches them, says "ready" on stderr and waits
 * for SIGINT/SIGTERM.  For programs the tool attaches only on kernels
 * unlike this one (tp_signal_generate: only where oom:mark_victim is
 * pid-only), so that bench/run_bench.py can measure what they would add to
 * a hot path here, in the same run as the tool's own programs (bpf_stats).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *links[16];
	int nlinks = 0, i, sig, rc = 1;
	sigset_t set;

	if (argc < 3 || argc - 2 > (int)(sizeof(links) / sizeof(links[0]))) {
		fprintf(stderr, "usage: hook_loader OBJECT PROGRAM...\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "hook_loader: cannot open %s\n", argv[1]);
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, false);
	for (i = 2; i < argc; i++) {
		prog = bpf_object__find_program_by_name(obj, argv[i]);
		if (!prog) {
			fprintf(stderr, "hook_loader: no program %s in %s\n", argv[i], argv[1]);
			goto out;
		}
		bpf_program__set_autoload(prog, true);
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "hook_loader: load failed\n");
		goto out;
	}
	for (i = 2; i < argc; i++) {
		links[nlinks] = bpf_program__attach(bpf_object__find_program_by_name(obj, argv[i]));
		if (!links[nlinks]) {
			fprintf(stderr, "hook_loader: cannot attach %s\n", argv[i]);
			goto out;
		}
		nlinks++;
	}
	fprintf(stderr, "ready\n");
	sigwait(&set, &sig);
	rc = 0;
out:
	while (nlinks > 0)
		bpf_link__destroy(links[--nlinks]);
	bpf_object__close(obj);
	return rc;
}
