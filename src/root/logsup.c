#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "evlog.h"
#include "logconn.h"
#include "logproto.h"
#include "logsup.h"
#include "proc.h"
#include "supervisor.h"
#include "xmalloc.h"

#define LOGSUP_QUICK_MS	1000	/* dying sooner than this after a start... */
#define LOGSUP_PAUSE_S	1	/* ...earns a pause before the next */
#define LOGSUP_STOP_S	5	/* then SIGKILL */

struct logsup {
	struct event_base	*base;
	const struct cfg_tree	*tree;
	bool			 echo_all;
	int			 lisfd;
	int			 life[2];	/* EOF on [0]: the root is gone */
	struct logshm		*shm;
	pid_t			 pid;
	uint64_t		 started_ms;
	unsigned		 restarts;
	struct event		*pause;
};

static void
logsup_pause_cb(evutil_socket_t fd, short what, void *arg)
{
	struct logsup *ls = arg;

	if (logsup_start(ls) < 0)
		evlog("pmtree", "starting the log collector: %s", strerror(errno));
}

struct logsup *
logsup_new(struct event_base *base, const struct cfg_tree *t, bool echo_all)
{
	struct logsup *ls = xcalloc(1, sizeof(*ls));
	struct sockaddr_un sun;
	unsigned len;

	ls->base = base;
	ls->tree = t;
	ls->echo_all = echo_all;
	ls->life[0] = ls->life[1] = -1;
	ls->shm = MAP_FAILED;
	logconn_set_root(getpid());
	logproto_address(&sun, &len, (int)getpid());
	ls->lisfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ls->lisfd < 0 || bind(ls->lisfd, (struct sockaddr *)&sun, len) < 0 ||
	    listen(ls->lisfd, 4096) < 0 || pipe2(ls->life, O_CLOEXEC) < 0)
		goto fail;
	ls->shm = mmap(NULL, sizeof(*ls->shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ls->shm == MAP_FAILED)
		goto fail;
	ls->pause = evtimer_new(base, logsup_pause_cb, ls);
	logsup_settings(ls, t);
	return (ls);
fail:
	logsup_free(ls);
	return (NULL);
}

__attribute__((noreturn)) static void
logsup_child(void *arg)
{
	struct logsup *ls = arg;
	sigset_t none;

	(void)setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	exit(collector_main(ls->lisfd, ls->life[0], ls->shm));
}

int
logsup_start(struct logsup *ls)
{
	int keep[] = { ls->lisfd, ls->life[0], evlog_fd() };
	char title[300];
	pid_t pid;

	snprintf(title, sizeof(title), "pmtree: log %s", ls->tree->name);
	pid = proc_fork(title, keep, 3, logsup_child, ls);
	if (pid < 0)
		return (-1);
	ls->pid = pid;
	ls->started_ms = supervisor_now();
	return (0);
}

pid_t
logsup_pid(struct logsup *ls)
{
	return (ls->pid);
}

bool
logsup_reaped(struct logsup *ls, pid_t pid, int status)
{
	struct timeval tv = { LOGSUP_PAUSE_S, 0 };
	bool quick;

	if (pid != ls->pid || pid <= 0)
		return (false);
	ls->pid = 0;
	ls->restarts++;
	quick = supervisor_now() - ls->started_ms < LOGSUP_QUICK_MS;
	if (WIFSIGNALED(status))
		evlog("pmtree", "log collector killed by signal %d; restarting%s",
		    WTERMSIG(status), quick ? " in 1 s" : "");
	else
		evlog("pmtree", "log collector exited with code %d; restarting%s",
		    WEXITSTATUS(status), quick ? " in 1 s" : "");
	if (quick)
		evtimer_add(ls->pause, &tv);
	else if (logsup_start(ls) < 0)
		evlog("pmtree", "starting the log collector: %s", strerror(errno));
	return (true);
}

void
logsup_settings(struct logsup *ls, const struct cfg_tree *t)
{
	struct logsettings *s = &ls->shm->settings;

	s->json = t->log.format == CFG_FORMAT_JSON;
	/* run --stdout is log.stdout: true, whatever the file says. */
	s->to_stdout = ls->echo_all ? CFG_ECHO_ON : t->log.to_stdout;
	s->keep = t->log.keep;
	s->max_size = t->log.max_size;
	snprintf(s->dir, sizeof(s->dir), "%s", t->log.dir);
	s->gen++;
	if (ls->pid > 0)
		(void)kill(ls->pid, SIGHUP);
}

void
logsup_reopen(struct logsup *ls)
{
	if (ls->pid > 0)
		(void)kill(ls->pid, SIGUSR1);
}

json_t *
logsup_status(struct logsup *ls)
{
	return (json_pack("{so ss si sI sI sI so}",
	    "pid", ls->pid > 0 ? json_integer(ls->pid) : json_null(),
	    "state", ls->pid > 0 ? "running" : "backoff",
	    "restarts", (int)ls->restarts,
	    "lines", (json_int_t)ls->shm->lines,
	    "bytes", (json_int_t)ls->shm->bytes,
	    "errors", (json_int_t)ls->shm->errors,
	    "last_error", ls->shm->last_error[0] ?
	    json_string(ls->shm->last_error) : json_null()));
}

/* The loop no longer runs: wait for the collector by hand, boundedly. */
void
logsup_stop(struct logsup *ls)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	sigset_t chld;
	int k, status;

	evtimer_del(ls->pause);
	if (ls->pid <= 0)
		return;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	(void)kill(ls->pid, SIGTERM);
	for (k = 0; k < LOGSUP_STOP_S * 10; k++) {
		if (waitpid(ls->pid, &status, WNOHANG) == ls->pid) {
			ls->pid = 0;
			return;
		}
		(void)sigtimedwait(&chld, NULL, &tick);
	}
	evlog("pmtree", "log collector did not stop in %d s: SIGKILL", LOGSUP_STOP_S);
	(void)kill(ls->pid, SIGKILL);
	(void)waitpid(ls->pid, &status, 0);
	ls->pid = 0;
}

void
logsup_free(struct logsup *ls)
{
	if (ls == NULL)
		return;
	if (ls->pause != NULL)
		event_free(ls->pause);
	if (ls->lisfd >= 0)
		close(ls->lisfd);
	if (ls->life[0] >= 0) {
		close(ls->life[0]);
		close(ls->life[1]);
	}
	if (ls->shm != MAP_FAILED)
		munmap(ls->shm, sizeof(*ls->shm));
	xfree(ls);
}
