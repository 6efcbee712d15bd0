/*
 * Internals of the config loader, shared by its files and no one else:
 * the loading context, typed readers of YAML values that report their own
 * errors, and the worker and group builders.
 */
#ifndef PMTREE_CFGINT_H
#define PMTREE_CFGINT_H

#include <stdbool.h>
#include <stdio.h>
#include <yaml.h>

#include "config.h"

/* More visited nodes than this means an alias bomb (or abuse). */
#define CFG_MAX_VISITS	1000000
/* After this many errors the rest of the file is not worth reading. */
#define CFG_MAX_ERRORS	1000

struct load {
	struct diag	 *diag;
	size_t		  nerr0;	/* diag->n before the load */
	yaml_document_t	 *doc;
	struct cfg_tree	 *tree;
	size_t		  cap_nodes;
	size_t		  visits;
	bool		  stop;		/* gave up: too many nodes/errors */
	bool		  too_many_workers;
};

/* One key: value of a mapping, `<<` merges already applied. */
struct pair {
	const char	*key;
	yaml_node_t	*knode;
	yaml_node_t	*vnode;
};

/*
 * The keys a mapping accepts, for unknown-key errors and suggestions: a
 * list, then the worker keys whose `where` has a bit of the mask.
 */
struct keyset {
	const char *const *keys;	/* NULL-terminated, or NULL */
	unsigned	   kmask;
	const char *const *other;	/* keys that belong elsewhere */
	unsigned	   omask;
	const char	  *hint;	/* said of those */
};

/* Where a worker key may be written (struct cfgkey's where). */
#define CFGK_WORKER	0x1	/* in a worker */
#define CFGK_DEFAULTS	0x2	/* in `defaults` */
#define CFGK_OWN	0x4	/* a worker's own: refused in `defaults` */

/* How a field of struct cfg_worker is set up, copied, freed, compared. */
enum cfgftype {
	CFGF_END,	/* ends a key's fields */
	CFGF_SCALAR,	/* a number, a boolean, an enum: copied as is */
	CFGF_STR,	/* a string or NULL */
	CFGF_DIR,	/* a string, at first the file's folder */
	CFGF_STRV,	/* NULL-terminated strings, at first none */
	CFGF_ARRAY,	/* SIZE-byte elements */
};

struct cfgfield {
	enum cfgftype	 type;
	size_t		 off;		/* in struct cfg_worker */
	size_t		 size;		/* of a scalar or of an element */
	size_t		 noff;		/* of a list's count (a size_t) */
	bool		 same;		/* compared for reload */
	int64_t		 def;		/* a scalar's built-in value */
	const void	*defv;		/* an array's built-in elements, */
	size_t		 ndef;		/* and how many */
};

/* One more than `ready` has, so that every key's fields end in CFGF_END. */
#define CFGK_MAXFIELDS	7

struct cfgkey;
typedef void	(*cfgkey_parse)(struct load *, const struct cfgkey *,
		    struct cfg_worker *, yaml_node_t *);
typedef void	(*cfgkey_print)(FILE *, const struct cfgkey *,
		    const struct cfg_worker *);

/*
 * One worker key: where it may be written, how its value is read, the
 * fields it sets (which say how it is inherited, freed and compared), and
 * how `pmtree check` shows it.
 */
struct cfgkey {
	const char		*name;
	unsigned		 where;		/* CFGK_* */
	cfgkey_parse		 parse;		/* NULL: `name`, the node's */
	cfgkey_print		 print;		/* NULL: not printed */
	const char *const	*words;		/* enum, signal; duration */
	const uint64_t		*values;	/* a duration's words' */
	uint64_t		 min, max;	/* uint, uints; size: min */
	const char		*example;	/* not the default: test_keys */
	unsigned		 tmpl;		/* CFG_TMPL_*: takes placeholders */
	struct cfgfield		 f[CFGK_MAXFIELDS];
};

/* cfgdoc.c */
int		 cfgdoc_load(const char *, size_t, yaml_document_t *,
		    struct diag *);

/*
 * cfgval.c.  A mapping or list left empty (`env:` with nothing after it)
 * is YAML's null; the loader takes it as an empty mapping or list.
 */
void		 cfgval_error(struct load *, const yaml_node_t *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
void		 cfgval_error_at(struct load *, struct diag_pos,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
bool		 cfgval_visit(struct load *, const yaml_node_t *);
size_t		 cfgval_nerrors(const struct load *);
yaml_node_t	*cfgval_item(struct load *, const yaml_node_t *, size_t);
const char	*cfgval_got(const yaml_node_t *, char *, size_t);
bool		 cfgval_in_list(const char *const *, const char *);
bool		 cfgval_is_list(struct load *, yaml_node_t *, const char *);
bool		 cfgval_is_null(const yaml_node_t *);
int		 cfgval_str(struct load *, yaml_node_t *, const char *,
		    const char **);
int		 cfgval_text_of(struct load *, yaml_node_t *, const char *,
		    const char **);
int		 cfgval_uint(struct load *, yaml_node_t *, const char *,
		    uint64_t, uint64_t, uint64_t *);
int		 cfgval_bool(struct load *, yaml_node_t *, const char *,
		    bool *);
int		 cfgval_echo(struct load *, yaml_node_t *, enum cfg_echo *);
int		 cfgval_duration(struct load *, yaml_node_t *, const char *,
		    uint64_t *);
int		 cfgval_size(struct load *, yaml_node_t *, const char *,
		    uint64_t *);
int		 cfgval_enum(struct load *, yaml_node_t *, const char *,
		    const char *const *, int *);
int		 cfgval_path(struct load *, yaml_node_t *, const char *,
		    char **);
int		 cfgval_hostport(struct load *, yaml_node_t *, const char *,
		    char **, char **);
/* The same with placeholders: the port may also be {{port}}. */
int		 cfgval_hostport_tmpl(struct load *, yaml_node_t *,
		    const char *, char **, char **);
struct diag_pos	 cfgval_pos(const yaml_node_t *);
const char	*cfgval_text(const yaml_node_t *);
char		*cfgval_strdup(const char *);
void		*cfgval_reallocarray(void *, size_t, size_t);
void		*cfgval_memdup(const void *, size_t, size_t);

/* cfgmap.c */
int		 cfgval_pairs(struct load *, yaml_node_t *, const char *,
		    struct pair **, size_t *);
size_t		 cfgval_keys(struct load *, struct pair *, size_t,
		    const struct keyset *);
struct pair	*cfgval_find(struct pair *, size_t, const char *);

/* cfgval.c: "a, b or c" in BUF; a list, or a scalar as a list of one. */
const char	*cfgval_join(const char *const *, char *, size_t);
size_t		 cfgval_list_len(const yaml_node_t *);
yaml_node_t	*cfgval_list_item(struct load *, yaml_node_t *, size_t);

/* cfgkey.c */
extern const struct cfgkey cfgkeys[];
extern const size_t	 cfgnkeys;
extern const char *const cfgkey_restart_names[];
const struct cfgkey	*cfgkey_find(const char *, unsigned);
void			*cfgkey_field(struct cfg_worker *,
			    const struct cfgfield *);
size_t			*cfgkey_count(struct cfg_worker *,
			    const struct cfgfield *);
void			 cfgkey_put(void *, size_t, uint64_t);
uint64_t		 cfgkey_get(const struct cfg_worker *,
			    const struct cfgfield *);
void			 cfgkey_set(struct cfg_worker *,
			    const struct cfgfield *, uint64_t);
void			 cfgworker_builtin(struct cfg_worker *, const char *);
void			 cfgworker_copy(struct cfg_worker *,
			    const struct cfg_worker *);
void			 cfgworker_clear(struct cfg_worker *);

/* cfgkind.c: the generic kinds of worker keys. */
void	cfgkind_uint(struct load *, const struct cfgkey *,
	    struct cfg_worker *, yaml_node_t *);
void	cfgkind_uints(struct load *, const struct cfgkey *,
	    struct cfg_worker *, yaml_node_t *);
void	cfgkind_enum(struct load *, const struct cfgkey *,
	    struct cfg_worker *, yaml_node_t *);
void	cfgkind_duration(struct load *, const struct cfgkey *,
	    struct cfg_worker *, yaml_node_t *);
void	cfgkind_size(struct load *, const struct cfgkey *,
	    struct cfg_worker *, yaml_node_t *);
void	cfgkind_signal(struct load *, const struct cfgkey *,
	    struct cfg_worker *, yaml_node_t *);
void	cfgkind_map(struct load *, const struct cfgkey *,
	    struct cfg_worker *, yaml_node_t *);

/* cfgworker.c: the keys with a parser of their own. */
void		 cfgworker_cmd(struct load *, const struct cfgkey *,
		    struct cfg_worker *, yaml_node_t *);
void		 cfgworker_stop_command(struct load *, const struct cfgkey *,
		    struct cfg_worker *, yaml_node_t *);
void		 cfgworker_cwd(struct load *, const struct cfgkey *,
		    struct cfg_worker *, yaml_node_t *);
void		 cfgworker_env_file(struct load *, const struct cfgkey *,
		    struct cfg_worker *, yaml_node_t *);
void		 cfgworker_backoff(struct load *, const struct cfgkey *,
		    struct cfg_worker *, yaml_node_t *);
void		 cfgworker_ready(struct load *, const struct cfgkey *,
		    struct cfg_worker *, yaml_node_t *);
void		 cfgworker_log(struct load *, const struct cfgkey *,
		    struct cfg_worker *, yaml_node_t *);
void		 cfgworker_user(struct load *, const struct cfgkey *,
		    struct cfg_worker *, yaml_node_t *);
void		 cfgworker_group(struct load *, const struct cfgkey *,
		    struct cfg_worker *, yaml_node_t *);
void		 cfgworker_apply(struct load *, struct cfg_worker *,
		    struct pair *, size_t);
void		 cfgworker_finish(struct load *, struct cfg_worker *,
		    yaml_node_t *, struct pair *, size_t);

/*
 * cfgtmpl.c: placeholders (tmpl.h) in the values of the keys that take
 * them.  cfgtmpl_check reports a bad one at its place in N (the scalar S
 * was read from, or what holds it) and returns false; cfgtmpl_finish
 * checks what the merged worker alone can tell: {{port}} without a
 * `port`, a last instance's port above CFG_MAX_PORT.
 */
bool	cfgtmpl_check(struct load *, const yaml_node_t *, const char *s,
	    const char *key);
void	cfgtmpl_finish(struct load *, const struct cfg_worker *,
	    yaml_node_t *, struct pair *, size_t);

/* print.c: how `pmtree check` shows the keys it shows. */
void	cfgprint_cmd(FILE *, const struct cfgkey *, const struct cfg_worker *);
void	cfgprint_stop_command(FILE *, const struct cfgkey *,
	    const struct cfg_worker *);
void	cfgprint_count(FILE *, const struct cfgkey *,
	    const struct cfg_worker *);
void	cfgprint_enum(FILE *, const struct cfgkey *, const struct cfg_worker *);
void	cfgprint_ready(FILE *, const struct cfgkey *,
	    const struct cfg_worker *);
void	cfgprint_port(FILE *, const struct cfgkey *,
	    const struct cfg_worker *);

/* cfggroup.c */
extern const char *const cfggroup_keys[];
bool		 cfggroup_name_ok(const char *);
struct cfg_node	*cfggroup_node(struct load *, enum cfg_kind, const char *,
		    struct cfg_node *, const yaml_node_t *);
void		 cfggroup_body(struct load *, struct cfg_node *, yaml_node_t *,
		    struct pair *, size_t, const struct cfg_worker *);

#endif
