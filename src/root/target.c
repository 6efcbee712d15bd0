#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

/* Splits "web:2" into "web" and 2; -2 if the suffix is not a number. */
static int
target_instance(const char *spec, char *name, size_t len)
{
	const char *colon = strrchr(spec, ':');
	char *end;
	long v;

	if (colon == NULL) {
		snprintf(name, len, "%s", spec);
		return (TARGET_ALL);
	}
	snprintf(name, len, "%.*s", (int)(colon - spec), spec);
	if (colon[1] == '\0')
		return (-2);
	v = strtol(colon + 1, &end, 10);
	if (*end != '\0' || v < 0 || v > INT_MAX)
		return (-2);
	return ((int)v);
}

static size_t
target_add(struct target *out, size_t max, size_t n,
    const struct cfg_node *node, int inst)
{
	/* The instance's range is the caller's to check: scale changes it. */
	if (inst != TARGET_ALL && node->kind != CFG_WORKER)
		return (n);
	if (n < max) {
		out[n].node = node;
		out[n].instance = inst;
	}
	return (n + 1);
}

size_t
target_resolve(const struct cfg_tree *t, const char *spec, struct target *out,
    size_t max)
{
	char name[PATH_MAX];
	const struct cfg_node *node;
	size_t n = 0, k;
	int inst;

	if (*spec == '\0')
		return (target_add(out, max, 0, t->root, TARGET_ALL));
	if ((inst = target_instance(spec, name, sizeof(name))) == -2)
		return (0);
	if (strchr(name, '/') != NULL) {
		node = config_find(t, name);
		return (node != NULL && node != t->root ?
		    target_add(out, max, 0, node, inst) : 0);
	}
	for (k = 1; k < t->nnodes; k++) {
		if (strcmp(t->nodes[k]->name, name) == 0)
			n = target_add(out, max, n, t->nodes[k], inst);
	}
	return (n);
}
