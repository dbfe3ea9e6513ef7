/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Why the kernel refused a program, in one line, from its load log: the
 * verifier's log as libbpf leaves it (libbpf rewrites a poisoned CO-RE
 * instruction into "failed to resolve CO-RE relocation ...").  Pure
 * string work, without libbpf, so that it is tested on logs as they come.
 */
#ifndef OOMREAP_LOADLOG_H
#define OOMREAP_LOADLOG_H

#include <stddef.h>

/*
 * The relevant line of log into buf: libbpf's CO-RE relocation failure
 * when there is one, else the verifier's last line before its statistics
 * ("processed N insns ...").  "" when the log says nothing.
 */
void loadlog__reason(const char *log, char *buf, size_t len);

#endif /* OOMREAP_LOADLOG_H */
