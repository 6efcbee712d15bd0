/* The worker-side helper (pmtree.h): one datagram per call, no state. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmtree.h"

int
pmtree_notify(const char *message)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len;
	ssize_t n;
	int fd, saved;

	if (path == NULL || *path == '\0')
		return (0);
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun.sun_path)) {
		errno = EINVAL;
		return (-1);
	}
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')	/* the abstract namespace: a NUL, no trailing NUL */
		sun.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	n = sendto(fd, message, strlen(message), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (path[0] == '/')));
	saved = errno;
	close(fd);
	errno = saved;
	return (n < 0 ? -1 : 1);
}

int
pmtree_notify_ready(void)
{
	return (pmtree_notify("READY=1"));
}

int
pmtree_notify_watchdog(void)
{
	return (pmtree_notify("WATCHDOG=1"));
}

int
pmtree_notify_status(const char *text)
{
	char buf[4096];

	/* One line: the protocol separates messages by newlines. */
	snprintf(buf, sizeof(buf), "STATUS=%.*s", (int)strcspn(text, "\n"), text);
	return (pmtree_notify(buf));
}

int
pmtree_notify_metric(const char *name, double value)
{
	char buf[256];

	if (snprintf(buf, sizeof(buf), "X_METRIC_%s=%.17g", name, value) >=
	    (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (pmtree_notify(buf));
}
