/*
 * The machine's group-level decisions, without a fork: what the rows below
 * a child group become (sm_below and the ACT_BELOW it asks for), where a
 * command for a node below a child group goes, what a worker's sd_notify
 * words mean, the loss of the parent, and when a new configuration may be
 * applied.  Every action is matched (strict) unless a test says otherwise.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>

#include "smtest.h"

static void
expect_below(size_t i, enum below what)
{
	const struct action *a = expect(ACT_BELOW, i);

	ck_assert_msg(a->value == what, "slot %zu: below %llu, expected %d", i,
	    (unsigned long long)a->value, (int)what);
}

static void
expect_forward(size_t i, enum sm_op op)
{
	const struct action *a = expect(ACT_FORWARD, i);

	ck_assert_int_eq((int)a->value, (int)op);
}

/* w0, then child group "sub" (slot 1), then w2. */
static void
mk_sub(void)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 1);
	tb_group(grp, "sub", CFG_ONE_FOR_ONE, 3, 5000);
	tb_worker(grp, "w2");
	go();
}

static void
up_sub(void)
{
	ev_start(0);
	ev_ready(0, 0);
	ev_ready(1, 0);
	ev_ready(2, 0);
	expect_ready();
	expect_end();
}

/* --- sm_below: every state x live x held, for each of the three ------- */

START_TEST(test_below_park_rule)
{
	struct sm_row r;
	int st, live, held;

	for (st = 0; st < SLOT_NSTATES; st++)
		for (live = 0; live < 2; live++)
			for (held = 0; held < 2; held++) {
				r = (struct sm_row){ st, live, held };
				bool ch = sm_below(BELOW_PARK, &r);
				bool want = !live && st == SLOT_WAITING;

				ck_assert_int_eq(ch, want);
				ck_assert_int_eq(r.state, want ? SLOT_STOPPED :
				    (enum slot_state)st);
				ck_assert_int_eq(r.live, live);
				ck_assert_int_eq(r.held, held);
			}
}
END_TEST

START_TEST(test_below_lost_rule)
{
	struct sm_row r;
	int st, live, held;

	for (st = 0; st < SLOT_NSTATES; st++)
		for (live = 0; live < 2; live++)
			for (held = 0; held < 2; held++) {
				r = (struct sm_row){ st, live, held };
				bool ch = sm_below(BELOW_LOST, &r);
				bool same = !live && st == SLOT_WAITING;

				ck_assert_int_eq(ch, !same);
				ck_assert(!r.live);
				ck_assert_int_eq(r.held, held);
				if (!same)
					ck_assert_int_eq(r.state, held ?
					    SLOT_STOPPED : SLOT_WAITING);
			}
}
END_TEST

START_TEST(test_below_release_rule)
{
	struct sm_row r;
	int st, live, held;

	for (st = 0; st < SLOT_NSTATES; st++)
		for (live = 0; live < 2; live++)
			for (held = 0; held < 2; held++) {
				r = (struct sm_row){ st, live, held };
				ck_assert_int_eq(sm_below(BELOW_RELEASE, &r), held);
				ck_assert(!r.held);
				ck_assert_int_eq(r.state, st);
				ck_assert_int_eq(r.live, live);
			}
}
END_TEST

/* --- when the machine asks for them ----------------------------------- */

/* A group stopped by command: what waited below for its next life stops. */
START_TEST(test_group_stopped_parks_below)
{
	mk_sub();
	up_sub();
	strict = true;
	ev_cmd_stop(1, 10);
	expect_report(1);
	expect_signal(1, SIGTERM);
	expect_end();
	ev_exit(1, SM_EXIT_OK, 20);
	expect_report(1);
	expect_below(1, BELOW_PARK);
	expect_end();
	expect_state(1, SLOT_STOPPED);
}
END_TEST

/* A temporary group that ended by itself is done: parked too. */
START_TEST(test_group_temporary_end_parks_below)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 0);
	tb_group(grp, "sub", CFG_ONE_FOR_ONE, 3, 5000)->group.restart =
	    CFG_TEMPORARY;
	go();
	ev_start(0);
	ev_ready(0, 0);
	expect_ready();
	strict = true;
	ev_exit(0, SM_EXIT_OK, 10);
	expect_note(0, NOTE_NO_RESTART, 0);
	expect_report(0);
	expect_below(0, BELOW_PARK);
	expect_end();
}
END_TEST

/*
 * A group's supervisor that fails (gave up, killed) may not have stopped
 * its workers: they are lost, before the exit is judged.  A clean exit
 * (a permanent group that shut down by itself) loses nothing.
 */
START_TEST(test_group_failure_loses_below)
{
	mk_sub();
	up_sub();
	strict = true;
	ev_exit(1, SM_EXIT_GAVE_UP, 10);
	expect_below(1, BELOW_LOST);
	expect_note(1, NOTE_RESTART, 0);
	expect_report(1);
	expect_report(1);	/* backoff 0: at once */
	expect_spawn(1);
	expect_end();
	ev_ready(1, 20);
	expect_report(1);
	expect_end();
	ev_signaled(1, SIGKILL, 30);
	expect_below(1, BELOW_LOST);
	expect_note(1, NOTE_RESTART, 0);
	ev_ready(1, 40);
	drain();
	ev_exit(1, SM_EXIT_OK, 50);
	ck_assert_uint_eq(hist_count(ACT_BELOW, 1), 2);
	expect_note(1, NOTE_RESTART, 0);
}
END_TEST

/* A worker's exit never concerns rows below. */
START_TEST(test_worker_exit_no_below)
{
	mk_sub();
	up_sub();
	hist_reset();
	ev_signaled(0, SIGKILL, 10);
	ev_cmd_stop(2, 20);
	ev_exit(2, 0, 30);
	ck_assert_uint_eq(hist_count(ACT_BELOW, (size_t)-1), 0);
}
END_TEST

/* A reload keeps a stopped group stopped, and what it adds below too. */
START_TEST(test_reconfigure_parks_below_a_stopped_group)
{
	struct sm_keep *keep;
	size_t n, from[8];
	unsigned count[3] = { 1, 1, 1 };

	mk_sub();
	up_sub();
	ev_cmd_stop(1, 10);
	ev_exit(1, SM_EXIT_OK, 20);
	n = sm_plan(&sm, grp, count, &keep);
	strict = true;
	sm_reconfigure(&sm, grp, keep, n, from, 30);
	drain();
	free(keep);
	expect_below(1, BELOW_PARK);
	expect_end();
}
END_TEST

/* --- commands below a child group -------------------------------------- */

START_TEST(test_command_below_routes)
{
	mk_sub();
	ev_start(0);
	/* Not started yet: a node inside cannot be reached. */
	ck_assert_int_eq(sm_command_below(&sm, 1, false, SM_OP_STOP, 1),
	    SM_ROUTE_NONE);
	drain();
	expect_end();
	/* The group itself: held here, and the plan goes past it. */
	ck_assert_int_eq(sm_command_below(&sm, 1, true, SM_OP_STOP, 2),
	    SM_ROUTE_HERE);
	drain();
	expect_end();
	expect_state(1, SLOT_STOPPED);
	expect_held(1, true);
	ev_ready(0, 3);
	expect_spawn(2);
	/* Started again: its turn has come, so at once. */
	ck_assert_int_eq(sm_command_below(&sm, 1, true, SM_OP_RESTART, 4),
	    SM_ROUTE_HERE);
	drain();
	expect_spawn(1);
	expect_held(1, false);
	/* Running (starting counts): its supervisor takes it, nothing here. */
	ck_assert_int_eq(sm_command_below(&sm, 1, true, SM_OP_STOP, 5),
	    SM_ROUTE_DOWN);
	ck_assert_int_eq(sm_command_below(&sm, 1, false, SM_OP_START, 5),
	    SM_ROUTE_DOWN);
	drain();
	expect_end();
}
END_TEST

/* start of the whole group: holds below go, groups that run are told. */
START_TEST(test_start_all_releases_below)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 0);
	tb_group(grp, "a", CFG_ONE_FOR_ONE, 3, 5000);
	tb_group(grp, "b", CFG_ONE_FOR_ONE, 3, 5000);
	go();
	ev_start(0);
	ev_ready(0, 0);
	ev_ready(1, 0);
	expect_ready();
	ev_cmd_stop(1, 10);
	ev_exit(1, SM_EXIT_OK, 20);
	strict = true;
	ev_start_all(30);
	expect_below(0, BELOW_RELEASE);
	expect_forward(0, SM_OP_START);
	expect_below(1, BELOW_RELEASE);
	expect_report(1);	/* waiting */
	expect_report(1);	/* starting */
	expect_spawn(1);
	expect_end();
}
END_TEST

/* Neither stop nor restart of the whole group touches holds below. */
START_TEST(test_stop_restart_all_no_release)
{
	mk_sub();
	up_sub();
	hist_reset();
	ev_restart_all(10);
	ev_stop_all(20);
	ck_assert_uint_eq(hist_count(ACT_FORWARD, (size_t)-1), 0);
	ck_assert_uint_eq(hist_count(ACT_BELOW, (size_t)-1), 0);
}
END_TEST

/* --- sd_notify --------------------------------------------------------- */

static void
notice(size_t i, bool ready, bool reloading, bool watchdog, bool stopping,
    uint64_t t)
{
	const struct sm_notice n = { ready, reloading, watchdog, stopping };

	sm_notified(&sm, i, &n, t);
	drain();
}

/* READY=1 passes a notify gate only, and only while starting. */
START_TEST(test_notify_ready_gate)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	W(0)->ready = CFG_READY_NOTIFY;
	W(1)->ready = CFG_READY_FD;
	W(0)->ready_timeout_ms = W(1)->ready_timeout_ms = CFG_INFINITY;
	go();
	ev_start(0);
	strict = true;
	notice(0, true, false, false, false, 10);
	expect_note(0, NOTE_READY, 0);
	expect_report(0);
	expect_report(1);
	expect_spawn(1);
	expect_end();
	expect_state(0, SLOT_RUNNING);
	/* Again while running: nothing. */
	notice(0, true, false, false, false, 20);
	expect_end();
	/* A worker gated by its fd is not made ready by a datagram. */
	notice(1, true, false, false, false, 30);
	expect_end();
	expect_state(1, SLOT_STARTING);
	ev_ready(1, 40);
	expect_note(1, NOTE_READY, 0);
	expect_report(1);
	expect_ready();
	expect_end();
}
END_TEST

/* RELOADING=1 takes a running worker out of ready until READY=1; a new process starts over. */
START_TEST(test_notify_reloading)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 1);
	go();
	ev_start(0);
	ev_ready(0, 1);
	expect_ready();
	ck_assert(sm_slot_ready(sm_slot(&sm, 0)));
	strict = true;
	notice(0, false, true, false, false, 10);
	expect_report(0);
	expect_end();
	ck_assert(!sm_slot_ready(sm_slot(&sm, 0)));
	expect_state(0, SLOT_RUNNING);
	notice(0, false, true, false, false, 11);	/* no change: no report */
	expect_end();
	notice(0, true, false, false, false, 20);
	expect_report(0);
	expect_end();
	ck_assert(sm_slot_ready(sm_slot(&sm, 0)));
	/* RELOADING=1 and READY=1 in one datagram: done reloading. */
	notice(0, true, true, false, false, 25);
	expect_end();
	ck_assert(sm_slot_ready(sm_slot(&sm, 0)));
	/* Still reloading when it crashes: its next process is not. */
	notice(0, false, true, false, false, 30);
	strict = false;
	ev_exit(0, 1, 40);
	expect_note(0, NOTE_RESTART, 0);
	expect_spawn(0);
	ev_ready(0, 50);
	ck_assert(sm_slot_ready(sm_slot(&sm, 0)));
	/* A stopped worker says nothing of reloading. */
	ev_cmd_stop(0, 60);
	ev_exit(0, 0, 70);
	notice(0, false, true, false, false, 80);
	ck_assert(!sm_slot(&sm, 0)->reloading);
}
END_TEST

/* WATCHDOG=1 restarts the watchdog of a running worker that has one. */
START_TEST(test_notify_watchdog)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	W(0)->watchdog_ms = 1000;
	go();
	ev_start(0);
	strict = true;
	notice(0, false, false, true, false, 5);	/* starting: no watchdog yet */
	expect_end();
	strict = false;
	ev_ready(0, 10);
	expect_timer(0, 1010);
	ev_ready(1, 10);
	expect_ready();
	strict = true;
	notice(0, false, false, true, false, 500);
	expect_timer(0, 1500);
	expect_end();
	notice(1, false, false, true, false, 500);	/* none configured */
	expect_end();
}
END_TEST

/*
 * A missed watchdog: the exit that follows carries reason watchdog; the
 * next exit, a plain crash, none.
 */
START_TEST(test_watchdog_reason)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 1);
	W(0)->watchdog_ms = 1000;
	go();
	ev_start(0);
	ev_ready(0, 10);
	ev_timer(0, 1010);
	ev_exit(0, 0, 1020);
	ck_assert_int_eq(sm.slots[0].reason, REASON_WATCHDOG);
	ck_assert_str_eq(sm_reason_name(REASON_WATCHDOG), "watchdog");
	ev_ready(0, 1030);
	ev_exit(0, 1, 1040);
	ck_assert_int_eq(sm.slots[0].reason, REASON_NONE);
	ck_assert_ptr_null(sm_reason_name(REASON_NONE));
}
END_TEST

/*
 * Over max_memory: stopped as a failed worker, its exit a crash with
 * reason memory (even a transient one's exit 0 on the TERM); ignored for
 * a worker that is not running.
 */
START_TEST(test_over_memory)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	W(0)->restart = CFG_TRANSIENT;
	W(0)->max_memory = 1000;
	go();
	ev_start(0);
	ev_ready(0, 1);
	ev_ready(1, 1);
	expect_ready();
	strict = true;
	sm_over_memory(&sm, 0, 5000, 100);
	drain();
	expect_note(0, NOTE_MEMORY, 5000);
	expect_report(0);
	expect_stop(0, SIGTERM);
	expect_timer(0, 5100);
	expect_end();
	strict = false;
	ev_exit(0, 0, 110);
	expect_note(0, NOTE_RESTART, 0);
	skip_cancel(0);
	expect_spawn(0);
	expect_end();
	ck_assert_int_eq(sm.slots[0].reason, REASON_MEMORY);
	ck_assert_str_eq(sm_reason_name(REASON_MEMORY), "memory");
	ck_assert_uint_eq(sm.slots[0].restarts, 1);
	ev_cmd_stop(1, 120);
	nacts = apos = 0;
	sm_over_memory(&sm, 1, 5000, 130);	/* stopping: nothing more */
	drain();
	expect_end();
}
END_TEST

/* STOPPING=1: stopping by itself, no signal; its exit judged by its type. */
START_TEST(test_notify_stopping)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 1);
	N(0)->worker.restart = CFG_TRANSIENT;
	go();
	ev_start(0);
	ev_ready(0, 1);
	expect_ready();
	strict = true;
	notice(0, false, false, false, true, 10);
	expect_report(0);
	expect_end();
	expect_state(0, SLOT_STOPPING);
	ck_assert_uint_eq(hist_signals(0, SIGTERM), 0);
	ev_exit(0, 0, 20);
	expect_note(0, NOTE_NO_RESTART, 0);
	expect_report(0);
	expect_end();
	expect_state(0, SLOT_EXITED);
	/* Not live: nothing more to say. */
	notice(0, false, false, false, true, 30);
	expect_end();
}
END_TEST

/* A child group speaks no sd_notify: anything said for it is ignored. */
START_TEST(test_notify_group_ignored)
{
	mk_sub();
	ev_start(0);
	ev_ready(0, 0);
	strict = true;
	notice(1, true, true, true, true, 10);
	expect_end();
	expect_state(1, SLOT_STARTING);
}
END_TEST

/* --- the parent lost --------------------------------------------------- */

START_TEST(test_lost_kills_workers_only)
{
	mk_sub();
	ev_start(0);
	ev_ready(0, 0);
	ev_ready(1, 0);
	/* w2 is starting, the group runs, w0 runs. */
	strict = true;
	sm_lost(&sm, 10);
	drain();
	expect_signal(0, SIGKILL);
	expect_signal(2, SIGKILL);
	expect_exit(SM_EXIT_LOST);
	expect_end();
	/* Nothing more is decided: it is gone. */
	sm_lost(&sm, 11);
	ev_timer(0, 12);
	ev_cmd_start(2, 13);
	drain();
	ck_assert_uint_eq(hist_count(ACT_SPAWN, (size_t)-1), 3);
	ck_assert_uint_eq(hist_count(ACT_EXIT, (size_t)-1), 1);
}
END_TEST

/* A worker not running is not signalled. */
START_TEST(test_lost_skips_what_does_not_run)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	go();
	up_all(0);
	ev_cmd_stop(1, 10);
	ev_exit(1, 0, 20);
	hist_reset();
	sm_lost(&sm, 30);
	drain();
	ck_assert_uint_eq(hist_signals(0, SIGKILL), 1);
	ck_assert_uint_eq(hist_signals(1, SIGKILL), 0);
	ck_assert_uint_eq(hist_signals(2, SIGKILL), 1);
}
END_TEST

/* --- when a new configuration may be applied --------------------------- */

START_TEST(test_reconfigure_now_when_idle)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	go();
	up_all(0);
	ck_assert_int_eq(sm_reconfigure_wanted(&sm), SM_RECONF_NOW);
	drain();
	expect_end();
}
END_TEST

/* During a strategy's stop phase: later, once, when the phase ends. */
START_TEST(test_reconfigure_after_the_stop_phase)
{
	mk(CFG_ONE_FOR_ALL, BIG, 10000, 3);
	go();
	up_all(0);
	ev_exit(0, 1, 10);	/* w2, then w1 stop */
	ck_assert_int_eq(sm_reconfigure_wanted(&sm), SM_RECONF_LATER);
	ck_assert_int_eq(sm_reconfigure_wanted(&sm), SM_RECONF_LATER);
	hist_reset();
	ev_exit(2, 0, 20);
	ck_assert_uint_eq(hist_count(ACT_RECONFIGURE, (size_t)-1), 0);
	ev_exit(1, 0, 30);
	ck_assert_uint_eq(hist_count(ACT_RECONFIGURE, (size_t)-1), 1);
	/* Asked again then: now. */
	ck_assert_int_eq(sm_reconfigure_wanted(&sm), SM_RECONF_NOW);
	ev_ready(0, 40);
	ev_ready(1, 41);
	ev_ready(2, 42);
	ck_assert_uint_eq(hist_count(ACT_RECONFIGURE, (size_t)-1), 1);
}
END_TEST

/* During a command's stop of everything, too. */
START_TEST(test_reconfigure_after_stop_all)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	go();
	up_all(0);
	ev_stop_all(10);
	ck_assert_int_eq(sm_reconfigure_wanted(&sm), SM_RECONF_LATER);
	hist_reset();
	ev_exit(1, 0, 20);
	ev_exit(0, 0, 30);
	ck_assert_uint_eq(hist_count(ACT_RECONFIGURE, (size_t)-1), 1);
}
END_TEST

/* Shutting down: never, and one asked for before is dropped. */
START_TEST(test_reconfigure_never_when_shutting_down)
{
	mk(CFG_ONE_FOR_ALL, BIG, 10000, 2);
	go();
	up_all(0);
	ev_exit(0, 1, 10);
	ck_assert_int_eq(sm_reconfigure_wanted(&sm), SM_RECONF_LATER);
	ev_shutdown(SM_EXIT_OK, 20);
	ck_assert_int_eq(sm_reconfigure_wanted(&sm), SM_RECONF_NEVER);
	hist_reset();
	ev_exit(1, 0, 30);
	ck_assert_uint_eq(hist_count(ACT_RECONFIGURE, (size_t)-1), 0);
	ck_assert_uint_eq(hist_count(ACT_EXIT, (size_t)-1), 1);
}
END_TEST

static Suite *
group_suite(void)
{
	Suite *s = suite_create("group");
	TCase *tc = tcase_create("group");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_below_park_rule);
	tcase_add_test(tc, test_below_lost_rule);
	tcase_add_test(tc, test_below_release_rule);
	tcase_add_test(tc, test_group_stopped_parks_below);
	tcase_add_test(tc, test_group_temporary_end_parks_below);
	tcase_add_test(tc, test_group_failure_loses_below);
	tcase_add_test(tc, test_worker_exit_no_below);
	tcase_add_test(tc, test_reconfigure_parks_below_a_stopped_group);
	tcase_add_test(tc, test_command_below_routes);
	tcase_add_test(tc, test_start_all_releases_below);
	tcase_add_test(tc, test_stop_restart_all_no_release);
	tcase_add_test(tc, test_notify_ready_gate);
	tcase_add_test(tc, test_notify_reloading);
	tcase_add_test(tc, test_notify_watchdog);
	tcase_add_test(tc, test_watchdog_reason);
	tcase_add_test(tc, test_over_memory);
	tcase_add_test(tc, test_notify_stopping);
	tcase_add_test(tc, test_notify_group_ignored);
	tcase_add_test(tc, test_lost_kills_workers_only);
	tcase_add_test(tc, test_lost_skips_what_does_not_run);
	tcase_add_test(tc, test_reconfigure_now_when_idle);
	tcase_add_test(tc, test_reconfigure_after_the_stop_phase);
	tcase_add_test(tc, test_reconfigure_after_stop_all);
	tcase_add_test(tc, test_reconfigure_never_when_shutting_down);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(group_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? 0 : 1);
}
