#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"

static bool
notify_is(const char *line, size_t len, const char *kv)
{
	return (len == strlen(kv) && memcmp(line, kv, len) == 0);
}

/* X_METRIC_<name>=<number>: a Prometheus-safe name, a finite number. */
static void
notify_metric(const char *line, size_t len, struct notify_msg *m)
{
	const char *name = line + 9, *eq = memchr(line, '=', len);
	char num[64], *end;
	size_t nl, vl, k;
	double v;

	if (eq == NULL || m->nmetrics == NOTIFY_MAX_METRICS)
		return;
	nl = (size_t)(eq - name);
	vl = len - (size_t)(eq + 1 - line);
	if (nl == 0 || nl >= NOTIFY_NAME_MAX || vl == 0 || vl >= sizeof(num))
		return;
	for (k = 0; k < nl; k++) {
		char c = name[k];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9' && k > 0) || c == '_'))
			return;
	}
	if (memchr(eq + 1, '\0', vl) != NULL)
		return;
	memcpy(num, eq + 1, vl);
	num[vl] = '\0';
	v = strtod(num, &end);
	if (end == num || *end != '\0' || !isfinite(v))
		return;
	memcpy(m->metrics[m->nmetrics].name, name, nl);
	m->metrics[m->nmetrics].name[nl] = '\0';
	m->metrics[m->nmetrics++].value = v;
}

void
notify_parse(const char *buf, size_t len, struct notify_msg *m)
{
	const char *line = buf, *nl, *end;
	size_t ll;

	memset(m, 0, sizeof(*m));
	/* Some clients send the C string's NUL along: systemd takes it too. */
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	end = buf + len;
	for (; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		ll = (size_t)(nl - line);
		if (notify_is(line, ll, "READY=1"))
			m->ready = true;
		else if (notify_is(line, ll, "RELOADING=1"))
			m->reloading = true;
		else if (notify_is(line, ll, "STOPPING=1"))
			m->stopping = true;
		else if (notify_is(line, ll, "WATCHDOG=1"))
			m->watchdog = true;
		else if (ll >= 7 && memcmp(line, "STATUS=", 7) == 0) {
			m->status = line + 7;
			m->status_len = ll - 7;
		} else if (ll > 9 && memcmp(line, "X_METRIC_", 9) == 0)
			notify_metric(line, ll, m);
	}
}

void
notify_name(char *buf, size_t len, pid_t owner)
{
	snprintf(buf, len, "@pmtree-notify-%d", (int)owner);
}

int
notify_open(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char name[64];
	socklen_t slen;
	int fd, one = 1;

	notify_name(name, sizeof(name), getpid());
	memcpy(sun.sun_path + 1, name + 1, strlen(name) - 1);
	slen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return (-1);
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, slen) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

ssize_t
notify_recv(int fd, char *buf, pid_t *pid)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(struct ucred)) +
				    CMSG_SPACE(16 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = NOTIFY_DGRAM_MAX };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	struct ucred cr;
	bool have = false;
	ssize_t n;
	size_t k;

	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	if (n < 0)
		return (-1);
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_CREDENTIALS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(cr))) {
			memcpy(&cr, CMSG_DATA(cm), sizeof(cr));
			have = true;
		} else if (cm->cmsg_type == SCM_RIGHTS) {
			/* Nobody keeps fds here (FDSTORE is not served). */
			for (k = 0; k < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); k++) {
				int f;

				memcpy(&f, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
				close(f);
			}
		}
	}
	if (!have || n > NOTIFY_DGRAM_MAX || (mh.msg_flags & MSG_CTRUNC))
		return (0);
	*pid = cr.pid;
	return (n);
}
