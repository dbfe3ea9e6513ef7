/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The `replay` and `report` commands: a recording (record.h) through the
 * live tool's own tracker, into the live tool's sinks (replay) or into a
 * postmortem (report).  Neither needs BTF or privileges.
 */
#ifndef OOMREAP_REPLAY_CMD_H
#define OOMREAP_REPLAY_CMD_H

#include "options.h"

/* Return an EXIT_* status; bad files: one line saying what was read, exit 1. */
int cmd_replay(const struct env *env);
int cmd_report(const struct env *env);

#endif /* OOMREAP_REPLAY_CMD_H */
