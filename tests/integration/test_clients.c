/*
 * Clients cannot take the tree down (doc/security.md, "Clients"): a crowd
 * of trickling HTTP connections from another uid, a control client that
 * pipelines requests and reads nothing; and the small faults of the
 * protocols: a blank CRLF line, a long error cut inside a character, a NUL
 * in an escaped /readyz path.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"

#define ATTACK_CONNS	3000
#define ROOT_NOFILE	1024

static void
yaml_http(int port, const char *body)
{
	h_write("t.yaml", "name: t\n"
	    "control: {socket: run/t.sock, http: \"127.0.0.1:%d\"}\n"
	    "log: {dir: logs}\n%s", port, body);
}

static int
tcp_connect(int port, bool nonblock)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* GET PATH: the status code, 0 if no answer within 3 s. */
static int
http_code(int port, const char *path)
{
	char req[512], buf[512];
	struct pollfd p;
	size_t got = 0;
	ssize_t n;
	int fd, code = 0;

	if ((fd = tcp_connect(port, false)) < 0)
		return (0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	if (write(fd, req, strlen(req)) == (ssize_t)strlen(req)) {
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		while (got < sizeof(buf) - 1 && poll(&p, 1, 3000) == 1 &&
		    (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
			got += (size_t)n;
		buf[got] = '\0';
		if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1)
			code = 0;
	}
	close(fd);
	return (code);
}

/*
 * As nobody: opens ATTACK_CONNS connections to PORT and sends each one
 * byte of a request head every 500 ms, for SECS seconds, reconnecting what
 * is cut off, once GO says so.  Writes to REPORT how many were cut
 * (closed by pmtree).
 */
static void
attacker(int port, int secs, int go, int report)
{
	static int fds[ATTACK_CONNS];
	struct rlimit lim = { ATTACK_CONNS + 64, ATTACK_CONNS + 64 };
	uint64_t end;
	long cut = 0;
	int k;
	char c;

	if (setrlimit(RLIMIT_NOFILE, &lim) < 0 || setgroups(0, NULL) < 0 ||
	    setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		_exit(10);
	if (read(go, &c, 1) != 1)
		_exit(11);
	end = h_now_ms() + (uint64_t)secs * 1000;
	for (k = 0; k < ATTACK_CONNS; k++)
		fds[k] = tcp_connect(port, true);
	while (h_now_ms() < end) {
		for (k = 0; k < ATTACK_CONNS; k++) {
			if (fds[k] >= 0 && (read(fds[k], &c, 1) == 0 ||
			    (send(fds[k], "G", 1, MSG_NOSIGNAL) < 0 &&
			    errno != EAGAIN && errno != ENOTCONN))) {
				close(fds[k]);
				fds[k] = -1;
				cut++;
			}
			if (fds[k] < 0)
				fds[k] = tcp_connect(port, true);
		}
		usleep(500 * 1000);
	}
	(void)write(report, &cut, sizeof(cut));
	_exit(0);
}

/*
 * Under ASan, freed memory waits in a quarantine of up to 256 MiB before
 * reuse, so the root's RSS measures the quarantine rather than pmtree: keep
 * it at 1 MiB for the pmtree this test starts.
 */
static void
asan_small_quarantine(void)
{
#if defined(__SANITIZE_ADDRESS__)
	char opt[512];
	const char *was = getenv("ASAN_OPTIONS");

	snprintf(opt, sizeof(opt), "%s%squarantine_size_mb=1", was ? was : "",
	    was ? ":" : "");
	ck_assert(setenv("ASAN_OPTIONS", opt, 1) == 0);
#endif
}

/*
 * With an open-file limit of 1,024, nobody holds 3,000 trickling
 * connections to control.http for 12 s while a worker crash-loops: the
 * worker is restarted all along (never "Too many open files"), `status`
 * answers, the root's fds stay under its caps, and once the crowd is gone
 * /healthz answers again.  Before: the trickle kept every connection (the
 * timeout restarted at each byte), the root ran out of fds, and gave up.
 */
START_TEST(http_trickle_crowd_from_another_uid)
{
	struct rlimit low = { ROOT_NOFILE, ROOT_NOFILE };
	int port = h_free_port(), p[2], g[2], st, starts, fds, maxfds = 0;
	uint64_t t0;
	long cut = 0, rss0, rss1;
	pid_t pid;

	if (getuid() != 0) {
		fprintf(stderr, "http_trickle_crowd_from_another_uid: skipped "
		    "(not root)\n");
		return;
	}
	yaml_http(port, "intensity: 1000000\nperiod: 1s\nchildren:\n"
	    "  - {name: s, cmd: @SLEEPER@}\n"
	    "  - {name: c, cmd: @CRASHER@ --after 50, backoff: [10ms]}\n");
	/* Forked first: it needs more fds than the limit pmtree gets. */
	ck_assert(pipe(p) == 0 && pipe(g) == 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		close(g[1]);
		attacker(port, 12, g[0], p[1]);
	}
	close(p[1]);
	close(g[0]);
	/* This test's own process (Check forks one per test): never restored. */
	ck_assert(setrlimit(RLIMIT_NOFILE, &low) == 0);
	asan_small_quarantine();
	h_start_up(2);
	h_assert(H_UNTIL(http_code(port, "/healthz") == 200), "/healthz");
	rss0 = h_rss_kib(H.run.pid);
	ck_assert(write(g[1], "g", 1) == 1);
	close(g[1]);
	t0 = h_now_ms();
	while (h_now_ms() - t0 < 11000) {
		starts = h_starts_of("c");
		h_assert(ctl("status", NULL) == 0, "status under the crowd: %s",
		    CTL.err);
		h_assert(H_UNTIL_MS(3000, h_starts_of("c") > starts),
		    "c not restarted under the crowd (%d starts)", starts);
		fds = h_fds(H.run.pid);
		if (fds > maxfds)
			maxfds = fds;
	}
	h_assert(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "the attacker ran (status %d)", st);
	h_assert(read(p[0], &cut, sizeof(cut)) == sizeof(cut), "report");
	close(p[0]);
	rss1 = h_rss_kib(H.run.pid);
	fprintf(stderr, "http_trickle_crowd: %ld cut, root fds max %d, RSS "
	    "%ld -> %ld KiB\n", cut, maxfds, rss0, rss1);
	h_assert(cut >= ATTACK_CONNS, "only %ld connections cut off", cut);
	h_assert(maxfds < ROOT_NOFILE / 2, "root held %d fds", maxfds);
	h_assert(h_log_count("Too many open files") == 0, "ran out of fds");
	h_assert(!h_done(&H.run), "pmtree run still runs");
	h_assert(H_UNTIL(http_code(port, "/healthz") == 200),
	    "/healthz after the crowd");
	h_assert(rss1 < rss0 + 8 * 1024, "root grew from %ld to %ld KiB", rss0,
	    rss1);
}
END_TEST

/*
 * A client writes status requests as fast as it can and never reads: the
 * root reads the next request only once the last reply is out, so it
 * stops reading, stays small, and a killed worker comes back at once.
 * Before: 27 MB -> 638 MB in 28 s, restarts delayed by seconds.
 */
START_TEST(control_pipeline_without_reading)
{
	static const char req[] = "{\"cmd\":\"status\"}\n";
	struct ctlconn cc[4];
	char *burst = malloc(64 * 1024);
	long rss0, rss1;
	uint64_t t0, killed;
	size_t k, n = 0;
	pid_t w;
	int j, flags;

	ck_assert(burst != NULL);
	for (k = 0; k + sizeof(req) - 1 <= 64 * 1024; k += sizeof(req) - 1)
		memcpy(burst + k, req, sizeof(req) - 1), n = k + sizeof(req) - 1;
	h_yaml("children:\n  - {name: s, cmd: @SLEEPER@, instances: 20}\n"
	    "  - {name: w, cmd: @SLEEPER@}\n");
	h_start_up(21);
	rss0 = h_rss_kib(H.run.pid);
	for (j = 0; j < 4; j++) {
		ctl_open(&cc[j], NULL);
		flags = fcntl(cc[j].fd, F_GETFL);
		ck_assert(fcntl(cc[j].fd, F_SETFL, flags | O_NONBLOCK) == 0);
	}
	t0 = h_now_ms();
	while (h_now_ms() - t0 < 4000) {
		for (j = 0; j < 4; j++)
			(void)send(cc[j].fd, burst, n, MSG_NOSIGNAL);
		h_nap();
	}
	w = h_pid_of("w", 0);
	killed = h_now_ms();
	h_assert(h_kill(w, SIGKILL), "kill w");
	h_assert(H_UNTIL_MS(3000, h_starts_of("w") == 2), "w restarted");
	h_assert(h_now_ms() - killed < 1500, "w restarted after %llu ms",
	    (unsigned long long)(h_now_ms() - killed));
	rss1 = h_rss_kib(H.run.pid);
	fprintf(stderr, "control_pipeline: root RSS %ld -> %ld KiB\n", rss0,
	    rss1);
	h_assert(rss1 < rss0 + 16 * 1024, "root grew from %ld to %ld KiB", rss0,
	    rss1);
	h_assert(ctl("status", NULL) == 0, "status from another client");
	for (j = 0; j < 4; j++)
		ctl_close(&cc[j]);
	free(burst);
}
END_TEST

/*
 * More control connections than the cap: the newest are told and closed.
 * At an open-file limit of 1,024 with one worker, the cap is a quarter of
 * what supervision's reserve leaves: (1,024 - 128 - 4) / 4 = 223; scaled
 * to 100 workers, (1,024 - 128 - 400) / 4 = 124.
 */
#define CONTROL_CAP_AT_1024	223
#define CONTROL_CAP_AT_1024_100	124

/* CAP + 16 connections: the last 16 refused, status answers after. */
static void
crowd_control(int cap)
{
	static struct ctlconn cc[CONTROL_CAP_AT_1024 + 16];
	int j, n = cap + 16, refused = 0;
	char *line;

	for (j = 0; j < n; j++)
		ctl_open(&cc[j], NULL);
	for (j = 0; j < n; j++) {
		if ((line = ctl_readline(&cc[j], 100)) == NULL)
			continue;
		h_assert(strstr(line, "too many connections") != NULL,
		    "conn %d: %s", j, line);
		refused++;
		free(line);
	}
	h_assert(refused == 16, "%d refused of %d, want 16", refused, n);
	for (j = 0; j < cap; j++)
		ctl_close(&cc[j]);
	h_assert(ctl("status", NULL) == 0, "status once they are gone");
	for (j = cap; j < n; j++)
		ctl_close(&cc[j]);
}

START_TEST(control_connections_capped)
{
	struct rlimit low = { ROOT_NOFILE, ROOT_NOFILE };

	/* This test's own process (Check forks one per test): never restored. */
	ck_assert(setrlimit(RLIMIT_NOFILE, &low) == 0);
	h_yaml("children:\n  - {name: s, cmd: @SLEEPER@}\n");
	h_start_up(1);
	crowd_control(CONTROL_CAP_AT_1024);
	h_assert(ctl("scale", "s", "100", NULL) == 0, "scale s 100: %s",
	    CTL.err);
	crowd_control(CONTROL_CAP_AT_1024_100);
}
END_TEST

/* A blank line, CRLF included, is skipped: the next request is answered. */
START_TEST(control_blank_crlf_line)
{
	static const char req[] = "\r\n\n{\"cmd\":\"status\"}\r\n";
	struct ctlconn c;
	char *line;

	h_yaml("children:\n  - {name: s, cmd: @SLEEPER@}\n");
	h_start_up(1);
	ctl_open(&c, NULL);
	h_assert(ctl_send(&c, req, sizeof(req) - 1), "send");
	line = ctl_readline(&c, 3000);
	h_assert(line != NULL && strncmp(line, "{\"ok\":true", 10) == 0,
	    "reply: %s", line != NULL ? line : "(none)");
	free(line);
	ctl_close(&c);
}
END_TEST

/*
 * An error over 1,024 bytes is cut inside a two-byte character: still a
 * reply with its message, not `pmtree: failed`.
 */
START_TEST(control_long_error_utf8)
{
	char target[2100];
	size_t k;

	h_yaml("children:\n  - {name: s, cmd: @SLEEPER@}\n");
	h_start_up(1);
	target[0] = 'x';
	for (k = 1; k < 2000; k += 2)
		memcpy(target + k, "\xc3\xa9", 2);	/* é, cut at 1,024 */
	target[k] = '\0';
	h_assert(ctl("stop", target, NULL) == 1 &&
	    strstr(CTL.err, "no such child: x\xc3\xa9\xc3\xa9") != NULL &&
	    strstr(CTL.err, "pmtree: failed") == NULL, "exit %d: %.200s",
	    CTL.rc, CTL.err);
}
END_TEST

/* /readyz/%00 and a NUL inside a path: 404, not the path cut at the NUL. */
START_TEST(readyz_escaped_nul)
{
	int port = h_free_port();

	yaml_http(port, "children:\n"
	    "  - name: api\n    children:\n"
	    "      - {name: web, cmd: @SLEEPER@}\n");
	h_start_up(1);
	h_assert(H_UNTIL(http_code(port, "/readyz/api") == 200), "/readyz/api");
	h_assert(http_code(port, "/readyz/api%2fweb") == 200, "%%2f decoded");
	h_assert(http_code(port, "/readyz/%00") == 404, "/readyz/%%00");
	h_assert(http_code(port, "/readyz/api%00/x") == 404, "api%%00/x");
	h_assert(http_code(port, "/readyz/api%0") == 404, "a cut escape");
	h_assert(http_code(port, "/readyz/api%zz") == 404, "a bad escape");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-clients");
	TCase *tc = h_tcase("clients");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, http_trickle_crowd_from_another_uid);
	tcase_add_test(tc, control_pipeline_without_reading);
	tcase_add_test(tc, control_connections_capped);
	tcase_add_test(tc, control_blank_crlf_line);
	tcase_add_test(tc, control_long_error_utf8);
	tcase_add_test(tc, readyz_escaped_nul);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
