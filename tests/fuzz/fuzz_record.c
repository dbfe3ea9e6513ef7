// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness: an arbitrary file as a recording, through the whole
 * replay path (reader -> event__validate -> tracker) and on into both
 * report renderers, the way `oomreap-trace report` would take it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rec/kmsg.h"
#include "rec/record.h"
#include "report/model.h" /* the harness switches the format of one report */
#include "core/tracker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_opts ro = { .format = REPORT_MD, .detail_max = 4 };
	struct tracker_opts to = { .max_open = 8, .on_close = report__on_incident };
	struct report_source src = { .name = "fuzz" };
	struct rec_reader *r;
	struct rec_item it;
	struct tracker *t;
	struct report *rep;
	struct kmsg_log k;
	FILE *devnull;
	int ret;

	if (rec_reader__open_mem(&r, data, size))
		return 0;
	if (rec_reader__start(r)) {
		/* the message must be one line */
		if (strchr(rec_reader__error(r), '\n'))
			__builtin_trap();
		rec_reader__free(r);
		return 0;
	}
	rep = report__new(&ro, rec_reader__header(r));
	to.ctx = rep;
	t = rep ? tracker__new(&to) : NULL;
	kmsg_log__init(&k);
	while (t && (ret = rec_reader__next(r, &it)) > 0) {
		if (it.type == REC_ITEM_EVENT)
			tracker__feed_checked(t, it.data); /* as replay does: the reader checked it */
		else if (it.type == REC_ITEM_LOST)
			tracker__note_lost(t, it.lost.ringbuf_lost + it.lost.unrecorded, it.lost.mono_ns);
		else if (it.type == REC_ITEM_KMSG)
			kmsg_log__add_record(&k, it.data, it.len);
	}
	if (t)
		tracker__flush(t);
	kmsg_log__sort(&k);
	devnull = fopen("/dev/null", "w");
	if (devnull && rep) {
		src.hdr = rec_reader__header(r);
		src.problem = rec_reader__error(r)[0] ? rec_reader__error(r) : NULL;
		src.kmsg_name = "fuzz";
		report__write(rep, devnull, &src, &k);
		rep->opts.format = REPORT_HTML;
		report__write(rep, devnull, &src, &k);
	}
	if (devnull)
		fclose(devnull);
	kmsg_log__free(&k);
	tracker__free(t);
	report__free(rep);
	rec_reader__free(r);
	return 0;
}
