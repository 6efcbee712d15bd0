/*
 * Unit tests of format.c (SPEC §4): the text record, byte for byte; the
 * JSON record (escapes, invalid UTF-8 as \ufffd, read back with jansson);
 * the time stamp; the stdout echo.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"

#define STAMP	"2026-11-22T10:17:25.123456Z"
#define FFFD	"\xef\xbf\xbd"

static void
stamp_is(time_t sec, long nsec, const char *want)
{
	struct timespec ts = { sec, nsec };
	char buf[FORMAT_STAMP_LEN + 8];

	memset(buf, '#', sizeof(buf));
	format_stamp(buf, &ts);
	ck_assert_uint_eq(strlen(buf), FORMAT_STAMP_LEN);
	ck_assert_str_eq(buf, want);
}

/* The text of a buffer, as a C string, freed by the caller. */
static char *
text(const struct obuf *b)
{
	char *s = malloc(b->len + 1);

	ck_assert(s != NULL);
	memcpy(s, b->p, b->len);
	s[b->len] = '\0';
	return (s);
}

static void
buf_is(struct obuf *b, const char *want, size_t wlen)
{
	ck_assert_msg(b->len == wlen && memcmp(b->p, want, wlen) == 0,
	    "got %zu bytes, want %zu", b->len, wlen);
	obuf_free(b);
}

/* --- stamps --------------------------------------------------------------- */

START_TEST(stamp_layout)
{
	ck_assert_uint_eq(FORMAT_STAMP_LEN, 27);
	stamp_is(0, 0, "1970-01-01T00:00:00.000000Z");
	stamp_is(1795342645, 123456789, STAMP);
	stamp_is(951782400, 999999999, "2000-02-29T00:00:00.999999Z");
	stamp_is(4102444799, 1000, "2099-12-31T23:59:59.000001Z");
}
END_TEST

/* The cached second must not leak into another one. */
START_TEST(stamp_cache)
{
	stamp_is(1795342645, 1000, "2026-11-22T10:17:25.000001Z");
	stamp_is(1795342645, 2000, "2026-11-22T10:17:25.000002Z");
	stamp_is(1795342646, 0, "2026-11-22T10:17:26.000000Z");
	stamp_is(1795342645, 999999000, "2026-11-22T10:17:25.999999Z");
	stamp_is(0, 500, "1970-01-01T00:00:00.000000Z");
}
END_TEST

/* --- text ----------------------------------------------------------------- */

START_TEST(text_layout)
{
	static const char want[] = STAMP " api/web:1 out listening on :3000\n";
	struct obuf b = { 0 };

	format_text(&b, STAMP, "api/web:1", "out", "listening on :3000", 18);
	buf_is(&b, want, sizeof(want) - 1);
}
END_TEST

/* After the third space, the line byte for byte: no escaping at all. */
START_TEST(text_bytes_verbatim)
{
	static const char line[] = "a \"q\" \\ \t\r\x01\0\xff\xc0\xaf \xe2\x82\xac end";
	static const char want[] = STAMP " q err "
	    "a \"q\" \\ \t\r\x01\0\xff\xc0\xaf \xe2\x82\xac end\n";
	struct obuf b = { 0 };

	format_text(&b, STAMP, "q", "err", line, sizeof(line) - 1);
	buf_is(&b, want, sizeof(want) - 1);
}
END_TEST

START_TEST(text_empty_line_and_append)
{
	static const char want[] = STAMP " w out \n" STAMP " g/w:12 err x\n";
	struct obuf b = { 0 };

	format_text(&b, STAMP, "w", "out", "", 0);
	format_text(&b, STAMP, "g/w:12", "err", "x", 1);
	buf_is(&b, want, sizeof(want) - 1);
}
END_TEST

START_TEST(text_long_line)
{
	size_t len = 40 * 1024, head = FORMAT_STAMP_LEN + 7;
	char *line = malloc(len);
	struct obuf b = { 0 };

	ck_assert(line != NULL);
	memset(line, 'z', len);
	format_text(&b, STAMP, "w", "out", line, len);
	ck_assert_uint_eq(b.len, head + len + 1);
	ck_assert(memcmp(b.p, STAMP " w out ", head) == 0);
	ck_assert(memcmp(b.p + head, line, len) == 0);
	ck_assert_int_eq(b.p[b.len - 1], '\n');
	obuf_free(&b);
	free(line);
}
END_TEST

/* --- JSON ----------------------------------------------------------------- */

/* Formats LINE, checks the object's shape, returns its "line", decoded. */
static char *
json_line(const char *line, size_t len, size_t *outlen)
{
	struct obuf b = { 0 };
	json_error_t err;
	json_t *o, *v;
	char *s, *r;

	format_json(&b, STAMP, "api/web:1", "out", line, len);
	ck_assert_msg(b.len > 0 && b.p[b.len - 1] == '\n', "ends with newline");
	ck_assert_msg(memchr(b.p, '\n', b.len - 1) == NULL, "one line");
	s = text(&b);
	o = json_loads(s, JSON_ALLOW_NUL, &err);
	ck_assert_msg(o != NULL, "not JSON: %s: %s", err.text, s);
	ck_assert_uint_eq(json_object_size(o), 4);
	ck_assert_str_eq(json_string_value(json_object_get(o, "ts")), STAMP);
	ck_assert_str_eq(json_string_value(json_object_get(o, "name")), "api/web:1");
	ck_assert_str_eq(json_string_value(json_object_get(o, "stream")), "out");
	v = json_object_get(o, "line");
	ck_assert(json_is_string(v));
	*outlen = json_string_length(v);
	r = malloc(*outlen + 1);
	ck_assert(r != NULL);
	memcpy(r, json_string_value(v), *outlen + 1);
	json_decref(o);
	obuf_free(&b);
	free(s);
	return (r);
}

/* S with every run of U+FFFD made one: how many are in a run is not SPEC. */
static size_t
squeeze_fffd(char *s, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		if (i + 3 <= len && memcmp(s + i, FFFD, 3) == 0) {
			memmove(s + o, FFFD, 3);
			o += 3;
			while (i + 3 <= len && memcmp(s + i, FFFD, 3) == 0)
				i += 3;
			continue;
		}
		s[o++] = s[i++];
	}
	return (o);
}

static void
json_roundtrip(const char *line, size_t len, const char *want, size_t wlen)
{
	size_t got;
	char *r = json_line(line, len, &got);

	got = squeeze_fffd(r, got);
	ck_assert_msg(got == wlen && memcmp(r, want, wlen) == 0,
	    "decoded \"%s\" (%zu bytes), want \"%s\" (%zu)", r, got, want, wlen);
	free(r);
}

#define RT(in, out) json_roundtrip(in, sizeof(in) - 1, out, sizeof(out) - 1)

START_TEST(json_layout)
{
	static const char want[] = "{\"ts\":\"" STAMP "\",\"name\":\"api/web:1\","
	    "\"stream\":\"err\",\"line\":\"listening on :3000\"}\n";
	struct obuf b = { 0 };

	format_json(&b, STAMP, "api/web:1", "err", "listening on :3000", 18);
	buf_is(&b, want, sizeof(want) - 1);
}
END_TEST

START_TEST(json_escapes)
{
	static const char want[] = "{\"ts\":\"" STAMP "\",\"name\":\"w\","
	    "\"stream\":\"out\",\"line\":\"say \\\"hi\\\" \\\\ "
	    "\\u0001\\u0009\\u000d\\u001b\\u001f/\x7f\"}\n";
	static const char line[] = "say \"hi\" \\ \x01\t\r\x1b\x1f/\x7f";
	struct obuf b = { 0 };
	char *got, *p;

	format_json(&b, STAMP, "w", "out", line, sizeof(line) - 1);
	got = text(&b);
	/* \u00XX in either case of hex digit. */
	for (p = got; (p = strstr(p, "\\u00")) != NULL; p += 4) {
		p[4] = (char)(p[4] >= 'A' && p[4] <= 'F' ? p[4] + 32 : p[4]);
		p[5] = (char)(p[5] >= 'A' && p[5] <= 'F' ? p[5] + 32 : p[5]);
	}
	ck_assert_str_eq(got, want);
	free(got);
	obuf_free(&b);
	RT("say \"hi\" \\ \x01\t\r\x1b\x1f/\x7f",
	    "say \"hi\" \\ \x01\t\r\x1b\x1f/\x7f");
	RT("", "");
}
END_TEST

START_TEST(json_nul_byte)
{
	RT("a\0b", "a\0b");
}
END_TEST

START_TEST(json_valid_utf8_kept)
{
	static const char line[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
	    "\xed\x9f\xbf \xee\x80\x80 \xf4\x8f\xbf\xbf \xc2\x80 \xef\xbf\xbd";
	static const char want[] = "{\"ts\":\"" STAMP "\",\"name\":\"w\","
	    "\"stream\":\"out\",\"line\":\"caf\xc3\xa9 \xe2\x82\xac "
	    "\xf0\x9f\x98\x80 \xed\x9f\xbf \xee\x80\x80 \xf4\x8f\xbf\xbf "
	    "\xc2\x80 \xef\xbf\xbd\"}\n";
	struct obuf b = { 0 };

	format_json(&b, STAMP, "w", "out", line, sizeof(line) - 1);
	buf_is(&b, want, sizeof(want) - 1);
	RT("caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80");
}
END_TEST

START_TEST(json_invalid_continuation)
{
	RT("a\x80z", "a" FFFD "z");
	RT("\xbf", FFFD);
	RT("\x80\x80\x80x", FFFD "x");
}
END_TEST

START_TEST(json_invalid_overlong)
{
	RT("<\xc0\xaf>", "<" FFFD ">");		/* '/' in 2 bytes */
	RT("<\xc1\xbf>", "<" FFFD ">");
	RT("<\xe0\x80\xaf>", "<" FFFD ">");	/* '/' in 3 bytes */
	RT("<\xe0\x9f\xbf>", "<" FFFD ">");	/* U+07FF in 3 bytes */
	RT("<\xf0\x80\x80\xaf>", "<" FFFD ">");	/* '/' in 4 bytes */
	RT("<\xf0\x8f\xbf\xbf>", "<" FFFD ">");	/* U+FFFF in 4 bytes */
}
END_TEST

START_TEST(json_invalid_surrogates)
{
	RT("<\xed\xa0\x80>", "<" FFFD ">");	/* U+D800 */
	RT("<\xed\xbf\xbf>", "<" FFFD ">");	/* U+DFFF */
	RT("<\xed\xa0\xbd\xed\xb8\x80>", "<" FFFD ">");	/* CESU pair */
}
END_TEST

START_TEST(json_invalid_other)
{
	RT("<\xf4\x90\x80\x80>", "<" FFFD ">");	/* past U+10FFFF */
	RT("<\xf5\x80\x80\x80>", "<" FFFD ">");
	RT("<\xf8\x88\x80\x80\x80>", "<" FFFD ">");
	RT("<\xfe\xff>", "<" FFFD ">");
	/* A lead cut short by a valid character: that one is kept. */
	RT("<\xe2\x82(>", "<" FFFD "(>");
	RT("<\xc3\xc3\xa9>", "<" FFFD "\xc3\xa9>");
	RT("<\xf0\x9f\x98z", "<" FFFD "z");
}
END_TEST

/* A sequence cut by the end of the record (a 16 KiB cut may do that). */
START_TEST(json_invalid_truncated_at_end)
{
	RT("euro \xe2\x82", "euro " FFFD);
	RT("euro \xe2", "euro " FFFD);
	RT("smile \xf0\x9f\x98", "smile " FFFD);
	RT("\xc3", FFFD);
}
END_TEST

/* No raw invalid byte ever reaches the file: every byte is checked. */
START_TEST(json_every_byte)
{
	char line[3] = { 'a', 0, 'b' };
	size_t len;
	int c;

	for (c = 0; c < 256; c++) {
		char *r;

		line[1] = (char)c;
		r = json_line(line, 3, &len);
		if (c < 0x80)
			ck_assert_msg(len == 3 && memcmp(r, line, 3) == 0,
			    "byte %02x", c);
		else
			ck_assert_msg(len == 5 && memcmp(r, "a" FFFD "b", 5) == 0,
			    "byte %02x", c);
		free(r);
	}
}
END_TEST

START_TEST(json_append)
{
	struct obuf b = { 0 };
	char *s, *nl;
	json_t *o;

	format_json(&b, STAMP, "a", "out", "1", 1);
	format_json(&b, STAMP, "b", "err", "2", 1);
	s = text(&b);
	nl = strchr(s, '\n');
	ck_assert(nl != NULL && nl[1] == '{' && s[b.len - 1] == '\n');
	o = json_loads(nl + 1, 0, NULL);
	ck_assert(o != NULL);
	ck_assert_str_eq(json_string_value(json_object_get(o, "name")), "b");
	json_decref(o);
	free(s);
	obuf_free(&b);
}
END_TEST

/* --- echo ------------------------------------------------------------------ */

START_TEST(echo_plain)
{
	static const char want[] = "api/web:1 | hello world\n";
	struct obuf b = { 0 };

	format_echo(&b, "api/web:1", 0, "hello world", 11);
	buf_is(&b, want, sizeof(want) - 1);
	format_echo(&b, "w", 0, "", 0);
	buf_is(&b, "w | \n", 5);
}
END_TEST

START_TEST(echo_color)
{
	static const char want[] = "\033[32mapi/web:1\033[0m | hi \033[1m\n";
	struct obuf b = { 0 };

	format_echo(&b, "api/web:1", 32, "hi \033[1m", 7);
	buf_is(&b, want, sizeof(want) - 1);
}
END_TEST

START_TEST(echo_color_stable)
{
	static const char *names[] = { "a", "api/web:0", "api/web:1", "queue",
	    "x/y/z" };
	size_t k;
	int c;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		c = format_color(names[k]);
		ck_assert_int_ge(c, 31);
		ck_assert_int_le(c, 36);
		ck_assert_int_eq(c, format_color(names[k]));
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("format");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, stamp_layout);
	tcase_add_test(tc, stamp_cache);
	tcase_add_test(tc, text_layout);
	tcase_add_test(tc, text_bytes_verbatim);
	tcase_add_test(tc, text_empty_line_and_append);
	tcase_add_test(tc, text_long_line);
	tcase_add_test(tc, json_layout);
	tcase_add_test(tc, json_escapes);
	tcase_add_test(tc, json_nul_byte);
	tcase_add_test(tc, json_valid_utf8_kept);
	tcase_add_test(tc, json_invalid_continuation);
	tcase_add_test(tc, json_invalid_overlong);
	tcase_add_test(tc, json_invalid_surrogates);
	tcase_add_test(tc, json_invalid_other);
	tcase_add_test(tc, json_invalid_truncated_at_end);
	tcase_add_test(tc, json_every_byte);
	tcase_add_test(tc, json_append);
	tcase_add_test(tc, echo_plain);
	tcase_add_test(tc, echo_color);
	tcase_add_test(tc, echo_color_stable);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
