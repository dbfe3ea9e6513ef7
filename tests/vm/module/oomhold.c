// SPDX-License-Identifier: GPL-2.0
/*
 * oomhold: TEST-ONLY module for the qemu kernel matrix (tests/vm/).  Never
 * load it on a machine you care about.
 *
 *   insmod oomhold.ko pid=P hold_ms=H [linger_ms=L] [timeout_ms=T]
 *
 * At load it takes a reference on process P's mm (mmget) and puts a kprobe
 * on mark_oom_victim().  When the OOM killer marks P, the kprobe handler
 * (in the OOM killer's context, before the SIGKILL can be acted on) takes
 * P's mmap_lock for write with a trylock: P sleeps in pause(), so the
 * trylock succeeds and P's own exit then waits behind it (as a real
 * writer queued behind a stuck reader would make it, docs/LAB.md recipe C).
 * Should the trylock fail, a kthread polling signal->oom_mm takes the lock
 * the sleeping way.  The kthread releases the lock H ms after the kill (a
 * rwsem released by another task than the one that took it: fine without
 * CONFIG_DEBUG_RWSEMS/lockdep, which Debian's kernels do not enable).
 * Every mmap_read_trylock() of the oom_reaper fails meanwhile
 * (oom:skip_task_reaping).  After the release the mm reference is kept L
 * ms more, so the mm is still there when the reaper retries: some failures
 * then a reap (H of 2000..2900 ms), or 10 failures and "unable to reap"
 * (H >= 3200 ms).
 *
 * Log lines (grep "oomhold:"):
 *   oomhold: armed pid=P hold_ms=H linger_ms=L
 *   oomhold: victim pid=P marked after N ms, write lock taken by kprobe|kthread after M us
 *   oomhold: released pid=P after N ms
 *   oomhold: done pid=P
 *   oomhold: timeout pid=P (never became an OOM victim)
 */
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/oom.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "process whose mmap_lock to hold once it is an OOM victim");
static unsigned int hold_ms = 2500;
module_param(hold_ms, uint, 0444);
MODULE_PARM_DESC(hold_ms, "how long to hold the mmap_lock for write (ms)");
static unsigned int linger_ms = 1000;
module_param(linger_ms, uint, 0444);
MODULE_PARM_DESC(linger_ms, "how long to keep the mm referenced after the release (ms)");
static unsigned int timeout_ms = 60000;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "give up if the process is not an OOM victim by then (ms)");

static struct task_struct *victim;
static struct mm_struct *victim_mm;
static struct task_struct *worker;
static bool finished;

/* Set by the kprobe handler when it took the lock. */
static bool kp_locked;
static ktime_t kp_locked_at;
static struct kprobe kp;
static bool kp_registered;
static unsigned int kp_hits, kp_trylock_failed;

/*
 * Take sem for write on behalf of t, and make t its recorded owner, as if t
 * had taken it: the tracer's blocker attribution is checked to name the
 * task that really holds the lock (and its stack, in this module).
 *
 * Non-RT: down_write_trylock(), then t in the rwsem's owner word (a hint
 * the kernel only reads for optimistic spinning).
 *
 * PREEMPT_RT: the rwsem is an rwbase_rt whose writer owns its rtmutex, and
 * the owner cannot be moved once a waiter is queued (the waiter has boosted
 * the owner it found; moving the ownership would leave that boost behind).
 * The victim's own exit, woken by the SIGKILL sent just before
 * mark_oom_victim(), queues as a reader as soon as it can.  Taking the lock
 * with down_write_trylock() and moving the owner after it left a window
 * where that reader queued first: the owner then stayed the OOM killer's
 * task, which died in the next OOM while the lock was held, and the
 * reaper's later pictures read its freed task_struct as another process
 * (7.3.4-rt, C-mod-unable, 2026-12).  So here the trylock
 * (rwbase_write_trylock(): the rtmutex, then the readers' bias) is done in
 * one step under the rtmutex's wait_lock, with t as the owner from the
 * start: nothing can queue on the rtmutex while wait_lock is held, and the
 * fast paths' cmpxchg of the owner word fails once it is not NULL.  A
 * reader that comes meanwhile finds the readers' count non-negative and
 * takes the slow path, which starts at wait_lock.
 */
#ifdef CONFIG_PREEMPT_RT
static bool write_trylock_for(struct rw_semaphore *sem, struct task_struct *t)
{
	struct rwbase_rt *rwb = &sem->rwbase;
	struct rt_mutex_base *rtm = &rwb->rtmutex;
	struct task_struct *none = NULL;
	unsigned long flags;
	bool ok = false;

	raw_spin_lock_irqsave(&rtm->wait_lock, flags);
	if (try_cmpxchg_acquire(&rtm->owner, &none, t)) {
		atomic_sub(READER_BIAS, &rwb->readers);
		if (!atomic_read_acquire(&rwb->readers)) {
			atomic_set(&rwb->readers, WRITER_BIAS);
			ok = true;
		} else {
			/* readers inside: undo, as __rwbase_write_unlock(rwb, 0) */
			atomic_add(READER_BIAS, &rwb->readers);
			smp_store_release(&rtm->owner, NULL);
		}
	}
	raw_spin_unlock_irqrestore(&rtm->wait_lock, flags);
	return ok;
}
#else
static bool write_trylock_for(struct rw_semaphore *sem, struct task_struct *t)
{
	if (!down_write_trylock(sem))
		return false;
	atomic_long_set(&sem->owner, (long)t);
	return true;
}
#endif

/* mark_oom_victim(struct task_struct *tsk): x86-64, first argument in %rdi. */
static int mark_oom_victim_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct task_struct *tsk = (struct task_struct *)regs->di;

	kp_hits++;
	if (tsk != victim || READ_ONCE(kp_locked) || !victim_mm)
		return 0;
	/* the rwsem itself (mmap_write_trylock() is gone in 6.12), held on
	 * behalf of our kthread, which releases it */
	if (write_trylock_for(&victim_mm->mmap_lock, worker)) {
		kp_locked_at = ktime_get();
		smp_store_release(&kp_locked, true);
		wake_up_process(worker);
	} else {
		kp_trylock_failed++;
	}
	return 0;
}

/* Sleep until `until` (jiffies-free, ktime based) unless asked to stop. */
static void sleep_until(ktime_t until)
{
	while (!kthread_should_stop()) {
		s64 left_us = ktime_us_delta(until, ktime_get());

		if (left_us <= 0)
			return;
		if (left_us > 20000)
			msleep(10);
		else
			usleep_range(left_us, left_us + 100);
	}
}

static int oomhold_thread(void *unused)
{
	ktime_t start = ktime_get(), seen, locked, released;
	bool got = false, by_kprobe = false;

	while (!kthread_should_stop()) {
		if (smp_load_acquire(&kp_locked)) {
			got = by_kprobe = true;
			break;
		}
		if (READ_ONCE(victim->signal->oom_mm)) {
			/* marked, but the kprobe did not get the lock (yet?) */
			usleep_range(1000, 1200);
			got = true;
			by_kprobe = smp_load_acquire(&kp_locked);
			break;
		}
		if (ktime_ms_delta(ktime_get(), start) > timeout_ms)
			break;
		usleep_range(1000, 2000);
	}
	if (!got) {
		pr_info("oomhold: timeout pid=%d (never became an OOM victim)\n", pid);
		goto out;
	}
	if (by_kprobe) {
		seen = locked = kp_locked_at;
	} else {
		seen = ktime_get();
		mmap_write_lock(victim_mm);
		locked = ktime_get();
	}
	pr_info("oomhold: victim pid=%d marked after %lld ms, write lock taken by %s after %lld us"
		" (kprobe hits %u, trylock failures %u)\n",
		pid, ktime_ms_delta(seen, start), by_kprobe ? "kprobe" : "kthread",
		ktime_us_delta(locked, seen), kp_hits, kp_trylock_failed);
	sleep_until(ktime_add_ms(seen, hold_ms));
	mmap_write_unlock(victim_mm);
	released = ktime_get();
	pr_info("oomhold: released pid=%d after %lld ms\n", pid, ktime_ms_delta(released, seen));
	sleep_until(ktime_add_ms(released, linger_ms));
out:
	if (kp_registered) {
		unregister_kprobe(&kp);
		kp_registered = false;
	}
	/* The last reference may be ours: exit_mmap() then runs here. */
	mmput(victim_mm);
	victim_mm = NULL;
	pr_info("oomhold: done pid=%d\n", pid);
	WRITE_ONCE(finished, true);
	/* Stay until rmmod: kthread_stop() needs us alive. */
	while (!kthread_should_stop())
		msleep(20);
	return 0;
}

static int __init oomhold_init(void)
{
	struct pid *p;

	if (pid <= 0)
		return -EINVAL;
	p = find_get_pid(pid);
	if (!p)
		return -ESRCH;
	victim = get_pid_task(p, PIDTYPE_PID);
	put_pid(p);
	if (!victim)
		return -ESRCH;
	victim_mm = get_task_mm(victim);
	if (!victim_mm) {
		put_task_struct(victim);
		return -EINVAL;
	}
	worker = kthread_run(oomhold_thread, NULL, "oomhold/%d", pid);
	if (IS_ERR(worker)) {
		mmput(victim_mm);
		put_task_struct(victim);
		return PTR_ERR(worker);
	}
	get_task_struct(worker);
	kp.symbol_name = "mark_oom_victim";
	kp.pre_handler = mark_oom_victim_pre;
	if (register_kprobe(&kp) == 0)
		kp_registered = true;
	else
		pr_info("oomhold: no kprobe on mark_oom_victim: the kthread will poll\n");
	pr_info("oomhold: armed pid=%d hold_ms=%u linger_ms=%u\n", pid, hold_ms, linger_ms);
	return 0;
}

static void __exit oomhold_exit(void)
{
	if (kp_registered)
		unregister_kprobe(&kp);
	kthread_stop(worker);
	put_task_struct(worker);
	if (victim_mm)	/* stopped early: still ours */
		mmput(victim_mm);
	put_task_struct(victim);
	if (!finished)
		pr_info("oomhold: stopped early pid=%d\n", pid);
}

module_init(oomhold_init);
module_exit(oomhold_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test only: hold an OOM victim's mmap_lock for write");
