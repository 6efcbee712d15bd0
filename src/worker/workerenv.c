#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workerenv.h"
#include "xmalloc.h"

extern char **environ;

/* Length of the name part of "NAME=VALUE". */
static size_t
env_keylen(const char *s)
{
	const char *eq = strchr(s, '=');

	return (eq != NULL ? (size_t)(eq - s) : strlen(s));
}

static int
env_find(const struct workerenv *e, const char *key, size_t klen)
{
	size_t k;

	for (k = 0; k < e->n; k++) {
		if (env_keylen(e->envp[k]) == klen &&
		    strncmp(e->envp[k], key, klen) == 0)
			return ((int)k);
	}
	return (-1);
}

/* Adds S (not copied), replacing an entry of the same name. */
static void
env_put(struct workerenv *e, char *s)
{
	int k = env_find(e, s, env_keylen(s));

	if (k >= 0) {
		e->envp[k] = s;
		return;
	}
	e->envp[e->n++] = s;
	e->envp[e->n] = NULL;
}

char *
workerenv_set(struct workerenv *e, const char *key, const char *value)
{
	char *s;

	if (e->nown == WORKERENV_OWN)
		abort();	/* a programming error: raise WORKERENV_OWN */
	xasprintf(&s, "%s=%s", key, value);
	e->own[e->nown++] = s;
	env_put(e, s);
	return (s);
}

/* One entry of the merge: its text, the length of its name, its place. */
struct ent {
	char	*s;
	size_t	 klen;
	size_t	 at;
};

static int
ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	size_t l = x->klen < y->klen ? x->klen : y->klen;
	int c;

	if ((c = memcmp(x->s, y->s, l)) != 0)
		return (c);
	if (x->klen != y->klen)
		return (x->klen < y->klen ? -1 : 1);
	return (x->at < y->at ? -1 : x->at > y->at);
}

/*
 * Each name once: its last entry wins, in the place of its first, as
 * env_put would leave them one by one; but sorted, since a file may hold
 * thousands of entries and env_put searches them all for each.
 */
static void
env_unique(struct workerenv *e)
{
	struct ent *v;
	size_t i, j, m = 0;

	if (e->n < 2)
		return;
	v = xcalloc(e->n, sizeof(*v));
	for (i = 0; i < e->n; i++) {
		v[i].s = e->envp[i];
		v[i].klen = env_keylen(e->envp[i]);
		v[i].at = i;
	}
	qsort(v, e->n, sizeof(*v), ent_cmp);
	for (i = 0; i < e->n; i = j) {
		for (j = i + 1; j < e->n && v[j].klen == v[i].klen &&
		    memcmp(v[j].s, v[i].s, v[i].klen) == 0; j++)
			e->envp[v[j].at] = NULL;
		e->envp[v[i].at] = v[j - 1].s;
	}
	for (i = 0; i < e->n; i++) {
		if (e->envp[i] != NULL)
			e->envp[m++] = e->envp[i];
	}
	e->n = m;
	e->envp[m] = NULL;
	xfree(v);
}

/* `env` entry K for this instance: the worker's own, or expanded here. */
static char *
env_entry(struct workerenv *e, const struct cfg_worker *w, size_t k,
    const struct tmpl_vars *v)
{
	const char *eq = strchr(w->env[k], '=');
	char *val, *s;

	if ((w->tmpl & CFG_TMPL_ENV) == 0 || !tmpl_has(eq + 1))
		return (w->env[k]);
	if (e->expanded == NULL)
		e->expanded = xcalloc(w->nenv, sizeof(*e->expanded));
	val = tmpl_expand(eq + 1, v);
	xasprintf(&s, "%.*s=%s", (int)(eq - w->env[k]), w->env[k], val);
	xfree(val);
	e->expanded[e->nexpanded++] = s;
	return (s);
}

/* Every env_file in list order into E->files: all of them, or none. */
static int
env_files(struct workerenv *e, const struct cfg_worker *w, char *why,
    size_t len)
{
	struct envfile_err err;
	size_t k;

	for (k = 0; k < w->n_env_file; k++) {
		if (envfile_read(&e->files, w->env_file[k], &err) < 0) {
			envfile_why(why, len, w->env_file_shown[k], &err);
			envfile_free(&e->files);
			return (-1);
		}
	}
	return (0);
}

int
workerenv_build(struct workerenv *e, const struct cfg_tree *t,
    const struct cfg_node *n, const struct tmpl_vars *v, char *why,
    size_t whylen)
{
	const struct cfg_worker *w = &n->worker;
	size_t nenv = 0, k;
	char num[16];
	int rc;

	while (environ[nenv] != NULL)
		nenv++;
	memset(e, 0, sizeof(*e));
	rc = env_files(e, w, why, whylen);
	e->envp = xcalloc(nenv + e->files.n + w->nenv + WORKERENV_OWN + 1,
	    sizeof(*e->envp));
	for (k = 0; k < nenv; k++)
		e->envp[e->n++] = environ[k];
	/* Before the files and `env`, which may set PORT themselves. */
	if (v->port != 0) {
		snprintf(num, sizeof(num), "%u", v->port);
		workerenv_set(e, "PORT", num);
	}
	/*
	 * Without files, `env` is a few names: put one by one.  The sort is
	 * for thousands, and its scratch would cost every supervisor memory.
	 */
	if (e->files.n == 0) {
		for (k = 0; k < w->nenv; k++)
			env_put(e, env_entry(e, w, k, v));
	} else {
		for (k = 0; k < e->files.n; k++)
			e->envp[e->n++] = e->files.v[k];
		for (k = 0; k < w->nenv; k++)
			e->envp[e->n++] = env_entry(e, w, k, v);
		env_unique(e);
	}
	snprintf(num, sizeof(num), "%u", v->instance);
	workerenv_set(e, "PMTREE_NAME", v->name);
	workerenv_set(e, "PMTREE_INSTANCE", num);
	workerenv_set(e, "PMTREE_TREE", t->name);
	return (rc);
}

const char *
workerenv_get(const struct workerenv *e, const char *key)
{
	int k = env_find(e, key, strlen(key));

	return (k >= 0 ? e->envp[k] + strlen(key) + 1 : NULL);
}

void
workerenv_free(struct workerenv *e)
{
	size_t k;

	for (k = 0; k < e->nown; k++)
		xfree(e->own[k]);
	for (k = 0; k < e->nexpanded; k++)
		xfree(e->expanded[k]);
	xfree(e->expanded);
	xfree(e->envp);
	envfile_free(&e->files);
	memset(e, 0, sizeof(*e));
}
