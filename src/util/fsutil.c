#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

int
fsutil_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path), k;

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(buf, path, len + 1);
	for (k = 1; k < len; k++) {
		if (buf[k] != '/')
			continue;
		buf[k] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return (-1);
		buf[k] = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return (-1);
	return (0);
}

static int
fsutil_step(int dirfd, const char *name, mode_t mode)
{
	int fd, flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

	struct stat st;

	if ((fd = openat(dirfd, name, flags)) >= 0)
		return (fd);
	/* O_DIRECTORY wins over O_NOFOLLOW: a link says ENOTDIR. */
	if (errno == ENOTDIR && fstatat(dirfd, name, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		errno = ELOOP;
	if (errno != ENOENT)
		return (-1);
	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return (-1);
	return (openat(dirfd, name, flags));
}

int
fsutil_opendirat(int dirfd, const char *rel, mode_t mode)
{
	char buf[PATH_MAX], *name, *next;
	int fd, at;

	if (strlen(rel) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(buf, rel, strlen(rel) + 1);
	if ((fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) < 0)
		return (-1);
	for (name = buf; name != NULL; name = next) {
		if ((next = strchr(name, '/')) != NULL)
			*next++ = '\0';
		if (*name == '\0' || strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			close(fd);
			errno = EINVAL;
			return (-1);
		}
		at = fd;
		fd = fsutil_step(at, name, mode);
		close(at);
		if (fd < 0)
			return (-1);
	}
	return (fd);
}

/* True if FD is the file PATH names, false with errno (0: another file). */
static bool
fsutil_same(int fd, const char *path)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0 || stat(path, &b) < 0)
		return (false);
	errno = 0;
	return (a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

int
fsutil_lock(const char *path, int *fdp, const char **what)
{
	int fd, err;

	for (;;) {
		*what = "open";
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
			return (-1);
		*what = "lock";
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno == EWOULDBLOCK) {
				*fdp = fd;
				return (1);
			}
			break;
		}
		/*
		 * A root that stops removes its lock file: the one we locked
		 * may have gone from PATH in the meantime, and a lock on it
		 * would keep nobody out.
		 */
		*what = "stat";
		if (fsutil_same(fd, path)) {
			*fdp = fd;
			return (0);
		}
		if (errno != 0 && errno != ENOENT)
			break;
		close(fd);
	}
	err = errno;
	close(fd);
	errno = err;
	return (-1);
}

int
fsutil_unlock(const char *path, int fd)
{
	int rc = 0, err = 0;

	if (unlink(path) < 0 && errno != ENOENT) {
		rc = -1;
		err = errno;
	}
	close(fd);
	errno = err;
	return (rc);
}

int
fsutil_write_pid(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	ssize_t w;

	if (ftruncate(fd, 0) < 0 || (w = pwrite(fd, buf, (size_t)n, 0)) < 0)
		return (-1);
	if (w != n) {
		errno = EIO;	/* a short write of a few bytes: a full disk */
		return (-1);
	}
	return (0);
}

int
fsutil_read_pid(int fd)
{
	char buf[32];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return (atoi(buf));
}
