/*
 * The sd_notify protocol (systemd's Type=notify): datagrams of
 * newline-separated KEY=VALUE lines on $NOTIFY_SOCKET.  Each supervisor has
 * one socket for its workers; a datagram counts only if the kernel says
 * (SO_PASSCRED) it comes from one of the supervisor's own workers.
 */
#ifndef PMTREE_NOTIFY_H
#define PMTREE_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NOTIFY_MAX_METRICS	32
#define NOTIFY_NAME_MAX		64
#define NOTIFY_DGRAM_MAX	4096	/* as systemd: PIPE_BUF */

struct notify_metric {
	char	name[NOTIFY_NAME_MAX];
	double	value;
};

struct notify_msg {
	bool			ready;		/* READY=1 */
	bool			reloading;	/* RELOADING=1 */
	bool			stopping;	/* STOPPING=1 */
	bool			watchdog;	/* WATCHDOG=1 */
	const char		*status;	/* STATUS=, in the buffer, or NULL */
	size_t			 status_len;
	struct notify_metric	 metrics[NOTIFY_MAX_METRICS];	/* X_METRIC_ */
	size_t			 nmetrics;
};

/*
 * Reads the lines of BUF (LEN bytes; not NUL-terminated).  Unknown keys
 * are ignored, as systemd does; a metric whose name or value is not
 * well-formed is ignored too.  Pure.
 */
void	notify_parse(const char *buf, size_t len, struct notify_msg *);

/* The socket's address as $NOTIFY_SOCKET gives it ("@pmtree-notify-PID"). */
void	notify_name(char *buf, size_t len, pid_t owner);
/*
 * Binds this process's socket (abstract, SO_PASSCRED); -1 with errno.  The
 * first call also maps the tree's drop count, which forks inherit.
 */
int	notify_open(void);
/*
 * Counts a datagram dropped: not from a worker of the supervisor, or
 * without credentials, or truncated.  One count for the whole tree.
 */
void	notify_drop(void);
/* The datagrams every supervisor of the tree dropped since it started. */
uint64_t notify_dropped_total(void);
/*
 * Receives one datagram into BUF (NOTIFY_DGRAM_MAX bytes); its sender's pid
 * in *PID.  Returns its length, 0 for one to drop (no credentials,
 * truncated), -1 when there is none left (EAGAIN) or on error.
 */
ssize_t	notify_recv(int fd, char *buf, pid_t *pid);

#endif
