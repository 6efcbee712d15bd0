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

void
workerenv_build(struct workerenv *e, const struct cfg_tree *t,
    const struct cfg_node *n, const struct tmpl_vars *v)
{
	const struct cfg_worker *w = &n->worker;
	size_t nenv = 0, k;
	char num[16];

	while (environ[nenv] != NULL)
		nenv++;
	memset(e, 0, sizeof(*e));
	e->envp = xcalloc(nenv + w->nenv + WORKERENV_OWN + 1, sizeof(*e->envp));
	/* environ's names are already unique: no search needed for them. */
	for (k = 0; k < nenv; k++)
		e->envp[e->n++] = environ[k];
	/* Before `env`, which may set PORT itself. */
	if (v->port != 0) {
		snprintf(num, sizeof(num), "%u", v->port);
		workerenv_set(e, "PORT", num);
	}
	for (k = 0; k < w->nenv; k++)
		env_put(e, env_entry(e, w, k, v));
	snprintf(num, sizeof(num), "%u", v->instance);
	workerenv_set(e, "PMTREE_NAME", v->name);
	workerenv_set(e, "PMTREE_INSTANCE", num);
	workerenv_set(e, "PMTREE_TREE", t->name);
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
	memset(e, 0, sizeof(*e));
}
