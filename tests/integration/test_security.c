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
#include <limits.h>
#include <signal.h>
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

	H_FMT(path, "/proc/%d/status", (int)pid);
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

/* --- symbolic links and other traps in log.dir ------------------------- */

/* The command of a worker printing a line every 20 ms. */
static void
ticker(char *cmd, size_t len)
{
	const char *w = getenv("FX_WRITER");

	h_assert(w != NULL, "FX_WRITER is not set (run with meson test)");
	snprintf(cmd, len, "%s --lines 1000000 --every 20", w);
}

/* <dir>/SUB, made now. */
static void
folder(const char *sub, char *path, size_t len)
{
	h_assert(snprintf(path, len, "%s/%s", H.dir, sub) < (int)len, "%s", sub);
	h_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s", path);
}

static void
plant(const char *target, const char *sub)
{
	char path[PATH_MAX];

	H_FMT(path, "%s/%s", H.dir, sub);
	h_assert(symlink(target, path) == 0, "symlink %s: %s", path,
	    strerror(errno));
}

static long
size_of(const char *path)
{
	struct stat st;

	return (stat(path, &st) == 0 ? (long)st.st_size : -1);
}

/* PATH exists and has more than N lines. */
static bool
grows_past(const char *path, int n)
{
	return (h_lines(path) > n);
}

/*
 * A dangling b.log -> outside/x planted before the start: b's lines are
 * held back (its file is refused and logged), outside/x is never created,
 * a.log is written all along, and b.log is still the link.  Once the link
 * is removed, b.log gets b's lines from the first.
 */
START_TEST(log_dangling_symlink_not_created)
{
	char tick[PATH_MAX], out[PATH_MAX], x[PATH_MAX], logs[PATH_MAX],
	    a[PATH_MAX], b[PATH_MAX];
	struct stat st;

	ticker(tick, sizeof(tick));
	folder("outside", out, sizeof(out));
	folder("logs", logs, sizeof(logs));
	H_FMT(x, "%s/x", out);
	plant(x, "logs/b.log");
	h_yaml("children:\n  - {name: a, cmd: %s}\n  - {name: b, cmd: %s}\n",
	    tick, tick);
	h_start_up(2);
	H_FMT(a, "%s/a.log", logs);
	H_FMT(b, "%s/b.log", logs);
	h_assert(H_UNTIL(h_log_count("b.log: a symbolic link, not followed") ==
	    1), "the refusal of b.log is logged once");
	h_assert(H_UNTIL(grows_past(a, 20)), "a.log is written");
	h_assert(access(x, F_OK) < 0 && errno == ENOENT, "outside/x created");
	h_assert(lstat(b, &st) == 0 && S_ISLNK(st.st_mode), "b.log replaced");
	h_assert(ctl("status", "--json", NULL) == 0 && strstr(CTL.out,
	    "a symbolic link, not followed") != NULL,
	    "status shows the refusal as log.last_error");
	/* The link removed: b's lines waited, from its first one on. */
	h_assert(unlink(b) == 0, "unlink %s", b);
	h_assert(H_UNTIL(grows_past(b, 5)), "b.log is written once a file");
	h_assert(h_file_has(b, " 0000000000 ") && h_file_has(b, " 0000000001 "),
	    "b's first lines were kept");
}
END_TEST

/*
 * As a logrotate run by the folder's owner would: a.log renamed away, a
 * symbolic link to another file put in its place, USR1.  The root does
 * not write through it: the other file stays as it was.
 */
START_TEST(log_symlink_after_usr1_not_followed)
{
	char tick[PATH_MAX], out[PATH_MAX], victim[PATH_MAX], a[PATH_MAX],
	    moved[PATH_MAX], b[PATH_MAX];
	int n;

	ticker(tick, sizeof(tick));
	folder("outside", out, sizeof(out));
	H_FMT(victim, "%s/victim", out);
	h_write("outside/victim", "precious\n");
	h_yaml("children:\n  - {name: a, cmd: %s}\n  - {name: b, cmd: %s}\n",
	    tick, tick);
	h_start_up(2);
	H_FMT(a, "%s/logs/a.log", H.dir);
	H_FMT(b, "%s/logs/b.log", H.dir);
	H_FMT(moved, "%s/logs/a.log.old", H.dir);
	h_assert(H_UNTIL(grows_past(a, 5)), "a.log is written");
	h_assert(rename(a, moved) == 0, "rename a.log");
	plant(victim, "logs/a.log");
	h_signal(SIGUSR1);
	h_assert(H_UNTIL(h_log_count("a.log: a symbolic link, not followed") ==
	    1), "the refusal of a.log is logged");
	/* b's lines after the reopen show the collector went on. */
	n = h_lines(b);
	h_assert(H_UNTIL(grows_past(b, n + 20)), "b.log is written");
	h_assert(size_of(victim) == 9 && h_file_has(victim, "precious\n"),
	    "the other file was written to (%ld bytes)", size_of(victim));
}
END_TEST

/* A group folder that is a link: nothing is written where it points. */
START_TEST(log_symlinked_group_folder_not_followed)
{
	char tick[PATH_MAX], out[PATH_MAX], w[PATH_MAX];

	ticker(tick, sizeof(tick));
	folder("outside", out, sizeof(out));
	folder("logs", w, sizeof(w));
	plant(out, "logs/g");
	h_yaml("children:\n  - {name: s, cmd: %s}\n"
	    "  - name: g\n    children:\n      - {name: w, cmd: %s}\n",
	    tick, tick);
	h_start_up(2);
	h_assert(H_UNTIL(h_log_count("g/w.log: a folder on its way is a "
	    "symbolic link, not followed") == 1), "the refusal is logged");
	H_FMT(w, "%s/w.log", out);
	h_assert(access(w, F_OK) < 0 && errno == ENOENT, "outside/w.log made");
	H_FMT(w, "%s/logs/s.log", H.dir);
	h_assert(H_UNTIL(grows_past(w, 20)), "s.log is written");
}
END_TEST

/*
 * pmtree.log a link at the start: `run` refuses, says why, creates
 * nothing; replaced by a link while running, USR1: not followed either.
 */
START_TEST(log_symlinked_pmtree_log_not_followed)
{
	const char *argv[] = { getenv("PMTREE_BIN"), "run", H.yaml, NULL };
	char out[PATH_MAX], p[PATH_MAX], moved[PATH_MAX];
	int n;

	folder("outside", out, sizeof(out));
	folder("logs", p, sizeof(p));
	H_FMT(p, "%s/p", out);
	plant(p, "logs/pmtree.log");
	h_yaml("children:\n  - {name: s, cmd: @SLEEPER@}\n");
	h_assert(ctl_exec(NULL, argv) != 0, "run refused");
	h_assert(CTL.err != NULL && strstr(CTL.err, "pmtree.log: a symbolic "
	    "link, not followed") != NULL, "run says why (got %s)", CTL.err);
	h_assert(access(p, F_OK) < 0 && errno == ENOENT, "outside/p created");
	h_assert(h_starts_of("s") == 0, "nothing started");

	h_assert(unlink(H.log) == 0, "unlink the link");
	h_start_up(1);
	H_FMT(moved, "%s.old", H.log);
	h_write("outside/p", "precious\n");
	h_assert(rename(H.log, moved) == 0, "rename pmtree.log");
	plant(p, "logs/pmtree.log");
	h_signal(SIGUSR1);
	h_assert(H_UNTIL(h_file_has(H.run.err, "reopening ") &&
	    h_file_has(H.run.err, "pmtree.log: a symbolic link, not followed")),
	    "the refusal is on pmtree's stderr");
	n = h_starts_of("s");
	h_assert(h_kill(h_pid_of("s", 0), SIGKILL), "kill s");
	h_assert(H_UNTIL(h_starts_of("s") > n), "s restarted");
	h_assert(size_of(p) == 9, "the other file was written to (%ld bytes)",
	    size_of(p));
}
END_TEST

/*
 * A FIFO (which would hold a plain open forever) and a hard link to
 * another file, planted as log files: both refused and logged, the tree
 * goes on.
 */
START_TEST(log_fifo_and_hard_link_refused)
{
	char tick[PATH_MAX], logs[PATH_MAX], path[PATH_MAX], victim[PATH_MAX];

	ticker(tick, sizeof(tick));
	folder("logs", logs, sizeof(logs));
	H_FMT(path, "%s/f.log", logs);
	h_assert(mkfifo(path, 0644) == 0, "mkfifo %s", path);
	h_write("victim", "precious\n");
	H_FMT(victim, "%s/victim", H.dir);
	H_FMT(path, "%s/h.log", logs);
	h_assert(link(victim, path) == 0, "link %s", path);
	h_yaml("children:\n  - {name: f, cmd: %s}\n  - {name: h, cmd: %s}\n"
	    "  - {name: s, cmd: %s}\n", tick, tick, tick);
	h_start_up(3);
	h_assert(H_UNTIL(h_log_count("f.log: not a regular file, not written") ==
	    1), "the FIFO is refused");
	h_assert(H_UNTIL(h_log_count("h.log: a file with other hard links, "
	    "not written") == 1), "the hard link is refused");
	H_FMT(path, "%s/s.log", logs);
	h_assert(H_UNTIL(grows_past(path, 20)), "s.log is written");
	h_assert(size_of(victim) == 9, "the linked file was written to");
	h_assert(ctl("status", NULL) == 0, "status answers");
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
	tcase_add_test(tc, log_dangling_symlink_not_created);
	tcase_add_test(tc, log_symlink_after_usr1_not_followed);
	tcase_add_test(tc, log_symlinked_group_folder_not_followed);
	tcase_add_test(tc, log_symlinked_pmtree_log_not_followed);
	tcase_add_test(tc, log_fifo_and_hard_link_refused);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
