/* Unit tests of argv.c: shell-like word splitting without a shell. */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"

/* Splits S and compares with the NULL-terminated list of words. */
static void
split_ok(const char *s, ...)
{
	va_list ap;
	char **argv, err[128];
	const char *w;
	size_t argc, i = 0;

	ck_assert_msg(argv_split(s, &argv, &argc, err, sizeof(err)) == 0,
	    "\"%s\": %s", s, err);
	ck_assert_ptr_nonnull(argv);
	va_start(ap, s);
	while ((w = va_arg(ap, const char *)) != NULL) {
		ck_assert_msg(i < argc, "\"%s\": only %zu words", s, argc);
		ck_assert_msg(strcmp(argv[i], w) == 0,
		    "\"%s\": word %zu is \"%s\", not \"%s\"", s, i, argv[i], w);
		i++;
	}
	va_end(ap);
	ck_assert_msg(i == argc, "\"%s\": %zu words, expected %zu", s, argc, i);
	ck_assert_ptr_null(argv[argc]);
	argv_free(argv);
}

static void
split_bad(const char *s, const char *frag)
{
	char **argv = NULL, err[128] = "";
	size_t argc;

	ck_assert_msg(argv_split(s, &argv, &argc, err, sizeof(err)) == -1,
	    "\"%s\" accepted", s);
	ck_assert_msg(strstr(err, frag) != NULL, "\"%s\": \"%s\"", s, err);
}

START_TEST(plain_words)
{
	split_ok("node server.js --port 3000", "node", "server.js", "--port",
	    "3000", NULL);
	split_ok("ls", "ls", NULL);
}
END_TEST

START_TEST(blanks)
{
	split_ok("  a \t b\n c  ", "a", "b", "c", NULL);
	split_ok("", NULL);
	split_ok("   \t\n", NULL);
}
END_TEST

START_TEST(single_quotes)
{
	split_ok("echo 'hello world'", "echo", "hello world", NULL);
	split_ok("'a\\b' '$HOME' '\"'", "a\\b", "$HOME", "\"", NULL);
	split_ok("'a''b'", "ab", NULL);
}
END_TEST

START_TEST(double_quotes)
{
	split_ok("echo \"hello world\"", "echo", "hello world", NULL);
	split_ok("\"a\\\"b\"", "a\"b", NULL);
	split_ok("\"a\\\\b\"", "a\\b", NULL);
	split_ok("\"\\$HOME \\`x\\`\"", "$HOME `x`", NULL);
	split_ok("\"a\\nb\"", "a\\nb", NULL);
	split_ok("\"it's\"", "it's", NULL);
	split_ok("\"a\\\nb\"", "ab", NULL);
}
END_TEST

START_TEST(empty_words)
{
	split_ok("''", "", NULL);
	split_ok("\"\"", "", NULL);
	split_ok("a '' b", "a", "", "b", NULL);
	split_ok("'' \"\"", "", "", NULL);
}
END_TEST

START_TEST(backslash)
{
	split_ok("a\\ b", "a b", NULL);
	split_ok("\\'x\\'", "'x'", NULL);
	split_ok("\\\\", "\\", NULL);
	split_ok("a\\\nb", "ab", NULL);
	split_ok("a \\\n b", "a", "b", NULL);
	split_ok("\\\"", "\"", NULL);
}
END_TEST

START_TEST(concatenation)
{
	split_ok("a'b c'\"d e\"f", "ab cd ef", NULL);
	split_ok("--opt='x y'", "--opt=x y", NULL);
}
END_TEST

START_TEST(no_expansion)
{
	split_ok("echo $HOME ~ *.c $(ls) `id` a|b >x; &&", "echo", "$HOME",
	    "~", "*.c", "$(ls)", "`id`", "a|b", ">x;", "&&", NULL);
	split_ok("echo # not a comment", "echo", "#", "not", "a", "comment",
	    NULL);
}
END_TEST

START_TEST(errors)
{
	split_bad("echo 'oops", "unterminated single quote");
	split_bad("echo \"oops", "unterminated double quote");
	split_bad("echo \"oops\\\"", "unterminated double quote");
	split_bad("echo oops\\", "trailing backslash");
	split_bad("'", "unterminated single quote");
}
END_TEST

START_TEST(utf8)
{
	split_ok("echo héllo 'wörld ✓'", "echo", "héllo", "wörld ✓", NULL);
}
END_TEST

START_TEST(blanks_inside_quotes)
{
	split_ok("'  ' \"\t\"", "  ", "\t", NULL);
	split_ok("\"a  b\"c", "a  bc", NULL);
}
END_TEST

/* Inside double quotes a backslash before another character stays. */
START_TEST(dquote_other_backslash)
{
	split_ok("\"\\a\\'\"", "\\a\\'", NULL);
	split_ok("\"C:\\dir\"", "C:\\dir", NULL);
}
END_TEST

START_TEST(many_words)
{
	char **argv, err[128], *s;
	size_t argc, i;

	ck_assert_ptr_nonnull(s = malloc(3 * 1000 + 1));
	for (i = 0; i < 1000; i++)
		memcpy(s + 3 * i, "ab ", 3);
	s[3 * 1000] = '\0';
	ck_assert_int_eq(argv_split(s, &argv, &argc, err, sizeof(err)), 0);
	ck_assert_uint_eq(argc, 1000);
	for (i = 0; i < argc; i++)
		ck_assert_str_eq(argv[i], "ab");
	ck_assert_ptr_null(argv[argc]);
	argv_free(argv);
	free(s);
}
END_TEST

START_TEST(free_null)
{
	argv_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("argv");
	TCase *tc = tcase_create("argv");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, plain_words);
	tcase_add_test(tc, blanks);
	tcase_add_test(tc, single_quotes);
	tcase_add_test(tc, double_quotes);
	tcase_add_test(tc, empty_words);
	tcase_add_test(tc, backslash);
	tcase_add_test(tc, concatenation);
	tcase_add_test(tc, no_expansion);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, utf8);
	tcase_add_test(tc, blanks_inside_quotes);
	tcase_add_test(tc, dquote_other_backslash);
	tcase_add_test(tc, many_words);
	tcase_add_test(tc, free_null);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
