#include <fcntl.h>
#include <signal.h>
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

static int
orphans_named(pid_t pid, const char *name)
{
	char path[64], want[512], *env, *p;
	size_t len, wl;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	wl = (size_t)snprintf(want, sizeof(want), "PMTREE_NAME=%s", name) + 1;
	if ((env = orphans_slurp(path, &len)) == NULL)
		return (0);
	for (p = env; p < env + len; p += strlen(p) + 1) {
		if ((size_t)(env + len - p) >= wl && memcmp(p, want, wl) == 0) {
			found = 1;
			break;
		}
	}
	free(env);
	return (found);
}

int
orphans_kill(const struct pidmap *known, const char *name, pid_t spare)
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
		if (v <= 0 || v == spare || pidmap_has(known, (pid_t)v))
			continue;
		if (name != NULL && !orphans_named((pid_t)v, name))
			continue;
		if (kill((pid_t)v, SIGKILL) == 0)
			n++;
	}
	free(list);
	return (n);
}
