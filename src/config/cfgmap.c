/*
 * Mappings as key/value pairs: merge keys (`<<`) applied, duplicate keys
 * reported, and unknown keys refused with a hint or a "did you mean".
 */
#include <stdlib.h>
#include <string.h>

#include "cfgint.h"

#define MAX_MERGE_LEVEL	8	/* `<<` inside merged mappings */

/* A pair on its way through cfgval_pairs. */
struct rawpair {
	struct pair	 p;
	size_t		 order;
	unsigned	 level;		/* 0: written in the mapping itself */
	bool		 drop;
};

struct rawvec {
	struct rawpair	*v;
	size_t		 n;
	size_t		 cap;
};

static void
raw_add(struct rawvec *rv, yaml_node_t *k, yaml_node_t *v, unsigned level)
{
	struct rawpair *r;

	if (rv->n == rv->cap) {
		rv->cap = rv->cap == 0 ? 16 : rv->cap * 2;
		rv->v = cfgval_reallocarray(rv->v, rv->cap, sizeof(*rv->v));
	}
	r = &rv->v[rv->n];
	r->p.key = (const char *)k->data.scalar.value;
	r->p.knode = k;
	r->p.vnode = v;
	r->order = rv->n++;
	r->level = level;
	r->drop = false;
}

static bool
is_merge_key(const yaml_node_t *k)
{
	return (k->type == YAML_SCALAR_NODE &&
	    k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    strcmp((const char *)k->data.scalar.value, "<<") == 0);
}

static void collect(struct load *, yaml_node_t *, unsigned, struct rawvec *);

/* `<<: map` or `<<: [map, map]`: earlier mappings win over later ones. */
static void
collect_merge(struct load *l, yaml_node_t *v, unsigned level,
    struct rawvec *rv)
{
	size_t i;

	if (level > MAX_MERGE_LEVEL) {
		cfgval_error(l, v, "<<: merges nest more than %d levels deep; "
		    "stopped reading", MAX_MERGE_LEVEL);
		l->stop = true;
		return;
	}
	if (v->type == YAML_MAPPING_NODE) {
		collect(l, v, level, rv);
		return;
	}
	if (v->type == YAML_SEQUENCE_NODE) {
		for (i = 0; i < cfgval_list_len(v) && cfgval_visit(l, v);
		    i++) {
			if (cfgval_item(l, v, i)->type == YAML_MAPPING_NODE)
				collect(l, cfgval_item(l, v, i), level, rv);
			else
				cfgval_error(l, cfgval_item(l, v, i),
				    "<<: expected a mapping");
		}
		return;
	}
	cfgval_error(l, v, "<<: expected a mapping or a list of mappings");
}

/*
 * Gathers the pairs of MAP: its own keys first, then those of its merge
 * keys, so that the first pair of a key is always the one that wins.
 */
static void
collect(struct load *l, yaml_node_t *map, unsigned level, struct rawvec *rv)
{
	yaml_node_pair_t *p;
	yaml_node_t *k, *v;

	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(l->doc, p->key);
		if (!cfgval_visit(l, k))
			return;
		if (is_merge_key(k))
			continue;
		v = yaml_document_get_node(l->doc, p->value);
		if (k->type != YAML_SCALAR_NODE)
			cfgval_error(l, k, "a key must be a plain string, "
			    "not a list or mapping");
		else
			raw_add(rv, k, v, level);
	}
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(l->doc, p->key);
		if (is_merge_key(k))
			collect_merge(l, yaml_document_get_node(l->doc,
			    p->value), level + 1, rv);
	}
}

static int
rawpair_cmp(const void *a, const void *b)
{
	const struct rawpair *x = *(const struct rawpair *const *)a;
	const struct rawpair *y = *(const struct rawpair *const *)b;
	int c;

	if ((c = strcmp(x->p.key, y->p.key)) != 0)
		return (c);
	return (x->order < y->order ? -1 : x->order > y->order);
}

/*
 * Marks every pair but the first of each key as dropped; a key written
 * twice in the mapping itself is an error at the second one.  Sorting keeps
 * this O(n log n) for big `env` maps.
 */
static void
drop_duplicates(struct load *l, struct rawvec *rv)
{
	struct rawpair **s, *first = NULL;
	size_t i;
	char buf[64];

	s = cfgval_reallocarray(NULL, rv->n, sizeof(*s));
	for (i = 0; i < rv->n; i++)
		s[i] = &rv->v[i];
	qsort(s, rv->n, sizeof(*s), rawpair_cmp);
	for (i = 0; i < rv->n; i++) {
		if (first == NULL || strcmp(first->p.key, s[i]->p.key) != 0) {
			first = s[i];
			continue;
		}
		s[i]->drop = true;
		if (s[i]->level == 0)
			cfgval_error(l, s[i]->p.knode, "duplicate key %s",
			    cfgval_got(s[i]->p.knode, buf, sizeof(buf)));
	}
	free(s);
}

int
cfgval_pairs(struct load *l, yaml_node_t *map, const char *what,
    struct pair **pv, size_t *np)
{
	struct rawvec rv = { NULL, 0, 0 };
	size_t i, n = 0;

	*pv = NULL;
	*np = 0;
	if (map->type != YAML_MAPPING_NODE) {
		cfgval_error(l, map, "%s: expected a mapping", what);
		return (-1);
	}
	collect(l, map, 0, &rv);
	drop_duplicates(l, &rv);
	*pv = cfgval_reallocarray(NULL, rv.n, sizeof(**pv));
	for (i = 0; i < rv.n; i++) {
		if (!rv.v[i].drop)
			(*pv)[n++] = rv.v[i].p;
	}
	*np = n;
	free(rv.v);
	return (0);
}

/* Damerau-Levenshtein distance (optimal string alignment), short strings. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, c, v;
	size_t d[33][33];

	if (la > 32 || lb > 32)
		return (SIZE_MAX);
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			c = a[i - 1] != b[j - 1];
			v = d[i - 1][j - 1] + c;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return (d[la][lb]);
}

/* In LIST or a worker key of MASK. */
static bool
in_set(const char *const *list, unsigned mask, const char *s)
{
	return (cfgval_in_list(list, s) || cfgkey_find(s, mask) != NULL);
}

static void
nearer(const char *key, const char *cand, const char **best, size_t *bestd)
{
	size_t d;

	if ((d = distance(key, cand)) < *bestd) {
		*bestd = d;
		*best = cand;
	}
}

static void
unknown_key(struct load *l, const struct pair *p, const struct keyset *ks)
{
	const char *const *k, *best = NULL;
	size_t i, bestd = 3;
	char buf[64];

	cfgval_got(p->knode, buf, sizeof(buf));
	if (in_set(ks->other, ks->omask, p->key)) {
		cfgval_error(l, p->knode, "unknown key %s (%s)", buf, ks->hint);
		return;
	}
	for (k = ks->keys; k != NULL && *k != NULL; k++)
		nearer(p->key, *k, &best, &bestd);
	for (i = 0; i < cfgnkeys; i++) {
		if ((cfgkeys[i].where & ks->kmask) != 0)
			nearer(p->key, cfgkeys[i].name, &best, &bestd);
	}
	if (best != NULL)
		cfgval_error(l, p->knode, "unknown key %s (did you mean "
		    "\"%s\"?)", buf, best);
	else
		cfgval_error(l, p->knode, "unknown key %s", buf);
}

/*
 * Keeps the known keys of PV.  Keys starting with "x-" are ignored, as in
 * docker compose: a place to put anchors for later aliases.
 */
size_t
cfgval_keys(struct load *l, struct pair *pv, size_t n, const struct keyset *ks)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		if (in_set(ks->keys, ks->kmask, pv[i].key))
			pv[m++] = pv[i];
		else if (strncmp(pv[i].key, "x-", 2) != 0)
			unknown_key(l, &pv[i], ks);
	}
	return (m);
}

struct pair *
cfgval_find(struct pair *pv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(pv[i].key, key) == 0)
			return (&pv[i]);
	}
	return (NULL);
}
