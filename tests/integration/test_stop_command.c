/*
 * How a worker is stopped (SPEC §7): `stop_command` run instead of the
 * stop signal, in the worker's folder and environment plus PMTREE_PID, its
 * output in the worker's log; the stop signal at once when it fails; killed
 * with the worker when its time is up, reaped, never left behind.  And "a
 * stop says what it waits for": one line a second per child still stopping.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "harness.h"

/* A worker that ignores TERM and ends once the file stopflag exists. */
#define FLAG_WORKER \
    "[sh, -c, \"trap '' TERM; while [ ! -e stopflag ]; do sleep 0.05; " \
    "done\"]"

static char *
at(const char *rel)
{
	static char bufs[4][PATH_MAX];
	static int next;
	char *b = bufs[next++ % 4];

	if ((size_t)snprintf(b, PATH_MAX, "%s/%s", H.dir, rel) >= PATH_MAX)
		ck_abort_msg("path too long");
	return (b);
}

/* The pid a file holds (written by a shell: `echo $$ > FILE`), or 0. */
static pid_t
pid_in(const char *rel)
{
	char *s = h_read(at(rel));
	pid_t pid = s != NULL ? (pid_t)atoi(s) : 0;

	free(s);
	return (pid);
}

static bool
no_zombie(void)
{
	return (h_zombies() == 0);
}

/*
 * The stop_command is what stops it: `pmtree stop` returns at once, no
 * SIGKILL; the command saw the worker's pid, ran in its folder, and its
 * output is in the worker's log.  A quick stop prints no waiting line.
 */
START_TEST(stop_command_stops_worker)
{
	char want[64];
	uint64_t t0, dt;
	pid_t w, c;

	h_yaml("children:\n"
	    "  - name: w\n"
	    "    cmd: " FLAG_WORKER "\n"
	    "    shutdown: 10s\n"
	    "    env: {FROM_ENV: yes-it-is}\n"
	    "    stop_command: [sh, -c, \"echo $$ > cmd.pid; "
	    "echo PMTREE_PID=$PMTREE_PID $FROM_ENV $PMTREE_NAME; "
	    "touch stopflag\"]\n");
	h_start_up(0);
	h_assert(H_UNTIL((w = h_log_pid(" w started (pid ", 0)) > 0),
	    "w started");
	t0 = h_now_ms();
	h_assert(ctl("stop", "w", NULL) == 0, "stop w: %s", CTL.err);
	dt = h_now_ms() - t0;
	h_assert(dt < 3000, "stopped after %llu ms", (unsigned long long)dt);
	h_assert(h_gone(w), "w gone");
	h_assert(h_log_count(" w stop_command started (pid ") == 1,
	    "stop_command started once");
	h_assert(h_log_count(" w stop_command exited with code 0") == 1,
	    "stop_command exited 0");
	h_assert(h_log_count(" w stopped (exited with code 0)") == 1,
	    "w exited by itself");
	h_assert(h_log_count("did not stop in time") == 0, "no SIGKILL");
	h_assert(h_log_count("stop_command failed") == 0, "no stop signal");
	h_assert(h_log_count("waiting for") == 0, "a quick stop says nothing");
	c = h_log_pid(" w stop_command started (pid ", 0);
	h_assert(c > 0 && c != w && pid_in("cmd.pid") == c,
	    "the command is a process of its own (%d, worker %d)", (int)c,
	    (int)w);
	snprintf(want, sizeof(want), "PMTREE_PID=%d yes-it-is w", (int)w);
	h_assert(H_UNTIL(h_file_has(at("logs/w.log"), want)),
	    "'%s' in the worker's log", want);
	h_assert(H_UNTIL(no_zombie()), "no zombie");
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	h_assert(h_marked_alive() == 0, "no process left");
}
END_TEST

/* It exits 1: the stop signal goes at once, not at the end of shutdown. */
START_TEST(stop_command_fails_then_signal)
{
	uint64_t t0, dt;

	h_yaml("children:\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - {name: w, cmd: @SLEEPER@, shutdown: 10s,\n"
	    "         stop_command: [sh, -c, \"echo refused; exit 1\"]}\n"
	    "      - {name: m, cmd: @SLEEPER@, shutdown: 10s,\n"
	    "         stop_command: ./no-such-program}\n");
	h_start_up(2);
	t0 = h_now_ms();
	h_assert(ctl("stop", "api/w", NULL) == 0, "stop api/w: %s", CTL.err);
	h_assert(ctl("stop", "api/m", NULL) == 0, "stop api/m: %s", CTL.err);
	dt = h_now_ms() - t0;
	h_assert(dt < 3000, "stopped after %llu ms", (unsigned long long)dt);
	h_assert(h_log_count(" api/w stop_command exited with code 1") == 1,
	    "exit 1 logged");
	h_assert(h_log_count(" api/w stop_command failed: sending TERM") == 1,
	    "then TERM");
	h_assert(h_log_count(" api/w stopped (exited with code 0)") == 1,
	    "stopped by TERM");
	h_assert(h_log_count(" api/m stop_command: exec ./no-such-program: "
	    "No such file or directory") == 1, "exec failure logged");
	h_assert(h_log_count(" api/m stop_command failed: sending TERM") == 1,
	    "then TERM");
	h_assert(h_log_count("did not stop in time") == 0, "no SIGKILL");
	h_assert(H_UNTIL(h_file_has(at("logs/api/w.log"), "refused")),
	    "its output in the worker's log");
	h_assert(H_UNTIL(h_file_has(at("logs/api/m.log"),
	    "stop_command: exec ./no-such-program")),
	    "the exec failure in the worker's log");
	h_assert(ctl_is("api/w", "stopped") && ctl_is("api/m", "stopped"),
	    "both stopped");
	h_assert(ctl_restarts_of("api/w") == 0, "not a crash");
}
END_TEST

/*
 * It hangs: at the end of `shutdown` (1 s) the worker and the command,
 * with what the command started in its process group, are SIGKILLed and
 * reaped.
 */
START_TEST(stop_command_hangs_killed_at_shutdown)
{
	pid_t w, c, kid;
	uint64_t t0, dt;

	h_yaml("children:\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - {name: w, cmd: @SLEEPER@ --ignore-term, shutdown: 1s,\n"
	    "         stop_command: [sh, -c, \"echo $$ > cmd.pid; "
	    "sleep 1000 & echo $! > kid.pid; wait\"]}\n");
	h_start_up(1);
	w = h_pid_of("api/w", 0);
	t0 = h_now_ms();
	h_assert(ctl("stop", "api/w", NULL) == 0, "stop api/w: %s", CTL.err);
	dt = h_now_ms() - t0;
	h_assert(dt >= 900 && dt < 4000, "stopped after %llu ms",
	    (unsigned long long)dt);
	h_assert(h_gone(w), "worker gone");
	c = pid_in("cmd.pid");
	kid = pid_in("kid.pid");
	h_assert(c > 0 && kid > 0, "the command ran (%d, %d)", (int)c,
	    (int)kid);
	h_assert(H_UNTIL_MS(3000, h_gone(c) && h_gone(kid)),
	    "command %d and its child %d gone", (int)c, (int)kid);
	h_assert(h_log_count(" api/w did not stop in time: SIGKILL") == 1,
	    "worker SIGKILLed");
	h_assert(H_UNTIL(h_log_count(" api/w stop_command killed by signal "
	    "KILL") == 1), "stop_command SIGKILLed and reaped");
	h_assert(h_log_count("stop_command failed") == 0,
	    "no stop signal after the kill");
	h_assert(H_UNTIL(no_zombie()), "no zombie");
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	h_assert(h_marked_alive() == 0, "no process left");
}
END_TEST

/* One that ends after its worker is still reaped, and not taken for it. */
START_TEST(stop_command_outlives_worker)
{
	int stopped, ended;
	pid_t c;

	h_yaml("children:\n"
	    "  - name: w\n"
	    "    cmd: " FLAG_WORKER "\n"
	    "    stop_command: [sh, -c, \"echo $$ > cmd.pid; touch stopflag; "
	    "sleep 0.5; echo done\"]\n");
	h_start_up(0);
	h_assert(ctl("stop", "w", NULL) == 0, "stop w: %s", CTL.err);
	h_assert(H_UNTIL(h_log_count(" w stop_command exited with code 0") ==
	    1), "stop_command reaped");
	stopped = h_log_index(" w stopped (exited with code 0)", 0);
	ended = h_log_index(" w stop_command exited", 0);
	h_assert(stopped >= 0 && ended > stopped,
	    "the worker first (line %d), then its command (line %d)", stopped,
	    ended);
	c = pid_in("cmd.pid");
	h_assert(c > 0 && h_gone(c), "command %d gone", (int)c);
	h_assert(H_UNTIL(h_file_has(at("logs/w.log"), "done")),
	    "its last line in the worker's log");
	h_assert(H_UNTIL(no_zombie()), "no zombie");
	h_assert(ctl_is("w", "stopped") && ctl_restarts_of("w") == 0,
	    "w stopped, no restart");
}
END_TEST

/*
 * A supervisor that exits leaves no stop_command behind: the worker ended,
 * its command still runs (shutdown 30 s), the tree goes down at once.
 */
START_TEST(stop_command_ends_with_its_supervisor)
{
	uint64_t t0, dt;
	pid_t c;

	h_yaml("children:\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - name: w\n"
	    "        cmd: " FLAG_WORKER "\n"
	    "        shutdown: 30s\n"
	    "        stop_command: [sh, -c, \"echo $$ > cmd.pid; "
	    "touch stopflag; sleep 1000 & wait\"]\n");
	h_start_up(0);
	t0 = h_now_ms();
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	dt = h_now_ms() - t0;
	h_assert(dt < 5000, "down after %llu ms", (unsigned long long)dt);
	c = pid_in("cmd.pid");
	h_assert(c > 0, "the command ran");
	h_assert(H_UNTIL_MS(3000, h_gone(c) && h_marked_alive() == 0),
	    "no process left (command %d %s)", (int)c,
	    h_gone(c) ? "gone" : "alive");
}
END_TEST

/* A reload that changes only stop_command restarts nothing; it is used. */
START_TEST(stop_command_reload_keeps_worker)
{
	static const char yaml[] =
	    "children:\n"
	    "  - name: w\n"
	    "    cmd: " FLAG_WORKER "\n"
	    "    stop_command: [sh, -c, \"echo %s; touch stopflag\"]\n";
	pid_t w;

	h_yaml(yaml, "old-command");
	h_start_up(0);
	h_assert(H_UNTIL((w = ctl_pid_of("w")) > 0), "w runs");
	h_yaml(yaml, "new-command");
	h_assert(ctl("reload", NULL) == 0, "reload: %s", CTL.err);
	h_assert(H_UNTIL(h_log_count(" configuration ") >= 1 &&
	    h_log_count(" applied") >= 1), "reload applied");
	h_assert(ctl_pid_of("w") == w && h_alive(w), "w kept its process");
	h_assert(ctl("stop", "w", NULL) == 0, "stop w: %s", CTL.err);
	h_assert(H_UNTIL(h_file_has(at("logs/w.log"), "new-command")),
	    "the new stop_command ran");
	h_assert(!h_file_has(at("logs/w.log"), "old-command"),
	    "not the old one");
	h_assert(h_log_count("did not stop in time") == 0, "no SIGKILL");
}
END_TEST

/*
 * LINE is in pmtree.log twice or more (a stop of 3 s, a line a second),
 * and never after line END (its SIGKILL, or the end of what it waits for).
 */
static void
expect_waiting(const char *line, int end)
{
	int n = 0, k, last = -1;

	while ((k = h_log_index(line, n)) >= 0) {
		last = k;
		n++;
	}
	h_assert(n >= 2, "'%s' %d times, want 2 or more", line, n);
	h_assert(last < end, "'%s' after line %d (at line %d)", line, end,
	    last);
}

/* The first LINE's times: since the signal, and until the SIGKILL. */
static void
first_times(const char *line, double *ago, double *in)
{
	char *s = h_read(H.log), *p;

	h_assert(s != NULL && (p = strstr(s, line)) != NULL, "'%s'", line);
	p += strlen(line);
	h_assert(sscanf(p, "%lf s ago, SIGKILL in %lf s)", ago, in) == 2,
	    "times in '%.80s'", p);
	free(s);
}

/*
 * `pmtree stop` of a worker that ignores TERM (shutdown 3 s): once a
 * second, "waiting for api/slow (pid P, TERM N s ago, SIGKILL in M s)",
 * in pmtree.log and on stderr; none after the SIGKILL.
 */
START_TEST(stop_says_what_it_waits_for)
{
	char line[160];
	double ago, in;
	int killed, n;
	pid_t w;

	h_yaml("children:\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - {name: slow, cmd: @SLEEPER@ --ignore-term, shutdown: 3s}\n");
	h_start_up(1);
	w = h_pid_of("api/slow", 0);
	h_assert(ctl("stop", "api/slow", NULL) == 0, "stop: %s", CTL.err);
	killed = h_log_index(" api/slow did not stop in time: SIGKILL", 0);
	h_assert(killed >= 0, "SIGKILLed");
	snprintf(line, sizeof(line), " api stopping: waiting for api/slow "
	    "(pid %d, TERM ", (int)w);
	expect_waiting(line, killed);
	first_times(line, &ago, &in);
	h_assert(ago >= 0.9 && ago < 2.0 && ago + in > 2.8 && ago + in < 3.2,
	    "first line: TERM %.1f s ago, SIGKILL in %.1f s", ago, in);
	snprintf(line, sizeof(line), "pmtree: api: stopping: waiting for "
	    "api/slow (pid %d, TERM ", (int)w);
	h_assert(h_file_has(H.run.err, line), "on stderr too");
	n = h_log_count("waiting for");
	h_assert(!H_UNTIL_MS(1500, h_log_count("waiting for") > n),
	    "no line once it is gone");
}
END_TEST

/*
 * A tree's shutdown: the root waits for its group (no SIGKILL for a
 * group), the group for its worker, which has a stop_command that does
 * not stop it.
 */
START_TEST(shutdown_says_what_it_waits_for)
{
	char line[160];
	int killed;
	pid_t w, g;

	h_yaml("children:\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - {name: slow, cmd: @SLEEPER@ --ignore-term, shutdown: 3s,\n"
	    "         stop_command: \"true\"}\n");
	h_start_up(1);
	w = h_pid_of("api/slow", 0);
	g = h_find_title("pmtree: group api");
	h_assert(g > 0, "group process");
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	killed = h_log_index(" api/slow did not stop in time: SIGKILL", 0);
	h_assert(killed >= 0, "SIGKILLed");
	snprintf(line, sizeof(line), " api stopping: waiting for api/slow "
	    "(pid %d, stop_command ", (int)w);
	expect_waiting(line, killed);
	snprintf(line, sizeof(line), " pmtree stopping: waiting for api "
	    "(pid %d, TERM ", (int)g);
	expect_waiting(line, h_log_index(" api stopped (", 0));
	h_assert(h_log_count(", no SIGKILL)") >= 2, "a group: no SIGKILL");
	h_assert(h_marked_alive() == 0, "no process left");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stop_command");
	TCase *tc = h_tcase("stop_command");

	tcase_add_test(tc, stop_command_stops_worker);
	tcase_add_test(tc, stop_command_fails_then_signal);
	tcase_add_test(tc, stop_command_hangs_killed_at_shutdown);
	tcase_add_test(tc, stop_command_outlives_worker);
	tcase_add_test(tc, stop_command_ends_with_its_supervisor);
	tcase_add_test(tc, stop_command_reload_keeps_worker);
	tcase_add_test(tc, stop_says_what_it_waits_for);
	tcase_add_test(tc, shutdown_says_what_it_waits_for);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
