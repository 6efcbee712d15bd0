/*
 * The placeholders of src/config/tmpl.h, rule by rule: what is one, what
 * is an error and where, what is only text, and what each expands to.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"
#include "xmalloc.h"

static const struct tmpl_vars V = { .instance = 3, .port = 9103,
	.name = "api/web:3" };

/* S expands to WANT for V, and passes the check with USES. */
static void
assert_expands(const char *s, unsigned uses, const char *want)
{
	struct tmpl_error e;
	unsigned u = 0xff;
	char *got;

	ck_assert_msg(tmpl_check(s, &u, &e) == 0, "\"%s\": %s", s, e.msg);
	ck_assert_msg(u == uses, "\"%s\" uses %#x, want %#x", s, u, uses);
	got = tmpl_expand(s, &V);
	ck_assert_str_eq(got, want);
	ck_assert_ptr_ne(got, s);
	xfree(got);
}

/* S is refused at byte AT, with FRAG in the message. */
static void
assert_refused(const char *s, size_t at, const char *frag)
{
	struct tmpl_error e;
	unsigned u = 0xff;

	memset(&e, 0, sizeof(e));
	ck_assert_msg(tmpl_check(s, &u, &e) == -1, "\"%s\" passed", s);
	ck_assert_msg(u == 0xff, "\"%s\": uses set on an error", s);
	ck_assert_msg(e.at == at, "\"%s\": at %zu, want %zu", s, e.at, at);
	ck_assert_msg(strstr(e.msg, frag) != NULL, "\"%s\": \"%s\" lacks "
	    "\"%s\"", s, e.msg, frag);
	ck_assert_uint_lt(strlen(e.msg), sizeof(e.msg) - 1);
}

START_TEST(plain_text)
{
	assert_expands("", 0, "");
	assert_expands("node server.js", 0, "node server.js");
	ck_assert(!tmpl_has("node server.js"));
	ck_assert(!tmpl_has("{ port }"));
	ck_assert(tmpl_has("a{{"));
}
END_TEST

START_TEST(each_word)
{
	assert_expands("{{instance}}", TMPL_INSTANCE, "3");
	assert_expands("{{port}}", TMPL_PORT, "9103");
	assert_expands("{{name}}", TMPL_NAME, "api/web:3");
}
END_TEST

START_TEST(text_around_and_adjacent)
{
	assert_expands("--port={{port}}", TMPL_PORT, "--port=9103");
	assert_expands("{{port}}/x", TMPL_PORT, "9103/x");
	assert_expands("a{{instance}}b{{instance}}c", TMPL_INSTANCE, "a3b3c");
	assert_expands("{{port}}{{instance}}{{name}}",
	    TMPL_PORT | TMPL_INSTANCE | TMPL_NAME, "91033api/web:3");
	assert_expands("http://127.0.0.1:{{port}}/health?n={{name}}",
	    TMPL_PORT | TMPL_NAME,
	    "http://127.0.0.1:9103/health?n=api/web:3");
}
END_TEST

/* Only "{{" starts one: braces otherwise are text. */
START_TEST(lone_braces_are_text)
{
	assert_expands("}}", 0, "}}");
	assert_expands("a}}b", 0, "a}}b");
	assert_expands("{port}", 0, "{port}");
	assert_expands("{ {port} }", 0, "{ {port} }");
	assert_expands("{{port}}}", TMPL_PORT, "9103}");
	assert_expands("}}{{port}}}}", TMPL_PORT, "}}9103}}");
	assert_expands("awk '{print $1}'", 0, "awk '{print $1}'");
}
END_TEST

START_TEST(unterminated)
{
	assert_refused("{{", 0, "unterminated placeholder \"{{\"");
	assert_refused("x{{port", 1, "unterminated placeholder \"{{port\": "
	    "close it with \"}}\"");
	assert_refused("{{port}", 0, "unterminated");
	assert_refused("{{port}} {{", 9, "unterminated");
}
END_TEST

START_TEST(empty)
{
	assert_refused("{{}}", 0, "empty placeholder \"{{}}\"");
	assert_refused("a{{ }}", 1, "empty placeholder \"{{ }}\"");
	assert_refused("{{\t}}", 0, "empty placeholder");
}
END_TEST

/* A string cmd is split at blanks first: "{{ port }}" could not work. */
START_TEST(no_blanks_inside)
{
	assert_refused("{{ port }}", 0, "no blanks inside a placeholder: "
	    "write {{port}}, not \"{{ port }}\"");
	assert_refused("x {{instance }}", 2, "write {{instance}}");
	assert_refused("{{\tname}}", 0, "write {{name}}");
	assert_refused("{{ po rt }}", 0, "unknown placeholder");
}
END_TEST

START_TEST(unknown_words)
{
	assert_refused("{{instanc}}", 0, "unknown placeholder "
	    "\"{{instanc}}\" (use {{instance}}, {{port}} or {{name}})");
	assert_refused("{{PORT}}", 0, "unknown placeholder \"{{PORT}}\"");
	assert_refused("{{port}x}}", 0, "unknown placeholder \"{{port}x}}\"");
	assert_refused("{{.Names}}", 0, "unknown placeholder");
	assert_refused("ok {{port}} {{nope}}", 12, "\"{{nope}}\"");
	/* Read from the left: the first "{{" holds "{port". */
	assert_refused("{{{port}}}", 0, "unknown placeholder \"{{{port}}\"");
}
END_TEST

START_TEST(nested)
{
	assert_refused("{{ {{port}} }}", 0, "placeholders do not nest: "
	    "\"{{ {{port}}\"");
	assert_refused("{{a{{port}}}}", 0, "do not nest");
}
END_TEST

/* A long one is quoted cut short, between two UTF-8 characters. */
START_TEST(long_quote_cut)
{
	char s[256], frag[64];
	struct tmpl_error e;
	const char *q;
	size_t i;

	strcpy(s, "{{x");
	for (i = 0; i < 60; i++)
		strcat(s, "\xc3\xa9");	/* é, two bytes */
	strcat(s, "}}");
	ck_assert_int_eq(tmpl_check(s, NULL, &e), -1);
	ck_assert_ptr_nonnull(q = strstr(e.msg, "\"{{x"));
	ck_assert_ptr_nonnull(strstr(q, "...\""));
	/* 40 bytes would end inside the 19th é: 3 + 18 * 2 bytes are kept. */
	snprintf(frag, sizeof(frag), "\"{{x%.36s...\"", s + 3);
	ck_assert_msg(strstr(e.msg, frag) != NULL, "%s", e.msg);
}
END_TEST

START_TEST(find)
{
	size_t at = 99;

	ck_assert_int_eq(tmpl_find("a{{name}}b{{port}}{{port}}", TMPL_PORT,
	    &at), 0);
	ck_assert_uint_eq(at, 10);
	ck_assert_int_eq(tmpl_find("a{{name}}", TMPL_PORT, &at), -1);
	ck_assert_int_eq(tmpl_find("{{port", TMPL_PORT, &at), -1);
	ck_assert_int_eq(tmpl_find("", TMPL_NAME, &at), -1);
}
END_TEST

/* No value (no port, no name), or not checked: copied as it is. */
START_TEST(expand_without_values)
{
	const struct tmpl_vars none = { .instance = 0 };
	char *s;

	s = tmpl_expand("{{port}} {{name}} {{instance}}", &none);
	ck_assert_str_eq(s, "{{port}} {{name}} 0");
	xfree(s);
	s = tmpl_expand("{{nope}} {{port}} {{", &V);
	ck_assert_str_eq(s, "{{nope}} 9103 {{");
	xfree(s);
	s = tmpl_expand("{{{port}}}", &V);
	ck_assert_str_eq(s, "{{{port}}}");
	xfree(s);
}
END_TEST

START_TEST(expand_widest_values)
{
	const struct tmpl_vars big = { .instance = 4294967295u,
	    .port = 65535, .name = "g/w:4294967295" };
	char *s;

	s = tmpl_expand("{{instance}}:{{port}}:{{name}}", &big);
	ck_assert_str_eq(s, "4294967295:65535:g/w:4294967295");
	xfree(s);
}
END_TEST

START_TEST(expand_vector)
{
	static char *const argv[] = { "sh", "-c", "echo {{port}}",
	    "{{name}}", NULL };
	char **v;

	v = tmpl_expandv(argv, &V);
	ck_assert_str_eq(v[0], "sh");
	ck_assert_ptr_ne(v[0], argv[0]);
	ck_assert_str_eq(v[2], "echo 9103");
	ck_assert_str_eq(v[3], "api/web:3");
	ck_assert_ptr_null(v[4]);
	tmpl_freev(v);
	tmpl_freev(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tmpl");
	TCase *tc = tcase_create("tmpl");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, plain_text);
	tcase_add_test(tc, each_word);
	tcase_add_test(tc, text_around_and_adjacent);
	tcase_add_test(tc, lone_braces_are_text);
	tcase_add_test(tc, unterminated);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, no_blanks_inside);
	tcase_add_test(tc, unknown_words);
	tcase_add_test(tc, nested);
	tcase_add_test(tc, long_quote_cut);
	tcase_add_test(tc, find);
	tcase_add_test(tc, expand_without_values);
	tcase_add_test(tc, expand_widest_values);
	tcase_add_test(tc, expand_vector);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
