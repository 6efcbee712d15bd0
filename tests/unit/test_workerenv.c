/*
 * Unit tests of workerenv.c: a worker's environment in layers, lowest
 * first: pmtree's own, the env_file files in list order, `env`, then what
 * pmtree sets itself; a file that cannot be read fails the build.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workerenv.h"

static char dir[64];
static char *paths[3];
static char *shown[] = { "one.env", "two.env", "missing.env", NULL };
static char *env[] = { "V=env", "PMTREE_NAME=from-env", NULL };
static struct cfg_tree tree = { .name = "t" };
static struct cfg_node node = { .kind = CFG_WORKER };

static void
write_file(const char *path, const char *text)
{
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static void
setup(void)
{
	size_t k;

	snprintf(dir, sizeof(dir), "/tmp/pmtree-workerenv.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (k = 0; k < 3; k++)
		ck_assert_int_ne(asprintf(&paths[k], "%s/%s", dir, shown[k]),
		    -1);
	write_file(paths[0], "X=f1\nY=f1\nV=f1\nPMTREE_TREE=from-file\n");
	write_file(paths[1], "Y=f2\nV=f2\n");
	ck_assert_int_eq(setenv("X", "pm", 1), 0);
	ck_assert_int_eq(setenv("W", "pm", 1), 0);
	ck_assert_int_eq(setenv("PMTREE_INSTANCE", "pm", 1), 0);
	node.worker.env = env;
	node.worker.nenv = 2;
	node.worker.env_file = paths;
	node.worker.env_file_shown = shown;
	node.worker.n_env_file = 2;
}

static void
teardown(void)
{
	size_t k;

	for (k = 0; k < 3; k++) {
		(void)unlink(paths[k]);
		free(paths[k]);
	}
	ck_assert_int_eq(rmdir(dir), 0);
}

/* NAME=VALUE is in E exactly once, and NAME nowhere else. */
static void
has_once(const struct workerenv *e, const char *name, const char *value)
{
	size_t k, kl = strlen(name), n = 0;

	for (k = 0; k < e->n; k++) {
		if (strncmp(e->envp[k], name, kl) != 0 || e->envp[k][kl] != '=')
			continue;
		n++;
		ck_assert_msg(strcmp(e->envp[k] + kl + 1, value) == 0,
		    "%s is %s, not %s", name, e->envp[k] + kl + 1, value);
	}
	ck_assert_msg(n == 1, "%s is there %zu times", name, n);
	ck_assert_ptr_null(e->envp[e->n]);
}

/* The instance a test builds for: its number and PMTREE_NAME. */
#define VARS(i, n)	(&(struct tmpl_vars){ .instance = (i), .name = (n) })

START_TEST(layers)
{
	struct workerenv e;
	char why[256] = "";

	ck_assert_int_eq(workerenv_build(&e, &tree, &node, VARS(2, "w:2"), why,
	    sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	has_once(&e, "X", "f1");		/* a file over pmtree's own */
	has_once(&e, "Y", "f2");		/* the later file */
	has_once(&e, "V", "env");		/* `env` over both */
	has_once(&e, "W", "pm");		/* pmtree's own, not overridden */
	has_once(&e, "PMTREE_NAME", "w:2");	/* pmtree's over all */
	has_once(&e, "PMTREE_INSTANCE", "2");
	has_once(&e, "PMTREE_TREE", "t");
	ck_assert_str_eq(workerenv_get(&e, "Y"), "f2");
	workerenv_free(&e);
}
END_TEST

/* No file at all: the environment as before env_file. */
START_TEST(no_files)
{
	struct workerenv e;
	char why[256] = "";

	node.worker.n_env_file = 0;
	ck_assert_int_eq(workerenv_build(&e, &tree, &node, VARS(0, "w"), why,
	    sizeof(why)), 0);
	has_once(&e, "X", "pm");
	has_once(&e, "V", "env");
	ck_assert_ptr_null(workerenv_get(&e, "Y"));
	workerenv_free(&e);
}
END_TEST

START_TEST(missing_file_fails)
{
	struct workerenv e;
	char why[256] = "";

	node.worker.n_env_file = 3;
	ck_assert_int_eq(workerenv_build(&e, &tree, &node, VARS(0, "w"), why,
	    sizeof(why)), -1);
	ck_assert_str_eq(why, "env_file missing.env: No such file or "
	    "directory");
	/* Built all the same, with no file's variables. */
	has_once(&e, "X", "pm");
	has_once(&e, "V", "env");
	has_once(&e, "PMTREE_NAME", "w");
	ck_assert_ptr_null(workerenv_get(&e, "Y"));
	workerenv_free(&e);
}
END_TEST

START_TEST(malformed_file_fails)
{
	struct workerenv e;
	char why[256] = "";

	write_file(paths[1], "Y=f2\n\nV='x\n");
	ck_assert_int_eq(workerenv_build(&e, &tree, &node, VARS(0, "w"), why,
	    sizeof(why)), -1);
	ck_assert_str_eq(why, "env_file two.env:3: unterminated single quote "
	    "(a quoted value ends on its line)");
	ck_assert_ptr_null(workerenv_get(&e, "Y"));
	workerenv_free(&e);
}
END_TEST

/* Thousands of names, each many times: each once, the last one's value. */
START_TEST(many_entries)
{
	struct workerenv e;
	char why[256] = "", name[32];
	FILE *f;
	int k;

	ck_assert_ptr_nonnull(f = fopen(paths[0], "w"));
	for (k = 0; k < 60000; k++)
		ck_assert_int_gt(fprintf(f, "N%d=%d\n", k % 20000, k), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(workerenv_build(&e, &tree, &node, VARS(0, "w"), why,
	    sizeof(why)), 0);
	for (k = 0; k < 20000; k += 997) {
		char value[16];

		snprintf(name, sizeof(name), "N%d", k);
		snprintf(value, sizeof(value), "%d", k + 40000);
		has_once(&e, name, value);
	}
	has_once(&e, "V", "env");
	workerenv_free(&e);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("workerenv");
	TCase *tc = tcase_create("layers");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, layers);
	tcase_add_test(tc, no_files);
	tcase_add_test(tc, missing_file_fails);
	tcase_add_test(tc, malformed_file_fails);
	tcase_add_test(tc, many_entries);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
