/*
 * Unit tests of pool.c: a forked supervisor's allocations, packed in a
 * region of its own, and what it inherited left alone.  Check runs each test
 * in a process of its own, so each starts with no pool.  Under
 * AddressSanitizer pool_start() refuses, and the tests check that
 * everything then goes to libc.
 */
#include <sys/wait.h>

#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_OFF 1
#endif

/* Starts a pool; false (and the libc path checked) where there is none. */
static bool
started(void)
{
	void *p;

	if (pool_start())
		return (true);
	p = pool_malloc(32);
	ck_assert_ptr_nonnull(p);
	ck_assert(!pool_owns(p));
	pool_free(p);
	return (false);
}

START_TEST(no_pool_means_libc)
{
	void *p = pool_malloc(100), *q;

	ck_assert_ptr_nonnull(p);
	ck_assert(!pool_owns(p));
	memset(p, 'x', 100);
	q = pool_realloc(p, 5000);
	ck_assert_ptr_nonnull(q);
	ck_assert(!pool_owns(q));
	ck_assert_int_eq(((char *)q)[99], 'x');
	pool_free(q);
	pool_free(NULL);
}
END_TEST

START_TEST(blocks_are_packed_and_aligned)
{
	char *a, *b, *c;
	size_t n;

	if (!started())
		return;
	a = pool_malloc(24);
	b = pool_malloc(24);
	c = pool_malloc(1);
	ck_assert(pool_owns(a) && pool_owns(b) && pool_owns(c));
	/* 16 bytes of header, then 24 rounded up to its class of 32. */
	ck_assert_int_eq(b - a, 48);
	ck_assert_int_eq(c - b, 48);
	for (n = 1; n <= POOL_MAX; n += n / 3 + 1) {
		char *p = pool_malloc(n);

		ck_assert_msg(pool_owns(p), "%zu bytes not from the pool", n);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
		memset(p, 0xa5, n);
		pool_free(p);
	}
}
END_TEST

START_TEST(large_blocks_go_to_libc)
{
	void *p;

	if (!started())
		return;
	p = pool_malloc(POOL_MAX + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert(!pool_owns(p));
	pool_free(p);
	p = pool_malloc(POOL_MAX);
	ck_assert(pool_owns(p));
	pool_free(p);
}
END_TEST

START_TEST(freed_blocks_are_reused_and_calloc_zeroes_them)
{
	unsigned char *p, *q;
	size_t i;

	if (!started())
		return;
	p = pool_calloc(10, 10);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(p[i], 0);
	memset(p, 0xab, 100);
	pool_free(p);
	q = pool_calloc(100, 1);
	ck_assert_ptr_eq(q, p);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(q[i], 0);
	/* Another class does not take it. */
	pool_free(q);
	ck_assert_ptr_ne(pool_malloc(200), p);
	ck_assert_ptr_null(pool_calloc(SIZE_MAX / 2, 4));
}
END_TEST

START_TEST(realloc_keeps_the_contents)
{
	char *p, *q;
	size_t i;

	if (!started())
		return;
	p = pool_malloc(10);
	memcpy(p, "0123456789", 10);
	/* Within its class: the same block. */
	ck_assert_ptr_eq(pool_realloc(p, 16), p);
	q = pool_realloc(p, 3000);
	ck_assert(pool_owns(q));
	ck_assert(memcmp(q, "0123456789", 10) == 0);
	for (i = 10; i < 3000; i++)
		q[i] = (char)i;
	p = pool_realloc(q, POOL_MAX * 2);
	ck_assert(!pool_owns(p));
	ck_assert(memcmp(p, "0123456789", 10) == 0);
	for (i = 10; i < 3000; i++)
		ck_assert_int_eq(p[i], (char)i);
	q = pool_realloc(p, 20);
	ck_assert(memcmp(q, "0123456789", 10) == 0);
	pool_free(q);
}
END_TEST

/* In a forked child: its own pool; the parent's blocks read, never reused. */
static int
child_checks(char *inherited)
{
	char *mine, *moved;

	if (!pool_start())
		return (10);
	mine = pool_malloc(64);
	if (!pool_owns(mine) || !pool_owns(inherited))
		return (11);
	if ((uintptr_t)mine - (uintptr_t)inherited + 4096 < 8192)
		return (12);	/* next to it: not a region of its own */
	pool_free(inherited);
	if (inherited[0] != 'A' || pool_malloc(64) == inherited)
		return (13);
	moved = pool_realloc(inherited, 500);
	if (moved == inherited || memcmp(moved, "AAAA", 4) != 0 ||
	    inherited[63] != 'A')
		return (14);
	pool_free(moved);
	pool_free(mine);
	return (0);
}

START_TEST(a_child_leaves_what_it_inherited)
{
	char *a;
	int status;
	pid_t pid;

	if (!started())
		return;
	a = pool_malloc(64);
	memset(a, 'A', 64);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(child_checks(a));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child check %d failed", WEXITSTATUS(status));
	/* The parent's own pool is as it was. */
	pool_free(a);
	ck_assert_ptr_eq(pool_malloc(64), a);
}
END_TEST

#ifndef POOL_OFF
START_TEST(a_double_free_aborts)
{
	void *p;

	ck_assert(pool_start());
	p = pool_malloc(10);
	pool_free(p);
	pool_free(p);
}
END_TEST
#endif

static Suite *
pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");

	tcase_add_test(tc, no_pool_means_libc);
	tcase_add_test(tc, blocks_are_packed_and_aligned);
	tcase_add_test(tc, large_blocks_go_to_libc);
	tcase_add_test(tc, freed_blocks_are_reused_and_calloc_zeroes_them);
	tcase_add_test(tc, realloc_keeps_the_contents);
	tcase_add_test(tc, a_child_leaves_what_it_inherited);
#ifndef POOL_OFF
	tcase_add_test_raise_signal(tc, a_double_free_aborts, SIGABRT);
#endif
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(pool_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
