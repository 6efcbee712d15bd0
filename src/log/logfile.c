#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "logfile.h"
#include "xmalloc.h"

static int
logfile_open_fd(struct logfile *lf)
{
	struct stat st;

	lf->fd = open(lf->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (lf->fd < 0)
		return (-1);
	lf->size = fstat(lf->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return (0);
}

int
logfile_open(struct logfile *lf, const char *path, uint64_t max_size,
    unsigned keep)
{
	char dir[PATH_MAX], *slash;

	memset(lf, 0, sizeof(*lf));
	lf->fd = -1;
	lf->path = xstrdup(path);
	lf->max_size = max_size;
	lf->keep = keep;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (fsutil_mkdirs(dir, 0755) < 0)
			return (-1);
	}
	return (logfile_open_fd(lf));
}

void
logfile_close(struct logfile *lf)
{
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
	xfree(lf->path);
	lf->path = NULL;
}

int
logfile_reopen(struct logfile *lf)
{
	if (lf->fd >= 0)
		close(lf->fd);
	return (logfile_open_fd(lf));
}

int
logfile_sync(struct logfile *lf)
{
	struct stat a, b;

	if (lf->fd < 0 || stat(lf->path, &a) < 0 || fstat(lf->fd, &b) < 0 ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return (logfile_reopen(lf));
	lf->size = (uint64_t)b.st_size;
	return (0);
}

bool
logfile_fits(const struct logfile *lf, size_t len)
{
	return (lf->max_size == 0 || lf->size == 0 || lf->size + len <= lf->max_size);
}

/* web.log.(k-1) -> web.log.k, oldest first; web.log -> web.log.1. */
static int
logfile_rotate(struct logfile *lf)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];
	unsigned k;

	if (lf->keep == 0) {
		if (unlink(lf->path) < 0 && errno != ENOENT)
			return (-1);
		return (logfile_reopen(lf));
	}
	snprintf(to, sizeof(to), "%s.%u", lf->path, lf->keep);
	if (unlink(to) < 0 && errno != ENOENT)
		return (-1);
	for (k = lf->keep; k > 1; k--) {
		snprintf(from, sizeof(from), "%s.%u", lf->path, k - 1);
		snprintf(to, sizeof(to), "%s.%u", lf->path, k);
		if (rename(from, to) < 0 && errno != ENOENT)
			return (-1);
	}
	snprintf(to, sizeof(to), "%s.1", lf->path);
	if (rename(lf->path, to) < 0 && errno != ENOENT)
		return (-1);
	return (logfile_reopen(lf));
}

int
logfile_make_room(struct logfile *lf, size_t len)
{
	if (lf->fd < 0 && logfile_open_fd(lf) < 0)
		return (-1);
	return (logfile_fits(lf, len) ? 0 : logfile_rotate(lf));
}

/*
 * A batch is written whole or not at all: after a failure the file is cut
 * back, so that the retry does not write its first part twice.
 */
int
logfile_write(struct logfile *lf, const void *buf, size_t len)
{
	const char *p = buf;
	uint64_t start;
	ssize_t n;
	int saved;

	if (lf->fd < 0 && logfile_open_fd(lf) < 0)
		return (-1);
	if (logfile_make_room(lf, len) < 0)
		return (-1);
	start = lf->size;
	while (len > 0) {
		n = write(lf->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			saved = n == 0 ? ENOSPC : errno;
			if (ftruncate(lf->fd, (off_t)start) == 0)
				lf->size = start;
			errno = saved;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
		lf->size += (uint64_t)n;
	}
	return (0);
}
