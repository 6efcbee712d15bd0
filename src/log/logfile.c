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

/* The fd of the file's folder; *BASE is the file's name in it. */
static int
logfile_parent(const struct logfile *lf, const char **base)
{
	char folders[PATH_MAX];
	const char *slash = strrchr(lf->name, '/');
	int top, fd;

	*base = slash != NULL ? slash + 1 : lf->name;
	snprintf(folders, sizeof(folders), "%.*s",
	    slash != NULL ? (int)(slash - lf->name) : 0, lf->name);
	if ((top = open(lf->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return (-1);
	fd = fsutil_opendirat(top, folders, 0755);
	close(top);
	return (fd);
}

/*
 * O_NONBLOCK: a FIFO planted in the folder must not hold the open; it is
 * refused right after, and a regular file's writes ignore the flag.
 */
static int
logfile_open_at(struct logfile *lf, int dirfd, const char *base)
{
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC;
	struct stat st;

	lf->refused = NULL;
	if ((lf->fd = openat(dirfd, base, flags, 0644)) < 0) {
		if (errno == ELOOP)
			lf->refused = "a symbolic link, not followed";
		else if (errno == ENXIO)	/* a FIFO or socket */
			lf->refused = "not a regular file, not written";
		return (-1);
	}
	if (fstat(lf->fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode))
		lf->refused = "not a regular file, not written";
	else if (st.st_nlink != 1)
		lf->refused = "a file with other hard links, not written";
	if (lf->refused != NULL) {
		errno = EPERM;
		goto fail;
	}
	lf->size = (uint64_t)st.st_size;
	return (0);
fail:
	close(lf->fd);
	lf->fd = -1;
	return (-1);
}

/* Runs FN on the file's folder and the file's name in it. */
static int
logfile_at(struct logfile *lf, int (*fn)(struct logfile *, int, const char *))
{
	const char *base;
	int dirfd, rc, saved;

	lf->refused = NULL;
	if ((dirfd = logfile_parent(lf, &base)) < 0) {
		if (errno == ELOOP)
			lf->refused = "a folder on its way is a symbolic link, "
			    "not followed";
		return (-1);
	}
	rc = fn(lf, dirfd, base);
	saved = errno;
	close(dirfd);
	errno = saved;
	return (rc);
}

static int
logfile_open_fd(struct logfile *lf)
{
	return (logfile_at(lf, logfile_open_at));
}

int
logfile_open(struct logfile *lf, const char *dir, const char *name,
    uint64_t max_size, unsigned keep)
{
	char path[2 * PATH_MAX];

	memset(lf, 0, sizeof(*lf));
	lf->fd = -1;
	lf->dir = xstrdup(dir);
	lf->name = xstrdup(name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	lf->path = xstrdup(path);
	lf->max_size = max_size;
	lf->keep = keep;
	if (fsutil_mkdirs(dir, 0755) < 0)
		return (-1);
	return (logfile_open_fd(lf));
}

void
logfile_close(struct logfile *lf)
{
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
	xfree(lf->dir);
	xfree(lf->name);
	xfree(lf->path);
	lf->dir = lf->name = lf->path = NULL;
}

int
logfile_reopen(struct logfile *lf)
{
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
	return (logfile_open_fd(lf));
}

const char *
logfile_strerror(const struct logfile *lf, int err)
{
	return (lf->refused != NULL ? lf->refused : strerror(err));
}

int
logfile_sync(struct logfile *lf)
{
	struct stat a, b;

	if (lf->fd < 0 || lstat(lf->path, &a) < 0 || fstat(lf->fd, &b) < 0 ||
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
logfile_rotate_at(struct logfile *lf, int dirfd, const char *base)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];
	unsigned k;

	if (lf->keep == 0) {
		if (unlinkat(dirfd, base, 0) < 0 && errno != ENOENT)
			return (-1);
	} else {
		snprintf(to, sizeof(to), "%s.%u", base, lf->keep);
		if (unlinkat(dirfd, to, 0) < 0 && errno != ENOENT)
			return (-1);
		for (k = lf->keep; k > 1; k--) {
			snprintf(from, sizeof(from), "%s.%u", base, k - 1);
			snprintf(to, sizeof(to), "%s.%u", base, k);
			if (renameat(dirfd, from, dirfd, to) < 0 &&
			    errno != ENOENT)
				return (-1);
		}
		snprintf(to, sizeof(to), "%s.1", base);
		if (renameat(dirfd, base, dirfd, to) < 0 && errno != ENOENT)
			return (-1);
	}
	if (lf->fd >= 0)
		close(lf->fd);
	return (logfile_open_at(lf, dirfd, base));
}

static int
logfile_rotate(struct logfile *lf)
{
	return (logfile_at(lf, logfile_rotate_at));
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
