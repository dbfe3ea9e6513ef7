/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The commands, one file each (cmd_<name>.c), dispatched from the table
 * in main.c.  Each returns an EXIT_* status (io/errors.h), having said
 * why when it is not EXIT_OK.  These files, main.c and options.c are the
 * only ones that may use every layer.
 */
#ifndef OOMREAP_COMMANDS_H
#define OOMREAP_COMMANDS_H

#include "options.h"

int do_trace(const struct env *env);   /* (none): trace live until stopped */
int do_probe(const struct env *env);   /* probe: the kernel's features and the attach plan */
int do_replay(const struct env *env);  /* replay FILE...: a recording through the sinks again */
int do_report(const struct env *env);  /* report FILE...: a postmortem in Markdown or HTML */

#endif /* OOMREAP_COMMANDS_H */
