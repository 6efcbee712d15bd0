/*
 * Reading YAML values: errors with positions, lists and typed scalars.
 * Every reader reports its own error and returns -1 or false.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgint.h"
#include "units.h"

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

void *
cfgval_memdup(const void *p, size_t n, size_t size)
{
	void *c;

	c = cfgval_reallocarray(NULL, n, size);
	if (n != 0)
		memcpy(c, p, n * size);
	return (c);
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

static void
error_at(struct load *l, struct diag_pos pos, const char *fmt, va_list ap)
{
	char *msg;

	if (l->stop)
		return;
	if (cfgval_nerrors(l) >= CFG_MAX_ERRORS) {
		diag_add(l->diag, pos, "too many errors (more than %d); stopped "
		    "reading", CFG_MAX_ERRORS);
		l->stop = true;
		return;
	}
	if (vasprintf(&msg, fmt, ap) == -1)
		abort();
	diag_add(l->diag, pos, "%s", msg);
	free(msg);
}

void
cfgval_error(struct load *l, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_at(l, cfgval_pos(n), fmt, ap);
	va_end(ap);
}

/* At a place inside a node: a placeholder in a scalar's text. */
void
cfgval_error_at(struct load *l, struct diag_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_at(l, pos, fmt, ap);
	va_end(ap);
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
const char *
cfgval_got(const yaml_node_t *n, char *buf, size_t len)
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


bool
cfgval_in_list(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++) {
		if (strcmp(*list, s) == 0)
			return (true);
	}
	return (false);
}


size_t
cfgval_list_len(const yaml_node_t *v)
{
	return (v->type == YAML_SCALAR_NODE ? 1 : seq_len(v));
}

yaml_node_t *
cfgval_list_item(struct load *l, yaml_node_t *v, size_t i)
{
	return (v->type == YAML_SCALAR_NODE ? v : cfgval_item(l, v, i));
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
	    cfgval_in_list(nulls, (const char *)n->data.scalar.value));
}

/*
 * `cwd: {{instance}}` unquoted: YAML reads a flow mapping whose first key
 * is a flow mapping.  Said, as such a value was surely meant as a string.
 */
static bool
braces_unquoted(struct load *l, const yaml_node_t *n)
{
	const yaml_node_t *k;

	if (n->type != YAML_MAPPING_NODE ||
	    n->data.mapping.style != YAML_FLOW_MAPPING_STYLE ||
	    n->data.mapping.pairs.top == n->data.mapping.pairs.start)
		return (false);
	k = yaml_document_get_node(l->doc, n->data.mapping.pairs.start->key);
	return (k != NULL && k->type == YAML_MAPPING_NODE &&
	    k->data.mapping.style == YAML_FLOW_MAPPING_STYLE &&
	    k->start_mark.index == n->start_mark.index + 1);
}

/* The text of a scalar, as written (`env` values): not null-checked. */
int
cfgval_text_of(struct load *l, yaml_node_t *n, const char *key,
    const char **out)
{
	char buf[64];

	if (braces_unquoted(l, n)) {
		cfgval_error(l, n, "%s must be a string (got a mapping: quote "
		    "a value that starts with \"{{\")", key);
		return (-1);
	}
	if (n->type != YAML_SCALAR_NODE) {
		cfgval_error(l, n, "%s must be a string (got %s)", key,
		    cfgval_got(n, buf, sizeof(buf)));
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
	cfgval_got(n, buf, sizeof(buf));
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
	const char *s = cfgval_text(n);
	char buf[64];

	if (cfgval_in_list(bool_yes, s) || cfgval_in_list(bool_no, s)) {
		*out = cfgval_in_list(bool_yes, s);
		return (0);
	}
	cfgval_error(l, n, "%s must be true or false (got %s)", key,
	    cfgval_got(n, buf, sizeof(buf)));
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
		if (cfgval_in_list(bool_yes, s) || cfgval_in_list(bool_no, s)) {
			*out = cfgval_in_list(bool_yes, s) ? CFG_ECHO_ON :
			    CFG_ECHO_OFF;
			return (0);
		}
		if (strcmp(s, "raw") == 0 || strcmp(s, "json") == 0) {
			*out = *s == 'r' ? CFG_ECHO_RAW : CFG_ECHO_JSON;
			return (0);
		}
	}
	cfgval_error(l, n, "log.stdout must be true, false, raw or json "
	    "(got %s)", cfgval_got(n, buf, sizeof(buf)));
	return (-1);
}

int
cfgval_duration(struct load *l, yaml_node_t *n, const char *key,
    uint64_t *out)
{
	char buf[64], err[128];

	if (n->type != YAML_SCALAR_NODE) {
		cfgval_error(l, n, "%s must be a duration (got %s)", key,
		    cfgval_got(n, buf, sizeof(buf)));
		return (-1);
	}
	if (units_duration((const char *)n->data.scalar.value, out, err,
	    sizeof(err)) != 0) {
		cfgval_error(l, n, "%s %s: %s", key,
		    cfgval_got(n, buf, sizeof(buf)), err);
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
		    cfgval_got(n, buf, sizeof(buf)));
		return (-1);
	}
	if (units_size((const char *)n->data.scalar.value, out, err,
	    sizeof(err)) != 0) {
		cfgval_error(l, n, "%s %s: %s", key,
		    cfgval_got(n, buf, sizeof(buf)), err);
		return (-1);
	}
	return (0);
}

const char *
cfgval_join(const char *const *names, char *list, size_t size)
{
	size_t i, len = 0;

	list[0] = '\0';
	for (i = 0; names[i] != NULL && len < size; i++)
		len += (size_t)snprintf(list + len, size - len, "%s%s",
		    i == 0 ? "" : names[i + 1] == NULL ? " or " : ", ",
		    names[i]);
	return (list);
}

int
cfgval_enum(struct load *l, yaml_node_t *n, const char *key,
    const char *const *names, int *out)
{
	char buf[64], list[256];
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		if (n->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)n->data.scalar.value, names[i]) == 0) {
			*out = (int)i;
			return (0);
		}
	}
	cfgval_error(l, n, "%s must be %s (got %s)", key,
	    cfgval_join(names, list, sizeof(list)),
	    cfgval_got(n, buf, sizeof(buf)));
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

char *
config_path(const char *dir, const char *s)
{
	return (path_join(dir, s));
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

/* A host and a port from 1 to 65535, or {{port}} with TMPL. */
static int
hostport_split(const char *s, bool tmpl, char **host, char **port)
{
	const char *colon = strrchr(s, ':');
	uint64_t v;
	size_t hlen;

	if (colon == NULL || colon == s)
		return (-1);
	if (!(tmpl && strcmp(colon + 1, "{{port}}") == 0) &&
	    (parse_uint(colon + 1, &v) != 0 || v < 1 || v > 65535))
		return (-1);
	hlen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hlen < 3 || s[hlen - 1] != ']')
			return (-1);
		s++;
		hlen -= 2;
	}
	if (host != NULL && (*host = strndup(s, hlen)) == NULL)
		abort();
	if (port != NULL)
		*port = cfgval_strdup(colon + 1);
	return (0);
}

/* "host:port", "[::1]:port": a host and a port from 1 to 65535. */
int
cfgval_hostport(struct load *l, yaml_node_t *n, const char *key, char **host,
    char **port)
{
	const char *s;
	char buf[64];

	if (cfgval_str(l, n, key, &s) != 0)
		return (-1);
	if (hostport_split(s, false, host, port) == 0)
		return (0);
	cfgval_error(l, n, "%s must be host:port with a port from 1 to 65535 "
	    "(got %s)", key, cfgval_got(n, buf, sizeof(buf)));
	return (-1);
}

int
cfgval_hostport_tmpl(struct load *l, yaml_node_t *n, const char *key,
    char **host, char **port)
{
	const char *s;
	char buf[64];

	if (cfgval_str(l, n, key, &s) != 0)
		return (-1);
	if (hostport_split(s, true, host, port) == 0)
		return (0);
	cfgval_error(l, n, "%s must be host:port with a port from 1 to 65535 "
	    "or {{port}} (got %s)", key, cfgval_got(n, buf, sizeof(buf)));
	return (-1);
}
