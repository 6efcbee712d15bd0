/*
 * One log file: appended to, rotated by size (web.log -> web.log.1 ...
 * web.log.KEEP), reopened on USR1.  Records are never split across files:
 * the caller asks logfile_fits before adding a record to a batch.
 */
#ifndef PMTREE_LOGFILE_H
#define PMTREE_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct logfile {
	char		*path;
	int		 fd;
	uint64_t	 size;
	uint64_t	 max_size;	/* 0: never rotate */
	unsigned	 keep;
	bool		 failing;	/* the last write failed (reported once) */
};

/* Creates the folders and opens PATH; -1 with errno on failure. */
int	logfile_open(struct logfile *, const char *path, uint64_t max_size,
	    unsigned keep);
void	logfile_close(struct logfile *);
int	logfile_reopen(struct logfile *);
/*
 * For a file other processes append to and rotate too: reopens it if PATH
 * now names another file, and takes its size afresh.
 */
int	logfile_sync(struct logfile *);
/* True if LEN more bytes fit before the next rotation (or the file is empty). */
bool	logfile_fits(const struct logfile *, size_t len);
/* Rotates now if LEN more bytes would take the file past max_size. */
int	logfile_make_room(struct logfile *, size_t len);
/*
 * Writes BUF whole, rotating first when it would not fit.  -1 with errno
 * on failure; what was not written is not counted in the size.
 */
int	logfile_write(struct logfile *, const void *buf, size_t len);

#endif
