/* The command line: parses global options and dispatches to a command. */
#ifndef PMTREE_CLI_H
#define PMTREE_CLI_H

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

int	cli_main(int argc, char **argv);

/* Each command; argv[0] is the command's name. */
int	cmd_check(struct cli_opts *);
int	cmd_run(struct cli_opts *);
int	cmd_status(struct cli_opts *);
int	cmd_shutdown(struct cli_opts *);
int	cmd_act(struct cli_opts *);
int	cmd_signal(struct cli_opts *);
int	cmd_logs(struct cli_opts *);
int	cmd_reload(struct cli_opts *);
int	cmd_scale(struct cli_opts *);

#endif
