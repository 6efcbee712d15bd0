#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "orphans.h"
#include "xmalloc.h"

/* Reads a whole /proc file (they report size 0); NULL if it cannot. */
static char *
orphans_slurp(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	ssize_t r;
	char *buf;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (NULL);
	buf = xmalloc(cap + 1);
	while ((r = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			cap *= 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return (buf);
}

/* PID's PMTREE_NAME, or NULL; *ENV, which holds it, is the caller's to free. */
static const char *
orphans_name(pid_t pid, char **env)
{
	static const char key[] = "PMTREE_NAME=";
	char path[64], *p;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	if ((*env = orphans_slurp(path, &len)) == NULL)
		return (NULL);
	for (p = *env; p < *env + len; p += strlen(p) + 1) {
		if (strncmp(p, key, sizeof(key) - 1) == 0)
			return (p + sizeof(key) - 1);
	}
	return (NULL);
}

/* When PID started, in clock ticks since boot; 0 if it is gone. */
static unsigned long long
orphans_started(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	ssize_t n;
	int fd, k;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	/* The name may hold anything: the fields start after its last ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return (0);
	for (k = 0; k < 20 && p != NULL; k++)	/* to field 22, starttime */
		p = strchr(p + 1, ' ');
	if (p != NULL)
		t = strtoull(p + 1, NULL, 10);
	return (t);
}

static pid_t
orphans_pid_max(void)
{
	static pid_t max;
	char buf[32];
	ssize_t n;
	int fd;

	if (max > 0)
		return (max);
	max = 4194304;	/* the kernel's ceiling, if /proc says nothing */
	if ((fd = open("/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC)) < 0)
		return (max);
	if ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (atoi(buf) > 0)
			max = atoi(buf);
	}
	close(fd);
	return (max);
}

/*
 * Whether PID started after SUCCESSOR: by start time, and within one clock
 * tick by pid, which the kernel hands out in order (modulo pid_max).
 */
static bool
orphans_later(pid_t pid, pid_t successor)
{
	unsigned long long tp, ts;
	pid_t max;

	if (successor <= 0 || (ts = orphans_started(successor)) == 0)
		return (false);
	if ((tp = orphans_started(pid)) != ts)
		return (tp > ts);
	max = orphans_pid_max();
	return ((pid - successor + max) % max < max / 2);
}

/* Whether child PID is one of DUE's orphans; with DUE NULL, anything is. */
static bool
orphans_due(pid_t pid, const struct orphan_due *due, size_t ndue)
{
	const char *name;
	char *env = NULL;
	bool is = false;
	size_t k;

	if (due == NULL)
		return (true);
	if ((name = orphans_name(pid, &env)) != NULL) {
		for (k = 0; k < ndue && strcmp(name, due[k].name) != 0; k++)
			;
		is = k < ndue && !orphans_later(pid, due[k].successor);
	}
	xfree(env);
	return (is);
}

static int
orphans_sweep(const struct pidmap *known, const struct pidmap *also,
    const struct orphan_due *due, size_t ndue, pid_t spare)
{
	char path[64], *list, *p, *end;
	size_t len;
	long v;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	if ((list = orphans_slurp(path, &len)) == NULL)
		return (0);
	for (p = list; *p != '\0'; p = end) {
		v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (v <= 0 || v == spare || pidmap_has(known, (pid_t)v) ||
		    (also != NULL && pidmap_has(also, (pid_t)v)))
			continue;
		if (orphans_due((pid_t)v, due, ndue) && kill((pid_t)v, SIGKILL) == 0)
			n++;
	}
	xfree(list);
	return (n);
}

int
orphans_kill(const struct pidmap *known, const struct pidmap *also,
    const struct orphan_due *due, size_t ndue)
{
	return (ndue > 0 ? orphans_sweep(known, also, due, ndue, 0) : 0);
}

int
orphans_kill_all(const struct pidmap *known, pid_t spare)
{
	return (orphans_sweep(known, NULL, NULL, 0, spare));
}
