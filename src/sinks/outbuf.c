// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/timefmt.h"
#include "io/errors.h"
#include "io/fdio.h"
#include "sinks/outbuf.h"

void outbuf__open(struct outbuf *o, int fd, bool bounded, size_t limit)
{
	struct stat st;
	char path[32];
	int nfd, fl;

	memset(o, 0, sizeof(*o));
	o->fd = o->wfd = fd;
	o->restore_fl = -1;
	o->limit = limit ? limit : OUTBUF_DEFAULT_LIMIT;
	if (!bounded || fstat(fd, &st))
		return;
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return; /* a disk: no reader to wait for; a full one fails the write */
	o->bounded = true;
	if (S_ISSOCK(st.st_mode)) {
		o->use_send = true;
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (nfd >= 0) {
		o->wfd = nfd;
		return;
	}
	/* No /proc: make the shared description non-blocking, and put it back after. */
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK) && !fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		o->restore_fl = fl;
}

FILE *outbuf__begin(struct outbuf *o)
{
	return open_memstream(&o->mbuf, &o->msize);
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += p[i] == '\n';
	return lines ? lines : 1;
}

static void drop(struct outbuf *o, const char *p, size_t n)
{
	o->dropped_lines += count_lines(p, n);
	if (o->said)
		return;
	o->said = true;
	p_err("stdout is not being read: dropping whole lines that do not fit in %zu KiB "
	      "(counted in the summary and the metrics); tracing goes on",
	      o->limit >> 10);
}

static int queue(struct outbuf *o, const char *p, size_t n)
{
	if (o->err)
		return o->err;
	if (!o->bounded) {
		o->err = fdio__write_all(o->wfd, p, n);
		return o->err;
	}
	if (o->len - o->off + n > o->limit) {
		drop(o, p, n);
		return outbuf__flush(o);
	}
	if (o->off && o->len + n > o->cap) { /* slide the pending bytes to the front */
		memmove(o->buf, o->buf + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
	}
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		char *nb;

		while (cap < o->len + n)
			cap *= 2;
		nb = realloc(o->buf, cap);
		if (!nb) {
			drop(o, p, n);
			return 0;
		}
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return outbuf__flush(o);
}

int outbuf__commit(struct outbuf *o, FILE *f)
{
	int err = 0;

	if (fclose(f))
		err = -ENOMEM; /* a memstream fails only for memory */
	if (!err)
		err = queue(o, o->mbuf, o->msize);
	free(o->mbuf);
	o->mbuf = NULL;
	o->msize = 0;
	return err;
}

int outbuf__flush(struct outbuf *o)
{
	while (o->len > o->off && !o->err) {
		ssize_t n = o->use_send ? send(o->wfd, o->buf + o->off, o->len - o->off,
					       MSG_DONTWAIT | MSG_NOSIGNAL)
					: write(o->wfd, o->buf + o->off, o->len - o->off);

		if (n > 0) {
			o->off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		o->err = n < 0 ? -errno : -EIO;
		o->off = o->len; /* lost to the error, which the session says */
	}
	if (o->off == o->len)
		o->off = o->len = 0;
	return o->err;
}

int outbuf__close(struct outbuf *o, int wait_ms)
{
	uint64_t until = timefmt__mono_now() + (uint64_t)wait_ms * 1000000ull;
	struct pollfd p = { .fd = o->wfd, .events = POLLOUT };

	outbuf__flush(o);
	while (outbuf__pending(o) && !o->err) {
		uint64_t now = timefmt__mono_now();

		if (now >= until)
			break;
		if (poll(&p, 1, (int)((until - now + 999999) / 1000000)) < 0 && errno != EINTR)
			break;
		outbuf__flush(o);
	}
	if (outbuf__pending(o)) {
		drop(o, o->buf + o->off, o->len - o->off);
		o->off = o->len = 0;
	}
	if (o->wfd != o->fd)
		close(o->wfd);
	if (o->restore_fl >= 0)
		fcntl(o->fd, F_SETFL, o->restore_fl);
	o->wfd = o->fd;
	o->restore_fl = -1;
	free(o->buf);
	o->buf = NULL;
	o->cap = 0;
	return o->err;
}
