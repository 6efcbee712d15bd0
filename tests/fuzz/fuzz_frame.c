/*
 * The log path's pure parts (SPEC §4): frame_cut, which finds the records
 * in bytes peeked from a worker's pipe, and the text and JSON forms a
 * record is written in.
 *
 * Input: a 5-byte header, then the bytes.  Header: flags (bit 0: the pipe
 * is at EOF; bits 1-7: how many records may be cut), two bytes that say
 * how many filler bytes to insert (F1 >= 0xf0: (F1 & 3) * FRAME_MAX - 128
 * + F2, else F2), the filler byte, and where in the bytes the filler goes:
 * short inputs reach lines around and past FRAME_MAX, but seldom, as
 * those are slow to check.
 *
 * frame_cut: the records cover exactly the USED bytes, in order, each
 * followed by its newline or cut at FRAME_MAX (or the tail at EOF); none
 * is longer than FRAME_MAX or holds a newline; what is left is an
 * unterminated tail it was right to leave.
 *
 * format_json / format_json_string: one line of JSON that jansson reads
 * back to the same record when it is valid UTF-8; otherwise every bad
 * byte becomes U+FFFD and the rest stays exact.  format_text: the record
 * byte for byte after the third space.  A record longer than 512 bytes is
 * formatted by its first and its last 256 (a cut may fall inside a UTF-8
 * character either way).
 */
#include <string.h>

#include <jansson.h>

#include "format.h"
#include "frame.h"
#include "fuzz.h"

#define HDR		5
#define STAMP		"2026-11-22T10:17:25.123456Z"
#define NAME		"api/web:1"
#define STREAM		"out"
#define FFFD		"\xef\xbf\xbd"
#define FORMAT_WINDOW	256

/* Length of the well-formed UTF-8 sequence at S (Unicode table 3-7), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, k;

	if (s[0] <= 0x7f)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	if (n < len || s[1] < lo || s[1] > hi)
		return (0);
	for (k = 2; k < len; k++) {
		if (s[k] < 0x80 || s[k] > 0xbf)
			return (0);
	}
	return (len);
}

/*
 * S with each byte that starts no well-formed sequence replaced by U+FFFD,
 * then every run of U+FFFD made one: how many replacement characters a
 * bad sequence gives is the formatter's choice, the other bytes are not.
 */
static void
utf8_fix(const unsigned char *s, size_t n, struct obuf *out)
{
	size_t k = 0, len;

	while (k < n) {
		if ((len = utf8_len(s + k, n - k)) == 0) {
			if (out->len < 3 ||
			    memcmp(out->p + out->len - 3, FFFD, 3) != 0)
				obuf_add(out, FFFD, 3);
			k++;
			continue;
		}
		if (len != 3 || memcmp(s + k, FFFD, 3) != 0 || out->len < 3 ||
		    memcmp(out->p + out->len - 3, FFFD, 3) != 0)
			obuf_add(out, s + k, len);
		k += len;
	}
}

static bool
utf8_valid(const unsigned char *s, size_t n)
{
	size_t k = 0, len;

	while (k < n) {
		if ((len = utf8_len(s + k, n - k)) == 0)
			return (false);
		k += len;
	}
	return (true);
}

/* A JSON string value holds exactly S (N bytes), up to bad UTF-8. */
static void
check_string(const json_t *v, const char *s, size_t n)
{
	struct obuf want = { 0 }, got = { 0 };

	CHECK(json_is_string(v));
	if (utf8_valid((const unsigned char *)s, n)) {
		CHECK(json_string_length(v) == n);
		CHECK(n == 0 || memcmp(json_string_value(v), s, n) == 0);
		return;
	}
	utf8_fix((const unsigned char *)s, n, &want);
	utf8_fix((const unsigned char *)json_string_value(v),
	    json_string_length(v), &got);
	CHECK(want.len == got.len && memcmp(want.p, got.p, want.len) == 0);
	obuf_free(&want);
	obuf_free(&got);
}

static void
check_json_string(const char *s, size_t n)
{
	struct obuf b = { 0 };
	json_error_t err;
	json_t *v;

	format_json_string(&b, s, n);
	CHECK(b.len >= 2 && b.p[0] == '"' && b.p[b.len - 1] == '"');
	/* Control characters are escaped: never a raw newline. */
	CHECK(memchr(b.p, '\n', b.len) == NULL);
	v = json_loadb(b.p, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (v == NULL)
		fprintf(stderr, "jansson: %s at %d\n", err.text, err.position);
	CHECK(v != NULL);
	check_string(v, s, n);
	json_decref(v);
	obuf_free(&b);
}

static void
check_record(const char *line, size_t len)
{
	struct obuf b = { 0 };
	json_error_t err;
	json_t *o;
	size_t head = strlen(STAMP " " NAME " " STREAM " ");

	format_text(&b, STAMP, NAME, STREAM, line, len);
	CHECK(b.len == head + len + 1);
	CHECK(memcmp(b.p, STAMP " " NAME " " STREAM " ", head) == 0);
	CHECK(len == 0 || memcmp(b.p + head, line, len) == 0);
	CHECK(b.p[b.len - 1] == '\n');
	b.len = 0;

	format_json(&b, STAMP, NAME, STREAM, line, len);
	CHECK(b.len >= 2 && b.p[b.len - 1] == '\n');
	CHECK(memchr(b.p, '\n', b.len - 1) == NULL);	/* one line */
	o = json_loadb(b.p, b.len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES,
	    &err);
	if (o == NULL)
		fprintf(stderr, "jansson: %s at %d\n", err.text, err.position);
	CHECK(o != NULL && json_is_object(o) && json_object_size(o) == 4);
	CHECK(json_is_string(json_object_get(o, "ts")) &&
	    strcmp(json_string_value(json_object_get(o, "ts")), STAMP) == 0);
	CHECK(json_is_string(json_object_get(o, "name")) &&
	    strcmp(json_string_value(json_object_get(o, "name")), NAME) == 0);
	CHECK(json_is_string(json_object_get(o, "stream")) &&
	    strcmp(json_string_value(json_object_get(o, "stream")),
	    STREAM) == 0);
	check_string(json_object_get(o, "line"), line, len);
	json_decref(o);
	obuf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_rec *recs;
	size_t maxrecs, fill, at, len, n, used, off, i, end;
	bool eof;
	char *buf;

	if (size < HDR)
		return (0);
	eof = data[0] & 1;
	maxrecs = data[0] >> 1;
	fill = data[2];
	if (data[1] >= 0xf0 && (data[1] & 3) != 0)
		fill += (size_t)(data[1] & 3) * FRAME_MAX - 128;
	at = data[4] % (size - HDR + 1);
	len = size - HDR + fill;

	/* Exactly LEN bytes, so that a read past them is caught. */
	if ((buf = malloc(len > 0 ? len : 1)) == NULL ||
	    (recs = malloc((maxrecs > 0 ? maxrecs : 1) * sizeof(*recs))) ==
	    NULL)
		abort();
	memcpy(buf, data + HDR, at);
	memset(buf + at, data[3], fill);
	memcpy(buf + at + fill, data + HDR + at, size - HDR - at);

	used = (size_t)-1;
	n = frame_cut(buf, len, eof, recs, maxrecs, &used);
	CHECK(n <= maxrecs && used <= len);
	for (i = 0, off = 0; i < n; i++) {
		CHECK(recs[i].off == off);
		CHECK(recs[i].len <= FRAME_MAX);
		CHECK(memchr(buf + off, '\n', recs[i].len) == NULL);
		end = off + recs[i].len;
		CHECK(end <= len);
		if (end < len && buf[end] == '\n')
			off = end + 1;		/* a whole line */
		else {
			/* A line cut at FRAME_MAX, or the tail at EOF. */
			CHECK(recs[i].len == FRAME_MAX ||
			    (eof && end == len && recs[i].len > 0));
			off = end;
		}
		/* Formatting is slow to check: a long record by its ends. */
		if (recs[i].len <= 2 * FORMAT_WINDOW)
			check_record(buf + recs[i].off, recs[i].len);
		else {
			check_record(buf + recs[i].off, FORMAT_WINDOW);
			check_record(buf + end - FORMAT_WINDOW, FORMAT_WINDOW);
		}
	}
	CHECK(used == off);
	if (n < maxrecs) {
		/* Left only what must wait for more bytes. */
		if (eof)
			CHECK(used == len);
		else {
			CHECK(len - used <= FRAME_MAX);
			CHECK(memchr(buf + used, '\n', len - used) == NULL);
		}
	}
	/* Newlines too; the filler, already seen in the records, left out. */
	check_json_string((const char *)data + HDR, size - HDR);
	free(recs);
	free(buf);
	return (0);
}
