/*
 * Unit tests of the machine's command entry points (machine.h): sm_cmd_stop,
 * sm_cmd_start, sm_cmd_restart, their group-wide forms sm_cmd_stop_all,
 * sm_cmd_start_all, sm_cmd_restart_all, and sm_hold.  What they must do
 * (SPEC §3, §5): a worker stopped by command is held, and stays stopped
 * across strategy restarts and restarts of its group until started; a
 * group stop goes newest first, one at a time, and leaves the supervisor
 * up; a group start goes in order and releases every hold; a group restart
 * keeps held slots stopped; a start never lets a slot jump the start order;
 * no command counts toward intensity; start and restart reset the backoff.
 *
 * The drivers and matchers are those of test_machine.c: actions are drained
 * after each event and matched in order, REPORT skipped unless `strict`.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtest.h"


/* ======================================================================= */
/* sm_cmd_stop                                                             */
/* ======================================================================= */

/* Running: the stop signal, a kill timer; the exit leaves it stopped, held. */
START_TEST(test_stop_running)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	go();
	up_all(0);
	strict = true;
	ev_cmd_stop(1, 100);
	expect_report(1);
	expect_stop(1, SIGTERM);
	expect_timer(1, 5100);
	expect_end();
	expect_state(1, SLOT_STOPPING);
	ev_signaled(1, SIGTERM, 150);
	expect_cancel(1);
	expect_report(1);
	expect_end();
	expect_state(1, SLOT_STOPPED);
	expect_held(1, true);
	expect_state(0, SLOT_RUNNING);
	expect_state(2, SLOT_RUNNING);
	ck_assert_uint_eq(sm.restarts, 0);
	ck_assert_uint_eq(window(150), 0);
	ck_assert(!sm.done);
}
END_TEST

/* Its own stop_signal; brutal_kill is SIGKILL at once, without a timer. */
START_TEST(test_stop_signal_and_brutal)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	W(0)->stop_signal = SIGINT;
	W(1)->shutdown_ms = 0;
	go();
	up_all(0);
	ev_cmd_stop(0, 100);
	expect_stop(0, SIGINT);
	expect_timer(0, 5100);
	expect_end();
	ev_cmd_stop(1, 110);
	expect_signal(1, SIGKILL);	/* no SIGCONT: KILL needs none */
	expect_end();
	ev_signaled(1, SIGKILL, 120);
	expect_end();
	ev_signaled(0, SIGINT, 130);
	expect_cancel(0);
	expect_end();
	expect_state(0, SLOT_STOPPED);
	expect_state(1, SLOT_STOPPED);
	ck_assert_uint_eq(sm.restarts, 0);
}
END_TEST

/* Not gone within `shutdown`: SIGKILL; still a command stop. */
START_TEST(test_stop_kill_after_shutdown)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	W(1)->shutdown_ms = 300;
	go();
	up_all(0);
	ev_cmd_stop(1, 100);
	expect_stop(1, SIGTERM);
	expect_timer(1, 400);
	ev_timer(1, 400);
	expect_note(1, NOTE_KILL, 0);
	expect_signal(1, SIGKILL);
	expect_end();
	ev_signaled(1, SIGKILL, 410);
	expect_end();
	expect_state(1, SLOT_STOPPED);
	expect_held(1, true);
	ck_assert_uint_eq(sm.restarts, 0);
}
END_TEST

/* Already stopped, or asked twice while stopping: nothing more happens. */
START_TEST(test_stop_twice)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	go();
	up_all(0);
	ev_cmd_stop(1, 100);
	expect_stop(1, SIGTERM);
	ev_cmd_stop(1, 110);
	expect_end();
	ev_exit(1, 0, 120);
	ev_cmd_stop(1, 130);
	strict = true;
	expect_end();
	expect_state(1, SLOT_STOPPED);
	ck_assert_uint_eq(hist_signals(1, SIGTERM), 1);
}
END_TEST

/* An exited (temporary) worker asked to stop becomes stopped and held. */
START_TEST(test_stop_exited)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	W(1)->restart = CFG_TEMPORARY;
	go();
	up_all(0);
	ev_exit(1, 0, 100);
	expect_note(1, NOTE_NO_RESTART, 0);
	expect_state(1, SLOT_EXITED);
	ev_cmd_stop(1, 200);
	expect_end();
	expect_state(1, SLOT_STOPPED);
	expect_held(1, true);
}
END_TEST

/* A worker in backoff: its timer is cancelled, it is stopped, held. */
START_TEST(test_stop_in_backoff)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	set_backoff1(0, 1000);
	go();
	up_all(0);
	ev_exit(0, 1, 100);
	expect_note(0, NOTE_RESTART, 1000);
	expect_timer(0, 1100);
	ev_cmd_stop(0, 200);
	expect_cancel(0);
	expect_end();
	expect_state(0, SLOT_STOPPED);
	expect_held(0, true);
	ev_timer(0, 1100);
	expect_end();
	expect_state(0, SLOT_STOPPED);
}
END_TEST

/* Stopped while starting (initial start): the plan goes on past it. */
START_TEST(test_stop_starting_initial)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	W(0)->ready = CFG_READY_NOTIFY;
	go();
	ev_start(0);
	expect_spawn(0);
	expect_timer(0, 30000);
	ev_cmd_stop(0, 100);
	expect_cancel(0);	/* the ready_timeout */
	expect_stop(0, SIGTERM);
	expect_timer(0, 5100);
	expect_end();
	ev_exit(0, 0, 200);
	expect_cancel(0);
	expect_spawn(1);
	expect_end();
	ev_ready(1, 210);
	expect_spawn(2);
	ev_ready(2, 220);
	expect_ready();
	expect_end();
	expect_state(0, SLOT_STOPPED);
	expect_held(0, true);
}
END_TEST

/* ======================================================================= */
/* sm_cmd_start                                                            */
/* ======================================================================= */

START_TEST(test_start_stopped)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	go();
	up_all(0);
	ev_cmd_stop(1, 100);
	ev_exit(1, 0, 110);
	ev_cmd_start(1, 200);
	expect_spawn(1);
	expect_end();
	expect_held(1, false);
	expect_state(1, SLOT_STARTING);
	ev_ready(1, 210);
	expect_end();
	expect_state(1, SLOT_RUNNING);
	ck_assert_uint_eq(sm.slots[1].starts, 2);
	ck_assert_uint_eq(sm.restarts, 0);
}
END_TEST

/* Running, starting or stopping: a start changes nothing. */
START_TEST(test_start_live_is_noop)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	W(1)->ready = CFG_READY_NOTIFY;
	go();
	ev_start(0);
	ev_ready(0, 10);
	expect_spawn(1);
	strict = true;
	ev_cmd_start(0, 20);
	expect_end();
	ev_cmd_start(1, 30);
	expect_end();
	strict = false;
	ev_cmd_stop(0, 40);
	expect_stop(0, SIGTERM);
	strict = true;
	ev_cmd_start(0, 50);
	expect_end();
	expect_state(0, SLOT_STOPPING);
	expect_state(1, SLOT_STARTING);
	ck_assert_uint_eq(hist_count(ACT_SPAWN, (size_t)-1), 2);
}
END_TEST

/* A start cuts a backoff short and resets the schedule. */
START_TEST(test_start_cuts_backoff)
{
	static const uint64_t b[] = { 1000, 2000, 4000 };

	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	tb_backoff(N(0), 3, b);
	go();
	up_all(0);
	ev_exit(0, 1, 100);
	expect_note(0, NOTE_RESTART, 1000);
	ev_timer(0, 1100);
	expect_spawn(0);
	ev_ready(0, 1110);
	ev_exit(0, 1, 1200);
	expect_note(0, NOTE_RESTART, 2000);
	expect_timer(0, 3200);
	ev_cmd_start(0, 1300);
	expect_cancel(0);
	expect_spawn(0);
	expect_end();
	ev_ready(0, 1310);
	ev_exit(0, 1, 1400);
	expect_note(0, NOTE_RESTART, 1000);	/* from the start again */
	ck_assert_uint_eq(sm.restarts, 3);
}
END_TEST

/*
 * During the initial start, a start asked for a later slot does not let
 * it jump the order: it starts when its turn comes, after its elders.
 */
START_TEST(test_start_keeps_order)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	go();
	ev_start(0);
	expect_spawn(0);
	ev_cmd_stop(2, 10);	/* waiting: parked, held */
	expect_state(2, SLOT_STOPPED);
	ev_cmd_start(2, 20);
	expect_end();
	expect_state(2, SLOT_WAITING);
	expect_held(2, false);
	ev_ready(0, 30);
	expect_spawn(1);
	expect_end();
	ev_ready(1, 40);
	expect_spawn(2);
	ev_ready(2, 50);
	expect_ready();
	expect_end();
}
END_TEST

/* ======================================================================= */
/* sm_cmd_restart                                                          */
/* ======================================================================= */

/* Stop, then start at once: no backoff, no intensity, siblings untouched. */
START_TEST(test_restart_running)
{
	mk(CFG_ONE_FOR_ALL, 0, 10000, 3);	/* any counted restart gives up */
	set_backoff1(1, 60000);
	go();
	up_all(0);
	ev_cmd_restart(1, 100);
	expect_stop(1, SIGTERM);
	expect_timer(1, 5100);
	expect_end();
	ev_signaled(1, SIGTERM, 200);
	expect_cancel(1);
	expect_spawn(1);
	expect_end();
	ev_ready(1, 210);
	expect_end();
	ev_cmd_restart(1, 300);
	ev_exit(1, 0, 310);
	ev_ready(1, 320);
	expect_state(0, SLOT_RUNNING);
	expect_state(1, SLOT_RUNNING);
	expect_state(2, SLOT_RUNNING);
	ck_assert_uint_eq(hist_count(ACT_SIGNAL, 0), 0);
	ck_assert_uint_eq(hist_count(ACT_SIGNAL, 2), 0);
	ck_assert_uint_eq(sm.slots[1].starts, 3);
	ck_assert_uint_eq(sm.restarts, 0);
	ck_assert(!sm.done && !sm.shutting_down);
}
END_TEST

/* A restart of a stopped (held) worker starts it and lifts the hold. */
START_TEST(test_restart_stopped)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	go();
	up_all(0);
	ev_cmd_stop(0, 100);
	ev_exit(0, 0, 110);
	expect_held(0, true);
	ev_cmd_restart(0, 200);
	expect_spawn(0);
	expect_end();
	expect_held(0, false);
}
END_TEST

/* A restart by command resets the backoff schedule to backoff[0]. */
START_TEST(test_restart_resets_backoff)
{
	static const uint64_t b[] = { 0, 500, 900 };

	mk(CFG_ONE_FOR_ONE, BIG, 10000, 1);
	tb_backoff(N(0), 3, b);
	go();
	up_all(0);
	ev_exit(0, 1, 100);
	expect_note(0, NOTE_RESTART, 0);
	expect_spawn(0);
	ev_ready(0, 110);
	ev_exit(0, 1, 200);
	expect_note(0, NOTE_RESTART, 500);
	ev_timer(0, 700);
	ev_ready(0, 710);
	ev_cmd_restart(0, 800);
	ev_exit(0, 0, 810);
	expect_cancel(0);
	expect_spawn(0);
	ev_ready(0, 820);
	ev_exit(0, 1, 900);
	expect_note(0, NOTE_RESTART, 0);	/* back to backoff[0] */
}
END_TEST

START_TEST(test_restart_in_backoff)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	set_backoff1(0, 1000);
	go();
	up_all(0);
	ev_exit(0, 1, 100);
	expect_note(0, NOTE_RESTART, 1000);
	ev_cmd_restart(0, 150);
	expect_cancel(0);
	expect_spawn(0);
	expect_end();
	ev_timer(0, 1100);
	expect_end();
	ck_assert_uint_eq(sm.slots[0].starts, 2);
}
END_TEST

/* ======================================================================= */
/* sm_cmd_stop_all                                                         */
/* ======================================================================= */

/* Newest first, one at a time; every slot held; the supervisor stays. */
START_TEST(test_stop_all)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	go();
	up_all(0);
	ev_stop_all(100);
	expect_stop(2, SIGTERM);
	expect_timer(2, 5100);
	expect_end();
	ev_exit(2, 0, 110);
	expect_cancel(2);
	expect_stop(1, SIGTERM);
	expect_timer(1, 5110);
	expect_end();
	ev_exit(1, 0, 120);
	expect_cancel(1);
	expect_stop(0, SIGTERM);
	expect_timer(0, 5120);
	expect_end();
	ev_exit(0, 0, 130);
	expect_cancel(0);
	expect_end();
	for (size_t i = 0; i < 3; i++) {
		expect_state(i, SLOT_STOPPED);
		expect_held(i, true);
	}
	ck_assert(!sm.done && !sm.stopping);
	ck_assert_uint_eq(hist_count(ACT_EXIT, (size_t)-1), 0);
	ck_assert_uint_eq(sm.restarts, 0);
	/* Nothing starts them again. */
	ev_start(200);
	expect_end();
}
END_TEST

/* Waiting and backoff slots are parked too; already stopped ones skipped. */
START_TEST(test_stop_all_parks)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 4);
	set_backoff1(1, 1000);
	W(2)->restart = CFG_TEMPORARY;
	go();
	up_all(0);
	ev_exit(1, 1, 100);
	expect_note(1, NOTE_RESTART, 1000);
	ev_exit(2, 0, 110);
	expect_note(2, NOTE_NO_RESTART, 0);
	ev_cmd_stop(3, 120);
	ev_exit(3, 0, 130);
	hist_reset();
	ev_stop_all(200);
	expect_cancel(1);
	expect_stop(0, SIGTERM);
	expect_timer(0, 5200);
	expect_end();
	ev_exit(0, 0, 210);
	expect_cancel(0);
	expect_end();
	for (size_t i = 0; i < 4; i++)
		expect_state(i, SLOT_STOPPED);
	/* Slot 0's stop signal and its SIGCONT: nothing to the others. */
	ck_assert_uint_eq(hist_count(ACT_SIGNAL, (size_t)-1), 2);
	ev_timer(1, 1100);
	expect_end();
}
END_TEST

/* A worker that crashes while the group stops is not restarted. */
START_TEST(test_stop_all_crash_meanwhile)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	go();
	up_all(0);
	hist_reset();
	ev_stop_all(100);
	expect_stop(2, SIGTERM);
	ev_exit(0, 1, 110);	/* not asked yet: in the phase's range */
	expect_end();
	expect_state(0, SLOT_STOPPED);
	ev_exit(2, 0, 120);
	expect_cancel(2);
	expect_stop(1, SIGTERM);
	ev_exit(1, 0, 130);
	expect_cancel(1);
	expect_end();
	ck_assert_uint_eq(hist_count(ACT_SPAWN, (size_t)-1), 0);
	ck_assert_uint_eq(sm.restarts, 0);
}
END_TEST

/* ======================================================================= */
/* sm_cmd_start_all                                                        */
/* ======================================================================= */

/* In order, each after the previous is ready; every hold released. */
START_TEST(test_start_all_in_order)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	go();
	up_all(0);
	ev_stop_all(100);
	ev_exit(2, 0, 110);
	ev_exit(1, 0, 120);
	ev_exit(0, 0, 130);
	ev_start_all(200);
	expect_spawn(0);
	expect_end();
	expect_state(1, SLOT_WAITING);
	expect_state(2, SLOT_WAITING);
	for (size_t i = 0; i < 3; i++)
		expect_held(i, false);
	ev_ready(0, 210);
	expect_spawn(1);
	expect_end();
	ev_ready(1, 220);
	expect_spawn(2);
	expect_end();
	ev_ready(2, 230);
	expect_end();
	ck_assert_uint_eq(hist_count(ACT_READY, (size_t)-1), 1);
	ck_assert_uint_eq(sm.restarts, 0);
}
END_TEST

/*
 * Running slots are left alone; held ones start once what each needs is
 * ready: 3 needs 2, which runs, so it does not wait for 1.
 */
START_TEST(test_start_all_only_stopped)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 4);
	go();
	up_all(0);
	ev_cmd_stop(3, 100);
	ev_exit(3, 0, 110);
	ev_cmd_stop(1, 120);
	ev_exit(1, 0, 130);
	hist_reset();
	ev_start_all(200);
	expect_spawn(1);
	expect_spawn(3);
	expect_end();
	ev_ready(1, 210);
	ev_ready(3, 220);
	expect_end();
	ck_assert_uint_eq(hist_count(ACT_SIGNAL, (size_t)-1), 0);
	ck_assert_uint_eq(hist_count(ACT_SPAWN, 0), 0);
	ck_assert_uint_eq(hist_count(ACT_SPAWN, 2), 0);
}
END_TEST

/* An exited (temporary) slot and one in backoff start again too. */
START_TEST(test_start_all_exited_and_backoff)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	W(0)->restart = CFG_TEMPORARY;
	set_backoff1(1, 5000);
	go();
	up_all(0);
	ev_exit(0, 0, 100);
	expect_note(0, NOTE_NO_RESTART, 0);
	ev_exit(1, 1, 110);
	expect_note(1, NOTE_RESTART, 5000);
	ev_start_all(200);
	expect_cancel(1);
	expect_spawn(0);
	expect_end();
	ev_ready(0, 210);
	expect_spawn(1);
	expect_end();
}
END_TEST

/* ======================================================================= */
/* sm_cmd_restart_all                                                      */
/* ======================================================================= */

/* All down newest first, then up in order; not counted; held ones stay. */
START_TEST(test_restart_all_keeps_held)
{
	mk(CFG_ONE_FOR_ONE, 0, 10000, 3);	/* intensity 0: any count gives up */
	go();
	up_all(0);
	ev_cmd_stop(1, 50);
	ev_exit(1, 0, 60);
	hist_reset();
	ev_restart_all(100);
	expect_stop(2, SIGTERM);
	expect_timer(2, 5100);
	expect_end();
	ev_exit(2, 0, 110);
	expect_cancel(2);
	expect_stop(0, SIGTERM);
	expect_timer(0, 5110);
	expect_end();
	ev_exit(0, 0, 120);
	expect_cancel(0);
	expect_spawn(0);
	expect_end();
	ev_ready(0, 130);
	expect_spawn(2);
	expect_end();
	ev_ready(2, 140);
	expect_end();
	expect_state(1, SLOT_STOPPED);
	expect_held(1, true);
	ck_assert_uint_eq(hist_count(ACT_SPAWN, 1), 0);
	ck_assert_uint_eq(sm.restarts, 0);
	ck_assert(!sm.done);
	/* A later `start` of the group releases it. */
	ev_start_all(200);
	expect_spawn(1);
}
END_TEST

/* Slots in backoff or exited are started with the others. */
START_TEST(test_restart_all_backoff_exited)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	set_backoff1(0, 5000);
	W(2)->restart = CFG_TEMPORARY;
	go();
	up_all(0);
	ev_exit(0, 1, 100);
	expect_note(0, NOTE_RESTART, 5000);
	ev_exit(2, 0, 110);
	expect_note(2, NOTE_NO_RESTART, 0);
	hist_reset();
	ev_restart_all(200);
	expect_cancel(0);
	expect_stop(1, SIGTERM);
	expect_timer(1, 5200);
	expect_end();
	ev_exit(1, 0, 210);
	expect_cancel(1);
	expect_spawn(0);
	ev_ready(0, 220);
	expect_spawn(1);
	ev_ready(1, 230);
	expect_spawn(2);
	ev_ready(2, 240);
	expect_end();
}
END_TEST

/* A strategy restart after a group restart still leaves the held slot. */
START_TEST(test_restart_all_then_one_for_all)
{
	mk(CFG_ONE_FOR_ALL, BIG, 10000, 3);
	go();
	up_all(0);
	ev_cmd_stop(1, 50);
	ev_exit(1, 0, 60);
	hist_reset();
	ev_restart_all(100);
	ev_exit(2, 0, 110);
	ev_exit(0, 0, 120);
	ev_ready(0, 130);
	ev_ready(2, 140);
	ev_exit(0, 1, 200);	/* a crash: one_for_all */
	expect_note(0, NOTE_RESTART, 0);
	expect_stop(2, SIGTERM);
	ev_exit(2, 0, 210);
	ev_ready(0, 220);
	ev_ready(2, 230);
	expect_state(1, SLOT_STOPPED);
	ck_assert_uint_eq(hist_count(ACT_SPAWN, 1), 0);
}
END_TEST

/* ======================================================================= */
/* sm_hold and shutdown                                                    */
/* ======================================================================= */

/* Held from the group's previous life: skipped by the start, until started. */
START_TEST(test_hold_before_start)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	go();
	strict = true;
	sm_hold(&sm, 1);
	drain();
	expect_report(1);
	expect_end();
	strict = false;
	expect_state(1, SLOT_STOPPED);
	expect_held(1, true);
	ev_start(0);
	expect_spawn(0);
	ev_ready(0, 10);
	expect_spawn(2);
	ev_ready(2, 20);
	expect_ready();
	expect_end();
	ev_cmd_start(1, 100);
	expect_spawn(1);
	expect_held(1, false);
}
END_TEST

/* A held slot survives a strategy restart of its siblings. */
START_TEST(test_hold_survives_rest_for_one)
{
	mk(CFG_REST_FOR_ONE, BIG, 10000, 3);
	go();
	sm_hold(&sm, 2);
	drain();
	ev_start(0);
	ev_ready(0, 10);
	ev_ready(1, 20);
	ev_exit(0, 1, 100);
	expect_note(0, NOTE_RESTART, 0);
	expect_stop(1, SIGTERM);
	expect_timer(1, 5100);
	expect_end();
	ev_exit(1, 0, 110);
	ev_ready(0, 120);
	ev_ready(1, 130);
	expect_state(2, SLOT_STOPPED);
	ck_assert_uint_eq(hist_count(ACT_SPAWN, 2), 0);
	ck_assert_uint_eq(hist_count(ACT_SIGNAL, 2), 0);
}
END_TEST

/* Once the supervisor shuts down, no command acts. */
START_TEST(test_commands_ignored_in_shutdown)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	go();
	up_all(0);
	ev_cmd_stop(0, 10);
	ev_exit(0, 0, 20);
	ev_shutdown(SM_EXIT_OK, 100);
	expect_stop(2, SIGTERM);
	expect_timer(2, 5100);
	expect_end();
	ev_cmd_restart(1, 110);
	expect_end();
	ev_start_all(120);
	expect_end();
	ev_restart_all(130);
	expect_end();
	ev_stop_all(140);
	expect_end();
	ev_cmd_start(0, 150);
	expect_end();
	ev_exit(2, 0, 200);
	expect_cancel(2);
	expect_stop(1, SIGTERM);
	ev_exit(1, 0, 210);
	expect_cancel(1);
	expect_exit(SM_EXIT_OK);
	expect_end();
	ck_assert_uint_eq(hist_count(ACT_SPAWN, (size_t)-1), 3);
}
END_TEST

/* ======================================================================= */

static TCase *
tc_new(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return (tc);
}

static Suite *
commands_suite(void)
{
	Suite *s = suite_create("commands-sm");
	TCase *tc;

	tc = tc_new(s, "stop");
	tcase_add_test(tc, test_stop_running);
	tcase_add_test(tc, test_stop_signal_and_brutal);
	tcase_add_test(tc, test_stop_kill_after_shutdown);
	tcase_add_test(tc, test_stop_twice);
	tcase_add_test(tc, test_stop_exited);
	tcase_add_test(tc, test_stop_in_backoff);
	tcase_add_test(tc, test_stop_starting_initial);

	tc = tc_new(s, "start");
	tcase_add_test(tc, test_start_stopped);
	tcase_add_test(tc, test_start_live_is_noop);
	tcase_add_test(tc, test_start_cuts_backoff);
	tcase_add_test(tc, test_start_keeps_order);

	tc = tc_new(s, "restart");
	tcase_add_test(tc, test_restart_running);
	tcase_add_test(tc, test_restart_stopped);
	tcase_add_test(tc, test_restart_resets_backoff);
	tcase_add_test(tc, test_restart_in_backoff);

	tc = tc_new(s, "stop_all");
	tcase_add_test(tc, test_stop_all);
	tcase_add_test(tc, test_stop_all_parks);
	tcase_add_test(tc, test_stop_all_crash_meanwhile);

	tc = tc_new(s, "start_all");
	tcase_add_test(tc, test_start_all_in_order);
	tcase_add_test(tc, test_start_all_only_stopped);
	tcase_add_test(tc, test_start_all_exited_and_backoff);

	tc = tc_new(s, "restart_all");
	tcase_add_test(tc, test_restart_all_keeps_held);
	tcase_add_test(tc, test_restart_all_backoff_exited);
	tcase_add_test(tc, test_restart_all_then_one_for_all);

	tc = tc_new(s, "hold");
	tcase_add_test(tc, test_hold_before_start);
	tcase_add_test(tc, test_hold_survives_rest_for_one);
	tcase_add_test(tc, test_commands_ignored_in_shutdown);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(commands_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
