/*
 * Stopping a tree (SPEC §1, §3): TERM/INT stop the children in reverse order,
 * each with its own `shutdown`; a second TERM kills everything at once.
 */
#include <signal.h>
#include <stdio.h>

#include "harness.h"

static const char tree[] =
    "children:\n"
    "  - {name: a, cmd: @SLEEPER@}\n"
    "  - name: api\n"
    "    children:\n"
    "      - {name: x, cmd: @SLEEPER@}\n"
    "      - {name: y, cmd: @SLEEPER@}\n"
    "  - {name: z, cmd: @SLEEPER@}\n";

static const char *workers[] = { "a", "api/x", "api/y", "z" };

static void
stop_in_reverse(int sig)
{
	static const char *order[] = { " z stopped (", " api/y stopped (",
	    " api/x stopped (", " api stopped (", " a stopped (" };
	pid_t grp;
	size_t i;
	int at, prev = -1;

	h_yaml(tree);
	h_start_up(4);
	grp = h_find_title("pmtree: group api");
	h_assert(grp > 0, "group process");
	h_signal(sig);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		at = h_log_index(order[i], 0);
		h_assert(at > prev, "'%s' in order (line %d, previous %d)",
		    order[i], at, prev);
		prev = at;
	}
	h_assert(h_log_index("pmtree stopping", 0) >= 0, "stopping line");
	h_assert(h_log_index("tree t stopped", 0) > prev, "stopped line last");
	for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++)
		h_assert(h_gone(h_pid_of(workers[i], 0)), "%s gone", workers[i]);
	h_assert(h_gone(grp), "group supervisor gone");
	h_assert(h_lines(H.starts) == 4, "nothing restarted");
	h_assert(h_marked_alive() == 0, "no process left");
}

START_TEST(term_stops_in_reverse_order)
{
	stop_in_reverse(SIGTERM);
}
END_TEST

START_TEST(int_stops_in_reverse_order)
{
	stop_in_reverse(SIGINT);
}
END_TEST

/* `shutdown: 300ms`: SIGKILL about 300 ms after the stop signal. */
START_TEST(shutdown_timeout_then_sigkill)
{
	uint64_t t0, dt;
	pid_t w;

	h_yaml("children:\n"
	    "  - {name: stubborn, cmd: @SLEEPER@ --ignore-term, shutdown: 300ms}\n");
	h_start_up(1);
	w = h_pid_of("stubborn", 0);
	t0 = h_now_ms();
	h_signal(SIGTERM);
	h_assert(H_UNTIL(h_gone(w)), "worker killed");
	dt = h_now_ms() - t0;
	h_assert(dt >= 300 && dt < 300 + 3000, "killed after %llu ms",
	    (unsigned long long)dt);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	h_assert(h_log_count(" stubborn did not stop in time: SIGKILL") == 1,
	    "SIGKILL line");
	h_assert(h_log_count(" stubborn stopped (killed by signal KILL)") == 1,
	    "stopped line");
}
END_TEST

START_TEST(shutdown_brutal_kill)
{
	pid_t w, v;

	h_yaml("children:\n"
	    "  - {name: polite, cmd: @SLEEPER@}\n"
	    "  - {name: brute, cmd: @SLEEPER@ --ignore-term, "
	    "shutdown: brutal_kill}\n");
	h_start_up(2);
	w = h_pid_of("brute", 0);
	v = h_pid_of("polite", 0);
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	h_assert(h_gone(w) && h_gone(v), "workers gone");
	h_assert(h_log_count(" brute stopped (killed by signal KILL)") == 1,
	    "brute killed at once");
	h_assert(h_log_count(" polite stopped (exited with code 0)") == 1,
	    "polite stopped by TERM");
	h_assert(h_log_count("did not stop in time") == 0, "no grace period");
}
END_TEST

/*
 * Slow workers (TERM ignored, 30 s to stop): a second TERM while the first
 * stop is under way kills everything at once; pmtree exits without waiting.
 */
static void
second_term(const char *yaml)
{
	uint64_t t0;
	pid_t grp;
	int rc;

	h_yaml("%s", yaml);
	h_start_up(2);
	grp = h_find_title("pmtree: group api");
	h_assert(grp > 0, "group process");
	t0 = h_now_ms();
	h_signal(SIGTERM);
	h_assert(H_UNTIL(h_log_count("pmtree stopping") == 1), "stopping");
	h_signal(SIGTERM);
	rc = h_wait_exit(&H.run, 10000);
	h_assert(rc == 0, "pmtree exit %d after %llu ms, want 0 within 10 s",
	    rc, (unsigned long long)(h_now_ms() - t0));
	h_assert(h_gone(h_pid_of("api/slow", 0)), "api/slow gone");
	h_assert(h_gone(h_pid_of("late", 0)), "late gone");
	h_assert(h_gone(grp), "group supervisor gone");
	h_assert(H_UNTIL_MS(5000, h_marked_alive() == 0), "no process left");
}

/* The group is the one being stopped when the second TERM comes. */
START_TEST(second_term_kills_everything)
{
	second_term("children:\n"
	    "  - {name: late, cmd: @SLEEPER@ --ignore-term, shutdown: 30s}\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - {name: slow, cmd: @SLEEPER@ --ignore-term, shutdown: 30s}\n");
}
END_TEST

/*
 * The group is still running (its turn has not come) at the second TERM:
 * the root sends it the stop and the kill back to back, and two identical
 * pending signals would merge into one (a graceful stop, 30 s).
 */
START_TEST(second_term_reaches_running_group)
{
	second_term("children:\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - {name: slow, cmd: @SLEEPER@ --ignore-term, shutdown: 30s}\n"
	    "  - {name: late, cmd: @SLEEPER@ --ignore-term, shutdown: 30s}\n");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-shutdown");
	TCase *tc = h_tcase("shutdown");

	tcase_add_test(tc, term_stops_in_reverse_order);
	tcase_add_test(tc, int_stops_in_reverse_order);
	tcase_add_test(tc, shutdown_timeout_then_sigkill);
	tcase_add_test(tc, shutdown_brutal_kill);
	tcase_add_test(tc, second_term_kills_everything);
	tcase_add_test(tc, second_term_reaches_running_group);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
