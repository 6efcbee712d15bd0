#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

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
