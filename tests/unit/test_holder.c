/*
 * sm_holder: the slot the plan waits on, which `status` shows as the
 * waiting children's "waiting_for" and `run -d` prints every 5 s.
 */
#include <check.h>
#include <signal.h>

#include "smtest.h"

/* The holder's slot, or -1 for none. */
static long
holder(void)
{
	size_t i;

	return (sm_holder(&sm, &i) ? (long)i : -1);
}

START_TEST(test_holder_in_order_start)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	go();
	ck_assert_int_eq(holder(), -1);	/* nothing started yet */
	ev_start(0);
	ck_assert_int_eq(holder(), 0);
	ev_ready(0, 10);
	ck_assert_int_eq(holder(), 1);
	ev_ready(1, 20);
	ck_assert_int_eq(holder(), 2);
	/* The last one holds the group's readiness, though nothing waits. */
	ev_ready(2, 30);
	expect_ready();
	ck_assert_int_eq(holder(), -1);
}
END_TEST

/* A crash before ready: the slot waits out its backoff, and still holds. */
START_TEST(test_holder_backoff)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	set_backoff1(0, 500);
	go();
	ev_start(0);
	ev_exit(0, 1, 10);
	expect_state(0, SLOT_BACKOFF);
	ck_assert_int_eq(holder(), 0);
	ev_timer(0, 510);
	expect_state(0, SLOT_STARTING);
	ck_assert_int_eq(holder(), 0);
	ev_ready(0, 520);
	ck_assert_int_eq(holder(), 1);
}
END_TEST

/* Up, then a crash under one_for_one: the others wait for nothing. */
START_TEST(test_holder_none_after_a_crash_behind_the_cursor)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	set_backoff1(1, 500);
	go();
	up_all(0);
	ev_exit(1, 1, 100);
	expect_state(1, SLOT_BACKOFF);
	ck_assert_int_eq(holder(), -1);
}
END_TEST

/* A strategy restart: the one being stopped, then the start anew. */
START_TEST(test_holder_strategy_stop_phase)
{
	mk(CFG_ONE_FOR_ALL, BIG, 10000, 3);
	go();
	up_all(0);
	ev_exit(1, 1, 100);
	expect_state(2, SLOT_STOPPING);
	ck_assert_int_eq(holder(), 2);
	ev_signaled(2, SIGTERM, 110);
	expect_state(0, SLOT_STOPPING);
	ck_assert_int_eq(holder(), 0);
	ev_signaled(0, SIGTERM, 120);
	expect_state(0, SLOT_STARTING);
	ck_assert_int_eq(holder(), 0);
}
END_TEST

/* A shutdown: the one being stopped; none once the machine is done. */
START_TEST(test_holder_shutdown)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 2);
	go();
	up_all(0);
	ev_shutdown(0, 100);
	expect_state(1, SLOT_STOPPING);
	ck_assert_int_eq(holder(), 1);
	ev_signaled(1, SIGTERM, 110);
	ck_assert_int_eq(holder(), 0);
	ev_signaled(0, SIGTERM, 120);
	ck_assert_int_eq(holder(), -1);
}
END_TEST

/* A slot stopped by command is passed over: the next one holds. */
START_TEST(test_holder_skips_a_held_slot)
{
	mk(CFG_ONE_FOR_ONE, BIG, 10000, 3);
	go();
	ev_start(0);
	ev_cmd_stop(1, 5);
	ev_ready(0, 10);
	expect_state(1, SLOT_STOPPED);
	ck_assert_int_eq(holder(), 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("holder");
	TCase *tc = tcase_create("holder");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_holder_in_order_start);
	tcase_add_test(tc, test_holder_backoff);
	tcase_add_test(tc, test_holder_none_after_a_crash_behind_the_cursor);
	tcase_add_test(tc, test_holder_strategy_stop_phase);
	tcase_add_test(tc, test_holder_shutdown);
	tcase_add_test(tc, test_holder_skips_a_held_slot);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? 0 : 1);
}
