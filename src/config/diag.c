/*
 * Diagnostics: errors (and `pmtree check`'s warnings) are collected while a
 * file is read, then sorted by position and printed together.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static void *
xrealloc(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		abort();
	if ((p = realloc(p, n * size)) == NULL)
		abort();
	return (p);
}

void
diag_init(struct diag *d, const char *file)
{
	memset(d, 0, sizeof(*d));
	if ((d->file = strdup(file)) == NULL)
		abort();
}

void
diag_free(struct diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	free(d->file);
	memset(d, 0, sizeof(*d));
}

/*
 * MSG with its control bytes written out (\n, \r, \t, \xHH), freeing MSG:
 * messages echo the user's values, and a newline or an escape sequence in
 * one must not break "one error per line" nor reach a terminal as is.
 */
static char *
diag_escape(char *msg)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, j, n = 0;
	unsigned char c;
	char *out;

	for (i = 0; msg[i] != '\0'; i++)
		n += (unsigned char)msg[i] < 0x20 || msg[i] == 0x7f;
	if (n == 0)
		return (msg);
	out = xrealloc(NULL, strlen(msg) + 3 * n + 1, 1);
	for (i = j = 0; msg[i] != '\0'; i++) {
		c = (unsigned char)msg[i];
		if (c >= 0x20 && c != 0x7f) {
			out[j++] = (char)c;
			continue;
		}
		out[j++] = '\\';
		if (c == '\n' || c == '\r' || c == '\t')
			out[j++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		else {
			out[j++] = 'x';
			out[j++] = hex[c >> 4];
			out[j++] = hex[c & 0xf];
		}
	}
	out[j] = '\0';
	free(msg);
	return (out);
}

static void
diag_vadd(struct diag *d, enum diag_kind kind, struct diag_pos pos,
    const char *fmt, va_list ap)
{
	char *msg;

	if (vasprintf(&msg, fmt, ap) == -1)
		abort();
	msg = diag_escape(msg);
	if (d->n == d->cap) {
		d->cap = d->cap == 0 ? 16 : d->cap * 2;
		d->v = xrealloc(d->v, d->cap, sizeof(*d->v));
	}
	d->v[d->n].pos = pos;
	d->v[d->n].kind = kind;
	d->v[d->n].msg = msg;
	d->n++;
}

void
diag_add(struct diag *d, struct diag_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, DIAG_ERROR, pos, fmt, ap);
	va_end(ap);
}

void
diag_warn(struct diag *d, struct diag_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, DIAG_WARNING, pos, fmt, ap);
	va_end(ap);
}

/*
 * qsort is not stable: entries are sorted through pointers into d->v, so
 * that equal positions fall back to the order in which they were added.
 */
static int
entry_cmp(const void *a, const void *b)
{
	const struct diag_entry *x = *(const struct diag_entry *const *)a;
	const struct diag_entry *y = *(const struct diag_entry *const *)b;

	if (x->pos.line != y->pos.line)
		return (x->pos.line < y->pos.line ? -1 : 1);
	if (x->pos.col != y->pos.col)
		return (x->pos.col < y->pos.col ? -1 : 1);
	return (x < y ? -1 : x > y);
}

static void
diag_sort(struct diag *d)
{
	struct diag_entry **p, *v;
	size_t i;

	if (d->n < 2)
		return;
	p = xrealloc(NULL, d->n, sizeof(*p));
	for (i = 0; i < d->n; i++)
		p[i] = &d->v[i];
	qsort(p, d->n, sizeof(*p), entry_cmp);
	v = xrealloc(NULL, d->cap, sizeof(*v));
	for (i = 0; i < d->n; i++)
		v[i] = *p[i];
	free(p);
	free(d->v);
	d->v = v;
}

void
diag_print(struct diag *d, FILE *f)
{
	struct diag_entry *e;
	const char *kind;
	size_t i;

	diag_sort(d);
	for (i = 0; i < d->n; i++) {
		e = &d->v[i];
		kind = e->kind == DIAG_WARNING ? "warning: " : "";
		if (e->pos.line == 0 && e->pos.col == 0)
			fprintf(f, "%s: %s%s\n", d->file, kind, e->msg);
		else
			fprintf(f, "%s:%u:%u: %s%s\n", d->file, e->pos.line,
			    e->pos.col, kind, e->msg);
	}
}
