/*
 * The placeholders of tmpl.h.  One scanner serves tmpl_check, tmpl_find
 * and tmpl_expand, so that what is checked is what is replaced.
 */
#include <stdio.h>
#include <string.h>

#include "tmpl.h"
#include "xmalloc.h"

static const struct {
	const char	*word;
	unsigned	 bit;
} words[] = {
	{ "instance", TMPL_INSTANCE },
	{ "port", TMPL_PORT },
	{ "name", TMPL_NAME },
};
#define NWORDS	(sizeof(words) / sizeof(words[0]))

/* What an error quotes of a placeholder, at most. */
#define QUOTE_MAX	40

/* A "{{" and what follows it. */
struct ph {
	const char	*p;	/* the "{{" */
	const char	*end;	/* past its "}}"; NULL: there is none */
	unsigned	 bit;	/* the word's; 0: not a placeholder */
};

static unsigned
word_bit(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < NWORDS; i++) {
		if (strlen(words[i].word) == len &&
		    memcmp(s, words[i].word, len) == 0)
			return (words[i].bit);
	}
	return (0);
}

/* The first "{{" of S; false if there is none. */
static bool
ph_next(const char *s, struct ph *ph)
{
	const char *close;

	if ((ph->p = strstr(s, "{{")) == NULL)
		return (false);
	ph->bit = 0;
	if ((close = strstr(ph->p + 2, "}}")) == NULL) {
		ph->end = NULL;
		return (true);
	}
	ph->end = close + 2;
	ph->bit = word_bit(ph->p + 2, (size_t)(close - ph->p - 2));
	return (true);
}

bool
tmpl_has(const char *s)
{
	return (strstr(s, "{{") != NULL);
}

/* The placeholder as written, cut short between two UTF-8 characters. */
static void
ph_quote(const struct ph *ph, char *buf, size_t len)
{
	size_t n = ph->end != NULL ? (size_t)(ph->end - ph->p) : strlen(ph->p);
	const char *more = "";

	if (n > QUOTE_MAX) {
		for (n = QUOTE_MAX; n > 0 &&
		    ((unsigned char)ph->p[n] & 0xc0) == 0x80; n--)
			;
		more = "...";
	}
	snprintf(buf, len, "\"%.*s%s\"", (int)n, ph->p, more);
}

/* What is wrong with a "{{" that is not a placeholder. */
static void
ph_error(const struct ph *ph, const char *s, struct tmpl_error *err)
{
	const char *in, *w;
	size_t len;
	char q[QUOTE_MAX + 8];

	err->at = (size_t)(ph->p - s);
	ph_quote(ph, q, sizeof(q));
	if (ph->end == NULL) {
		snprintf(err->msg, sizeof(err->msg), "unterminated "
		    "placeholder %s: close it with \"}}\"", q);
		return;
	}
	in = ph->p + 2;
	len = (size_t)(ph->end - 2 - in);
	if (memmem(in, len, "{{", 2) != NULL) {
		snprintf(err->msg, sizeof(err->msg), "placeholders do not "
		    "nest: %s", q);
		return;
	}
	/* The word between the blanks, if any: IN and LEN trimmed. */
	for (w = in; w < in + len && (*w == ' ' || *w == '\t'); w++)
		;
	len -= (size_t)(w - in);
	for (; len > 0 && (w[len - 1] == ' ' || w[len - 1] == '\t'); len--)
		;
	if (len == 0) {
		snprintf(err->msg, sizeof(err->msg), "empty placeholder %s "
		    "(use {{instance}}, {{port}} or {{name}})", q);
		return;
	}
	/* A known word here had blanks around it. */
	if (word_bit(w, len) != 0) {
		snprintf(err->msg, sizeof(err->msg), "no blanks inside a "
		    "placeholder: write {{%.*s}}, not %s", (int)len, w, q);
		return;
	}
	snprintf(err->msg, sizeof(err->msg), "unknown placeholder %s (use "
	    "{{instance}}, {{port}} or {{name}})", q);
}

int
tmpl_check(const char *s, unsigned *uses, struct tmpl_error *err)
{
	const char *start = s;
	struct ph ph;
	unsigned u = 0;

	while (ph_next(s, &ph)) {
		if (ph.bit == 0) {
			ph_error(&ph, start, err);
			return (-1);
		}
		u |= ph.bit;
		s = ph.end;
	}
	if (uses != NULL)
		*uses = u;
	return (0);
}

int
tmpl_find(const char *s, unsigned word, size_t *at)
{
	const char *start = s;
	struct ph ph;

	while (ph_next(s, &ph) && ph.bit != 0) {
		if (ph.bit == word) {
			*at = (size_t)(ph.p - start);
			return (0);
		}
		s = ph.end;
	}
	return (-1);
}

/* The text of a placeholder for V, in NUM if a number; NULL if none. */
static const char *
ph_value(const struct ph *ph, const struct tmpl_vars *v, char *num,
    size_t len)
{
	switch (ph->bit) {
	case TMPL_INSTANCE:
		snprintf(num, len, "%u", v->instance);
		return (num);
	case TMPL_PORT:
		if (v->port == 0)
			return (NULL);
		snprintf(num, len, "%u", v->port);
		return (num);
	case TMPL_NAME:
		return (v->name);
	}
	return (NULL);
}

static size_t
put(char *out, size_t at, const char *p, size_t len)
{
	if (out != NULL)
		memcpy(out + at, p, len);
	return (len);
}

/* Writes the expansion of S to OUT (if not NULL); returns its length. */
static size_t
expand(const char *s, const struct tmpl_vars *v, char *out)
{
	struct ph ph;
	const char *val;
	char num[16];
	size_t n = 0;

	while (ph_next(s, &ph) && ph.end != NULL) {
		if ((val = ph_value(&ph, v, num, sizeof(num))) == NULL) {
			/* Not one: its "{{" is text, what follows is looked at. */
			n += put(out, n, s, (size_t)(ph.p + 2 - s));
			s = ph.p + 2;
			continue;
		}
		n += put(out, n, s, (size_t)(ph.p - s));
		n += put(out, n, val, strlen(val));
		s = ph.end;
	}
	n += put(out, n, s, strlen(s));
	return (n);
}

char *
tmpl_expand(const char *s, const struct tmpl_vars *v)
{
	size_t len;
	char *out;

	if (!tmpl_has(s))
		return (xstrdup(s));
	len = expand(s, v, NULL);
	out = xmalloc(len + 1);
	(void)expand(s, v, out);
	out[len] = '\0';
	return (out);
}

char **
tmpl_expandv(char *const *v, const struct tmpl_vars *vars)
{
	size_t i, n;
	char **out;

	for (n = 0; v[n] != NULL; n++)
		;
	out = xcalloc(n + 1, sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = tmpl_expand(v[i], vars);
	return (out);
}

void
tmpl_freev(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		xfree(v[i]);
	xfree(v);
}
