/*
 * The env_file format, one line at a time:
 *
 *	# a comment			blank lines and comments are skipped
 *	export KEY=value		`export ` is allowed and means nothing
 *	KEY=  value with spaces  	unquoted: taken as is, blanks around cut
 *	KEY='as $written \n'		single quotes: taken as is
 *	KEY="a\"b\\c\$d\ne" # note	double quotes: \" \\ \$ \n unescaped
 *
 * A name is a shell's: letters, digits and _, not a digit first, and it is
 * followed by `=` at once.  A quote opens only as the first character of a
 * value and must close on the same line; after it, only blanks and a
 * comment may follow.  An unquoted value keeps every byte between its
 * first and last non-blank one, `#` and quotes included: there are no
 * inline comments on an unquoted value, so a secret holding `#` is never
 * cut short.  Nothing is expanded.  A CR before the line end is dropped
 * (CRLF files), a UTF-8 byte order mark at the start of the file too; the
 * last line counts without a newline.  A NUL byte, a line longer than
 * ENVFILE_MAX_LINE or a file larger than ENVFILE_MAX_SIZE is an error.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "envfile.h"
#include "xmalloc.h"

/* How much of a bad name a message quotes. */
#define SHOWN_MAX	24

static bool
is_blank(char c)
{
	return (c == ' ' || c == '\t');
}

static bool
name_first(char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_');
}

static bool
name_char(char c)
{
	return (name_first(c) || (c >= '0' && c <= '9'));
}

static int
fail(struct envfile_err *err, unsigned line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return (-1);
}

/* The N bytes at S for a message: printable ASCII, the rest as \xHH. */
static const char *
shown(char *buf, size_t size, const char *s, size_t n)
{
	size_t k, at = 0;
	unsigned char c;

	for (k = 0; k < n && k < SHOWN_MAX && at + 5 < size; k++) {
		c = (unsigned char)s[k];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			at += (size_t)snprintf(buf + at, size - at, "\\x%02x", c);
		else
			buf[at++] = (char)c;
	}
	if (k < n && at + 4 <= size) {
		memcpy(buf + at, "...", 3);
		at += 3;
	}
	buf[at] = '\0';
	return (buf);
}

static void
set_add(struct envfile *ef, char *s)
{
	if (ef->n + 2 > ef->cap) {
		ef->cap = ef->cap == 0 ? 16 : ef->cap * 2;
		ef->v = xreallocarray(ef->v, ef->cap, sizeof(*ef->v));
	}
	ef->v[ef->n++] = s;
	ef->v[ef->n] = NULL;
}

/* Back to its first N entries. */
static void
set_cut(struct envfile *ef, size_t n)
{
	while (ef->n > n)
		xfree(ef->v[--ef->n]);
	if (ef->v != NULL)
		ef->v[ef->n] = NULL;
}

/* P is just past an opening '; the value goes to OUT (room enough). */
static const char *
value_single(const char *p, const char *end, char *out, size_t *olen)
{
	const char *q = memchr(p, '\'', (size_t)(end - p));

	if (q == NULL)
		return (NULL);
	memcpy(out, p, (size_t)(q - p));
	*olen = (size_t)(q - p);
	return (q + 1);
}

/* P is just past an opening "; \n \" \\ \$ are unescaped, \x stays. */
static const char *
value_double(const char *p, const char *end, char *out, size_t *olen)
{
	size_t n = 0;

	for (; p < end && *p != '"'; p++) {
		if (*p != '\\') {
			out[n++] = *p;
			continue;
		}
		if (++p == end)
			return (NULL);
		if (*p == 'n')
			out[n++] = '\n';
		else if (*p == '"' || *p == '\\' || *p == '$')
			out[n++] = *p;
		else {
			out[n++] = '\\';
			out[n++] = *p;
		}
	}
	if (p == end)
		return (NULL);
	*olen = n;
	return (p + 1);
}

/*
 * The value at P (blanks before it skipped) into ENTRY at *AT, or -1 with
 * the reason.
 */
static int
value(const char *p, const char *end, char *entry, size_t *at, unsigned no,
    struct envfile_err *err)
{
	const char *rest;
	size_t n = 0;
	char q = p < end ? *p : '\0';

	if (q != '\'' && q != '"') {
		while (end > p && is_blank(end[-1]))
			end--;
		memcpy(entry + *at, p, (size_t)(end - p));
		*at += (size_t)(end - p);
		return (0);
	}
	if (q == '\'')
		rest = value_single(p + 1, end, entry + *at, &n);
	else
		rest = value_double(p + 1, end, entry + *at, &n);
	if (rest == NULL)
		return (fail(err, no, "unterminated %s quote (a quoted value "
		    "ends on its line)", q == '\'' ? "single" : "double"));
	*at += n;
	while (rest < end && is_blank(*rest))
		rest++;
	if (rest < end && *rest != '#')
		return (fail(err, no, "text after the closing quote (only a "
		    "# comment may follow it)"));
	return (0);
}

/* The name at P, up to the = that must follow it; *NLEN its length. */
static const char *
name(const char *p, const char *end, size_t *nlen, unsigned no,
    struct envfile_err *err)
{
	const char *s = p;
	char buf[SHOWN_MAX * 4 + 8];
	size_t k;

	while (p < end && *p != '=' && !is_blank(*p))
		p++;
	*nlen = (size_t)(p - s);
	for (k = 0; k < *nlen; k++) {
		if (!name_char(s[k]) || (k == 0 && !name_first(s[k]))) {
			fail(err, no, "bad variable name \"%s\": use letters, "
			    "digits and _, not a digit first",
			    shown(buf, sizeof(buf), s, *nlen));
			return (NULL);
		}
	}
	if (*nlen == 0) {
		fail(err, no, p < end && *p == '=' ? "no variable name before "
		    "\"=\"" : "expected NAME=VALUE");
		return (NULL);
	}
	if (p == end || *p != '=') {
		fail(err, no, "expected \"=\" right after \"%s\"",
		    shown(buf, sizeof(buf), s, *nlen));
		return (NULL);
	}
	return (p + 1);
}

/* One line, without its line end. */
static int
line(struct envfile *ef, const char *p, size_t len, unsigned no,
    struct envfile_err *err)
{
	const char *end = p + len, *nul, *v;
	char *entry;
	size_t nlen, at;

	if ((nul = memchr(p, '\0', len)) != NULL)
		return (fail(err, no, "a NUL byte (column %zu)",
		    (size_t)(nul - p) + 1));
	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p == '#')
		return (0);
	if (end - p > 6 && memcmp(p, "export", 6) == 0 && is_blank(p[6])) {
		p += 6;
		while (p < end && is_blank(*p))
			p++;
	}
	if ((v = name(p, end, &nlen, no, err)) == NULL)
		return (-1);
	while (v < end && is_blank(*v))
		v++;
	/* The value is never longer than its text. */
	entry = xmalloc(nlen + 1 + (size_t)(end - v) + 1);
	memcpy(entry, p, nlen + 1);
	at = nlen + 1;
	if (value(v, end, entry, &at, no, err) < 0) {
		xfree(entry);
		return (-1);
	}
	entry[at] = '\0';
	set_add(ef, entry);
	return (0);
}

void
envfile_init(struct envfile *ef)
{
	memset(ef, 0, sizeof(*ef));
}

void
envfile_free(struct envfile *ef)
{
	set_cut(ef, 0);
	xfree(ef->v);
	memset(ef, 0, sizeof(*ef));
}

int
envfile_parse(struct envfile *ef, const char *buf, size_t len,
    struct envfile_err *err)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t n0 = ef->n, ll;
	unsigned no = 0;

	if (len > ENVFILE_MAX_SIZE)
		return (fail(err, 0, "larger than 1 MiB"));
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; p < end; p = nl != NULL ? nl + 1 : end) {
		no++;
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = (size_t)((nl != NULL ? nl : end) - p);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (ll > ENVFILE_MAX_LINE) {
			set_cut(ef, n0);
			return (fail(err, no, "line longer than %d KiB",
			    ENVFILE_MAX_LINE / 1024));
		}
		if (line(ef, p, ll, no, err) < 0) {
			set_cut(ef, n0);
			return (-1);
		}
	}
	return (0);
}

/* All of FD, a regular file of SIZE bytes (it may have grown since). */
static char *
read_all(int fd, off_t size, size_t *len, struct envfile_err *err)
{
	size_t cap = (size_t)size + 1;
	char *buf;
	ssize_t r;

	buf = xmalloc(cap);
	*len = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap * 2 > ENVFILE_MAX_SIZE + 1 ?
			    ENVFILE_MAX_SIZE + 1 : cap * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		r = read(fd, buf + *len, cap - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail(err, 0, "%s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			return (buf);
		*len += (size_t)r;
		if (*len > ENVFILE_MAX_SIZE) {
			fail(err, 0, "larger than 1 MiB");
			goto fail;
		}
	}
fail:
	xfree(buf);
	return (NULL);
}

int
envfile_read(struct envfile *ef, const char *path, struct envfile_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0)
		return (fail(err, 0, "%s", strerror(errno)));
	if (fstat(fd, &st) < 0) {
		fail(err, 0, "%s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		fail(err, 0, "%s", strerror(EISDIR));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(err, 0, "not a regular file");
		goto out;
	}
	if (st.st_size > ENVFILE_MAX_SIZE) {
		fail(err, 0, "larger than 1 MiB");
		goto out;
	}
	if ((buf = read_all(fd, st.st_size, &len, err)) != NULL)
		rc = envfile_parse(ef, buf, len, err);
out:
	xfree(buf);
	close(fd);
	return (rc);
}

const char *
envfile_get(const struct envfile *ef, const char *key)
{
	size_t k = ef->n, kl = strlen(key);

	while (k-- > 0) {
		if (strncmp(ef->v[k], key, kl) == 0 && ef->v[k][kl] == '=')
			return (ef->v[k] + kl + 1);
	}
	return (NULL);
}

int
envfile_why(char *buf, size_t len, const char *shown,
    const struct envfile_err *err)
{
	if (err->line == 0)
		return (snprintf(buf, len, "env_file %s: %s", shown, err->msg));
	return (snprintf(buf, len, "env_file %s:%u: %s", shown, err->line,
	    err->msg));
}
