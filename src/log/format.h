/*
 * How a record is written (SPEC §4): the text and JSON forms of a log
 * file, and the "<path> | <line>" echo on stdout.  Pure, apart from the
 * time stamp's own cache.
 */
#ifndef PMTREE_FORMAT_H
#define PMTREE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define FORMAT_STAMP_LEN 27	/* 2026-11-22T10:17:25.123456Z */

/* A growable output buffer. */
struct obuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

void	obuf_reserve(struct obuf *, size_t more);
void	obuf_add(struct obuf *, const void *, size_t);
void	obuf_free(struct obuf *);

/* S (N bytes) as a JSON string, quotes included; bad UTF-8 as \ufffd. */
void	format_json_string(struct obuf *, const char *s, size_t n);
/* RFC 3339 UTC with microseconds; BUF holds FORMAT_STAMP_LEN + 1. */
void	format_stamp(char *buf, const struct timespec *);
void	format_text(struct obuf *, const char *stamp, const char *name,
	    const char *stream, const char *line, size_t len);
void	format_json(struct obuf *, const char *stamp, const char *name,
	    const char *stream, const char *line, size_t len);
/* COLOR is an SGR color number (31..36), or 0 for none. */
void	format_echo(struct obuf *, const char *name, int color,
	    const char *line, size_t len);
/* A stable color for a name, for a terminal. */
int	format_color(const char *name);

#endif
