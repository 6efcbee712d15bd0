/*
 * Unit tests of envfile.c: the env_file format rule by rule (doc/config.md,
 * `env_file`), its edge cases (NUL bytes, long lines, no last newline,
 * CRLF, bad names, unterminated quotes), and reading a file.
 */
#include <sys/stat.h>

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envfile.h"

static struct envfile EF;
static struct envfile_err ERR;

static void
setup(void)
{
	envfile_init(&EF);
	memset(&ERR, 0, sizeof(ERR));
}

static void
teardown(void)
{
	envfile_free(&EF);
}

/* LEN bytes at BUF parse; then each NAME, VALUE pair (NULL ends) is set. */
static void
ok_len(const char *buf, size_t len, ...)
{
	const char *name, *want, *got;
	va_list ap;

	ck_assert_msg(envfile_parse(&EF, buf, len, &ERR) == 0,
	    "refused: line %u: %s", ERR.line, ERR.msg);
	va_start(ap, len);
	while ((name = va_arg(ap, const char *)) != NULL) {
		want = va_arg(ap, const char *);
		got = envfile_get(&EF, name);
		ck_assert_msg(got != NULL, "%s not set", name);
		ck_assert_msg(strcmp(got, want) == 0, "%s is \"%s\", not \"%s\"",
		    name, got, want);
	}
	va_end(ap);
}

#define OK(text, ...)	ok_len((text), strlen(text), __VA_ARGS__)

/* Refused at LINE, the message holding FRAG; the set left as it was. */
static void
bad_len(const char *buf, size_t len, unsigned line, const char *frag)
{
	size_t n0 = EF.n;

	ck_assert_msg(envfile_parse(&EF, buf, len, &ERR) == -1, "accepted");
	ck_assert_msg(ERR.line == line, "line %u, not %u (%s)", ERR.line, line,
	    ERR.msg);
	ck_assert_msg(strstr(ERR.msg, frag) != NULL, "\"%s\" lacks \"%s\"",
	    ERR.msg, frag);
	ck_assert_uint_eq(EF.n, n0);
}

#define BAD(text, line, frag)	bad_len((text), strlen(text), (line), (frag))

START_TEST(plain_lines)
{
	OK("A=1\nB=two\nlower_case_9=x\n_=u\n", "A", "1", "B", "two",
	    "lower_case_9", "x", "_", "u", NULL);
	ck_assert_uint_eq(EF.n, 4);
	ck_assert_str_eq(EF.v[0], "A=1");
	ck_assert_str_eq(EF.v[3], "_=u");
	ck_assert_ptr_null(EF.v[4]);
	ck_assert_ptr_null(envfile_get(&EF, "C"));
	ck_assert_ptr_null(envfile_get(&EF, "lower"));
}
END_TEST

START_TEST(empty_input)
{
	OK("", NULL);
	OK("\n\n\n", NULL);
	ck_assert_uint_eq(EF.n, 0);
}
END_TEST

START_TEST(blanks_and_comments)
{
	OK("\n   \n\t\n# a comment\n   # indented\n\t#tab\n#A=1\nB=2\n# end",
	    "B", "2", NULL);
	ck_assert_uint_eq(EF.n, 1);
	ck_assert_ptr_null(envfile_get(&EF, "A"));
	OK("   C=3\n\tD=4\n", "C", "3", "D", "4", NULL);
}
END_TEST

START_TEST(export_prefix)
{
	OK("export A=1\nexport\tB=2\nexport    C=3\n  export D='4'\n",
	    "A", "1", "B", "2", "C", "3", "D", "4", NULL);
	ck_assert_uint_eq(EF.n, 4);
	/* Names that only start so. */
	OK("export=5\nexported=6\nexportE=7\n", "export", "5", "exported", "6",
	    "exportE", "7", NULL);
	ck_assert_ptr_null(envfile_get(&EF, "E"));
}
END_TEST

START_TEST(unquoted_values)
{
	OK("A=  spaced   value \t \nB=\nC=x=y\nD=a#b # not a comment\n"
	    "E=it's\nF=a\"b\"\nG=back\\slash\\n\nH=$HOME\nI=\t\n",
	    "A", "spaced   value", "B", "", "C", "x=y",
	    "D", "a#b # not a comment", "E", "it's", "F", "a\"b\"",
	    "G", "back\\slash\\n", "H", "$HOME", "I", "", NULL);
}
END_TEST

START_TEST(single_quotes)
{
	OK("A='x $Y \\n \\\\ \"q\"'\nB=''\nC='a#b' # a comment\n"
	    "D='  kept  '   \nE=  'after blanks'\nF='#'#c\n",
	    "A", "x $Y \\n \\\\ \"q\"", "B", "", "C", "a#b", "D", "  kept  ",
	    "E", "after blanks", "F", "#", NULL);
}
END_TEST

START_TEST(double_quotes)
{
	OK("A=\"a\\nb\"\nB=\"q\\\"q\"\nC=\"back\\\\slash\"\nD=\"\\$HOME\"\n"
	    "E=\"$HOME\"\nF=\"\\t\\x\\'\"\nG=\"\"\nH=\"a b\" # note\n"
	    "I=\"it's # not a comment\"\nJ=\"\\\\n\"\n",
	    "A", "a\nb", "B", "q\"q", "C", "back\\slash", "D", "$HOME",
	    "E", "$HOME", "F", "\\t\\x\\'", "G", "", "H", "a b",
	    "I", "it's # not a comment", "J", "\\n", NULL);
}
END_TEST

START_TEST(last_line_without_newline)
{
	OK("A=1\nB=2", "A", "1", "B", "2", NULL);
	OK("C='3'", "C", "3", NULL);
	OK("D=\"4\"  ", "D", "4", NULL);
	BAD("A=1\nB", 2, "expected \"=\"");
}
END_TEST

START_TEST(crlf_line_ends)
{
	OK("A=1\r\nB='x'\r\nC=\"y\"\r\n# c\r\n\r\nD=4 \r\nE=5\r",
	    "A", "1", "B", "x", "C", "y", "D", "4", "E", "5", NULL);
	ck_assert_uint_eq(EF.n, 5);
	/* Only the CR of a line end goes; a quoted one stays. */
	OK("F='a\rb'\r\n", "F", "a\rb", NULL);
	BAD("A=1\r\n\r\nB='x\r\n", 3, "unterminated single quote");
}
END_TEST

START_TEST(later_wins)
{
	OK("A=1\nB=b\nA=2\n", "A", "2", "B", "b", NULL);
	ck_assert_uint_eq(EF.n, 3);
	OK("A=3\n", "A", "3", NULL);
}
END_TEST

START_TEST(byte_order_mark)
{
	OK("\xef\xbb\xbf" "A=1\n", "A", "1", NULL);
	/* Only at the start of the file. */
	BAD("A=1\n\xef\xbb\xbf" "B=2\n", 2, "bad variable name");
}
END_TEST

START_TEST(nul_byte)
{
	static const char a[] = "A=1\nB=x\0y\nC=3\n";
	static const char b[] = "A=1\n\n# a \0 comment\n";
	static const char c[] = "\0";

	bad_len(a, sizeof(a) - 1, 2, "a NUL byte (column 4)");
	bad_len(b, sizeof(b) - 1, 3, "a NUL byte");
	bad_len(c, sizeof(c) - 1, 1, "a NUL byte (column 1)");
	ck_assert_uint_eq(EF.n, 0);
}
END_TEST

/* "A=" and N bytes of x, then TAIL. */
static char *
long_line(size_t n, const char *tail)
{
	size_t tl = strlen(tail);
	char *s = malloc(n + tl + 3);

	ck_assert_ptr_nonnull(s);
	memcpy(s, "A=", 2);
	memset(s + 2, 'x', n);
	memcpy(s + 2 + n, tail, tl + 1);
	return (s);
}

START_TEST(line_limit)
{
	char *s;

	/* Exactly the limit, a line end not counted. */
	s = long_line(ENVFILE_MAX_LINE - 2, "\r\nB=1\n");
	OK(s, "B", "1", NULL);
	ck_assert_uint_eq(strlen(envfile_get(&EF, "A")), ENVFILE_MAX_LINE - 2);
	free(s);
	s = long_line(ENVFILE_MAX_LINE - 1, "\nB=1\n");
	BAD(s, 1, "line longer than 64 KiB");
	free(s);
	/* A 1 MB line: refused, not read into a 1 MB value. */
	s = long_line(1000 * 1000, "");
	BAD(s, 1, "line longer than 64 KiB");
	free(s);
	/* A long comment is a long line too. */
	s = long_line(ENVFILE_MAX_LINE, "\n");
	s[0] = '#';
	BAD(s, 1, "line longer");
	free(s);
}
END_TEST

START_TEST(file_limit)
{
	size_t n = ENVFILE_MAX_SIZE + 1, k;
	char *s = malloc(n);

	ck_assert_ptr_nonnull(s);
	for (k = 0; k + 4 <= n; k += 4)
		memcpy(s + k, "#x\n\n", 4);
	memset(s + k, '\n', n - k);
	bad_len(s, n, 0, "larger than 1 MiB");
	ok_len(s, n - 1, NULL);
	free(s);
}
END_TEST

START_TEST(bad_names)
{
	BAD("1A=x\n", 1, "bad variable name \"1A\": use letters, digits and _, "
	    "not a digit first");
	BAD("A=1\nA-B=1\n", 2, "bad variable name \"A-B\"");
	BAD("A.B=1\n", 1, "bad variable name \"A.B\"");
	BAD("\xc3\x84=1\n", 1, "bad variable name \"\\xc3\\x84\"");
	BAD("A\x1b[31m=1\n", 1, "\"A\\x1b[31m\"");
	BAD("\"A\"=1\n", 1, "bad variable name \"\\x22A\\x22\"");
	BAD("=1\n", 1, "no variable name before \"=\"");
	BAD("A\n", 1, "expected \"=\" right after \"A\"");
	BAD("A =1\n", 1, "expected \"=\" right after \"A\"");
	BAD("A B=1\n", 1, "expected \"=\" right after \"A\"");
	BAD("export\n", 1, "expected \"=\" right after \"export\"");
	BAD("export  \n", 1, "expected NAME=VALUE");
	BAD("export -n A=1\n", 1, "bad variable name \"-n\"");
	/* A long name is cut short in the message. */
	BAD("ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789=1\n", 1,
	    "\"ABCDEFGHIJKLMNOPQRSTUVWX...\"");
}
END_TEST

START_TEST(unterminated_quotes)
{
	BAD("A='x\n", 1, "unterminated single quote");
	BAD("A=\"x\n", 1, "unterminated double quote");
	BAD("A=\"x\\\"\n", 1, "unterminated double quote");
	BAD("A=\"x\\", 1, "unterminated double quote");
	BAD("A='\n", 1, "unterminated single quote");
	/* A quoted value ends on its line. */
	BAD("A=1\nB='x\ny'\n", 2, "unterminated single quote");
	BAD("A=\"x\ny\"\n", 1, "unterminated double quote");
}
END_TEST

START_TEST(text_after_quote)
{
	BAD("A='x'y\n", 1, "text after the closing quote");
	BAD("A=\"x\" y\n", 1, "text after the closing quote");
	BAD("A='x''y'\n", 1, "text after the closing quote");
}
END_TEST

/* Line numbers count every line: blanks, comments, CRLF ones. */
START_TEST(line_numbers)
{
	BAD("# c\n\nA=1\r\n  # d\r\n\nB C\n", 6, "expected");
	BAD("\xef\xbb\xbf" "1=x", 1, "bad variable name");
}
END_TEST

/* A refused text leaves the set as it was; a good one adds to it. */
START_TEST(all_or_nothing)
{
	OK("Z=0\n", "Z", "0", NULL);
	BAD("A=1\nB=2\nC='3\n", 3, "unterminated");
	ck_assert_uint_eq(EF.n, 1);
	ck_assert_ptr_null(envfile_get(&EF, "A"));
	ck_assert_ptr_null(EF.v[1]);
	OK("A=1\n", "A", "1", "Z", "0", NULL);
}
END_TEST

START_TEST(why_messages)
{
	struct envfile_err e = { 3, "unterminated single quote" };
	char buf[128];

	envfile_why(buf, sizeof(buf), ".env", &e);
	ck_assert_str_eq(buf, "env_file .env:3: unterminated single quote");
	e.line = 0;
	snprintf(e.msg, sizeof(e.msg), "No such file or directory");
	envfile_why(buf, sizeof(buf), "conf/a.env", &e);
	ck_assert_str_eq(buf, "env_file conf/a.env: No such file or directory");
}
END_TEST

/* --- files ---------------------------------------------------------------- */

static char dir[64];

static void
dir_setup(void)
{
	setup();
	snprintf(dir, sizeof(dir), "/tmp/pmtree-envfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
dir_teardown(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/f", dir);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s/sub", dir);
	(void)rmdir(p);
	ck_assert_int_eq(rmdir(dir), 0);
	teardown();
}

static const char *
dir_file(const char *name, const char *buf, size_t len)
{
	static char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return (p);
}

START_TEST(read_file)
{
	static const char text[] = "# c\nexport A='1'\nB=\"2\"\r\nC=3";
	const char *p = dir_file("f", text, sizeof(text) - 1);

	ck_assert_int_eq(envfile_read(&EF, p, &ERR), 0);
	ck_assert_uint_eq(EF.n, 3);
	ck_assert_str_eq(envfile_get(&EF, "A"), "1");
	ck_assert_str_eq(envfile_get(&EF, "C"), "3");
	p = dir_file("f", "", 0);
	ck_assert_int_eq(envfile_read(&EF, p, &ERR), 0);
	ck_assert_uint_eq(EF.n, 3);
}
END_TEST

START_TEST(read_bad_file)
{
	static const char text[] = "A=1\nB=x\0y\n";
	const char *p = dir_file("f", text, sizeof(text) - 1);

	ck_assert_int_eq(envfile_read(&EF, p, &ERR), -1);
	ck_assert_uint_eq(ERR.line, 2);
	ck_assert_str_eq(ERR.msg, "a NUL byte (column 4)");
	ck_assert_uint_eq(EF.n, 0);
}
END_TEST

START_TEST(read_missing)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/nonexistent", dir);
	ck_assert_int_eq(envfile_read(&EF, p, &ERR), -1);
	ck_assert_uint_eq(ERR.line, 0);
	ck_assert_str_eq(ERR.msg, "No such file or directory");
}
END_TEST

/* Not regular files: refused, never read from or waited on. */
START_TEST(read_not_a_file)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/sub", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	ck_assert_int_eq(envfile_read(&EF, p, &ERR), -1);
	ck_assert_uint_eq(ERR.line, 0);
	ck_assert_str_eq(ERR.msg, "Is a directory");
	snprintf(p, sizeof(p), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	ck_assert_int_eq(envfile_read(&EF, p, &ERR), -1);
	ck_assert_str_eq(ERR.msg, "not a regular file");
	ck_assert_int_eq(envfile_read(&EF, "/dev/null", &ERR), -1);
	ck_assert_str_eq(ERR.msg, "not a regular file");
}
END_TEST

START_TEST(read_too_large)
{
	size_t n = ENVFILE_MAX_SIZE + 1;
	char *s = malloc(n);
	const char *p;

	ck_assert_ptr_nonnull(s);
	memset(s, '\n', n);
	p = dir_file("f", s, n);
	ck_assert_int_eq(envfile_read(&EF, p, &ERR), -1);
	ck_assert_uint_eq(ERR.line, 0);
	ck_assert_str_eq(ERR.msg, "larger than 1 MiB");
	p = dir_file("f", s, n - 1);
	ck_assert_int_eq(envfile_read(&EF, p, &ERR), 0);
	free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("envfile");
	TCase *tc = tcase_create("parse"), *tf = tcase_create("read");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, plain_lines);
	tcase_add_test(tc, empty_input);
	tcase_add_test(tc, blanks_and_comments);
	tcase_add_test(tc, export_prefix);
	tcase_add_test(tc, unquoted_values);
	tcase_add_test(tc, single_quotes);
	tcase_add_test(tc, double_quotes);
	tcase_add_test(tc, last_line_without_newline);
	tcase_add_test(tc, crlf_line_ends);
	tcase_add_test(tc, later_wins);
	tcase_add_test(tc, byte_order_mark);
	tcase_add_test(tc, nul_byte);
	tcase_add_test(tc, line_limit);
	tcase_add_test(tc, file_limit);
	tcase_add_test(tc, bad_names);
	tcase_add_test(tc, unterminated_quotes);
	tcase_add_test(tc, text_after_quote);
	tcase_add_test(tc, line_numbers);
	tcase_add_test(tc, all_or_nothing);
	tcase_add_test(tc, why_messages);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tf, dir_setup, dir_teardown);
	tcase_add_test(tf, read_file);
	tcase_add_test(tf, read_bad_file);
	tcase_add_test(tf, read_missing);
	tcase_add_test(tf, read_not_a_file);
	tcase_add_test(tf, read_too_large);
	suite_add_tcase(s, tf);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
