/*
 * Forking one of pmtree's own processes (a group supervisor, the log
 * collector): what each of them needs the same way, done once.
 */
#ifndef PMTREE_PROC_H
#define PMTREE_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* Never returns: it exits. */
typedef void	proc_main_fn(void *);

/*
 * Forks.  Stdio is flushed first (or it would be written twice), and
 * every signal is blocked across the fork (or one could be handled by
 * the wrong process); the parent's mask is then restored.  The child
 * gets an allocator region of its own (pool_start), keeps only the fds
 * in KEEP, takes the title TITLE, and runs MAIN(ARG) with every signal
 * still blocked: it sets its own mask.  The pid, or -1 with errno.
 */
pid_t	proc_fork(const char *title, const int *keep, size_t nkeep,
	    proc_main_fn *main, void *arg);

#endif
