/* The command line: parses global options and dispatches to a command. */
#ifndef PMTREE_CLI_H
#define PMTREE_CLI_H

#include "command.h"

/* Exit codes of SPEC §5. */
#define CLI_OK		0
#define CLI_FAILED	1
#define CLI_USAGE	2
#define CLI_GAVE_UP	3

struct cli_opts {
	const char	*socket;	/* -S, or NULL */
	const char	*config;	/* -f, or NULL */
	int		 argc;		/* the command and its arguments */
	char		**argv;
	int		 full_argc;	/* main's, for the process title */
	char		**full_argv;
};

/*
 * A command: its file, cmd_NAME.c, holds its entry (what `pmtree NAME`
 * does and what the root answers), and its line in cli.c's table is all
 * the rest.  Every check of its arguments, its usage and its help, and the
 * root's dispatch of its requests, come from the entry.
 */
struct cmd_entry {
	struct ctl_cmd	 ctl;		/* its name, and the root's handler */
	int		 min_args;	/* after the command's name */
	int		 max_args;
	const char	*usage;		/* after "pmtree " */
	const char	*help;
	int		(*exec)(struct cli_opts *, const struct cmd_entry *);
};

/* Every command, in the order `pmtree --help` lists them; NULL-ended. */
extern const struct cmd_entry *const cmd_table[];

const struct cmd_entry *cmd_find(const char *name);
/* The root's view of the table (a ctl_find_fn, for root_run). */
const struct ctl_cmd *cmd_find_ctl(const char *name);

int	cli_main(int argc, char **argv);

#endif
