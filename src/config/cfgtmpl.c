/*
 * Placeholders (tmpl.h) as the loader sees them.  Each value of a key
 * that takes them (a key with .tmpl in cfgkey.c) is checked where it is
 * written, the error at the bad "{{" itself when the scalar's text is in
 * the file as it is (one line, no escapes), else at the scalar.  What only
 * the merged worker tells is checked once it is whole: {{port}} in a
 * worker with no `port`, and a last instance's port above CFG_MAX_PORT.
 */
#include <string.h>

#include "cfgint.h"
#include "tmpl.h"

/* UTF-8 characters in the LEN bytes at S: libyaml's marks count those. */
static size_t
chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return (n);
}

/*
 * Where byte OFF of scalar N's value is in the file.  Only a scalar on
 * one line whose marks span exactly its value (and its quotes) is
 * written as it is read: no escape, no anchor or tag before it.
 */
static struct diag_pos
scalar_pos(const yaml_node_t *n, size_t off)
{
	struct diag_pos p = cfgval_pos(n);
	const char *s = (const char *)n->data.scalar.value;
	size_t quotes;

	if (n->start_mark.line != n->end_mark.line)
		return (p);
	switch (n->data.scalar.style) {
	case YAML_PLAIN_SCALAR_STYLE:
		quotes = 0;
		break;
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		quotes = 1;
		break;
	default:
		return (p);
	}
	if (n->end_mark.index - n->start_mark.index !=
	    chars(s, n->data.scalar.length) + 2 * quotes)
		return (p);
	p.col += (unsigned)(quotes + chars(s, off));
	return (p);
}

/* The place of byte OFF of S, read from N: exact if S is N's own text. */
static struct diag_pos
value_pos(const yaml_node_t *n, const char *s, size_t off)
{
	if (n->type == YAML_SCALAR_NODE &&
	    (const char *)n->data.scalar.value == s)
		return (scalar_pos(n, off));
	return (cfgval_pos(n));
}

bool
cfgtmpl_check(struct load *l, const yaml_node_t *n, const char *s,
    const char *key)
{
	struct tmpl_error e;

	if (!tmpl_has(s) || tmpl_check(s, NULL, &e) == 0)
		return (true);
	cfgval_error_at(l, value_pos(n, s, e.at), "%s: %s", key, e.msg);
	return (false);
}

/* The placeholders S uses (checked when it was read). */
static unsigned
uses(const char *s)
{
	struct tmpl_error e;
	unsigned u = 0;

	if (s != NULL && tmpl_has(s) && tmpl_check(s, &u, &e) != 0)
		u = 0;
	return (u);
}

/* Every placeholder the worker's values use, key by key of w->tmpl. */
static unsigned
worker_uses(const struct cfg_worker *w)
{
	unsigned u = 0;
	size_t k;

	if (w->tmpl & CFG_TMPL_CMD) {
		for (k = 0; k < w->argc; k++)
			u |= uses(w->argv[k]);
	}
	if (w->tmpl & CFG_TMPL_ENV) {
		for (k = 0; k < w->nenv; k++)
			u |= uses(strchr(w->env[k], '=') + 1);
	}
	if (w->tmpl & CFG_TMPL_CWD)
		u |= uses(w->cwd_shown);
	if (w->tmpl & CFG_TMPL_READY)
		u |= uses(w->ready_host) | uses(w->ready_port) |
		    uses(w->ready_url);
	return (u);
}

/* The first scalar below N (values, not keys) with {{port}}, at *AT. */
static const yaml_node_t *
port_use(struct load *l, const yaml_node_t *n, size_t *at)
{
	const yaml_node_pair_t *p;
	const yaml_node_t *found = NULL;
	const yaml_node_item_t *i;

	if (n == NULL || !cfgval_visit(l, n))
		return (NULL);
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (tmpl_find((const char *)n->data.scalar.value, TMPL_PORT,
		    at) == 0)
			found = n;
		break;
	case YAML_SEQUENCE_NODE:
		for (i = n->data.sequence.items.start; found == NULL &&
		    i < n->data.sequence.items.top; i++)
			found = port_use(l, yaml_document_get_node(l->doc, *i),
			    at);
		break;
	case YAML_MAPPING_NODE:
		for (p = n->data.mapping.pairs.start; found == NULL &&
		    p < n->data.mapping.pairs.top; p++)
			found = port_use(l, yaml_document_get_node(l->doc,
			    p->value), at);
		break;
	default:
		break;
	}
	return (found);
}

/* At the worker's own {{port}} if it wrote one; else it came inherited. */
static void
port_missing(struct load *l, yaml_node_t *map, struct pair *pv, size_t n)
{
	const yaml_node_t *v;
	struct pair *p;
	size_t i, at;

	for (i = 0; i < cfgnkeys; i++) {
		if (cfgkeys[i].tmpl == 0 ||
		    (p = cfgval_find(pv, n, cfgkeys[i].name)) == NULL ||
		    (v = port_use(l, p->vnode, &at)) == NULL)
			continue;
		cfgval_error_at(l, scalar_pos(v, at), "{{port}} needs a port: "
		    "set \"port: N\" on this worker");
		return;
	}
	cfgval_error(l, map, "{{port}} (from defaults) needs a port: set "
	    "\"port: N\" on this worker");
}

void
cfgtmpl_finish(struct load *l, const struct cfg_worker *w, yaml_node_t *map,
    struct pair *pv, size_t n)
{
	struct pair *p;

	if (w->port != 0 &&
	    (unsigned long long)w->port + w->instances - 1 > CFG_MAX_PORT) {
		/* `port` is a worker's own: never inherited. */
		p = cfgval_find(pv, n, "port");
		cfgval_error(l, p != NULL ? p->vnode : map, "port %u with %u "
		    "instances: the last one would get port %llu, above %d",
		    w->port, w->instances,
		    (unsigned long long)w->port + w->instances - 1,
		    CFG_MAX_PORT);
	}
	if (w->port == 0 && w->tmpl != 0 && (worker_uses(w) & TMPL_PORT))
		port_missing(l, map, pv, n);
}
