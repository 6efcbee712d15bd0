/*
 * Groups and children: each child becomes a worker or a group node, in
 * preorder, with its settings merged over the `defaults` it inherits.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cfgint.h"

const char *const cfggroup_keys[] = {
	"name", "children", "strategy", "intensity", "period", "restart",
	"defaults", "start", "auto_shutdown", "after", "autostart",
	"significant", NULL,
};

static const char *const group_only_keys[] = {
	"children", "strategy", "intensity", "period", "defaults", "start",
	"auto_shutdown", NULL,
};

static const struct keyset group_keyset = {
	cfggroup_keys, 0, NULL, CFGK_WORKER,
	"a worker key: set it in \"defaults\""
};
static const struct keyset worker_keyset = {
	NULL, CFGK_WORKER, group_only_keys, 0, "only a group has it"
};
static const struct keyset defaults_keyset = {
	NULL, CFGK_DEFAULTS, NULL, CFGK_OWN, "not allowed in \"defaults\""
};

/* A child's name, remembered to find duplicates among siblings. */
struct sibling {
	const char	*name;
	yaml_node_t	*at;
	size_t		 order;
};

bool
cfggroup_name_ok(const char *s)
{
	if (!isalnum((unsigned char)*s) && *s != '_')
		return (false);
	for (s++; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && strchr("_.-", *s) == NULL)
			return (false);
	}
	return (true);
}

static void
children_add(struct cfg_group *g, struct cfg_node *n)
{
	/* Capacity doubles whenever the count reaches a power of two. */
	if ((g->nchildren & (g->nchildren - 1)) == 0)
		g->children = cfgval_reallocarray(g->children,
		    g->nchildren == 0 ? 1 : g->nchildren * 2,
		    sizeof(*g->children));
	g->children[g->nchildren++] = n;
}

struct cfg_node *
cfggroup_node(struct load *l, enum cfg_kind kind, const char *name,
    struct cfg_node *parent, const yaml_node_t *map)
{
	struct cfg_tree *t = l->tree;
	struct cfg_node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		abort();
	if (t->nnodes == l->cap_nodes) {
		l->cap_nodes = l->cap_nodes == 0 ? 64 : l->cap_nodes * 2;
		t->nodes = cfgval_reallocarray(t->nodes, l->cap_nodes,
		    sizeof(*t->nodes));
	}
	n->id = (unsigned)t->nnodes;
	t->nodes[t->nnodes++] = n;
	n->kind = kind;
	n->name = cfgval_strdup(name);
	n->parent = parent;
	n->pos = cfgval_pos(map);
	n->autostart = true;
	if (parent == NULL)
		n->path = cfgval_strdup("");
	else if (parent->parent == NULL)
		n->path = cfgval_strdup(name);
	else if (asprintf(&n->path, "%s/%s", parent->path, name) == -1)
		abort();
	if (parent != NULL) {
		n->depth = parent->depth + 1;
		children_add(&parent->group, n);
	}
	return (n);
}

/* Reads the `name` of a child; NULL when it is missing or bad. */
static const char *
child_name(struct load *l, struct cfg_node *parent, yaml_node_t *map,
    struct pair *np)
{
	const char *s;

	if (np == NULL) {
		cfgval_error(l, map, "a child needs a \"name\"");
		return (NULL);
	}
	if (cfgval_str(l, np->vnode, "name", &s) != 0)
		return (NULL);
	if (!cfggroup_name_ok(s)) {
		cfgval_error(l, np->vnode, "bad name \"%.40s\": use letters, "
		    "digits, \"_\", \".\" and \"-\", not starting with \".\" "
		    "or \"-\"", s);
		return (NULL);
	}
	if (parent->parent == NULL && strcmp(s, "pmtree") == 0) {
		cfgval_error(l, np->vnode, "the name \"pmtree\" is reserved "
		    "at the top level");
		return (NULL);
	}
	return (s);
}

static void
load_worker(struct load *l, struct cfg_node *parent, yaml_node_t *map,
    const char *name, struct pair *pv, size_t n, const struct cfg_worker *def)
{
	struct cfg_worker w;

	n = cfgval_keys(l, pv, n, &worker_keyset);
	cfgworker_copy(&w, def);
	cfgworker_apply(l, &w, pv, n);
	cfgworker_finish(l, &w, map, pv, n);
	/* Past the limit the tree is lost anyway: check, but build no more. */
	if (l->too_many_workers)
		cfgworker_clear(&w);
	else
		cfggroup_node(l, CFG_WORKER, name, parent, map)->worker = w;
}

/* A group's `restart`, spelled as a worker's; kept if bad. */
static void
group_restart(struct load *l, yaml_node_t *v, enum cfg_restart *out)
{
	int i;

	if (cfgval_enum(l, v, "restart", cfgkey_restart_names, &i) == 0)
		*out = (enum cfg_restart)i;
}

static void
load_group(struct load *l, struct cfg_node *parent, yaml_node_t *map,
    const char *name, struct pair *pv, size_t n, const struct cfg_worker *def)
{
	struct cfg_node *node;
	struct pair *p;

	if (parent->depth + 1 > CFG_MAX_DEPTH) {
		cfgval_error(l, map, "groups nest more than %d levels deep",
		    CFG_MAX_DEPTH);
		return;
	}
	n = cfgval_keys(l, pv, n, &group_keyset);
	node = cfggroup_node(l, CFG_GROUP, name, parent, map);
	cfggroup_body(l, node, map, pv, n, def);
	/* Not in cfggroup_body: the root has no parent to judge its exit. */
	if ((p = cfgval_find(pv, n, "restart")) != NULL)
		group_restart(l, p->vnode, &node->group.restart);
}

/* The earlier sibling named S among G's first N children, or -1. */
static int
earlier_sibling(const struct cfg_group *g, size_t n, const char *s)
{
	size_t k;

	for (k = 0; k < n; k++) {
		if (strcmp(g->children[k]->name, s) == 0)
			return ((int)k);
	}
	return (-1);
}

/* `after`: names of siblings written before; kept in file order. */
static void
child_after(struct load *l, struct cfg_node *c, yaml_node_t *v)
{
	const struct cfg_group *g = &c->parent->group;
	size_t i, n = cfgval_list_len(v);
	yaml_node_t *item;
	const char *s;
	int k;

	if (v->type == YAML_MAPPING_NODE) {
		cfgval_error(l, v, "after: expected a list of sibling names");
		return;
	}
	c->has_after = true;
	c->after = cfgval_reallocarray(NULL, n ? n : 1, sizeof(*c->after));
	for (i = 0; i < n; i++) {
		if ((item = cfgval_list_item(l, v, i)) == NULL ||
		    cfgval_str(l, item, "after", &s) != 0)
			continue;
		if ((k = earlier_sibling(g, g->nchildren - 1, s)) < 0) {
			cfgval_error(l, item, "after: no earlier sibling named "
			    "\"%.40s\"", s);
			continue;
		}
		c->after[c->nafter++] = (unsigned)k;
	}
}

/* What a significant child ends must be able to end: not a permanent one. */
static void
child_significant(struct load *l, struct cfg_node *c, yaml_node_t *v)
{
	bool b;

	if (cfgval_bool(l, v, "significant", &b) != 0 || !b)
		return;
	if (config_restart(c) == CFG_PERMANENT) {
		cfgval_error(l, v, "significant needs restart: transient or "
		    "temporary (a permanent child never ends for good)");
		return;
	}
	c->significant = true;
}

/* The keys of a child's place among its siblings, worker or group. */
static void
child_keys(struct load *l, struct cfg_node *c, struct pair *pv, size_t n)
{
	struct pair *p;
	bool b;

	if ((p = cfgval_find(pv, n, "after")) != NULL)
		child_after(l, c, p->vnode);
	if ((p = cfgval_find(pv, n, "autostart")) != NULL &&
	    cfgval_bool(l, p->vnode, "autostart", &b) == 0)
		c->autostart = b;
	if ((p = cfgval_find(pv, n, "significant")) != NULL)
		child_significant(l, c, p->vnode);
}

/* One item of `children`: a worker (`cmd`) or a group (`children`). */
static void
load_child(struct load *l, struct cfg_node *parent, yaml_node_t *map,
    const struct cfg_worker *def, struct sibling *sib)
{
	struct pair *pv, *np, *cmd, *kids;
	const char *name;
	size_t n, had = parent->group.nchildren;

	if (cfgval_pairs(l, map, "child", &pv, &n) != 0)
		return;
	np = cfgval_find(pv, n, "name");
	name = child_name(l, parent, map, np);
	if (name != NULL) {
		sib->name = name;
		sib->at = np->vnode;
	}
	cmd = cfgval_find(pv, n, "cmd");
	kids = cfgval_find(pv, n, "children");
	if (cmd != NULL && kids != NULL)
		cfgval_error(l, (cmd->knode->start_mark.index >
		    kids->knode->start_mark.index ? cmd : kids)->knode,
		    "a child cannot have both \"cmd\" (a worker) and "
		    "\"children\" (a group)");
	else if (cmd == NULL && kids == NULL)
		cfgval_error(l, map, "a child needs \"cmd\" (a worker) or "
		    "\"children\" (a group)");
	else if (cmd != NULL)
		load_worker(l, parent, map, name ? name : "", pv, n, def);
	else
		load_group(l, parent, map, name ? name : "", pv, n, def);
	if (parent->group.nchildren > had)
		child_keys(l, parent->group.children[had], pv, n);
	free(pv);
}

static int
sibling_cmp(const void *a, const void *b)
{
	const struct sibling *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return (c);
	return (x->order < y->order ? -1 : x->order > y->order);
}

/* Sorted, so that 10,000 siblings cost n log n; errors at the later ones. */
static void
check_duplicates(struct load *l, struct sibling *s, size_t n)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		if (s[i].name != NULL)
			s[m++] = s[i];
	}
	qsort(s, m, sizeof(*s), sibling_cmp);
	for (i = 1; i < m; i++) {
		if (strcmp(s[i].name, s[i - 1].name) == 0)
			cfgval_error(l, s[i].at, "duplicate name \"%s\" (names "
			    "are unique among siblings)", s[i].name);
	}
}

static void
load_children(struct load *l, struct cfg_node *g, yaml_node_t *list,
    const struct cfg_worker *def)
{
	struct sibling *sibs;
	size_t i, n;

	if (cfgval_is_null(list) || !cfgval_is_list(l, list, "children"))
		return;
	n = (size_t)(list->data.sequence.items.top -
	    list->data.sequence.items.start);
	sibs = cfgval_reallocarray(NULL, n, sizeof(*sibs));
	for (i = 0; i < n && cfgval_visit(l, list); i++) {
		sibs[i].name = NULL;
		sibs[i].order = i;
		load_child(l, g, cfgval_item(l, list, i), def, &sibs[i]);
	}
	check_duplicates(l, sibs, i);
	free(sibs);
}

/* The group's own `defaults`, merged over what it inherited. */
static void
load_defaults(struct load *l, struct cfg_worker *def, yaml_node_t *map)
{
	struct pair *pv;
	size_t n;

	if (cfgval_is_null(map) ||
	    cfgval_pairs(l, map, "defaults", &pv, &n) != 0)
		return;
	n = cfgval_keys(l, pv, n, &defaults_keyset);
	cfgworker_apply(l, def, pv, n);
	free(pv);
}

static void
group_key(struct load *l, struct cfg_group *g, struct pair *p)
{
	static const char *const strategies[] = {
		"one_for_one", "one_for_all", "rest_for_one", NULL,
	};
	static const char *const starts[] = { "sequential", "parallel", NULL };
	static const char *const ends[] = {
		"never", "any_significant", "all_significant", NULL,
	};
	uint64_t v;
	int i;

	if (strcmp(p->key, "strategy") == 0) {
		if (cfgval_enum(l, p->vnode, "strategy", strategies, &i) == 0)
			g->strategy = (enum cfg_strategy)i;
	} else if (strcmp(p->key, "intensity") == 0) {
		if (cfgval_uint(l, p->vnode, "intensity", 0, UINT32_MAX,
		    &v) == 0)
			g->intensity = (unsigned)v;
	} else if (strcmp(p->key, "start") == 0) {
		if (cfgval_enum(l, p->vnode, "start", starts, &i) == 0)
			g->parallel = i == 1;
	} else if (strcmp(p->key, "auto_shutdown") == 0) {
		if (cfgval_enum(l, p->vnode, "auto_shutdown", ends, &i) == 0)
			g->auto_shutdown = (enum cfg_auto_shutdown)i;
	} else if (strcmp(p->key, "period") == 0) {
		if (cfgval_duration(l, p->vnode, "period", &v) != 0)
			return;
		if (v == 0)
			cfgval_error(l, p->vnode, "period must be longer "
			    "than 0");
		else
			g->period_ms = v;
	}
}

/*
 * The keys every group (the root too) has.  `defaults` is applied before
 * any child is read, wherever it is written in the mapping.
 */
void
cfggroup_body(struct load *l, struct cfg_node *node, yaml_node_t *map,
    struct pair *pv, size_t n, const struct cfg_worker *inherited)
{
	struct cfg_worker def;
	struct pair *p;
	size_t i;

	node->group.strategy = CFG_ONE_FOR_ONE;
	node->group.intensity = 3;
	node->group.period_ms = 5000;
	node->group.restart = CFG_PERMANENT;
	for (i = 0; i < n; i++)
		group_key(l, &node->group, &pv[i]);
	cfgworker_copy(&def, inherited);
	if ((p = cfgval_find(pv, n, "defaults")) != NULL)
		load_defaults(l, &def, p->vnode);
	if ((p = cfgval_find(pv, n, "children")) != NULL)
		load_children(l, node, p->vnode, &def);
	else
		cfgval_error(l, map, "missing \"children\" (the list of "
		    "workers and groups)");
	cfgworker_clear(&def);
}
