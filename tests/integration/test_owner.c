/*
 * Who answers a TCP check (SPEC §8): a `tcp` gate, and an `http` gate to
 * an address of this machine, passes only when the listening socket is
 * the worker's (its process group's).  A port held by another process
 * keeps the worker `starting`, and pmtree.log says once per start
 * "127.0.0.1:P is held by pid N, not by a"; `owner: any` turns it off.
 *
 * The foreign holder is the test itself (a listener it never serves but
 * drains) or an fx-health it starts outside the tree.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"

/* How long a worker held back must stay not ready: a dozen probe tries. */
#define HELD_MS	2500

static const char *
fxh(void)
{
	const char *p = getenv("FX_HEALTH");

	ck_assert_msg(p != NULL, "FX_HEALTH is not set (run with meson test)");
	return (p);
}

static const char *
marks(void)
{
	static char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/marks", H.dir);
	return (path);
}

/* A listener of ours, non-blocking so that drain() never waits. */
static int
foreign_listener(int *port)
{
	int fd = h_listen_any(port);

	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return (fd);
}

/*
 * Accepts and closes what the probe connected: a full backlog would leave
 * its next connect waiting for good.  Returns true, for use in H_UNTIL.
 */
static bool
drain(int lfd)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(fd);
	return (true);
}

/* Not ready during HELD_MS, draining LFD (-1: none) meanwhile. */
static bool
stays_not_ready(const char *path, int lfd)
{
	return (!H_UNTIL_MS(HELD_MS, (lfd < 0 || drain(lfd)) &&
	    ctl_is_ready(path)));
}

static bool
can_connect(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	int fd;
	bool ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return (false);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return (ok);
}

/* fx-health serving HTTP 200 on 127.0.0.1:PORT, outside the tree. */
static pid_t
foreign_http(int port)
{
	const char *bin = fxh(), *mk = marks();
	char p[16];
	pid_t pid;
	int null;

	snprintf(p, sizeof(p), "%d", port);
	if ((pid = fork()) == 0) {
		/* Marked: the clean-up kills it with the tree. */
		if (setenv("PMTREE_IT_TAG", H.dir, 1) < 0 ||
		    (null = open("/dev/null", O_RDWR)) < 0 ||
		    dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(null, 2) < 0)
			_exit(126);
		(void)unsetenv("FX_STARTS");
		execl(bin, "fx-health", "--http", p, "--mark", mk,
		    (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	h_assert(H_UNTIL(can_connect(port)), "the foreign server listens");
	return (pid);
}

static int
marks_of(const char *event)
{
	char *s = h_read(marks()), *p = s;
	int n = 0;

	while (p != NULL && (p = strstr(p, event)) != NULL) {
		n++;
		p += strlen(event);
	}
	free(s);
	return (n);
}

static int
held_lines(const char *who, int port, pid_t pid)
{
	char needle[256];

	H_FMT(needle, " %s 127.0.0.1:%d is held by pid %d, not by %s", who,
	    port, (int)pid, who);
	return (h_log_count(needle));
}

/* --- tcp ------------------------------------------------------------------ */

/*
 * The port is the test's; the worker never listens: it stays starting,
 * its sibling waiting, and the line is logged once per start.
 */
START_TEST(tcp_port_held_by_another_process)
{
	int port, lfd = foreign_listener(&port);
	pid_t a0;

	h_yaml("children:\n"
	    "  - {name: a, cmd: @SLEEPER@, ready: {tcp: \"127.0.0.1:%d\"},"
	    " ready_timeout: 60s, backoff: [0]}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n", port);
	ctl_start_tree();
	h_assert(H_UNTIL(drain(lfd) && held_lines("a", port, getpid()) == 1),
	    "'is held by pid %d' logged", (int)getpid());
	h_assert(stays_not_ready("a", lfd), "a is not ready");
	h_assert(ctl_is("a", "starting") && ctl_is("b", "waiting"),
	    "a starting, b waiting");
	h_assert(held_lines("a", port, getpid()) == 1, "said once, for %d "
	    "tries", 10);
	h_assert(h_log_count(" is held by ") == 1, "one line in all");
	h_assert(h_log_count(" a ready") == 0 && h_starts_of("b") == 0,
	    "never ready, b never started");
	/* A new start (after a crash) says it again, once. */
	a0 = h_pid_of("a", 0);
	h_assert(h_kill(a0, SIGKILL), "kill a");
	h_assert(H_UNTIL(drain(lfd) && held_lines("a", port, getpid()) == 2),
	    "said again for the new start");
	h_assert(h_starts_of("a") == 2 && ctl_pid_of("a") != a0, "a started anew");
	h_assert(stays_not_ready("a", lfd), "still not ready");
	h_assert(held_lines("a", port, getpid()) == 2, "once per start");
	close(lfd);
}
END_TEST

/* The worker listens itself: ready, nothing said. */
START_TEST(tcp_port_of_the_worker)
{
	int port = h_free_port();

	h_yaml("children:\n"
	    "  - {name: a, cmd: %s --tcp %d --listen-after 300,"
	    " ready: {tcp: \"127.0.0.1:%d\"}}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n", fxh(), port, port);
	ctl_start_tree();
	h_assert(H_UNTIL(ctl_is_ready("a")), "a ready");
	h_wait_starts(2);
	h_assert(h_log_count(" is held by ") == 0, "nothing held");
}
END_TEST

/* A process of the worker's group other than the worker holds it. */
START_TEST(tcp_port_of_a_process_of_the_group)
{
	int port = h_free_port();

	h_yaml("children:\n"
	    "  - {name: a, cmd: [sh, -c, \"%s --tcp %d & wait\"],"
	    " ready: {tcp: \"127.0.0.1:%d\"}}\n", fxh(), port, port);
	ctl_start_tree();
	h_assert(H_UNTIL(ctl_is_ready("a")), "a ready");
	h_assert(h_log_count(" is held by ") == 0, "nothing held");
}
END_TEST

/* `owner: any`: the foreign holder is enough. */
START_TEST(tcp_owner_any)
{
	int port, lfd = foreign_listener(&port);

	h_yaml("children:\n"
	    "  - {name: a, cmd: @SLEEPER@, ready: {tcp: \"127.0.0.1:%d\","
	    " owner: any}}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n", port);
	ctl_start_tree();
	h_assert(H_UNTIL(drain(lfd) && ctl_is_ready("a")), "a ready");
	h_wait_starts(2);
	h_assert(h_log_count(" is held by ") == 0, "nothing said");
	close(lfd);
}
END_TEST

/* --- http ----------------------------------------------------------------- */

/* A 200 from someone else's server on 127.0.0.1 is not the worker's. */
START_TEST(http_answered_by_another_process)
{
	int port = h_free_port();
	pid_t fx = foreign_http(port);

	h_yaml("children:\n"
	    "  - {name: a, cmd: @SLEEPER@,"
	    " ready: {http: \"http://127.0.0.1:%d/health\"}, ready_timeout: 60s}\n",
	    port);
	ctl_start_tree();
	h_assert(H_UNTIL(held_lines("a", port, fx) == 1),
	    "'is held by pid %d' logged", (int)fx);
	h_assert(marks_of(" http200 ") >= 1, "it did answer 200");
	h_assert(stays_not_ready("a", -1), "a is not ready");
	h_assert(ctl_is("a", "starting"), "a starting");
	h_assert(marks_of(" http200 ") >= 3, "asked again and again");
	h_assert(held_lines("a", port, fx) == 1 &&
	    h_log_count(" is held by ") == 1, "said once");
	(void)kill(fx, SIGKILL);
}
END_TEST

/* The same with `owner: any`, through localhost: ready. */
START_TEST(http_owner_any)
{
	int port = h_free_port();
	pid_t fx = foreign_http(port);

	h_yaml("children:\n"
	    "  - {name: a, cmd: @SLEEPER@,"
	    " ready: {http: \"http://localhost:%d/\", owner: any}}\n", port);
	ctl_start_tree();
	h_assert(H_UNTIL(ctl_is_ready("a")), "a ready");
	h_assert(h_log_count(" is held by ") == 0, "nothing said");
	(void)kill(fx, SIGKILL);
}
END_TEST

/* The worker's own server (fx-health --http): ready. */
START_TEST(http_answered_by_the_worker)
{
	int port = h_free_port();

	h_yaml("children:\n"
	    "  - {name: a, cmd: %s --http %d,"
	    " ready: {http: \"http://localhost:%d/\"}}\n", fxh(), port, port);
	ctl_start_tree();
	h_assert(H_UNTIL(ctl_is_ready("a")), "a ready");
	h_assert(h_log_count(" is held by ") == 0, "nothing said");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-owner");
	TCase *tc;

	tc = h_tcase("tcp");
	tcase_add_test(tc, tcp_port_held_by_another_process);
	tcase_add_test(tc, tcp_port_of_the_worker);
	tcase_add_test(tc, tcp_port_of_a_process_of_the_group);
	tcase_add_test(tc, tcp_owner_any);
	suite_add_tcase(s, tc);
	tc = h_tcase("http");
	tcase_add_test(tc, http_answered_by_another_process);
	tcase_add_test(tc, http_owner_any);
	tcase_add_test(tc, http_answered_by_the_worker);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
