/*
 * `pmtree scale TARGET N`: each worker TARGET names runs N instances; the
 * reply waits for the new ones to run and the dropped ones to be gone
 * (src/root/reload.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "client.h"
#include "control.h"

static int
cmd_scale(struct cli_opts *o, const struct cmd_entry *self)
{
	json_t *rep;
	char *end;
	long n;
	int rc;

	n = strtol(o->argv[2], &end, 10);
	if (*o->argv[2] == '\0' || *end != '\0' || n < 1) {
		fprintf(stderr, "pmtree: scale: N must be a whole number >= 1: %s\n",
		    o->argv[2]);
		return (CLI_USAGE);
	}
	rep = client_request(o, json_pack("{sssssI}", "cmd", "scale", "target",
	    o->argv[1], "count", (json_int_t)n), &rc);
	json_decref(rep);
	return (rc);
}

static void
scale_server(struct commands *c, struct control_conn *conn, json_t *req,
    const struct ctl_cmd *self)
{
	const char *spec = json_string_value(json_object_get(req, "target"));
	json_int_t n = json_integer_value(json_object_get(req, "count"));

	if (spec == NULL || n < 1 || n > CFG_MAX_WORKERS)
		control_error(conn, 2, "scale: N must be a number from 1 to %d",
		    CFG_MAX_WORKERS);
	else
		commands_scale(c, conn, self, spec, (unsigned)n);
}

const struct cmd_entry cmd_scale_entry = {
	.ctl = { .name = "scale", .handler = scale_server, .op = CTL_SCALE },
	.min_args = 2,
	.max_args = 2,
	.usage = "scale TARGET N",
	.help = "Runs N instances of a worker (N >= 1).",
	.exec = cmd_scale,
};
