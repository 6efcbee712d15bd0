#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fdutil.h"
#include "pool.h"
#include "proc.h"
#include "proctitle.h"

pid_t
proc_fork(const char *title, const int *keep, size_t nkeep,
    proc_main_fn *main, void *arg)
{
	sigset_t all, old;
	pid_t pid;
	int saved;

	fflush(stdout);
	fflush(stderr);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((pid = fork()) == 0) {
		pool_start();
		fdutil_close_except(keep, nkeep);
		proctitle_set("%s", title);
		main(arg);
		_exit(127);	/* a MAIN that returned: never the parent's code */
	}
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return (pid);
}
