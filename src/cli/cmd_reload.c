/*
 * `pmtree reload`: the root re-reads the YAML file and applies the
 * difference; the reply waits for what it starts and drops
 * (src/root/reload.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"

/* Prints the reply's message, if it has one worth saying. */
static void
reload_message(json_t *rep)
{
	const char *msg = jstr(json_object_get(rep, "message"), NULL);

	if (msg != NULL && strchr(msg, ' ') != NULL)
		printf("pmtree: %s\n", msg);
}

static int
cmd_reload(struct cli_opts *o, const struct cmd_entry *self)
{
	json_t *rep;
	int rc;

	rep = client_request(o, json_pack("{ss}", "cmd", "reload"), &rc);
	reload_message(rep);
	json_decref(rep);
	return (rc);
}

static void
reload_server(struct commands *c, struct control_conn *conn, json_t *req,
    const struct ctl_cmd *self)
{
	commands_reload(c, conn, self);
}

const struct cmd_entry cmd_reload_entry = {
	.ctl = { .name = "reload", .handler = reload_server, .op = CTL_RELOAD },
	.min_args = 0,
	.max_args = 0,
	.usage = "reload",
	.help = "Re-reads the YAML file and applies the difference to the live tree.",
	.exec = cmd_reload,
};
