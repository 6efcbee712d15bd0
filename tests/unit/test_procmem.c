/* What max_memory reads: /proc/PID/stat lines, and a real scan. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procmem.h"

static int
parse(const char *s, pid_t *g, uint64_t *r)
{
	return (procmem_parse_stat(s, strlen(s), g, r));
}

START_TEST(plain_line)
{
	pid_t g;
	uint64_t r;

	ck_assert_int_eq(parse("4242 (node) S 1 4242 4242 0 -1 4194560 100 0 "
	    "0 0 1 2 0 0 20 0 1 0 123 1000000 2560 18446744073709551615 "
	    "1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n", &g, &r), 0);
	ck_assert_int_eq(g, 4242);
	ck_assert_uint_eq(r, 2560);
}
END_TEST

/* A comm with spaces and parentheses: the last ")" ends it. */
START_TEST(comm_with_parens)
{
	pid_t g;
	uint64_t r;

	ck_assert_int_eq(parse("7 (a) b (c)) R 1 99 7 0 -1 0 0 0 0 0 0 0 0 0 "
	    "20 0 1 0 5 100 33 0", &g, &r), 0);
	ck_assert_int_eq(g, 99);
	ck_assert_uint_eq(r, 33);
}
END_TEST

START_TEST(malformed)
{
	pid_t g;
	uint64_t r;

	ck_assert_int_eq(parse("", &g, &r), -1);
	ck_assert_int_eq(parse("1 (x", &g, &r), -1);
	ck_assert_int_eq(parse("1 (x) S 1", &g, &r), -1);
	ck_assert_int_eq(parse("1 (x) S 1 0 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
	    "5 100 33", &g, &r), -1);	/* group 0 */
	ck_assert_int_eq(parse("1 (x) S 1 5 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
	    "5 100 -3", &g, &r), -1);	/* negative RSS */
	ck_assert_int_eq(parse("1 (x) S 1 5 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
	    "5 100 99999999999999999999", &g, &r), -1);
	ck_assert_int_eq(parse("1 (x) S 1 5 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
	    "5 100", &g, &r), -1);	/* cut short */
}
END_TEST

/* Our own process group holds at least this process's RSS; none, none. */
START_TEST(scan_ourselves)
{
	struct procmem v[2] = { { .pgid = getpgrp() }, { .pgid = 0x7ffffff0 } };

	ck_assert_int_eq(procmem_scan(v, 2), 0);
	ck_assert_uint_gt(v[0].rss, 4096);
	ck_assert_uint_eq(v[1].rss, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("procmem");
	TCase *tc = tcase_create("procmem");
	SRunner *r;
	int failed;

	tcase_add_test(tc, plain_line);
	tcase_add_test(tc, comm_with_parens);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, scan_ourselves);
	suite_add_tcase(s, tc);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
