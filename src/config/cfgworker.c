/*
 * The worker keys that no generic kind reads (cmd, stop_command, cwd,
 * env_file, backoff, ready, log, user, group), with the placeholders of
 * those that take them (cfgtmpl.c), and applying a worker's or a
 * `defaults` mapping's keys, through their descriptors, over what the
 * worker inherited.
 *
 * Inheritance: a key replaces the inherited value as a whole (`backoff`,
 * `ready`, `log` included), except `env`, whose maps merge key by key:
 * outer `defaults`, then inner `defaults`, then the worker's own `env`; the
 * nearest one wins for a given variable.  (An `env_file` list replaces an
 * inherited one too: the files' variables are merged at each start.)
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "cfgint.h"
#include "tmpl.h"

/* Sets or clears the key's bit of w->tmpl: does its new value have any? */
static void
set_tmpl(struct cfg_worker *w, const struct cfgkey *k, bool has)
{
	if (has)
		w->tmpl |= k->tmpl;
	else
		w->tmpl &= ~k->tmpl;
}

static void
set_argv(struct cfg_worker *w, const struct cfgkey *k, char **argv,
    size_t argc)
{
	size_t i;
	bool has = false;

	argv_free(w->argv);
	w->argv = argv;
	w->argc = argc;
	for (i = 0; i < argc; i++)
		has = has || tmpl_has(argv[i]);
	set_tmpl(w, k, has);
}

/*
 * The words of a string `cmd`, already checked as written: a word that
 * quotes or escapes can join "{" and "{" that were apart in the text.
 */
static bool
cmd_words_ok(struct load *l, yaml_node_t *v, char **argv, size_t argc)
{
	size_t i;

	for (i = 0; i < argc; i++) {
		if (!cfgtmpl_check(l, v, argv[i], "cmd"))
			return (false);
	}
	return (true);
}

/*
 * A command, as `cmd` and `stop_command` take it: a string split into
 * words (no shell), or a list of strings.  NAME goes in the errors; TMPL:
 * it takes placeholders (`cmd` does, `stop_command` runs as written).
 */
static int
cmd_argv(struct load *l, const char *name, bool tmpl, yaml_node_t *v,
    char ***argvp, size_t *argcp)
{
	char **argv, err[128], what[64];
	const char *s;
	size_t argc, i;

	if (v->type == YAML_SCALAR_NODE) {
		if (cfgval_str(l, v, name, &s) != 0 || (tmpl &&
		    !cfgtmpl_check(l, v, s, name)))
			return (-1);
		if (argv_split(s, &argv, &argc, err, sizeof(err)) != 0) {
			cfgval_error(l, v, "%s: %s", name, err);
			return (-1);
		}
		if (tmpl && !cmd_words_ok(l, v, argv, argc)) {
			argv_free(argv);
			return (-1);
		}
	} else if (v->type == YAML_SEQUENCE_NODE) {
		snprintf(what, sizeof(what), "%s item", name);
		argc = (size_t)(v->data.sequence.items.top -
		    v->data.sequence.items.start);
		argv = cfgval_reallocarray(NULL, argc + 1, sizeof(*argv));
		for (i = 0; i < argc; i++) {
			argv[i] = NULL;
			if (cfgval_visit(l, v) && cfgval_str(l,
			    cfgval_item(l, v, i), what, &s) == 0) {
				/* Kept if bad: no "empty" error after it. */
				if (tmpl)
					(void)cfgtmpl_check(l,
					    cfgval_item(l, v, i), s, name);
				argv[i] = cfgval_strdup(s);
			}
			if (argv[i] == NULL)
				argv[i] = cfgval_strdup("");
		}
		argv[argc] = NULL;
	} else {
		cfgval_error(l, v, "%s must be a string or a list of strings",
		    name);
		return (-1);
	}
	*argvp = argv;
	*argcp = argc;
	return (0);
}

void
cfgworker_cmd(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
{
	char **argv;
	size_t argc;

	if (cfgval_is_null(v)) {
		cfgval_error(l, v, "empty cmd: give the program to run");
		return;
	}
	if (cmd_argv(l, "cmd", true, v, &argv, &argc) != 0)
		return;
	set_argv(w, k, argv, argc);
	w->cmd_pos = cfgval_pos(v->type == YAML_SEQUENCE_NODE && argc > 0 ?
	    cfgval_item(l, v, 0) : v);
	if (argc == 0)
		cfgval_error(l, v, "empty cmd: give the program to run");
	else if (argv[0][0] == '\0')
		cfgval_error(l, v, "empty cmd: the program name is empty");
}

/*
 * `stop_command`: run instead of sending the stop signal.  Empty (null,
 * "" or []) means none, so that a worker can drop one `defaults` gave it.
 */
void
cfgworker_stop_command(struct load *l, const struct cfgkey *k,
    struct cfg_worker *w, yaml_node_t *v)
{
	char **argv;
	size_t argc = 0;

	if (cfgval_is_null(v)) {
		argv = cfgval_reallocarray(NULL, 1, sizeof(*argv));
		argv[0] = NULL;
	} else if (cmd_argv(l, k->name, false, v, &argv, &argc) != 0)
		return;
	if (argc > 0 && argv[0][0] == '\0') {
		cfgval_error(l, v, "%s: the program name is empty", k->name);
		argv_free(argv);
		return;
	}
	argv_free(w->stop_argv);
	w->stop_argv = argv;
	w->stop_argc = argc;
}

void
cfgworker_cwd(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
{
	const char *s;
	char *p;

	if (cfgval_path(l, v, k->name, &p) != 0)
		return;
	s = (const char *)v->data.scalar.value;
	if (!cfgtmpl_check(l, v, s, k->name)) {
		free(p);
		return;
	}
	free(w->cwd);
	w->cwd = p;
	free(w->cwd_shown);
	w->cwd_shown = cfgval_strdup(s);
	set_tmpl(w, k, tmpl_has(s));
}

/*
 * `env_file`: a path or a list of them, relative to the file's folder,
 * kept as written too for messages, and where each is for `pmtree check`.
 * Nothing is read here: the files are read at every start of the worker
 * (src/worker/workerenv.c).  `[]` or nothing is no file.
 */
void
cfgworker_env_file(struct load *l, const struct cfgkey *k,
    struct cfg_worker *w, yaml_node_t *v)
{
	char **abs, **shown, got[64];
	struct diag_pos *pos;
	yaml_node_t *item;
	size_t i, n = 0;

	if (v->type == YAML_MAPPING_NODE) {
		cfgval_error(l, v, "%s must be a path or a list of paths "
		    "(got %s)", k->name, cfgval_got(v, got, sizeof(got)));
		return;
	}
	if (!cfgval_is_null(v))
		n = cfgval_list_len(v);
	abs = cfgval_reallocarray(NULL, n + 1, sizeof(*abs));
	shown = cfgval_reallocarray(NULL, n + 1, sizeof(*shown));
	pos = cfgval_reallocarray(NULL, n, sizeof(*pos));
	for (i = 0; i < n && cfgval_visit(l, v); i++) {
		item = cfgval_list_item(l, v, i);
		if (cfgval_path(l, item, k->name, &abs[i]) != 0)
			break;
		shown[i] = cfgval_strdup((const char *)item->data.scalar.value);
		pos[i] = cfgval_pos(item);
	}
	abs[i] = shown[i] = NULL;
	if (i < n) {
		argv_free(abs);
		argv_free(shown);
		free(pos);
		return;
	}
	argv_free(w->env_file);
	argv_free(w->env_file_shown);
	free(w->env_file_pos);
	w->env_file = abs;
	w->env_file_shown = shown;
	w->env_file_pos = pos;
	w->n_env_file = n;
}

void
cfgworker_backoff(struct load *l, const struct cfgkey *k,
    struct cfg_worker *w, yaml_node_t *v)
{
	uint64_t *b;
	size_t i, n;

	if (v->type != YAML_SCALAR_NODE && !cfgval_is_list(l, v, k->name))
		return;
	if ((n = cfgval_list_len(v)) == 0) {
		cfgval_error(l, v, "backoff: expected at least one duration");
		return;
	}
	b = cfgval_reallocarray(NULL, n, sizeof(*b));
	for (i = 0; i < n && cfgval_visit(l, v); i++) {
		if (cfgval_duration(l, cfgval_list_item(l, v, i), k->name,
		    &b[i]))
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
ready_clear(struct cfg_worker *w, const struct cfgkey *k)
{
	free(w->ready_host);
	free(w->ready_port);
	free(w->ready_url);
	w->ready_host = w->ready_port = w->ready_url = NULL;
	w->ready_fd = 0;
	w->ready_owner = CFG_OWNER_WORKER;
	set_tmpl(w, k, false);
}

/* With placeholders, the port part is a number or {{port}}. */
static int
ready_tcp(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
{
	const char *s = cfgval_text(v);

	if (v->type != YAML_SCALAR_NODE || !tmpl_has(s))
		return (cfgval_hostport(l, v, "ready.tcp", &w->ready_host,
		    &w->ready_port));
	if (!cfgtmpl_check(l, v, s, "ready.tcp") ||
	    cfgval_hostport_tmpl(l, v, "ready.tcp", &w->ready_host,
	    &w->ready_port) != 0)
		return (-1);
	set_tmpl(w, k, true);
	return (0);
}

static void
ready_http(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
{
	const char *s;

	if (cfgval_str(l, v, "ready.http", &s) != 0)
		return;
	if (strncmp(s, "http://", 7) != 0 || s[7] == '\0' || s[7] == '/') {
		cfgval_error(l, v, "ready.http must be an http:// URL (got "
		    "\"%.40s\")", s);
		return;
	}
	if (!cfgtmpl_check(l, v, s, "ready.http"))
		return;
	w->ready = CFG_READY_HTTP;
	w->ready_url = cfgval_strdup(s);
	set_tmpl(w, k, tmpl_has(s));
}

/* `owner: worker` (the default) or `any`, for a tcp or http gate. */
static void
ready_owner(struct load *l, struct cfg_worker *w, const char *gate,
    const struct pair *po)
{
	const char *s;

	if (strcmp(gate, "fd") == 0) {
		cfgval_error(l, po->knode, "ready.owner is for a tcp or http "
		    "gate");
		return;
	}
	if (cfgval_str(l, po->vnode, "ready.owner", &s) != 0)
		return;
	if (strcmp(s, "worker") != 0 && strcmp(s, "any") != 0) {
		cfgval_error(l, po->vnode, "ready.owner must be worker or any "
		    "(got \"%.40s\")", s);
		return;
	}
	w->ready_owner = *s == 'a' ? CFG_OWNER_ANY : CFG_OWNER_WORKER;
}

/*
 * `{fd: N}`, `{tcp: host:port}` or `{http: URL}`: exactly one of them, and
 * `owner` with tcp and http.
 */
static void
ready_map(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
{
	static const char *const keys[] = { "fd", "tcp", "http", "owner",
	    NULL };
	static const struct keyset ks = { .keys = keys };
	struct pair *pv, *po, t;
	uint64_t fd;
	size_t n;

	if (cfgval_pairs(l, v, "ready", &pv, &n) != 0)
		return;
	n = cfgval_keys(l, pv, n, &ks);
	if ((po = cfgval_find(pv, n, "owner")) != NULL) {
		t = *po;	/* last, out of the gate's count */
		*po = pv[n - 1];
		pv[n - 1] = t;
		po = &pv[--n];
	}
	if (n != 1) {
		if (n > 1)
			cfgval_error(l, v, "ready: give only one of fd, tcp "
			    "and http");
		else if (v->data.mapping.pairs.top ==
		    v->data.mapping.pairs.start || po != NULL)
			cfgval_error(l, v, "ready: give one of fd, tcp or http");
		free(pv);
		return;
	}
	ready_clear(w, k);
	if (strcmp(pv[0].key, "fd") == 0) {
		if (cfgval_uint(l, pv[0].vnode, "ready.fd", 3, INT_MAX,
		    &fd) == 0) {
			w->ready = CFG_READY_FD;
			w->ready_fd = (int)fd;
		}
	} else if (strcmp(pv[0].key, "tcp") == 0) {
		if (ready_tcp(l, k, w, pv[0].vnode) == 0)
			w->ready = CFG_READY_TCP;
	} else
		ready_http(l, k, w, pv[0].vnode);
	if (po != NULL)
		ready_owner(l, w, pv[0].key, po);
	free(pv);
}

void
cfgworker_ready(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
{
	const char *s = cfgval_text(v);

	if (v->type == YAML_MAPPING_NODE) {
		ready_map(l, k, w, v);
		return;
	}
	if (strcmp(s, "none") == 0 || strcmp(s, "notify") == 0 ||
	    strcmp(s, "exited") == 0) {
		ready_clear(w, k);
		w->ready = strcmp(s, "none") == 0 ? CFG_READY_NONE :
		    strcmp(s, "notify") == 0 ? CFG_READY_NOTIFY :
		    CFG_READY_EXITED;
		return;
	}
	cfgval_error(l, v, "ready must be none, notify, exited, {fd: N}, "
	    "{tcp: host:port} or {http: URL}");
}

static void
log_map(struct load *l, struct cfg_worker *w, yaml_node_t *v)
{
	static const char *const keys[] = { "stdout", "file", NULL };
	static const struct keyset ks = { .keys = keys };
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
void
cfgworker_log(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
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
void
cfgworker_user(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
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

void
cfgworker_group(struct load *l, const struct cfgkey *k, struct cfg_worker *w,
    yaml_node_t *v)
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

/*
 * Applies the pairs (already checked against the right key set, for a
 * worker or a `defaults` mapping) to W; the `name` key is the caller's.
 */
void
cfgworker_apply(struct load *l, struct cfg_worker *w, struct pair *pv,
    size_t n)
{
	const struct cfgkey *k;
	size_t i;

	for (i = 0; i < n && !l->stop; i++) {
		k = cfgkey_find(pv[i].key, CFGK_WORKER);
		if (k != NULL && k->parse != NULL)
			k->parse(l, k, w, pv[i].vnode);
	}
}

/*
 * A one-shot step is transient unless it says otherwise (a `permanent`
 * from defaults gives way): a permanent one would run for ever.  It runs
 * as long as it takes, unless it has a ready_timeout of its own.
 */
static void
oneshot_finish(struct load *l, struct cfg_worker *w, struct pair *pv,
    size_t n)
{
	struct pair *r = cfgval_find(pv, n, "restart");

	if (w->ready != CFG_READY_EXITED)
		return;
	if (cfgval_find(pv, n, "ready_timeout") == NULL)
		w->ready_timeout_ms = CFG_INFINITY;
	if (w->restart != CFG_PERMANENT)
		return;
	if (r != NULL)
		cfgval_error(l, r->vnode, "ready: exited (a one-shot step) "
		    "needs restart: transient or temporary");
	else
		w->restart = CFG_TRANSIENT;
}

/* Checks what only the merged settings can tell, and counts the worker. */
void
cfgworker_finish(struct load *l, struct cfg_worker *w, yaml_node_t *map,
    struct pair *pv, size_t n)
{
	struct pair *wd;

	oneshot_finish(l, w, pv, n);
	if (w->watchdog_ms != 0 && w->ready != CFG_READY_NOTIFY) {
		if ((wd = cfgval_find(pv, n, "watchdog")) != NULL)
			cfgval_error(l, wd->vnode, "watchdog needs "
			    "ready: notify");
		else
			cfgval_error(l, map, "watchdog (from defaults) needs "
			    "ready: notify");
	}
	cfgtmpl_finish(l, w, map, pv, n);
	l->tree->nworkers += w->instances;
	if (l->tree->nworkers > CFG_MAX_WORKERS && !l->too_many_workers) {
		l->too_many_workers = true;
		cfgval_error(l, map, "too many workers: more than %d counting "
		    "instances", CFG_MAX_WORKERS);
	}
}
