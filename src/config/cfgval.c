/*
 * Reading YAML values: errors with positions, mappings as key/value pairs
 * (merge keys applied, duplicates and unknown keys reported) and typed
 * scalars.  Every reader reports its own error and returns -1 or false.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgint.h"
#include "units.h"

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

char *
cfgval_strdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		abort();
	return (p);
}

void *
cfgval_reallocarray(void *p, size_t n, size_t size)
{
	if ((p = reallocarray(p, n == 0 ? 1 : n, size)) == NULL)
		abort();
	return (p);
}

struct diag_pos
cfgval_pos(const yaml_node_t *n)
{
	struct diag_pos p;

	p.line = (unsigned)n->start_mark.line + 1;
	p.col = (unsigned)n->start_mark.column + 1;
	return (p);
}

/* A scalar's text; "" for a list or mapping, which no keyword matches. */
const char *
cfgval_text(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE)
		return ("");
	return ((const char *)n->data.scalar.value);
}

size_t
cfgval_nerrors(const struct load *l)
{
	return (l->diag->n - l->nerr0);
}

void
cfgval_error(struct load *l, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (l->stop)
		return;
	if (cfgval_nerrors(l) >= CFG_MAX_ERRORS) {
		diag_add(l->diag, cfgval_pos(n), "too many errors (more than "
		    "%d); stopped reading", CFG_MAX_ERRORS);
		l->stop = true;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		abort();
	va_end(ap);
	diag_add(l->diag, cfgval_pos(n), "%s", msg);
	free(msg);
}

/*
 * Counts every node the loader looks at: aliases can make a small file
 * expand exponentially, so past CFG_MAX_VISITS loading stops.
 */
bool
cfgval_visit(struct load *l, const yaml_node_t *n)
{
	if (l->stop)
		return (false);
	if (++l->visits > CFG_MAX_VISITS) {
		cfgval_error(l, n, "more than %d YAML nodes after expanding "
		    "aliases; stopped reading", CFG_MAX_VISITS);
		l->stop = true;
		return (false);
	}
	return (true);
}

yaml_node_t *
cfgval_item(struct load *l, const yaml_node_t *seq, size_t i)
{
	return (yaml_document_get_node(l->doc,
	    seq->data.sequence.items.start[i]));
}

static size_t
seq_len(const yaml_node_t *n)
{
	return ((size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start));
}

/*
 * A bounded rendering of a value for "(got ...)", always in BUF (callers
 * print BUF, not only what this returns).  Control bytes are left as they
 * are: diag_add escapes them in every message.  A cut value ends between
 * two UTF-8 characters, so that the message stays valid JSON text.
 */
static const char *
got(const yaml_node_t *n, char *buf, size_t len)
{
	const char *s;
	size_t i, j;

	if (n->type != YAML_SCALAR_NODE) {
		snprintf(buf, len, "%s", n->type == YAML_SEQUENCE_NODE ?
		    "a list" : "a mapping");
		return (buf);
	}
	s = (const char *)n->data.scalar.value;
	buf[0] = '"';
	for (i = 0, j = 1; s[i] != '\0' && j + 5 < len; i++, j++)
		buf[j] = s[i];
	if (s[i] != '\0') {
		for (; i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80; i--)
			j--;
		memcpy(buf + j, "...", 3);
		j += 3;
	}
	buf[j++] = '"';
	buf[j] = '\0';
	return (buf);
}

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
		for (i = 0; i < seq_len(v) && cfgval_visit(l, v); i++) {
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
			    got(s[i]->p.knode, buf, sizeof(buf)));
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

static bool
in_list(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++) {
		if (strcmp(*list, s) == 0)
			return (true);
	}
	return (false);
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

static void
unknown_key(struct load *l, const struct pair *p, const struct keyset *ks)
{
	const char *const *k, *best = NULL;
	size_t d, bestd = 3;
	char buf[64];

	got(p->knode, buf, sizeof(buf));
	if (in_list(ks->other, p->key)) {
		cfgval_error(l, p->knode, "unknown key %s (%s)", buf, ks->hint);
		return;
	}
	for (k = ks->keys; *k != NULL; k++) {
		if ((d = distance(p->key, *k)) < bestd) {
			bestd = d;
			best = *k;
		}
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
		if (in_list(ks->keys, pv[i].key))
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

bool
cfgval_is_list(struct load *l, yaml_node_t *n, const char *key)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return (true);
	cfgval_error(l, n, "%s: expected a list", key);
	return (false);
}

/* `~`, `null` or nothing at all, written plain: YAML's null. */
bool
cfgval_is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
		NULL };

	return (n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    in_list(nulls, (const char *)n->data.scalar.value));
}

/* The text of a scalar, as written (`env` values): not null-checked. */
int
cfgval_text_of(struct load *l, yaml_node_t *n, const char *key,
    const char **out)
{
	char buf[64];

	if (n->type != YAML_SCALAR_NODE) {
		cfgval_error(l, n, "%s must be a string (got %s)", key,
		    got(n, buf, sizeof(buf)));
		return (-1);
	}
	if (strlen((char *)n->data.scalar.value) != n->data.scalar.length) {
		cfgval_error(l, n, "%s must not contain a NUL byte", key);
		return (-1);
	}
	*out = (const char *)n->data.scalar.value;
	return (0);
}

int
cfgval_str(struct load *l, yaml_node_t *n, const char *key, const char **out)
{
	if (cfgval_is_null(n)) {
		cfgval_error(l, n, "%s must be a string (got nothing)", key);
		return (-1);
	}
	return (cfgval_text_of(l, n, key, out));
}

/* Plain decimal digits only: no sign, no fraction, no 0x. */
static int
parse_uint(const char *s, uint64_t *v)
{
	*v = 0;
	if (*s == '\0')
		return (-1);
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s) ||
		    __builtin_mul_overflow(*v, 10, v) ||
		    __builtin_add_overflow(*v, (uint64_t)(*s - '0'), v))
			return (-1);
	}
	return (0);
}

int
cfgval_uint(struct load *l, yaml_node_t *n, const char *key, uint64_t min,
    uint64_t max, uint64_t *out)
{
	char buf[64];

	if (n->type == YAML_SCALAR_NODE &&
	    parse_uint((const char *)n->data.scalar.value, out) == 0 &&
	    *out >= min && *out <= max)
		return (0);
	got(n, buf, sizeof(buf));
	if (max >= UINT32_MAX)
		cfgval_error(l, n, "%s must be an integer ≥ %llu (got %s)", key,
		    (unsigned long long)min, buf);
	else
		cfgval_error(l, n, "%s must be an integer from %llu to %llu "
		    "(got %s)", key, (unsigned long long)min,
		    (unsigned long long)max, buf);
	return (-1);
}

static const char *const bool_yes[] = { "true", "True", "TRUE", NULL };
static const char *const bool_no[] = { "false", "False", "FALSE", NULL };

int
cfgval_bool(struct load *l, yaml_node_t *n, const char *key, bool *out)
{
	char buf[64];

	if (n->type == YAML_SCALAR_NODE) {
		if (in_list(bool_yes, (const char *)n->data.scalar.value)) {
			*out = true;
			return (0);
		}
		if (in_list(bool_no, (const char *)n->data.scalar.value)) {
			*out = false;
			return (0);
		}
	}
	cfgval_error(l, n, "%s must be true or false (got %s)", key,
	    got(n, buf, sizeof(buf)));
	return (-1);
}

/* log.stdout, of the tree or of a worker: a boolean or an echo's form. */
int
cfgval_echo(struct load *l, yaml_node_t *n, enum cfg_echo *out)
{
	const char *s;
	char buf[64];

	if (n->type == YAML_SCALAR_NODE) {
		s = (const char *)n->data.scalar.value;
		if (in_list(bool_yes, s) || in_list(bool_no, s)) {
			*out = in_list(bool_yes, s) ? CFG_ECHO_ON : CFG_ECHO_OFF;
			return (0);
		}
		if (strcmp(s, "raw") == 0 || strcmp(s, "json") == 0) {
			*out = *s == 'r' ? CFG_ECHO_RAW : CFG_ECHO_JSON;
			return (0);
		}
	}
	cfgval_error(l, n, "log.stdout must be true, false, raw or json "
	    "(got %s)", got(n, buf, sizeof(buf)));
	return (-1);
}

int
cfgval_duration(struct load *l, yaml_node_t *n, const char *key,
    uint64_t *out)
{
	char buf[64], err[128];

	if (n->type != YAML_SCALAR_NODE) {
		cfgval_error(l, n, "%s must be a duration (got %s)", key,
		    got(n, buf, sizeof(buf)));
		return (-1);
	}
	if (units_duration((const char *)n->data.scalar.value, out, err,
	    sizeof(err)) != 0) {
		cfgval_error(l, n, "%s %s: %s", key, got(n, buf, sizeof(buf)),
		    err);
		return (-1);
	}
	return (0);
}

int
cfgval_size(struct load *l, yaml_node_t *n, const char *key, uint64_t *out)
{
	char buf[64], err[128];

	if (n->type != YAML_SCALAR_NODE) {
		cfgval_error(l, n, "%s must be a size (got %s)", key,
		    got(n, buf, sizeof(buf)));
		return (-1);
	}
	if (units_size((const char *)n->data.scalar.value, out, err,
	    sizeof(err)) != 0) {
		cfgval_error(l, n, "%s %s: %s", key, got(n, buf, sizeof(buf)),
		    err);
		return (-1);
	}
	return (0);
}

int
cfgval_enum(struct load *l, yaml_node_t *n, const char *key,
    const char *const *names, int *out)
{
	char buf[64], list[256];
	size_t i, len = 0;

	for (i = 0; names[i] != NULL; i++) {
		if (n->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)n->data.scalar.value, names[i]) == 0) {
			*out = (int)i;
			return (0);
		}
	}
	list[0] = '\0';
	for (i = 0; names[i] != NULL && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
		    i == 0 ? "" : names[i + 1] == NULL ? " or " : ", ",
		    names[i]);
	cfgval_error(l, n, "%s must be %s (got %s)", key, list,
	    got(n, buf, sizeof(buf)));
	return (-1);
}

/*
 * DIR/S with "." segments and repeated slashes removed; ".." is kept, as
 * only the kernel knows what it means past a symbolic link.
 */
static char *
path_join(const char *dir, const char *s)
{
	char *full, *out, *seg, *save = NULL;
	size_t len = 0;

	if (asprintf(&full, "%s/%s", *s == '/' ? "" : dir, s) == -1)
		abort();
	out = cfgval_reallocarray(NULL, strlen(full) + 2, 1);
	for (seg = strtok_r(full, "/", &save); seg != NULL;
	    seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		out[len++] = '/';
		memcpy(out + len, seg, strlen(seg));
		len += strlen(seg);
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	free(full);
	return (out);
}

int
cfgval_path(struct load *l, yaml_node_t *n, const char *key, char **out)
{
	const char *s;

	if (cfgval_str(l, n, key, &s) != 0)
		return (-1);
	if (*s == '\0') {
		cfgval_error(l, n, "%s must not be empty", key);
		return (-1);
	}
	*out = path_join(l->tree->dir, s);
	return (0);
}

/* "host:port", "[::1]:port": a host and a port from 1 to 65535. */
int
cfgval_hostport(struct load *l, yaml_node_t *n, const char *key, char **host,
    char **port)
{
	const char *s, *colon;
	char buf[64];
	uint64_t v;
	size_t hlen;

	if (cfgval_str(l, n, key, &s) != 0)
		return (-1);
	colon = strrchr(s, ':');
	if (colon == NULL || parse_uint(colon + 1, &v) != 0 || v < 1 ||
	    v > 65535 || colon == s)
		goto bad;
	hlen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hlen < 3 || s[hlen - 1] != ']')
			goto bad;
		s++;
		hlen -= 2;
	}
	if (host != NULL && (*host = strndup(s, hlen)) == NULL)
		abort();
	if (port != NULL)
		*port = cfgval_strdup(colon + 1);
	return (0);
bad:
	cfgval_error(l, n, "%s must be host:port with a port from 1 to 65535 "
	    "(got %s)", key, got(n, buf, sizeof(buf)));
	return (-1);
}
