/* `pmtree shutdown`: the tree stops gracefully; the reply comes once it is down. */
#include "cli.h"
#include "client.h"

static int
cmd_shutdown(struct cli_opts *o, const struct cmd_entry *self)
{
	json_t *rep;
	int rc;

	rep = client_request(o, json_pack("{ss}", "cmd", "shutdown"), &rc);
	json_decref(rep);
	return (rc);
}

static void
shutdown_server(struct commands *c, struct control_conn *conn, json_t *req,
    const struct ctl_cmd *self)
{
	commands_shutdown(c, conn, self);
}

const struct cmd_entry cmd_shutdown_entry = {
	.ctl = { .name = "shutdown", .handler = shutdown_server,
	    .op = CTL_SHUTDOWN },
	.min_args = 0,
	.max_args = 0,
	.usage = "shutdown",
	.help = "Stops the whole tree gracefully; returns when it is down.",
	.exec = cmd_shutdown,
};
