/*
 * The table of commands (src/cli/cli.c): every entry is whole, and what
 * `pmtree` says about a command comes from its entry.  It walks the table,
 * so a new command is covered without a line here.
 */
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *pmtree;

/* Runs pmtree with ARGV; its stdout or stderr (ERR) as a string, to free. */
static char *
run(char *const argv[], int err, int *status)
{
	char buf[4096], *out = NULL;
	size_t len = 0;
	ssize_t r;
	FILE *f;
	pid_t pid;
	int p[2], null;

	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		null = open("/dev/null", O_WRONLY);
		dup2(p[1], err ? 2 : 1);
		dup2(null, err ? 1 : 2);
		execv(pmtree, argv);
		_exit(127);
	}
	close(p[1]);
	f = open_memstream(&out, &len);
	while ((r = read(p[0], buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)r, f);
	fclose(f);
	close(p[0]);
	waitpid(pid, status, 0);
	return (out);
}

START_TEST(entries_are_whole)
{
	const struct cmd_entry *const *e, *const *o;
	size_t n;

	for (e = cmd_table; *e != NULL; e++) {
		n = strlen((*e)->ctl.name);
		ck_assert_msg(n > 0, "an entry without a name");
		ck_assert_msg(strncmp((*e)->usage, (*e)->ctl.name, n) == 0 &&
		    ((*e)->usage[n] == '\0' || (*e)->usage[n] == ' '),
		    "%s: usage \"%s\" does not start with its name",
		    (*e)->ctl.name, (*e)->usage);
		ck_assert_msg((*e)->help != NULL && *(*e)->help != '\0',
		    "%s: no help", (*e)->ctl.name);
		ck_assert_msg((*e)->exec != NULL, "%s: no client side",
		    (*e)->ctl.name);
		ck_assert_msg((*e)->min_args <= (*e)->max_args,
		    "%s: min_args > max_args", (*e)->ctl.name);
		ck_assert_msg((*e)->ctl.handler != NULL ||
		    (*e)->ctl.op == CTL_NONE, "%s: an op, but no handler",
		    (*e)->ctl.name);
		for (o = cmd_table; o != e; o++)
			ck_assert_str_ne((*o)->ctl.name, (*e)->ctl.name);
		ck_assert_ptr_eq(cmd_find((*e)->ctl.name), *e);
		ck_assert_ptr_eq(cmd_find_ctl((*e)->ctl.name), &(*e)->ctl);
	}
	ck_assert_ptr_null(cmd_find("nope"));
	ck_assert_ptr_null(cmd_find_ctl("nope"));
}
END_TEST

START_TEST(help_prints_the_entry)
{
	const struct cmd_entry *const *e;
	char *out, *want;
	int st;

	for (e = cmd_table; *e != NULL; e++) {
		out = run((char *[]){ "pmtree", "help",
		    (char *)(*e)->ctl.name, NULL }, 0, &st);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == CLI_OK,
		    "help %s: status %d", (*e)->ctl.name, st);
		ck_assert_int_ge(asprintf(&want, "usage: pmtree %s\n\n%s\n",
		    (*e)->usage, (*e)->help), 0);
		ck_assert_str_eq(out, want);
		free(want);
		free(out);
	}
}
END_TEST

START_TEST(usage_lists_every_entry)
{
	const struct cmd_entry *const *e;
	char *out, *want;
	int st;

	out = run((char *[]){ "pmtree", "--help", NULL }, 0, &st);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == CLI_OK);
	for (e = cmd_table; *e != NULL; e++) {
		ck_assert_int_ge(asprintf(&want, "\n  pmtree %s\n", (*e)->usage), 0);
		ck_assert_msg(strstr(out, want) != NULL, "--help lacks %s", want);
		free(want);
	}
	free(out);
}
END_TEST

/* One argument too many: a usage error naming the entry's usage. */
START_TEST(too_many_arguments)
{
	const struct cmd_entry *const *e;
	char *argv[16], *out, *want;
	int k, st;

	for (e = cmd_table; *e != NULL; e++) {
		argv[0] = "pmtree";
		argv[1] = (char *)(*e)->ctl.name;
		for (k = 0; k <= (*e)->max_args; k++)
			argv[2 + k] = "x";
		argv[2 + k] = NULL;
		out = run(argv, 1, &st);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == CLI_USAGE,
		    "%s: status %d", (*e)->ctl.name, st);
		ck_assert_int_ge(asprintf(&want, "pmtree: %s: too many arguments\n"
		    "usage: pmtree %s\n", (*e)->ctl.name, (*e)->usage), 0);
		ck_assert_str_eq(out, want);
		free(want);
		free(out);
	}
}
END_TEST

int
main(int argc, char **argv)
{
	Suite *s = suite_create("cmd_table");
	TCase *tc = tcase_create("cmd_table");
	SRunner *sr;
	int failed;

	if (argc != 2) {
		fprintf(stderr, "usage: test_cmd_table PMTREE\n");
		return (EXIT_FAILURE);
	}
	pmtree = argv[1];
	tcase_add_test(tc, entries_are_whole);
	tcase_add_test(tc, help_prints_the_entry);
	tcase_add_test(tc, usage_lists_every_entry);
	tcase_add_test(tc, too_many_arguments);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
