/*
 * Supervisor events (started, exited, restarting in N ms, gave up): one
 * line each on pmtree's stderr and in <log.dir>/pmtree.log.
 */
#ifndef PMTREE_EVLOG_H
#define PMTREE_EVLOG_H

#include <stdbool.h>

/* Opens DIR/pmtree.log (creating DIR); -1 with errno on failure. */
int	evlog_open(const char *dir);
/* The fd, for a forked supervisor to keep; -1 if none. */
int	evlog_fd(void);
void	evlog_set_fd(int);
void	evlog_close(void);
/* WHO is a node path ("api/web:1"), or "pmtree" for the tree itself. */
void	evlog(const char *who, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
