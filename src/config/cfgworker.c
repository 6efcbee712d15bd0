/*
 * Worker settings: the built-in defaults, and the keys of a worker or of a
 * `defaults` mapping applied over what the worker inherited.
 *
 * Inheritance: a key replaces the inherited value as a whole (`backoff`,
 * `ready`, `log` included), except `env`, whose maps merge key by key:
 * outer `defaults`, then inner `defaults`, then the worker's own `env`; the
 * nearest one wins for a given variable.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "cfgint.h"
#include "units.h"

const char *const cfgworker_keys[] = {
	"name", "cmd", "cwd", "env", "instances", "restart",
	"normal_exit_codes", "backoff", "stable_after", "shutdown",
	"stop_signal", "ready", "ready_timeout", "watchdog", "log", "user",
	"group", NULL,
};

static const uint64_t default_backoff[] = {
	0, 100, 500, 1000, 10 * 1000, 30 * 1000, 60 * 1000, 5 * 60 * 1000,
	15 * 60 * 1000,
};

typedef void	(*key_fn)(struct load *, struct cfg_worker *, yaml_node_t *);

static char **
strv_copy(char **v, size_t n)
{
	char **c;
	size_t i;

	c = cfgval_reallocarray(NULL, n + 1, sizeof(*c));
	for (i = 0; i < n; i++)
		c[i] = cfgval_strdup(v[i]);
	c[n] = NULL;
	return (c);
}

static void *
mem_copy(const void *p, size_t n, size_t size)
{
	void *c;

	c = cfgval_reallocarray(NULL, n, size);
	if (n != 0)
		memcpy(c, p, n * size);
	return (c);
}

static char *
str_copy(const char *s)
{
	return (s == NULL ? NULL : cfgval_strdup(s));
}

void
cfgworker_builtin(struct cfg_worker *w, const char *dir)
{
	static const int zero = 0;

	memset(w, 0, sizeof(*w));
	w->cwd = cfgval_strdup(dir);
	w->cwd_shown = cfgval_strdup(dir);
	w->env = strv_copy(NULL, 0);
	w->instances = 1;
	w->restart = CFG_PERMANENT;
	w->normal_exit_codes = mem_copy(&zero, 1, sizeof(int));
	w->n_normal_exit_codes = 1;
	w->n_backoff = sizeof(default_backoff) / sizeof(default_backoff[0]);
	w->backoff_ms = mem_copy(default_backoff, w->n_backoff,
	    sizeof(uint64_t));
	w->stable_after_ms = 30 * 60 * 1000;
	w->shutdown_ms = 5 * 1000;
	w->stop_signal = SIGTERM;
	w->ready = CFG_READY_NONE;
	w->ready_timeout_ms = 30 * 1000;
	w->log_stdout = CFG_INHERIT;
	w->log_file = CFG_INHERIT;
}

void
cfgworker_copy(struct cfg_worker *dst, const struct cfg_worker *src)
{
	*dst = *src;
	dst->argv = src->argv == NULL ? NULL : strv_copy(src->argv, src->argc);
	dst->cwd = str_copy(src->cwd);
	dst->cwd_shown = str_copy(src->cwd_shown);
	dst->env = strv_copy(src->env, src->nenv);
	dst->normal_exit_codes = mem_copy(src->normal_exit_codes,
	    src->n_normal_exit_codes, sizeof(int));
	dst->backoff_ms = mem_copy(src->backoff_ms, src->n_backoff,
	    sizeof(uint64_t));
	dst->ready_host = str_copy(src->ready_host);
	dst->ready_port = str_copy(src->ready_port);
	dst->ready_url = str_copy(src->ready_url);
}

void
cfgworker_clear(struct cfg_worker *w)
{
	argv_free(w->argv);
	argv_free(w->env);
	free(w->cwd);
	free(w->cwd_shown);
	free(w->normal_exit_codes);
	free(w->backoff_ms);
	free(w->ready_host);
	free(w->ready_port);
	free(w->ready_url);
	memset(w, 0, sizeof(*w));
}

static void
set_argv(struct cfg_worker *w, char **argv, size_t argc)
{
	argv_free(w->argv);
	w->argv = argv;
	w->argc = argc;
}

static void
key_cmd(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	char **argv, err[128];
	const char *s;
	size_t argc, i;

	if (cfgval_is_null(v)) {
		cfgval_error(l, v, "empty cmd: give the program to run");
		return;
	}
	if (v->type == YAML_SCALAR_NODE) {
		if (cfgval_str(l, v, "cmd", &s) != 0)
			return;
		if (argv_split(s, &argv, &argc, err, sizeof(err)) != 0) {
			cfgval_error(l, v, "cmd: %s", err);
			return;
		}
	} else if (v->type == YAML_SEQUENCE_NODE) {
		argc = (size_t)(v->data.sequence.items.top -
		    v->data.sequence.items.start);
		argv = cfgval_reallocarray(NULL, argc + 1, sizeof(*argv));
		for (i = 0; i < argc; i++) {
			argv[i] = NULL;
			if (cfgval_visit(l, v) && cfgval_str(l,
			    cfgval_item(l, v, i), "cmd item", &s) == 0)
				argv[i] = cfgval_strdup(s);
			if (argv[i] == NULL)
				argv[i] = cfgval_strdup("");
		}
		argv[argc] = NULL;
	} else {
		cfgval_error(l, v, "cmd must be a string or a list of strings");
		return;
	}
	set_argv(w, argv, argc);
	w->cmd_pos = cfgval_pos(v->type == YAML_SEQUENCE_NODE && argc > 0 ?
	    cfgval_item(l, v, 0) : v);
	if (argc == 0)
		cfgval_error(l, v, "empty cmd: give the program to run");
	else if (argv[0][0] == '\0')
		cfgval_error(l, v, "empty cmd: the program name is empty");
}

static void
key_cwd(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	char *p;

	if (cfgval_path(l, v, "cwd", &p) == 0) {
		free(w->cwd);
		w->cwd = p;
		free(w->cwd_shown);
		w->cwd_shown = cfgval_strdup((const char *)v->data.scalar.value);
	}
}

/* Compares "KEY=..." entries (and the pair keys) on the name only. */
static int
env_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strcspn(x, "="), ly = strcspn(y, "=");
	int c;

	if ((c = memcmp(x, y, lx < ly ? lx : ly)) != 0)
		return (c);
	return (lx < ly ? -1 : lx > ly);
}

static bool
env_name_ok(const char *k)
{
	return (*k != '\0' && strchr(k, '=') == NULL);
}

static char *
env_entry(const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val);
	char *e;

	e = cfgval_reallocarray(NULL, kl + vl + 2, 1);
	memcpy(e, key, kl);
	e[kl] = '=';
	memcpy(e + kl + 1, val, vl + 1);
	return (e);
}

/* Builds the new "KEY=VALUE" list: inherited entries not overridden, then
 * the variables of this mapping. */
static void
env_merge(struct cfg_worker *w, const char **keys, const char **vals,
    size_t n)
{
	const char **sorted;
	char **env;
	size_t i, m = 0;

	sorted = mem_copy(keys, n, sizeof(*keys));
	qsort(sorted, n, sizeof(*sorted), env_cmp);
	env = cfgval_reallocarray(NULL, w->nenv + n + 1, sizeof(*env));
	for (i = 0; i < w->nenv; i++) {
		if (bsearch(&w->env[i], sorted, n, sizeof(*sorted),
		    env_cmp) == NULL)
			env[m++] = w->env[i];
		else
			free(w->env[i]);
	}
	for (i = 0; i < n; i++)
		env[m++] = env_entry(keys[i], vals[i]);
	env[m] = NULL;
	free(sorted);
	free(w->env);
	w->env = env;
	w->nenv = m;
}

static void
key_env(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	const char **keys, **vals;
	struct pair *pv;
	size_t n, i, m = 0;
	char what[96];

	if (cfgval_is_null(v) || cfgval_pairs(l, v, "env", &pv, &n) != 0)
		return;
	keys = cfgval_reallocarray(NULL, n, sizeof(*keys));
	vals = cfgval_reallocarray(NULL, n, sizeof(*vals));
	for (i = 0; i < n; i++) {
		if (!env_name_ok(pv[i].key)) {
			cfgval_error(l, pv[i].knode, "env: bad variable name "
			    "\"%.40s\" (empty or with \"=\")", pv[i].key);
			continue;
		}
		snprintf(what, sizeof(what), "env.%.64s", pv[i].key);
		if (cfgval_text_of(l, pv[i].vnode, what, &vals[m]) == 0)
			keys[m++] = pv[i].key;
	}
	env_merge(w, keys, vals, m);
	free(keys);
	free(vals);
	free(pv);
}

static void
key_instances(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	uint64_t n;

	if (cfgval_uint(l, v, "instances", 1, UINT_MAX, &n) == 0)
		w->instances = (unsigned)n;
}

/* A worker's `restart` or a group's: one spelling, one error; kept if bad. */
void
cfgworker_restart(struct load *l, yaml_node_t *v, enum cfg_restart *out)
{
	static const char *const names[] = {
		"permanent", "transient", "temporary", NULL,
	};
	int i;

	if (cfgval_enum(l, v, "restart", names, &i) == 0)
		*out = (enum cfg_restart)i;
}

static void
key_restart(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	cfgworker_restart(l, v, &w->restart);
}

/* A list, or one scalar taken as a list of one. */
static size_t
list_len(yaml_node_t *v)
{
	if (v->type == YAML_SCALAR_NODE)
		return (1);
	return ((size_t)(v->data.sequence.items.top -
	    v->data.sequence.items.start));
}

static yaml_node_t *
list_item(struct load *l, yaml_node_t *v, size_t i)
{
	return (v->type == YAML_SCALAR_NODE ? v : cfgval_item(l, v, i));
}

static void
key_exit_codes(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	size_t i, n;
	uint64_t c;

	if (v->type != YAML_SCALAR_NODE &&
	    !cfgval_is_list(l, v, "normal_exit_codes"))
		return;
	n = list_len(v);
	free(w->normal_exit_codes);
	w->normal_exit_codes = cfgval_reallocarray(NULL, n, sizeof(int));
	w->n_normal_exit_codes = 0;
	for (i = 0; i < n && cfgval_visit(l, v); i++) {
		if (cfgval_uint(l, list_item(l, v, i), "normal_exit_codes", 0,
		    255, &c) == 0)
			w->normal_exit_codes[w->n_normal_exit_codes++] = (int)c;
	}
}

static void
key_backoff(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	uint64_t *b;
	size_t i, n;

	if (v->type != YAML_SCALAR_NODE && !cfgval_is_list(l, v, "backoff"))
		return;
	if ((n = list_len(v)) == 0) {
		cfgval_error(l, v, "backoff: expected at least one duration");
		return;
	}
	b = cfgval_reallocarray(NULL, n, sizeof(*b));
	for (i = 0; i < n && cfgval_visit(l, v); i++) {
		if (cfgval_duration(l, list_item(l, v, i), "backoff", &b[i]))
			break;
	}
	if (i < n) {
		free(b);
		return;
	}
	free(w->backoff_ms);
	w->backoff_ms = b;
	w->n_backoff = n;
}

static void
key_stable_after(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	cfgval_duration(l, v, "stable_after", &w->stable_after_ms);
}

static void
key_shutdown(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	const char *s = cfgval_text(v);

	if (strcmp(s, "brutal_kill") == 0)
		w->shutdown_ms = 0;
	else if (strcmp(s, "infinity") == 0)
		w->shutdown_ms = CFG_INFINITY;
	else
		cfgval_duration(l, v, "shutdown", &w->shutdown_ms);
}

static void
key_stop_signal(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	static const int ok[] = {
		SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGKILL,
	};
	const char *s;
	char err[128];
	size_t i;
	int sig;

	if (cfgval_str(l, v, "stop_signal", &s) != 0)
		return;
	if (units_signal(s, &sig, err, sizeof(err)) != 0) {
		cfgval_error(l, v, "stop_signal \"%.40s\": %s", s, err);
		return;
	}
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (ok[i] == sig) {
			w->stop_signal = sig;
			return;
		}
	}
	cfgval_error(l, v, "stop_signal must be TERM, INT, QUIT, HUP, USR1, "
	    "USR2 or KILL (got \"%.40s\")", s);
}

static void
ready_clear(struct cfg_worker *w)
{
	free(w->ready_host);
	free(w->ready_port);
	free(w->ready_url);
	w->ready_host = w->ready_port = w->ready_url = NULL;
	w->ready_fd = 0;
}

/* `{fd: N}`, `{tcp: host:port}` or `{http: URL}`: exactly one key. */
static void
ready_map(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	static const char *const keys[] = { "fd", "tcp", "http", NULL };
	static const struct keyset ks = { keys, NULL, NULL };
	struct pair *pv;
	const char *s;
	uint64_t fd;
	size_t n;

	if (cfgval_pairs(l, v, "ready", &pv, &n) != 0)
		return;
	if ((n = cfgval_keys(l, pv, n, &ks)) != 1) {
		if (n > 1)
			cfgval_error(l, v, "ready: give only one of fd, tcp "
			    "and http");
		else if (v->data.mapping.pairs.top ==
		    v->data.mapping.pairs.start)
			cfgval_error(l, v, "ready: give one of fd, tcp or http");
		free(pv);
		return;
	}
	ready_clear(w);
	if (strcmp(pv[0].key, "fd") == 0) {
		if (cfgval_uint(l, pv[0].vnode, "ready.fd", 3, INT_MAX,
		    &fd) == 0) {
			w->ready = CFG_READY_FD;
			w->ready_fd = (int)fd;
		}
	} else if (strcmp(pv[0].key, "tcp") == 0) {
		if (cfgval_hostport(l, pv[0].vnode, "ready.tcp",
		    &w->ready_host, &w->ready_port) == 0)
			w->ready = CFG_READY_TCP;
	} else if (cfgval_str(l, pv[0].vnode, "ready.http", &s) == 0) {
		if (strncmp(s, "http://", 7) != 0 || s[7] == '\0' ||
		    s[7] == '/')
			cfgval_error(l, pv[0].vnode, "ready.http must be an "
			    "http:// URL (got \"%.40s\")", s);
		else {
			w->ready = CFG_READY_HTTP;
			w->ready_url = cfgval_strdup(s);
		}
	}
	free(pv);
}

static void
key_ready(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	const char *s = cfgval_text(v);

	if (v->type == YAML_MAPPING_NODE) {
		ready_map(l, w, v);
		return;
	}
	if (strcmp(s, "none") == 0 || strcmp(s, "notify") == 0) {
		ready_clear(w);
		w->ready = strcmp(s, "none") == 0 ? CFG_READY_NONE :
		    CFG_READY_NOTIFY;
		return;
	}
	cfgval_error(l, v, "ready must be none, notify, {fd: N}, "
	    "{tcp: host:port} or {http: URL}");
}

static void
key_ready_timeout(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	cfgval_duration(l, v, "ready_timeout", &w->ready_timeout_ms);
}

static void
key_watchdog(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	if (strcmp(cfgval_text(v), "off") == 0)
		w->watchdog_ms = 0;
	else
		cfgval_duration(l, v, "watchdog", &w->watchdog_ms);
}

static void
log_map(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	static const char *const keys[] = { "stdout", "file", NULL };
	static const struct keyset ks = { keys, NULL, NULL };
	struct pair *pv;
	enum cfg_echo echo;
	size_t i, n;
	bool b;

	if (cfgval_pairs(l, v, "log", &pv, &n) != 0)
		return;
	n = cfgval_keys(l, pv, n, &ks);
	w->log_off = false;
	w->log_stdout = w->log_file = CFG_INHERIT;
	for (i = 0; i < n; i++) {
		if (strcmp(pv[i].key, "stdout") == 0 &&
		    cfgval_echo(l, pv[i].vnode, &echo) == 0)
			w->log_stdout = (int)echo;
		else if (strcmp(pv[i].key, "file") == 0 &&
		    cfgval_bool(l, pv[i].vnode, "log.file", &b) == 0)
			w->log_file = b ? CFG_ON : CFG_OFF;
	}
	free(pv);
}

/* `log: off`/`false` silences a worker; `true` undoes an inherited `off`. */
static void
key_log(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	const char *s = cfgval_text(v);

	if (v->type == YAML_MAPPING_NODE) {
		log_map(l, w, v);
		return;
	}
	if (strcmp(s, "off") == 0 || strcmp(s, "false") == 0 ||
	    strcmp(s, "true") == 0) {
		w->log_off = *s != 't';
		w->log_stdout = w->log_file = CFG_INHERIT;
		return;
	}
	cfgval_error(l, v, "log must be off, false or {stdout: BOOL, "
	    "file: BOOL}");
}

/* A number, or a name: "0" is root, "12a" is a name. */
static bool
id_number(const char *s, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return (false);
	errno = 0;
	*v = strtoul(s, &end, 10);
	return (*end == '\0' && errno == 0 && *v < 0xffffffffUL);
}

/* `user`: resolved now, so that a typo is a config error, not a crash loop. */
static void
key_user(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	const struct passwd *pw;
	unsigned long id;
	const char *s;

	if (cfgval_str(l, v, "user", &s) != 0)
		return;
	pw = id_number(s, &id) ? getpwuid((uid_t)id) : getpwnam(s);
	if (pw == NULL && !id_number(s, &id)) {
		cfgval_error(l, v, "unknown user \"%.40s\"", s);
		return;
	}
	w->has_uid = true;
	w->uid = pw != NULL ? pw->pw_uid : (uid_t)id;
	w->user_gid = pw != NULL ? pw->pw_gid : (gid_t)id;
}

static void
key_group(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	const struct group *gr;
	unsigned long id;
	const char *s;

	if (cfgval_str(l, v, "group", &s) != 0)
		return;
	if (id_number(s, &id)) {
		w->has_gid = true;
		w->gid = (gid_t)id;
		return;
	}
	if ((gr = getgrnam(s)) == NULL) {
		cfgval_error(l, v, "unknown group \"%.40s\"", s);
		return;
	}
	w->has_gid = true;
	w->gid = gr->gr_gid;
}

static const struct {
	const char	*key;
	key_fn		 fn;
} worker_keys[] = {
	{ "cmd", key_cmd },
	{ "cwd", key_cwd },
	{ "env", key_env },
	{ "instances", key_instances },
	{ "restart", key_restart },
	{ "normal_exit_codes", key_exit_codes },
	{ "backoff", key_backoff },
	{ "stable_after", key_stable_after },
	{ "shutdown", key_shutdown },
	{ "stop_signal", key_stop_signal },
	{ "ready", key_ready },
	{ "ready_timeout", key_ready_timeout },
	{ "watchdog", key_watchdog },
	{ "log", key_log },
	{ "user", key_user },
	{ "group", key_group },
};

/*
 * Applies the pairs (already checked against the right key set, for a
 * worker or a `defaults` mapping) to W; the `name` key is the caller's.
 */
void
cfgworker_apply(struct load *l, struct cfg_worker *w, struct pair *pv,
    size_t n)
{
	size_t i, k;

	for (i = 0; i < n && !l->stop; i++) {
		for (k = 0; k < sizeof(worker_keys) / sizeof(worker_keys[0]);
		    k++) {
			if (strcmp(pv[i].key, worker_keys[k].key) == 0) {
				worker_keys[k].fn(l, w, pv[i].vnode);
				break;
			}
		}
	}
}

/* Checks what only the merged settings can tell, and counts the worker. */
void
cfgworker_finish(struct load *l, struct cfg_worker *w, yaml_node_t *map,
    struct pair *pv, size_t n)
{
	struct pair *wd;

	if (w->watchdog_ms != 0 && w->ready != CFG_READY_NOTIFY) {
		if ((wd = cfgval_find(pv, n, "watchdog")) != NULL)
			cfgval_error(l, wd->vnode, "watchdog needs "
			    "ready: notify");
		else
			cfgval_error(l, map, "watchdog (from defaults) needs "
			    "ready: notify");
	}
	l->tree->nworkers += w->instances;
	if (l->tree->nworkers > CFG_MAX_WORKERS && !l->too_many_workers) {
		l->too_many_workers = true;
		cfgval_error(l, map, "too many workers: more than %d counting "
		    "instances", CFG_MAX_WORKERS);
	}
}
