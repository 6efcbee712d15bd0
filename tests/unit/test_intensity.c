/* Unit tests of intensity.c: OTP's sliding window of restart decisions. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "intensity.h"

static struct intensity in;

static void
setup(void)
{
	intensity_init(&in, 0, 0);
}

static void
teardown(void)
{
	intensity_free(&in);
}

START_TEST(test_init_empty)
{
	intensity_init(&in, 5, 1000);
	ck_assert_uint_eq(in.max, 5);
	ck_assert_uint_eq(in.period_ms, 1000);
	ck_assert_ptr_null(in.ring);
	ck_assert_uint_eq(intensity_count(&in, 0), 0);
	ck_assert_uint_eq(intensity_count(&in, 123456), 0);
}
END_TEST

START_TEST(test_limit_exceeded_on_n_plus_one)
{
	intensity_init(&in, 3, 1000);
	ck_assert(!intensity_add(&in, 100));
	ck_assert(!intensity_add(&in, 200));
	ck_assert(!intensity_add(&in, 300));
	ck_assert_uint_eq(intensity_count(&in, 300), 3);
	ck_assert(intensity_add(&in, 400));
	ck_assert_uint_eq(intensity_count(&in, 400), 4);
}
END_TEST

START_TEST(test_zero_gives_up_at_once)
{
	intensity_init(&in, 0, 5000);
	ck_assert(intensity_add(&in, 7));
}
END_TEST

START_TEST(test_edge_inclusive)
{
	/* A stamp exactly at now - period still counts (OTP: R >= Now - P). */
	intensity_init(&in, 1, 1000);
	ck_assert(!intensity_add(&in, 1000));
	ck_assert_uint_eq(intensity_count(&in, 2000), 1);
	ck_assert(intensity_add(&in, 2000));
}
END_TEST

START_TEST(test_edge_just_outside)
{
	intensity_init(&in, 1, 1000);
	ck_assert(!intensity_add(&in, 1000));
	ck_assert_uint_eq(intensity_count(&in, 2001), 0);
	ck_assert(!intensity_add(&in, 2001));
	ck_assert_uint_eq(intensity_count(&in, 2001), 1);
}
END_TEST

START_TEST(test_window_slides)
{
	intensity_init(&in, 2, 1000);
	ck_assert(!intensity_add(&in, 1000));
	ck_assert(!intensity_add(&in, 1500));
	/* 1000 has left the window at 2001; 1500 has not. */
	ck_assert(!intensity_add(&in, 2001));
	ck_assert_uint_eq(intensity_count(&in, 2001), 2);
	ck_assert(intensity_add(&in, 2400));
	ck_assert_uint_eq(intensity_count(&in, 2400), 3);
	ck_assert_uint_eq(intensity_count(&in, 2501), 2);
	ck_assert_uint_eq(intensity_count(&in, 3400), 1);
	ck_assert_uint_eq(intensity_count(&in, 3401), 0);
}
END_TEST

START_TEST(test_early_clock_no_underflow)
{
	/* now < period: nothing may expire (no wrap of now - period). */
	intensity_init(&in, 10, 1000);
	ck_assert(!intensity_add(&in, 0));
	ck_assert(!intensity_add(&in, 5));
	ck_assert_uint_eq(intensity_count(&in, 999), 2);
	ck_assert_uint_eq(intensity_count(&in, 1000), 2);
	ck_assert_uint_eq(intensity_count(&in, 1001), 1);
}
END_TEST

START_TEST(test_grows_past_eight)
{
	uint64_t t;

	intensity_init(&in, 100, 100);
	for (t = 0; t < 20; t++)
		ck_assert(!intensity_add(&in, t));
	ck_assert_uint_ge(in.cap, 20);
	ck_assert_uint_eq(intensity_count(&in, 19), 20);
	/* Order survives the growth: exactly the oldest five expire. */
	ck_assert_uint_eq(intensity_count(&in, 105), 15);
	ck_assert_uint_eq(intensity_count(&in, 119), 1);
}
END_TEST

START_TEST(test_grows_while_wrapped)
{
	uint64_t t;

	intensity_init(&in, 1000, 10);
	for (t = 0; t < 8; t++)
		intensity_add(&in, t);
	/* At 13, 0..2 expire: head moves to 3, then new stamps wrap. */
	intensity_add(&in, 13);
	intensity_add(&in, 13);
	intensity_add(&in, 13);
	ck_assert_uint_eq(in.n, 8);
	ck_assert_uint_eq(in.cap, 8);
	intensity_add(&in, 13);	/* full and wrapped: grows */
	ck_assert_uint_eq(in.cap, 16);
	ck_assert_uint_eq(intensity_count(&in, 13), 9);
	ck_assert_uint_eq(intensity_count(&in, 15), 7);	/* 5..7, 13 x4 */
	ck_assert_uint_eq(intensity_count(&in, 16), 6);
	ck_assert_uint_eq(intensity_count(&in, 17), 5);
	ck_assert_uint_eq(intensity_count(&in, 23), 4);
	ck_assert_uint_eq(intensity_count(&in, 24), 0);
}
END_TEST

/* Random non-decreasing stamps against a plain reference count. */
START_TEST(test_random_vs_reference)
{
	static uint64_t ref[20000];
	uint64_t now = 0, edge;
	unsigned seed = 12345, i, lo = 0, cnt, max = 50;
	bool over;

	intensity_init(&in, max, 300);
	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		now += (seed >> 16) % 20;
		ref[i] = now;
		over = intensity_add(&in, now);
		edge = now > 300 ? now - 300 : 0;
		while (ref[lo] < edge)	/* stamps only grow: a moving edge */
			lo++;
		cnt = i + 1 - lo;
		ck_assert_uint_eq(intensity_count(&in, now), cnt);
		ck_assert_int_eq(over, cnt > max);
	}
}
END_TEST

START_TEST(test_large_max_small_memory)
{
	uint64_t t;

	/* A quiet tree with a huge limit keeps a tiny ring. */
	intensity_init(&in, 1000000, 1000);
	for (t = 0; t < 10000; t++)
		ck_assert(!intensity_add(&in, t * 2000));
	ck_assert_uint_le(in.cap, 8);
	ck_assert_uint_eq(intensity_count(&in, t * 2000), 0);
}
END_TEST

START_TEST(test_large_max_exact_limit)
{
	unsigned i, over = 0;

	intensity_init(&in, 1000000, 60000);
	for (i = 0; i < 1000000; i++)
		over += intensity_add(&in, 5000 + i / 1000);
	ck_assert_uint_eq(over, 0);
	ck_assert_uint_le(in.cap, 2u * 1024 * 1024);
	ck_assert(intensity_add(&in, 6000));
	ck_assert_uint_eq(intensity_count(&in, 6000), 1000001);
	/* All gone once the window has passed them. */
	ck_assert_uint_eq(intensity_count(&in, 6000 + 60001), 0);
}
END_TEST

START_TEST(test_free_resets)
{
	intensity_init(&in, 2, 10);
	intensity_add(&in, 1);
	intensity_free(&in);
	ck_assert_ptr_null(in.ring);
	ck_assert_uint_eq(in.n, 0);
	ck_assert_uint_eq(in.cap, 0);
}
END_TEST

static Suite *
intensity_suite(void)
{
	Suite *s = suite_create("intensity");
	TCase *tc = tcase_create("window");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_init_empty);
	tcase_add_test(tc, test_limit_exceeded_on_n_plus_one);
	tcase_add_test(tc, test_zero_gives_up_at_once);
	tcase_add_test(tc, test_edge_inclusive);
	tcase_add_test(tc, test_edge_just_outside);
	tcase_add_test(tc, test_window_slides);
	tcase_add_test(tc, test_early_clock_no_underflow);
	tcase_add_test(tc, test_grows_past_eight);
	tcase_add_test(tc, test_grows_while_wrapped);
	tcase_add_test(tc, test_random_vs_reference);
	tcase_add_test(tc, test_large_max_small_memory);
	tcase_add_test(tc, test_large_max_exact_limit);
	tcase_add_test(tc, test_free_resets);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(intensity_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
