/*
 * `pmtree start|stop|restart TARGET`: the root sends the order down the
 * tree and replies once the action is complete (src/root/act.c).
 */
#include <jansson.h>

#include "cli.h"
#include "client.h"
#include "control.h"

static int
cmd_act(struct cli_opts *o, const struct cmd_entry *self)
{
	json_t *rep;
	int rc;

	rep = client_request(o, json_pack("{ssss}", "cmd", self->ctl.name,
	    "target", o->argv[1]), &rc);
	json_decref(rep);
	return (rc);
}

static void
act_server(struct commands *c, struct control_conn *conn, json_t *req,
    const struct ctl_cmd *self)
{
	const char *spec = json_string_value(json_object_get(req, "target"));

	if (spec == NULL || *spec == '\0')
		control_error(conn, 2, "%s: missing TARGET", self->name);
	else
		commands_act(c, conn, self, spec);
}

const struct cmd_entry cmd_start_entry = {
	.ctl = { .name = "start", .handler = act_server, .op = CTL_START },
	.min_args = 1,
	.max_args = 1,
	.usage = "start TARGET",
	.help = "Starts a stopped worker, instance or group.",
	.exec = cmd_act,
};

const struct cmd_entry cmd_stop_entry = {
	.ctl = { .name = "stop", .handler = act_server, .op = CTL_STOP },
	.min_args = 1,
	.max_args = 1,
	.usage = "stop TARGET",
	.help = "Stops a worker, instance or group; it stays stopped until started.",
	.exec = cmd_act,
};

const struct cmd_entry cmd_restart_entry = {
	.ctl = { .name = "restart", .handler = act_server, .op = CTL_RESTART },
	.min_args = 1,
	.max_args = 1,
	.usage = "restart TARGET",
	.help = "Stops then starts a worker, instance or group.",
	.exec = cmd_act,
};
