/*
 * `pmtree check` as a user runs it: exit 0 and the tree on stdout for a
 * good file; exit 2 and FILE:LINE:COL: message lines on stderr otherwise.
 * Arguments: the pmtree binary and the corpus folder.
 */
#include <check.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *pmtree, *corpus;

struct run {
	int	 status;	/* exit code, or -1 */
	char	*out;
	char	*err;
};

static char *
slurp(FILE *f)
{
	char *buf;
	long len;

	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	ck_assert_ptr_nonnull(buf = calloc(1, (size_t)len + 1));
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return (buf);
}

/* Runs `pmtree check FILE`, its output captured in temporary files. */
static void
run_check(const char *file, struct run *r)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)pmtree, "check", (char *)file, NULL };
	FILE *out = tmpfile(), *err = tmpfile();
	pid_t pid;
	int st;

	ck_assert(out != NULL && err != NULL);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fileno(out), 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
	ck_assert_int_eq(posix_spawn(&pid, pmtree, &fa, NULL, argv, environ),
	    0);
	posix_spawn_file_actions_destroy(&fa);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->out = slurp(out);
	r->err = slurp(err);
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static char *
corpus_file(const char *sub, const char *name)
{
	char *p;

	ck_assert_int_ne(asprintf(&p, "%s/%s/%s", corpus, sub, name), -1);
	return (p);
}

START_TEST(good_file)
{
	char *file = corpus_file("good", "shop.yaml");
	struct run r;

	run_check(file, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert(strncmp(r.out, "shop ", 5) == 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\n    api/web       worker  node "
	    "server.js --port 3000  x4  permanent\n"));
	run_free(&r);
	free(file);
}
END_TEST

START_TEST(bad_file)
{
	char *file = corpus_file("bad", "unknown_key_root.yaml"), *want;
	struct run r;

	run_check(file, &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_int_ne(asprintf(&want, "%s:4:1: unknown key \"intensty\" "
	    "(did you mean \"intensity\"?)\n", file), -1);
	ck_assert_str_eq(r.err, want);
	free(want);
	run_free(&r);
	free(file);
}
END_TEST

/* Every error on its own line, sorted by position, FILE as given. */
START_TEST(many_errors_sorted)
{
	char *file = corpus_file("bad", "bad_durations.yaml"), *line, *save;
	unsigned l, c, last = 0, n = 0;
	size_t flen = strlen(file);
	struct run r;

	run_check(file, &r);
	ck_assert_int_eq(r.status, 2);
	for (line = strtok_r(r.err, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		ck_assert(strncmp(line, file, flen) == 0);
		ck_assert_int_eq(sscanf(line + flen, ":%u:%u: ", &l, &c), 2);
		ck_assert_uint_ge(l, last);
		last = l;
		n++;
	}
	ck_assert_uint_eq(n, 6);
	run_free(&r);
	free(file);
}
END_TEST

/* Runs `pmtree check` on bad/NAME: exit 2, and exactly the lines WANT. */
static void
expect_errors(const char *name, const char *const *want)
{
	char *file = corpus_file("bad", name), *all = NULL, *line;
	struct run r;
	size_t k;

	for (k = 0; want[k] != NULL; k++) {
		ck_assert_int_ne(asprintf(&line, "%s%s:%s\n", all ? all : "",
		    file, want[k]), -1);
		free(all);
		all = line;
	}
	run_check(file, &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, all);
	free(all);
	run_free(&r);
	free(file);
}

/* An integer key given a list or a mapping: said so, no stack bytes. */
START_TEST(integer_given_a_container)
{
	static const char *const want[] = {
		"9:12: intensity must be an integer ≥ 0 (got a mapping)",
		"10:13: log.keep must be an integer ≥ 0 (got a list)",
		"12:39: instances must be an integer ≥ 1 (got a list)",
		"13:40: ready.fd must be an integer from 3 to 2147483647 "
		    "(got a list)",
		"14:48: normal_exit_codes must be an integer from 0 to 255 "
		    "(got a list)",
		"15:39: instances must be an integer ≥ 1 (got a mapping)",
		NULL
	};

	expect_errors("int_containers.yaml", want);
}
END_TEST

#define E4	"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"	/* éééé */
#define E28	E4 E4 E4 E4 E4 E4 E4

/*
 * Newlines, tabs, ESC and DEL in values come out escaped: one error a
 * line.  A long value is cut before a whole UTF-8 character.
 */
START_TEST(control_bytes_escaped)
{
	static const char *const want[] = {
		"9:37: restart must be permanent, transient or temporary "
		    "(got \"a\\nb\\x1b[31mc\")",
		"10:41: stop_signal \"X\\r\\tY\\x7f\": unknown signal",
		"11:12: bad name \"q\\nr\": use letters, digits, \"_\", \".\" and "
		    "\"-\", not starting with \".\" or \"-\"",
		"12:37: restart must be permanent, transient or temporary "
		    "(got \"a" E28 "...\")",
		NULL
	};

	expect_errors("control_chars.yaml", want);
}
END_TEST

START_TEST(missing_file)
{
	char *want;
	struct run r;

	run_check("/nonexistent/pmtree.yaml", &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_int_ne(asprintf(&want, "/nonexistent/pmtree.yaml: cannot "
	    "open: No such file or directory\n"), -1);
	ck_assert_str_eq(r.err, want);
	free(want);
	run_free(&r);
}
END_TEST

int
main(int argc, char **argv)
{
	Suite *s = suite_create("check-cli");
	TCase *tc = tcase_create("check");
	SRunner *sr;
	int failed;

	if (argc != 3) {
		fprintf(stderr, "usage: test_check_cli PMTREE CORPUS_DIR\n");
		return (EXIT_FAILURE);
	}
	pmtree = argv[1];
	corpus = argv[2];
	tcase_add_test(tc, good_file);
	tcase_add_test(tc, bad_file);
	tcase_add_test(tc, many_errors_sorted);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, integer_given_a_container);
	tcase_add_test(tc, control_bytes_escaped);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
