/*
 * One tree per control socket (SPEC §1): a second `pmtree run` refuses to
 * start while the first runs; a SIGKILLed root leaves only a stale lock.
 */
#include <signal.h>
#include <stdio.h>

#include "harness.h"

static const char tree[] =
    "children:\n"
    "  - {name: a, cmd: @SLEEPER@}\n"
    "  - name: api\n"
    "    children:\n"
    "      - {name: x, cmd: @SLEEPER@}\n";

/* Runs the same file again; expects exit 1 naming OWNER's pid. */
static void
expect_refused(const char *tag, pid_t owner)
{
	struct hrun r;
	char msg[64];
	int rc;

	h_spawn(&r, tag, H.yaml);
	rc = h_wait_exit(&r, H_DEADLINE_MS);
	h_assert(rc == 1, "second run exit %d, want 1", rc);
	snprintf(msg, sizeof(msg), "pmtree: already running (pid %d)\n",
	    (int)owner);
	h_assert(h_file_has(r.err, msg), "stderr says '%s'", msg);
}

START_TEST(second_run_is_refused)
{
	pid_t a;

	h_yaml(tree);
	h_start_up(2);
	a = h_pid_of("a", 0);
	expect_refused("second", H.run.pid);
	h_assert(h_lines(H.starts) == 2, "the second run started nothing");
	h_assert(h_log_count("starting tree") == 1, "one tree in pmtree.log");
	h_assert(h_alive(a) && !h_done(&H.run), "the first runs on");
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
}
END_TEST

START_TEST(stale_lock_after_sigkill)
{
	struct hrun r;
	int rc;

	h_yaml(tree);
	h_start_up(2);
	h_signal(SIGKILL);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 128 + SIGKILL, "killed");
	h_assert(H_UNTIL(h_marked_alive() == 0), "the old tree is gone");
	h_spawn(&r, "again", H.yaml);
	h_assert(H_UNTIL(h_log_count("tree t is up") == 2 || h_done(&r)) &&
	    !h_done(&r), "a new run starts");
	h_wait_starts(4);
	h_assert(h_alive(h_pid_of("a", 1)) && h_alive(h_pid_of("api/x", 1)),
	    "new workers");
	expect_refused("third", r.pid);
	(void)h_kill(r.pid, SIGTERM);
	rc = h_wait_exit(&r, H_DEADLINE_MS);
	h_assert(rc == 0, "exit %d", rc);
}
END_TEST

/* Another socket, another tree: both run side by side. */
START_TEST(other_socket_runs_beside)
{
	struct hrun r;
	char path[PATH_MAX + 16];

	h_yaml(tree);
	h_start_up(2);
	h_write("u.yaml", "name: u\ncontrol: {socket: run/u.sock}\n"
	    "log: {dir: logs-u}\n"
	    "children:\n  - {name: b, cmd: @SLEEPER@}\n");
	snprintf(path, sizeof(path), "%s/u.yaml", H.dir);
	h_spawn(&r, "u", path);
	h_wait_starts(3);
	h_assert(h_alive(h_pid_of("b", 0)) && !h_done(&r), "u runs");
	(void)h_kill(r.pid, SIGTERM);
	h_assert(h_wait_exit(&r, H_DEADLINE_MS) == 0, "u exits 0");
	h_assert(h_alive(h_pid_of("a", 0)), "t still runs");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-lock");
	TCase *tc = h_tcase("lock");

	tcase_add_test(tc, second_run_is_refused);
	tcase_add_test(tc, stale_lock_after_sigkill);
	tcase_add_test(tc, other_socket_runs_beside);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
