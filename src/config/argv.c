/*
 * Shell-like word splitting (POSIX quoting rules, no expansion): a `cmd`
 * string becomes an argv without running a shell.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"

struct words {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

static bool
is_blank(char c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f');
}

static void
words_add(struct words *w, const char *word, size_t len)
{
	if (w->n + 2 > w->cap) {
		w->cap = w->cap == 0 ? 8 : w->cap * 2;
		if ((w->v = realloc(w->v, w->cap * sizeof(*w->v))) == NULL)
			abort();
	}
	if ((w->v[w->n] = strndup(word, len)) == NULL)
		abort();
	w->n++;
	w->v[w->n] = NULL;
}

/*
 * Inside double quotes a backslash only escapes $ ` " \ and newline (a
 * backslash-newline disappears); before anything else it stays.
 */
static const char *
dquote(const char *s, char *out, size_t *len)
{
	for (; *s != '"'; s++) {
		if (*s == '\0')
			return (NULL);
		if (*s == '\\' && s[1] != '\0' && strchr("$`\"\\\n", s[1])) {
			s++;
			if (*s == '\n')
				continue;
		}
		out[(*len)++] = *s;
	}
	return (s + 1);
}

/*
 * Reads one word starting at S into OUT; returns the position after it, or
 * NULL with ERR set.
 */
static const char *
word_read(const char *s, char *out, size_t *len, char *err, size_t errlen)
{
	const char *q;

	*len = 0;
	while (*s != '\0' && !is_blank(*s)) {
		switch (*s) {
		case '\'':
			if ((q = strchr(s + 1, '\'')) == NULL) {
				snprintf(err, errlen, "unterminated single quote");
				return (NULL);
			}
			memcpy(out + *len, s + 1, (size_t)(q - s - 1));
			*len += (size_t)(q - s - 1);
			s = q + 1;
			break;
		case '"':
			if ((s = dquote(s + 1, out, len)) == NULL) {
				snprintf(err, errlen, "unterminated double quote");
				return (NULL);
			}
			break;
		case '\\':
			if (s[1] == '\0') {
				snprintf(err, errlen, "trailing backslash");
				return (NULL);
			}
			if (s[1] != '\n')
				out[(*len)++] = s[1];
			s += 2;
			break;
		default:
			out[(*len)++] = *s++;
			break;
		}
	}
	return (s);
}

int
argv_split(const char *s, char ***argv, size_t *argc, char *err,
    size_t errlen)
{
	struct words w = { NULL, 0, 0 };
	size_t len;
	char *buf;

	if ((buf = malloc(strlen(s) + 1)) == NULL)
		abort();
	for (;;) {
		while (is_blank(*s))
			s++;
		if (*s == '\0')
			break;
		/* A lone backslash-newline joins lines: it is no word. */
		if (s[0] == '\\' && s[1] == '\n') {
			s += 2;
			continue;
		}
		if ((s = word_read(s, buf, &len, err, errlen)) == NULL) {
			free(buf);
			argv_free(w.v);
			return (-1);
		}
		words_add(&w, buf, len);
	}
	free(buf);
	if (w.v == NULL && (w.v = calloc(1, sizeof(*w.v))) == NULL)
		abort();
	*argv = w.v;
	*argc = w.n;
	return (0);
}

void
argv_free(char **argv)
{
	char **p;

	if (argv == NULL)
		return;
	for (p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}
