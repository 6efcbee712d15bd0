/*
 * Restart intensity and escalation (SPEC §3): more than `intensity` restarts
 * within `period` and a supervisor gives up; its parent treats that as a
 * crash of the group; a root that gives up makes `pmtree run` exit 3.
 */
#include <signal.h>
#include <stdio.h>

#include "harness.h"

START_TEST(within_intensity_keeps_going)
{
	pid_t grp;

	h_yaml("children:\n"
	    "  - name: api\n"
	    "    intensity: 2\n"
	    "    period: 10s\n"
	    "    children:\n"
	    "      - {name: w, cmd: @CRASHER@ --until 3, backoff: [0]}\n");
	h_start();
	h_wait_starts(3);
	h_assert(h_alive(h_pid_of("api/w", 2)), "third run stays up");
	grp = h_find_title("pmtree: group api");
	h_assert(grp > 0 && grp == h_log_pid(" api supervisor started", 0),
	    "the first group process still runs");
	h_assert(h_log_count(" api supervisor started") == 1, "group started once");
	h_assert(h_log_count("gave up") == 0, "nobody gave up");
}
END_TEST

/* Restarts further apart than `period` never add up. */
START_TEST(restarts_outside_period_do_not_count)
{
	h_yaml("intensity: 1\n"
	    "period: 300ms\n"
	    "children:\n"
	    "  - {name: w, cmd: @CRASHER@ --after 450 --until 4, backoff: [0]}\n");
	h_start();
	h_wait_starts(4);
	h_assert(h_alive(h_pid_of("w", 3)), "fourth run stays up");
	h_assert(h_log_count("gave up") == 0, "nobody gave up");
	h_assert(!h_done(&H.run), "pmtree runs");
}
END_TEST

/*
 * api (intensity 2) gives up after its worker's third crash; the root
 * (intensity 1) restarts it once, and gives up when it fails again.
 */
START_TEST(escalation_up_to_the_root)
{
	pid_t g1, g2, s;
	int rc;

	h_yaml("intensity: 1\n"
	    "period: 10s\n"
	    "children:\n"
	    "  - {name: s, cmd: @SLEEPER@}\n"
	    "  - name: api\n"
	    "    intensity: 2\n"
	    "    period: 10s\n"
	    "    children:\n"
	    "      - {name: w, cmd: @CRASHER@ --code 1, backoff: [0]}\n");
	h_start();
	rc = h_wait_exit(&H.run, 20000);
	h_assert(rc == 3, "pmtree exit %d, want 3", rc);
	h_assert(h_log_count(" api gave up: more than 2 restarts within "
	    "10000 ms") == 2, "api gave up twice");
	h_assert(h_log_count(" api supervisor gave up") == 2,
	    "the root saw it twice");
	h_assert(h_log_count(" api restarting in 0 ms") == 1,
	    "the root restarted api once");
	h_assert(h_log_count(" pmtree gave up: more than 1 restarts within "
	    "10000 ms") == 1, "the root gave up");
	g1 = h_log_pid(" api supervisor started", 0);
	g2 = h_log_pid(" api supervisor started", 1);
	h_assert(g1 > 0 && g2 > 0 && g1 != g2, "two group processes");
	h_assert(h_log_count(" api supervisor started") == 2, "not a third");
	h_assert(h_starts_of("api/w") == 6, "w ran 3 times per group, %d",
	    h_starts_of("api/w"));
	s = h_pid_of("s", 0);
	h_assert(h_starts_of("s") == 1 && h_log_count(" s stopped (") == 1,
	    "s stopped once, never restarted");
	h_assert(h_gone(s) && h_gone(g1) && h_gone(g2), "all gone");
	h_assert(H_UNTIL_MS(5000, h_marked_alive() == 0), "no process left");
}
END_TEST

START_TEST(root_gives_up_exit_3)
{
	int rc;

	h_yaml("intensity: 0\n"
	    "children:\n"
	    "  - {name: s, cmd: @SLEEPER@}\n"
	    "  - {name: w, cmd: @CRASHER@ --after 100 --code 1}\n");
	h_start();
	rc = h_wait_exit(&H.run, H_DEADLINE_MS);
	h_assert(rc == 3, "pmtree exit %d, want 3", rc);
	h_assert(h_log_count(" pmtree gave up: more than 0 restarts within "
	    "5000 ms") == 1, "gave up line");
	h_assert(h_log_index(" w exited with code 1", 0) <
	    h_log_index(" pmtree gave up", 0), "after the crash");
	h_assert(h_log_count(" s stopped (") == 1, "s stopped");
	h_assert(h_gone(h_pid_of("s", 0)), "s gone");
	h_assert(h_starts_of("w") == 1, "w not restarted");
	h_assert(h_log_count("tree t stopped") == 0, "not a graceful stop");
	h_assert(H_UNTIL_MS(5000, h_marked_alive() == 0), "no process left");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-intensity");
	TCase *tc = h_tcase("intensity");

	tcase_add_test(tc, within_intensity_keeps_going);
	tcase_add_test(tc, restarts_outside_period_do_not_count);
	tcase_add_test(tc, escalation_up_to_the_root);
	tcase_add_test(tc, root_gives_up_exit_3);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
