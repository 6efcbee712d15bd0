/*
 * Control-plane helpers for the integration tests (on top of harness.h):
 * run the pmtree binary as a client and keep its exit code and output, or
 * speak the control protocol (doc/protocol.md) over a raw socket.
 *
 * Clients run like `pmtree run` does under the harness: in the test's
 * folder, with PMTREE_IT_TAG set (so the cleanup finds anything they leave,
 * a `run -d` daemon included) and PMTREE_SOCKET unset.
 */
#ifndef PMTREE_CTL_H
#define PMTREE_CTL_H

#include <sys/types.h>

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

/* What the last synchronous client did. */
struct ctlout {
	int	 rc;		/* exit code; 128 + N if killed by signal N */
	char	*out;		/* its stdout, whole */
	char	*err;		/* its stderr, whole */
};

extern struct ctlout CTL;

/* A client running in the background. */
struct ctlrun {
	pid_t	pid;
	bool	done;
	int	rc;
	char	out[PATH_MAX];
	char	err[PATH_MAX];
};

/* <dir>/run/t.sock: the socket of the harness's tree `t`. */
const char	*ctl_sock(void);

/*
 * Runs ARGV (argv[0] looked up in PATH) with ENV applied ("K=V" sets,
 * "K" unsets; NULL for none), waits for it (15 s at most), fills CTL and
 * returns its exit code.
 */
int	ctl_exec(const char *const *env, const char *const *argv);
/* `pmtree -S <ctl_sock()> ARG...` (NULL-terminated). */
int	ctl(const char *arg, ...) __attribute__((sentinel));
/* `pmtree ARG...`, no -S, with ENV applied. */
int	ctl_env(const char *const *env, const char *arg, ...)
	    __attribute__((sentinel));

/* `pmtree -S <ctl_sock()> ARG...` in the background. */
void	ctl_bg(struct ctlrun *, const char *arg, ...)
	    __attribute__((sentinel));
bool	ctl_bg_done(struct ctlrun *);
/* Its exit code, or -1 if still running after DEADLINE ms. */
int	ctl_bg_wait(struct ctlrun *, uint64_t deadline_ms);

/* A raw connection to the control socket, with a read buffer. */
struct ctlconn {
	int	 fd;
	char	*buf;
	size_t	 len;
	size_t	 cap;
};

/* Connects to PATH (ctl_sock() if NULL); aborts the test on failure. */
void	ctl_open(struct ctlconn *, const char *path);
void	ctl_close(struct ctlconn *);
/* Writes all of S (LEN bytes); false if the peer is gone. */
bool	ctl_send(struct ctlconn *, const char *s, size_t len);
/*
 * The next line (without its newline; the caller frees it), or NULL on
 * end of file, error, or nothing within TIMEOUT_MS.
 */
char	*ctl_readline(struct ctlconn *, int timeout_ms);
/* True if the peer closes (EOF or reset) within TIMEOUT_MS without data. */
bool	ctl_wait_closed(struct ctlconn *, int timeout_ms);

/* One request on a fresh connection; the reply object (caller decrefs). */
json_t	*ctl_call(const char *request_line);
/* The `status` object of a fresh `status` request (caller decrefs). */
json_t	*ctl_status(void);

/* The node of STATUS's tree whose "path" is PATH (borrowed), or NULL. */
json_t	*ctl_node(json_t *status, const char *path);
/* Fresh status: PATH's state ("" if absent), pid (0 if null), restarts. */
const char *ctl_state_of(const char *path);
pid_t	 ctl_pid_of(const char *path);
int	 ctl_restarts_of(const char *path);
/*
 * The starts file (harness.h) by status path: how many starts PATH has,
 * and the pid of its last.  "api/web:1" matches a record named so, or one
 * named "api/web" with instance 1.
 */
int	 ctl_starts_of(const char *path);
pid_t	 ctl_start_pid(const char *path);
/* True if PATH is running with a pid other than OLD, alive. */
bool	 ctl_running_anew(const char *path, pid_t old);
/* True if PATH is in state STATE. */
bool	 ctl_is(const char *path, const char *state);
/* PATH's "ready" (it must be in status). */
bool	 ctl_is_ready(const char *path);
/* True once the control socket accepts a connection. */
bool	 ctl_up(void);
/* Starts the tree, waiting for its control socket only (it may never be up). */
void	 ctl_start_tree(void);

#endif
