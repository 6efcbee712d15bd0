/*
 * RSS by process group (procmem.h).  A worker is the leader of its own
 * process group, so the group is the worker with everything it forked
 * that did not leave it; /proc/PID/stat gives each process's group and
 * RSS.  A process gone between the listing and the read is skipped.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procmem.h"

/* Field N (1-based, counted after the comm's closing parenthesis). */
static const char *
stat_field(const char *p, const char *end, int n)
{
	int k = 3;	/* the field after ")" is the state, field 3 */

	while (p < end && *p == ' ')
		p++;
	while (k < n && p < end) {
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
		k++;
	}
	return (p < end ? p : NULL);
}

static int
stat_number(const char *p, const char *end, long long *out)
{
	long long v = 0;
	int neg = 0;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end || !isdigit((unsigned char)*p))
		return (-1);
	for (; p < end && isdigit((unsigned char)*p); p++) {
		if (v > (0x7fffffffffffffffLL - 9) / 10)
			return (-1);
		v = v * 10 + (*p - '0');
	}
	*out = neg ? -v : v;
	return (0);
}

int
procmem_parse_stat(const char *buf, size_t len, pid_t *pgid,
    uint64_t *rss_pages)
{
	const char *end = buf + len, *p = NULL, *q;
	long long g, r;

	/* The comm may hold spaces and parentheses: the last ")" ends it. */
	for (q = buf; q < end; q++) {
		if (*q == ')')
			p = q + 1;
	}
	if (p == NULL)
		return (-1);
	if ((q = stat_field(p, end, 5)) == NULL ||
	    stat_number(q, end, &g) != 0 || g <= 0)
		return (-1);
	if ((q = stat_field(p, end, 24)) == NULL ||
	    stat_number(q, end, &r) != 0 || r < 0)
		return (-1);
	*pgid = (pid_t)g;
	*rss_pages = (uint64_t)r;
	return (0);
}

/* One process's group and RSS; -1 when it is gone or unreadable. */
static int
read_stat(const char *pid, pid_t *pgid, uint64_t *rss_pages)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (-1);
	n = read(fd, buf, sizeof(buf));
	(void)close(fd);
	if (n <= 0)
		return (-1);
	return (procmem_parse_stat(buf, (size_t)n, pgid, rss_pages));
}

int
procmem_scan(struct procmem *v, size_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	struct dirent *de;
	uint64_t pages;
	pid_t pgid;
	size_t k;
	DIR *d;

	for (k = 0; k < n; k++)
		v[k].rss = 0;
	if ((d = opendir("/proc")) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    read_stat(de->d_name, &pgid, &pages) != 0)
			continue;
		for (k = 0; k < n; k++) {
			if (v[k].pgid == pgid)
				v[k].rss += pages * (uint64_t)(page > 0 ? page : 4096);
		}
	}
	(void)closedir(d);
	return (0);
}
