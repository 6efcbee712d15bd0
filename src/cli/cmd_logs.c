/*
 * `pmtree logs [TARGET] [-f] [-n N]`: the root names the target's files;
 * the last N lines of all of them are merged by time stamp, then, with -f,
 * new lines are followed (across rotation: a file renamed away is read to
 * its end, and its successor from its start) until interrupted.
 */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "xmalloc.h"

struct line {
	char	*text;	/* with its newline */
	size_t	 len;
	size_t	 seq;	/* keeps the order of equal stamps */
};

struct lines {
	struct line	*v;
	size_t		 n;
	size_t		 cap;
};

struct follow {
	char	*path;
	char	*base;	/* the name inside its folder */
	int	 fd;
	int	 wd;	/* the folder's watch */
	char	*part;	/* a line not complete yet */
	size_t	 plen;
};

static void
lines_add(struct lines *l, const char *p, size_t len)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n].text = xmalloc(len);
	memcpy(l->v[l->n].text, p, len);
	l->v[l->n].len = len;
	l->v[l->n].seq = l->n;
	l->n++;
}

/* The record's time stamp: the text form's first word, or JSON's "ts". */
static const char *
line_stamp(const struct line *l, size_t *len)
{
	const char *p = l->text;

	if (l->len > 8 && strncmp(p, "{\"ts\":\"", 7) == 0)
		p += 7;
	*len = strcspn(p, " \"\n");
	return (p);
}

static int
line_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	size_t lx, ly;
	const char *sx = line_stamp(x, &lx), *sy = line_stamp(y, &ly);
	int c = strncmp(sx, sy, lx < ly ? lx : ly);

	if (c != 0)
		return (c);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* The last N complete lines of PATH, read backwards from its end. */
static void
tail_file(const char *path, size_t n, struct lines *out)
{
	size_t got, len = 0, k, start, skip;
	char *buf = NULL;
	struct stat st;
	off_t pos;
	int fd;

	if (n == 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return;
	}
	pos = st.st_size;
	do {	/* n newlines after the first one, which may end a cut line */
		pos = pos > 65536 ? pos - 65536 : 0;
		len = (size_t)(st.st_size - pos);
		buf = xreallocarray(buf, len ? len : 1, 1);
		if (pread(fd, buf, len, pos) != (ssize_t)len)
			len = 0;
		for (got = 0, k = 0; k < len; k++)
			got += buf[k] == '\n';
	} while (len > 0 && got <= n && pos > 0);
	close(fd);
	start = 0;
	if (pos > 0) {	/* the first line is cut: it does not count */
		start = (size_t)((char *)memchr(buf, '\n', len) - buf) + 1;
		got--;
	}
	skip = got > n ? got - n : 0;
	for (k = start; k < len; k++) {
		if (buf[k] != '\n')
			continue;
		if (skip > 0)
			skip--;
		else
			lines_add(out, buf + start, k + 1 - start);
		start = k + 1;
	}
	xfree(buf);
}

static void
print_last(json_t *files, size_t n)
{
	struct lines all = { 0 };
	size_t k, from;
	json_t *f;

	json_array_foreach(files, k, f)
		tail_file(json_string_value(f), n, &all);
	if (all.n > 0)
		qsort(all.v, all.n, sizeof(*all.v), line_cmp);
	from = all.n > n ? all.n - n : 0;
	for (k = 0; k < all.n; k++) {
		if (k >= from)
			fwrite(all.v[k].text, 1, all.v[k].len, stdout);
		xfree(all.v[k].text);
	}
	xfree(all.v);
	fflush(stdout);
}

/* Prints the complete lines that arrived; keeps a partial one for later. */
static void
follow_read(struct follow *f)
{
	char buf[65536];
	ssize_t n;
	size_t k, start;

	while (f->fd >= 0 && (n = read(f->fd, buf, sizeof(buf))) > 0) {
		for (start = 0, k = 0; k < (size_t)n; k++) {
			if (buf[k] != '\n')
				continue;
			if (f->plen > 0) {
				fwrite(f->part, 1, f->plen, stdout);
				f->plen = 0;
			}
			fwrite(buf + start, 1, k + 1 - start, stdout);
			start = k + 1;
		}
		if (start < (size_t)n) {
			f->part = xreallocarray(f->part, f->plen + (size_t)n - start, 1);
			memcpy(f->part + f->plen, buf + start, (size_t)n - start);
			f->plen += (size_t)n - start;
		}
	}
	fflush(stdout);
}

/* The file was rotated or created: finish the old one, start the new. */
static void
follow_reopen(struct follow *f, int from_start)
{
	follow_read(f);
	if (f->fd >= 0)
		close(f->fd);
	f->plen = 0;
	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (f->fd >= 0 && !from_start)
		(void)lseek(f->fd, 0, SEEK_END);
}

static int
follow(json_t *files)
{
	size_t nf = json_array_size(files), k;
	struct follow *v = xcalloc(nf, sizeof(*v));
	char ev[8192], dir[PATH_MAX], *slash;
	const struct inotify_event *ie;
	ssize_t n, off;
	int in;

	if ((in = inotify_init1(IN_CLOEXEC)) < 0) {
		fprintf(stderr, "pmtree: logs: inotify: %s\n", strerror(errno));
		xfree(v);
		return (CLI_FAILED);
	}
	for (k = 0; k < nf; k++) {
		v[k].path = xstrdup(json_string_value(json_array_get(files, k)));
		snprintf(dir, sizeof(dir), "%s", v[k].path);
		slash = strrchr(dir, '/');
		*slash = '\0';
		v[k].base = strrchr(v[k].path, '/') + 1;
		v[k].wd = inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO);
		v[k].fd = -1;
		follow_reopen(&v[k], 0);
	}
	while ((n = read(in, ev, sizeof(ev))) > 0) {
		for (off = 0; off < n; off += (ssize_t)sizeof(*ie) + ie->len) {
			ie = (const struct inotify_event *)(ev + off);
			for (k = 0; k < nf; k++) {
				if (ie->wd != v[k].wd || ie->len == 0 ||
				    strcmp(ie->name, v[k].base) != 0)
					continue;
				if (ie->mask & (IN_CREATE | IN_MOVED_TO))
					follow_reopen(&v[k], 1);
				else
					follow_read(&v[k]);
			}
		}
	}
	fprintf(stderr, "pmtree: logs: inotify: %s\n", strerror(errno));
	for (k = 0; k < nf; k++) {
		if (v[k].fd >= 0)
			close(v[k].fd);
		xfree(v[k].path);
		xfree(v[k].part);
	}
	xfree(v);
	close(in);
	return (CLI_FAILED);
}

int
cmd_logs(struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "lines", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *target = "";
	json_t *rep;
	int ch, f = 0, rc;
	long n = 20;
	char *end;

	while ((ch = getopt_long(o->argc, o->argv, "fn:", longopts, NULL)) != -1) {
		if (ch == 'f')
			f = 1;
		else if (ch == 'n' && (n = strtol(optarg, &end, 10)) >= 0 &&
		    *end == '\0' && *optarg != '\0')
			continue;
		else {
			fprintf(stderr, "usage: pmtree logs [TARGET] [-f] [-n N]\n");
			return (CLI_USAGE);
		}
	}
	if (optind < o->argc)
		target = o->argv[optind++];
	if (optind < o->argc) {
		fprintf(stderr, "pmtree: logs: too many arguments\n");
		return (CLI_USAGE);
	}
	rep = client_request(o, json_pack("{ssss}", "cmd", "logs", "target",
	    target), &rc);
	if (rep == NULL)
		return (rc);
	print_last(json_object_get(rep, "files"), (size_t)n);
	rc = f ? follow(json_object_get(rep, "files")) : CLI_OK;
	json_decref(rep);
	return (rc);
}
