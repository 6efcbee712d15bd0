#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "xmalloc.h"

void
obuf_reserve(struct obuf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return;
	while (b->cap < b->len + more)
		b->cap = b->cap ? b->cap * 2 : 4096;
	b->p = xreallocarray(b->p, b->cap, 1);
}

void
obuf_add(struct obuf *b, const void *p, size_t n)
{
	obuf_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
obuf_free(struct obuf *b)
{
	xfree(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* The second changes rarely: its text is kept and only microseconds change. */
void
format_stamp(char *buf, const struct timespec *ts)
{
	static time_t cached = -1;
	static char head[24];	/* 2026-11-22T10:17:25 */
	struct tm tm;

	if (ts->tv_sec != cached) {
		gmtime_r(&ts->tv_sec, &tm);
		strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
		cached = ts->tv_sec;
	}
	memcpy(buf, head, 19);
	snprintf(buf + 19, FORMAT_STAMP_LEN + 1 - 19, ".%06uZ",
	    (unsigned)(ts->tv_nsec / 1000) % 1000000u);
}

void
format_text(struct obuf *b, const char *stamp, const char *name,
    const char *stream, const char *line, size_t len)
{
	size_t nl = strlen(name), sl = strlen(stream);
	char *p;

	obuf_reserve(b, FORMAT_STAMP_LEN + nl + sl + len + 4);
	p = b->p + b->len;
	memcpy(p, stamp, FORMAT_STAMP_LEN);
	p += FORMAT_STAMP_LEN;
	*p++ = ' ';
	memcpy(p, name, nl);
	p += nl;
	*p++ = ' ';
	memcpy(p, stream, sl);
	p += sl;
	*p++ = ' ';
	memcpy(p, line, len);
	p += len;
	*p++ = '\n';
	b->len = (size_t)(p - b->p);
}

/* Length of the valid UTF-8 sequence at S (at most N bytes), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, k;
	unsigned cp;

	if (s[0] < 0x80)
		return (1);
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return (0);
	if (len > n)
		return (0);
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (len);
}

void
format_json_string(struct obuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k = 0, seq;
	char esc[8];

	obuf_add(b, "\"", 1);
	while (k < n) {
		if (u[k] == '"' || u[k] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)u[k];
			obuf_add(b, esc, 2);
			k++;
		} else if (u[k] < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", u[k]);
			obuf_add(b, esc, 6);
			k++;
		} else if ((seq = utf8_seq(u + k, n - k)) == 0) {
			obuf_add(b, "\\ufffd", 6);
			k++;
		} else {
			obuf_add(b, u + k, seq);
			k += seq;
		}
	}
	obuf_add(b, "\"", 1);
}

void
format_json(struct obuf *b, const char *stamp, const char *name,
    const char *stream, const char *line, size_t len)
{
	obuf_add(b, "{\"ts\":\"", 7);
	obuf_add(b, stamp, FORMAT_STAMP_LEN);
	obuf_add(b, "\",\"name\":", 9);
	format_json_string(b, name, strlen(name));
	obuf_add(b, ",\"stream\":\"", 11);
	obuf_add(b, stream, strlen(stream));
	obuf_add(b, "\",\"line\":", 9);
	format_json_string(b, line, len);
	obuf_add(b, "}\n", 2);
}

void
format_echo(struct obuf *b, const char *name, int color, const char *line,
    size_t len)
{
	char sgr[16];

	if (color > 0) {
		snprintf(sgr, sizeof(sgr), "\033[%dm", color % 100);
		obuf_add(b, sgr, strlen(sgr));
	}
	obuf_add(b, name, strlen(name));
	if (color > 0)
		obuf_add(b, "\033[0m", 4);
	obuf_add(b, " | ", 3);
	obuf_add(b, line, len);
	obuf_add(b, "\n", 1);
}

int
format_color(const char *name)
{
	unsigned h = 5381;

	while (*name != '\0')
		h = h * 33 + (unsigned char)*name++;
	return (31 + (int)(h % 6));
}
