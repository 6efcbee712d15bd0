/*
 * spawn_worker: a worker gets stdin on /dev/null, its two pipes, its
 * readiness fd where it asked for it, and nothing else, however many fds
 * its supervisor holds; and the supervisor keeps no copy of the pipes'
 * write ends, or their reader would never see EOF.  The worker here is
 * this program again, run as "child": it reports what it got.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn.h"

#define HELD	300	/* pipes the "supervisor" holds: 600 fds */
#define WAIT_MS	10000

extern char **environ;

/* The worker: its fds in order, whether stdin is /dev/null, a word to each. */
static int
child_main(void)
{
	struct stat in, null;
	struct dirent *e;
	char seen[1024] = { 0 };
	DIR *d;
	int fd;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return (2);
	while ((e = readdir(d)) != NULL) {
		fd = atoi(e->d_name);
		if (e->d_name[0] != '.' && fd != dirfd(d))
			seen[fd < 1023 ? fd : 1023] = 1;
	}
	closedir(d);
	for (fd = 0; fd < 1023; fd++) {
		if (seen[fd])
			printf("%d ", fd);
	}
	if (fstat(STDIN_FILENO, &in) == 0 && stat("/dev/null", &null) == 0 &&
	    in.st_rdev == null.st_rdev)
		printf("null");
	printf("\n");
	fprintf(stderr, "to stderr\n");
	for (fd = 3; fd < 1023 && !seen[fd]; fd++)
		;
	if (fd < 1023 && write(fd, "ready\n", 6) != 6)
		return (3);
	return (0);
}

/* All of FD until EOF, which must come within WAIT_MS. */
static void
read_all(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	ssize_t r;

	for (;;) {
		ck_assert_msg(poll(&p, 1, WAIT_MS) == 1,
		    "no EOF on fd %d: a copy of the write end is held", fd);
		if ((r = read(fd, buf + n, size - 1 - n)) <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	close(fd);
}

static int
wait_exit(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return (WEXITSTATUS(st));
}

/*
 * Every fd of a supervisor is O_CLOEXEC; Check's own are not, so this
 * test's process is made to look like one first.
 */
static void
cloexec_all(void)
{
	struct dirent *e;
	DIR *d;

	ck_assert((d = opendir("/proc/self/fd")) != NULL);
	while ((e = readdir(d)) != NULL) {
		if (atoi(e->d_name) > 2 && atoi(e->d_name) != dirfd(d))
			(void)fcntl(atoi(e->d_name), F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
}

static void
hold_pipes(void)
{
	int p[2], k;

	cloexec_all();
	for (k = 0; k < HELD; k++)
		ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
}

/* Spawns ARGV with its pipes, and a readiness pipe at READY if not -1. */
static pid_t
run(char *const *argv, int ready, const char *cwd, struct spawn_fail *fail,
    char out[256], char err[256], char rdy[256])
{
	int o[2], e[2], r[2] = { -1, -1 };
	struct spawn_req req = { .argv = argv, .envp = environ, .cwd = cwd,
	    .extra_fd = -1 };
	pid_t pid;

	ck_assert_int_eq(pipe2(o, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(e, O_CLOEXEC), 0);
	if (ready >= 0) {
		ck_assert_int_eq(pipe2(r, O_CLOEXEC), 0);
		req.extra_fd = r[1];
		req.extra_to = ready;
	}
	req.out_fd = o[1];
	req.err_fd = e[1];
	pid = spawn_worker(&req, fail);
	ck_assert_int_gt(pid, 0);
	close(o[1]);
	close(e[1]);
	if (ready >= 0)
		close(r[1]);
	read_all(o[0], out, 256);
	read_all(e[0], err, 256);
	rdy[0] = '\0';
	if (ready >= 0)
		read_all(r[0], rdy, 256);
	return (pid);
}

static char *self_argv[] = { "/proc/self/exe", "child", NULL };

START_TEST(only_its_own_fds)
{
	char out[256], err[256], rdy[256];
	struct spawn_fail fail;

	hold_pipes();
	ck_assert_int_eq(wait_exit(run(self_argv, -1, NULL, &fail, out, err,
	    rdy)), 0);
	ck_assert_int_eq(fail.err, 0);
	ck_assert_str_eq(out, "0 1 2 null\n");
	ck_assert_str_eq(err, "to stderr\n");
}
END_TEST

/* The fds of this process open on /dev/null: after a spawn, the slots. */
static int
null_fds(int *v, int max)
{
	char to[64];
	struct dirent *e;
	ssize_t n;
	DIR *d;
	int k = 0;

	ck_assert((d = opendir("/proc/self/fd")) != NULL);
	while ((e = readdir(d)) != NULL && k < max) {
		if (atoi(e->d_name) > 2 && (n = readlinkat(dirfd(d), e->d_name,
		    to, sizeof(to) - 1)) > 0) {
			to[n] = '\0';
			if (strcmp(to, "/dev/null") == 0)
				v[k++] = atoi(e->d_name);
		}
	}
	closedir(d);
	return (k);
}

/*
 * The readiness fd is wanted where the supervisor keeps one of its slots
 * (the lowest fds free at its first spawn), each in turn; then again with
 * 600 fds more.
 */
START_TEST(a_readiness_fd_on_a_slot)
{
	char out[256], err[256], rdy[256], want[64];
	struct spawn_fail fail;
	int k, slot[8], n;

	cloexec_all();
	ck_assert_int_eq(wait_exit(run(self_argv, -1, NULL, &fail, out, err, rdy)),
	    0);
	ck_assert_int_ge(n = null_fds(slot, 8), 3);
	for (k = 0; k < 2 * n; k++) {
		if (k == n)
			hold_pipes();
		ck_assert_int_eq(wait_exit(run(self_argv, slot[k % n], NULL, &fail,
		    out, err, rdy)), 0);
		snprintf(want, sizeof(want), "0 1 2 %d null\n", slot[k % n]);
		ck_assert_str_eq(out, want);
		ck_assert_str_eq(err, "to stderr\n");
		ck_assert_str_eq(rdy, "ready\n");
	}
}
END_TEST

START_TEST(an_exec_failure)
{
	char *argv[] = { "/nonexistent/pmtree-worker", NULL };
	char out[256], err[256], rdy[256];
	struct spawn_fail fail;

	hold_pipes();
	ck_assert_int_eq(wait_exit(run(argv, -1, NULL, &fail, out, err, rdy)),
	    127);
	ck_assert_int_eq(fail.err, ENOENT);
	ck_assert_int_eq(fail.step, SPAWN_EXEC);
	ck_assert_str_eq(out, "");
}
END_TEST

/* A cwd it cannot enter: the step says chdir, not exec. */
START_TEST(a_chdir_failure)
{
	char *argv[] = { "/bin/true", NULL };
	char out[256], err[256], rdy[256];
	struct spawn_fail fail;

	ck_assert_int_eq(wait_exit(run(argv, -1, "/nonexistent/pmtree-cwd",
	    &fail, out, err, rdy)), 127);
	ck_assert_int_eq(fail.err, ENOENT);
	ck_assert_int_eq(fail.step, SPAWN_CHDIR);
	ck_assert_int_eq(wait_exit(run(argv, -1, "/dev/null", &fail, out, err,
	    rdy)), 127);
	ck_assert_int_eq(fail.err, ENOTDIR);
	ck_assert_int_eq(fail.step, SPAWN_CHDIR);
}
END_TEST

/*
 * A start that failed before the spawn (an env_file): the child exits 127
 * without exec, in its own process group, holding none of the pipes.
 */
START_TEST(a_failed_start_no_exec)
{
	char *argv[] = { "/bin/true", NULL };
	struct spawn_req req = { .argv = argv, .envp = environ,
	    .cwd = "/nonexistent/pmtree-cwd", .extra_fd = -1, .no_exec = true };
	struct spawn_fail fail;
	int o[2], e[2];
	char out[256], err[256];
	pid_t pid;

	hold_pipes();
	ck_assert_int_eq(pipe2(o, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(e, O_CLOEXEC), 0);
	req.out_fd = o[1];
	req.err_fd = e[1];
	ck_assert_int_gt(pid = spawn_worker(&req, &fail), 0);
	close(o[1]);
	close(e[1]);
	read_all(o[0], out, sizeof(out));
	read_all(e[0], err, sizeof(err));
	ck_assert_int_eq(getpgid(pid), pid);
	ck_assert_int_eq(wait_exit(pid), 127);
	ck_assert_int_eq(fail.err, ECANCELED);
	ck_assert_int_eq(fail.step, SPAWN_NO_EXEC);
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(err, "");
}
END_TEST

/* How many of fds FROM..TO-1 are open (no fd is needed to tell). */
static int
open_in(int from, int to)
{
	int fd, n = 0;

	for (fd = from; fd < to; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return (n);
}

/*
 * Room for the two log pipes and not for the readiness pipe: all or none.
 * A lowest free fd of 10 and a limit of 14 leave 10..13, four fds.
 */
START_TEST(pipes_all_or_none)
{
	struct rlimit old, lim;
	struct spawn_pipes p;
	int hole[16], nhole = 0, fd, k;

	/* The limit counts the highest fd, not how many: fill the gaps. */
	while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0 && fd < 10)
		hole[nhole++] = fd;
	ck_assert_int_eq(fd, 10);
	close(fd);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = old;
	lim.rlim_cur = 14;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
	errno = 0;
	ck_assert_int_eq(spawn_pipes(&p, true), -1);
	ck_assert_int_eq(errno, EMFILE);
	ck_assert_int_eq(p.ready[0], -1);
	ck_assert_int_eq(open_in(10, 14), 0);
	/* Without the readiness pipe the same room is enough. */
	ck_assert_int_eq(spawn_pipes(&p, false), 0);
	ck_assert_int_eq(open_in(10, 14), 4);
	ck_assert_int_eq(p.ready[0], -1);
	ck_assert_int_eq(p.ready[1], -1);
	for (k = 0; k < 2; k++) {
		close(p.out[k]);
		close(p.err[k]);
	}
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	while (nhole > 0)
		close(hole[--nhole]);
}
END_TEST

int
main(int argc, char **argv)
{
	Suite *s;
	SRunner *r;
	TCase *tc;
	int failed;

	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return (child_main());
	s = suite_create("spawn");
	tc = tcase_create("spawn");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, only_its_own_fds);
	tcase_add_test(tc, a_readiness_fd_on_a_slot);
	tcase_add_test(tc, an_exec_failure);
	tcase_add_test(tc, a_chdir_failure);
	tcase_add_test(tc, a_failed_start_no_exec);
	tcase_add_test(tc, pipes_all_or_none);
	suite_add_tcase(s, tc);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return (failed == 0 ? 0 : 1);
}
