#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"

/*
 * Datagrams dropped by every supervisor of the tree.  The root maps the
 * page at its first notify_open, before it forks any supervisor: each one
 * inherits it and adds its own drops there, where the root reads the sum.
 */
static _Atomic uint64_t	*notify_dropped_n;

static bool
notify_is(const char *line, size_t len, const char *kv)
{
	return (len == strlen(kv) && memcmp(line, kv, len) == 0);
}

static size_t
notify_digits(const char *s)
{
	size_t k = 0;

	while (s[k] >= '0' && s[k] <= '9')
		k++;
	return (k);
}

/*
 * A plain decimal number, as /metrics prints it back: -?D+(.D+)?([eE][+-]?D+)?
 * and finite.  strtod alone takes " 1", "+1", "0x10", "inf" and "1e-400"
 * (as 0): none of them is what the worker meant to show.
 */
static bool
notify_number(const char *s, double *v)
{
	const char *p = s + (*s == '-');
	bool nonzero;
	size_t k;

	if ((k = notify_digits(p)) == 0)
		return (false);
	nonzero = strspn(p, "0") < k;
	p += k;
	if (*p == '.') {
		if ((k = notify_digits(p + 1)) == 0)
			return (false);
		nonzero = nonzero || strspn(p + 1, "0") < k;
		p += 1 + k;
	}
	if (*p == 'e' || *p == 'E') {
		p += 1 + (p[1] == '+' || p[1] == '-');
		if ((k = notify_digits(p)) == 0)
			return (false);
		p += k;
	}
	if (*p != '\0')
		return (false);
	*v = strtod(s, NULL);
	/* Overflow gives inf; underflow 0 (or less than the digits said). */
	return (isfinite(*v) && (*v != 0 || !nonzero));
}

/* X_METRIC_<name>=<number>: a Prometheus-safe name, a plain number. */
static void
notify_metric(const char *line, size_t len, struct notify_msg *m)
{
	const char *name = line + 9, *eq = memchr(line, '=', len);
	char num[64];
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
	if (!notify_number(num, &v))
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

static int
notify_shared(void)
{
	void *p;

	if (notify_dropped_n != NULL)
		return (0);
	p = mmap(NULL, sizeof(*notify_dropped_n), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (-1);
	notify_dropped_n = p;
	return (0);
}

void
notify_drop(void)
{
	if (notify_dropped_n != NULL)
		atomic_fetch_add_explicit(notify_dropped_n, 1,
		    memory_order_relaxed);
}

uint64_t
notify_dropped_total(void)
{
	if (notify_dropped_n == NULL)
		return (0);
	return (atomic_load_explicit(notify_dropped_n, memory_order_relaxed));
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

	if (notify_shared() < 0)
		return (-1);
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
