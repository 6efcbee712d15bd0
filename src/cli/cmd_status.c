/*
 * `pmtree status [TARGET] [--json]`: the live tree, or TARGET's nodes and
 * their ancestors.  The root answers from its table at once.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "control.h"
#include "format.h"
#include "render.h"
#include "xmalloc.h"

/*
 * --json: the object is printed as the tree sent it, unparsed (it is big).
 * -1 when the reply is not a plain success: then it is parsed after all.
 */
static int
status_print_raw(struct cli_opts *o, const char *target)
{
	size_t plen = strlen(CONTROL_STATUS_PREFIX), len;
	struct client c;
	char *line;
	int rc;

	if ((rc = client_open(&c, o)) != CLI_OK)
		return (rc);
	line = client_call_text(&c, json_pack("{ssss}", "cmd", "status",
	    "target", target));
	client_close(&c);
	if (line == NULL)
		return (CLI_FAILED);
	len = strlen(line);
	if (len <= plen + 1 || strncmp(line, CONTROL_STATUS_PREFIX, plen) != 0 ||
	    line[len - 1] != '}') {
		free(line);
		return (-1);
	}
	line[len - 1] = '\n';
	rc = fwrite(line + plen, 1, len - plen, stdout) == len - plen &&
	    fflush(stdout) == 0 ? CLI_OK : CLI_FAILED;
	free(line);
	return (rc);
}

static int
cmd_status(struct cli_opts *o, const struct cmd_entry *self)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *target = "";
	json_t *rep, *st;
	int ch, json = 0, rc;

	while ((ch = getopt_long(o->argc, o->argv, "j", longopts, NULL)) != -1) {
		if (ch != 'j') {
			fprintf(stderr, "usage: pmtree %s\n", self->usage);
			return (CLI_USAGE);
		}
		json = 1;
	}
	if (optind < o->argc)
		target = o->argv[optind++];
	if (optind < o->argc) {
		fprintf(stderr, "pmtree: status: too many arguments\n");
		return (CLI_USAGE);
	}
	if (json && (rc = status_print_raw(o, target)) >= 0)
		return (rc);
	rep = client_request(o, json_pack("{ssss}", "cmd", "status", "target", target),
	    &rc);
	if (rep == NULL)
		return (rc);
	st = json_object_get(rep, "status");
	if (json)
		json_dumpf(st, stdout, JSON_COMPACT);
	else
		render_status(stdout, st, isatty(STDOUT_FILENO));
	if (json)
		fputc('\n', stdout);
	json_decref(rep);
	return (fflush(stdout) == 0 ? CLI_OK : CLI_FAILED);
}

/* The envelope is fixed, so a client may print the object unparsed. */
static void
status_server(struct commands *c, struct control_conn *conn, json_t *req,
    const struct ctl_cmd *self)
{
	const char *spec = json_string_value(json_object_get(req, "target"));
	struct target *tg = NULL;
	struct obuf b = { 0 };
	size_t nt = 0;

	if (spec != NULL && *spec != '\0' &&
	    (tg = commands_targets(c, conn, spec, &nt)) == NULL)
		return;
	obuf_add(&b, CONTROL_STATUS_PREFIX, strlen(CONTROL_STATUS_PREFIX));
	commands_status_of(c, &b, tg, nt);
	obuf_add(&b, "}", 1);
	xfree(tg);
	control_reply_text(conn, b.p, b.len);
	obuf_free(&b);
}

const struct cmd_entry cmd_status_entry = {
	.ctl = { .name = "status", .handler = status_server },
	.min_args = 0,
	.max_args = 2,
	.usage = "status [TARGET] [--json]",
	.help = "Shows the live tree (or TARGET's subtree): state, pid, uptime,\n"
	    "restarts, memory, CPU, readiness and last exit.",
	.exec = cmd_status,
};
