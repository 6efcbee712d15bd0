/*
 * Unit tests of who holds a listening socket (SPEC §8, "Who answers a TCP
 * check"; src/ready/owner.c): the lines of /proc/net/tcp and tcp6 fed as
 * fixed text (IPv4, IPv6, wildcards, v4-mapped, states, malformed lines),
 * the kernel's choice of a listener (owner_score), what is an address of
 * this machine, and owner_check/owner_holder against real sockets.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "owner.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the fixed /proc/net/tcp lines below are those of a little-endian kernel"
#endif

static struct owner_sock S;

static int
parse(const char *line, int family)
{
	return (owner_parse_line(line, strlen(line), family, &S));
}

static struct sockaddr_storage SS;

/* A sockaddr for the numeric HOST and PORT. */
static const struct sockaddr *
sa(const char *host, unsigned port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&SS;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&SS;

	memset(&SS, 0, sizeof(SS));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, host, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
	}
	return ((const struct sockaddr *)&SS);
}

static void
expect_addr(const char *want)
{
	char got[INET6_ADDRSTRLEN];

	ck_assert_ptr_nonnull(inet_ntop(S.family, S.addr, got, sizeof(got)));
	ck_assert_str_eq(got, want);
}

#define V4(addr, port, st, inode)					\
	"   0: " addr ":" port " 00000000:0000 " st " 00000000:00000000 "	\
	"00:00000000 00000000  1000        0 " inode " 1 0000000000000000 "\
	"100 0 0 10 0"
#define V6(addr, port, st, inode)					\
	"   3: " addr ":" port " 00000000000000000000000000000000:0000 "	\
	st " 00000000:00000000 00:00000000 00000000  1000        0 "	\
	inode " 1 0000000000000000 100 0 0 10 0"

#define LO6	"00000000000000000000000001000000"	/* ::1 */
#define ANY6	"00000000000000000000000000000000"	/* :: */
#define MAP6	"0000000000000000FFFF00000100007F"	/* ::ffff:127.0.0.1 */

/* --- owner_parse_line ---------------------------------------------------- */

START_TEST(parse_v4_listener)
{
	ck_assert_int_eq(parse(V4("0100007F", "1F90", "0A", "123456"),
	    AF_INET), 0);
	ck_assert_int_eq(S.family, AF_INET);
	expect_addr("127.0.0.1");
	ck_assert_uint_eq(S.port, 8080);
	ck_assert_uint_eq(S.state, OWNER_LISTEN);
	ck_assert_uint_eq(S.inode, 123456);
	/* A line as read, with its newline and trailing blanks. */
	ck_assert_int_eq(parse(V4("0100007F", "1F90", "0A", "7") "      \n",
	    AF_INET), 0);
	ck_assert_uint_eq(S.inode, 7);
	/* Lower-case hex too. */
	ck_assert_int_eq(parse(V4("0a01a8c0", "01bb", "0a", "9"), AF_INET), 0);
	expect_addr("192.168.1.10");
	ck_assert_uint_eq(S.port, 443);
}
END_TEST

START_TEST(parse_v4_wildcard)
{
	ck_assert_int_eq(parse(V4("00000000", "07E8", "0A", "1363"),
	    AF_INET), 0);
	expect_addr("0.0.0.0");
	ck_assert_uint_eq(S.port, 2024);
	ck_assert_uint_eq(S.inode, 1363);
}
END_TEST

START_TEST(parse_v6)
{
	ck_assert_int_eq(parse(V6(LO6, "0050", "0A", "42"), AF_INET6), 0);
	ck_assert_int_eq(S.family, AF_INET6);
	expect_addr("::1");
	ck_assert_uint_eq(S.port, 80);
	ck_assert_uint_eq(S.inode, 42);
	ck_assert_int_eq(parse(V6(ANY6, "FFFF", "0A", "43"), AF_INET6), 0);
	expect_addr("::");
	ck_assert_uint_eq(S.port, 65535);
	ck_assert_int_eq(parse(V6(MAP6, "1F90", "0A", "44"), AF_INET6), 0);
	expect_addr("::ffff:127.0.0.1");
	/* 2001:db8::5, word by word. */
	ck_assert_int_eq(parse(V6("B80D0120000000000000000005000000", "1F90",
	    "0A", "45"), AF_INET6), 0);
	expect_addr("2001:db8::5");
}
END_TEST

/* Every state parses; only LISTEN is a listener (owner_score). */
START_TEST(parse_keeps_the_state)
{
	ck_assert_int_eq(parse(V4("0100007F", "1F90", "01", "0"), AF_INET), 0);
	ck_assert_uint_eq(S.state, 1);	/* ESTABLISHED */
	ck_assert_int_eq(owner_score(&S, sa("127.0.0.1", 8080)), -1);
	ck_assert_int_eq(parse(V4("0100007F", "1F90", "06", "0"), AF_INET), 0);
	ck_assert_int_eq(owner_score(&S, sa("127.0.0.1", 8080)), -1);
	ck_assert_int_eq(parse(V4("0100007F", "1F90", "0A", "5"), AF_INET), 0);
	ck_assert_int_eq(owner_score(&S, sa("127.0.0.1", 8080)), 3);
}
END_TEST

START_TEST(parse_rejects_malformed)
{
	static const char *const v4[] = {
		"",
		"   ",
		"  sl  local_address rem_address   st tx_queue rx_queue tr "
		    "tm->when retrnsmt   uid  timeout inode",
		V4("0100007", "1F90", "0A", "1"),	/* 7 digits */
		V4("0100007F0", "1F90", "0A", "1"),
		V4("0100007G", "1F90", "0A", "1"),	/* not hex */
		V4("0100007F", "1F9", "0A", "1"),
		V4("0100007F", "1F90", "A", "1"),
		V4("0100007F", "1F90", "0AA", "1"),
		V4("0100007F", "1F90", "0A", "x1"),
		V4("0100007F", "1F90", "0A", "-1"),
		V4("0100007F", "1F90", "0A", "18446744073709551616"),
		V4("0100007F", "1F90", "0A", "123456789012345678901"),
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000",
		"   0: 0100007F:1F90",
		"   0 0100007F:1F90 00000000:0000 0A 0 0 0 0 0 1",
		"   x: 0100007F:1F90 00000000:0000 0A 0 0 0 0 0 1",
		"   0: 0100007F-1F90 00000000:0000 0A 0 0 0 0 0 1",
		"   0: 0100007F:1F90 0000000:00000 0A 0 0 0 0 0 1",
		V6(LO6, "0050", "0A", "42"),		/* a tcp6 line */
		NULL,
	};
	size_t i;

	for (i = 0; v4[i] != NULL; i++)
		ck_assert_msg(parse(v4[i], AF_INET) == -1, "accepted: '%s'",
		    v4[i]);
	ck_assert_int_eq(parse(V4("0100007F", "1F90", "0A", "1"), AF_INET6),
	    -1);
	ck_assert_int_eq(parse(V4("0100007F", "1F90", "0A", "1"), AF_UNIX),
	    -1);
	/* The largest inode fits. */
	ck_assert_int_eq(parse(V4("0100007F", "1F90", "0A",
	    "18446744073709551615"), AF_INET), 0);
	ck_assert_uint_eq(S.inode, UINT64_MAX);
	/* LEN bounds it: a line cut before its inode. */
	ck_assert_int_eq(owner_parse_line(V4("0100007F", "1F90", "0A", "12"),
	    strlen(V4("0100007F", "1F90", "0A", "12")) - 40, AF_INET, &S), -1);
}
END_TEST

/* --- owner_score: which listener the kernel gives the connection to ----- */

START_TEST(score_ipv4_target)
{
	const char *t = "127.0.0.1";

	ck_assert_int_eq(parse(V4("0100007F", "1F90", "0A", "1"), AF_INET), 0);
	ck_assert_int_eq(owner_score(&S, sa(t, 8080)), 3);	/* exact */
	ck_assert_int_eq(owner_score(&S, sa(t, 8081)), -1);	/* port */
	ck_assert_int_eq(owner_score(&S, sa("127.0.0.2", 8080)), -1);
	ck_assert_int_eq(owner_score(&S, sa("::1", 8080)), -1);
	ck_assert_int_eq(parse(V6(MAP6, "1F90", "0A", "1"), AF_INET6), 0);
	ck_assert_int_eq(owner_score(&S, sa(t, 8080)), 2);	/* v4-mapped */
	ck_assert_int_eq(parse(V4("00000000", "1F90", "0A", "1"), AF_INET), 0);
	ck_assert_int_eq(owner_score(&S, sa(t, 8080)), 1);	/* 0.0.0.0 */
	ck_assert_int_eq(owner_score(&S, sa("10.1.2.3", 8080)), 1);
	ck_assert_int_eq(owner_score(&S, sa("::1", 8080)), -1);
	ck_assert_int_eq(parse(V6(ANY6, "1F90", "0A", "1"), AF_INET6), 0);
	ck_assert_int_eq(owner_score(&S, sa(t, 8080)), 0);	/* [::] */
	ck_assert_int_eq(parse(V6(LO6, "1F90", "0A", "1"), AF_INET6), 0);
	ck_assert_int_eq(owner_score(&S, sa(t, 8080)), -1);	/* ::1 */
}
END_TEST

START_TEST(score_ipv6_target)
{
	ck_assert_int_eq(parse(V6(LO6, "1F90", "0A", "1"), AF_INET6), 0);
	ck_assert_int_eq(owner_score(&S, sa("::1", 8080)), 2);
	ck_assert_int_eq(owner_score(&S, sa("::1", 8081)), -1);
	ck_assert_int_eq(owner_score(&S, sa("2001:db8::5", 8080)), -1);
	ck_assert_int_eq(parse(V6(ANY6, "1F90", "0A", "1"), AF_INET6), 0);
	ck_assert_int_eq(owner_score(&S, sa("::1", 8080)), 0);
	ck_assert_int_eq(parse(V4("00000000", "1F90", "0A", "1"), AF_INET), 0);
	ck_assert_int_eq(owner_score(&S, sa("::1", 8080)), -1);
	ck_assert_int_eq(parse(V6(MAP6, "1F90", "0A", "1"), AF_INET6), 0);
	ck_assert_int_eq(owner_score(&S, sa("::1", 8080)), -1);
}
END_TEST

/* 0.0.0.0 and :: reach loopback; a v4-mapped target is IPv4. */
START_TEST(score_unspecified_and_mapped_targets)
{
	ck_assert_int_eq(parse(V4("0100007F", "1F90", "0A", "1"), AF_INET), 0);
	ck_assert_int_eq(owner_score(&S, sa("0.0.0.0", 8080)), 3);
	ck_assert_int_eq(owner_score(&S, sa("::ffff:127.0.0.1", 8080)), 3);
	ck_assert_int_eq(parse(V6(LO6, "1F90", "0A", "1"), AF_INET6), 0);
	ck_assert_int_eq(owner_score(&S, sa("::", 8080)), 2);
}
END_TEST

/* The exact address beats the wildcard; IPv4 beats IPv6 for IPv4. */
START_TEST(score_orders_the_candidates)
{
	static const struct { const char *line; int family; } l[] = {
		{ V4("0100007F", "1F90", "0A", "1"), AF_INET },
		{ V6(MAP6, "1F90", "0A", "2"), AF_INET6 },
		{ V4("00000000", "1F90", "0A", "3"), AF_INET },
		{ V6(ANY6, "1F90", "0A", "4"), AF_INET6 },
	};
	int prev = 100, sc;
	size_t i;

	for (i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		ck_assert_int_eq(parse(l[i].line, l[i].family), 0);
		sc = owner_score(&S, sa("127.0.0.1", 8080));
		ck_assert_msg(sc >= 0 && sc < prev, "line %zu: %d after %d", i,
		    sc, prev);
		prev = sc;
	}
}
END_TEST

/* --- owner_is_local, owner_addr_str -------------------------------------- */

START_TEST(local_addresses)
{
	struct sockaddr_in ifsin = { .sin_family = AF_INET };
	struct ifaddrs ifa = { .ifa_name = "eth0",
	    .ifa_addr = (struct sockaddr *)&ifsin };

	ck_assert(owner_is_local(sa("127.0.0.1", 80), NULL));
	ck_assert(owner_is_local(sa("127.1.2.3", 80), NULL));
	ck_assert(owner_is_local(sa("0.0.0.0", 80), NULL));
	ck_assert(owner_is_local(sa("::1", 80), NULL));
	ck_assert(owner_is_local(sa("::", 80), NULL));
	ck_assert(owner_is_local(sa("::ffff:127.0.0.1", 80), NULL));
	ck_assert(!owner_is_local(sa("10.1.2.3", 80), NULL));
	ck_assert(!owner_is_local(sa("2001:db8::5", 80), NULL));
	ck_assert_int_eq(inet_pton(AF_INET, "10.1.2.3", &ifsin.sin_addr), 1);
	ck_assert(owner_is_local(sa("10.1.2.3", 80), &ifa));
	ck_assert(owner_is_local(sa("::ffff:10.1.2.3", 80), &ifa));
	ck_assert(!owner_is_local(sa("10.1.2.4", 80), &ifa));
	ifa.ifa_addr = NULL;	/* an interface without an address */
	ck_assert(!owner_is_local(sa("10.1.2.3", 80), &ifa));
}
END_TEST

START_TEST(addr_strings)
{
	char buf[64];

	owner_addr_str(sa("127.0.0.1", 8080), buf, sizeof(buf));
	ck_assert_str_eq(buf, "127.0.0.1:8080");
	owner_addr_str(sa("::1", 443), buf, sizeof(buf));
	ck_assert_str_eq(buf, "[::1]:443");
}
END_TEST

/* --- owner_check, owner_holder: real sockets ------------------------------ */

/* A listener on HOST (numeric), port chosen by the kernel: *PORT. */
static int
listen_on(int family, const char *host, int v6only, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	memcpy(&ss, sa(host, 0), sizeof(ss));
	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &v6only, sizeof(v6only)) < 0)
		ck_abort_msg("IPV6_V6ONLY: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0 ||
	    listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return (-1);
	}
	*port = family == AF_INET ?
	    ntohs(((struct sockaddr_in *)&ss)->sin_port) :
	    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return (fd);
}

/* A child that does nothing, gone with us, off our stdio. */
static void
idle_child(int *p)
{
	int null;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		(void)dup2(null, 1);
		(void)dup2(null, 2);
	}
	close(p[0]);
	close(p[1]);
	pause();
	_exit(0);
}

/* A child in a process group of its own (it shares our fds): its pid. */
static pid_t
stranger(void)
{
	int p[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	if ((pid = fork()) == 0) {
		(void)setpgid(0, 0);
		idle_child(p);
	}
	ck_assert_int_gt(pid, 0);
	(void)setpgid(pid, pid);
	close(p[1]);
	(void)!read(p[0], &c, 1);	/* EOF once it closed its end */
	close(p[0]);
	return (pid);
}

static void
reap(pid_t pid)
{
	int st;

	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &st, 0);
}

START_TEST(check_ours_and_others)
{
	uint64_t inode;
	unsigned port;
	pid_t other;
	int fd;

	ck_assert_int_eq(setpgid(0, 0), 0);	/* the leader of our group */
	other = stranger();	/* before: it would share the socket */
	ck_assert_int_ge(fd = listen_on(AF_INET, "127.0.0.1", 0, &port), 0);
	ck_assert_int_eq(owner_check(getpid(), sa("127.0.0.1", port), &inode),
	    OWNER_OURS);
	ck_assert_int_eq(owner_check(getpid(), sa("0.0.0.0", port), &inode),
	    OWNER_OURS);
	ck_assert_int_eq(owner_check(other, sa("127.0.0.1", port), &inode),
	    OWNER_OTHER);
	ck_assert_uint_ne(inode, 0);
	ck_assert_int_eq(owner_holder(inode), getpid());
	/* Another address, nobody there. */
	ck_assert_int_eq(owner_check(getpid(), sa("127.0.0.2", port), &inode),
	    OWNER_NONE);
	close(fd);
	ck_assert_int_eq(owner_check(getpid(), sa("127.0.0.1", port), &inode),
	    OWNER_NONE);
	reap(other);
}
END_TEST

/* A process group that is not ours (init's, which holds nothing of ours). */
static pid_t
other_group(void)
{
	return (1);
}

/* A process of the group other than its leader holds it. */
START_TEST(check_a_member_of_the_group)
{
	uint64_t inode;
	unsigned port;
	int p[2], fd;
	pid_t kid;
	char c;

	ck_assert_int_eq(setpgid(0, 0), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_ge(fd = listen_on(AF_INET, "127.0.0.1", 0, &port), 0);
	if ((kid = fork()) == 0)
		idle_child(p);
	ck_assert_int_gt(kid, 0);
	close(fd);	/* only the child holds it now */
	close(p[1]);
	(void)!read(p[0], &c, 1);
	close(p[0]);
	ck_assert_int_eq(owner_check(getpid(), sa("127.0.0.1", port), &inode),
	    OWNER_OURS);
	ck_assert_int_eq(owner_check(other_group(), sa("127.0.0.1", port),
	    &inode), OWNER_OTHER);
	ck_assert_int_eq(owner_holder(inode), kid);
	reap(kid);
}
END_TEST

/* [::] without IPV6_V6ONLY takes 127.0.0.1 too; [::1] is IPv6 only. */
START_TEST(check_ipv6)
{
	uint64_t inode;
	unsigned port;
	int fd;

	ck_assert_int_eq(setpgid(0, 0), 0);
	if ((fd = listen_on(AF_INET6, "::", 0, &port)) < 0) {
		fprintf(stderr, "no IPv6 here: check_ipv6 skipped\n");
		return;
	}
	ck_assert_int_eq(owner_check(getpid(), sa("127.0.0.1", port), &inode),
	    OWNER_OURS);
	ck_assert_int_eq(owner_check(getpid(), sa("::1", port), &inode),
	    OWNER_OURS);
	close(fd);
	if ((fd = listen_on(AF_INET6, "::1", 1, &port)) < 0)
		return;
	ck_assert_int_eq(owner_check(getpid(), sa("::1", port), &inode),
	    OWNER_OURS);
	ck_assert_int_eq(owner_check(getpid(), sa("127.0.0.1", port), &inode),
	    OWNER_NONE);
	close(fd);
}
END_TEST

/*
 * A stranger's 127.0.0.1 socket takes an IPv4 connection before our
 * [::] one (IPV6_V6ONLY) on the same port; ::1 is ours.
 */
START_TEST(check_the_kernels_choice)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	uint64_t inode;
	unsigned port;
	pid_t other;
	int fd, fd6, one = 1;

	ck_assert_int_eq(setpgid(0, 0), 0);
	ck_assert_int_ge(fd = listen_on(AF_INET, "127.0.0.1", 0, &port), 0);
	other = stranger();	/* holds it from now on */
	close(fd);
	s6.sin6_port = htons((uint16_t)port);
	if ((fd6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
	    bind(fd6, (struct sockaddr *)&s6, sizeof(s6)) < 0 ||
	    listen(fd6, 8) < 0) {
		fprintf(stderr, "no IPv6 here: check_the_kernels_choice "
		    "skipped\n");
		reap(other);
		return;
	}
	ck_assert_int_eq(owner_check(getpid(), sa("127.0.0.1", port), &inode),
	    OWNER_OTHER);
	ck_assert_int_eq(owner_holder(inode), other);
	ck_assert_int_eq(owner_check(other, sa("127.0.0.1", port), &inode),
	    OWNER_OURS);
	ck_assert_int_eq(owner_check(getpid(), sa("::1", port), &inode),
	    OWNER_OURS);
	close(fd6);
	reap(other);
}
END_TEST

static Suite *
owner_suite(void)
{
	Suite *s = suite_create("owner");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_v4_listener);
	tcase_add_test(tc, parse_v4_wildcard);
	tcase_add_test(tc, parse_v6);
	tcase_add_test(tc, parse_keeps_the_state);
	tcase_add_test(tc, parse_rejects_malformed);
	suite_add_tcase(s, tc);
	tc = tcase_create("decide");
	tcase_add_test(tc, score_ipv4_target);
	tcase_add_test(tc, score_ipv6_target);
	tcase_add_test(tc, score_unspecified_and_mapped_targets);
	tcase_add_test(tc, score_orders_the_candidates);
	tcase_add_test(tc, local_addresses);
	tcase_add_test(tc, addr_strings);
	suite_add_tcase(s, tc);
	tc = tcase_create("proc");
	tcase_add_test(tc, check_ours_and_others);
	tcase_add_test(tc, check_a_member_of_the_group);
	tcase_add_test(tc, check_ipv6);
	tcase_add_test(tc, check_the_kernels_choice);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(owner_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
