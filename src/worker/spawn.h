/*
 * Starting a worker: fork and exec in one step, the child the leader of its
 * own process group, killed if its supervisor dies, with a clean signal
 * state, stdin on /dev/null and only the fds it is meant to have.
 */
#ifndef PMTREE_SPAWN_H
#define PMTREE_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

struct spawn_req {
	char *const	*argv;
	char *const	*envp;
	const char	*cwd;
	const char	*path;		/* PATH to search argv[0] in, or NULL */
	int		 out_fd;	/* stdout, -1 = inherit */
	int		 err_fd;	/* stderr, -1 = inherit */
	int		 extra_fd;	/* placed at extra_to, -1 = none */
	int		 extra_to;
	char		*pid_slot;	/* room for the child's own pid, or NULL */
	bool		 drop;		/* run with the ids below */
	uid_t		 uid;		/* (uid_t)-1: keep */
	gid_t		 gid;
	const gid_t	*groups;
	size_t		 ngroups;
	bool		 no_exec;	/* failed already (an env_file): exit 127 */
};

/*
 * A supervisor holds a few fds per worker: this raises its own soft limit
 * on open files to the hard one.  Workers get the limit they would have
 * had back, before exec.  Returns the new soft limit.
 */
rlim_t	spawn_raise_nofile(void);

/* Where a child that could not exec stopped. */
enum spawn_step {
	SPAWN_SETUP,	/* its process group, fds, limits, ids */
	SPAWN_CHDIR,	/* the request's cwd */
	SPAWN_EXEC,
	SPAWN_NO_EXEC,	/* the request's no_exec: the caller knows why */
};

struct spawn_fail {
	int		 err;	/* 0: it exec'd */
	enum spawn_step	 step;
};

/* The pipes of one start; an end not made is -1. */
struct spawn_pipes {
	int	out[2];		/* stdout, read by the collector */
	int	err[2];		/* stderr, the same */
	int	ready[2];	/* `ready: {fd: N}`: the worker writes a newline */
};

/*
 * Makes the stdout and stderr pipes and, if READY, the readiness pipe,
 * all close-on-exec: all of them, or none and -1 with errno.
 */
int	spawn_pipes(struct spawn_pipes *, bool ready);

/*
 * Returns the child's pid once it has exec'd, or -1 with errno set when
 * it could not be created.  If the child could not exec, the pid is
 * returned (the child exits 127) and *FAIL says where and why; its err is
 * 0 otherwise.  A start that failed before the spawn (no_exec) goes the
 * same way, so that it is logged, reaped and judged as one that failed in
 * the child: the child exits 127 once it is in its own process group.
 */
pid_t	spawn_worker(const struct spawn_req *, struct spawn_fail *fail);

#endif
