/*
 * One log file: appended to, rotated by size (web.log -> web.log.1 ...
 * web.log.KEEP), reopened on USR1.  Records are never split across files:
 * the caller asks logfile_fits before adding a record to a batch.
 *
 * Everything below the log folder is reached one component at a time
 * without following symbolic links, and only a regular file with one link
 * is written: whoever can write to the log folder cannot lead the root's
 * writes, creations, renames or removals anywhere else.
 */
#ifndef PMTREE_LOGFILE_H
#define PMTREE_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct logfile {
	char		*dir;		/* the log folder, as configured */
	char		*name;		/* below it: "api/web.log" */
	char		*path;		/* both, for messages */
	int		 fd;
	uint64_t	 size;
	uint64_t	 max_size;	/* 0: never rotate */
	unsigned	 keep;
	bool		 failing;	/* the last write failed (reported once) */
	const char	*refused;	/* why the last open refused the file */
};

/*
 * Creates DIR and the folders of NAME below it, and opens DIR/NAME; -1
 * with errno on failure.
 */
int	logfile_open(struct logfile *, const char *dir, const char *name,
	    uint64_t max_size, unsigned keep);
void	logfile_close(struct logfile *);
int	logfile_reopen(struct logfile *);
/* What made the last call fail: the refusal, else strerror(ERR). */
const char *logfile_strerror(const struct logfile *, int err);
/*
 * For a file other processes append to and rotate too: reopens it if its
 * path now names another file, and takes its size afresh.
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
