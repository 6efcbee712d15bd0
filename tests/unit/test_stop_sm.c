/*
 * Unit tests of stop.c: how a slot is asked to stop.  A worker with a
 * stop_command gets ACT_STOP_COMMAND instead of its stop signal (then
 * SIGCONT, then the shutdown timer); the command's end (sm_stop_command_
 * exited) sends the stop signal if it failed while the worker still
 * stops; SIGKILL time, a second TERM, the parent lost and the slot's next
 * start kill a stop command still running.  And what a stopping slot
 * tells the executor: since when it stops, what was sent and when.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtest.h"

static void
ev_cmd_ended(size_t i, int code, int sig, uint64_t t)
{
	sm_stop_command_exited(&sm, i, (struct exit_info){ .code = code,
	    .sig = sig }, t);
	drain();
}

static void
expect_stop_command(size_t i, uint64_t until)
{
	const struct action *a = expect(ACT_STOP_COMMAND, i);

	ck_assert_msg(a->value == until, "slot %zu: stop_command until %llu, "
	    "expected %llu", i, (unsigned long long)a->value,
	    (unsigned long long)until);
}

/* The note that the stop_command failed, then SIG and SIGCONT. */
static void
expect_fallback(size_t i, int sig)
{
	const struct action *a = expect(ACT_NOTE, i);

	ck_assert_int_eq(a->note, NOTE_STOP_FAILED);
	ck_assert_int_eq(a->sig, sig);
	expect_stop(i, sig);
}

static void
expect_sent(size_t i, uint64_t since, int sig, uint64_t at)
{
	const struct slot *s = &sm.slots[i];

	ck_assert_msg(s->stop_since == since && s->stop_sig == sig &&
	    s->stop_sent_at == at, "slot %zu: stopping since %llu, sent %d at "
	    "%llu; expected %llu, %d, %llu", i,
	    (unsigned long long)s->stop_since, s->stop_sig,
	    (unsigned long long)s->stop_sent_at, (unsigned long long)since, sig,
	    (unsigned long long)at);
}

/* Two workers, w1 with a stop_command; both up at 0. */
static void
mk_two(void)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	tb_stop_command(N(1), "stopper");
	go();
	up_all(0);
}

/* RUNNING x STOP: the stop_command, SIGCONT, the timer; no stop signal. */
START_TEST(test_stop_command_instead_of_signal)
{
	mk_two();
	strict = true;
	ev_cmd_stop(1, 100);
	expect_report(1);
	expect_stop_command(1, 5100);
	expect_signal(1, SIGCONT);
	expect_timer(1, 5100);
	expect_end();
	expect_state(1, SLOT_STOPPING);
	ck_assert_uint_eq(hist_signals(1, SIGTERM), 0);
	ck_assert(sm.slots[1].stop_cmd);
	expect_sent(1, 100, SM_SIG_COMMAND, 100);
	/* Exit 0: the worker has the rest of its shutdown. */
	ev_cmd_ended(1, 0, 0, 150);
	expect_end();
	ck_assert(!sm.slots[1].stop_cmd);
	expect_state(1, SLOT_STOPPING);
	ev_exit(1, 0, 200);
	expect_cancel(1);
	expect_report(1);
	expect_end();
	expect_state(1, SLOT_STOPPED);
	expect_sent(1, 0, SM_SIG_NONE, 0);
	ck_assert_uint_eq(hist_count(ACT_STOP_COMMAND_KILL, 1), 0);
}
END_TEST

/* A worker without one is stopped as before, and says so. */
START_TEST(test_stop_signal_recorded)
{
	mk_two();
	W(0)->stop_signal = SIGQUIT;
	strict = true;
	ev_cmd_stop(0, 100);
	expect_report(0);
	expect_stop(0, SIGQUIT);
	expect_timer(0, 5100);
	expect_end();
	ck_assert(!sm.slots[0].stop_cmd);
	expect_sent(0, 100, SIGQUIT, 100);
	ck_assert_uint_eq(hist_count(ACT_STOP_COMMAND, (size_t)-1), 0);
}
END_TEST

/* Exits 1 while the worker stops: its stop signal at once, same timer. */
START_TEST(test_stop_command_fails_then_signal)
{
	mk_two();
	W(1)->stop_signal = SIGINT;
	ev_cmd_stop(1, 100);
	strict = true;
	ev_cmd_ended(1, 1, 0, 130);
	expect_fallback(1, SIGINT);
	expect_end();
	ck_assert_uint_eq(sm.slots[1].due, 5100);
	expect_sent(1, 100, SIGINT, 130);
	ck_assert(!sm.slots[1].stop_cmd);
	/* Its exit is the worker's stop as asked: stopped, held. */
	strict = false;
	ev_exit(1, 0, 140);
	expect_state(1, SLOT_STOPPED);
	expect_held(1, true);
}
END_TEST

/* Killed by a signal, or never run (127): the same. */
START_TEST(test_stop_command_killed_or_not_run)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	tb_stop_command(N(0), "a");
	tb_stop_command(N(1), "b");
	go();
	up_all(0);
	ev_cmd_stop(0, 100);
	ev_cmd_stop(1, 100);
	ev_cmd_ended(0, -1, SIGSEGV, 110);
	expect_fallback(0, SIGTERM);
	expect_end();
	ev_cmd_ended(1, 127, 0, 120);
	expect_fallback(1, SIGTERM);
	expect_end();
	expect_sent(0, 100, SIGTERM, 110);
	expect_sent(1, 100, SIGTERM, 120);
}
END_TEST

/* A failure that comes after the worker ended, or was killed: nothing. */
START_TEST(test_stop_command_fails_too_late)
{
	mk_two();
	ev_cmd_stop(1, 100);
	ev_exit(1, 0, 120);
	expect_state(1, SLOT_STOPPED);
	ck_assert(sm.slots[1].stop_cmd);	/* it may outlive the worker */
	strict = true;
	ev_cmd_ended(1, 1, 0, 130);
	expect_end();
	ck_assert(!sm.slots[1].stop_cmd);
	ck_assert_uint_eq(hist_signals(1, SIGTERM), 0);
}
END_TEST

/* STOPPING x TIMER: SIGKILL for the worker and for its stop_command. */
START_TEST(test_stop_command_killed_with_worker)
{
	mk_two();
	ev_cmd_stop(1, 100);
	strict = true;
	ev_timer(1, 5100);
	expect_note(1, NOTE_KILL, 0);
	expect_signal(1, SIGKILL);
	expect(ACT_STOP_COMMAND_KILL, 1);
	expect_end();
	/* Its end, killed, sends nothing more: the worker is killed. */
	ev_cmd_ended(1, -1, SIGKILL, 5101);
	expect_end();
	ck_assert_uint_eq(hist_signals(1, SIGTERM), 0);
	ev_signaled(1, SIGKILL, 5102);
	expect_report(1);
	expect_end();
	expect_state(1, SLOT_STOPPED);
}
END_TEST

/* A stop_command that is done by SIGKILL time is not killed again. */
START_TEST(test_stop_command_done_before_kill)
{
	mk_two();
	ev_cmd_stop(1, 100);
	ev_cmd_ended(1, 0, 0, 200);
	strict = true;
	ev_timer(1, 5100);
	expect_note(1, NOTE_KILL, 0);
	expect_signal(1, SIGKILL);
	expect_end();
}
END_TEST

/* shutdown: infinity: the command may run as long as the worker. */
START_TEST(test_stop_command_infinity)
{
	mk_two();
	W(1)->shutdown_ms = CFG_INFINITY;
	strict = true;
	ev_cmd_stop(1, 100);
	expect_report(1);
	expect_stop_command(1, 0);
	expect_signal(1, SIGCONT);
	expect_end();
	ck_assert_uint_eq(sm.slots[1].due, 0);
}
END_TEST

/* brutal_kill: SIGKILL at once, no stop_command. */
START_TEST(test_stop_command_brutal_kill)
{
	mk_two();
	W(1)->shutdown_ms = 0;
	strict = true;
	ev_cmd_stop(1, 100);
	expect_report(1);
	expect_signal(1, SIGKILL);
	expect_end();
	ck_assert(!sm.slots[1].stop_cmd);
	ck_assert(sm.slots[1].killed);
	expect_sent(1, 100, SIGKILL, 100);
}
END_TEST

/* A stop_command that outlives its worker goes when the slot starts again. */
START_TEST(test_stop_command_killed_at_next_start)
{
	mk_two();
	ev_cmd_restart(1, 100);
	expect_stop_command(1, 5100);
	expect_signal(1, SIGCONT);
	expect_timer(1, 5100);
	expect_end();
	ev_exit(1, 0, 150);
	expect_cancel(1);
	expect(ACT_STOP_COMMAND_KILL, 1);
	expect_spawn(1);
	expect_end();
	expect_state(1, SLOT_STARTING);
	/* Its end, in the new life: nothing, and no more kills at the next. */
	ev_cmd_ended(1, -1, SIGKILL, 160);
	expect_end();
	ck_assert(!sm.slots[1].stop_cmd);
	ev_ready(1, 170);
	ev_signaled(1, SIGKILL, 180);	/* a crash: restarted at once */
	ck_assert_uint_eq(hist_count(ACT_STOP_COMMAND_KILL, 1), 1);
	ck_assert_uint_eq(hist_count(ACT_SPAWN, 1), 3);
}
END_TEST

/* The second TERM: the stop_commands go with everything else. */
START_TEST(test_stop_command_kill_all)
{
	mk_two();
	ev_shutdown(SM_EXIT_OK, 100);
	expect_stop_command(1, 5100);	/* newest first */
	expect_signal(1, SIGCONT);
	expect_timer(1, 5100);
	expect_end();
	hist_reset();
	ev_kill_all(110);
	ck_assert_uint_eq(hist_signals(0, SIGKILL), 1);
	ck_assert_uint_eq(hist_signals(1, SIGKILL), 1);
	ck_assert_uint_eq(hist_count(ACT_STOP_COMMAND_KILL, 1), 1);
	ck_assert_uint_eq(hist_count(ACT_STOP_COMMAND_KILL, 0), 0);
	ev_signaled(1, SIGKILL, 111);
	ev_signaled(0, SIGKILL, 112);
	expect_exit(SM_EXIT_OK);
}
END_TEST

/* ... also one whose worker is gone already. */
START_TEST(test_stop_command_kill_all_outlived)
{
	mk_two();
	ev_shutdown(SM_EXIT_OK, 100);
	ev_exit(1, 0, 150);
	expect_cancel(1);
	expect_stop(0, SIGTERM);	/* the phase moves on: w0 */
	expect_timer(0, 5150);
	expect_end();
	hist_reset();
	ev_kill_all(160);
	ck_assert_uint_eq(hist_count(ACT_STOP_COMMAND_KILL, 1), 1);
	ck_assert_uint_eq(hist_signals(1, SIGKILL), 0);
	ck_assert_uint_eq(hist_signals(0, SIGKILL), 1);
}
END_TEST

/* The stop phase waits for the workers, not for their stop_commands. */
START_TEST(test_stop_command_shutdown_order)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	tb_stop_command(N(0), "a");
	tb_stop_command(N(1), "b");
	go();
	up_all(0);
	ev_shutdown(SM_EXIT_OK, 100);
	expect_stop_command(1, 5100);
	expect_signal(1, SIGCONT);
	expect_timer(1, 5100);
	expect_end();
	ev_cmd_ended(1, 0, 0, 110);
	expect_end();	/* w1 has not exited yet */
	ev_exit(1, 0, 120);
	expect_cancel(1);
	expect_stop_command(0, 5120);
	expect_signal(0, SIGCONT);
	expect_timer(0, 5120);
	expect_end();
	ev_exit(0, 0, 130);	/* before its stop_command ended */
	expect_cancel(0);
	expect_exit(SM_EXIT_OK);
	expect_end();
	ck_assert(sm.slots[0].stop_cmd);
}
END_TEST

/* The parent lost: stop_commands are killed with the workers. */
START_TEST(test_stop_command_lost)
{
	mk_two();
	ev_cmd_stop(1, 100);
	hist_reset();
	sm_lost(&sm, 110);
	drain();
	ck_assert_uint_eq(hist_count(ACT_STOP_COMMAND_KILL, 1), 1);
	ck_assert_uint_eq(hist_count(ACT_STOP_COMMAND_KILL, 0), 0);
	ck_assert_uint_eq(hist_signals(0, SIGKILL), 1);
	ck_assert_uint_eq(hist_signals(1, SIGKILL), 1);
	ck_assert_uint_eq(hist_count(ACT_EXIT, (size_t)-1), 1);
}
END_TEST

/* ready_timeout stops through the stop_command too. */
START_TEST(test_stop_command_ready_timeout)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 1);
	tb_stop_command(N(0), "a");
	W(0)->ready = CFG_READY_NOTIFY;
	W(0)->ready_timeout_ms = 1000;
	go();
	ev_start(0);
	expect_spawn(0);
	expect_timer(0, 1000);
	expect_end();
	ev_timer(0, 1000);
	expect_note(0, NOTE_READY_TIMEOUT, 0);
	expect_stop_command(0, 6000);
	expect_signal(0, SIGCONT);
	expect_timer(0, 6000);
	expect_end();
	ck_assert_int_eq(sm.slots[0].why, WHY_FAILED);
}
END_TEST

/* A child group: TERM, no SIGKILL; what it says is the same. */
START_TEST(test_stop_group_recorded)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 1);
	tb_group(grp, "sub", CFG_ONE_FOR_ONE, 3, 5000);
	go();
	up_all(0);
	ev_shutdown(SM_EXIT_OK, 100);
	expect_signal(1, SIGTERM);
	expect_end();
	expect_sent(1, 100, SIGTERM, 100);
	ck_assert_uint_eq(sm.slots[1].due, 0);
	ev_exit(1, 0, 300);
	expect_stop(0, SIGTERM);
	expect_timer(0, 5300);
	expect_sent(1, 0, SM_SIG_NONE, 0);
	expect_sent(0, 300, SIGTERM, 300);
}
END_TEST

/* STOPPING=1: stopping since then, nothing sent; a later stop keeps since. */
START_TEST(test_stop_by_itself_recorded)
{
	const struct sm_notice stopping = { .stopping = true };

	mk(CFG_ONE_FOR_ONE, BIG, 10000, 1);
	go();
	up_all(0);
	sm_notified(&sm, 0, &stopping, 10);
	drain();
	expect_state(0, SLOT_STOPPING);
	expect_sent(0, 10, SM_SIG_NONE, 0);
	ev_cmd_stop(0, 50);
	expect_stop(0, SIGTERM);
	expect_timer(0, 5050);
	expect_end();
	expect_sent(0, 10, SIGTERM, 50);
}
END_TEST

static Suite *
stop_suite(void)
{
	Suite *s = suite_create("stop");
	TCase *tc = tcase_create("stop");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_stop_command_instead_of_signal);
	tcase_add_test(tc, test_stop_signal_recorded);
	tcase_add_test(tc, test_stop_command_fails_then_signal);
	tcase_add_test(tc, test_stop_command_killed_or_not_run);
	tcase_add_test(tc, test_stop_command_fails_too_late);
	tcase_add_test(tc, test_stop_command_killed_with_worker);
	tcase_add_test(tc, test_stop_command_done_before_kill);
	tcase_add_test(tc, test_stop_command_infinity);
	tcase_add_test(tc, test_stop_command_brutal_kill);
	tcase_add_test(tc, test_stop_command_killed_at_next_start);
	tcase_add_test(tc, test_stop_command_kill_all);
	tcase_add_test(tc, test_stop_command_kill_all_outlived);
	tcase_add_test(tc, test_stop_command_shutdown_order);
	tcase_add_test(tc, test_stop_command_lost);
	tcase_add_test(tc, test_stop_command_ready_timeout);
	tcase_add_test(tc, test_stop_group_recorded);
	tcase_add_test(tc, test_stop_by_itself_recorded);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(stop_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? 0 : 1);
}
