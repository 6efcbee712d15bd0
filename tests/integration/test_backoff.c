/*
 * Backoff (SPEC §3): the n-th consecutive restart waits backoff[n-1] (the
 * last one repeats), counted from the exit; a run that lasted stable_after
 * starts the schedule again.  Gaps come from the fixtures' monotonic start
 * stamps: lower bounds are exact, upper bounds are loose (loaded machines).
 */
#include <stdio.h>

#include "harness.h"

#define SLACK_MS 1500
#define TICK_MS	2	/* pmtree's clock and timers have 1 ms granularity */

static uint64_t
gap_ms(const char *name, int nth)
{
	return ((h_ns_of(name, nth) - h_ns_of(name, nth - 1)) / 1000000 +
	    TICK_MS);
}

START_TEST(backoff_delays_in_order)
{
	static const uint64_t want[] = { 200, 400, 400, 400 };
	uint64_t g;
	int i;

	h_yaml("intensity: 100\n"
	    "period: 10s\n"
	    "children:\n"
	    "  - {name: w, cmd: @CRASHER@ --until 5, backoff: [200ms, 400ms]}\n");
	h_start();
	h_wait_starts(5);
	for (i = 1; i <= 4; i++) {
		g = gap_ms("w", i);
		h_assert(g >= want[i - 1] && g < want[i - 1] + SLACK_MS,
		    "gap %d is %llu ms, want %llu", i, (unsigned long long)g,
		    (unsigned long long)want[i - 1]);
	}
	h_assert(h_log_count(" w restarting in 200 ms") == 1, "one 200 ms");
	h_assert(h_log_count(" w restarting in 400 ms") == 3, "then 400 ms");
}
END_TEST

/* Each run lasts 500 ms > stable_after: every restart waits backoff[0]. */
START_TEST(stable_after_resets_the_schedule)
{
	uint64_t g;
	int i;

	h_yaml("intensity: 100\n"
	    "period: 10s\n"
	    "children:\n"
	    "  - {name: w, cmd: @CRASHER@ --after 500 --until 4, "
	    "backoff: [100ms, 5s], stable_after: 300ms}\n");
	h_start();
	h_wait_starts(4);
	for (i = 1; i <= 3; i++) {
		g = gap_ms("w", i);
		h_assert(g >= 600 && g < 600 + SLACK_MS,
		    "gap %d is %llu ms, want 600 (500 run + 100 backoff)", i,
		    (unsigned long long)g);
	}
	h_assert(h_log_count(" w restarting in 100 ms") == 3, "backoff[0] x3");
	h_assert(h_log_count(" w restarting in 5000 ms") == 0, "never backoff[1]");
}
END_TEST

/* Short runs do not reset it: the second restart waits backoff[1]. */
START_TEST(short_runs_keep_the_schedule)
{
	uint64_t g;

	h_yaml("intensity: 100\n"
	    "period: 10s\n"
	    "children:\n"
	    "  - {name: w, cmd: @CRASHER@ --after 50 --until 3, "
	    "backoff: [100ms, 700ms], stable_after: 5s}\n");
	h_start();
	h_wait_starts(3);
	g = gap_ms("w", 2);
	h_assert(g >= 750 && g < 750 + SLACK_MS, "second gap %llu ms, want 750",
	    (unsigned long long)g);
}
END_TEST

/*
 * one_for_all: b crashes after 300 ms with backoff 1 s; a, stopped by the
 * strategy, starts again at once, without waiting for b's backoff.
 */
START_TEST(strategy_siblings_do_not_wait)
{
	uint64_t b0, a1, b1;

	h_yaml("strategy: one_for_all\n"
	    "intensity: 100\n"
	    "period: 10s\n"
	    "children:\n"
	    "  - {name: a, cmd: @SLEEPER@}\n"
	    "  - {name: b, cmd: @CRASHER@ --after 300 --until 2, backoff: [1s]}\n");
	h_start();
	h_wait_starts(4);
	b0 = h_ns_of("b", 0) / 1000000;
	a1 = h_ns_of("a", 1) / 1000000;
	b1 = h_ns_of("b", 1) / 1000000 + TICK_MS;
	h_assert(b1 >= b0 + 1300, "b waited its backoff (%llu ms)",
	    (unsigned long long)(b1 - b0));
	h_assert(a1 < b1, "a started again before b (a %llu ms, b %llu ms "
	    "after b's first start)", (unsigned long long)(a1 - b0),
	    (unsigned long long)(b1 - b0));
	h_assert(a1 < b0 + 300 + 1000, "a did not wait for b's backoff");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-backoff");
	TCase *tc = h_tcase("backoff");

	tcase_add_test(tc, backoff_delays_in_order);
	tcase_add_test(tc, stable_after_resets_the_schedule);
	tcase_add_test(tc, short_runs_keep_the_schedule);
	tcase_add_test(tc, strategy_siblings_do_not_wait);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
