/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Decoder: validation and names of wire events (include/oomreap_abi.h). */
#ifndef OOMREAP_EVENT_H
#define OOMREAP_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oomreap_abi.h"

/*
 * Check one raw event: known type, exact size for that type, known source,
 * NUL-terminated strings.  Returns the type (> 0) or -EINVAL.
 */
int event__validate(const void *buf, size_t len);
/*
 * An event of wire ABI version 1 (a recording made before version 2), in
 * buf of cap bytes: a kill, reap or exit event of its version 1 size grows
 * to the current one, the fields version 2 appended zero (so
 * OOMREAP_SNAP_RSS_SUM is clear: no sums).  Returns the event's length now
 * (len itself for anything else: event__validate() judges it).
 */
size_t event__from_v1(void *buf, size_t len, size_t cap);
/*
 * The same for a userspace kill or process_mrelease event of versions 1
 * to 3 (576 and 192 bytes): version 4 appended the cgroup.kill target and
 * the call's lock and unmap stamps, read as unknown.
 */
size_t event__from_v3(void *buf, size_t len, size_t cap);
const char *event__type_name(uint32_t type);
size_t event__type_size(uint32_t type);
const char *skip_reason__name(uint32_t reason);
const char *source__name(uint32_t source);
const char *constraint__name(uint32_t constraint);
/* How a userspace killer sent its signal (OOMREAP_METHOD_*): "kill", "cgroup.kill", ... */
const char *method__name(uint32_t method);
/* How a userspace killer was recognised (OOMREAP_KILLER_BY_*): "exe", "cgroup" */
const char *killer_by_name(uint32_t by);

#endif /* OOMREAP_EVENT_H */
