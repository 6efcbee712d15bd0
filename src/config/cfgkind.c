/*
 * The generic kinds of worker keys: each reads a YAML value into the
 * fields its key's descriptor names, with the key's name in every error,
 * and leaves them as they were when the value is bad.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgint.h"
#include "tmpl.h"
#include "units.h"

/* A whole number from .min to .max. */
void
cfgkind_uint(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
{
	uint64_t n;

	if (cfgval_uint(l, v, k->name, k->min, k->max, &n) == 0)
		cfgkey_set(w, &k->f[0], n);
}

/* A list of them, or one taken as a list of one; bad items are left out. */
void
cfgkind_uints(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
{
	const struct cfgfield *f = &k->f[0];
	size_t i, n, *count = cfgkey_count(w, f);
	char **a = cfgkey_field(w, f);
	uint64_t c;

	if (v->type != YAML_SCALAR_NODE && !cfgval_is_list(l, v, k->name))
		return;
	n = cfgval_list_len(v);
	free(*a);
	*a = cfgval_reallocarray(NULL, n, f->size);
	*count = 0;
	for (i = 0; i < n && cfgval_visit(l, v); i++) {
		if (cfgval_uint(l, cfgval_list_item(l, v, i), k->name, k->min,
		    k->max, &c) == 0)
			cfgkey_put(*a + (*count)++ * f->size, f->size, c);
	}
}

/* One of .words, stored as its index. */
void
cfgkind_enum(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
{
	int i;

	if (cfgval_enum(l, v, k->name, k->words, &i) == 0)
		cfgkey_set(w, &k->f[0], (uint64_t)i);
}

/* One of .words (`infinity`, `off`): its value set; false if none. */
static bool
kind_word(const struct cfgkey *k, struct cfg_worker *w, yaml_node_t *v)
{
	const char *s = cfgval_text(v);
	size_t i;

	for (i = 0; k->words != NULL && k->words[i] != NULL; i++) {
		if (strcmp(s, k->words[i]) == 0) {
			cfgkey_set(w, &k->f[0], k->values[i]);
			return (true);
		}
	}
	return (false);
}

/* In milliseconds; .words, if any, name the .values beside durations. */
void
cfgkind_duration(struct load *l, const struct cfgkey *k,
    struct cfg_worker *w, yaml_node_t *v)
{
	uint64_t ms;

	if (kind_word(k, w, v))
		return;
	if (cfgval_duration(l, v, k->name, &ms) == 0)
		cfgkey_set(w, &k->f[0], ms);
}

/* A size (`80MB`), or one of .words. */
void
cfgkind_size(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
{
	uint64_t n;

	if (kind_word(k, w, v))
		return;
	if (cfgval_size(l, v, k->name, &n) != 0)
		return;
	if (n < (uint64_t)k->min)
		cfgval_error(l, v, "%s must be at least %llu bytes", k->name,
		    (unsigned long long)k->min);
	else
		cfgkey_set(w, &k->f[0], n);
}

/* A signal written as units_signal reads it, one of .words. */
void
cfgkind_signal(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
{
	const char *s;
	char err[128], list[128];
	size_t i;
	int sig, ok;

	if (cfgval_str(l, v, k->name, &s) != 0)
		return;
	if (units_signal(s, &sig, err, sizeof(err)) != 0) {
		cfgval_error(l, v, "%s \"%.40s\": %s", k->name, s, err);
		return;
	}
	for (i = 0; k->words[i] != NULL; i++) {
		if (units_signal(k->words[i], &ok, err, sizeof(err)) == 0 &&
		    ok == sig) {
			cfgkey_set(w, &k->f[0], (uint64_t)sig);
			return;
		}
	}
	cfgval_error(l, v, "%s must be %s (got \"%.40s\")", k->name,
	    cfgval_join(k->words, list, sizeof(list)), s);
}

/* Compares "KEY=..." entries (and the pair keys) on the name only. */
static int
entry_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strcspn(x, "="), ly = strcspn(y, "=");
	int c;

	if ((c = memcmp(x, y, lx < ly ? lx : ly)) != 0)
		return (c);
	return (lx < ly ? -1 : lx > ly);
}

static char *
entry_new(const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val);
	char *e;

	e = cfgval_reallocarray(NULL, kl + vl + 2, 1);
	memcpy(e, key, kl);
	e[kl] = '=';
	memcpy(e + kl + 1, val, vl + 1);
	return (e);
}

/*
 * The new "KEY=VALUE" list: inherited entries not overridden, then the
 * pairs of this mapping.
 */
static void
entries_merge(char ***vp, size_t *np, const char **keys, const char **vals,
    size_t n)
{
	const char **sorted;
	char **v;
	size_t i, m = 0;

	sorted = cfgval_memdup(keys, n, sizeof(*keys));
	qsort(sorted, n, sizeof(*sorted), entry_cmp);
	v = cfgval_reallocarray(NULL, *np + n + 1, sizeof(*v));
	for (i = 0; i < *np; i++) {
		if (bsearch(&(*vp)[i], sorted, n, sizeof(*sorted),
		    entry_cmp) == NULL)
			v[m++] = (*vp)[i];
		else
			free((*vp)[i]);
	}
	for (i = 0; i < n; i++)
		v[m++] = entry_new(keys[i], vals[i]);
	v[m] = NULL;
	free(sorted);
	free(*vp);
	*vp = v;
	*np = m;
}

/* The key's bit of w->tmpl: does any value of the merged map hold "{{"? */
static void
entries_tmpl(struct cfg_worker *w, const struct cfgkey *k)
{
	char **v = *(char ***)cfgkey_field(w, &k->f[0]);
	size_t i, n = *cfgkey_count(w, &k->f[0]);

	w->tmpl &= ~k->tmpl;
	for (i = 0; i < n; i++) {
		if (tmpl_has(strchr(v[i], '=') + 1)) {
			w->tmpl |= k->tmpl;
			return;
		}
	}
}

/*
 * A mapping of scalars, as "KEY=VALUE" strings (`env`).  Unlike any other
 * kind it merges over what was inherited, key by key: the nearest wins.
 * With .tmpl, the values (not the names) take placeholders.
 */
void
cfgkind_map(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
{
	const char **keys, **vals;
	struct pair *pv;
	size_t n, i, m = 0;
	char what[96];

	if (cfgval_is_null(v) || cfgval_pairs(l, v, k->name, &pv, &n) != 0)
		return;
	keys = cfgval_reallocarray(NULL, n, sizeof(*keys));
	vals = cfgval_reallocarray(NULL, n, sizeof(*vals));
	for (i = 0; i < n; i++) {
		if (*pv[i].key == '\0' || strchr(pv[i].key, '=') != NULL) {
			cfgval_error(l, pv[i].knode, "%s: bad variable name "
			    "\"%.40s\" (empty or with \"=\")", k->name,
			    pv[i].key);
			continue;
		}
		snprintf(what, sizeof(what), "%s.%.64s", k->name, pv[i].key);
		if (cfgval_text_of(l, pv[i].vnode, what, &vals[m]) != 0 ||
		    (k->tmpl != 0 && !cfgtmpl_check(l, pv[i].vnode, vals[m],
		    what)))
			continue;
		keys[m++] = pv[i].key;
	}
	entries_merge(cfgkey_field(w, &k->f[0]), cfgkey_count(w, &k->f[0]),
	    keys, vals, m);
	if (k->tmpl != 0)
		entries_tmpl(w, k);
	free(keys);
	free(vals);
	free(pv);
}
