// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `report FILE...`: a postmortem of a recording, in Markdown or HTML, on
 * stdout or replacing -o FILE atomically.  The recording goes through the
 * live tool's own pipeline (pipeline/session.h), the report's collector
 * its one sink.  Needs neither BTF nor privileges.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "core/oom_context.h"
#include "io/errors.h"
#include "pipeline/session.h"
#include "rec/kmsg.h"
#include "rec/replay.h"
#include "report/report.h"
#include "report/time.h"
#include "sinks/textfile.h"

/* A --kmsg file larger than this is not a kernel log of one incident window. */
#define KMSG_FILE_MAX (256u << 20)

static int load_kmsg_file(const char *path, struct kmsg_log *k)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	int fd, err = 0;

	/* O_NONBLOCK: a FIFO must not block open(2); only a regular file is read */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		p_err("cannot read kernel log %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > KMSG_FILE_MAX) {
		p_err("cannot read kernel log %s: %s", path,
		      S_ISDIR(sb.st_mode) ? "is a directory" : "not a regular file of at most 256 MiB");
		close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		p_err("out of memory");
		return -ENOMEM;
	}
	while (len < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)sb.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0) {
				err = -errno;
				p_err("cannot read kernel log %s: %s", path, strerror(errno));
			}
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (!err) {
		err = kmsg_log__add_text(k, buf, len);
		if (err)
			p_err("kernel log %s: %s", path,
			      err == -E2BIG ? "too many lines" : strerror(-err));
		else if (!k->n) {
			p_err("kernel log %s: no line with a kernel timestamp (dmesg -T output "
			      "cannot be matched: use dmesg, journalctl -k -o short-monotonic, or "
			      "a copy of /dev/kmsg)",
			      path);
			err = -EINVAL;
		}
		kmsg_log__sort(k);
	}
	free(buf);
	return err;
}

/*
 * Where the report goes: stdout, or -o FILE replaced atomically
 * (sinks/textfile.h: readers never see half a report, a symlink planted
 * at FILE is refused, never followed).  As for any new file, the umask
 * decides a new file's mode: reports are for sharing.
 */
struct output {
	FILE *f;
	struct textfile t;
	const char *path;     /* NULL: stdout */
};

static int output_open(struct output *o, const char *path)
{
	int err, mode = TEXTFILE_MODE_UMASK;
	struct stat sb;

	memset(o, 0, sizeof(*o));
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	o->path = path;
	/*
	 * A file already at path: its write permission is honoured (a
	 * read-only file is refused, as a shell's > would refuse it, even for
	 * root, who could rename over it) and its mode is kept (a report
	 * someone made private stays private).  A new file: the umask decides.
	 */
	if (!lstat(path, &sb) && S_ISREG(sb.st_mode)) {
		if (!(sb.st_mode & 0222) || access(path, W_OK)) {
			p_err("cannot write %s: the file is read-only (%s)", path, strerror(EACCES));
			return -EACCES;
		}
		mode = (int)(sb.st_mode & 07777);
	}
	err = textfile__create(&o->t, path, mode);
	if (err == -ELOOP)
		p_err("cannot write %s: it is a symbolic link, which is never followed", path);
	else if (err == -EISDIR || err == -EEXIST || err == -EINVAL)
		p_err("cannot write %s: not a regular file", path);
	else if (err)
		p_err("cannot write %s: %s", path, strerror(-err));
	if (err)
		return err;
	o->f = textfile__stream(&o->t);
	if (!o->f) {
		err = -errno;
		p_err("cannot write %s: %s", path, strerror(errno));
		textfile__abort(&o->t);
	}
	return err;
}

/* keep: the report is whole; else the old FILE stays as it was. */
static int output_close(struct output *o, bool keep)
{
	if (!o->path)
		return o->f && fflush(o->f) ? -errno : 0;
	if (!keep) {
		textfile__abort(&o->t);
		return 0;
	}
	return textfile__commit(&o->t);
}

/* "a.oomrec" or "a.oomrec, a.oomrec.1": basenames, so reports do not leak paths. */
static char *source_name(const struct env *env)
{
	size_t len = 1;
	char *out, *copy;
	int i;

	for (i = 0; i < env->nfiles; i++)
		len += strlen(env->files[i]) + 2;
	out = calloc(1, len);
	if (!out)
		return NULL;
	for (i = 0; i < env->nfiles; i++) {
		copy = strdup(env->files[i]);
		if (!copy)
			break;
		if (i)
			strcat(out, ", ");
		strcat(out, basename(copy));
		free(copy);
	}
	return out;
}

/* The basename of path, in a buffer the caller frees; NULL: out of memory. */
static char *base_of(const char *path)
{
	char *copy = strdup(path), *b;

	if (!copy)
		return NULL;
	b = strdup(basename(copy));
	free(copy);
	return b;
}

/*
 * msg (a reader's or replay's line, which names the files as given, and
 * segments named after them) with the directory of every input left out,
 * as the rest of the report shows them: a report is for sharing and must
 * not leak the paths of the machine it was made on.  The caller frees it;
 * NULL: out of memory.
 */
static char *with_basenames(const struct env *env, const char *msg)
{
	char *out = malloc(strlen(msg) + 1);
	size_t len = 0;

	while (out && *msg) {
		size_t best = 0;
		int i;

		for (i = 0; i <= env->nfiles; i++) {
			const char *p = i < env->nfiles ? env->files[i] : env->kmsg_path;
			const char *slash = p ? strrchr(p, '/') : NULL;
			size_t n = slash ? (size_t)(slash - p) + 1 : 0; /* "dir/", with its slash */

			if (n > best && !strncmp(msg, p, n))
				best = n;
		}
		if (best)
			msg += best;
		else
			out[len++] = *msg++;
	}
	if (out)
		out[len] = 0;
	return out;
}

static void source_of(struct report_source *src, const struct replay *rp, const char *name,
		      const char *problem)
{
	const struct replay_stats *st = replay__stats(rp);

	src->hdr = replay__header(rp);
	src->name = name;
	src->first_ts_ns = st->first_ts_ns;
	src->last_ts_ns = st->last_ts_ns;
	src->events = st->events;
	src->ringbuf_lost = st->ringbuf_lost;
	src->unrecorded = st->unrecorded;
	src->missed = st->missed;
	src->problem = problem;
}

int do_report(const struct env *env)
{
	struct report_opts ropts = { .format = env->report_html ? REPORT_HTML : REPORT_MD,
				     .pid = env->pid,
				     .cgroup = env->cgroup };
	struct report_source src = { 0 };
	struct render_ctx rc = { 0 };
	struct session_opts so = { 0 };
	struct session s;
	bool s_open = false;
	struct report *r = NULL;
	struct replay *rp = NULL;
	const struct oomrec_header *h;
	struct kmsg_log klog;
	struct output out = { 0 };
	char *name = NULL, *problem = NULL, *partial = NULL, *kmsg_base = NULL;
	int status = EXIT_RUNTIME, err, rerr, rerr2;

	kmsg_log__init(&klog);
	err = replay__open(&rp, env->files, env->nfiles);
	if (err) {
		p_err("%s", rp ? replay__error(rp) : strerror(-err));
		goto cleanup;
	}
	h = replay__header(rp);
	ropts.have_since = env->since && !report__resolve_time(env->since, h, &ropts.since_real_ns);
	ropts.have_until = env->until && !report__resolve_time(env->until, h, &ropts.until_real_ns);
	/* one relative, one absolute: only comparable now (options.c compares the rest) */
	if (ropts.have_since && ropts.have_until && ropts.since_real_ns > ropts.until_real_ns) {
		p_err("--since '%s' is after --until '%s' (from the recording's start)", env->since,
		      env->until);
		status = EXIT_USAGE;
		goto cleanup;
	}
	r = report__new(&ropts, h);
	name = source_name(env);
	if (!r || !name) {
		p_err("out of memory");
		goto cleanup;
	}
	report__set_symbols(r, replay__symbols(rp));
	/* the pipeline replay and live tracing use, with the report as its one sink */
	so.max_open = env->max_open;
	so.no_summary = true;
	so.replay = true;
	so.kernel = h->kernel_release;
	rc.page_size = h->page_size;
	rc.mono_to_real_ns = h->mono_to_real_ns;
	if (session__open(&s, &so, &rc))
		goto cleanup;
	s_open = true;
	if (session__open_report(&s, r))
		goto cleanup;
	session__set_symbols(&s, replay__symbols(rp));
	if (env->kmsg_path && load_kmsg_file(env->kmsg_path, &klog))
		goto cleanup;
	/* the recording's own log, whole, before its kills are applied */
	if (!env->kmsg_path) {
		int have = replay__load_kmsg(rp, &klog);

		if (have < 0) {
			p_err("out of memory");
			goto cleanup;
		}
		session__use_kmsg(&s, have ? &klog : NULL, CTX_WHY_LOG_NOT_READ);
		kmsg_log__say_if_full(&klog);
	} else {
		klog.given = true;
		session__use_kmsg(&s, &klog, CTX_WHY_LOG_NOT_READ);
	}

	rerr = session__replay(&s, rp);
	session__finish(&s, replay__stats(rp)->last_ts_ns, 0);
	if (report__error(r))
		p_err("out of memory: some incidents are missing from the report");
	if (rerr && !(problem = with_basenames(env, replay__error(rp))))
		goto oom;
	if (!rerr && *replay__note(rp) && !(partial = with_basenames(env, replay__note(rp))))
		goto oom;
	/* the body must say what stderr says: incidents were left out */
	source_of(&src, rp, name,
		  problem ? problem
		  : report__error(r) ? "out of memory: some incidents are missing from this report"
				     : NULL);
	src.partial = partial;
	if (env->kmsg_path) {
		if (!(kmsg_base = base_of(env->kmsg_path)))
			goto oom;
		src.kmsg_name = kmsg_base;
		src.kmsg_lines = klog.n;
	} else if (h->flags & OOMREC_F_KMSG) {
		src.kmsg_name = "/dev/kmsg (recorded)";
		src.kmsg_lines = klog.n;
	}

	if (output_open(&out, env->output))
		goto cleanup;
	err = report__write(r, out.f, &src, src.kmsg_name ? &klog : NULL);
	rerr2 = output_close(&out, !err);
	if (err || rerr2) {
		err = err ? err : rerr2;
		p_err("cannot write %s: %s", env->output && strcmp(env->output, "-") ? env->output
										       : "stdout",
		      strerror(-err));
	}
	/* A report of a damaged recording is still written, and still a failure. */
	if (rerr)
		p_err("%s", replay__error(rp));
	else if (!err && *replay__note(rp))
		p_err("%s", replay__note(rp));
	status = err || rerr || report__error(r) ? EXIT_RUNTIME : EXIT_OK;
	goto cleanup;
oom:
	p_err("out of memory");
cleanup:
	free(problem);
	free(partial);
	free(kmsg_base);
	if (s_open)
		session__close(&s, EXIT_OK);
	report__free(r);
	replay__free(rp);
	kmsg_log__free(&klog);
	free(name);
	return status;
}
