/*
 * Line framing, pure: where the records are in bytes peeked from a pipe.
 * A record is a line without its newline, at most FRAME_MAX bytes (a
 * longer line becomes several records); an unterminated tail is left in
 * the pipe until its newline comes, or it is full-sized, or the pipe ends.
 */
#ifndef PMTREE_FRAME_H
#define PMTREE_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#define FRAME_MAX (16 * 1024)

struct frame_rec {
	size_t	off;	/* in the buffer */
	size_t	len;	/* without the newline */
};

/*
 * Cuts up to MAXRECS records from BUF.  EOF: the writer is gone, so the
 * tail is a record too.  Returns the number of records; *USED is how many
 * bytes they cover (newlines included), which is what may be consumed.
 */
size_t	frame_cut(const char *buf, size_t len, bool eof, struct frame_rec *recs,
	    size_t maxrecs, size_t *used);

#endif
