/*
 * config_load: reads the file, parses it, and builds the tree from the
 * top-level mapping (the root group plus `name`, `control` and `log`).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgint.h"
#include "xmalloc.h"

static const char *const root_keys[] = {
	"name", "strategy", "intensity", "period", "control", "log",
	"defaults", "children", "restart", "start", "auto_shutdown", NULL,
};

static const struct diag_pos whole_file = { 0, 0 };

/*
 * Reads at most CFG_MAX_FILESIZE bytes (NUL-terminated); a longer file is
 * refused before anything parses it, even when fstat cannot tell its size.
 */
static char *
read_file(const char *file, size_t *len, struct diag *d)
{
	struct stat st;
	char *buf;
	ssize_t r;
	int fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		diag_add(d, whole_file, "cannot open: %s", strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > CFG_MAX_FILESIZE) {
		diag_add(d, whole_file, "the file is larger than 1 MiB");
		close(fd);
		return (NULL);
	}
	buf = cfgval_reallocarray(NULL, CFG_MAX_FILESIZE + 2, 1);
	*len = 0;
	while ((r = read(fd, buf + *len, CFG_MAX_FILESIZE + 1 - *len)) > 0)
		*len += (size_t)r;
	close(fd);
	if (r < 0 || *len > CFG_MAX_FILESIZE) {
		if (r < 0)
			diag_add(d, whole_file, "cannot read: %s",
			    strerror(errno));
		else
			diag_add(d, whole_file, "the file is larger than 1 MiB");
		free(buf);
		return (NULL);
	}
	buf[*len] = '\0';
	return (buf);
}

/* The tree's file, absolute folder and default name (basename - ext). */
static struct cfg_tree *
tree_new(const char *file, struct diag *d)
{
	struct cfg_tree *t;
	char *copy, *dot, dir[PATH_MAX];

	copy = cfgval_strdup(file);
	if (realpath(dirname(copy), dir) == NULL) {
		diag_add(d, whole_file, "cannot find the file's folder: %s",
		    strerror(errno));
		free(copy);
		return (NULL);
	}
	free(copy);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		abort();
	t->file = cfgval_strdup(file);
	t->dir = cfgval_strdup(dir);
	copy = cfgval_strdup(file);
	t->name = cfgval_strdup(basename(copy));
	free(copy);
	if ((dot = strrchr(t->name, '.')) != NULL && dot != t->name)
		*dot = '\0';
	if (asprintf(&t->log.dir, "%s/logs", t->dir) == -1)
		abort();
	t->log.format = CFG_FORMAT_TEXT;
	t->log.max_size = 10 * 1024 * 1024;
	t->log.keep = 5;
	return (t);
}

static void
root_control(struct load *l, yaml_node_t *map)
{
	static const char *const keys[] = { "socket", "http", NULL };
	static const struct keyset ks = { .keys = keys };
	struct cfg_tree *t = l->tree;
	struct pair *pv;
	size_t i, n;

	if (cfgval_is_null(map) ||
	    cfgval_pairs(l, map, "control", &pv, &n) != 0)
		return;
	n = cfgval_keys(l, pv, n, &ks);
	for (i = 0; i < n; i++) {
		if (strcmp(pv[i].key, "socket") == 0)
			cfgval_path(l, pv[i].vnode, "control.socket",
			    &t->control_socket);
		else if (cfgval_hostport(l, pv[i].vnode, "control.http", NULL,
		    NULL) == 0) {
			t->control_http = cfgval_strdup(cfgval_text(
			    pv[i].vnode));
			t->control_http_pos = cfgval_pos(pv[i].vnode);
		}
	}
	free(pv);
}

static void
root_log_key(struct load *l, struct cfg_log *lg, struct pair *p)
{
	static const char *const formats[] = { "text", "json", NULL };
	uint64_t v;
	char *dir;
	int i;

	if (strcmp(p->key, "dir") == 0) {
		if (cfgval_path(l, p->vnode, "log.dir", &dir) == 0) {
			free(lg->dir);
			lg->dir = dir;
		}
	} else if (strcmp(p->key, "stdout") == 0)
		cfgval_echo(l, p->vnode, &lg->to_stdout);
	else if (strcmp(p->key, "format") == 0) {
		if (cfgval_enum(l, p->vnode, "log.format", formats, &i) == 0)
			lg->format = (enum cfg_format)i;
	} else if (strcmp(p->key, "max_size") == 0)
		cfgval_size(l, p->vnode, "log.max_size", &lg->max_size);
	else if (cfgval_uint(l, p->vnode, "log.keep", 0, UINT32_MAX, &v) == 0)
		lg->keep = (unsigned)v;
}

static void
root_log(struct load *l, yaml_node_t *map)
{
	static const char *const keys[] = {
		"dir", "stdout", "format", "max_size", "keep", NULL,
	};
	static const struct keyset ks = { .keys = keys };
	struct pair *pv;
	size_t i, n;

	if (cfgval_is_null(map) || cfgval_pairs(l, map, "log", &pv, &n) != 0)
		return;
	n = cfgval_keys(l, pv, n, &ks);
	for (i = 0; i < n; i++)
		root_log_key(l, &l->tree->log, &pv[i]);
	free(pv);
}

static void
root_name(struct load *l, yaml_node_t *v)
{
	const char *s;

	if (cfgval_str(l, v, "name", &s) != 0)
		return;
	if (!cfggroup_name_ok(s)) {
		cfgval_error(l, v, "bad name \"%.40s\": use letters, digits, "
		    "\"_\", \".\" and \"-\", not starting with \".\" or \"-\"",
		    s);
		return;
	}
	free(l->tree->name);
	l->tree->name = cfgval_strdup(s);
}

static void
root_load(struct load *l, yaml_node_t *map)
{
	/* `restart` and `log` are root keys too, found before these. */
	static const struct keyset ks = {
		root_keys, 0, NULL, CFGK_DEFAULTS | CFGK_OWN,
		"a worker key: set it in \"defaults\""
	};
	struct cfg_worker builtin;
	struct pair *pv, *p;
	size_t n;

	if (map->type != YAML_MAPPING_NODE) {
		cfgval_error(l, map, "expected a mapping at the top level "
		    "(name, children, ...)");
		return;
	}
	if (cfgval_pairs(l, map, "the top level", &pv, &n) != 0)
		return;
	n = cfgval_keys(l, pv, n, &ks);
	/* A group's own key, known here only to say why it cannot be. */
	if ((p = cfgval_find(pv, n, "restart")) != NULL)
		cfgval_error(l, p->knode, "\"restart\" is not allowed at the "
		    "top level: the root has no parent to restart it (a "
		    "default for the workers goes in \"defaults\")");
	if ((p = cfgval_find(pv, n, "name")) != NULL)
		root_name(l, p->vnode);
	if ((p = cfgval_find(pv, n, "control")) != NULL)
		root_control(l, p->vnode);
	if ((p = cfgval_find(pv, n, "log")) != NULL)
		root_log(l, p->vnode);
	l->tree->root = cfggroup_node(l, CFG_GROUP, "", NULL, map);
	cfgworker_builtin(&builtin, l->tree->dir);
	cfggroup_body(l, l->tree->root, map, pv, n, &builtin);
	cfgworker_clear(&builtin);
	free(pv);
}

/* FNV-1a: a reload checks that every process read the same bytes. */
static uint64_t
config_digest(const char *p, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	while (len-- > 0)
		h = (h ^ (unsigned char)*p++) * 1099511628211ull;
	return (h);
}

/* The tree as far as it could be read; *NERR counts its errors. */
static struct cfg_tree *
load_buffer(const char *file, const char *buf, size_t len, struct diag *d,
    size_t *nerr)
{
	struct load l;
	struct cfg_tree *t;
	yaml_document_t doc;
	yaml_node_t *root;

	if (len > CFG_MAX_FILESIZE) {
		diag_add(d, whole_file, "the file is larger than 1 MiB");
		return (NULL);
	}
	if ((t = tree_new(file, d)) == NULL ||
	    cfgdoc_load(buf, len, &doc, d) != 0) {
		config_free(t);
		return (NULL);
	}
	memset(&l, 0, sizeof(l));
	l.diag = d;
	l.nerr0 = d->n;
	l.doc = &doc;
	l.tree = t;
	if ((root = yaml_document_get_root_node(&doc)) == NULL)
		diag_add(d, whole_file, "the file is empty: expected a mapping "
		    "with \"children\"");
	else
		root_load(&l, root);
	yaml_document_delete(&doc);
	t->digest = config_digest(buf, len);
	*nerr = cfgval_nerrors(&l);
	return (t);
}

struct cfg_tree *
config_load(const char *file, struct diag *d)
{
	struct cfg_tree *t;
	size_t len;
	char *buf;

	if ((buf = read_file(file, &len, d)) == NULL)
		return (NULL);
	t = config_load_buffer(file, buf, len, d);
	free(buf);
	return (t);
}

struct cfg_tree *
config_load_draft(const char *file, struct diag *d, bool *valid)
{
	struct cfg_tree *t;
	size_t len, nerr = 0;
	char *buf;

	*valid = false;
	if ((buf = read_file(file, &len, d)) == NULL)
		return (NULL);
	t = load_buffer(file, buf, len, d, &nerr);
	free(buf);
	*valid = t != NULL && nerr == 0;
	return (t);
}

struct cfg_tree *
config_load_buffer(const char *file, const char *buf, size_t len,
    struct diag *d)
{
	struct cfg_tree *t;
	size_t nerr;

	if ((t = load_buffer(file, buf, len, d, &nerr)) != NULL && nerr > 0) {
		config_free(t);
		return (NULL);
	}
	return (t);
}

static void
node_free(struct cfg_node *n)
{
	if (n == NULL)
		return;
	if (n->kind == CFG_GROUP)
		free(n->group.children);
	else
		cfgworker_clear(&n->worker);
	free(n->after);
	free(n->name);
	free(n->path);
	free(n);
}

void
config_free(struct cfg_tree *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nnodes; i++)
		node_free(t->nodes[i]);
	free(t->nodes);
	free(t->file);
	free(t->dir);
	free(t->name);
	free(t->control_socket);
	free(t->control_http);
	free(t->log.dir);
	free(t);
}

struct cfg_node *
config_find(const struct cfg_tree *t, const char *path)
{
	size_t i;

	for (i = 0; i < t->nnodes; i++) {
		if (t->nodes[i] != NULL && strcmp(t->nodes[i]->path, path) == 0)
			return (t->nodes[i]);
	}
	return (NULL);
}

int
config_subtree(struct cfg_tree *t, const char *path)
{
	struct cfg_node *top = config_find(t, path), *n, *a;
	size_t i, last;

	if (top == NULL)
		return (-1);
	for (n = top; n->kind == CFG_GROUP && n->group.nchildren > 0;)
		n = n->group.children[n->group.nchildren - 1];
	last = n->id;
	for (n = top; (a = n->parent) != NULL; n = a) {
		a->group.children[0] = n;
		a->group.nchildren = 1;
	}
	for (i = 0; i < t->nnodes; i++) {
		if (i >= top->id && i <= last)
			continue;
		for (a = top->parent; a != NULL && a != t->nodes[i]; a = a->parent)
			;
		if (a != NULL)
			continue;
		node_free(t->nodes[i]);
		t->nodes[i] = NULL;
	}
	return (0);
}

int
config_instance_name(char *buf, size_t len, const char *path,
    unsigned instance, bool multi)
{
	if (multi)
		return (snprintf(buf, len, "%s:%u", path, instance));
	return (snprintf(buf, len, "%s", path));
}

char *
config_instance_name_dup(const char *path, unsigned instance, bool multi)
{
	size_t len = strlen(path) + 12;		/* ":" and a 32-bit number */
	char *s = xmalloc(len);

	(void)config_instance_name(s, len, path, instance, multi);
	return (s);
}

enum cfg_restart
config_restart(const struct cfg_node *n)
{
	return (n->kind == CFG_GROUP ? n->group.restart : n->worker.restart);
}
