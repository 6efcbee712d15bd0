/*
 * The machine's lifecycle decisions, without a fork: the start graph
 * (`after`, `start: parallel`), the reverse of it when stopping, children
 * not to run (`autostart: false`, held), one-shot steps (`ready: exited`),
 * and significant children with `auto_shutdown`.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>

#include "smtest.h"

static void
parallel(void)
{
	grp->group.parallel = true;
}

static void
after1(size_t k, unsigned sibling)
{
	tb_after(N(k), 1, &sibling);
}

static void
oneshot(size_t k)
{
	W(k)->ready = CFG_READY_EXITED;
	W(k)->restart = CFG_TRANSIENT;
	W(k)->ready_timeout_ms = CFG_INFINITY;
}

/* Child K ends its group, as auto_shutdown says, when it terminates. */
static void
significant(size_t k, enum cfg_restart restart)
{
	W(k)->restart = restart;
	N(k)->significant = true;
}

static void
expect_waits(size_t i, size_t j)
{
	ck_assert_msg(sm.slots[i].waits == j, "slot %zu waits for %zu, "
	    "expected %zu", i, sm.slots[i].waits, j);
}

/* --- the start graph ---------------------------------------------------- */

START_TEST(test_parallel_all_at_once)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	parallel();
	go();
	ev_start(0);
	expect_spawn(0);
	expect_spawn(1);
	expect_spawn(2);
	expect_end();
	ev_ready(2, 10);
	ev_ready(0, 20);
	expect_end();
	ev_ready(1, 30);
	expect_ready();
	expect_end();
}
END_TEST

START_TEST(test_parallel_instances_at_once)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 1);
	W(0)->instances = 3;
	parallel();
	go();
	ev_start(0);
	expect_spawn(0);
	expect_spawn(1);
	expect_spawn(2);
	expect_end();
}
END_TEST

/* In a parallel group `after` still orders: w1 waits for w0, w2 does not. */
START_TEST(test_parallel_after)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	parallel();
	after1(1, 0);
	go();
	ev_start(0);
	expect_spawn(0);
	expect_spawn(2);
	expect_end();
	expect_waits(1, 0);
	expect_waits(2, SM_NONE);
	expect_state(1, SLOT_WAITING);
	ev_ready(2, 10);
	expect_end();
	ev_ready(0, 20);
	expect_spawn(1);
	expect_end();
	expect_waits(1, SM_NONE);
}
END_TEST

/* `after` replaces the sibling before: w2 after w0 starts beside w1. */
START_TEST(test_sequential_after_replaces_previous)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	after1(2, 0);
	go();
	ev_start(0);
	expect_spawn(0);
	expect_end();
	expect_waits(1, 0);
	expect_waits(2, 0);
	ev_ready(0, 10);
	expect_spawn(1);
	expect_spawn(2);
	expect_end();
}
END_TEST

/* `after: []` in a sequential group: it needs nothing. */
START_TEST(test_sequential_after_empty)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	tb_after(N(1), 0, NULL);
	go();
	ev_start(0);
	expect_spawn(0);
	expect_spawn(1);
	expect_end();
}
END_TEST

/* Every slot of a sibling that has instances is needed. */
START_TEST(test_after_needs_every_instance)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	W(0)->instances = 2;
	parallel();
	after1(1, 0);
	go();
	ev_start(0);
	expect_spawn(0);
	expect_spawn(1);
	expect_end();
	ev_ready(0, 10);
	expect_end();
	expect_waits(2, 1);
	ev_ready(1, 20);
	expect_spawn(2);
	expect_end();
}
END_TEST

/* A held child holds nobody back, but keeps the chain: w2 waits for w0. */
START_TEST(test_stopped_link_keeps_order)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	N(1)->autostart = false;
	go();
	expect_state(1, SLOT_STOPPED);
	expect_held(1, true);
	ev_start(0);
	expect_spawn(0);
	expect_end();
	/* Not the stopped link: what holds it back. */
	expect_waits(2, 0);
	ev_ready(0, 10);
	expect_spawn(2);
	expect_end();
	ev_ready(2, 20);
	expect_ready();
	expect_end();
	expect_state(1, SLOT_STOPPED);
	/* `pmtree start` starts it. */
	ev_cmd_start(1, 30);
	expect_spawn(1);
	expect_end();
	expect_held(1, false);
}
END_TEST

/* A child not to run is no reason to wait in a parallel group either. */
START_TEST(test_autostart_false_parallel)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	parallel();
	N(0)->autostart = false;
	after1(1, 0);
	go();
	ev_start(0);
	expect_spawn(1);
	expect_end();
	ev_ready(1, 10);
	expect_ready();
	expect_end();
	ck_assert_uint_eq(hist_count(ACT_SPAWN, 0), 0);
}
END_TEST

/* A restart by command waits for nothing it needs that runs. */
START_TEST(test_crash_restart_waits_for_nobody)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	go();
	up_all(0);
	ev_exit(0, 1, 100);
	expect_note(0, NOTE_RESTART, 0);
	expect_spawn(0);
	expect_end();
	/* w1 already runs: the plan let it go, its own restarts are its own. */
	ev_exit(1, 1, 110);
	expect_note(1, NOTE_RESTART, 0);
	expect_spawn(1);
	expect_end();
}
END_TEST

/* --- stop order --------------------------------------------------------- */

START_TEST(test_parallel_stops_all_at_once)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	parallel();
	go();
	ev_start(0);
	ev_ready(0, 0);
	ev_ready(1, 0);
	ev_ready(2, 0);
	nacts = apos = 0;
	ev_shutdown(SM_EXIT_OK, 100);
	expect_stop(2, SIGTERM);
	expect_timer(2, 5100);
	expect_stop(1, SIGTERM);
	expect_timer(1, 5100);
	expect_stop(0, SIGTERM);
	expect_timer(0, 5100);
	expect_end();
	ev_exit(1, 0, 110);
	expect_cancel(1);
	ev_exit(0, 0, 120);
	expect_cancel(0);
	expect_end();
	ev_exit(2, 0, 130);
	expect_cancel(2);
	expect_exit(SM_EXIT_OK);
}
END_TEST

/* What needs a sibling stops before it: w2 (after w0) and w1, then w0. */
START_TEST(test_stop_reverse_of_needs)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	parallel();
	after1(2, 0);
	go();
	ev_start(0);
	expect_spawn(0);
	expect_spawn(1);
	expect_end();
	ev_ready(0, 1);
	expect_spawn(2);
	ev_ready(1, 2);
	ev_ready(2, 3);
	expect_ready();
	expect_end();
	ev_shutdown(SM_EXIT_OK, 100);
	expect_stop(2, SIGTERM);
	expect_timer(2, 5100);
	expect_stop(1, SIGTERM);
	expect_timer(1, 5100);
	expect_end();
	ev_exit(1, 0, 110);
	expect_cancel(1);
	expect_end();
	ev_exit(2, 0, 120);
	expect_cancel(2);
	expect_stop(0, SIGTERM);
	expect_timer(0, 5120);
	expect_end();
	ev_exit(0, 0, 130);
	expect_cancel(0);
	expect_exit(SM_EXIT_OK);
}
END_TEST

/* Through a stopped link: w2 goes first, then w0, never both at once. */
START_TEST(test_stop_through_stopped_link)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	N(1)->autostart = false;
	go();
	ev_start(0);
	expect_spawn(0);
	ev_ready(0, 1);
	expect_spawn(2);
	ev_ready(2, 2);
	expect_ready();
	expect_end();
	ev_shutdown(SM_EXIT_OK, 100);
	expect_stop(2, SIGTERM);
	expect_timer(2, 5100);
	expect_end();
	ev_exit(2, 0, 110);
	expect_cancel(2);
	expect_stop(0, SIGTERM);
	expect_timer(0, 5110);
	expect_end();
}
END_TEST

/* --- one-shot steps ----------------------------------------------------- */

/* db, migrate (one-shot), api: api starts once the migration is done. */
START_TEST(test_oneshot_gates_the_next)
{
	mk(CFG_REST_FOR_ONE, BIG, 10000, 3);
	oneshot(1);
	go();
	ev_start(0);
	expect_spawn(0);
	ev_ready(0, 10);
	expect_spawn(1);
	expect_end();
	/* A one-shot step is not ready while it runs. */
	ev_ready(1, 15);
	expect_state(1, SLOT_RUNNING);
}
END_TEST

START_TEST(test_oneshot_done)
{
	mk(CFG_REST_FOR_ONE, BIG, 10000, 3);
	oneshot(1);
	go();
	ev_start(0);
	expect_spawn(0);
	ev_ready(0, 10);
	expect_spawn(1);
	expect_end();
	expect_waits(2, 1);
	ev_exit(1, 0, 20);
	expect_note(1, NOTE_FINISHED, 0);
	expect_spawn(2);
	expect_end();
	expect_state(1, SLOT_EXITED);
	ck_assert(sm_slot_ready(&sm.slots[1]));
	ev_ready(2, 30);
	expect_ready();
	expect_end();
	ck_assert_uint_eq(sm.restarts, 0);
}
END_TEST

/* An abnormal exit is a crash: backoff, intensity, and api still waits. */
START_TEST(test_oneshot_fails)
{
	mk(CFG_ONE_FOR_ONE, 1, 10000, 2);
	oneshot(0);
	set_backoff1(0, 1000);
	go();
	ev_start(0);
	expect_spawn(0);
	ev_exit(0, 2, 10);
	expect_note(0, NOTE_RESTART, 1000);
	expect_timer(0, 1010);
	expect_end();
	ck_assert(!sm.slots[0].finished);
	ck_assert(!sm_slot_ready(&sm.slots[0]));
	expect_waits(1, 0);
	ev_timer(0, 1010);
	expect_spawn(0);
	expect_end();
	ev_exit(0, 2, 1020);
	expect_note(0, NOTE_GAVE_UP, 2);
	expect_exit(SM_EXIT_GAVE_UP);
	ck_assert_uint_eq(hist_count(ACT_SPAWN, 1), 0);
}
END_TEST

/*
 * rest_for_one [db, migrate, api]: db crashes, api stops, and the
 * migration runs again before api comes back.
 */
START_TEST(test_oneshot_reruns_with_strategy)
{
	mk(CFG_REST_FOR_ONE, BIG, 10000, 3);
	oneshot(1);
	go();
	ev_start(0);
	expect_spawn(0);
	ev_ready(0, 10);
	expect_spawn(1);
	ev_exit(1, 0, 20);
	expect_note(1, NOTE_FINISHED, 0);
	expect_spawn(2);
	ev_ready(2, 30);
	expect_ready();
	expect_end();
	ev_exit(0, 1, 100);
	expect_note(0, NOTE_RESTART, 0);
	expect_stop(2, SIGTERM);
	expect_timer(2, 5100);
	expect_end();
	ev_exit(2, 0, 110);
	expect_cancel(2);
	skip_cancel(0);
	expect_spawn(0);
	expect_end();
	expect_state(1, SLOT_WAITING);
	ev_ready(0, 120);
	expect_spawn(1);
	expect_end();
	ev_exit(1, 0, 130);
	expect_note(1, NOTE_FINISHED, 0);
	expect_spawn(2);
	expect_end();
	ck_assert_uint_eq(sm.slots[1].starts, 2);
	ck_assert_uint_eq(sm.slots[1].restarts, 0);
}
END_TEST

/* one_for_one: a finished step is not run again when a sibling crashes. */
START_TEST(test_oneshot_stays_done_one_for_one)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	oneshot(1);
	go();
	ev_start(0);
	expect_spawn(0);
	ev_ready(0, 10);
	expect_spawn(1);
	ev_exit(1, 0, 20);
	expect_note(1, NOTE_FINISHED, 0);
	expect_ready();
	expect_end();
	ev_exit(0, 1, 100);
	expect_note(0, NOTE_RESTART, 0);
	expect_spawn(0);
	expect_end();
	expect_state(1, SLOT_EXITED);
}
END_TEST

/* `pmtree start` of a finished step runs it again. */
START_TEST(test_oneshot_start_reruns)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 1);
	oneshot(0);
	go();
	ev_start(0);
	expect_spawn(0);
	ev_exit(0, 0, 10);
	expect_note(0, NOTE_FINISHED, 0);
	expect_ready();
	ev_cmd_start(0, 20);
	expect_spawn(0);
	expect_end();
	ck_assert(!sm.slots[0].finished);
}
END_TEST

/* --- significant children ----------------------------------------------- */

START_TEST(test_significant_any_ends_group)
{
	int code;

	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	grp->group.auto_shutdown = CFG_AUTO_ANY;
	significant(1, CFG_TEMPORARY);
	go();
	up_all(0);
	ck_assert(!sm_ended(&sm, &code));
	ev_exit(1, 3, 100);
	expect_note(1, NOTE_NO_RESTART, 0);
	expect_note(1, NOTE_AUTO_SHUTDOWN, 3);
	expect_stop(0, SIGTERM);
	expect_timer(0, 5100);
	expect_end();
	ev_exit(0, 0, 110);
	expect_cancel(0);
	expect_exit(SM_EXIT_OK);
	ck_assert(sm_ended(&sm, &code));
	ck_assert_int_eq(code, 3);
}
END_TEST

START_TEST(test_significant_signal_code)
{
	int code;

	mk(CFG_ONE_FOR_ONE, BIG, 10000, 1);
	grp->group.auto_shutdown = CFG_AUTO_ANY;
	significant(0, CFG_TEMPORARY);
	go();
	up_all(0);
	ev_signaled(0, SIGKILL, 100);
	expect_note(0, NOTE_NO_RESTART, 0);
	expect_note(0, NOTE_AUTO_SHUTDOWN, 137);
	expect_exit(SM_EXIT_OK);
	ck_assert(sm_ended(&sm, &code));
	ck_assert_int_eq(code, 137);
}
END_TEST

/* Transient: a normal exit ends the group, an abnormal one is restarted. */
START_TEST(test_significant_transient)
{
	int code;

	mk(CFG_ONE_FOR_ONE, BIG, 10000, 1);
	grp->group.auto_shutdown = CFG_AUTO_ANY;
	significant(0, CFG_TRANSIENT);
	go();
	up_all(0);
	ev_exit(0, 1, 100);
	expect_note(0, NOTE_RESTART, 0);
	expect_spawn(0);
	expect_end();
	ev_ready(0, 110);
	ev_exit(0, 0, 120);
	expect_note(0, NOTE_NO_RESTART, 0);
	expect_note(0, NOTE_AUTO_SHUTDOWN, 0);
	expect_exit(SM_EXIT_OK);
	ck_assert(sm_ended(&sm, &code));
	ck_assert_int_eq(code, 0);
}
END_TEST

/* all_significant: the group ends with the last of them, and its code. */
START_TEST(test_significant_all)
{
	int code;

	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	grp->group.auto_shutdown = CFG_AUTO_ALL;
	significant(0, CFG_TEMPORARY);
	significant(1, CFG_TEMPORARY);
	go();
	up_all(0);
	ev_exit(1, 4, 100);
	expect_note(1, NOTE_NO_RESTART, 0);
	expect_end();
	ev_exit(0, 5, 110);
	expect_note(0, NOTE_NO_RESTART, 0);
	expect_note(0, NOTE_AUTO_SHUTDOWN, 5);
	expect_stop(2, SIGTERM);
	expect_timer(2, 5110);
	expect_end();
	ev_exit(2, 0, 120);
	expect_cancel(2);
	expect_exit(SM_EXIT_OK);
	ck_assert(sm_ended(&sm, &code));
	ck_assert_int_eq(code, 5);
}
END_TEST

/* auto_shutdown: never (the default) ignores significance. */
START_TEST(test_significant_never)
{
	int code;

	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	significant(1, CFG_TEMPORARY);
	go();
	up_all(0);
	ev_exit(1, 3, 100);
	expect_note(1, NOTE_NO_RESTART, 0);
	expect_end();
	ck_assert(!sm_ended(&sm, &code));
}
END_TEST

/* Stopped by the supervisor, a significant child ends nothing. */
START_TEST(test_significant_stopped_by_command)
{
	int code;

	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	grp->group.auto_shutdown = CFG_AUTO_ANY;
	significant(1, CFG_TEMPORARY);
	go();
	up_all(0);
	ev_cmd_stop(1, 100);
	expect_stop(1, SIGTERM);
	expect_timer(1, 5100);
	ev_exit(1, 0, 110);
	expect_cancel(1);
	expect_end();
	ck_assert(!sm_ended(&sm, &code));
}
END_TEST

/* A significant one-shot step ends the group when it is done. */
START_TEST(test_significant_oneshot)
{
	int code;

	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	grp->group.auto_shutdown = CFG_AUTO_ANY;
	oneshot(1);
	significant(1, CFG_TEMPORARY);
	go();
	ev_start(0);
	expect_spawn(0);
	ev_ready(0, 10);
	expect_spawn(1);
	ev_exit(1, 7, 20);
	expect_note(1, NOTE_NO_RESTART, 0);
	expect_note(1, NOTE_AUTO_SHUTDOWN, 7);
	expect_stop(0, SIGTERM);
	expect_timer(0, 5020);
	expect_end();
	ck_assert(sm_ended(&sm, &code));
	ck_assert_int_eq(code, 7);
}
END_TEST

/* --- what the plan waits on --------------------------------------------- */

START_TEST(test_holder_parallel)
{
	size_t h;

	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	parallel();
	go();
	ev_start(0);
	expect_spawn(0);
	expect_spawn(1);
	ck_assert(sm_holder(&sm, &h));
	ck_assert_uint_eq(h, 0);
	ev_ready(0, 10);
	ck_assert(sm_holder(&sm, &h));
	ck_assert_uint_eq(h, 1);
	ev_ready(1, 20);
	expect_ready();
	ck_assert(!sm_holder(&sm, &h));
}
END_TEST

/*
 * A scale down while w1 waits for w0:1: the slots move (w0:1 is retired,
 * at the end), so what w1 waited for is an old index; it waits for nobody
 * it could name wrongly, and starts once the retired slot is gone.
 */
START_TEST(test_reconfigure_forgets_old_waits)
{
	struct sm_keep *keep;
	unsigned count[2] = { 1, 1 };
	size_t n, from[8];

	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	W(0)->instances = 2;
	go();
	ev_start(0);
	expect_spawn(0);
	ev_ready(0, 10);
	expect_spawn(1);
	expect_end();
	expect_waits(2, 1);
	hist_reset();
	n = sm_plan(&sm, grp, count, &keep);
	ck_assert_uint_eq(sm_reconfigure(&sm, grp, keep, n, from, 20), 3);
	free(keep);
	drain();
	ck_assert(sm.slots[2].retired);
	expect_waits(1, SM_NONE);
	ck_assert_uint_eq(hist_count(ACT_WAITING, 1), 1);
	expect_stop(2, SIGTERM);
	expect_timer(2, 5020);
	expect_end();
	ev_exit(2, 0, 30);
	expect_cancel(2);
	expect_spawn(1);
	expect_end();
}
END_TEST

static Suite *
lifecycle_suite(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc;

	tc = tcase_create("graph");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parallel_all_at_once);
	tcase_add_test(tc, test_parallel_instances_at_once);
	tcase_add_test(tc, test_parallel_after);
	tcase_add_test(tc, test_sequential_after_replaces_previous);
	tcase_add_test(tc, test_sequential_after_empty);
	tcase_add_test(tc, test_after_needs_every_instance);
	tcase_add_test(tc, test_stopped_link_keeps_order);
	tcase_add_test(tc, test_autostart_false_parallel);
	tcase_add_test(tc, test_crash_restart_waits_for_nobody);
	tcase_add_test(tc, test_holder_parallel);
	tcase_add_test(tc, test_reconfigure_forgets_old_waits);
	suite_add_tcase(s, tc);

	tc = tcase_create("stop");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parallel_stops_all_at_once);
	tcase_add_test(tc, test_stop_reverse_of_needs);
	tcase_add_test(tc, test_stop_through_stopped_link);
	suite_add_tcase(s, tc);

	tc = tcase_create("oneshot");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_oneshot_gates_the_next);
	tcase_add_test(tc, test_oneshot_done);
	tcase_add_test(tc, test_oneshot_fails);
	tcase_add_test(tc, test_oneshot_reruns_with_strategy);
	tcase_add_test(tc, test_oneshot_stays_done_one_for_one);
	tcase_add_test(tc, test_oneshot_start_reruns);
	suite_add_tcase(s, tc);

	tc = tcase_create("significant");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_significant_any_ends_group);
	tcase_add_test(tc, test_significant_signal_code);
	tcase_add_test(tc, test_significant_transient);
	tcase_add_test(tc, test_significant_all);
	tcase_add_test(tc, test_significant_never);
	tcase_add_test(tc, test_significant_stopped_by_command);
	tcase_add_test(tc, test_significant_oneshot);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *r = srunner_create(lifecycle_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
