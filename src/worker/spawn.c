/*
 * clone(CLONE_VM | CLONE_VFORK) as glibc's posix_spawn does it, on a stack of
 * our own: the parent sleeps until the child has exec'd or failed, so the
 * result is known when clone returns and no pipe is needed to learn it.
 * Unlike posix_spawn it lets the child set PR_SET_PDEATHSIG and check its
 * parent.  The child shares our memory until exec: it makes raw syscalls
 * only, no allocation, no locks, no stdio.
 */
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

#define SPAWN_STACK (64 * 1024)

struct spawn_ctx {
	const struct spawn_req	*req;
	pid_t			 parent;
	sigset_t		 oldmask;
	volatile int		 err;
};

static _Alignas(64) char spawn_stack[SPAWN_STACK];
static struct rlimit spawn_nofile;	/* what workers get */
static bool spawn_nofile_set;

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

__attribute__((no_sanitize_address)) static int
spawn_place_fd(int fd, int to)
{
	if (fd < 0)
		return (0);
	if (fd == to)
		return (fcntl(fd, F_SETFD, 0));	/* keep it across exec */
	return (dup2(fd, to) < 0 ? -1 : 0);
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
	int null;

	spawn_reset_signals();
	if (setpgid(0, 0) < 0)
		goto fail;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		goto fail;
	if (getppid() != c->parent) {
		errno = ESRCH;	/* the supervisor died under us */
		goto fail;
	}
	if (r->pid_slot != NULL)
		spawn_write_pid(r->pid_slot);
	if (spawn_nofile_set && setrlimit(RLIMIT_NOFILE, &spawn_nofile) < 0)
		goto fail;
	if ((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ||
	    dup2(null, STDIN_FILENO) < 0)
		goto fail;
	if (spawn_place_fd(r->out_fd, STDOUT_FILENO) < 0 ||
	    spawn_place_fd(r->err_fd, STDERR_FILENO) < 0 ||
	    spawn_place_fd(r->extra_fd, r->extra_to) < 0)
		goto fail;
	if (r->drop && spawn_drop(r) < 0)
		goto fail;
	if (r->cwd != NULL && chdir(r->cwd) < 0)
		goto fail;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		goto fail;
	errno = spawn_exec_path(r);
fail:
	c->err = errno ? errno : EINVAL;
	_exit(127);
}

pid_t
spawn_worker(const struct spawn_req *r, int *exec_errno)
{
	struct spawn_ctx c = { .req = r, .parent = getpid() };
	sigset_t all;
	pid_t pid;
	int saved;

	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &c.oldmask) < 0)
		return (-1);
	pid = clone(spawn_child, spawn_stack + SPAWN_STACK,
	    CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
	saved = errno;
	(void)sigprocmask(SIG_SETMASK, &c.oldmask, NULL);
	errno = saved;
	*exec_errno = pid < 0 ? 0 : c.err;
	return (pid);
}
