/*
 * Internals of the config loader, shared by its files and no one else:
 * the loading context, typed readers of YAML values that report their own
 * errors, and the worker and group builders.
 */
#ifndef PMTREE_CFGINT_H
#define PMTREE_CFGINT_H

#include <stdbool.h>
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

/* The keys a mapping accepts, for unknown-key errors and suggestions. */
struct keyset {
	const char *const *keys;	/* NULL-terminated */
	const char *const *other;	/* keys that belong elsewhere */
	const char	  *hint;	/* said of those */
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
bool		 cfgval_visit(struct load *, const yaml_node_t *);
size_t		 cfgval_nerrors(const struct load *);
yaml_node_t	*cfgval_item(struct load *, const yaml_node_t *, size_t);
int		 cfgval_pairs(struct load *, yaml_node_t *, const char *,
		    struct pair **, size_t *);
size_t		 cfgval_keys(struct load *, struct pair *, size_t,
		    const struct keyset *);
struct pair	*cfgval_find(struct pair *, size_t, const char *);
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
struct diag_pos	 cfgval_pos(const yaml_node_t *);
const char	*cfgval_text(const yaml_node_t *);
char		*cfgval_strdup(const char *);
void		*cfgval_reallocarray(void *, size_t, size_t);

/* cfgworker.c */
extern const char *const cfgworker_keys[];
void		 cfgworker_builtin(struct cfg_worker *, const char *);
void		 cfgworker_copy(struct cfg_worker *, const struct cfg_worker *);
void		 cfgworker_clear(struct cfg_worker *);
void		 cfgworker_apply(struct load *, struct cfg_worker *,
		    struct pair *, size_t);
void		 cfgworker_finish(struct load *, struct cfg_worker *,
		    yaml_node_t *, struct pair *, size_t);
void		 cfgworker_restart(struct load *, yaml_node_t *,
		    enum cfg_restart *);

/* cfggroup.c */
extern const char *const cfggroup_keys[];
bool		 cfggroup_name_ok(const char *);
struct cfg_node	*cfggroup_node(struct load *, enum cfg_kind, const char *,
		    struct cfg_node *, const yaml_node_t *);
void		 cfggroup_body(struct load *, struct cfg_node *, yaml_node_t *,
		    struct pair *, size_t, const struct cfg_worker *);

#endif
