/* The commands that talk to a running tree: status, shutdown. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "control.h"
#include "render.h"

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

int
cmd_status(struct cli_opts *o)
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
			fprintf(stderr, "usage: pmtree status [TARGET] [--json]\n");
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

int
cmd_shutdown(struct cli_opts *o)
{
	json_t *rep;
	int rc;

	rep = client_request(o, json_pack("{ss}", "cmd", "shutdown"), &rc);
	json_decref(rep);
	return (rc);
}

/* start, stop and restart: one TARGET, a reply once the action is complete. */
int
cmd_act(struct cli_opts *o)
{
	json_t *rep;
	int rc;

	rep = client_request(o, json_pack("{ssss}", "cmd", o->argv[0], "target",
	    o->argv[1]), &rc);
	json_decref(rep);
	return (rc);
}

int
cmd_signal(struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "group", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *rep;
	int ch, group = 0, rc;

	while ((ch = getopt_long(o->argc, o->argv, "g", longopts, NULL)) != -1) {
		if (ch != 'g') {
			fprintf(stderr, "usage: pmtree signal TARGET SIGNAL [--group]\n");
			return (CLI_USAGE);
		}
		group = 1;
	}
	if (o->argc - optind != 2) {
		fprintf(stderr, "pmtree: signal: %s\nusage: pmtree signal TARGET SIGNAL [--group]\n",
		    o->argc - optind < 2 ? "missing argument" : "too many arguments");
		return (CLI_USAGE);
	}
	rep = client_request(o, json_pack("{sssssssb}", "cmd", "signal", "target",
	    o->argv[optind], "signal", o->argv[optind + 1], "group", group), &rc);
	json_decref(rep);
	return (rc);
}

/* Prints a command's reply message, if it has one worth saying. */
static void
ctl_message(json_t *rep)
{
	const char *msg = jstr(json_object_get(rep, "message"), NULL);

	if (msg != NULL && strchr(msg, ' ') != NULL)
		printf("pmtree: %s\n", msg);
}

int
cmd_reload(struct cli_opts *o)
{
	json_t *rep;
	int rc;

	rep = client_request(o, json_pack("{ss}", "cmd", "reload"), &rc);
	ctl_message(rep);
	json_decref(rep);
	return (rc);
}

int
cmd_scale(struct cli_opts *o)
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
