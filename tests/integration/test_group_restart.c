/*
 * A group's own `restart` (SPEC part two, "Groups take `restart`"): its
 * parent judges the group supervisor's exit as a worker's.  A group that
 * gave up (exit 3) or was killed exited abnormally; one that shut down
 * (exit 0) normally.  permanent restarts it always, transient only after
 * an abnormal exit, temporary never: the group shows `exited` and the rest
 * of the tree runs on.
 *
 * The tree is [before, g [w], after]; g has intensity 0, so one crash of
 * g/w (killed from outside) makes g give up.
 */
#include <signal.h>
#include <stdio.h>

#include "ctl.h"
#include "harness.h"

static const char tree[] =
    "intensity: %d\n"
    "children:\n"
    "  - {name: before, cmd: @SLEEPER@}\n"
    "  - name: g\n"
    "%s"
    "    intensity: 0\n"
    "    children:\n"
    "      - {name: w, cmd: @SLEEPER@}\n"
    "  - {name: after, cmd: @SLEEPER@}\n";

/* The tree with g's RESTART (NULL: none written). */
static void
write_tree(const char *restart, int root_intensity)
{
	char line[64] = "";

	if (restart != NULL)
		H_FMT(line, "    restart: %s\n", restart);
	h_yaml(tree, root_intensity, line);
}

/* The tree, up: before, g/w and after started once. */
static void
start(const char *restart, int root_intensity)
{
	write_tree(restart, root_intensity);
	h_start_up(3);
	h_assert(H_UNTIL(ctl_is("after", "running")), "after runs");
}

/* g/w crashes: g gives up. */
static void
crash_w(void)
{
	h_assert(h_kill(ctl_pid_of("g/w"), SIGKILL), "kill g/w");
	h_assert(H_UNTIL(h_log_count(" g supervisor gave up") == 1),
	    "g gave up");
}

/* pmtree.log's line of g's exit, as the root saw it. */
static void
expect_exit_line(const char *what)
{
	char needle[64];

	H_FMT(needle, " g %s", what);
	h_assert(h_log_count(needle) == 1, "'%s' in pmtree.log", needle);
}

/*
 * G is exited, not restarted (for WHY: "temporary" or "transient, normal
 * exit"); its siblings and the tree keep running.
 */
static void
expect_exited(const char *why, pid_t before, pid_t after)
{
	char needle[64];

	H_FMT(needle, " g not restarted (%s)", why);
	h_assert(H_UNTIL(h_log_count(needle) == 1), "'%s' in pmtree.log",
	    needle);
	h_assert(ctl_is("g", "exited"), "g is %s, want exited",
	    ctl_state_of("g"));
	h_assert(ctl_pid_of("g") == 0, "g has no pid");
	h_assert(h_log_count(" g restarting in ") == 0, "no restart of g");
	h_assert(ctl_pid_of("before") == before && h_alive(before) &&
	    ctl_is("before", "running"), "before runs on");
	h_assert(ctl_pid_of("after") == after && h_alive(after) &&
	    ctl_is("after", "running"), "after runs on");
	h_assert(h_starts_of("g/w") == 1, "g/w started once");
	h_assert(!h_done(&H.run), "pmtree still runs");
}

/* G is restarted (a new supervisor, g/w started again); the rest runs on. */
static void
expect_restarted(pid_t g, pid_t before, pid_t after)
{
	h_assert(H_UNTIL(ctl_running_anew("g", g) &&
	    ctl_is("g/w", "running") && h_starts_of("g/w") == 2),
	    "g restarted (g is %s)", ctl_state_of("g"));
	h_assert(h_log_count(" g restarting in 0 ms") == 1, "one restart");
	h_assert(h_log_count(" g not restarted") == 0, "no 'not restarted'");
	h_assert(ctl_restarts_of("g") == 1, "g: 1 restart");
	h_assert(ctl_pid_of("before") == before && ctl_pid_of("after") ==
	    after, "one_for_one: the siblings keep their pids");
}

/* The root at intensity 0: a temporary group's end is no restart decision. */
START_TEST(temporary_gave_up_exits)
{
	pid_t before, after;

	start("temporary", 0);
	before = ctl_pid_of("before");
	after = ctl_pid_of("after");
	crash_w();
	expect_exited("temporary", before, after);
	h_assert(ctl_restarts_of("g") == 0, "g: no restart counted");
	/* `start` brings it back, as an exited worker. */
	h_assert(ctl("start", "g", NULL) == 0, "start g: %s", CTL.err);
	h_assert(H_UNTIL(ctl_is("g", "running") && ctl_is("g/w", "running")),
	    "g started again");
}
END_TEST

START_TEST(temporary_killed_exits)
{
	pid_t before, after, w;

	start("temporary", 0);
	before = ctl_pid_of("before");
	after = ctl_pid_of("after");
	w = ctl_pid_of("g/w");
	h_assert(h_kill(ctl_pid_of("g"), SIGKILL), "kill g");
	expect_exited("temporary", before, after);
	expect_exit_line("killed by signal KILL");
	h_assert(H_UNTIL(h_gone(w)), "g/w died with its supervisor");
	/* Nothing below an ended group waits to start. */
	h_assert(ctl_is("g/w", "stopped"), "g/w is %s, want stopped",
	    ctl_state_of("g/w"));
}
END_TEST

START_TEST(transient_gave_up_restarts)
{
	pid_t g;

	start("transient", 3);
	g = ctl_pid_of("g");
	crash_w();
	expect_restarted(g, ctl_pid_of("before"), ctl_pid_of("after"));
}
END_TEST

/* A SIGKILL is abnormal: the group is restarted. */
START_TEST(transient_killed_restarts)
{
	pid_t g;

	start("transient", 3);
	g = ctl_pid_of("g");
	h_assert(h_kill(g, SIGKILL), "kill g");
	expect_restarted(g, ctl_pid_of("before"), ctl_pid_of("after"));
}
END_TEST

/* A TERM from outside: g stops its children and exits 0, a normal exit. */
START_TEST(transient_shut_down_exits)
{
	pid_t before, after;

	start("transient", 3);
	before = ctl_pid_of("before");
	after = ctl_pid_of("after");
	h_assert(h_kill(ctl_pid_of("g"), SIGTERM), "TERM g");
	expect_exited("transient, normal exit", before, after);
	expect_exit_line("exited with code 0");
}
END_TEST

START_TEST(permanent_gave_up_restarts)
{
	pid_t g;

	start("permanent", 3);
	g = ctl_pid_of("g");
	crash_w();
	expect_restarted(g, ctl_pid_of("before"), ctl_pid_of("after"));
}
END_TEST

/* permanent is the default, and a normal exit of the group restarts it. */
START_TEST(permanent_default_shut_down_restarts)
{
	pid_t g;

	start(NULL, 3);
	g = ctl_pid_of("g");
	h_assert(h_kill(g, SIGTERM), "TERM g");
	expect_restarted(g, ctl_pid_of("before"), ctl_pid_of("after"));
}
END_TEST

/* one_for_all: a temporary group stopped with the others stays down. */
START_TEST(temporary_sibling_of_strategy_restart)
{
	h_yaml("strategy: one_for_all\n"
	    "children:\n"
	    "  - {name: before, cmd: @SLEEPER@}\n"
	    "  - name: g\n"
	    "    restart: temporary\n"
	    "    children:\n"
	    "      - {name: w, cmd: @SLEEPER@}\n"
	    "  - {name: after, cmd: @SLEEPER@}\n");
	h_start_up(3);
	h_assert(h_kill(ctl_pid_of("before"), SIGKILL), "kill before");
	h_assert(H_UNTIL(h_starts_of("after") == 2 &&
	    ctl_is("after", "running")), "after restarted");
	h_assert(ctl_is("g", "exited"), "g is %s, want exited",
	    ctl_state_of("g"));
	h_assert(H_UNTIL(h_starts_of("before") == 2), "before restarted");
	h_assert(h_starts_of("g/w") == 1, "g/w not started again");
}
END_TEST

/* A reload that changes only g's restart restarts nothing, and applies. */
START_TEST(reload_restart_applies_in_place)
{
	pid_t g, w;

	start("permanent", 3);
	g = ctl_pid_of("g");
	w = ctl_pid_of("g/w");
	write_tree("temporary", 3);
	h_assert(ctl("reload", NULL) == 0, "reload: %s", CTL.err);
	h_assert(ctl_pid_of("g") == g && ctl_pid_of("g/w") == w &&
	    h_lines(H.starts) == 3, "nothing restarted");
	crash_w();
	expect_exited("temporary", ctl_pid_of("before"), ctl_pid_of("after"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-group-restart");
	TCase *tc = h_tcase("group_restart");

	tcase_add_test(tc, temporary_gave_up_exits);
	tcase_add_test(tc, temporary_killed_exits);
	tcase_add_test(tc, transient_gave_up_restarts);
	tcase_add_test(tc, transient_killed_restarts);
	tcase_add_test(tc, transient_shut_down_exits);
	tcase_add_test(tc, permanent_gave_up_restarts);
	tcase_add_test(tc, permanent_default_shut_down_restarts);
	tcase_add_test(tc, temporary_sibling_of_strategy_restart);
	tcase_add_test(tc, reload_restart_applies_in_place);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
