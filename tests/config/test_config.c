/*
 * The config loader against its corpus: every good file loads with the
 * expected values, every bad file gives exactly the errors its
 * "# expect: LINE:COL: fragment" lines list.  CORPUS names this folder.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static const char *corpus;

struct expect {
	unsigned	 line, col;
	char		 frag[512];
	int		 used;
};

static char *
corpus_path(const char *sub, const char *name)
{
	char *p;

	ck_assert_int_ne(asprintf(&p, "%s/%s/%s", corpus, sub, name), -1);
	return (p);
}

static void
diag_dump(struct diag *d)
{
	diag_print(d, stderr);
}

/* Loads good/NAME, failing the test with every error if it does not. */
static struct cfg_tree *
good(const char *name)
{
	struct cfg_tree *t;
	struct diag d;
	char *p = corpus_path("good", name);

	diag_init(&d, p);
	t = config_load(p, &d);
	if (t == NULL || d.n != 0)
		diag_dump(&d);
	ck_assert_msg(t != NULL && d.n == 0, "%s did not load", name);
	diag_free(&d);
	free(p);
	return (t);
}

static struct cfg_node *
find(struct cfg_tree *t, const char *path)
{
	struct cfg_node *n = config_find(t, path);

	ck_assert_msg(n != NULL, "no node \"%s\"", path);
	return (n);
}

static struct cfg_worker *
worker(struct cfg_tree *t, const char *path)
{
	struct cfg_node *n = find(t, path);

	ck_assert_int_eq(n->kind, CFG_WORKER);
	return (&n->worker);
}

static char *
good_dir(void)
{
	char *p = corpus_path("good", "."), *r;

	ck_assert_ptr_nonnull(r = realpath(p, NULL));
	free(p);
	return (r);
}

/* DIR + "/" + REL, to compare with the loader's absolute paths. */
static void
assert_path(const char *got, const char *rel)
{
	char *dir = good_dir(), *want;

	ck_assert_int_ne(asprintf(&want, "%s%s%s", dir, *rel ? "/" : "", rel),
	    -1);
	ck_assert_str_eq(got, want);
	free(want);
	free(dir);
}

static const char *
env_get(const struct cfg_worker *w, const char *key)
{
	size_t i, len = strlen(key);

	ck_assert_ptr_null(w->env[w->nenv]);
	for (i = 0; i < w->nenv; i++) {
		if (strncmp(w->env[i], key, len) == 0 && w->env[i][len] == '=')
			return (w->env[i] + len + 1);
	}
	return (NULL);
}

static void
assert_argv(const struct cfg_worker *w, const char *const *want)
{
	size_t i;

	for (i = 0; want[i] != NULL; i++) {
		ck_assert_uint_lt(i, w->argc);
		ck_assert_str_eq(w->argv[i], want[i]);
	}
	ck_assert_uint_eq(i, w->argc);
	ck_assert_ptr_null(w->argv[w->argc]);
}

/* Invariants every loaded tree keeps, whatever the file. */
static void
assert_shape(struct cfg_tree *t)
{
	struct cfg_node *n;
	size_t i, workers = 0;
	char *path;

	ck_assert_ptr_eq(t->nodes[0], t->root);
	ck_assert_str_eq(t->root->path, "");
	ck_assert_int_eq(t->root->kind, CFG_GROUP);
	ck_assert(t->dir[0] == '/');
	ck_assert(t->log.dir[0] == '/');
	ck_assert(t->control_socket == NULL || t->control_socket[0] == '/');
	for (i = 0; i < t->nnodes; i++) {
		n = t->nodes[i];
		ck_assert_uint_eq(n->id, i);
		ck_assert_ptr_eq(config_find(t, n->path), n);
		if (n->kind == CFG_WORKER) {
			workers += n->worker.instances;
			ck_assert_uint_ge(n->worker.argc, 1);
			ck_assert(n->worker.cwd[0] == '/');
			ck_assert_uint_ge(n->worker.n_backoff, 1);
			ck_assert_uint_ge(n->worker.instances, 1);
		}
		if (i == 0)
			continue;
		ck_assert_uint_lt(n->parent->id, n->id);
		ck_assert_uint_eq(n->depth, n->parent->depth + 1);
		if (n->parent == t->root)
			ck_assert_str_eq(n->path, n->name);
		else {
			ck_assert_int_ne(asprintf(&path, "%s/%s",
			    n->parent->path, n->name), -1);
			ck_assert_str_eq(n->path, path);
			free(path);
		}
	}
	ck_assert_uint_eq(workers, t->nworkers);
}

START_TEST(good_all_load)
{
	struct cfg_tree *t;
	struct dirent *e;
	size_t len, n = 0;
	FILE *f;
	DIR *dir;
	char *p, *buf;

	p = corpus_path("good", "");
	ck_assert_ptr_nonnull(dir = opendir(p));
	free(p);
	while ((e = readdir(dir)) != NULL) {
		if (strstr(e->d_name, ".yaml") == NULL)
			continue;
		t = good(e->d_name);
		assert_shape(t);
		ck_assert_ptr_nonnull(f = open_memstream(&buf, &len));
		config_print(t, f);
		fclose(f);
		ck_assert_uint_ge(len, t->nnodes);
		free(buf);
		config_free(t);
		n++;
	}
	closedir(dir);
	ck_assert_uint_ge(n, 12);
}
END_TEST

START_TEST(good_shop)
{
	static const char *const proxy[] = { "./bin/proxy", "--port", "5433",
		NULL };
	static const char *const node[] = { "node", "server.js", "--port",
		"3000", NULL };
	struct cfg_tree *t = good("shop.yaml");
	struct cfg_worker *w;
	struct cfg_node *api;

	ck_assert_str_eq(t->name, "shop");
	ck_assert_int_eq(t->root->group.strategy, CFG_ONE_FOR_ONE);
	ck_assert_uint_eq(t->root->group.intensity, 5);
	ck_assert_uint_eq(t->root->group.period_ms, 10000);
	assert_path(t->control_socket, "run/shop.sock");
	ck_assert_str_eq(t->control_http, "127.0.0.1:9615");
	assert_path(t->log.dir, "logs");
	ck_assert(!t->log.to_stdout);
	ck_assert_int_eq(t->log.format, CFG_FORMAT_TEXT);
	ck_assert_uint_eq(t->log.max_size, 10 * 1024 * 1024);
	ck_assert_uint_eq(t->log.keep, 5);
	ck_assert_uint_eq(t->nnodes, 5);
	ck_assert_uint_eq(t->nworkers, 6);
	api = find(t, "api");
	ck_assert_uint_eq(api->id, 1);
	ck_assert_int_eq(api->group.strategy, CFG_REST_FOR_ONE);
	ck_assert_uint_eq(api->group.nchildren, 2);
	ck_assert_ptr_eq(api->group.children[1], find(t, "api/web"));
	ck_assert_uint_eq(api->pos.line, 18);
	ck_assert_uint_eq(api->pos.col, 5);
	w = worker(t, "api/db-proxy");
	assert_argv(w, proxy);
	ck_assert_int_eq(w->ready, CFG_READY_NOTIFY);
	ck_assert_uint_eq(w->shutdown_ms, 3000);
	assert_path(w->cwd, "");
	w = worker(t, "api/web");
	assert_argv(w, node);
	ck_assert_uint_eq(w->instances, 4);
	assert_path(w->cwd, "services/web");
	ck_assert_uint_eq(w->nenv, 1);
	ck_assert_str_eq(env_get(w, "NODE_ENV"), "production");
	ck_assert_uint_eq(find(t, "queue")->id, 4);
	ck_assert_int_eq(worker(t, "queue")->restart, CFG_TRANSIENT);
	ck_assert_ptr_null(config_find(t, "web"));
	ck_assert_ptr_null(config_find(t, "api/"));
	ck_assert_ptr_eq(config_find(t, ""), t->root);
	config_free(t);
}
END_TEST

START_TEST(good_minimal_defaults)
{
	static const uint64_t backoff[] = { 0, 100, 500, 1000, 10000, 30000,
		60000, 300000, 900000 };
	struct cfg_tree *t = good("minimal.yaml");
	struct cfg_worker *w = worker(t, "sleeper");
	size_t i;

	ck_assert_str_eq(t->name, "minimal");
	ck_assert_str_eq(t->root->name, "");
	ck_assert_int_eq(t->root->group.strategy, CFG_ONE_FOR_ONE);
	ck_assert_uint_eq(t->root->group.intensity, 3);
	ck_assert_uint_eq(t->root->group.period_ms, 5000);
	ck_assert_ptr_null(t->control_socket);
	ck_assert_ptr_null(t->control_http);
	assert_path(t->log.dir, "logs");
	ck_assert_uint_eq(t->log.max_size, 10485760);
	ck_assert_uint_eq(t->log.keep, 5);
	ck_assert_int_eq(t->log.format, CFG_FORMAT_TEXT);
	ck_assert(!t->log.to_stdout);
	assert_path(w->cwd, "");
	ck_assert_uint_eq(w->nenv, 0);
	ck_assert_uint_eq(w->instances, 1);
	ck_assert_int_eq(w->restart, CFG_PERMANENT);
	ck_assert_uint_eq(w->n_normal_exit_codes, 1);
	ck_assert_int_eq(w->normal_exit_codes[0], 0);
	ck_assert_uint_eq(w->n_backoff, 9);
	for (i = 0; i < 9; i++)
		ck_assert_uint_eq(w->backoff_ms[i], backoff[i]);
	ck_assert_uint_eq(w->stable_after_ms, 30 * 60 * 1000);
	ck_assert_uint_eq(w->shutdown_ms, 5000);
	ck_assert_int_eq(w->stop_signal, SIGTERM);
	ck_assert_int_eq(w->ready, CFG_READY_NONE);
	ck_assert_uint_eq(w->ready_timeout_ms, 30000);
	ck_assert_uint_eq(w->watchdog_ms, 0);
	ck_assert(!w->log_off);
	ck_assert_int_eq(w->log_stdout, CFG_INHERIT);
	ck_assert_int_eq(w->log_file, CFG_INHERIT);
	config_free(t);
}
END_TEST

START_TEST(good_every_key)
{
	static const char *const argv[] = { "/usr/bin/env", "-i", "sh", "-c",
		"exec sleep 5", NULL };
	static const uint64_t backoff[] = { 0, 250, 1500, 90000 };
	struct cfg_tree *t = good("every_key.yaml");
	struct cfg_worker *w = worker(t, "all");
	size_t i;

	assert_argv(w, argv);
	ck_assert_str_eq(w->cwd, "/tmp");
	ck_assert_uint_eq(w->nenv, 3);
	ck_assert_str_eq(env_get(w, "PORT"), "3000");
	ck_assert_str_eq(env_get(w, "MODE"), "production");
	ck_assert_str_eq(env_get(w, "EMPTY"), "");
	ck_assert_uint_eq(w->instances, 3);
	ck_assert_uint_eq(t->nworkers, 3);
	ck_assert_int_eq(w->restart, CFG_TRANSIENT);
	ck_assert_uint_eq(w->n_normal_exit_codes, 3);
	ck_assert_int_eq(w->normal_exit_codes[2], 255);
	ck_assert_uint_eq(w->n_backoff, 4);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(w->backoff_ms[i], backoff[i]);
	ck_assert_uint_eq(w->stable_after_ms, 2 * 3600 * 1000);
	ck_assert_uint_eq(w->shutdown_ms, 10000);
	ck_assert_int_eq(w->stop_signal, SIGINT);
	ck_assert_int_eq(w->ready, CFG_READY_NOTIFY);
	ck_assert_uint_eq(w->ready_timeout_ms, 45000);
	ck_assert_uint_eq(w->watchdog_ms, 20000);
	ck_assert(!w->log_off);
	ck_assert_int_eq(w->log_stdout, CFG_ON);
	ck_assert_int_eq(w->log_file, CFG_OFF);
	config_free(t);
}
END_TEST

START_TEST(good_nested_preorder)
{
	static const char *const order[] = { "", "a", "a/b", "a/b/c",
		"a/b/c/w1", "a/b/w2", "a/w3", "w4" };
	struct cfg_tree *t = good("nested.yaml");
	size_t i;

	ck_assert_uint_eq(t->nnodes, 8);
	for (i = 0; i < 8; i++)
		ck_assert_str_eq(t->nodes[i]->path, order[i]);
	ck_assert_int_eq(t->root->group.strategy, CFG_ONE_FOR_ALL);
	ck_assert_int_eq(find(t, "a")->group.strategy, CFG_ONE_FOR_ONE);
	ck_assert_int_eq(find(t, "a/b")->group.strategy, CFG_REST_FOR_ONE);
	ck_assert_uint_eq(find(t, "a/b/c")->group.intensity, 0);
	ck_assert_uint_eq(find(t, "a/b/c")->group.period_ms, 60000);
	ck_assert_uint_eq(find(t, "a/b")->group.period_ms, 5000);
	ck_assert_uint_eq(find(t, "a/b/c/w1")->depth, 4);
	ck_assert_str_eq(find(t, "a/b/c/w1")->name, "w1");
	ck_assert_ptr_eq(find(t, "a/b/c/w1")->parent, find(t, "a/b/c"));
	ck_assert_uint_eq(t->nworkers, 5);
	config_free(t);
}
END_TEST

/* A group supervisor keeps its part: a/b, below it, and its ancestors. */
START_TEST(subtree_keeps_one_part)
{
	static const bool kept[] = { true, true, true, true, true, true,
		false, false };
	struct cfg_tree *t = good("nested.yaml");
	size_t i;

	ck_assert_int_eq(config_subtree(t, "a/nope"), -1);
	ck_assert_ptr_nonnull(t->nodes[7]);
	ck_assert_int_eq(config_subtree(t, "a/b"), 0);
	ck_assert_uint_eq(t->nnodes, 8);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(t->nodes[i] != NULL, kept[i]);
	ck_assert_ptr_eq(find(t, "a/b/c/w1")->parent, find(t, "a/b/c"));
	ck_assert_ptr_eq(find(t, "a/b/w2"), t->nodes[5]);
	ck_assert_ptr_null(config_find(t, "w4"));
	ck_assert_uint_eq(t->root->group.nchildren, 1);
	ck_assert_ptr_eq(t->root->group.children[0], find(t, "a"));
	ck_assert_uint_eq(find(t, "a")->group.nchildren, 1);
	ck_assert_ptr_eq(find(t, "a")->group.children[0], find(t, "a/b"));
	ck_assert_uint_eq(find(t, "a/b")->group.nchildren, 2);
	ck_assert_int_eq(config_subtree(t, "a/b/c"), 0);
	ck_assert_ptr_null(t->nodes[5]);
	ck_assert_ptr_nonnull(t->nodes[4]);
	config_free(t);
}
END_TEST

START_TEST(good_defaults_merge)
{
	struct cfg_tree *t = good("defaults_merge.yaml");
	struct cfg_worker *w;

	w = worker(t, "g/inherit");
	ck_assert_uint_eq(w->shutdown_ms, 7000);
	ck_assert_int_eq(w->restart, CFG_TRANSIENT);
	ck_assert_int_eq(w->stop_signal, SIGINT);
	ck_assert_uint_eq(w->ready_timeout_ms, 60000);
	ck_assert_uint_eq(w->n_backoff, 1);
	ck_assert_uint_eq(w->backoff_ms[0], 1000);
	ck_assert_uint_eq(w->nenv, 3);
	ck_assert_str_eq(env_get(w, "A"), "root");
	ck_assert_str_eq(env_get(w, "B"), "group");
	ck_assert_str_eq(env_get(w, "C"), "group");
	w = worker(t, "g/own");
	ck_assert_uint_eq(w->shutdown_ms, 0);
	ck_assert_int_eq(w->restart, CFG_PERMANENT);
	ck_assert_uint_eq(w->backoff_ms[0], 2000);
	ck_assert_uint_eq(w->nenv, 4);
	ck_assert_str_eq(env_get(w, "C"), "own");
	ck_assert_str_eq(env_get(w, "D"), "own");
	ck_assert_str_eq(env_get(w, "B"), "group");
	w = worker(t, "g/inner/deep");
	ck_assert_str_eq(env_get(w, "A"), "inner");
	ck_assert_str_eq(env_get(w, "C"), "group");
	ck_assert(w->log_off);
	ck_assert_uint_eq(w->shutdown_ms, 7000);
	w = worker(t, "top");
	ck_assert_uint_eq(w->shutdown_ms, 3000);
	ck_assert_uint_eq(w->ready_timeout_ms, 30000);
	ck_assert_ptr_null(env_get(w, "C"));
	ck_assert(!w->log_off);
	/* Groups do not inherit strategy, intensity or period. */
	ck_assert_uint_eq(find(t, "g/inner")->group.intensity, 3);
	config_free(t);
}
END_TEST

START_TEST(good_anchors)
{
	static const char *const argv[] = { "sleep", "100", NULL };
	struct cfg_tree *t = good("anchors.yaml");
	struct cfg_worker *w;

	w = worker(t, "one");
	assert_argv(w, argv);
	ck_assert_int_eq(w->restart, CFG_TEMPORARY);
	ck_assert_uint_eq(w->shutdown_ms, 1000);
	ck_assert_str_eq(env_get(w, "LANG"), "C.UTF-8");
	w = worker(t, "two");
	assert_argv(w, argv);
	ck_assert_uint_eq(w->instances, 2);
	w = worker(t, "three");
	assert_argv(w, argv);
	/* In `<<: [a, b]` the earlier mapping wins. */
	ck_assert_int_eq(w->restart, CFG_TEMPORARY);
	ck_assert_int_eq(w->stop_signal, SIGHUP);
	ck_assert_uint_eq(t->nworkers, 4);
	config_free(t);
}
END_TEST

START_TEST(good_ready_forms)
{
	struct cfg_tree *t = good("ready_forms.yaml");
	struct cfg_worker *w;

	ck_assert_int_eq(worker(t, "none")->ready, CFG_READY_NONE);
	ck_assert_int_eq(worker(t, "notify")->ready, CFG_READY_NOTIFY);
	w = worker(t, "fd");
	ck_assert_int_eq(w->ready, CFG_READY_FD);
	ck_assert_int_eq(w->ready_fd, 3);
	w = worker(t, "tcp");
	ck_assert_int_eq(w->ready, CFG_READY_TCP);
	ck_assert_str_eq(w->ready_host, "127.0.0.1");
	ck_assert_str_eq(w->ready_port, "8080");
	w = worker(t, "tcp6");
	ck_assert_str_eq(w->ready_host, "::1");
	ck_assert_str_eq(w->ready_port, "8081");
	ck_assert_int_eq(w->ready_owner, CFG_OWNER_WORKER);
	w = worker(t, "tcpany");
	ck_assert_int_eq(w->ready, CFG_READY_TCP);
	ck_assert_str_eq(w->ready_port, "8082");
	ck_assert_int_eq(w->ready_owner, CFG_OWNER_ANY);
	w = worker(t, "httpany");
	ck_assert_int_eq(w->ready, CFG_READY_HTTP);
	ck_assert_str_eq(w->ready_url, "http://localhost:3000/");
	ck_assert_int_eq(w->ready_owner, CFG_OWNER_ANY);
	ck_assert_int_eq(worker(t, "tcpworker")->ready_owner, CFG_OWNER_WORKER);
	w = worker(t, "http");
	ck_assert_int_eq(w->ready, CFG_READY_HTTP);
	ck_assert_str_eq(w->ready_url, "http://127.0.0.1:8080/healthz");
	ck_assert_uint_eq(w->ready_timeout_ms, 0);
	ck_assert_int_eq(w->ready_owner, CFG_OWNER_WORKER);
	config_free(t);
}
END_TEST

START_TEST(good_shutdown_forms)
{
	struct cfg_tree *t = good("shutdown_forms.yaml");

	ck_assert_uint_eq(worker(t, "brutal")->shutdown_ms, 0);
	ck_assert_int_eq(worker(t, "brutal")->stop_signal, SIGKILL);
	ck_assert_uint_eq(worker(t, "patient")->shutdown_ms, CFG_INFINITY);
	ck_assert_int_eq(worker(t, "patient")->stop_signal, SIGQUIT);
	ck_assert_uint_eq(worker(t, "zero")->shutdown_ms, 0);
	ck_assert_int_eq(worker(t, "zero")->stop_signal, SIGHUP);
	ck_assert_uint_eq(worker(t, "mixed")->shutdown_ms, 90000);
	ck_assert_int_eq(worker(t, "mixed")->stop_signal, 10);
	ck_assert_uint_eq(worker(t, "frac")->shutdown_ms, 1500);
	ck_assert_int_eq(worker(t, "frac")->stop_signal, SIGUSR2);
	ck_assert_uint_eq(worker(t, "frac")->stop_argc, 0);
	ck_assert_ptr_null(worker(t, "frac")->stop_argv[0]);
	ck_assert_uint_eq(worker(t, "stopcmds/inherited")->stop_argc, 3);
	ck_assert_str_eq(worker(t, "stopcmds/inherited")->stop_argv[2], "quit");
	ck_assert_ptr_null(worker(t, "stopcmds/inherited")->stop_argv[3]);
	ck_assert_uint_eq(worker(t, "stopcmds/listed")->stop_argc, 4);
	ck_assert_str_eq(worker(t, "stopcmds/listed")->stop_argv[0], "pg_ctl");
	ck_assert_str_eq(worker(t, "stopcmds/listed")->stop_argv[3], "fast");
	ck_assert_uint_eq(worker(t, "stopcmds/dropped")->stop_argc, 0);
	ck_assert_ptr_null(worker(t, "stopcmds/dropped")->stop_argv[0]);
	ck_assert_uint_eq(worker(t, "stopcmds/emptied")->stop_argc, 0);
	config_free(t);
}
END_TEST

START_TEST(good_log_forms)
{
	struct cfg_tree *t = good("log_forms.yaml");
	struct cfg_worker *w;

	ck_assert_str_eq(t->log.dir, "/var/tmp/pmtree-logs");
	ck_assert_int_eq(t->log.to_stdout, CFG_ECHO_ON);
	ck_assert_int_eq(t->log.format, CFG_FORMAT_JSON);
	ck_assert_uint_eq(t->log.max_size, 0);
	ck_assert_uint_eq(t->log.keep, 0);
	ck_assert(worker(t, "quiet")->log_off);
	ck_assert(worker(t, "quiet2")->log_off);
	w = worker(t, "echo");
	ck_assert(!w->log_off);
	ck_assert_int_eq(w->log_stdout, CFG_ON);
	ck_assert_int_eq(w->log_file, CFG_INHERIT);
	w = worker(t, "nofile");
	ck_assert_int_eq(w->log_stdout, CFG_OFF);
	ck_assert_int_eq(w->log_file, CFG_OFF);
	w = worker(t, "default");
	ck_assert(!w->log_off);
	ck_assert_int_eq(w->log_stdout, CFG_INHERIT);
	ck_assert_int_eq(worker(t, "big")->log_file, CFG_ON);
	ck_assert_int_eq(worker(t, "raw")->log_stdout, CFG_ECHO_RAW);
	ck_assert_int_eq(worker(t, "json")->log_stdout, CFG_ECHO_JSON);
	ck_assert_int_eq(worker(t, "json")->log_file, CFG_OFF);
	config_free(t);
}
END_TEST

START_TEST(good_cmd_forms)
{
	static const char *const quoted[] = { "sh", "-c",
		"echo \"$HOME\" && exit 3", "two words", "a b", "", NULL };
	static const char *const listed[] = { "printf", "%s\n",
		"no $expansion here", NULL };
	struct cfg_tree *t = good("cmd_forms.yaml");
	struct cfg_worker *w;

	assert_argv(worker(t, "quoted"), quoted);
	assert_argv(worker(t, "listed"), listed);
	w = worker(t, "envs");
	ck_assert_str_eq(env_get(w, "PORT"), "3000");
	ck_assert_str_eq(env_get(w, "FLAG"), "true");
	ck_assert_str_eq(env_get(w, "RATIO"), "1.50");
	ck_assert_str_eq(env_get(w, "NOTHING"), "~");
	ck_assert_str_eq(env_get(w, "QUOTED"), "a: b");
	ck_assert_str_eq(env_get(w, "LONG"), "folded text");
	config_free(t);
}
END_TEST

START_TEST(good_paths)
{
	struct cfg_tree *t = good("paths.yaml");

	assert_path(t->control_socket, "run/../run/paths.sock");
	assert_path(t->log.dir, "var/logs");
	assert_path(worker(t, "here")->cwd, "");
	assert_path(worker(t, "rel")->cwd, "services/web");
	assert_path(worker(t, "dot")->cwd, "");
	ck_assert_str_eq(worker(t, "abs")->cwd, "/srv/app");
	assert_path(worker(t, "grp/inherits")->cwd, "sub");
	config_free(t);
}
END_TEST

/* env_file: resolved, kept as written, placed; inherited as a whole. */
START_TEST(good_env_file)
{
	struct cfg_tree *t = good("env_file.yaml");
	struct cfg_worker *w, *u;

	w = worker(t, "inherits");
	ck_assert_uint_eq(w->n_env_file, 2);
	assert_path(w->env_file[0], "common.env");
	ck_assert_str_eq(w->env_file[1], "/etc/shop/secrets.env");
	ck_assert_ptr_null(w->env_file[2]);
	ck_assert_str_eq(w->env_file_shown[0], "common.env");
	ck_assert_str_eq(w->env_file_shown[1], "/etc/shop/secrets.env");
	ck_assert_ptr_null(w->env_file_shown[2]);
	/* Where the defaults wrote them: line 6, the list's items. */
	ck_assert_uint_eq(w->env_file_pos[0].line, 6);
	ck_assert_uint_eq(w->env_file_pos[0].col, 14);
	ck_assert_uint_eq(w->env_file_pos[1].col, 26);
	w = worker(t, "one");
	ck_assert_uint_eq(w->n_env_file, 1);
	assert_path(w->env_file[0], "conf/one.env");
	ck_assert_str_eq(w->env_file_shown[0], "./conf//one.env");
	ck_assert_uint_eq(w->env_file_pos[0].line, 9);
	ck_assert_uint_eq(worker(t, "none")->n_env_file, 0);
	ck_assert_ptr_null(worker(t, "none")->env_file[0]);
	ck_assert_uint_eq(worker(t, "nothing")->n_env_file, 0);
	/* A file twice is read twice; env is not touched. */
	w = worker(t, "g/w");
	ck_assert_uint_eq(w->n_env_file, 3);
	ck_assert_str_eq(w->env_file_shown[2], "a.env");
	ck_assert_str_eq(env_get(w, "A"), "own");
	/* The list is compared on reload; where it is written is not. */
	u = worker(t, "inherits");
	ck_assert(!config_worker_same(w, u));
	ck_assert(!config_worker_same(u, worker(t, "none")));
	ck_assert(config_worker_same(worker(t, "none"),
	    worker(t, "nothing")));
	config_free(t);
}
END_TEST

START_TEST(good_misc)
{
	struct cfg_tree *t;
	struct cfg_worker *w;

	t = good("flow.yaml");
	ck_assert_uint_eq(t->root->group.intensity, 10);
	ck_assert_uint_eq(t->root->group.period_ms, 30000);
	ck_assert_int_eq(worker(t, "g/b")->restart, CFG_TEMPORARY);
	config_free(t);
	t = good("empty_group.yaml");
	ck_assert_uint_eq(find(t, "later")->group.nchildren, 0);
	ck_assert_uint_eq(t->nworkers, 1);
	config_free(t);
	t = good("strategies.yaml");
	ck_assert_int_eq(t->root->group.strategy, CFG_REST_FOR_ONE);
	ck_assert_uint_eq(t->root->group.intensity, 0);
	ck_assert_uint_eq(t->root->group.period_ms, 3600000);
	ck_assert_uint_eq(find(t, "all")->group.period_ms, 250);
	w = worker(t, "one/w");
	ck_assert_uint_eq(w->n_backoff, 1);
	ck_assert_uint_eq(w->backoff_ms[0], 5000);
	w = worker(t, "all/w");
	ck_assert_uint_eq(w->n_normal_exit_codes, 1);
	ck_assert_int_eq(w->normal_exit_codes[0], 7);
	ck_assert_uint_eq(worker(t, "rest/w")->n_normal_exit_codes, 0);
	config_free(t);
	t = good("x_keys.yaml");
	ck_assert_str_eq(env_get(worker(t, "w"), "A"), "1");
	config_free(t);
}
END_TEST

/*
 * `port` and the placeholders: kept as written (the tree is every
 * instance's), and the keys that hold any marked, so that the others'
 * starts expand nothing.
 */
START_TEST(good_tmpl)
{
	static const char *const node[] = { "node", "app.js", "--port",
		"{{port}}", "--name", "{{name}}", NULL };
	struct cfg_tree *t = good("tmpl.yaml");
	struct cfg_worker *w;
	size_t len;
	char *buf;
	FILE *f;

	w = worker(t, "web");
	ck_assert_uint_eq(w->port, 9100);
	ck_assert_uint_eq(w->instances, 2);
	assert_argv(w, node);
	assert_path(w->cwd, "w{{instance}}");
	ck_assert_str_eq(w->cwd_shown, "w{{instance}}");
	ck_assert_str_eq(env_get(w, "ADDR"), "127.0.0.1:{{port}}");
	ck_assert_str_eq(env_get(w, "WHO"), "{{name}}");
	ck_assert_str_eq(env_get(w, "PLAIN"), "}} { }");
	ck_assert_str_eq(w->ready_url, "http://127.0.0.1:{{port}}/health");
	ck_assert_uint_eq(w->tmpl, CFG_TMPL_CMD | CFG_TMPL_ENV | CFG_TMPL_CWD |
	    CFG_TMPL_READY);
	w = worker(t, "tcp");
	ck_assert_uint_eq(w->port, 65535);
	ck_assert_str_eq(w->ready_host, "::1");
	ck_assert_str_eq(w->ready_port, "{{port}}");
	ck_assert_uint_eq(w->tmpl, CFG_TMPL_CMD | CFG_TMPL_ENV |
	    CFG_TMPL_READY);
	/* Its own values replace the inherited ones: nothing left to expand. */
	w = worker(t, "plain");
	ck_assert_uint_eq(w->port, 0);
	ck_assert_uint_eq(w->tmpl, 0);
	ck_assert_str_eq(w->ready_port, "80");
	ck_assert_ptr_nonnull(f = open_memstream(&buf, &len));
	config_print(t, f);
	fclose(f);
	ck_assert_msg(strstr(buf, "x2  port 9100-9101  permanent  ready http "
	    "http://127.0.0.1:{{port}}/health\n") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "'--port={{port}}}'  port 65535  permanent  "
	    "ready tcp [::1]:{{port}}\n") != NULL, "%s", buf);
	free(buf);
	config_free(t);
}
END_TEST

/* A group's `restart`: its own, default permanent, apart from defaults'. */
START_TEST(good_group_restart)
{
	struct cfg_tree *t = good("group_restart.yaml");

	ck_assert_int_eq(t->root->group.restart, CFG_PERMANENT);
	ck_assert_int_eq(find(t, "batch")->group.restart, CFG_TRANSIENT);
	ck_assert_int_eq(find(t, "batch/inner")->group.restart, CFG_PERMANENT);
	ck_assert_int_eq(find(t, "once")->group.restart, CFG_TEMPORARY);
	ck_assert_int_eq(find(t, "plain")->group.restart, CFG_PERMANENT);
	ck_assert_int_eq(worker(t, "batch/inner/w")->restart, CFG_TEMPORARY);
	ck_assert_int_eq(worker(t, "once/w")->restart, CFG_PERMANENT);
	ck_assert_int_eq(config_restart(find(t, "batch")), CFG_TRANSIENT);
	ck_assert_int_eq(config_restart(find(t, "once/w")), CFG_PERMANENT);
	config_free(t);
}
END_TEST

START_TEST(good_limits)
{
	struct cfg_tree *t;
	struct cfg_node *n;

	t = good("deep32.yaml");
	n = t->nodes[t->nnodes - 1];
	ck_assert_int_eq(n->kind, CFG_WORKER);
	ck_assert_uint_eq(n->depth, CFG_MAX_DEPTH + 1);
	ck_assert_uint_eq(n->parent->depth, CFG_MAX_DEPTH);
	config_free(t);
	t = good("workers10000.yaml");
	ck_assert_uint_eq(t->nworkers, CFG_MAX_WORKERS);
	config_free(t);
}
END_TEST

START_TEST(print_shop)
{
	static const char want[] =
	    "shop              group   one_for_one  intensity 5/10s\n"
	    "  api             group   rest_for_one  intensity 3/5s"
	    "  permanent\n"
	    "    api/db-proxy  worker  ./bin/proxy --port 5433  permanent"
	    "  ready notify\n"
	    "    api/web       worker  node server.js --port 3000  x4"
	    "  permanent\n"
	    "  queue           worker  python3 watcher.py  transient\n";
	struct cfg_tree *t = good("shop.yaml");
	size_t len;
	char *buf;
	FILE *f;

	ck_assert_ptr_nonnull(f = open_memstream(&buf, &len));
	config_print(t, f);
	fclose(f);
	ck_assert_str_eq(buf, want);
	free(buf);
	config_free(t);
}
END_TEST

/* Reads the "# expect: L:C: fragment" lines at the top of FILE. */
static size_t
expects_read(const char *file, struct expect *ex, size_t max)
{
	char line[1024];
	size_t n = 0;
	FILE *f;
	int off;

	ck_assert_ptr_nonnull(f = fopen(file, "r"));
	while (fgets(line, sizeof(line), f) != NULL && n < max) {
		if (strncmp(line, "# expect: ", 10) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		ck_assert_msg(sscanf(line + 10, "%u:%u: %n", &ex[n].line,
		    &ex[n].col, &off) == 2, "%s: bad expect line", file);
		snprintf(ex[n].frag, sizeof(ex[n].frag), "%s", line + 10 + off);
		ex[n].used = 0;
		n++;
	}
	fclose(f);
	return (n);
}

/* Every error matches one expect line, and the counts are equal. */
static int
bad_file(const char *name)
{
	struct expect ex[64];
	struct cfg_tree *t;
	struct diag d;
	size_t n, i, k;
	char *p = corpus_path("bad", name);
	int ok = 1;

	n = expects_read(p, ex, 64);
	diag_init(&d, p);
	t = config_load(p, &d);
	if (t != NULL || n == 0 || d.n != n) {
		fprintf(stderr, "%s: loaded=%d, %zu errors, %zu expected\n",
		    name, t != NULL, d.n, n);
		ok = 0;
	}
	for (i = 0; i < d.n; i++) {
		for (k = 0; k < n; k++) {
			if (!ex[k].used && ex[k].line == d.v[i].pos.line &&
			    ex[k].col == d.v[i].pos.col &&
			    strstr(d.v[i].msg, ex[k].frag) != NULL)
				break;
		}
		if (k < n)
			ex[k].used = 1;
		else {
			fprintf(stderr, "%s: unexpected %u:%u: %s\n", name,
			    d.v[i].pos.line, d.v[i].pos.col, d.v[i].msg);
			ok = 0;
		}
	}
	for (k = 0; k < n; k++) {
		if (!ex[k].used) {
			fprintf(stderr, "%s: missing %u:%u: %s\n", name,
			    ex[k].line, ex[k].col, ex[k].frag);
			ok = 0;
		}
	}
	config_free(t);
	diag_free(&d);
	free(p);
	return (ok);
}

START_TEST(bad_corpus)
{
	struct dirent *e;
	size_t n = 0, failed = 0;
	DIR *dir;
	char *p;

	p = corpus_path("bad", "");
	ck_assert_ptr_nonnull(dir = opendir(p));
	free(p);
	while ((e = readdir(dir)) != NULL) {
		if (strstr(e->d_name, ".yaml") == NULL)
			continue;
		n++;
		if (!bad_file(e->d_name))
			failed++;
	}
	closedir(dir);
	ck_assert_uint_ge(n, 35);
	ck_assert_msg(failed == 0, "%zu of %zu bad files failed (see stderr)",
	    failed, n);
}
END_TEST

/* Loads PATH, which must fail with one error at 0:0 containing FRAG. */
static void
whole_file_error(const char *path, const char *frag)
{
	struct cfg_tree *t;
	struct diag d;

	diag_init(&d, path);
	t = config_load(path, &d);
	ck_assert_ptr_null(t);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.v[0].pos.line, 0);
	ck_assert_uint_eq(d.v[0].pos.col, 0);
	ck_assert_msg(strstr(d.v[0].msg, frag) != NULL, "\"%s\" lacks \"%s\"",
	    d.v[0].msg, frag);
	diag_free(&d);
}

static char tmpdir[PATH_MAX];

static void
tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pmtree-test-config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
tmp_teardown(void)
{
	char *cmd;

	if (asprintf(&cmd, "rm -rf '%s'", tmpdir) != -1) {
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
		free(cmd);
	}
}

/* A valid file of SIZE bytes: a few real lines, then comments. */
static char *
write_padded(const char *name, size_t size)
{
	static const char head[] = "children:\n  - {name: w, cmd: \"true\"}\n";
	char *path;
	FILE *f;
	size_t n;

	ck_assert_int_ne(asprintf(&path, "%s/%s", tmpdir, name), -1);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(head, f);
	for (n = sizeof(head) - 1; n + 64 <= size; n += 64)
		fprintf(f, "#%62s\n", "padding");
	for (; n + 1 < size; n++)
		fputc('#', f);
	if (n < size)
		fputc('\n', f);
	fclose(f);
	return (path);
}

START_TEST(file_too_big)
{
	struct cfg_tree *t;
	struct diag d;
	char *path;

	path = write_padded("exact.yaml", CFG_MAX_FILESIZE);
	diag_init(&d, path);
	t = config_load(path, &d);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(d.n, 0);
	config_free(t);
	diag_free(&d);
	free(path);
	path = write_padded("big.yaml", CFG_MAX_FILESIZE + 1);
	whole_file_error(path, "larger than 1 MiB");
	free(path);
}
END_TEST

START_TEST(file_missing_empty_dir)
{
	char *path;
	int fd;

	ck_assert_int_ne(asprintf(&path, "%s/missing.yaml", tmpdir), -1);
	whole_file_error(path, "cannot open: No such file or directory");
	ck_assert_int_ge(fd = open(path, O_CREAT | O_WRONLY, 0644), 0);
	close(fd);
	whole_file_error(path, "the file is empty");
	free(path);
	whole_file_error(tmpdir, "cannot read: Is a directory");
}
END_TEST

/* 10,000 workers in one flat list: fine; one more: an error. */
START_TEST(many_flat_workers)
{
	struct cfg_tree *t;
	struct diag d;
	char *path;
	FILE *f;
	int i;

	ck_assert_int_ne(asprintf(&path, "%s/flat.yaml", tmpdir), -1);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("children:\n", f);
	for (i = 0; i < CFG_MAX_WORKERS; i++)
		fprintf(f, "  - {name: w%d, cmd: sleep 1}\n", i);
	fclose(f);
	diag_init(&d, path);
	ck_assert_ptr_nonnull(t = config_load(path, &d));
	ck_assert_uint_eq(t->nworkers, CFG_MAX_WORKERS);
	ck_assert_uint_eq(t->nnodes, CFG_MAX_WORKERS + 1);
	ck_assert_str_eq(t->nodes[CFG_MAX_WORKERS]->path, "w9999");
	config_free(t);
	diag_free(&d);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs("  - {name: one-more, cmd: sleep 1}\n", f);
	fclose(f);
	diag_init(&d, path);
	ck_assert_ptr_null(config_load(path, &d));
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.v[0].pos.line, CFG_MAX_WORKERS + 2);
	ck_assert_uint_eq(d.v[0].pos.col, 5);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "too many workers"));
	diag_free(&d);
	free(path);
}
END_TEST

/*
 * "{{" in the file's own folder is no placeholder: the default cwd and a
 * relative one keep it, and the cwd is expanded from the text written.
 */
START_TEST(braces_in_the_folder)
{
	struct cfg_tree *t;
	struct cfg_worker *w;
	struct diag d;
	char dir[PATH_MAX + 16], *path, *real, *want, *got;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/{{bad", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_ne(asprintf(&path, "%s/t.yaml", dir), -1);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("children:\n"
	    "  - {name: a, cmd: \"true\"}\n"
	    "  - {name: b, cmd: \"true\", cwd: \"x{{instance}}/y\"}\n", f);
	fclose(f);
	diag_init(&d, path);
	ck_assert_ptr_nonnull(t = config_load(path, &d));
	ck_assert_uint_eq(d.n, 0);
	ck_assert_ptr_nonnull(real = realpath(dir, NULL));
	w = worker(t, "a");
	ck_assert_uint_eq(w->tmpl, 0);
	ck_assert_str_eq(w->cwd, real);
	w = worker(t, "b");
	ck_assert_uint_eq(w->tmpl, CFG_TMPL_CWD);
	ck_assert_int_ne(asprintf(&want, "%s/x7/y", real), -1);
	ck_assert_ptr_nonnull(got = config_path(t->dir, "x7//./y"));
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	free(real);
	config_free(t);
	diag_free(&d);
	free(path);
}
END_TEST

START_TEST(diag_sorted_print)
{
	struct diag d;
	size_t len;
	char *buf;
	FILE *f;

	diag_init(&d, "x.yaml");
	diag_add(&d, (struct diag_pos){ 3, 1 }, "third %d", 3);
	diag_add(&d, (struct diag_pos){ 1, 9 }, "second");
	diag_add(&d, (struct diag_pos){ 0, 0 }, "whole");
	diag_add(&d, (struct diag_pos){ 1, 2 }, "first");
	diag_add(&d, (struct diag_pos){ 3, 1 }, "fourth (same place)");
	ck_assert_ptr_nonnull(f = open_memstream(&buf, &len));
	diag_print(&d, f);
	fclose(f);
	ck_assert_str_eq(buf, "x.yaml: whole\n"
	    "x.yaml:1:2: first\n"
	    "x.yaml:1:9: second\n"
	    "x.yaml:3:1: third 3\n"
	    "x.yaml:3:1: fourth (same place)\n");
	free(buf);
	diag_free(&d);
	config_free(NULL);
}
END_TEST

int
main(int argc, char **argv)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("corpus"), *tf = tcase_create("files");
	SRunner *sr;
	int failed;

	if ((corpus = argc > 1 ? argv[1] : getenv("CORPUS")) == NULL) {
		fprintf(stderr, "usage: test_config CORPUS_DIR\n");
		return (EXIT_FAILURE);
	}
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, good_all_load);
	tcase_add_test(tc, good_shop);
	tcase_add_test(tc, good_minimal_defaults);
	tcase_add_test(tc, good_every_key);
	tcase_add_test(tc, good_nested_preorder);
	tcase_add_test(tc, subtree_keeps_one_part);
	tcase_add_test(tc, good_defaults_merge);
	tcase_add_test(tc, good_anchors);
	tcase_add_test(tc, good_ready_forms);
	tcase_add_test(tc, good_shutdown_forms);
	tcase_add_test(tc, good_log_forms);
	tcase_add_test(tc, good_cmd_forms);
	tcase_add_test(tc, good_paths);
	tcase_add_test(tc, good_env_file);
	tcase_add_test(tc, good_misc);
	tcase_add_test(tc, good_group_restart);
	tcase_add_test(tc, good_tmpl);
	tcase_add_test(tc, good_limits);
	tcase_add_test(tc, print_shop);
	tcase_add_test(tc, bad_corpus);
	tcase_add_test(tc, diag_sorted_print);
	tcase_set_timeout(tf, 60);
	tcase_add_checked_fixture(tf, tmp_setup, tmp_teardown);
	tcase_add_test(tf, file_too_big);
	tcase_add_test(tf, file_missing_empty_dir);
	tcase_add_test(tf, many_flat_workers);
	tcase_add_test(tf, braces_in_the_folder);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tf);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
