/*
 * One write(2) per line per destination: pmtree.log is O_APPEND and every
 * supervisor process writes to it, so whole lines never mix.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evlog.h"
#include "fsutil.h"

static int evlog_fdnum = -1;

int
evlog_open(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	if (fsutil_mkdirs(dir, 0755) < 0)
		return (-1);
	if (snprintf(path, sizeof(path), "%s/pmtree.log", dir) >= (int)sizeof(path))
		return (-1);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return (-1);
	evlog_close();
	evlog_fdnum = fd;
	return (0);
}

int
evlog_fd(void)
{
	return (evlog_fdnum);
}

void
evlog_set_fd(int fd)
{
	evlog_fdnum = fd;
}

void
evlog_close(void)
{
	if (evlog_fdnum >= 0)
		close(evlog_fdnum);
	evlog_fdnum = -1;
}

static size_t
evlog_stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, len - n, ".%06ldZ", ts.tv_nsec / 1000);
	return (n);
}

/* One write per line; a cut line still ends with its newline. */
static void
evlog_write(int fd, char *line, int n, size_t size)
{
	if (n <= 0)
		return;
	if ((size_t)n >= size) {
		n = (int)size - 1;
		line[n - 1] = '\n';
	}
	(void)!write(fd, line, (size_t)n);
}

void
evlog(const char *who, const char *fmt, ...)
{
	char msg[1024], line[1200], stamp[40];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(who, "pmtree") == 0)
		n = snprintf(line, sizeof(line), "pmtree: %s\n", msg);
	else
		n = snprintf(line, sizeof(line), "pmtree: %s: %s\n", who, msg);
	evlog_write(STDERR_FILENO, line, n, sizeof(line));
	if (evlog_fdnum < 0)
		return;
	evlog_stamp(stamp, sizeof(stamp));
	n = snprintf(line, sizeof(line), "%s %s %s\n", stamp, who, msg);
	evlog_write(evlog_fdnum, line, n, sizeof(line));
}
