/*
 * Restart types (SPEC §2, §3): permanent always restarts; transient only
 * after an abnormal exit (a code not in normal_exit_codes, or a signal that
 * pmtree did not send); temporary never.
 *
 * "Restarted" is seen as a second start; "not restarted" waits for the
 * `not restarted (…)` line, after which the decision is made.
 */
#include <signal.h>
#include <stdio.h>

#include "harness.h"

/* One worker W; CMD runs it; expects a second start (--until 2 keeps it). */
static void
expect_restart(const char *keys, const char *cmd)
{
	h_yaml("children:\n  - {name: w, cmd: %s, %s}\n", cmd, keys);
	h_start();
	h_wait_starts(2);
	h_assert(h_starts_of("w") == 2, "w started twice");
	h_assert(h_alive(h_pid_of("w", 1)), "second run alive");
	h_assert(h_log_count(" w restarting in ") == 1, "one restart line");
	h_assert(h_log_count("not restarted") == 0, "no 'not restarted'");
}

static void
expect_no_restart(const char *keys, const char *cmd, const char *why)
{
	char needle[128];

	snprintf(needle, sizeof(needle), " w not restarted (%s)", why);
	h_yaml("children:\n"
	    "  - {name: w, cmd: %s, %s}\n"
	    "  - {name: other, cmd: @SLEEPER@}\n", cmd, keys);
	h_start();
	h_assert(H_UNTIL(h_log_count(needle) == 1), "'%s'", needle);
	h_assert(h_starts_of("w") == 1, "w started once");
	h_assert(h_gone(h_pid_of("w", 0)), "w is gone");
	h_assert(h_log_count(" w restarting in ") == 0, "no restart line");
	/* The tree goes on; the exited worker does not block a later one. */
	h_wait_starts(2);
	h_assert(h_alive(h_pid_of("other", 0)), "other runs");
	h_assert(!h_done(&H.run), "pmtree still runs");
}

/* A worker pmtree is running that the test kills with SIG from outside. */
static void
kill_from_outside(const char *restart, int sig, bool restarted)
{
	pid_t w;

	h_yaml("children:\n"
	    "  - {name: w, cmd: @CRASHER@ --after 600000 --until 2, "
	    "restart: %s}\n", restart);
	h_start_up(1);
	w = h_pid_of("w", 0);
	h_assert(h_kill(w, sig), "kill");
	if (restarted) {
		h_wait_starts(2);
		h_assert(h_alive(h_pid_of("w", 1)), "w restarted");
	} else {
		h_assert(H_UNTIL(h_log_count(" w not restarted") == 1),
		    "not restarted");
		h_assert(h_starts_of("w") == 1, "w started once");
	}
}

START_TEST(permanent_restarts_after_exit_0)
{
	expect_restart("restart: permanent", "@CRASHER@ --code 0 --until 2");
	h_assert(h_log_count(" w exited with code 0") == 1, "exit line");
}
END_TEST

START_TEST(permanent_restarts_after_exit_1)
{
	expect_restart("restart: permanent", "@CRASHER@ --code 1 --until 2");
	h_assert(h_log_count(" w exited with code 1") == 1, "exit line");
}
END_TEST

START_TEST(permanent_is_the_default)
{
	expect_restart("instances: 1", "@CRASHER@ --code 0 --until 2");
}
END_TEST

START_TEST(transient_not_after_exit_0)
{
	expect_no_restart("restart: transient", "@CRASHER@ --code 0",
	    "transient, normal exit");
}
END_TEST

START_TEST(transient_not_after_normal_exit_code)
{
	expect_no_restart("restart: transient, normal_exit_codes: [0, 3]",
	    "@CRASHER@ --code 3", "transient, normal exit");
}
END_TEST

START_TEST(transient_after_exit_1)
{
	expect_restart("restart: transient", "@CRASHER@ --code 1 --until 2");
}
END_TEST

START_TEST(transient_after_exit_0_not_listed)
{
	expect_restart("restart: transient, normal_exit_codes: [3]",
	    "@CRASHER@ --code 0 --until 2");
}
END_TEST

START_TEST(transient_after_own_signal)
{
	expect_restart("restart: transient",
	    "@CRASHER@ --signal USR1 --until 2");
	h_assert(h_log_count(" w killed by signal USR1") == 1, "exit line");
}
END_TEST

START_TEST(transient_after_outside_sigkill)
{
	kill_from_outside("transient", SIGKILL, true);
}
END_TEST

/* TERM is the stop signal, but one pmtree did not send is abnormal. */
START_TEST(transient_after_outside_sigterm)
{
	kill_from_outside("transient", SIGTERM, true);
	h_assert(h_log_count(" w killed by signal TERM") == 1, "exit line");
}
END_TEST

START_TEST(temporary_not_after_exit_1)
{
	expect_no_restart("restart: temporary", "@CRASHER@ --code 1",
	    "temporary");
}
END_TEST

START_TEST(temporary_not_after_exit_0)
{
	expect_no_restart("restart: temporary", "@CRASHER@ --code 0",
	    "temporary");
}
END_TEST

START_TEST(temporary_not_after_outside_sigkill)
{
	kill_from_outside("temporary", SIGKILL, false);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-restart-types");
	TCase *tc = h_tcase("restart_types");

	tcase_add_test(tc, permanent_restarts_after_exit_0);
	tcase_add_test(tc, permanent_restarts_after_exit_1);
	tcase_add_test(tc, permanent_is_the_default);
	tcase_add_test(tc, transient_not_after_exit_0);
	tcase_add_test(tc, transient_not_after_normal_exit_code);
	tcase_add_test(tc, transient_after_exit_1);
	tcase_add_test(tc, transient_after_exit_0_not_listed);
	tcase_add_test(tc, transient_after_own_signal);
	tcase_add_test(tc, transient_after_outside_sigkill);
	tcase_add_test(tc, transient_after_outside_sigterm);
	tcase_add_test(tc, temporary_not_after_exit_1);
	tcase_add_test(tc, temporary_not_after_exit_0);
	tcase_add_test(tc, temporary_not_after_outside_sigkill);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
