/*
 * clone(CLONE_VM | CLONE_VFORK) as glibc's posix_spawn does it, on a stack of
 * our own: the parent sleeps until the child has exec'd or failed, so the
 * result is known when clone returns and no pipe is needed to learn it.
 * Unlike posix_spawn it lets the child set PR_SET_PDEATHSIG and check its
 * parent.  The child shares our memory until exec: it makes raw syscalls
 * only, no allocation, no locks, no stdio.
 *
 * It shares our fd table too (CLONE_FILES), and its first act is to take a
 * copy of the few lowest fds only (close_range with CLOSE_RANGE_UNSHARE),
 * where the parent put what the worker gets, in slots it keeps for that.
 * A supervisor holds two pipes per worker: copying its whole table at
 * clone and closing it again at exec would make every spawn cost as much as
 * the supervisor has workers.
 */
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "spawn.h"

/* Valgrind runs only fork- and vfork-like clones: no CLONE_FILES there. */
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND	0
#endif

#define SPAWN_STACK (64 * 1024)

enum { SLOT_OUT, SLOT_ERR, SLOT_EXTRA, SLOT_NULL, SLOTS };

struct spawn_ctx {
	const struct spawn_req	*req;
	pid_t			 parent;
	sigset_t		 oldmask;
	int			 src[SLOTS];	/* what goes to 1, 2, extra_to, 0 */
	unsigned		 keep;		/* shared table: fds below, or 0 */
	volatile int		 err;
	volatile int		 step;	/* enum spawn_step */
};

static _Alignas(64) char spawn_stack[SPAWN_STACK];
static struct rlimit spawn_nofile;	/* what workers get */
static bool spawn_nofile_set;
static int spawn_slot[SLOTS];		/* /dev/null between spawns */
static unsigned spawn_keep;		/* above every slot; 0: no slots */
static pid_t spawn_slots_pid;		/* the process they belong to */

rlim_t
spawn_raise_nofile(void)
{
	struct rlimit raised;

	if (getrlimit(RLIMIT_NOFILE, &spawn_nofile) < 0)
		return (0);
	spawn_nofile_set = true;
	raised = spawn_nofile;
	raised.rlim_cur = raised.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &raised) < 0)
		return (spawn_nofile.rlim_cur);
	return (raised.rlim_cur);
}

/* execve over every PATH entry, keeping the most telling errno (as execvp). */
__attribute__((no_sanitize_address)) static int
spawn_exec_path(const struct spawn_req *r)
{
	char buf[PATH_MAX];
	const char *p = r->path, *end;
	size_t dl, fl = strlen(r->argv[0]);
	int err = ENOENT;

	if (strchr(r->argv[0], '/') != NULL || p == NULL || *p == '\0') {
		execve(r->argv[0], r->argv, r->envp);
		return (errno);
	}
	for (; p != NULL; p = *end ? end + 1 : NULL) {
		end = strchrnul(p, ':');
		dl = (size_t)(end - p);
		if (dl + fl + 2 > sizeof(buf))
			continue;
		memcpy(buf, dl ? p : ".", dl ? dl : 1);
		dl = dl ? dl : 1;
		buf[dl] = '/';
		memcpy(buf + dl + 1, r->argv[0], fl + 1);
		execve(buf, r->argv, r->envp);
		if (errno == EACCES)
			err = EACCES;
		else if (errno != ENOENT && errno != ENOTDIR)
			return (errno);
	}
	return (err);
}

/*
 * Every source first goes above every target, so that placing one cannot
 * overwrite another; the copies close at exec.
 */
__attribute__((no_sanitize_address)) static int
spawn_place(const struct spawn_req *r, const int *src)
{
	static const int to_std[SLOTS] = { STDOUT_FILENO, STDERR_FILENO, -1,
	    STDIN_FILENO };
	int tmp[SLOTS], base = 3, k, to;

	if (r->extra_to >= base)
		base = r->extra_to + 1;
	for (k = 0; k < SLOTS; k++) {
		tmp[k] = -1;
		if (src[k] >= 0 && (tmp[k] = fcntl(src[k], F_DUPFD_CLOEXEC,
		    base)) < 0)
			return (-1);
	}
	for (k = 0; k < SLOTS; k++) {
		to = k == SLOT_EXTRA ? r->extra_to : to_std[k];
		if (tmp[k] >= 0 && dup2(tmp[k], to) < 0)
			return (-1);
	}
	return (0);
}

/*
 * WATCHDOG_PID must hold the worker's own pid, known only in the child:
 * written into room the parent made in the environment (shared memory).
 */
__attribute__((no_sanitize_address)) static void
spawn_write_pid(char *at)
{
	char digits[16];
	long pid = syscall(SYS_getpid);
	int n = 0;

	do
		digits[n++] = (char)('0' + pid % 10);
	while ((pid /= 10) > 0);
	while (n > 0)
		*at++ = digits[--n];
	*at = '\0';
}

/*
 * Raw syscalls: glibc's wrappers may try to change every thread's ids,
 * and this child shares the parent's memory until it execs.
 */
__attribute__((no_sanitize_address)) static int
spawn_drop(const struct spawn_req *r)
{
	if (syscall(SYS_setgroups, r->ngroups, r->groups) < 0 ||
	    syscall(SYS_setgid, r->gid) < 0)
		return (-1);
	if (r->uid != (uid_t)-1 && syscall(SYS_setuid, r->uid) < 0)
		return (-1);
	return (0);
}

/* Signal dispositions back to default; the mask is restored last. */
__attribute__((no_sanitize_address)) static void
spawn_reset_signals(void)
{
	struct sigaction sa;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	}
}

__attribute__((no_sanitize_address)) static int
spawn_child(void *arg)
{
	struct spawn_ctx *c = arg;
	const struct spawn_req *r = c->req;
	sigset_t none;

	/* Before anything touches an fd: the table is still the parent's. */
	if (c->keep > 0 &&
	    syscall(SYS_close_range, c->keep, ~0U, CLOSE_RANGE_UNSHARE) < 0)
		goto fail;
	spawn_reset_signals();
	if (setpgid(0, 0) < 0)
		goto fail;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		goto fail;
	if (getppid() != c->parent) {
		errno = ESRCH;	/* the supervisor died under us */
		goto fail;
	}
	if (r->no_exec) {
		c->step = SPAWN_NO_EXEC;
		errno = ECANCELED;
		goto fail;
	}
	if (r->pid_slot != NULL)
		spawn_write_pid(r->pid_slot);
	if (c->src[SLOT_NULL] < 0 && (c->src[SLOT_NULL] = open("/dev/null",
	    O_RDONLY | O_CLOEXEC)) < 0)
		goto fail;
	/* Then the lower limit: the copies may lie above it. */
	if (spawn_place(r, c->src) < 0 ||
	    (spawn_nofile_set && setrlimit(RLIMIT_NOFILE, &spawn_nofile) < 0))
		goto fail;
	if (r->drop && spawn_drop(r) < 0)
		goto fail;
	c->step = SPAWN_CHDIR;
	if (r->cwd != NULL && chdir(r->cwd) < 0)
		goto fail;
	c->step = SPAWN_SETUP;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		goto fail;
	c->step = SPAWN_EXEC;
	errno = spawn_exec_path(r);
fail:
	c->err = errno ? errno : EINVAL;
	_exit(127);
}

/*
 * The slots: copies of /dev/null at the lowest free fds of this process,
 * taken once (a forked supervisor takes its own).  None when the kernel
 * cannot unshare a table in part (before Linux 5.9).
 */
static void
spawn_slots(void)
{
	unsigned k;

	if (spawn_slots_pid == getpid())
		return;
	spawn_slots_pid = getpid();
	spawn_keep = 0;
	/* Unshares nothing: a table nobody shares is not copied. */
	if (RUNNING_ON_VALGRIND ||
	    syscall(SYS_close_range, ~0U, ~0U, CLOSE_RANGE_UNSHARE) < 0)
		return;
	if ((spawn_slot[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return;
	for (k = 1; k < SLOTS; k++) {
		if ((spawn_slot[k] = fcntl(spawn_slot[0], F_DUPFD_CLOEXEC,
		    0)) < 0) {
			while (k-- > 0)
				close(spawn_slot[k]);
			return;
		}
	}
	for (k = 0; k < SLOTS; k++) {
		if ((unsigned)spawn_slot[k] >= spawn_keep)
			spawn_keep = (unsigned)spawn_slot[k] + 1;
	}
}

/* The slots let go of the worker's pipes; a slot that will not, closes. */
static void
spawn_empty(void)
{
	unsigned k;

	for (k = 0; k < SLOT_NULL; k++) {
		if (dup3(spawn_slot[SLOT_NULL], spawn_slot[k], O_CLOEXEC) < 0) {
			close(spawn_slot[k]);
			spawn_keep = 0;
		}
	}
}

/*
 * The request's fds into the slots, for a child that shares our table;
 * -1 (the slots emptied again) to spawn with a copy of it instead.
 */
static int
spawn_fill(struct spawn_ctx *c)
{
	const int want[SLOTS] = { c->req->out_fd, c->req->err_fd,
	    c->req->extra_fd, spawn_slot[SLOT_NULL] };
	unsigned k;

	for (k = 0; k < SLOT_NULL; k++) {
		if (want[k] >= 0 &&
		    dup3(want[k], spawn_slot[k], O_CLOEXEC) < 0) {
			spawn_empty();
			return (-1);
		}
	}
	for (k = 0; k < SLOTS; k++)
		c->src[k] = want[k] < 0 ? -1 : spawn_slot[k];
	c->keep = spawn_keep;
	return (0);
}

pid_t
spawn_worker(const struct spawn_req *r, struct spawn_fail *fail)
{
	struct spawn_ctx c = { .req = r, .parent = getpid(),
	    .src = { r->out_fd, r->err_fd, r->extra_fd, -1 } };
	int saved, flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
	sigset_t all;
	pid_t pid;

	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &c.oldmask) < 0)
		return (-1);
	spawn_slots();
	if (spawn_keep > 0 && spawn_fill(&c) == 0)
		flags |= CLONE_FILES;
	pid = clone(spawn_child, spawn_stack + SPAWN_STACK, flags, &c);
	saved = errno;
	if (flags & CLONE_FILES)
		spawn_empty();
	(void)sigprocmask(SIG_SETMASK, &c.oldmask, NULL);
	errno = saved;
	fail->err = pid < 0 ? 0 : c.err;
	fail->step = (enum spawn_step)c.step;
	return (pid);
}

int
spawn_pipes(struct spawn_pipes *p, bool ready)
{
	int *pair[3] = { p->out, p->err, p->ready };
	int n = ready ? 3 : 2, k, err;

	p->ready[0] = p->ready[1] = -1;
	for (k = 0; k < n; k++) {
		if (pipe2(pair[k], O_CLOEXEC) < 0)
			goto fail;
	}
	return (0);
fail:
	err = errno;
	while (k-- > 0) {
		close(pair[k][0]);
		close(pair[k][1]);
	}
	p->ready[0] = p->ready[1] = -1;
	errno = err;
	return (-1);
}
