/*
 * doc/security.md, claim by claim: what status reveals, who may connect to
 * the collector's socket, what the HTTP endpoint lets a client do, and how
 * `user`/`group` drop privileges (and are refused when pmtree is not root).
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"

/* The uid, gid and groups line of /proc/PID/status, as written there. */
static void
proc_ids(pid_t pid, char *uid, char *gid, size_t len)
{
	char path[64], *s, *u, *g;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	s = h_read(path);
	h_assert(s != NULL, "read %s", path);
	u = strstr(s, "\nUid:\t");
	g = strstr(s, "\nGid:\t");
	h_assert(u != NULL && g != NULL, "ids in %s", path);
	snprintf(uid, len, "%.*s", (int)strcspn(u + 6, "\t"), u + 6);
	snprintf(gid, len, "%.*s", (int)strcspn(g + 6, "\t"), g + 6);
	free(s);
}

/* status --json shows names, pids and states: never environment values. */
START_TEST(status_reveals_no_env)
{
	const char *out;

	h_yaml("children:\n"
	    "  - {name: s, cmd: @SLEEPER@, env: {DB_PASSWORD: hunter2-secret}}\n");
	h_start_up(1);
	h_assert(ctl("status", "--json", NULL) == 0, "status --json");
	out = CTL.out;
	h_assert(out != NULL && strstr(out, "\"path\":\"s\"") != NULL,
	    "status lists s");
	h_assert(strstr(out, "hunter2") == NULL && strstr(out, "DB_PASSWORD") == NULL,
	    "status shows no environment");
	h_assert(h_environ_has(h_pid_of("s", 0), "DB_PASSWORD=hunter2-secret"),
	    "the worker has it");
}
END_TEST

/* The collector's socket (abstract, any uid may reach it) admits only ours. */
START_TEST(collector_refuses_other_uids)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	pid_t pid;
	int st, n;

	if (geteuid() != 0)
		return;	/* needs root to become another user */
	h_yaml("children:\n  - {name: s, cmd: @SLEEPER@}\n");
	h_start_up(1);
	n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "pmtree-log-%d", (int)H.run.pid);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	if ((pid = fork()) == 0) {
		char buf[8];
		int fd;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sun, len) < 0)
			_exit(3);
		/* Accepted by the kernel, then closed by the collector: EOF. */
		_exit(recv(fd, buf, sizeof(buf), 0) == 0 ? 0 : 4);
	}
	h_assert(pid > 0 && waitpid(pid, &st, 0) == pid, "the other user ran");
	h_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "its connection was closed at once (status %d)", st);
	h_assert(ctl("status", NULL) == 0, "the tree is unaffected");
}
END_TEST

/* `user` and `group` (as root): the worker runs with those ids. */
START_TEST(user_and_group_dropped)
{
	char uid[32], gid[32];

	if (geteuid() != 0)
		return;
	h_yaml("children:\n"
	    "  - {name: u, cmd: @SLEEPER@, user: nobody, cwd: /}\n"
	    "  - {name: g, cmd: @SLEEPER@, group: \"65534\", cwd: /}\n");
	/* nobody records its start in the test's folder too. */
	h_write("starts", "%s", "");
	h_assert(chmod(H.dir, 0777) == 0 && chmod(H.starts, 0666) == 0, "chmod");
	h_start_up(2);
	proc_ids(h_pid_of("u", 0), uid, gid, sizeof(uid));
	h_assert(strcmp(uid, "65534") == 0 && strcmp(gid, "65534") == 0,
	    "u runs as nobody (uid %s gid %s)", uid, gid);
	proc_ids(h_pid_of("g", 0), uid, gid, sizeof(uid));
	h_assert(strcmp(uid, "0") == 0 && strcmp(gid, "65534") == 0,
	    "g keeps its uid, changes its group (uid %s gid %s)", uid, gid);
}
END_TEST

/* Not root: another user's ids are refused before anything starts. */
START_TEST(user_refused_when_not_root)
{
	const char *argv[] = { "setpriv", "--reuid=65534", "--regid=65534",
	    "--clear-groups", getenv("PMTREE_BIN"), "run", H.yaml, NULL };
	if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0)
		return;
	h_yaml("children:\n  - {name: r, cmd: @SLEEPER@, user: root}\n");
	h_assert(chmod(H.dir, 0777) == 0 && chmod(H.yaml, 0644) == 0, "chmod");
	h_assert(ctl_exec(NULL, argv) == 2, "run refused with exit 2");
	h_assert(CTL.err != NULL && strstr(CTL.err, "r: `user` and `group` need "
	    "pmtree to run as root") != NULL, "the reason names the worker");
	h_assert(h_starts_of("r") == 0, "nothing started");
}
END_TEST

/* `check` names an unknown user at its line and column. */
START_TEST(unknown_user_is_a_config_error)
{
	const char *argv[] = { getenv("PMTREE_BIN"), "check", H.yaml, NULL };

	h_yaml("children:\n  - {name: x, cmd: @SLEEPER@, user: no-such-user-x}\n");
	h_assert(ctl_exec(NULL, argv) == 2, "check exits 2");
	h_assert(CTL.err != NULL && strncmp(CTL.err, H.yaml, strlen(H.yaml)) == 0 &&
	    strstr(CTL.err, "unknown user \"no-such-user-x\"") != NULL,
	    "FILE:LINE:COL: unknown user (got %s)", CTL.err);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-security");
	TCase *tc = h_tcase("security");

	tcase_add_test(tc, status_reveals_no_env);
	tcase_add_test(tc, collector_refuses_other_uids);
	tcase_add_test(tc, user_and_group_dropped);
	tcase_add_test(tc, user_refused_when_not_root);
	tcase_add_test(tc, unknown_user_is_a_config_error);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
