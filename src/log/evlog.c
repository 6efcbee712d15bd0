/*
 * One write(2) per line, under an flock: every process of the tree appends
 * to pmtree.log, and whichever finds it full rotates it for all of them.
 */
#include <sys/file.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evlog.h"
#include "format.h"
#include "logfile.h"

static struct logfile	evlog_file = { .fd = -1 };

int
evlog_open(const char *dir, uint64_t max_size, unsigned keep)
{
	int saved;

	evlog_close();
	if (logfile_open(&evlog_file, dir, "pmtree.log", max_size, keep) < 0) {
		saved = errno;
		logfile_close(&evlog_file);
		errno = saved;
		return (-1);
	}
	return (0);
}

const char *
evlog_strerror(int err)
{
	return (logfile_strerror(&evlog_file, err));
}

int
evlog_fd(void)
{
	return (evlog_file.fd);
}

void
evlog_close(void)
{
	logfile_close(&evlog_file);
}

/* One write per line; a cut line still ends with its newline. */
static size_t
evlog_fit(char *line, int n, size_t size)
{
	if (n <= 0)
		return (0);
	if ((size_t)n >= size) {
		n = (int)size - 1;
		line[n - 1] = '\n';
	}
	return ((size_t)n);
}

static void
evlog_append(const char *line, size_t len)
{
	int fd = evlog_file.fd;

	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		return;
	/* Rotated by another process: follow the path to the new file. */
	if (logfile_sync(&evlog_file) == 0)
		(void)logfile_write(&evlog_file, line, len);
	/* A reopen closed the old fd, which released its lock. */
	if (evlog_file.fd == fd)
		(void)flock(fd, LOCK_UN);
}

void
evlog(const char *who, const char *fmt, ...)
{
	char msg[1024], line[1200], stamp[FORMAT_STAMP_LEN + 1];
	struct timespec ts;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(who, "pmtree") == 0)
		n = snprintf(line, sizeof(line), "pmtree: %s\n", msg);
	else
		n = snprintf(line, sizeof(line), "pmtree: %s: %s\n", who, msg);
	(void)!write(STDERR_FILENO, line, evlog_fit(line, n, sizeof(line)));
	if (evlog_file.fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	format_stamp(stamp, &ts);
	n = snprintf(line, sizeof(line), "%s %s %s\n", stamp, who, msg);
	evlog_append(line, evlog_fit(line, n, sizeof(line)));
}
