/*
 * The YAML loader (SPEC §2): any bytes either give a tree that holds
 * together or are rejected with at least one error, never a crash, a
 * leak or a hang.  The file name only gives the folder that relative
 * paths are resolved against; nothing is read from it.
 */
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "tmpl.h"
#include "xmalloc.h"

#define FUZZ_FILE	"/tmp/fuzz.yaml"
/* config_find is linear: only this many nodes are looked up again. */
#define FIND_MAX	64

static FILE *devnull;

/* [A-Za-z0-9_][A-Za-z0-9_.-]* (SPEC §2), so never "", "." or "..". */
static bool
name_ok(const char *s)
{
	size_t k;

	if (s[0] == '\0' || s[0] == '.' || s[0] == '-')
		return (false);
	for (k = 0; s[k] != '\0'; k++) {
		if (!((s[k] >= 'a' && s[k] <= 'z') ||
		    (s[k] >= 'A' && s[k] <= 'Z') ||
		    (s[k] >= '0' && s[k] <= '9') ||
		    s[k] == '_' || s[k] == '.' || s[k] == '-'))
			return (false);
	}
	return (true);
}

static void
check_pos(struct diag_pos pos)
{
	/* 1-based, or 0:0 for the file as a whole. */
	CHECK((pos.line == 0) == (pos.col == 0));
}

/*
 * A value of a valid tree: its placeholders are known ones, {{port}} only
 * with a port, and none is left once the last instance's are in.
 */
static void
check_value(const struct cfg_worker *w, const char *s, unsigned bit)
{
	const struct tmpl_vars v = { .instance = w->instances - 1,
	    .port = w->port != 0 ? w->port + w->instances - 1 : 0,
	    .name = "g/w:9999" };
	struct tmpl_error e;
	unsigned uses;
	char *x;

	if (s == NULL)
		return;
	CHECK(tmpl_check(s, &uses, &e) == 0);
	CHECK((uses & TMPL_PORT) == 0 || w->port != 0);
	CHECK(!tmpl_has(s) || (w->tmpl & bit) != 0);
	x = tmpl_expand(s, &v);
	CHECK(!tmpl_has(x));
	xfree(x);
}

static void
check_values(const struct cfg_worker *w)
{
	size_t k;

	CHECK(w->port == 0 ||
	    (unsigned long long)w->port + w->instances - 1 <= CFG_MAX_PORT);
	for (k = 0; k < w->argc; k++)
		check_value(w, w->argv[k], CFG_TMPL_CMD);
	for (k = 0; k < w->nenv; k++)
		check_value(w, strchr(w->env[k], '=') + 1, CFG_TMPL_ENV);
	check_value(w, w->cwd_shown, CFG_TMPL_CWD);
	check_value(w, w->ready_host, CFG_TMPL_READY);
	check_value(w, w->ready_port, CFG_TMPL_READY);
	check_value(w, w->ready_url, CFG_TMPL_READY);
}

static void
check_worker(const struct cfg_node *n)
{
	const struct cfg_worker *w = &n->worker;
	size_t k;

	CHECK(w->argc >= 1 && w->argv != NULL && w->argv[w->argc] == NULL);
	for (k = 0; k < w->argc; k++)
		CHECK(w->argv[k] != NULL);
	CHECK(w->cwd != NULL && w->cwd[0] == '/');
	CHECK(w->nenv == 0 || w->env != NULL);
	for (k = 0; k < w->nenv; k++)
		CHECK(w->env[k] != NULL && strchr(w->env[k], '=') != NULL);
	CHECK(w->env == NULL || w->env[w->nenv] == NULL);
	CHECK(w->instances >= 1 && w->instances <= CFG_MAX_WORKERS);
	CHECK(w->n_backoff >= 1 && w->backoff_ms != NULL);
	CHECK(w->n_normal_exit_codes == 0 || w->normal_exit_codes != NULL);
	switch (w->ready) {
	case CFG_READY_TCP:
		CHECK(w->ready_host != NULL && w->ready_port != NULL);
		break;
	case CFG_READY_HTTP:
		CHECK(w->ready_url != NULL);
		break;
	case CFG_READY_FD:
		CHECK(w->ready_fd >= 0);
		break;
	default:
		break;
	}
	CHECK(config_worker_same(w, w));
	check_values(w);
}

static void
check_tree(const struct cfg_tree *t)
{
	const struct cfg_node *n;
	size_t i, k, nworkers = 0, nchildren = 0;

	CHECK(t->file != NULL && strcmp(t->file, FUZZ_FILE) == 0);
	CHECK(t->dir != NULL && t->dir[0] == '/');
	CHECK(t->name != NULL);
	CHECK(t->log.dir != NULL && t->log.dir[0] == '/');
	CHECK(t->control_socket == NULL || t->control_socket[0] == '/');
	CHECK(t->nnodes >= 1 && t->nodes[0] == t->root);
	CHECK(t->root->kind == CFG_GROUP && t->root->parent == NULL);
	CHECK(strcmp(t->root->name, "") == 0 && strcmp(t->root->path, "") == 0);
	for (i = 0; i < t->nnodes; i++) {
		n = t->nodes[i];
		CHECK(n != NULL && n->id == i);
		CHECK(n->depth <= CFG_MAX_DEPTH);
		CHECK(n->name != NULL && n->path != NULL);
		check_pos(n->pos);
		if (i > 0) {
			CHECK(n->parent != NULL && n->parent->kind == CFG_GROUP);
			CHECK(n->parent->id < n->id);
			CHECK(n->depth == n->parent->depth + 1);
			CHECK(name_ok(n->name));
		}
		if (i < FIND_MAX)
			CHECK(config_find(t, n->path) == n);
		if (n->kind == CFG_WORKER) {
			check_worker(n);
			nworkers += n->worker.instances;
			continue;
		}
		CHECK(n->kind == CFG_GROUP);
		CHECK(n->group.nchildren == 0 || n->group.children != NULL);
		for (k = 0; k < n->group.nchildren; k++)
			CHECK(n->group.children[k]->parent == n);
		nchildren += n->group.nchildren;
	}
	/* Every node but the root is the child of exactly one group. */
	CHECK(nchildren == t->nnodes - 1);
	CHECK(nworkers == t->nworkers && nworkers <= CFG_MAX_WORKERS);
	config_print(t, devnull);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_tree *t;
	struct diag d;
	size_t i;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	diag_init(&d, FUZZ_FILE);
	t = config_load_buffer(FUZZ_FILE, (const char *)data, size, &d);
	if (t == NULL)
		CHECK(d.n > 0);		/* rejected, and said why */
	else
		check_tree(t);
	for (i = 0; i < d.n; i++) {
		CHECK(d.v[i].msg != NULL);
		check_pos(d.v[i].pos);
	}
	diag_print(&d, devnull);
	config_free(t);
	diag_free(&d);
	return (0);
}
