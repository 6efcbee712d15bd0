/*
 * `status --json` (SPEC §5), written straight into a buffer: for a tree of
 * a thousand workers, building it as jansson objects cost more than reading
 * /proc, which is the floor (one /proc/PID/stat per running worker).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "machine.h"
#include "notify.h"
#include "status.h"
#include "units.h"
#include "xmalloc.h"

static const char *strategy_names[] = {
	[CFG_ONE_FOR_ONE] = "one_for_one",
	[CFG_ONE_FOR_ALL] = "one_for_all",
	[CFG_REST_FOR_ONE] = "rest_for_one",
};


/*
 * One read of /proc/PID/stat, parsed by hand: cheaper than statm and
 * schedstat together (measured: 10 µs a process, against 13).
 */
int
status_proc(int pid, uint64_t uptime_ms, struct proc_usage *u)
{
	static long page, hz;
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	ssize_t n;
	int fd, k;

	if (page == 0) {
		page = sysconf(_SC_PAGESIZE);
		hz = sysconf(_SC_CLK_TCK);
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (-1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: from the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return (-1);
	for (k = 0; k < 12 && p != NULL; k++)	/* to field 14, utime */
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return (-1);
	ut = strtoull(p + 1, &p, 10);
	st = strtoull(p + 1, &p, 10);
	for (k = 0; k < 8 && p != NULL; k++)	/* to field 24, rss */
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return (-1);
	u->rss_bytes = strtoll(p + 1, NULL, 10) * page;
	u->cpu_seconds = (double)(ut + st) / (double)hz;
	u->cpu_percent = uptime_ms > 0 ?
	    100.0 * u->cpu_seconds * 1000.0 / (double)uptime_ms : 0.0;
	return (0);
}

static void	status_info(struct obuf *, const struct nodeinfo *);

/* --- a small JSON writer ------------------------------------------------ */

static void
jw_raw(struct obuf *b, const char *s)
{
	obuf_add(b, s, strlen(s));
}

static void
jw_key(struct obuf *b, const char *key, bool first)
{
	obuf_reserve(b, strlen(key) + 4);
	if (!first)
		b->p[b->len++] = ',';
	b->p[b->len++] = '"';
	memcpy(b->p + b->len, key, strlen(key));
	b->len += strlen(key);
	b->p[b->len++] = '"';
	b->p[b->len++] = ':';
}

static void
jw_str(struct obuf *b, const char *key, const char *v)
{
	jw_key(b, key, false);
	format_json_string(b, v, strlen(v));
}

static void
jw_int(struct obuf *b, const char *key, long long v)
{
	char num[24];

	jw_key(b, key, false);
	snprintf(num, sizeof(num), "%lld", v);
	jw_raw(b, num);
}

static void
jw_int_or_null(struct obuf *b, const char *key, bool have, long long v)
{
	if (have)
		jw_int(b, key, v);
	else {
		jw_key(b, key, false);
		jw_raw(b, "null");
	}
}

static void
jw_exit(struct obuf *b, const struct msg_node_state *st)
{
	const char *name, *why;
	char buf[96], tail[48] = "}";

	jw_key(b, "last_exit", false);
	if (!st->has_exit) {
		jw_raw(b, "null");
		return;
	}
	/* pmtree ended it for a reason: `{"signal":"KILL","reason":"..."}`. */
	if ((why = sm_reason_name((enum exit_reason)st->reason)) != NULL)
		snprintf(tail, sizeof(tail), ",\"reason\":\"%s\"}", why);
	if (st->exit_code >= 0)
		snprintf(buf, sizeof(buf), "{\"code\":%d%s", st->exit_code, tail);
	else if ((name = units_signal_name(st->exit_sig)) != NULL)
		snprintf(buf, sizeof(buf), "{\"signal\":\"%s\"%s", name, tail);
	else
		snprintf(buf, sizeof(buf), "{\"signal\":%d%s", st->exit_sig,
		    tail);
	jw_raw(b, buf);
}

/* --- the tree ----------------------------------------------------------- */

struct walk {
	const struct cfg_tree		*tree;
	struct nodetab			*tab;
	const struct status_root	*root;
	unsigned char			*keep;	/* by id: 0 no, 1 yes, 2 all below */
	int				*inst;	/* by id: the instance asked */
	uint64_t			 now;
	struct obuf			*b;
	bool				 first;	/* no comma before the next */
};

/*
 * A waiting child's "waiting_for": the sibling it waits for, as its group
 * last told it.  A worker has the key always (null when it waits for
 * nothing); a group only while it waits, so that a group's entry keeps
 * the keys of SPEC section 5.
 */
static void
jw_waiting(struct walk *w, const struct cfg_node *n,
    const struct msg_node_state *st)
{
	const struct cfg_node *h;
	char name[4200];

	if (st->state != SLOT_WAITING || st->need_node == 0 ||
	    st->need_node >= w->tree->nnodes ||
	    (h = w->tree->nodes[st->need_node]) == NULL) {
		if (n->kind == CFG_WORKER) {
			jw_key(w->b, "waiting_for", false);
			jw_raw(w->b, "null");
		}
		return;
	}
	jw_key(w->b, "waiting_for", false);
	(void)config_instance_name(name, sizeof(name), h->path, st->need_inst,
	    h->kind == CFG_WORKER && nodetab_count(w->tab, h->id) > 1);
	jw_raw(w->b, "\"");
	jw_raw(w->b, name);
	jw_raw(w->b, "\"");
}

static void
status_worker(struct walk *w, const struct cfg_node *n, unsigned inst,
    unsigned count)
{
	const struct msg_node_state *st = nodetab_get(w->tab, n->id, inst);
	struct obuf *b = w->b;
	struct proc_usage u = { 0 };
	bool live = st->pid > 0;
	uint64_t up = live && w->now > st->since_ms ? w->now - st->since_ms : 0;
	bool have = live && status_proc(st->pid, up, &u) == 0;
	char name[4200], cpu[32];

	obuf_add(b, w->first ? "{" : ",{", w->first ? 1 : 2);
	w->first = false;
	(void)config_instance_name(name, sizeof(name), n->name, inst, count > 1);
	jw_key(b, "name", true);
	format_json_string(b, name, strlen(name));
	obuf_add(b, ",\"path\":\"", 9);
	(void)config_instance_name(name, sizeof(name), n->path, inst, count > 1);
	jw_raw(b, name);
	jw_raw(b, "\",\"type\":\"worker\"");
	jw_int(b, "instance", inst);
	jw_int_or_null(b, "pid", live, st->pid);
	jw_str(b, "state", sm_state_name((enum slot_state)st->state));
	jw_waiting(w, n, st);
	jw_key(b, "ready", false);
	jw_raw(b, st->ready ? "true" : "false");
	jw_int_or_null(b, "uptime_ms", live, (long long)up);
	jw_int(b, "restarts", st->restarts);
	jw_exit(b, st);
	jw_int_or_null(b, "next_restart_ms", st->state == SLOT_BACKOFF,
	    st->next_ms > w->now ? (long long)(st->next_ms - w->now) : 0);
	jw_int_or_null(b, "rss_bytes", have, u.rss_bytes);
	jw_key(b, "cpu_percent", false);
	snprintf(cpu, sizeof(cpu), "%.2f", u.cpu_percent);
	jw_raw(b, have ? cpu : "null");
	status_info(b, nodetab_info(w->tab, n->id, inst));
	jw_raw(b, "}");
}

static void	status_node(struct walk *, const struct cfg_node *, int);

/* What the worker said of itself: STATUS= and its X_METRIC_ values. */
static void
status_info(struct obuf *b, const struct nodeinfo *ni)
{
	char num[64];
	size_t k;

	jw_key(b, "status_text", false);
	if (ni != NULL && ni->status != NULL)
		format_json_string(b, ni->status, strlen(ni->status));
	else
		jw_raw(b, "null");
	jw_raw(b, ",\"metrics\":{");
	for (k = 0; ni != NULL && k < ni->nmetrics; k++) {
		jw_key(b, ni->metrics[k].name, k == 0);
		snprintf(num, sizeof(num), "%.17g", ni->metrics[k].value);
		jw_raw(b, num);
	}
	jw_raw(b, "}");
}

static void
status_group(struct walk *w, const struct cfg_node *g, int all)
{
	const struct msg_node_state *st = nodetab_get(w->tab, g->id, 0);
	bool isroot = g->parent == NULL;
	int pid = isroot ? w->root->pid : st->pid;
	struct obuf *b = w->b;
	size_t k;

	obuf_add(b, w->first ? "{" : ",{", w->first ? 1 : 2);
	jw_key(b, "name", true);
	format_json_string(b, isroot ? w->tree->name : g->name,
	    strlen(isroot ? w->tree->name : g->name));
	jw_str(b, "path", g->path);
	jw_raw(b, ",\"type\":\"supervisor\"");
	jw_int_or_null(b, "pid", pid > 0, pid);
	jw_str(b, "state", isroot ? "running" :
	    sm_state_name((enum slot_state)st->state));
	if (!isroot)
		jw_waiting(w, g, st);
	jw_str(b, "strategy", strategy_names[g->group.strategy]);
	jw_int(b, "intensity", g->group.intensity);
	jw_int(b, "period_ms", (long long)g->group.period_ms);
	jw_int(b, "restarts", isroot ? w->root->restarts : st->restarts);
	jw_raw(b, ",\"children\":[");
	w->first = true;
	for (k = 0; k < g->group.nchildren; k++)
		status_node(w, g->group.children[k], all);
	jw_raw(b, "]}");
	w->first = false;
}

/* A worker gives one entry per instance. */
static void
status_node(struct walk *w, const struct cfg_node *n, int all)
{
	unsigned k, count;

	all = all || w->keep == NULL || w->keep[n->id] == 2;
	if (!all && w->keep[n->id] == 0)
		return;
	if (n->kind == CFG_GROUP) {
		status_group(w, n, all);
		return;
	}
	count = nodetab_count(w->tab, n->id);
	for (k = 0; k < count; k++) {
		if (w->inst != NULL && w->inst[n->id] >= 0 &&
		    (unsigned)w->inst[n->id] != k && w->keep[n->id] == 2)
			continue;
		status_worker(w, n, k, count);
	}
}

/* Marks the targets (2) and their ancestors (1). */
static void
status_mark(struct walk *w, const struct target *t, size_t nt)
{
	const struct cfg_node *n;
	size_t k;

	w->keep = xcalloc(w->tree->nnodes, 1);
	w->inst = xcalloc(w->tree->nnodes, sizeof(*w->inst));
	for (k = 0; k < w->tree->nnodes; k++)
		w->inst[k] = TARGET_ALL;
	for (k = 0; k < nt; k++) {
		w->keep[t[k].node->id] = 2;
		w->inst[t[k].node->id] = t[k].instance;
		for (n = t[k].node->parent; n != NULL; n = n->parent)
			if (w->keep[n->id] == 0)
				w->keep[n->id] = 1;
	}
}

void
status_write(struct obuf *b, const struct cfg_tree *t, struct nodetab *tab,
    const struct status_root *r, const struct target *targets, size_t nt,
    uint64_t now)
{
	struct walk w = { .tree = t, .tab = tab, .root = r, .now = now, .b = b,
	    .first = true };
	char *log;

	if (nt > 0)
		status_mark(&w, targets, nt);
	jw_raw(b, "{\"name\":");
	format_json_string(b, t->name, strlen(t->name));
	jw_int(b, "pid", r->pid);
	jw_str(b, "version", PMTREE_VERSION);
	jw_int(b, "uptime_ms", (long long)(now - r->started_ms));
	/* The tree's sum: every supervisor counts in one shared page. */
	jw_int(b, "notify_dropped", (long long)notify_dropped_total());
	jw_key(b, "log", false);
	log = json_dumps(r->log, JSON_COMPACT);
	jw_raw(b, log != NULL ? log : "null");
	xfree(log);
	jw_key(b, "tree", false);
	status_group(&w, t->root, nt == 0 || w.keep[0] == 2);
	jw_raw(b, "}");
	xfree(w.keep);
	xfree(w.inst);
}

/* --- what a start waits for (run -d) ------------------------------------ */

/* ", 12 restarts, last exit code 1"; "" before any exit. */
static void
status_exit_words(char *buf, size_t len, const struct msg_node_state *st)
{
	const char *name = units_signal_name(st->exit_sig);
	char how[48];

	*buf = '\0';
	if (!st->has_exit)
		return;
	if (st->exit_code >= 0)
		snprintf(how, sizeof(how), "code %d", st->exit_code);
	else if (name != NULL)
		snprintf(how, sizeof(how), "signal %s", name);
	else
		snprintf(how, sizeof(how), "signal %d", st->exit_sig);
	snprintf(buf, len, ", %u restart%s, last exit %s", st->restarts,
	    st->restarts == 1 ? "" : "s", how);
}

/* The node's path, with its instance when it runs several. */
static void
status_path(char *buf, size_t len, struct nodetab *tab,
    const struct cfg_node *n, unsigned inst)
{
	(void)config_instance_name(buf, len, n->path, inst,
	    n->kind == CFG_WORKER && nodetab_count(tab, n->id) > 1);
}

/* "waiting for P: WHY" for instance INST of H, a child some sibling waits on. */
static void
status_wait_one(const struct cfg_tree *t, struct nodetab *tab, unsigned id,
    unsigned inst, uint64_t now, status_line_fn *fn, void *arg)
{
	const struct msg_node_state *hs;
	const struct cfg_node *h;
	char path[300], line[600], ex[96];
	uint64_t ms;

	if (id == 0 || id >= t->nnodes || (h = t->nodes[id]) == NULL ||
	    (hs = nodetab_get(tab, h->id, inst)) == NULL)
		return;
	/* A group that waits on a child of its own: that child's line says why. */
	if (h->kind == CFG_GROUP && hs->wait_node != 0)
		return;
	status_path(path, sizeof(path), tab, h, inst);
	status_exit_words(ex, sizeof(ex), hs);
	switch (hs->state) {
	case SLOT_STARTING:
		ms = now > hs->since_ms ? now - hs->since_ms : 0;
		snprintf(line, sizeof(line), "waiting for %s: starting, not "
		    "ready after %.1f s%s", path, (double)ms / 1000.0, ex);
		break;
	case SLOT_BACKOFF:
		ms = hs->next_ms > now ? hs->next_ms - now : 0;
		snprintf(line, sizeof(line), "waiting for %s: backoff%s, next "
		    "start in %.1f s", path, ex, (double)ms / 1000.0);
		break;
	default:
		snprintf(line, sizeof(line), "waiting for %s: %s%s", path,
		    sm_state_name((enum slot_state)hs->state), ex);
	}
	fn(line, arg);
}

/* Whether an earlier child of G than (ID, INST) names the same target. */
static bool
status_named_before(struct nodetab *tab, const struct cfg_node *g, size_t k,
    unsigned inst, const struct msg_node_state *st)
{
	const struct msg_node_state *o;
	size_t j;
	unsigned i, n;

	for (j = 0; j <= k; j++) {
		n = j < k ? nodetab_count(tab, g->group.children[j]->id) : inst;
		for (i = 0; i < n; i++) {
			o = nodetab_get(tab, g->group.children[j]->id, i);
			if (o != NULL && o->state == SLOT_WAITING &&
			    o->need_node == st->need_node &&
			    o->need_inst == st->need_inst)
				return (true);
		}
	}
	return (false);
}

/*
 * One line per child of G that holds a sibling back (what each waiting
 * child waits for, each once); else the one G's plan waits on, if any.
 */
static void
status_wait_line(const struct cfg_tree *t, struct nodetab *tab,
    const struct cfg_node *g, uint64_t now, status_line_fn *fn, void *arg)
{
	const struct msg_node_state *gs = nodetab_get(tab, g->id, 0), *st;
	bool any = false;
	unsigned i, n;
	size_t k;

	for (k = 0; k < g->group.nchildren; k++) {
		n = nodetab_count(tab, g->group.children[k]->id);
		for (i = 0; i < n; i++) {
			st = nodetab_get(tab, g->group.children[k]->id, i);
			if (st == NULL || st->state != SLOT_WAITING ||
			    st->need_node == 0)
				continue;
			any = true;
			if (!status_named_before(tab, g, k, i, st))
				status_wait_one(t, tab, st->need_node,
				    st->need_inst, now, fn, arg);
		}
	}
	if (!any && gs != NULL)
		status_wait_one(t, tab, gs->wait_node, gs->wait_inst, now, fn,
		    arg);
}

static void
status_waiting_in(const struct cfg_tree *t, struct nodetab *tab,
    const struct cfg_node *g, uint64_t now, status_line_fn *fn, void *arg)
{
	const struct msg_node_state *gs = nodetab_get(tab, g->id, 0);
	size_t k;

	/* A group whose supervisor is not up plans nothing. */
	if (g->parent != NULL && (gs == NULL || gs->pid <= 0))
		return;
	status_wait_line(t, tab, g, now, fn, arg);
	for (k = 0; k < g->group.nchildren; k++) {
		if (g->group.children[k]->kind == CFG_GROUP)
			status_waiting_in(t, tab, g->group.children[k], now,
			    fn, arg);
	}
}

void
status_waiting(const struct cfg_tree *t, struct nodetab *tab, uint64_t now,
    status_line_fn *fn, void *arg)
{
	status_waiting_in(t, tab, t->root, now, fn, arg);
}

void
status_failing(const struct cfg_tree *t, struct nodetab *tab, unsigned max,
    status_line_fn *fn, void *arg)
{
	const struct msg_node_state *st;
	char path[300], line[600], ex[96];
	unsigned id, k, n, shown = 0, more = 0;

	for (id = 1; id < t->nnodes; id++) {
		if (t->nodes[id]->kind != CFG_WORKER)
			continue;
		n = nodetab_count(tab, id);
		for (k = 0; k < n; k++) {
			st = nodetab_get(tab, id, k);
			if (!st->has_exit || (st->restarts == 0 &&
			    st->exit_code <= 0))
				continue;
			if (shown == max) {
				more++;
				continue;
			}
			status_path(path, sizeof(path), tab, t->nodes[id], k);
			status_exit_words(ex, sizeof(ex), st);
			snprintf(line, sizeof(line), "%s: %s", path, ex + 2);
			fn(line, arg);
			shown++;
		}
	}
	if (more > 0) {
		snprintf(line, sizeof(line), "and %u more", more);
		fn(line, arg);
	}
}
