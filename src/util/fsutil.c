#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
