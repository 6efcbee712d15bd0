/*
 * Failures to start (SPEC §2, §3): a cmd that cannot be exec'd is a crash
 * (code 127) with its reason in pmtree.log; a bad file starts nothing.
 */
#include <limits.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>

#include "harness.h"

#define NOENT " ghost exec ./does-not-exist: No such file or directory"

/* Restarted with its backoff; its later sibling waits for it meanwhile. */
START_TEST(exec_failure_is_a_crash)
{
	h_yaml("intensity: 100\n"
	    "period: 10s\n"
	    "children:\n"
	    "  - {name: early, cmd: @SLEEPER@}\n"
	    "  - {name: ghost, cmd: ./does-not-exist, backoff: [200ms]}\n"
	    "  - {name: later, cmd: @SLEEPER@}\n");
	h_start();
	h_assert(H_UNTIL(h_log_count(NOENT) >= 3), "three exec failures");
	h_assert(h_log_count(" ghost exited with code 127") >= 2, "code 127");
	h_assert(h_log_count(" ghost restarting in 200 ms") >= 2, "backoff");
	h_assert(h_log_index(NOENT, 0) < h_log_index(" ghost restarting", 0),
	    "reason before the restart");
	h_assert(h_starts_of("early") == 1 && h_alive(h_pid_of("early", 0)),
	    "early runs");
	h_assert(h_starts_of("later") == 0, "later waits for ghost");
	h_assert(h_log_count("is up") == 0, "the tree is not up");
	h_assert(h_file_has(H.run.err,
	    "pmtree: ghost: exec ./does-not-exist: No such file or directory"), "on stderr too");
	h_assert(h_file_has(H.run.err, ":8:24: warning: program "
	    "\"./does-not-exist\" not found in "), "run warns as check does");
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
}
END_TEST

/* With intensity 0 the group gives up at once, and so does the root. */
START_TEST(exec_failure_with_intensity_0)
{
	int rc;

	h_yaml("intensity: 0\n"
	    "children:\n"
	    "  - {name: s, cmd: @SLEEPER@}\n"
	    "  - name: api\n"
	    "    intensity: 0\n"
	    "    children:\n"
	    "      - {name: ghost, cmd: ./does-not-exist}\n");
	h_start();
	rc = h_wait_exit(&H.run, H_DEADLINE_MS);
	h_assert(rc == 3, "exit %d, want 3", rc);
	h_assert(h_log_count(" api/ghost exec ./does-not-exist: No such file or "
	    "directory") == 1, "one exec failure");
	h_assert(h_log_count(" api gave up: more than 0 restarts") == 1,
	    "api gave up");
	h_assert(h_log_count(" api supervisor gave up") == 1, "root saw it");
	h_assert(h_log_count(" pmtree gave up: more than 0 restarts") == 1,
	    "root gave up");
	h_assert(h_log_count("restarting in") == 0, "no restart");
	h_assert(h_gone(h_pid_of("s", 0)), "s gone");
}
END_TEST

START_TEST(exec_permission_denied)
{
	h_write("notexec", "#!/bin/sh\nexit 0\n");
	h_yaml("children:\n"
	    "  - {name: nx, cmd: ./notexec, backoff: [1s]}\n");
	h_start();
	h_assert(H_UNTIL(h_log_count(" nx exec ./notexec: Permission denied")
	    == 1), "EACCES reason");
	h_assert(H_UNTIL(h_log_count(" nx exited with code 127") == 1),
	    "code 127");
}
END_TEST

/*
 * A cwd that cannot be entered is a failed start (code 127) that says
 * chdir and the cwd as written, in pmtree.log and as the worker's err
 * record; pmtree creates no cwd.
 */
START_TEST(chdir_failure_is_not_an_exec_failure)
{
	char path[PATH_MAX + 32];

	h_write("afile", "not a folder\n");
	h_yaml("children:\n"
	    "  - {name: rel, cmd: /bin/true, cwd: servics/a, backoff: [1s]}\n"
	    "  - {name: abs, cmd: /bin/true, cwd: /nonexistent/pmtree-x, "
	    "backoff: [1s]}\n"
	    "  - {name: nd, cmd: /bin/true, cwd: afile, backoff: [1s]}\n");
	h_start();
	h_assert(H_UNTIL(h_log_count(" rel chdir servics/a: No such file or "
	    "directory") == 1), "relative cwd");
	h_assert(H_UNTIL(h_log_count(" rel exited with code 127") == 1),
	    "code 127");
	h_assert(h_log_count("exec /bin/true") == 0, "not an exec failure");
	snprintf(path, sizeof(path), "%s/logs/rel.log", H.dir);
	h_assert(H_UNTIL(h_file_has(path, " rel err chdir servics/a: No such "
	    "file or directory\n")), "the err record");
	snprintf(path, sizeof(path), "%s/servics", H.dir);
	h_assert(access(path, F_OK) < 0, "cwd created");
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	/* The others are later siblings: each in a tree of its own. */
	h_yaml("children:\n"
	    "  - {name: abs, cmd: /bin/true, cwd: /nonexistent/pmtree-x, "
	    "backoff: [1s]}\n");
	h_start();
	h_assert(H_UNTIL(h_log_count(" abs chdir /nonexistent/pmtree-x: No "
	    "such file or directory") == 1), "absolute cwd");
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	h_yaml("children:\n"
	    "  - {name: nd, cmd: /bin/true, cwd: afile, backoff: [1s]}\n");
	h_start();
	h_assert(H_UNTIL(h_log_count(" nd chdir afile: Not a directory") == 1),
	    "a file as cwd");
}
END_TEST

static void
expect_config_error(const char *name, const char *where)
{
	char path[PATH_MAX + 16], msg[PATH_MAX + 64];
	struct hrun r;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", H.dir, name);
	h_spawn(&r, "bad", path);
	rc = h_wait_exit(&r, H_DEADLINE_MS);
	h_assert(rc == 2, "exit %d, want 2", rc);
	snprintf(msg, sizeof(msg), "%s:%s", path, where);
	h_assert(h_file_has(r.err, msg), "stderr names %s", msg);
	h_assert(!h_file_has(r.err, "starting tree"), "nothing started");
	h_assert(h_lines(H.starts) == 0, "no worker ran");
	h_assert(h_marked_alive() == 0, "no process left");
}

START_TEST(config_error_exits_2)
{
	h_write("bad.yaml", "name: bad\n"
	    "control: {socket: run/bad.sock}\n"
	    "children:\n"
	    "  - {name: a, cmd: @SLEEPER@}\n"
	    "  - {name: b, cmd: @SLEEPER@, bogus: 1}\n");
	expect_config_error("bad.yaml", "5:");
}
END_TEST

START_TEST(config_error_duplicate_names)
{
	h_write("dup.yaml", "name: dup\n"
	    "control: {socket: run/dup.sock}\n"
	    "children:\n"
	    "  - {name: a, cmd: @SLEEPER@}\n"
	    "  - {name: a, cmd: @SLEEPER@}\n");
	expect_config_error("dup.yaml", "5:");
}
END_TEST

START_TEST(config_missing_file_exits_2)
{
	char path[PATH_MAX + 16];
	struct hrun r;
	int rc;

	snprintf(path, sizeof(path), "%s/missing.yaml", H.dir);
	h_spawn(&r, "missing", path);
	rc = h_wait_exit(&r, H_DEADLINE_MS);
	h_assert(rc == 2, "exit %d, want 2", rc);
	h_assert(h_file_has(r.err, "missing.yaml"), "names the file");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-errors");
	TCase *tc = h_tcase("errors");

	tcase_add_test(tc, exec_failure_is_a_crash);
	tcase_add_test(tc, exec_failure_with_intensity_0);
	tcase_add_test(tc, exec_permission_denied);
	tcase_add_test(tc, chdir_failure_is_not_an_exec_failure);
	tcase_add_test(tc, config_error_exits_2);
	tcase_add_test(tc, config_error_duplicate_names);
	tcase_add_test(tc, config_missing_file_exits_2);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
