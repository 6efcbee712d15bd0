/*
 * limits-conns SOCKET N [TIMEOUT_S]: opens N connections to a pmtree
 * control socket at once, then sends {"cmd":"status"} on each and waits
 * for every reply (TIMEOUT_S seconds in all, default 60).  Prints
 *
 *	conns: N connected in T ms, M ok replies in T ms
 *
 * and exits 0 if every connection got an {"ok":true…} reply, 1 if not,
 * 2 on a usage error.  Built by scripts/limits (not part of the suite).
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct conn {
	int	fd;
	char	head[16];	/* the reply's first bytes */
	size_t	hlen;
	int	done;		/* 1: a whole line read; -1: failed */
};

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Reads what is there; notes the reply's head and its end. */
static void
conn_read(struct conn *c)
{
	char buf[65536];
	ssize_t n = read(c->fd, buf, sizeof(buf));
	size_t k;

	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		c->done = -1;
		return;
	}
	for (k = 0; k < (size_t)n && c->hlen < sizeof(c->head) - 1; k++)
		c->head[c->hlen++] = buf[k];
	if (memchr(buf, '\n', (size_t)n) != NULL)
		c->done = 1;
}

int
main(int argc, char **argv)
{
	const char *req = "{\"cmd\":\"status\"}\n";
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct rlimit rl;
	struct conn *v;
	struct pollfd *pf;
	long t0, t1, t2, deadline, timeout_s = 60;
	int n, i, k, connected = 0, ok = 0, open_;

	if (argc < 3 || argc > 4 || (n = atoi(argv[2])) <= 0 ||
	    strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: limits-conns SOCKET N [TIMEOUT_S]\n");
		return (2);
	}
	if (argc == 4)
		timeout_s = atol(argv[3]);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	strcpy(sun.sun_path, argv[1]);
	if ((v = calloc((size_t)n, sizeof(*v))) == NULL ||
	    (pf = calloc((size_t)n, sizeof(*pf))) == NULL) {
		perror("calloc");
		return (1);
	}
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		v[i].fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (v[i].fd < 0) {
			fprintf(stderr, "conns: socket %d: %s\n", i,
			    strerror(errno));
			v[i].done = -1;
			continue;
		}
		/* Blocking: past the backlog, we wait for the root's accept. */
		if (connect(v[i].fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			fprintf(stderr, "conns: connect %d: %s\n", i,
			    strerror(errno));
			v[i].done = -1;
			continue;
		}
		connected++;
	}
	t1 = now_ms();
	for (i = 0; i < n; i++) {
		if (v[i].done == 0 &&
		    write(v[i].fd, req, strlen(req)) != (ssize_t)strlen(req))
			v[i].done = -1;
	}
	deadline = now_ms() + timeout_s * 1000;
	for (;;) {
		for (i = k = 0; i < n; i++) {
			if (v[i].done != 0)
				continue;
			pf[k].fd = v[i].fd;
			pf[k].events = POLLIN;
			pf[k].revents = 0;
			k++;
		}
		open_ = k;
		if (open_ == 0 || now_ms() >= deadline)
			break;
		if (poll(pf, (nfds_t)open_, (int)(deadline - now_ms())) < 0 &&
		    errno != EINTR)
			break;
		for (i = k = 0; i < n; i++) {
			if (v[i].done != 0)
				continue;
			if (pf[k].revents != 0)
				conn_read(&v[i]);
			k++;
		}
	}
	t2 = now_ms();
	for (i = 0; i < n; i++) {
		if (v[i].done == 1 && v[i].hlen >= 10 &&
		    memcmp(v[i].head, "{\"ok\":true", 10) == 0)
			ok++;
		if (v[i].fd >= 0)
			close(v[i].fd);
	}
	printf("conns: %d of %d connected in %ld ms, %d ok replies in %ld ms\n",
	    connected, n, t1 - t0, ok, t2 - t1);
	free(v);
	free(pf);
	return (ok == n ? 0 : 1);
}
