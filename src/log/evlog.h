/*
 * Supervisor events (started, exited, restarting in N ms, gave up): one
 * line each on pmtree's stderr and in <log.dir>/pmtree.log, which every
 * process of the tree appends to and which rotates like any log file.
 */
#ifndef PMTREE_EVLOG_H
#define PMTREE_EVLOG_H

#include <stdint.h>

/* Opens DIR/pmtree.log (creating DIR); -1 with errno on failure. */
int	evlog_open(const char *dir, uint64_t max_size, unsigned keep);
/* The fd, for a forked process to keep; -1 if none. */
int	evlog_fd(void);
void	evlog_close(void);
/* Why the last evlog_open failed (ERR its errno). */
const char *evlog_strerror(int err);
/* WHO is a node path ("api/web:1"), or "pmtree" for the tree itself. */
void	evlog(const char *who, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
