/*
 * Finding a tree (SPEC Part two, "Finding a tree"): `-f CONFIG` reaches the
 * socket CONFIG names; a root whose socket is outside <rundir> links it
 * there as <name>.sock, so a plain `pmtree status` finds it; the link and
 * the lock file go when the tree stops.  The harness points
 * XDG_RUNTIME_DIR at <dir>/rt, so <rundir> is <dir>/rt/pmtree.
 */
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"

static const char tree[] =
    "children:\n"
    "  - {name: a, cmd: @SLEEPER@}\n";

#define NPATHS	4	/* the paths one call may hold at once */

/* <dir>/NAME, in a buffer of its own for NPATHS calls. */
static const char *
dir_path(const char *name)
{
	static char path[NPATHS][PATH_MAX];
	static int k;

	k = (k + 1) % NPATHS;
	H_FMT(path[k], "%s/%s", H.dir, name);
	return (path[k]);
}

/* <rundir>/NAME, the same way. */
static const char *
rundir_path(const char *name)
{
	char rel[PATH_MAX];

	H_FMT(rel, "rt/pmtree/%s", name);
	return (dir_path(rel));
}

/* The absolute path the link at PATH points to; "" if it is no link. */
static const char *
link_target(const char *path)
{
	static char buf[PATH_MAX];
	ssize_t n;

	if ((n = readlink(path, buf, sizeof(buf) - 1)) < 0)
		n = 0;
	buf[n] = '\0';
	return (buf);
}

static bool
gone(const char *path)
{
	struct stat st;

	return (lstat(path, &st) < 0 && errno == ENOENT);
}

/* `pmtree ARGS... status --json` found the tree NAME whose root is PID. */
static bool
found(const char *name, pid_t pid, json_t *st)
{
	const char *n = json_string_value(json_object_get(st, "name"));
	bool ok = n != NULL && strcmp(n, name) == 0 &&
	    json_integer_value(json_object_get(st, "pid")) == pid;

	json_decref(st);
	return (ok);
}

static json_t *
out_json(void)
{
	return (json_loads(CTL.out, 0, NULL));
}

/* The first tree, up, with its link in place. */
static void
up(void)
{
	h_yaml(tree);
	h_start_up(1);
	h_assert(H_UNTIL(*link_target(rundir_path("t.sock")) != '\0'),
	    "link at %s", rundir_path("t.sock"));
}

/* Starts CONFIG (tree t) as R; waits until SOCK answers `status`. */
static void
spawn_at(struct hrun *r, const char *tag, const char *config,
    const char *sock)
{
	h_spawn(r, tag, config);
	h_assert(H_UNTIL(ctl_env(NULL, "-S", sock, "status", NULL) == 0 ||
	    h_done(r)) && !h_done(r), "%s did not come up: %s", tag, CTL.err);
}

START_TEST(found_by_f)
{
	const char *env[] = { "PMTREE_SOCKET=/nonexistent/x.sock", NULL };
	const char *sh[] = { "sh", "-c", "cd sub && exec \"$PMTREE_BIN\" "
	    "-f ../t.yaml status --json", NULL };

	h_yaml(tree);
	h_start_up(1);
	h_assert(ctl_env(NULL, "-f", H.yaml, "status", "--json", NULL) == 0,
	    "-f: exit %d, stderr '%s'", CTL.rc, CTL.err);
	h_assert(found("t", H.run.pid, out_json()), "-f: %s", CTL.out);
	/* -f names the tree: $PMTREE_SOCKET does not override it. */
	h_assert(ctl_env(env, "-f", "t.yaml", "status", "--json", NULL) == 0 &&
	    found("t", H.run.pid, out_json()), "-f over PMTREE_SOCKET: %s",
	    CTL.err);
	/* control.socket is relative to the file's folder, not to ours. */
	ck_assert(mkdir(dir_path("sub"), 0755) == 0);
	h_assert(ctl_exec(NULL, sh) == 0 && found("t", H.run.pid, out_json()),
	    "-f from another folder: exit %d, stderr '%s'", CTL.rc, CTL.err);
	/* `logs -f` after the command is still "follow", not a file. */
	h_assert(ctl_env(NULL, "-f", "t.yaml", "logs", "a", "-n", "1",
	    NULL) == 0, "logs with -f: exit %d, stderr '%s'", CTL.rc, CTL.err);
	h_assert(ctl_env(NULL, "--config", "t.yaml", "stop", "a", NULL) == 0 &&
	    ctl_is("a", "stopped"), "--config stop: %s", CTL.err);
}
END_TEST

/* No control.socket: the default path for the tree's name. */
START_TEST(f_uses_the_default_path)
{
	struct hrun r;

	h_write("d.yaml", "name: d\nlog: {dir: logs-d}\n%s", tree);
	spawn_at(&r, "d", dir_path("d.yaml"), rundir_path("d.sock"));
	h_assert(ctl_env(NULL, "-f", "d.yaml", "status", "--json", NULL) == 0 &&
	    found("d", r.pid, out_json()), "-f d.yaml: exit %d, stderr '%s'",
	    CTL.rc, CTL.err);
	h_assert(gone(dir_path("run")), "nothing but the default socket");
	(void)h_kill(r.pid, SIGTERM);
	h_assert(h_wait_exit(&r, H_DEADLINE_MS) == 0, "d exits 0");
	h_assert(gone(rundir_path("d.sock")) && gone(rundir_path("d.sock.lock")),
	    "socket and lock gone");
	h_assert(ctl_env(NULL, "-f", "d.yaml", "status", NULL) == 1 &&
	    strstr(CTL.err, "no tree running at") != NULL,
	    "stopped: exit %d, stderr '%s'", CTL.rc, CTL.err);
}
END_TEST

START_TEST(plain_status_follows_the_link)
{
	char real[PATH_MAX];

	up();
	h_assert(realpath(ctl_sock(), real) != NULL, "realpath");
	h_assert(strcmp(link_target(rundir_path("t.sock")), real) == 0,
	    "the link points to %s, not '%s'", real,
	    link_target(rundir_path("t.sock")));
	h_assert(ctl_env(NULL, "status", "--json", NULL) == 0 &&
	    found("t", H.run.pid, out_json()), "plain status: exit %d, '%s'",
	    CTL.rc, CTL.err);
	/* A second name for the same socket is still one tree. */
	ck_assert(symlink(real, rundir_path("alias.sock")) == 0);
	h_assert(ctl_env(NULL, "status", "--json", NULL) == 0 &&
	    found("t", H.run.pid, out_json()), "two links: exit %d, '%s'",
	    CTL.rc, CTL.err);
	ck_assert(unlink(rundir_path("alias.sock")) == 0);
}
END_TEST

/* Another tree named t, its socket elsewhere: the name stays the first's. */
START_TEST(same_name_does_not_steal)
{
	char real[PATH_MAX], want[64];
	struct hrun r, d;

	up();
	h_assert(realpath(ctl_sock(), real) != NULL, "realpath");
	h_write("t2.yaml", "name: t\ncontrol: {socket: run2/t.sock}\n"
	    "log: {dir: logs2}\n%s", tree);
	spawn_at(&r, "t2", dir_path("t2.yaml"), dir_path("run2/t.sock"));
	h_assert(strcmp(link_target(rundir_path("t.sock")), real) == 0,
	    "the link still points to the first: '%s'",
	    link_target(rundir_path("t.sock")));
	h_assert(h_file_has(dir_path("logs2/pmtree.log"), "not linked"),
	    "the second says it did not link");
	h_assert(ctl_env(NULL, "status", "--json", NULL) == 0 &&
	    found("t", H.run.pid, out_json()), "plain status finds the first: "
	    "exit %d, '%s'", CTL.rc, CTL.err);
	/* Nor does a tree of that name whose socket is there by default. */
	h_write("t3.yaml", "name: t\nlog: {dir: logs3}\n%s", tree);
	h_spawn(&d, "t3", dir_path("t3.yaml"));
	h_assert(h_wait_exit(&d, H_DEADLINE_MS) == 1, "t3 refused");
	snprintf(want, sizeof(want), "pmtree: already running (pid %d)\n",
	    (int)H.run.pid);
	h_assert(h_file_has(d.err, want), "t3 says '%s'", want);
	(void)h_kill(r.pid, SIGTERM);
	h_assert(h_wait_exit(&r, H_DEADLINE_MS) == 0, "t2 exits 0");
	h_assert(gone(dir_path("run2/t.sock.lock")), "t2's lock file gone");
	h_assert(strcmp(link_target(rundir_path("t.sock")), real) == 0,
	    "the first's link survives the second's exit");
	h_assert(ctl_env(NULL, "status", "--json", NULL) == 0 &&
	    found("t", H.run.pid, out_json()), "still found: %s", CTL.err);
}
END_TEST

/* A SIGKILLed root's link is stale: the next tree of that name takes it. */
START_TEST(stale_link_is_replaced)
{
	char real[PATH_MAX];
	struct hrun r;

	up();
	h_signal(SIGKILL);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 128 + SIGKILL, "killed");
	h_assert(H_UNTIL(h_marked_alive() == 0), "the old tree is gone");
	h_assert(*link_target(rundir_path("t.sock")) != '\0', "a stale link");
	h_write("t2.yaml", "name: t\ncontrol: {socket: run2/t.sock}\n"
	    "log: {dir: logs2}\n%s", tree);
	spawn_at(&r, "t2", dir_path("t2.yaml"), dir_path("run2/t.sock"));
	h_assert(realpath(dir_path("run2/t.sock"), real) != NULL, "realpath");
	h_assert(H_UNTIL(strcmp(link_target(rundir_path("t.sock")), real) == 0),
	    "the link now points to the second: '%s'",
	    link_target(rundir_path("t.sock")));
	h_assert(ctl_env(NULL, "status", "--json", NULL) == 0 &&
	    found("t", r.pid, out_json()), "plain status: %s", CTL.err);
	(void)h_kill(r.pid, SIGTERM);
	h_assert(h_wait_exit(&r, H_DEADLINE_MS) == 0, "t2 exits 0");
	h_assert(gone(rundir_path("t.sock")), "its link gone");
}
END_TEST

START_TEST(shutdown_removes_link_and_lock)
{
	char lock[PATH_MAX + 8];

	up();
	snprintf(lock, sizeof(lock), "%s.lock", ctl_sock());
	h_assert(access(lock, F_OK) == 0, "the lock file while it runs");
	h_assert(ctl_env(NULL, "shutdown", NULL) == 0, "shutdown: exit %d, "
	    "stderr '%s'", CTL.rc, CTL.err);
	/* Gone before the reply: shutdown returns when the tree is down. */
	h_assert(gone(rundir_path("t.sock")), "the link is gone");
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "run exits 0");
	h_assert(gone(lock) && gone(ctl_sock()), "lock file and socket gone");
	h_assert(gone(rundir_path("t.sock.lock")), "the name's lock gone");
	h_assert(ctl_env(NULL, "status", NULL) == 1, "nothing found: exit %d",
	    CTL.rc);
}
END_TEST

START_TEST(usage_errors)
{
	h_yaml(tree);
	h_assert(ctl_env(NULL, "-S", ctl_sock(), "-f", H.yaml, "status",
	    NULL) == 2 && strstr(CTL.err, "-S and -f") != NULL,
	    "-S with -f: exit %d, stderr '%s'", CTL.rc, CTL.err);
	h_assert(ctl_env(NULL, "-f", "t.yaml", "-S", ctl_sock(), "stop", "a",
	    NULL) == 2, "-f with -S: exit %d", CTL.rc);
	h_assert(ctl_env(NULL, "-f", "t.yaml", "run", "t.yaml", NULL) == 2 &&
	    strstr(CTL.err, "-f is for the commands") != NULL,
	    "-f with run: exit %d, stderr '%s'", CTL.rc, CTL.err);
	h_assert(gone(dir_path("logs")), "nothing ran");
}
END_TEST

START_TEST(f_with_a_bad_config)
{
	h_write("bad.yaml", "name: t\nchildren:\n  - {name: a}\n");
	h_assert(ctl_env(NULL, "-f", "bad.yaml", "status", NULL) == 2,
	    "bad config: exit %d, want 2", CTL.rc);
	h_assert(strstr(CTL.err, "bad.yaml:3:5: a child needs \"cmd\"") != NULL,
	    "its error: '%s'", CTL.err);
	h_assert(ctl_env(NULL, "-f", "missing.yaml", "shutdown", NULL) == 2 &&
	    strstr(CTL.err, "missing.yaml") != NULL,
	    "missing config: exit %d, stderr '%s'", CTL.rc, CTL.err);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-find");
	TCase *tc = h_tcase("find");

	tcase_add_test(tc, found_by_f);
	tcase_add_test(tc, f_uses_the_default_path);
	tcase_add_test(tc, plain_status_follows_the_link);
	tcase_add_test(tc, same_name_does_not_steal);
	tcase_add_test(tc, stale_link_is_replaced);
	tcase_add_test(tc, shutdown_removes_link_and_lock);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, f_with_a_bad_config);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
