/*
 * Diagnostics: every error found in a file, kept with its position so that
 * all of them can be printed as FILE:LINE:COL: message, and the warnings
 * of `pmtree check` among them as FILE:LINE:COL: warning: message.
 */
#ifndef PMTREE_DIAG_H
#define PMTREE_DIAG_H

#include <stddef.h>
#include <stdio.h>

/* 1-based line and column; 0:0 means "the file as a whole". */
struct diag_pos {
	unsigned line;
	unsigned col;
};

enum diag_kind { DIAG_ERROR, DIAG_WARNING };

struct diag_entry {
	struct diag_pos	 pos;
	enum diag_kind	 kind;
	char		*msg;
};

struct diag {
	char			*file;	/* the path as given */
	struct diag_entry	*v;
	size_t			 n;
	size_t			 cap;
};

void	diag_init(struct diag *, const char *file);
void	diag_free(struct diag *);
/* Control bytes in the message come out escaped (\n, \x1b): one a line. */
void	diag_add(struct diag *, struct diag_pos, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* The same for a warning: something that will fail although it is valid. */
void	diag_warn(struct diag *, struct diag_pos, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * Sorts by position and prints one "FILE:LINE:COL: message" a line, with
 * "warning: " before the message of a warning.
 */
void	diag_print(struct diag *, FILE *);

#endif
