/*
 * Unit test of chaos_stat_field (fx-chaos.h), which the chaos soak and its
 * worker use to read a process's start time: it once read field 21 (always
 * 0) for field 22, so a reused pid looked like the process it replaced.
 */
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fx-chaos.h"

/* In BUF, fields 3 to 52 holding their own number; the state (3) is "S". */
static void
numbered(char *buf, size_t len, const char *comm)
{
	size_t at;
	int k;

	at = (size_t)snprintf(buf, len, "1234 (%s) S", comm);
	for (k = 4; k <= 52; k++)
		at += (size_t)snprintf(buf + at, len - at, " %d", k);
	ck_assert_uint_lt(at + 1, len);
	buf[at++] = '\n';
	buf[at] = '\0';
}

START_TEST(fields_by_number)
{
	static const char *const comms[] = { "fx-chaos", "a b", ") (", "x) 7 (y",
	    "))", "" };
	unsigned long long v;
	char s[512];
	size_t i;
	int f;

	for (i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		numbered(s, sizeof(s), comms[i]);
		for (f = 4; f <= 52; f++) {
			v = 0;
			ck_assert_msg(chaos_stat_field(s, f, &v) == 0 &&
			    v == (unsigned long long)f, "comm \"%s\": field %d "
			    "read as %llu", comms[i], f, v);
		}
		ck_assert_int_eq(chaos_stat_field(s, 53, &v), -1);
		ck_assert_int_eq(chaos_stat_field(s, 3, &v), -1);	/* "S" */
	}
	ck_assert_int_eq(chaos_stat_field("1234 fx-chaos S 1", 4, &v), -1);
}
END_TEST

static unsigned long long
started(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long v = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ck_assert_int_ge(fd = open(path, O_RDONLY | O_CLOEXEC), 0);
	ck_assert_int_gt(n = read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	buf[n] = '\0';
	ck_assert_int_eq(chaos_stat_field(buf, CHAOS_STAT_STARTTIME, &v), 0);
	return (v);
}

/* A child started 50 ms after us has a later start time, not 0 like us. */
START_TEST(start_time_of_real_processes)
{
	unsigned long long me = started(getpid()), kid;
	int fds[2], st;
	pid_t pid;
	char c;

	ck_assert_uint_gt(me, 0);
	usleep(50 * 1000);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		close(fds[1]);
		(void)read(fds[0], &c, 1);
		_exit(0);
	}
	close(fds[0]);
	kid = started(pid);
	close(fds[1]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(kid > me, "kid %llu, us %llu", kid, me);
	ck_assert_uint_eq(started(getpid()), me);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("chaos-stat");
	TCase *tc = tcase_create("stat");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, fields_by_number);
	tcase_add_test(tc, start_time_of_real_processes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
