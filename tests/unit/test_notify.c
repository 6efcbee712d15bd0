/*
 * Unit tests of the sd_notify protocol (SPEC §6): notify_parse() (every
 * key, several per datagram, what is ignored), notify_recv() (the sender's
 * pid from SO_PASSCRED, truncated datagrams, passed fds closed), and the
 * worker-side helper library libpmtree (pmtree.h) against a real socket.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"
#include "pmtree.h"

static struct notify_msg M;

/* Parses the LEN bytes of S (NULs included) into M. */
static void
parse(const char *s, size_t len)
{
	notify_parse(s, len, &M);
}
#define PARSE(lit)	parse((lit), sizeof(lit) - 1)

static bool
nothing(void)
{
	return (!M.ready && !M.reloading && !M.stopping && !M.watchdog &&
	    M.status == NULL && M.nmetrics == 0);
}

static void
expect_status(const char *want)
{
	ck_assert_msg(M.status != NULL, "no status");
	ck_assert_uint_eq(M.status_len, strlen(want));
	ck_assert_msg(memcmp(M.status, want, M.status_len) == 0,
	    "status '%.*s', want '%s'", (int)M.status_len, M.status, want);
}

static void
expect_metric(size_t k, const char *name, double v)
{
	ck_assert_msg(k < M.nmetrics, "metric %zu of %zu", k, M.nmetrics);
	ck_assert_str_eq(M.metrics[k].name, name);
	ck_assert_msg(M.metrics[k].value == v, "%s = %.17g, want %.17g", name,
	    M.metrics[k].value, v);
}

/* --- notify_parse ---------------------------------------------------------- */

START_TEST(each_key_alone)
{
	PARSE("READY=1");
	ck_assert(M.ready && !M.reloading && !M.stopping && !M.watchdog);
	ck_assert(M.status == NULL && M.nmetrics == 0);
	PARSE("RELOADING=1");
	ck_assert(M.reloading && !M.ready && !M.stopping && !M.watchdog);
	PARSE("STOPPING=1");
	ck_assert(M.stopping && !M.ready && !M.reloading && !M.watchdog);
	PARSE("WATCHDOG=1");
	ck_assert(M.watchdog && !M.ready && !M.reloading && !M.stopping);
	PARSE("STATUS=serving 12 clients");
	expect_status("serving 12 clients");
	ck_assert(!M.ready && M.nmetrics == 0);
	PARSE("X_METRIC_queue_depth=12");
	ck_assert_uint_eq(M.nmetrics, 1);
	expect_metric(0, "queue_depth", 12);
	ck_assert(M.status == NULL && !M.ready);
}
END_TEST

/* A parse starts from nothing: nothing of the previous datagram stays. */
START_TEST(each_parse_starts_clean)
{
	PARSE("READY=1\nSTATUS=x\nX_METRIC_a=1\nWATCHDOG=1");
	PARSE("");
	ck_assert(nothing());
	PARSE("READY=1\nSTATUS=x\nX_METRIC_a=1\nWATCHDOG=1");
	PARSE("\n");
	ck_assert(nothing());
}
END_TEST

START_TEST(several_keys_per_datagram)
{
	PARSE("READY=1\nSTATUS=up\nWATCHDOG=1\nX_METRIC_a=1\n"
	    "X_METRIC_b=2.5\nSTOPPING=1\nRELOADING=1\n");
	ck_assert(M.ready && M.watchdog && M.stopping && M.reloading);
	expect_status("up");
	ck_assert_uint_eq(M.nmetrics, 2);
	expect_metric(0, "a", 1);
	expect_metric(1, "b", 2.5);
}
END_TEST

/* The last line needs no newline; empty lines are nothing. */
START_TEST(trailing_newline_optional)
{
	PARSE("STATUS=hello");
	expect_status("hello");
	PARSE("STATUS=hello\n");
	expect_status("hello");
	PARSE("\n\nREADY=1\n\n\nWATCHDOG=1");
	ck_assert(M.ready && M.watchdog);
	PARSE("X_METRIC_n=5");
	expect_metric(0, "n", 5);
}
END_TEST

START_TEST(status_empty_and_last_wins)
{
	PARSE("STATUS=");
	expect_status("");
	PARSE("STATUS=\nREADY=1");
	expect_status("");
	ck_assert(M.ready);
	PARSE("STATUS=first\nSTATUS=second");
	expect_status("second");
	PARSE("STATUS=a=b=c");
	expect_status("a=b=c");
	PARSE("STATUS=  spaced  ");
	expect_status("  spaced  ");
}
END_TEST

/* Exact KEY=VALUE only; what systemd knows but pmtree does not is ignored. */
START_TEST(unknown_and_inexact_keys_ignored)
{
	static const char *const ignored[] = {
		"READY=0", "READY=2", "READY=", "READY", "READY=1 ", " READY=1",
		"ready=1", "READY=1\r", "WATCHDOG=trigger", "WATCHDOG=0",
		"STOPPING=0", "RELOADING=0", "MAINPID=1234", "ERRNO=2",
		"BUSERROR=org.x", "EXTEND_TIMEOUT_USEC=10", "WATCHDOG_USEC=5",
		"FDSTORE=1", "MONOTONIC_USEC=1", "X_OTHER=1", "X_METRIC",
		"X_METRIC_", "status=x", "STATUS", "=", "garbage",
	};
	size_t i;

	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		parse(ignored[i], strlen(ignored[i]));
		ck_assert_msg(nothing(), "'%s' is ignored", ignored[i]);
	}
	PARSE("MAINPID=1\nFOO=bar\nREADY=1\nX_Y=2\nWATCHDOG=1");
	ck_assert(M.ready && M.watchdog && M.nmetrics == 0 && M.status == NULL);
}
END_TEST

START_TEST(metrics_well_formed)
{
	PARSE("X_METRIC_A=7\nX_METRIC__x=0\nX_METRIC_ok_1=-2.5e3\n"
	    "X_METRIC_f=0.1\nX_METRIC_big=1e300\nX_METRIC_neg=-0");
	ck_assert_uint_eq(M.nmetrics, 6);
	expect_metric(0, "A", 7);
	expect_metric(1, "_x", 0);
	expect_metric(2, "ok_1", -2500);
	expect_metric(3, "f", 0.1);
	expect_metric(4, "big", 1e300);
	expect_metric(5, "neg", 0);
}
END_TEST

START_TEST(metrics_malformed_ignored)
{
	static const char *const bad[] = {
		"X_METRIC_=1",		/* no name */
		"X_METRIC_a",		/* no = */
		"X_METRIC_a=",		/* no value */
		"X_METRIC_1a=1",	/* starts with a digit */
		"X_METRIC_a-b=1", "X_METRIC_a.b=1", "X_METRIC_a b=1",
		"X_METRIC_a:b=1", "X_METRIC_\xc3\xa9=1",
		"X_METRIC_a=abc", "X_METRIC_a=1x", "X_METRIC_a=1 ",
		"X_METRIC_a=1,5", "X_METRIC_a=--1",
		"X_METRIC_a=inf", "X_METRIC_a=-inf", "X_METRIC_a=Infinity",
		"X_METRIC_a=nan", "X_METRIC_a=NaN", "X_METRIC_a=1e999",
		"X_METRIC_a=-1e999",
	};
	char line[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(bad[i], strlen(bad[i]));
		ck_assert_msg(M.nmetrics == 0, "'%s' is ignored", bad[i]);
	}
	/* A bad one does not stop the good ones around it. */
	PARSE("X_METRIC_a=1\nX_METRIC_b=nan\nX_METRIC_c-d=2\nX_METRIC_e=3");
	ck_assert_uint_eq(M.nmetrics, 2);
	expect_metric(0, "a", 1);
	expect_metric(1, "e", 3);

	/* Names up to NOTIFY_NAME_MAX - 1 (63) characters. */
	snprintf(line, sizeof(line), "X_METRIC_%.*s=1", NOTIFY_NAME_MAX - 1,
	    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
	parse(line, strlen(line));
	ck_assert_uint_eq(M.nmetrics, 1);
	ck_assert_uint_eq(strlen(M.metrics[0].name), NOTIFY_NAME_MAX - 1);
	snprintf(line, sizeof(line), "X_METRIC_%.*s=1", NOTIFY_NAME_MAX,
	    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
	parse(line, strlen(line));
	ck_assert_msg(M.nmetrics == 0, "a 64-character name is too long");
	/* Values of 64 characters or more, even well-formed, are too long. */
	snprintf(line, sizeof(line), "X_METRIC_v=1.%063d", 0);
	parse(line, strlen(line));
	ck_assert_msg(M.nmetrics == 0, "a 65-character value is too long");
	snprintf(line, sizeof(line), "X_METRIC_v=1.%060d", 0);
	parse(line, strlen(line));
	ck_assert_uint_eq(M.nmetrics, 1);
	expect_metric(0, "v", 1);
}
END_TEST

/*
 * Only plain decimal numbers, which /metrics prints back as they were
 * meant: strtod alone took hex, leading spaces, a '+', "1." and ".5", and
 * turned 1e-400 into 0.
 */
START_TEST(metric_values_plain_decimal)
{
	static const struct { const char *s; double v; } good[] = {
		{ "0", 0 }, { "-0", 0 }, { "7", 7 }, { "007", 7 },
		{ "-12", -12 }, { "0.25", 0.25 }, { "-2.5", -2.5 },
		{ "1e3", 1e3 }, { "1E3", 1e3 }, { "1e+3", 1e3 },
		{ "2.5e-3", 2.5e-3 }, { "-1.5E+10", -1.5e10 },
		{ "0e-999", 0 }, { "0.000e5000", 0 }, { "1e-300", 1e-300 },
		{ "1e-310", 1e-310 },		/* subnormal, still printable */
		{ "1.7976931348623157e308", 1.7976931348623157e308 },
		{ "18446744073709551616", 18446744073709551616.0 },
	};
	static const char *const bad[] = {
		"0x10", "0X1A", "0x1p3", " 1", "1 ", "\t1", "1\t", "+1", "+0",
		"1.", ".5", "-.5", "-", ".", "e5", "1e", "1e+", "1e-", "1e 5",
		"1.e5", "--1", "-+1", "1-", "1_000", "1,5", "١",
		"inf", "-inf", "INF", "infinity", "nan", "NAN", "-nan",
		"nan(1)", "1e-400", "-1e-400", "0.0001e-330", "1e-324",
		"1e309", "-1e309", "1.8e308", "1e99999999999999999999",
		"1e-99999999999999999999",
	};
	char line[128];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(line, sizeof(line), "X_METRIC_v=%s", good[i].s);
		parse(line, strlen(line));
		ck_assert_msg(M.nmetrics == 1, "'%s' accepted", good[i].s);
		expect_metric(0, "v", good[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "X_METRIC_v=%s", bad[i]);
		parse(line, strlen(line));
		ck_assert_msg(M.nmetrics == 0, "'%s' ignored (taken as %.17g)",
		    bad[i], M.nmetrics > 0 ? M.metrics[0].value : 0.0);
	}
}
END_TEST

/* At most NOTIFY_MAX_METRICS metrics a datagram: the first ones. */
START_TEST(metrics_at_most_per_datagram)
{
	char buf[4096];
	size_t len = 0, k;

	for (k = 0; k < NOTIFY_MAX_METRICS + 5; k++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "X_METRIC_m%zu=%zu\n", k, k);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "READY=1");
	parse(buf, len);
	ck_assert_uint_eq(M.nmetrics, NOTIFY_MAX_METRICS);
	for (k = 0; k < NOTIFY_MAX_METRICS; k++) {
		snprintf(buf, sizeof(buf), "m%zu", k);
		expect_metric(k, buf, (double)k);
	}
	ck_assert_msg(M.ready, "lines after the cap still count");
}
END_TEST

/*
 * Inside a datagram, NUL bytes are data, not ends: a line holding one is
 * not a key it merely starts with, and the lines after it still count.
 */
START_TEST(embedded_nuls)
{
	PARSE("REA\0DY=1");
	ck_assert(!M.ready);
	PARSE("READY\0=1\nWATCHDOG=1");
	ck_assert(!M.ready && M.watchdog);
	PARSE("\0\nREADY=1");
	ck_assert(M.ready);
	PARSE("X_\0METRIC_a=1\nX_METRIC_b=2");
	ck_assert_uint_eq(M.nmetrics, 1);
	expect_metric(0, "b", 2);
	PARSE("X_METRIC_a\0=1");
	ck_assert_uint_eq(M.nmetrics, 0);
	PARSE("STATUS=a\0b\nREADY=1");
	ck_assert(M.status != NULL && M.status_len == 3 && M.ready);
}
END_TEST

/*
 * As systemd (src/shared/notify-recv.c: "We permit one trailing NUL byte"):
 * a client that sends sizeof("READY=1") bytes is understood.
 */
START_TEST(trailing_nul_accepted)
{
	parse("READY=1", sizeof("READY=1"));
	ck_assert_msg(M.ready, "READY=1 with a trailing NUL");
	parse("STATUS=up", sizeof("STATUS=up"));
	expect_status("up");
	PARSE("READY=1\nX_METRIC_a=2\0");
	ck_assert(M.ready);
	expect_metric(0, "a", 2);
}
END_TEST

/* A metric value with a NUL inside is not a number, whatever strtod says. */
START_TEST(metric_value_with_nul_ignored)
{
	PARSE("X_METRIC_a=1\0junk");
	ck_assert_msg(M.nmetrics == 0, "'1\\0junk' is not a number (taken as "
	    "%.17g)", M.nmetrics > 0 ? M.metrics[0].value : 0.0);
	PARSE("X_METRIC_a=1\0junk\nX_METRIC_b=2");
	ck_assert_uint_eq(M.nmetrics, 1);
	expect_metric(0, "b", 2);
}
END_TEST

/* --- the socket ------------------------------------------------------------- */

START_TEST(name_is_abstract_per_pid)
{
	char buf[64];

	notify_name(buf, sizeof(buf), 4321);
	ck_assert_str_eq(buf, "@pmtree-notify-4321");
}
END_TEST

/* Sends LEN bytes of MSG to the abstract NAME ("@…"); FD_PASS >= 0 rides along. */
static ssize_t
send_to(const char *name, const char *msg, size_t len, int fd_pass)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_name = &sun, .msg_iov = &iov,
	    .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	memcpy(sun.sun_path + 1, name + 1, strlen(name) - 1);
	mh.msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name));
	if (fd_pass >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd_pass, sizeof(int));
	}
	ck_assert((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0);
	n = sendmsg(fd, &mh, 0);
	close(fd);
	return (n);
}

static const char *
own_name(void)
{
	static char name[64];

	notify_name(name, sizeof(name), getpid());
	return (name);
}

/* The open fds of this process. */
static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert(d != NULL);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return (n - 1);	/* the DIR's own */
}

START_TEST(recv_gives_the_senders_pid)
{
	char buf[NOTIFY_DGRAM_MAX], name[64];
	pid_t pid = 0, kid;
	int fd, st;
	ssize_t n;

	snprintf(name, sizeof(name), "%s", own_name());
	ck_assert((fd = notify_open()) >= 0);
	ck_assert_int_eq(notify_recv(fd, buf, &pid), -1);	/* none yet */
	ck_assert_int_eq(send_to(own_name(), "READY=1", 7, -1), 7);
	n = notify_recv(fd, buf, &pid);
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(pid, getpid());
	ck_assert(memcmp(buf, "READY=1", 7) == 0);

	/* Another process (a child): its own pid, not ours. */
	ck_assert((kid = fork()) >= 0);
	if (kid == 0)
		_exit(send_to(name, "STATUS=kid", 10, -1) == 10 ? 0 : 1);
	ck_assert_int_eq(waitpid(kid, &st, 0), kid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	n = notify_recv(fd, buf, &pid);
	ck_assert_int_eq(n, 10);
	ck_assert_int_eq(pid, kid);
	ck_assert_int_eq(notify_recv(fd, buf, &pid), -1);
	close(fd);
}
END_TEST

/* Longer than NOTIFY_DGRAM_MAX: dropped whole (0), the next one fine. */
START_TEST(recv_drops_truncated)
{
	static char big[NOTIFY_DGRAM_MAX + 100];
	char buf[NOTIFY_DGRAM_MAX];
	pid_t pid = 0;
	int fd;

	memset(big, 'x', sizeof(big));
	memcpy(big, "READY=1\n", 8);
	ck_assert((fd = notify_open()) >= 0);
	ck_assert_int_eq(send_to(own_name(), big, sizeof(big), -1),
	    (ssize_t)sizeof(big));
	ck_assert_int_eq(notify_recv(fd, buf, &pid), 0);
	ck_assert_int_eq(send_to(own_name(), big, NOTIFY_DGRAM_MAX, -1),
	    NOTIFY_DGRAM_MAX);
	ck_assert_int_eq(notify_recv(fd, buf, &pid), NOTIFY_DGRAM_MAX);
	close(fd);
}
END_TEST

/* An fd passed along (SCM_RIGHTS) is not kept open by the receiver. */
START_TEST(recv_closes_passed_fds)
{
	char buf[NOTIFY_DGRAM_MAX];
	pid_t pid = 0;
	int fd, passed, before;

	ck_assert((fd = notify_open()) >= 0);
	ck_assert((passed = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	before = count_fds();
	ck_assert_int_eq(send_to(own_name(), "FDSTORE=1", 9, passed), 9);
	ck_assert_int_eq(notify_recv(fd, buf, &pid), 9);
	ck_assert_int_eq(count_fds(), before);
	close(passed);
	close(fd);
}
END_TEST

/* --- libpmtree ------------------------------------------------------------------ */

START_TEST(helper_without_socket_is_a_noop)
{
	ck_assert_int_eq(unsetenv("NOTIFY_SOCKET"), 0);
	ck_assert_int_eq(pmtree_notify_ready(), 0);
	ck_assert_int_eq(pmtree_notify_status("x"), 0);
	ck_assert_int_eq(pmtree_notify_metric("m", 1), 0);
	ck_assert_int_eq(pmtree_notify_watchdog(), 0);
	ck_assert_int_eq(pmtree_notify("READY=1"), 0);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "", 1), 0);
	ck_assert_int_eq(pmtree_notify_ready(), 0);
	ck_assert_int_eq(pmtree_notify_watchdog(), 0);
}
END_TEST

START_TEST(helper_errors)
{
	char name[300];

	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "relative/sock", 1), 0);
	errno = 0;
	ck_assert_int_eq(pmtree_notify_ready(), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* Nobody bound there. */
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "@pmtree-test-nobody-here", 1),
	    0);
	ck_assert_int_eq(pmtree_notify_ready(), -1);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", own_name(), 1), 0);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	errno = 0;
	ck_assert_int_eq(pmtree_notify_metric(name, 1), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

/* Receives one datagram on FD as a string; checks it came from us. */
static const char *
got(int fd)
{
	static char buf[NOTIFY_DGRAM_MAX + 1];
	pid_t pid = 0;
	ssize_t n = notify_recv(fd, buf, &pid);

	ck_assert_msg(n > 0, "a datagram");
	ck_assert_int_eq(pid, getpid());
	buf[n] = '\0';
	return (buf);
}

/* Each call is one datagram of the protocol, which notify_parse reads back. */
START_TEST(helper_round_trip_abstract)
{
	const char *s;
	int fd;

	ck_assert((fd = notify_open()) >= 0);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", own_name(), 1), 0);
	ck_assert_int_eq(pmtree_notify_ready(), 1);
	ck_assert_str_eq(got(fd), "READY=1");
	ck_assert_int_eq(pmtree_notify_watchdog(), 1);
	ck_assert_str_eq(got(fd), "WATCHDOG=1");
	ck_assert_int_eq(pmtree_notify_status("serving"), 1);
	ck_assert_str_eq(got(fd), "STATUS=serving");
	/* One line: a newline would start another key. */
	ck_assert_int_eq(pmtree_notify_status("one\nREADY=1"), 1);
	ck_assert_str_eq(got(fd), "STATUS=one");
	ck_assert_int_eq(pmtree_notify_status(""), 1);
	ck_assert_str_eq(got(fd), "STATUS=");
	ck_assert_int_eq(pmtree_notify_metric("queue_depth", 12), 1);
	s = got(fd);
	ck_assert_str_eq(s, "X_METRIC_queue_depth=12");
	ck_assert_int_eq(pmtree_notify_metric("ratio", 0.1), 1);
	s = got(fd);
	parse(s, strlen(s));
	expect_metric(0, "ratio", 0.1);	/* %.17g: exact */
	ck_assert_int_eq(pmtree_notify_metric("neg", -1e-7), 1);
	s = got(fd);
	parse(s, strlen(s));
	expect_metric(0, "neg", -1e-7);
	ck_assert_int_eq(pmtree_notify("READY=1\nSTATUS=both\nWATCHDOG=1"), 1);
	s = got(fd);
	parse(s, strlen(s));
	ck_assert(M.ready && M.watchdog);
	expect_status("both");
	close(fd);
}
END_TEST

/* A path NOTIFY_SOCKET (as systemd's /run/systemd/notify) works too. */
START_TEST(helper_path_socket)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/pmtree-notify-test.XXXXXX", buf[64];
	ssize_t n;
	int fd;

	ck_assert(mkdtemp(dir) != NULL);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/notify", dir);
	ck_assert((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0);
	ck_assert(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", sun.sun_path, 1), 0);
	ck_assert_int_eq(pmtree_notify_ready(), 1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_eq(n, 7);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "READY=1");
	close(fd);
	unlink(sun.sun_path);
	rmdir(dir);
}
END_TEST

static Suite *
notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, each_key_alone);
	tcase_add_test(tc, each_parse_starts_clean);
	tcase_add_test(tc, several_keys_per_datagram);
	tcase_add_test(tc, trailing_newline_optional);
	tcase_add_test(tc, status_empty_and_last_wins);
	tcase_add_test(tc, unknown_and_inexact_keys_ignored);
	tcase_add_test(tc, metrics_well_formed);
	tcase_add_test(tc, metrics_malformed_ignored);
	tcase_add_test(tc, metric_values_plain_decimal);
	tcase_add_test(tc, metrics_at_most_per_datagram);
	tcase_add_test(tc, embedded_nuls);
	tcase_add_test(tc, trailing_nul_accepted);
	tcase_add_test(tc, metric_value_with_nul_ignored);
	suite_add_tcase(s, tc);
	tc = tcase_create("socket");
	tcase_add_test(tc, name_is_abstract_per_pid);
	tcase_add_test(tc, recv_gives_the_senders_pid);
	tcase_add_test(tc, recv_drops_truncated);
	tcase_add_test(tc, recv_closes_passed_fds);
	suite_add_tcase(s, tc);
	tc = tcase_create("helper");
	tcase_add_test(tc, helper_without_socket_is_a_noop);
	tcase_add_test(tc, helper_errors);
	tcase_add_test(tc, helper_round_trip_abstract);
	tcase_add_test(tc, helper_path_socket);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(notify_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
