/*
 * env_file: a worker's variables read from files of "KEY=VALUE" lines,
 * with the quoting of a shell but no expansion (doc/config.md, `env_file`).
 * The parser is pure: bytes in, strings or a message with a line out.
 * The files are read at every start of the worker, by its supervisor,
 * before the spawn.
 */
#ifndef PMTREE_ENVFILE_H
#define PMTREE_ENVFILE_H

#include <stddef.h>

/* Longer lines (not counting the line end) are an error. */
#define ENVFILE_MAX_LINE	(64 * 1024)
/* So are larger files: CFG_MAX_FILESIZE, the YAML file's limit. */
#define ENVFILE_MAX_SIZE	(1024 * 1024)

/* What was read: "KEY=VALUE" strings in file order, a name maybe twice. */
struct envfile {
	char	**v;		/* NULL-terminated once anything is in */
	size_t	  n;
	size_t	  cap;
};

/* Why a file was refused. */
struct envfile_err {
	unsigned	line;		/* 1-based; 0: the file as a whole */
	char		msg[256];
};

void		 envfile_init(struct envfile *);
void		 envfile_free(struct envfile *);
/*
 * Appends the variables of the LEN bytes at BUF (any bytes, not
 * NUL-terminated).  Returns 0, or -1 with *ERR said and the set as it was
 * before the call.
 */
int		 envfile_parse(struct envfile *, const char *buf, size_t len,
		    struct envfile_err *err);
/*
 * The same for the regular file PATH, opened without blocking (a FIFO is
 * refused, never waited on) and read whole: at most ENVFILE_MAX_SIZE bytes.
 */
int		 envfile_read(struct envfile *, const char *path,
		    struct envfile_err *err);
/*
 * What a start says of a file refused: "env_file .env:3: <the reason>",
 * or without the line for the file as a whole; SHOWN is the path as
 * written.  snprintf's contract.
 */
int		 envfile_why(char *buf, size_t len, const char *shown,
		    const struct envfile_err *err);
/* The value the set gives NAME (its last entry), or NULL. */
const char	*envfile_get(const struct envfile *, const char *name);

#endif
