// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * event__validate() and the name tables (src/core/event.c).  Every buffer handed
 * to the validator is a heap copy of exactly the length claimed, so an
 * overread shows up under -fsanitize=address.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/event.h"
#include "wire.h"
#include "oomreap_abi.h"

/* One buffer big enough for any event, aligned like the ring buffer's. */
union any_event {
	struct oomreap_event_header hdr;
	struct oomreap_kill_event kill;
	struct oomreap_oom_context_event ctx;
	struct oomreap_reap_event reap;
	struct oomreap_exit_event exit;
	struct oomreap_blocker_event blk;
	struct oomreap_ukill_event ukill;
	unsigned char bytes[OOMREAP_EVENT_MAX_SIZE];
};

static const uint32_t all_types[] = {
	OOMREAP_EV_KILL,        OOMREAP_EV_OOM_CONTEXT, OOMREAP_EV_REAPER_QUEUE,
	OOMREAP_EV_REAPER_WAKE, OOMREAP_EV_REAP_START,  OOMREAP_EV_REAP_FINISH,
	OOMREAP_EV_REAP_SKIP,   OOMREAP_EV_REAP_RESULT, OOMREAP_EV_VICTIM_EXIT,
	OOMREAP_EV_BLOCKER,
};
#define NTYPES (sizeof(all_types) / sizeof(all_types[0]))

static size_t wire_size(uint32_t type)
{
	switch (type) {
	case OOMREAP_EV_KILL:
		return sizeof(struct oomreap_kill_event);
	case OOMREAP_EV_OOM_CONTEXT:
		return sizeof(struct oomreap_oom_context_event);
	case OOMREAP_EV_VICTIM_EXIT:
		return sizeof(struct oomreap_exit_event);
	case OOMREAP_EV_BLOCKER:
		return sizeof(struct oomreap_blocker_event);
	case OOMREAP_EV_UKILL:
		return sizeof(struct oomreap_ukill_event);
	default:
		return sizeof(struct oomreap_reap_event);
	}
}

/* A valid event of this type, strings filled like the BPF side does. */
static size_t make_valid(union any_event *e, uint32_t type)
{
	const uint64_t ts = 123456789;
	struct oomreap_blocked_task *bt;

	memset(e, 0, sizeof(*e));
	switch (type) {
	case OOMREAP_EV_KILL:
		e->kill = wire__kill(7, 4242, 4242, ts, "memhog", "/oomtest/a");
		strcpy(e->kill.trigger_comm, "memhog");
		break;
	case OOMREAP_EV_OOM_CONTEXT:
		e->ctx = wire__context(4242, ts, 4242, "memhog", "/oomtest");
		e->ctx.hdr.victim_seq = 7;
		break;
	case OOMREAP_EV_VICTIM_EXIT:
		e->exit = wire__exit(7, 4242, ts, 1, 1);
		break;
	case OOMREAP_EV_UKILL:
		e->ukill = wire__ukill(7, 4242, ts, 9, 312, 1000);
		break;
	case OOMREAP_EV_BLOCKER:
		/* a reader holds mmap_lock, a writer waits */
		e->blk = wire__blocker(7, 4242, ts, 0x102);
		bt = wire__blocked(&e->blk, 1234, OOMREAP_ROLE_OWNER_READER, "holdlock", 3);
		bt->stack[0] = 0xffffffffc0001010ull;
		bt->stack[1] = 0xffffffff81000100ull;
		bt->stack[2] = 0xffffffff81000200ull;
		/* -EFAULT: no stack */
		wire__blocked(&e->blk, 1240, OOMREAP_ROLE_WAITER_WRITE, "mmapper", -14);
		break;
	default:
		e->reap = wire__reap(type, 7, 4242, ts);
		break;
	}
	assert_int_equal(e->hdr.size, wire_size(type));
	return e->hdr.size;
}

/* Validate a heap copy of exactly len bytes (ASan catches overreads). */
static int validate_copy(const void *src, size_t len)
{
	void *p = malloc(len ? len : 1);
	int ret;

	assert_non_null(p);
	if (len)
		memcpy(p, src, len);
	ret = event__validate(p, len);
	free(p);
	return ret;
}

static void test_abi_sizes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct oomreap_event_header), 40);
	/* ABI 2: kill, reap and exit events end with rss_sum[4] */
	assert_int_equal(event__type_size(OOMREAP_EV_KILL), 456);
	assert_int_equal(event__type_size(OOMREAP_EV_OOM_CONTEXT), 352);
	assert_int_equal(event__type_size(OOMREAP_EV_REAP_SKIP), 136);
	assert_int_equal(event__type_size(OOMREAP_EV_VICTIM_EXIT), 136);
	assert_int_equal(offsetof(struct oomreap_kill_event, rss_sum), OOMREAP_ABI_V1_KILL_SIZE);
	assert_int_equal(offsetof(struct oomreap_reap_event, rss_sum), OOMREAP_ABI_V1_REAP_SIZE);
	assert_int_equal(offsetof(struct oomreap_exit_event, rss_sum), OOMREAP_ABI_V1_EXIT_SIZE);
	assert_int_equal(sizeof(struct oomreap_blocked_task), 192);
	assert_int_equal(event__type_size(OOMREAP_EV_BLOCKER), 1016);
	assert_int_equal(event__type_size(0), 0);
	assert_int_equal(event__type_size(OOMREAP_EV_MAX + 1), 0);
	assert_int_equal(OOMREAP_EV_MAX, OOMREAP_EV_MRELEASE);
	/* the blocker event is now the largest */
	assert_int_equal(OOMREAP_EVENT_MAX_SIZE, 1016);
}

/*
 * A recording of ABI 1: its kill, reap and exit events are the prefixes
 * of today's, and grow to today's size with no sums; any other event, or
 * one whose size is not ABI 1's, is left for event__validate() to judge.
 */
static void test_from_v1(void **state)
{
	union any_event e;
	unsigned char junk[sizeof(e)];
	size_t i, size, v1;

	(void)state;
	for (i = 0; i < NTYPES; i++) {
		size = make_valid(&e, all_types[i]);
		switch (all_types[i]) {
		case OOMREAP_EV_KILL:
			v1 = OOMREAP_ABI_V1_KILL_SIZE;
			break;
		case OOMREAP_EV_VICTIM_EXIT:
			v1 = OOMREAP_ABI_V1_EXIT_SIZE;
			break;
		case OOMREAP_EV_OOM_CONTEXT:
		case OOMREAP_EV_BLOCKER:
			/* unchanged in ABI 2 */
			assert_int_equal(event__from_v1(&e, size, sizeof(e)), size);
			assert_int_equal(event__validate(&e, size), (int)all_types[i]);
			continue;
		default:
			v1 = OOMREAP_ABI_V1_REAP_SIZE;
		}
		/* as recorded: v1 bytes, size field v1, then whatever was in the buffer */
		e.hdr.size = (uint32_t)v1;
		memset(junk, 0xa5, sizeof(junk));
		memcpy((char *)&e + v1, junk, size - v1);
		assert_int_equal(event__validate(&e, v1), -EINVAL);
		assert_int_equal(event__from_v1(&e, v1, sizeof(e)), size);
		assert_int_equal(e.hdr.size, size);
		assert_int_equal(event__validate(&e, size), (int)all_types[i]);
		for (size_t j = v1; j < size; j++)
			assert_int_equal(((unsigned char *)&e)[j], 0);
		/* a length that is not v1's, or no room: untouched */
		e.hdr.size = (uint32_t)v1;
		assert_int_equal(event__from_v1(&e, v1 - 8, sizeof(e)), v1 - 8);
		assert_int_equal(event__from_v1(&e, v1, v1), v1);
		assert_int_equal(e.hdr.size, v1);
	}
	assert_int_equal(event__from_v1(NULL, 0, 0), 0);
}

/*
 * ABI 3's userspace kill event is a prefix of ABI 4's: it grows, the
 * cgroup.kill target unknown; at its ABI 4 size, or any other type, it is
 * left alone.
 */
static void test_from_v3(void **state)
{
	union any_event e;
	const size_t v3 = OOMREAP_ABI_V3_UKILL_SIZE;
	size_t size = make_valid(&e, OOMREAP_EV_UKILL), j;

	(void)state;
	assert_true(size > v3);
	e.hdr.size = (uint32_t)v3;
	memset((char *)&e + v3, 0xa5, size - v3);
	assert_int_equal(event__validate(&e, v3), -EINVAL);
	assert_int_equal(event__from_v3(&e, v3, sizeof(e)), size);
	assert_int_equal(event__validate(&e, size), OOMREAP_EV_UKILL);
	for (j = v3; j < size; j++)
		assert_int_equal(((unsigned char *)&e)[j], 0);
	assert_false(e.ukill.ukill_flags & OOMREAP_UKILL_TARGET);
	assert_int_equal(event__from_v3(&e, size, sizeof(e)), size);
	e.hdr.size = (uint32_t)v3;
	assert_int_equal(event__from_v3(&e, v3, v3), v3); /* no room */
	size = make_valid(&e, OOMREAP_EV_KILL);
	assert_int_equal(event__from_v3(&e, size, sizeof(e)), size);
	assert_int_equal(event__from_v3(NULL, 0, 0), 0);
}

static void test_accepts_every_valid_type(void **state)
{
	union any_event e;
	size_t i;
	uint16_t src;

	(void)state;
	for (i = 0; i < NTYPES; i++) {
		size_t size = make_valid(&e, all_types[i]);

		assert_int_equal(event__type_size(all_types[i]), size);
		for (src = OOMREAP_SRC_TRACEPOINT; src <= OOMREAP_SRC_KPROBE; src++) {
			e.hdr.source = src;
			assert_int_equal(validate_copy(&e, size), (int)all_types[i]);
		}
	}
}

static void test_rejects_short_buffers(void **state)
{
	union any_event e;

	(void)state;
	make_valid(&e, OOMREAP_EV_REAP_START);
	assert_int_equal(event__validate(NULL, 0), -EINVAL);
	assert_int_equal(event__validate(NULL, sizeof(e.reap)), -EINVAL);
	assert_int_equal(validate_copy(&e, 0), -EINVAL);
	assert_int_equal(validate_copy(&e, 1), -EINVAL);
	assert_int_equal(validate_copy(&e, sizeof(struct oomreap_event_header) - 1), -EINVAL);
	/* a whole header, but not the whole event */
	assert_int_equal(validate_copy(&e, sizeof(struct oomreap_event_header)), -EINVAL);
	assert_int_equal(validate_copy(&e, sizeof(e.reap) - 1), -EINVAL);
}

static void test_rejects_every_truncation(void **state)
{
	union any_event e;
	size_t i, len;

	(void)state;
	/* the kill event, byte by byte, then the same for every type */
	for (i = 0; i < NTYPES; i++) {
		size_t size = make_valid(&e, all_types[i]);

		for (len = 0; len < size; len++)
			assert_int_equal(validate_copy(&e, len), -EINVAL);
		assert_int_equal(validate_copy(&e, size), (int)all_types[i]);
	}
}

static void test_rejects_truncation_with_matching_size_field(void **state)
{
	union any_event e;
	size_t len;

	(void)state;
	/* a lying size field that agrees with the short length is still wrong */
	for (len = sizeof(struct oomreap_event_header); len < sizeof(e.kill); len++) {
		make_valid(&e, OOMREAP_EV_KILL);
		e.hdr.size = (uint32_t)len;
		assert_int_equal(validate_copy(&e, len), -EINVAL);
	}
}

static void test_rejects_wrong_size_for_type(void **state)
{
	union any_event e;
	size_t i, j;

	(void)state;
	/* each type carrying each other type's size, consistent with len */
	for (i = 0; i < NTYPES; i++) {
		for (j = 0; j < NTYPES; j++) {
			size_t other = wire_size(all_types[j]);

			if (other == wire_size(all_types[i]))
				continue;
			make_valid(&e, all_types[i]);
			e.hdr.size = (uint32_t)other;
			assert_int_equal(validate_copy(&e, other), -EINVAL);
		}
	}
	/* right size field, buffer longer than the event */
	make_valid(&e, OOMREAP_EV_REAP_SKIP);
	assert_int_equal(validate_copy(&e, sizeof(e.reap) + 8), -EINVAL);
	/* right buffer, size field off by one either way */
	make_valid(&e, OOMREAP_EV_VICTIM_EXIT);
	e.hdr.size = sizeof(e.exit) + 1;
	assert_int_equal(validate_copy(&e, sizeof(e.exit)), -EINVAL);
	e.hdr.size = sizeof(e.exit) - 1;
	assert_int_equal(validate_copy(&e, sizeof(e.exit)), -EINVAL);
	e.hdr.size = 0;
	assert_int_equal(validate_copy(&e, sizeof(e.exit)), -EINVAL);
}

static void test_rejects_unknown_type(void **state)
{
	static const uint32_t bad[] = { 0, OOMREAP_EV_MAX + 1, 99, 0x80000001u, UINT32_MAX };
	union any_event e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_valid(&e, OOMREAP_EV_REAPER_WAKE);
		e.hdr.type = bad[i];
		assert_int_equal(validate_copy(&e, sizeof(e.reap)), -EINVAL);
		/* also with a large buffer, in case size lookup ran first */
		e.hdr.size = sizeof(e);
		assert_int_equal(validate_copy(&e, sizeof(e)), -EINVAL);
		assert_string_equal(event__type_name(bad[i]), "unknown");
	}
}

static void test_rejects_unknown_source(void **state)
{
	static const uint16_t bad[] = { 0, OOMREAP_SRC_KPROBE + 1, 0x100, UINT16_MAX };
	union any_event e;
	size_t i, t;

	(void)state;
	for (t = 0; t < NTYPES; t++) {
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			size_t size = make_valid(&e, all_types[t]);

			e.hdr.source = bad[i];
			assert_int_equal(validate_copy(&e, size), -EINVAL);
		}
	}
}

static void test_kill_strings_must_be_terminated(void **state)
{
	union any_event e;

	(void)state;
	make_valid(&e, OOMREAP_EV_KILL);
	memset(e.kill.comm, 'A', sizeof(e.kill.comm));
	assert_int_equal(validate_copy(&e, sizeof(e.kill)), -EINVAL);

	make_valid(&e, OOMREAP_EV_KILL);
	memset(e.kill.trigger_comm, 'B', sizeof(e.kill.trigger_comm));
	assert_int_equal(validate_copy(&e, sizeof(e.kill)), -EINVAL);

	make_valid(&e, OOMREAP_EV_KILL);
	memset(e.kill.cgroup_path, '/', sizeof(e.kill.cgroup_path));
	assert_int_equal(validate_copy(&e, sizeof(e.kill)), -EINVAL);

	/* full-length strings whose NUL is the last byte are fine */
	make_valid(&e, OOMREAP_EV_KILL);
	memset(e.kill.comm, 'A', sizeof(e.kill.comm) - 1);
	e.kill.comm[sizeof(e.kill.comm) - 1] = 0;
	memset(e.kill.trigger_comm, 'B', sizeof(e.kill.trigger_comm) - 1);
	e.kill.trigger_comm[sizeof(e.kill.trigger_comm) - 1] = 0;
	memset(e.kill.cgroup_path, 'c', sizeof(e.kill.cgroup_path) - 1);
	e.kill.cgroup_path[sizeof(e.kill.cgroup_path) - 1] = 0;
	assert_int_equal(validate_copy(&e, sizeof(e.kill)), OOMREAP_EV_KILL);

	/* a pid-only kill: empty strings are valid */
	make_valid(&e, OOMREAP_EV_KILL);
	e.kill.kill_flags = 0;
	memset(e.kill.comm, 0, sizeof(e.kill.comm));
	memset(e.kill.cgroup_path, 0, sizeof(e.kill.cgroup_path));
	assert_int_equal(validate_copy(&e, sizeof(e.kill)), OOMREAP_EV_KILL);
}

static void test_context_strings_must_be_terminated(void **state)
{
	union any_event e;

	(void)state;
	make_valid(&e, OOMREAP_EV_OOM_CONTEXT);
	memset(e.ctx.trigger_comm, 'A', sizeof(e.ctx.trigger_comm));
	assert_int_equal(validate_copy(&e, sizeof(e.ctx)), -EINVAL);

	make_valid(&e, OOMREAP_EV_OOM_CONTEXT);
	memset(e.ctx.domain_cgroup_path, 'd', sizeof(e.ctx.domain_cgroup_path));
	assert_int_equal(validate_copy(&e, sizeof(e.ctx)), -EINVAL);
}

static void test_blocker_bounds(void **state)
{
	union any_event e;
	uint32_t n;

	(void)state;
	/* every task slot in use, each with a full stack, is fine */
	make_valid(&e, OOMREAP_EV_BLOCKER);
	e.blk.ntasks = 1 + OOMREAP_MAX_WAITERS;
	for (n = 0; n < e.blk.ntasks; n++) {
		strcpy(e.blk.tasks[n].comm, "t");
		e.blk.tasks[n].stack_len = OOMREAP_STACK_DEPTH;
	}
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), OOMREAP_EV_BLOCKER);
	/* no tasks at all (owner word empty, nobody waiting) is fine */
	make_valid(&e, OOMREAP_EV_BLOCKER);
	e.blk.ntasks = 0;
	e.blk.blk_flags = OOMREAP_BLK_NO_OWNER;
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), OOMREAP_EV_BLOCKER);

	/* more tasks than the array holds */
	make_valid(&e, OOMREAP_EV_BLOCKER);
	e.blk.ntasks = 2 + OOMREAP_MAX_WAITERS;
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), -EINVAL);
	e.blk.ntasks = 0x80000000u;
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), -EINVAL);
	e.blk.ntasks = UINT32_MAX;
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), -EINVAL);

	/* a stack longer than the array, in the owner or in a waiter */
	make_valid(&e, OOMREAP_EV_BLOCKER);
	e.blk.tasks[0].stack_len = OOMREAP_STACK_DEPTH + 1;
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), -EINVAL);
	make_valid(&e, OOMREAP_EV_BLOCKER);
	e.blk.tasks[1].stack_len = INT32_MAX;
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), -EINVAL);
	/* a negative stack_len is an errno, not a length */
	make_valid(&e, OOMREAP_EV_BLOCKER);
	e.blk.tasks[0].stack_len = INT32_MIN;
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), OOMREAP_EV_BLOCKER);

	/* slots past ntasks are not looked at (ring buffer space is not zeroed) */
	make_valid(&e, OOMREAP_EV_BLOCKER);
	memset(&e.blk.tasks[2], 0xa5, sizeof(e.blk.tasks) - 2 * sizeof(e.blk.tasks[0]));
	e.blk.tasks[4].stack_len = 1000;
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), OOMREAP_EV_BLOCKER);
	e.blk.ntasks = 3;
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), -EINVAL);
}

static void test_blocker_comm_must_be_terminated(void **state)
{
	union any_event e;

	(void)state;
	make_valid(&e, OOMREAP_EV_BLOCKER);
	memset(e.blk.tasks[0].comm, 'h', sizeof(e.blk.tasks[0].comm));
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), -EINVAL);

	make_valid(&e, OOMREAP_EV_BLOCKER);
	memset(e.blk.tasks[1].comm, 'w', sizeof(e.blk.tasks[1].comm));
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), -EINVAL);
	/* the same task beyond ntasks is not checked */
	e.blk.ntasks = 1;
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), OOMREAP_EV_BLOCKER);

	/* a 15-character comm with its NUL in the last byte is fine */
	make_valid(&e, OOMREAP_EV_BLOCKER);
	memset(e.blk.tasks[1].comm, 'w', sizeof(e.blk.tasks[1].comm) - 1);
	e.blk.tasks[1].comm[sizeof(e.blk.tasks[1].comm) - 1] = 0;
	assert_int_equal(validate_copy(&e, sizeof(e.blk)), OOMREAP_EV_BLOCKER);
}

static void test_random_bytes_never_crash(void **state)
{
	uint64_t x = 0x2545f4914f6cdd1dull;
	unsigned char buf[OOMREAP_EVENT_MAX_SIZE + 16] = { 0 };
	int round, accepted = 0;
	size_t i;

	(void)state;
	for (round = 0; round < 20000; round++) {
		union any_event e;
		size_t len;
		int ret;

		/* start from a valid event and corrupt a few bytes, or pure noise */
		size_t size = make_valid(&e, all_types[round % NTYPES]);

		memcpy(buf, &e, sizeof(e));
		for (i = 0; i < 4; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[x % size] = (unsigned char)(x >> 32);
		}
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		len = (x % 8 == 0) ? (size_t)(x >> 40) % sizeof(buf) : size;
		ret = validate_copy(buf, len);
		if (ret > 0) {
			struct oomreap_event_header h;

			memcpy(&h, buf, sizeof(h));
			/* whatever is accepted honours the contract */
			assert_int_equal(ret, (int)h.type);
			assert_int_equal(len, h.size);
			assert_int_equal(len, event__type_size(h.type));
			assert_in_range(h.source, OOMREAP_SRC_TRACEPOINT, OOMREAP_SRC_KPROBE);
			accepted++;
		} else {
			assert_int_equal(ret, -EINVAL);
		}
	}
	/* corrupting payload bytes only should often leave a valid event */
	assert_true(accepted > 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(event__type_name(OOMREAP_EV_KILL), "kill");
	assert_string_equal(event__type_name(OOMREAP_EV_OOM_CONTEXT), "oom");
	assert_string_equal(event__type_name(OOMREAP_EV_REAPER_QUEUE), "queue");
	assert_string_equal(event__type_name(OOMREAP_EV_REAPER_WAKE), "wake");
	assert_string_equal(event__type_name(OOMREAP_EV_REAP_START), "start");
	assert_string_equal(event__type_name(OOMREAP_EV_REAP_FINISH), "finish");
	assert_string_equal(event__type_name(OOMREAP_EV_REAP_SKIP), "skip");
	assert_string_equal(event__type_name(OOMREAP_EV_REAP_RESULT), "result");
	assert_string_equal(event__type_name(OOMREAP_EV_VICTIM_EXIT), "exit");
	assert_string_equal(event__type_name(OOMREAP_EV_BLOCKER), "blocker");
	assert_string_equal(event__type_name(OOMREAP_EV_MAX + 1), "unknown");
	assert_string_equal(event__type_name(0), "unknown");

	assert_string_equal(skip_reason__name(OOMREAP_SKIP_TRYLOCK_FAILED), "trylock_failed");
	assert_string_equal(skip_reason__name(OOMREAP_SKIP_MM_GONE), "mm_gone");
	assert_string_equal(skip_reason__name(OOMREAP_SKIP_UNKNOWN), "unknown");
	assert_string_equal(skip_reason__name(3), "unknown");

	assert_string_equal(source__name(OOMREAP_SRC_TRACEPOINT), "tracepoint");
	assert_string_equal(source__name(OOMREAP_SRC_FENTRY), "fentry");
	assert_string_equal(source__name(OOMREAP_SRC_KPROBE), "kprobe");
	assert_string_equal(source__name(0), "unknown");
	assert_string_equal(source__name(4), "unknown");

	assert_string_equal(constraint__name(0), "none");
	assert_string_equal(constraint__name(1), "cpuset");
	assert_string_equal(constraint__name(2), "memory_policy");
	assert_string_equal(constraint__name(3), "memcg");
	assert_string_equal(constraint__name(4), "unknown");
	assert_string_equal(constraint__name(OOMREAP_CONSTRAINT_UNKNOWN), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_sizes),
		cmocka_unit_test(test_from_v1),
		cmocka_unit_test(test_from_v3),
		cmocka_unit_test(test_accepts_every_valid_type),
		cmocka_unit_test(test_rejects_short_buffers),
		cmocka_unit_test(test_rejects_every_truncation),
		cmocka_unit_test(test_rejects_truncation_with_matching_size_field),
		cmocka_unit_test(test_rejects_wrong_size_for_type),
		cmocka_unit_test(test_rejects_unknown_type),
		cmocka_unit_test(test_rejects_unknown_source),
		cmocka_unit_test(test_kill_strings_must_be_terminated),
		cmocka_unit_test(test_context_strings_must_be_terminated),
		cmocka_unit_test(test_blocker_bounds),
		cmocka_unit_test(test_blocker_comm_must_be_terminated),
		cmocka_unit_test(test_random_bytes_never_crash),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
