/* Unit tests of units.c: durations, sizes, signal names. */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

static uint64_t
dur_ok(const char *s)
{
	char err[128];
	uint64_t v = 12345;

	ck_assert_msg(units_duration(s, &v, err, sizeof(err)) == 0,
	    "\"%s\": %s", s, err);
	return (v);
}

static void
dur_bad(const char *s, const char *frag)
{
	char err[128] = "";
	uint64_t v = 0;

	ck_assert_msg(units_duration(s, &v, err, sizeof(err)) == -1,
	    "\"%s\" accepted", s);
	ck_assert_msg(strstr(err, frag) != NULL, "\"%s\": \"%s\" lacks \"%s\"",
	    s, err, frag);
}

static uint64_t
size_ok(const char *s)
{
	char err[128];
	uint64_t v = 12345;

	ck_assert_msg(units_size(s, &v, err, sizeof(err)) == 0, "\"%s\": %s",
	    s, err);
	return (v);
}

static void
size_bad(const char *s, const char *frag)
{
	char err[128] = "";
	uint64_t v = 0;

	ck_assert_msg(units_size(s, &v, err, sizeof(err)) == -1,
	    "\"%s\" accepted", s);
	ck_assert_msg(strstr(err, frag) != NULL, "\"%s\": \"%s\" lacks \"%s\"",
	    s, err, frag);
}

static int
sig_ok(const char *s)
{
	char err[128];
	int sig = -1;

	ck_assert_msg(units_signal(s, &sig, err, sizeof(err)) == 0,
	    "\"%s\": %s", s, err);
	return (sig);
}

static void
sig_bad(const char *s)
{
	char err[128] = "";
	int sig = 0;

	ck_assert_msg(units_signal(s, &sig, err, sizeof(err)) == -1,
	    "\"%s\" accepted", s);
	ck_assert(err[0] != '\0');
}

START_TEST(duration_zero)
{
	ck_assert_uint_eq(dur_ok("0"), 0);
	ck_assert_uint_eq(dur_ok("00"), 0);
	ck_assert_uint_eq(dur_ok("0s"), 0);
	ck_assert_uint_eq(dur_ok("0ms"), 0);
}
END_TEST

START_TEST(duration_units)
{
	ck_assert_uint_eq(dur_ok("250ms"), 250);
	ck_assert_uint_eq(dur_ok("1s"), 1000);
	ck_assert_uint_eq(dur_ok("5m"), 300000);
	ck_assert_uint_eq(dur_ok("2h"), 7200000);
}
END_TEST

START_TEST(duration_fraction)
{
	ck_assert_uint_eq(dur_ok("1.5s"), 1500);
	ck_assert_uint_eq(dur_ok("0.25h"), 900000);
	ck_assert_uint_eq(dur_ok(".5s"), 500);
	ck_assert_uint_eq(dur_ok("1.5ms"), 1);
	ck_assert_uint_eq(dur_ok("0.0001s"), 0);
	ck_assert_uint_eq(dur_ok("1.123456789123s"), 1123);
}
END_TEST

START_TEST(duration_compound)
{
	ck_assert_uint_eq(dur_ok("1m30s"), 90000);
	ck_assert_uint_eq(dur_ok("1h30m"), 5400000);
	ck_assert_uint_eq(dur_ok("1h1m1s1ms"), 3661001);
	ck_assert_uint_eq(dur_ok("1s500ms"), 1500);
}
END_TEST

START_TEST(duration_needs_unit)
{
	dur_bad("10", "duration needs a unit");
	dur_bad("1.5", "duration needs a unit");
	dur_bad("1m30", "duration needs a unit");
}
END_TEST

START_TEST(duration_negative)
{
	dur_bad("-1s", "negative");
	dur_bad("-0", "negative");
}
END_TEST

START_TEST(duration_junk)
{
	dur_bad("", "empty");
	dur_bad("s", "not a duration");
	dur_bad("infinity", "not a duration");
	dur_bad("1 s", "not a duration");
	dur_bad("1.2.3s", "not a duration");
	dur_bad("+1s", "not a duration");
	dur_bad("1d", "unknown duration unit");
	dur_bad("1S", "unknown duration unit");
	dur_bad("1sec", "unknown duration unit");
	dur_bad(".s", "not a duration");
}
END_TEST

START_TEST(duration_overflow)
{
	dur_bad("99999999999999999999ms", "too large");
	dur_bad("18446744073709551615h", "too large");
	dur_bad("5124095576030432h", "too large");
	ck_assert_uint_eq(dur_ok("18446744073709551614ms"),
	    UINT64_C(18446744073709551614));
	dur_bad("18446744073709551615ms", "too large");
	dur_bad("18446744073709551614ms1ms", "too large");
}
END_TEST

START_TEST(size_basic)
{
	ck_assert_uint_eq(size_ok("0"), 0);
	ck_assert_uint_eq(size_ok("0MB"), 0);
	ck_assert_uint_eq(size_ok("1B"), 1);
	ck_assert_uint_eq(size_ok("512KB"), 512 * 1024);
	ck_assert_uint_eq(size_ok("512KiB"), 512 * 1024);
	ck_assert_uint_eq(size_ok("10MB"), 10 * 1024 * 1024);
	ck_assert_uint_eq(size_ok("1GiB"), UINT64_C(1) << 30);
}
END_TEST

START_TEST(size_case_and_space)
{
	ck_assert_uint_eq(size_ok("1gb"), UINT64_C(1) << 30);
	ck_assert_uint_eq(size_ok("1Mb"), 1 << 20);
	ck_assert_uint_eq(size_ok("2 kib"), 2048);
	ck_assert_uint_eq(size_ok("1.5KB"), 1536);
	ck_assert_uint_eq(size_ok("5b"), 5);
}
END_TEST

START_TEST(size_errors)
{
	size_bad("10", "size needs a unit");
	size_bad("-1MB", "negative");
	size_bad("1TB", "unknown size unit");
	size_bad("MB", "not a size");
	size_bad("", "not a size");
	size_bad("1MB ", "not a size");
	size_bad("1 M B", "not a size");
	size_bad("99999999999999999999GB", "too large");
	size_bad("17179869184GB", "too large");
}
END_TEST

START_TEST(duration_max_and_order)
{
	ck_assert_uint_eq(dur_ok("30s1m"), 90000);
	ck_assert_uint_eq(dur_ok("1s1s"), 2000);
	ck_assert_uint_eq(dur_ok("5124095576030h"), UINT64_C(5124095576030) *
	    3600000);
}
END_TEST

START_TEST(size_fraction)
{
	ck_assert_uint_eq(size_ok("0.5KiB"), 512);
	ck_assert_uint_eq(size_ok("1.5GB"), UINT64_C(3) << 29);
	ck_assert_uint_eq(size_ok("0.0001KB"), 0);
	ck_assert_uint_eq(size_ok("0.0"), 0);
	size_bad("0.5", "size needs a unit");
}
END_TEST

START_TEST(signal_names)
{
	ck_assert_int_eq(sig_ok("TERM"), SIGTERM);
	ck_assert_int_eq(sig_ok("sigterm"), SIGTERM);
	ck_assert_int_eq(sig_ok("Term"), SIGTERM);
	ck_assert_int_eq(sig_ok("SIGKILL"), SIGKILL);
	ck_assert_int_eq(sig_ok("hup"), SIGHUP);
	ck_assert_int_eq(sig_ok("usr1"), SIGUSR1);
	ck_assert_int_eq(sig_ok("SigUsr2"), SIGUSR2);
	ck_assert_int_eq(sig_ok("WINCH"), SIGWINCH);
	ck_assert_int_eq(sig_ok("IOT"), SIGABRT);
	ck_assert_int_eq(sig_ok("CLD"), SIGCHLD);
}
END_TEST

START_TEST(signal_numbers)
{
	ck_assert_int_eq(sig_ok("15"), 15);
	ck_assert_int_eq(sig_ok("1"), 1);
	ck_assert_int_eq(sig_ok("9"), 9);
	ck_assert_int_eq(sig_ok("64"), 64);
	sig_bad("0");
	sig_bad("65");
	sig_bad("99999999999999999999");
	sig_bad("-15");
	sig_bad("15x");
}
END_TEST

START_TEST(signal_unknown)
{
	sig_bad("");
	sig_bad("SIG");
	sig_bad("FOO");
	sig_bad("SIGSIGTERM");
	sig_bad("TERM ");
}
END_TEST

START_TEST(signal_name_of)
{
	ck_assert_str_eq(units_signal_name(SIGTERM), "TERM");
	ck_assert_str_eq(units_signal_name(SIGKILL), "KILL");
	ck_assert_str_eq(units_signal_name(SIGHUP), "HUP");
	ck_assert_str_eq(units_signal_name(SIGABRT), "ABRT");
	ck_assert_str_eq(units_signal_name(SIGCHLD), "CHLD");
	ck_assert_str_eq(units_signal_name(SIGIO), "IO");
	ck_assert_str_eq(units_signal_name(SIGSYS), "SYS");
	ck_assert_ptr_null(units_signal_name(0));
	ck_assert_ptr_null(units_signal_name(SIGRTMIN));
	ck_assert_ptr_null(units_signal_name(1000));
}
END_TEST

/* Every name the table gives back reads back to the same number. */
START_TEST(signal_roundtrip)
{
	const char *name;
	int sig;

	for (sig = 1; sig < SIGRTMIN; sig++) {
		if ((name = units_signal_name(sig)) == NULL)
			continue;
		ck_assert_int_eq(sig_ok(name), sig);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("units");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, duration_zero);
	tcase_add_test(tc, duration_units);
	tcase_add_test(tc, duration_fraction);
	tcase_add_test(tc, duration_compound);
	tcase_add_test(tc, duration_needs_unit);
	tcase_add_test(tc, duration_negative);
	tcase_add_test(tc, duration_junk);
	tcase_add_test(tc, duration_overflow);
	tcase_add_test(tc, duration_max_and_order);
	tcase_add_test(tc, size_fraction);
	tcase_add_test(tc, size_basic);
	tcase_add_test(tc, size_case_and_space);
	tcase_add_test(tc, size_errors);
	tcase_add_test(tc, signal_names);
	tcase_add_test(tc, signal_numbers);
	tcase_add_test(tc, signal_unknown);
	tcase_add_test(tc, signal_name_of);
	tcase_add_test(tc, signal_roundtrip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
