// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `probe`: the kernel's features, then each rung tried for real, then the plan. */
#include <stdio.h>

#include "commands.h"
#include "io/errors.h"
#include "live/attach.h"
#include "live/corebtf.h"
#include "live/features.h"
#include "live/privdrop.h"

static int probe_rungs(const struct env *env, const struct kernel_features *kf,
		       const struct corebtf *core)
{
	struct attach_opts o;
	struct tracer tr;
	int r, status;

	status = privdrop__check();
	if (status)
		return status;
	printf("\n");
	for (r = RUNG_FENTRY; r < RUNG_NR; r++) {
		attach__opts(&o, r, !env->no_blockers, env->btf_path, core);
		if (attach__start(&tr, kf, &o) == 0) {
			printf("rung %-10s usable\n", rung__name(r));
			/*
			 * Each rung's program tags from its one load: the
			 * kernel matrix compares them with a load relocated
			 * against the whole BTF, one probe run for all rungs.
			 */
			if (env->verbose)
				attach__print_tags(stdout, &tr, rung__name(r));
			attach__stop(&tr);
		} else {
			printf("rung %-10s rejected: %s\n", rung__name(r), tr.plan.rejected[r]);
		}
	}
	printf("\nplan (--attach=%s):\n", rung__name(env->attach));
	attach__opts(&o, env->attach, !env->no_blockers, env->btf_path, core);
	if (attach__start(&tr, kf, &o)) {
		printf("no usable rung\n");
		return EXIT_UNSUPPORTED;
	}
	attach__print_plan(stdout, &tr.plan);
	if (env->verbose)
		attach__print_tags(stdout, &tr, NULL);
	attach__stop(&tr);
	return EXIT_OK;
}

int do_probe(const struct env *env)
{
	struct kernel_features kf;
	struct corebtf core;
	int status;

	status = features__load(&kf, &core, env->btf_path, stdout);
	if (!status)
		status = probe_rungs(env, &kf, &core);
	corebtf__close(&core);
	return status;
}
