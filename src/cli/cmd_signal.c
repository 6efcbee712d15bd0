/*
 * `pmtree signal TARGET SIGNAL [--group]`: the root knows every pid, so it
 * signals them itself, and replies at once with how many it signalled.
 */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "client.h"
#include "control.h"
#include "nodetab.h"
#include "units.h"
#include "xmalloc.h"

static int
cmd_signal(struct cli_opts *o, const struct cmd_entry *self)
{
	static const struct option longopts[] = {
		{ "group", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *rep;
	int ch, group = 0, rc;

	while ((ch = getopt_long(o->argc, o->argv, "g", longopts, NULL)) != -1) {
		if (ch != 'g') {
			fprintf(stderr, "usage: pmtree %s\n", self->usage);
			return (CLI_USAGE);
		}
		group = 1;
	}
	if (o->argc - optind != 2) {
		fprintf(stderr, "pmtree: signal: %s\nusage: pmtree %s\n",
		    o->argc - optind < 2 ? "missing argument" :
		    "too many arguments", self->usage);
		return (CLI_USAGE);
	}
	rep = client_request(o, json_pack("{sssssssb}", "cmd", "signal", "target",
	    o->argv[optind], "signal", o->argv[optind + 1], "group", group), &rc);
	json_decref(rep);
	return (rc);
}

/* Target K of TG lies inside another of them (which signals it). */
static bool
signal_covered(const struct target *tg, size_t nt, size_t k)
{
	size_t j;

	for (j = 0; j < nt; j++) {
		if (j != k && tg[j].instance < 0 &&
		    tg[k].node->id > tg[j].node->id &&
		    tg[k].node->id <= nodetab_last(tg[j].node))
			return (true);
	}
	return (false);
}

/* Signals every running instance target T covers; returns how many. */
static int
signal_target(struct commands *c, const struct target *t, int sig, bool group)
{
	const struct cfg_tree *tree = commands_tree(c);
	struct nodetab *tab = commands_table(c);
	unsigned id, last = nodetab_last(t->node), inst;
	const struct msg_node_state *st;
	int sent = 0;

	for (id = t->node->id; id <= last; id++) {
		if (tree->nodes[id]->kind != CFG_WORKER)
			continue;
		for (inst = 0; inst < nodetab_count(tab, id); inst++) {
			if (t->instance >= 0 && (unsigned)t->instance != inst)
				continue;
			st = nodetab_get(tab, id, inst);
			if (st->pid > 0 && (group ? killpg(st->pid, sig) :
			    kill(st->pid, sig)) == 0)
				sent++;
		}
	}
	return (sent);
}

/* A group, every worker below it. */
static void
signal_server(struct commands *c, struct control_conn *conn, json_t *req,
    const struct ctl_cmd *self)
{
	const char *spec = json_string_value(json_object_get(req, "target"));
	const char *name = json_string_value(json_object_get(req, "signal"));
	bool group = json_is_true(json_object_get(req, "group"));
	struct target *tg;
	char err[128];
	size_t nt, k;
	int sig, sent = 0;

	if (spec == NULL || *spec == '\0' || name == NULL) {
		control_error(conn, 2, "signal: missing %s",
		    spec == NULL || *spec == '\0' ? "TARGET" : "SIGNAL");
		return;
	}
	if (units_signal(name, &sig, err, sizeof(err)) < 0) {
		control_error(conn, 2, "signal: %s", err);
		return;
	}
	if ((tg = commands_targets(c, conn, spec, &nt)) == NULL)
		return;
	/* A group and a worker below it may both match a bare name. */
	for (k = 0; k < nt; k++) {
		if (!signal_covered(tg, nt, k))
			sent += signal_target(c, &tg[k], sig, group);
	}
	xfree(tg);
	if (sent == 0)
		control_error(conn, 1, "signal %s: no running worker", spec);
	else
		control_reply(conn, json_pack("{sbsi}", "ok", 1, "sent", sent));
}

const struct cmd_entry cmd_signal_entry = {
	.ctl = { .name = "signal", .handler = signal_server },
	.min_args = 2,
	.max_args = 3,
	.usage = "signal TARGET SIGNAL [--group]",
	.help = "Sends SIGNAL to the worker's main process (--group: its process\n"
	    "group); on a group, to every worker below it.",
	.exec = cmd_signal,
};
