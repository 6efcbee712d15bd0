/*
 * Restart strategies (SPEC §3): the second of four children is killed from
 * outside (a crash); which siblings get new pids, in which order the others
 * stop and start again.
 */
#include <signal.h>
#include <stdio.h>

#include "harness.h"

#define NKIDS 4

/* Kills NAME's first instance; returns the four first-start pids. */
static void
crash(const char *prefix, const char *name, pid_t old[NKIDS])
{
	static const char *kids[NKIDS] = { "a", "b", "c", "d" };
	char path[64];
	int i;

	for (i = 0; i < NKIDS; i++) {
		snprintf(path, sizeof(path), "%s%s", prefix, kids[i]);
		old[i] = h_pid_of(path, 0);
		h_assert(h_alive(old[i]), "%s alive", path);
	}
	snprintf(path, sizeof(path), "%s%s", prefix, name);
	h_assert(h_kill(h_pid_of(path, 0), SIGKILL), "kill %s", path);
}

static int
line(const char *fmt, const char *prefix, int nth)
{
	char needle[128];

	snprintf(needle, sizeof(needle), fmt, prefix);
	return (h_log_index(needle, nth));
}

START_TEST(one_for_one_restarts_only_the_crashed)
{
	pid_t old[NKIDS];

	h_yaml("strategy: one_for_one\n"
	    "children:\n"
	    "  - {name: a, cmd: @SLEEPER@}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n"
	    "  - {name: c, cmd: @SLEEPER@}\n"
	    "  - {name: d, cmd: @SLEEPER@}\n");
	h_start_up(NKIDS);
	crash("", "b", old);
	h_wait_starts(NKIDS + 1);
	h_assert(h_starts_of("b") == 2, "b started again");
	h_assert(h_alive(h_pid_of("b", 1)) && h_pid_of("b", 1) != old[1],
	    "b has a new pid");
	h_assert(h_log_count(" b killed by signal KILL") == 1, "exit line");
	h_assert(h_log_count(" b restarting in 0 ms") == 1, "restart line");
	h_assert(h_alive(old[0]) && h_alive(old[2]) && h_alive(old[3]),
	    "a, c, d kept their processes");
	h_assert(h_starts_of("a") == 1 && h_starts_of("c") == 1 &&
	    h_starts_of("d") == 1, "a, c, d not restarted");
	h_assert(h_log_count("stopped (") == 0, "nothing stopped");
}
END_TEST

/*
 * In a group with intensity 1: the restart of all four counts once, so the
 * group does not give up.
 */
START_TEST(one_for_all_restarts_everything)
{
	pid_t old[NKIDS], grp, outside;
	int i;

	h_yaml("children:\n"
	    "  - {name: outside, cmd: @SLEEPER@}\n"
	    "  - name: g\n"
	    "    strategy: one_for_all\n"
	    "    intensity: 1\n"
	    "    period: 10s\n"
	    "    children:\n"
	    "      - {name: a, cmd: @SLEEPER@}\n"
	    "      - {name: b, cmd: @SLEEPER@}\n"
	    "      - {name: c, cmd: @SLEEPER@}\n"
	    "      - {name: d, cmd: @SLEEPER@}\n");
	h_start_up(NKIDS + 1);
	grp = h_find_title("pmtree: group g");
	outside = h_pid_of("outside", 0);
	crash("g/", "b", old);
	h_wait_starts(2 * NKIDS + 1);
	h_assert(h_starts_of("g/a") == 2 && h_starts_of("g/b") == 2 &&
	    h_starts_of("g/c") == 2 && h_starts_of("g/d") == 2,
	    "all four started again");
	for (i = 0; i < NKIDS; i++)
		h_assert(h_gone(old[i]), "old process %d gone", i);
	h_assert(h_alive(h_pid_of("g/a", 1)) && h_alive(h_pid_of("g/d", 1)),
	    "new processes alive");
	/* Stopped newest first; the crashed one is not stopped. */
	h_assert(line(" %sd stopped (", "g/", 0) >= 0, "d stopped");
	h_assert(line(" %sd stopped (", "g/", 0) < line(" %sc stopped (", "g/", 0),
	    "d stopped before c");
	h_assert(line(" %sc stopped (", "g/", 0) < line(" %sa stopped (", "g/", 0),
	    "c stopped before a");
	h_assert(line(" %sb stopped (", "g/", 0) < 0, "b was not stopped");
	/* Started again in order, after the last stop. */
	h_assert(line(" %sa stopped (", "g/", 0) < line(" %sa started", "g/", 1),
	    "restart after the stop phase");
	h_assert(line(" %sa started", "g/", 1) < line(" %sb started", "g/", 1) &&
	    line(" %sb started", "g/", 1) < line(" %sc started", "g/", 1) &&
	    line(" %sc started", "g/", 1) < line(" %sd started", "g/", 1),
	    "restarted in order");
	h_assert(h_log_count(" g/b restarting in 0 ms") == 1, "one decision");
	h_assert(h_log_count("gave up") == 0, "counted once: no give-up");
	h_assert(h_find_title("pmtree: group g") == grp, "the group stays");
	h_assert(h_alive(outside) && h_starts_of("outside") == 1,
	    "the root's other child is untouched");
}
END_TEST

START_TEST(rest_for_one_restarts_it_and_later)
{
	pid_t old[NKIDS];

	h_yaml("strategy: rest_for_one\n"
	    "children:\n"
	    "  - {name: a, cmd: @SLEEPER@}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n"
	    "  - {name: c, cmd: @SLEEPER@}\n"
	    "  - {name: d, cmd: @SLEEPER@}\n");
	h_start_up(NKIDS);
	crash("", "b", old);
	h_wait_starts(NKIDS + 3);
	h_assert(h_starts_of("b") == 2 && h_starts_of("c") == 2 &&
	    h_starts_of("d") == 2, "b, c, d started again");
	h_assert(h_gone(old[1]) && h_gone(old[2]) && h_gone(old[3]),
	    "old b, c, d gone");
	h_assert(h_alive(old[0]) && h_starts_of("a") == 1, "a kept its pid");
	h_assert(line(" %sd stopped (", "", 0) >= 0 &&
	    line(" %sd stopped (", "", 0) < line(" %sc stopped (", "", 0),
	    "d stopped before c");
	h_assert(line(" %sa stopped (", "", 0) < 0, "a not stopped");
	h_assert(line(" %sb started", "", 1) < line(" %sc started", "", 1) &&
	    line(" %sc started", "", 1) < line(" %sd started", "", 1),
	    "restarted in order");
}
END_TEST

/* As in OTP, a temporary sibling stopped by the strategy stays down. */
START_TEST(one_for_all_leaves_temporary_sibling_down)
{
	pid_t t;

	h_yaml("strategy: one_for_all\n"
	    "children:\n"
	    "  - {name: a, cmd: @SLEEPER@}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n"
	    "  - {name: t, cmd: @SLEEPER@, restart: temporary}\n"
	    "  - {name: d, cmd: @SLEEPER@}\n");
	h_start_up(4);
	t = h_pid_of("t", 0);
	h_assert(h_kill(h_pid_of("b", 0), SIGKILL), "kill b");
	/* Each writes its start record itself: d's may come before a's. */
	h_assert(H_UNTIL(h_starts_of("a") == 2 && h_starts_of("b") == 2 &&
	    h_starts_of("d") == 2), "a, b, d started again (%d, %d, %d)",
	    h_starts_of("a"), h_starts_of("b"), h_starts_of("d"));
	h_assert(h_log_count(" t stopped (") == 1, "t was stopped");
	h_assert(h_gone(t) && h_starts_of("t") == 1, "t not restarted");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-strategies");
	TCase *tc = h_tcase("strategies");

	tcase_add_test(tc, one_for_one_restarts_only_the_crashed);
	tcase_add_test(tc, one_for_all_restarts_everything);
	tcase_add_test(tc, rest_for_one_restarts_it_and_later);
	tcase_add_test(tc, one_for_all_leaves_temporary_sibling_down);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
