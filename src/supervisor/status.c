#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine.h"
#include "status.h"
#include "units.h"
#include "xmalloc.h"

static const char *strategy_names[] = {
	[CFG_ONE_FOR_ONE] = "one_for_one",
	[CFG_ONE_FOR_ALL] = "one_for_all",
	[CFG_REST_FOR_ONE] = "rest_for_one",
};

/* Resident memory and CPU use of PID, as ps computes %CPU (over its life). */
struct proc_usage {
	long long	rss_bytes;
	double		cpu_seconds;
	double		cpu_percent;
};

static int
status_proc(int pid, uint64_t uptime_ms, struct proc_usage *u)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	long rss;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "re")) == NULL)
		return (-1);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip past the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return (-1);
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
	    "%*d %*d %*d %*d %*d %*d %*u %*u %ld", &ut, &st, &rss) != 3)
		return (-1);
	u->rss_bytes = (long long)rss * sysconf(_SC_PAGESIZE);
	u->cpu_seconds = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	u->cpu_percent = uptime_ms > 0 ?
	    100.0 * u->cpu_seconds * 1000.0 / (double)uptime_ms : 0.0;
	return (0);
}

static json_t *
status_exit(const struct msg_node_state *st)
{
	const char *name;

	if (!st->has_exit)
		return (json_null());
	if (st->exit_code >= 0)
		return (json_pack("{si}", "code", st->exit_code));
	name = units_signal_name(st->exit_sig);
	if (name != NULL)
		return (json_pack("{ss}", "signal", name));
	return (json_pack("{si}", "signal", st->exit_sig));
}

static json_t *
status_ms_or_null(bool cond, uint64_t v)
{
	return (cond ? json_integer((json_int_t)v) : json_null());
}

static json_t *
status_worker(const struct cfg_node *n, const struct msg_node_state *st,
    unsigned inst, unsigned count, uint64_t now)
{
	char name[300], path[4200];
	struct proc_usage u = { 0 };
	bool live = st->pid > 0;
	uint64_t up = live && now > st->since_ms ? now - st->since_ms : 0;
	bool have = live && status_proc(st->pid, up, &u) == 0;

	if (count > 1) {
		snprintf(name, sizeof(name), "%s:%u", n->name, inst);
		snprintf(path, sizeof(path), "%s:%u", n->path, inst);
	} else {
		snprintf(name, sizeof(name), "%s", n->name);
		snprintf(path, sizeof(path), "%s", n->path);
	}
	return (json_pack("{ss ss ss si so ss sb so si so so so so so so}",
	    "name", name, "path", path, "type", "worker", "instance", inst,
	    "pid", live ? json_integer(st->pid) : json_null(),
	    "state", sm_state_name((enum slot_state)st->state),
	    "ready", st->ready != 0,
	    "uptime_ms", status_ms_or_null(live, up),
	    "restarts", (int)st->restarts,
	    "last_exit", status_exit(st),
	    "next_restart_ms", status_ms_or_null(st->state == SLOT_BACKOFF,
	    st->next_ms > now ? st->next_ms - now : 0),
	    "rss_bytes", have ? json_integer(u.rss_bytes) : json_null(),
	    "cpu_percent", have ? json_real(u.cpu_percent) : json_null(),
	    "status_text", json_null(),
	    "metrics", json_object()));
}

struct walk {
	const struct cfg_tree		*tree;
	struct nodetab			*tab;
	const struct status_root	*root;
	unsigned char			*keep;	/* by id: 0 no, 1 yes, 2 all below */
	int				*inst;	/* by id: the instance asked */
	uint64_t			 now;
};

static json_t	*status_node(struct walk *, const struct cfg_node *, int);

static json_t *
status_group(struct walk *w, const struct cfg_node *g, int all)
{
	const struct msg_node_state *st = nodetab_get(w->tab, g->id, 0);
	json_t *kids = json_array(), *o;
	bool isroot = g->parent == NULL;
	int pid = isroot ? w->root->pid : st->pid;
	size_t k;

	for (k = 0; k < g->group.nchildren; k++) {
		o = status_node(w, g->group.children[k], all);
		if (o != NULL) {
			json_array_extend(kids, o);
			json_decref(o);
		}
	}
	return (json_pack("{ss ss ss so ss ss si sI si so}",
	    "name", isroot ? w->tree->name : g->name, "path", g->path,
	    "type", "supervisor",
	    "pid", pid > 0 ? json_integer(pid) : json_null(),
	    "state", isroot ? "running" : sm_state_name((enum slot_state)st->state),
	    "strategy", strategy_names[g->group.strategy],
	    "intensity", (int)g->group.intensity,
	    "period_ms", (json_int_t)g->group.period_ms,
	    "restarts", isroot ? (int)w->root->restarts : (int)st->restarts,
	    "children", kids));
}

/* A worker gives one entry per instance, so the result is always an array. */
static json_t *
status_node(struct walk *w, const struct cfg_node *n, int all)
{
	json_t *arr;
	unsigned k, count;

	all = all || w->keep == NULL || w->keep[n->id] == 2;
	if (!all && w->keep[n->id] == 0)
		return (NULL);
	if (n->kind == CFG_GROUP)
		return (json_pack("[o]", status_group(w, n, all)));
	arr = json_array();
	count = nodetab_count(w->tab, n->id);
	for (k = 0; k < count; k++) {
		if (w->inst != NULL && w->inst[n->id] >= 0 &&
		    (unsigned)w->inst[n->id] != k && w->keep[n->id] == 2)
			continue;
		json_array_append_new(arr, status_worker(n,
		    nodetab_get(w->tab, n->id, k), k, count, w->now));
	}
	return (arr);
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

json_t *
status_json(const struct cfg_tree *t, struct nodetab *tab,
    const struct status_root *r, const struct target *targets, size_t nt,
    uint64_t now)
{
	struct walk w = { .tree = t, .tab = tab, .root = r, .now = now };
	json_t *tree;

	if (nt > 0)
		status_mark(&w, targets, nt);
	tree = status_group(&w, t->root, nt == 0 || w.keep[0] == 2);
	free(w.keep);
	free(w.inst);
	return (json_pack("{ss si ss sI sO so}",
	    "name", t->name, "pid", r->pid, "version", PMTREE_VERSION,
	    "uptime_ms", (json_int_t)(now - r->started_ms),
	    "log", r->log, "tree", tree));
}
