/*
 * Per-instance placeholders (SPEC §7, "Per-instance values"): in a value
 * that takes them, {{instance}} is the instance's number (from 0),
 * {{port}} the worker's `port` plus that number, {{name}} the instance's
 * path as PMTREE_NAME gives it.  "{{" followed by anything else (another
 * word, blanks, nothing, no "}}") is an error; a "}}" alone is text.
 * Placeholders do not nest, and "{{" is read from the left: "{{{port}}}"
 * is an error, "{{port}}}" is the port and a "}".
 *
 * Pure: no YAML, no tree.  tmpl_check at load time, for errors and for
 * which placeholders a value uses; tmpl_expand at each start of an
 * instance, before the fork.
 */
#ifndef PMTREE_TMPL_H
#define PMTREE_TMPL_H

#include <stdbool.h>
#include <stddef.h>

/* The placeholders, as bits of what a value uses. */
#define TMPL_INSTANCE	0x1
#define TMPL_PORT	0x2
#define TMPL_NAME	0x4

/* The values of one instance. */
struct tmpl_vars {
	unsigned	 instance;	/* k, from 0 */
	unsigned	 port;		/* N+k; 0: the worker has no `port` */
	const char	*name;		/* "api/web" or "api/web:1" */
};

struct tmpl_error {
	size_t	at;		/* the offset in the value of the bad "{{" */
	char	msg[160];	/* "unknown placeholder \"{{prot}}\" (...)" */
};

/* True if S holds "{{": the only values that need a look. */
bool	 tmpl_has(const char *s);
/*
 * 0, with the TMPL_* bits of the placeholders S uses in *USES (0: none;
 * USES may be NULL), or -1 with what is wrong and where in *ERR.
 */
int	 tmpl_check(const char *s, unsigned *uses, struct tmpl_error *err);
/* The offset in S (checked) of its first placeholder WORD; -1 if none. */
int	 tmpl_find(const char *s, unsigned word, size_t *at);
/*
 * S with every placeholder replaced, allocated (free it with xfree).  What
 * is not a placeholder, and one without a value (port 0, name NULL), is
 * copied as it is: S should have passed tmpl_check.
 */
char	*tmpl_expand(const char *s, const struct tmpl_vars *);
/* The same for each string of the NULL-terminated V; tmpl_freev frees. */
char	**tmpl_expandv(char *const *v, const struct tmpl_vars *);
void	 tmpl_freev(char **);

#endif
