/*
 * `pmtree logs [TARGET] [-f] [-n N] [--raw | --json]`: the root names the
 * target's files; the last N lines of all of them are merged by time
 * stamp, then, with -f, new lines are followed (across rotation: a file
 * renamed away is read to its end, and its successor from its start) until
 * the tree's root exits.  --raw prints only the workers' lines, --json
 * their JSON records (SPEC §4), whatever the files' format.  The root's
 * half only names the files.
 */
#include <sys/inotify.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "control.h"
#include "format.h"
#include "nodetab.h"
#include "xmalloc.h"

/* What a record is printed as. */
enum form {
	FORM_FILE,	/* as the file has it */
	FORM_RAW,	/* the worker's line and a newline */
	FORM_JSON,	/* the JSON record */
};

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

/*
 * REC (LEN bytes, its newline included) as FORM asks.  A record that is not
 * a worker's line (in neither format: a file damaged by hand) is left out
 * of --raw and --json, whose readers expect only lines.
 */
static void
record_put(enum form form, const char *rec, size_t len)
{
	const char *stamp, *name, *stream, *line;
	struct obuf b = { 0 };
	size_t nlen, llen;
	char *sp, *dup;
	json_t *o;

	if (form == FORM_FILE) {
		fwrite(rec, 1, len, stdout);
		return;
	}
	len--;	/* the newline */
	if (len > 0 && *rec == '{') {
		if ((o = json_loadb(rec, len, JSON_ALLOW_NUL, NULL)) == NULL)
			return;
		if (json_unpack(o, "{s:s, s:s, s:s, s:s%}", "ts", &stamp,
		    "name", &name, "stream", &stream, "line", &line,
		    &llen) == 0) {
			if (form == FORM_JSON)
				fwrite(rec, 1, len + 1, stdout);
			else {
				fwrite(line, 1, llen, stdout);
				putchar('\n');
			}
		}
		json_decref(o);
		return;
	}
	/* <stamp> <name> <out|err> <line>: the line is all after the third space. */
	if (len <= FORMAT_STAMP_LEN || rec[FORMAT_STAMP_LEN] != ' ' ||
	    strspn(rec, "0123456789-T:.Z") != FORMAT_STAMP_LEN)
		return;
	name = rec + FORMAT_STAMP_LEN + 1;
	if ((sp = memchr(name, ' ', len - FORMAT_STAMP_LEN - 1)) == NULL)
		return;
	nlen = (size_t)(sp - name);
	llen = len - FORMAT_STAMP_LEN - 1 - nlen - 1;
	if (llen < 4 || (strncmp(sp + 1, "out ", 4) != 0 &&
	    strncmp(sp + 1, "err ", 4) != 0))
		return;
	line = sp + 5;
	llen -= 4;
	if (form == FORM_RAW) {
		fwrite(line, 1, llen, stdout);
		putchar('\n');
		return;
	}
	dup = xmalloc(nlen + 1);
	memcpy(dup, name, nlen);
	dup[nlen] = '\0';
	format_json(&b, rec, dup, sp[1] == 'o' ? "out" : "err", line, llen);
	fwrite(b.p, 1, b.len, stdout);
	obuf_free(&b);
	xfree(dup);
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
print_last(json_t *files, size_t n, enum form form)
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
			record_put(form, all.v[k].text, all.v[k].len);
		xfree(all.v[k].text);
	}
	xfree(all.v);
	fflush(stdout);
}

static void
follow_keep(struct follow *f, const char *p, size_t len)
{
	f->part = xreallocarray(f->part, f->plen + len, 1);
	memcpy(f->part + f->plen, p, len);
	f->plen += len;
}

/* Prints the complete lines that arrived; keeps a partial one for later. */
static void
follow_read(struct follow *f, enum form form)
{
	char buf[65536];
	ssize_t n;
	size_t k, start;

	while (f->fd >= 0 && (n = read(f->fd, buf, sizeof(buf))) > 0) {
		for (start = 0, k = 0; k < (size_t)n; k++) {
			if (buf[k] != '\n')
				continue;
			if (f->plen > 0) {
				follow_keep(f, buf + start, k + 1 - start);
				record_put(form, f->part, f->plen);
				f->plen = 0;
			} else
				record_put(form, buf + start, k + 1 - start);
			start = k + 1;
		}
		if (start < (size_t)n)
			follow_keep(f, buf + start, (size_t)n - start);
	}
	fflush(stdout);
}

/* The file was rotated or created: finish the old one, start the new. */
static void
follow_reopen(struct follow *f, int from_start, enum form form)
{
	follow_read(f, form);
	if (f->fd >= 0)
		close(f->fd);
	f->plen = 0;
	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (f->fd >= 0 && !from_start)
		(void)lseek(f->fd, 0, SEEK_END);
}

/* The events that came: 0, or -1 with errno once inotify fails. */
static int
follow_events(int in, struct follow *v, size_t nf, enum form form)
{
	char ev[8192];
	const struct inotify_event *ie;
	ssize_t n, off;
	size_t k;

	while ((n = read(in, ev, sizeof(ev))) > 0) {
		for (off = 0; off < n; off += (ssize_t)sizeof(*ie) + ie->len) {
			ie = (const struct inotify_event *)(ev + off);
			for (k = 0; k < nf; k++) {
				if (ie->wd != v[k].wd || ie->len == 0 ||
				    strcmp(ie->name, v[k].base) != 0)
					continue;
				if (ie->mask & (IN_CREATE | IN_MOVED_TO))
					follow_reopen(&v[k], 1, form);
				else
					follow_read(&v[k], form);
			}
		}
	}
	return (n < 0 && errno == EAGAIN ? 0 : -1);
}

/*
 * Follows until the root exits (ROOT: a pidfd, readable then), or forever
 * when ROOT is -1.  The collector stops before the root does, so once the
 * events that came are read, the files hold every line there will be.
 */
static int
follow_loop(int in, int root, struct follow *v, size_t nf, enum form form)
{
	struct pollfd p[2] = { { .fd = in, .events = POLLIN },
	    { .fd = root, .events = POLLIN } };
	size_t k;

	for (;;) {
		if (poll(p, root >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "pmtree: logs: poll: %s\n", strerror(errno));
			return (CLI_FAILED);
		}
		if (follow_events(in, v, nf, form) < 0) {
			fprintf(stderr, "pmtree: logs: inotify: %s\n",
			    strerror(errno));
			return (CLI_FAILED);
		}
		if (root >= 0 && p[1].revents != 0)
			break;
	}
	for (k = 0; k < nf; k++)
		follow_read(&v[k], form);
	return (CLI_OK);
}

static int
follow(json_t *files, int root, enum form form)
{
	size_t nf = json_array_size(files), k;
	struct follow *v = xcalloc(nf, sizeof(*v));
	char dir[PATH_MAX], *slash;
	int in, rc;

	if ((in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0) {
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
		follow_reopen(&v[k], 0, form);
	}
	rc = follow_loop(in, root, v, nf, form);
	for (k = 0; k < nf; k++) {
		if (v[k].fd >= 0)
			close(v[k].fd);
		xfree(v[k].path);
		xfree(v[k].part);
	}
	xfree(v);
	close(in);
	return (rc);
}

/*
 * The root's pidfd, from the peer of C's connection: the root itself
 * listens.  A root in another pid namespace has no pid here (0): then -f
 * follows until interrupted.
 */
static int
root_watch(const struct client *c)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd;

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
	    (fd = pidfd_open(cr.pid, 0)) < 0) {
		fprintf(stderr, "pmtree: logs: cannot watch the tree's root: %s; "
		    "following until interrupted\n", strerror(errno));
		return (-1);
	}
	return (fd);
}

static int
cmd_logs(struct cli_opts *o, const struct cmd_entry *self)
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "lines", required_argument, NULL, 'n' },
		{ "raw", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	enum form form = FORM_FILE;
	const char *target = "";
	struct client c;
	json_t *rep, *files;
	int ch, f = 0, rc, root = -1;
	long n = 20;
	char *end;

	while ((ch = getopt_long(o->argc, o->argv, "fn:", longopts, NULL)) != -1) {
		if (ch == 'f')
			f = 1;
		else if (ch == 'n' && (n = strtol(optarg, &end, 10)) >= 0 &&
		    *end == '\0' && *optarg != '\0')
			continue;
		else if ((ch == 'r' || ch == 'j') && form == FORM_FILE)
			form = ch == 'r' ? FORM_RAW : FORM_JSON;
		else {
			fprintf(stderr, "usage: pmtree %s\n", self->usage);
			return (CLI_USAGE);
		}
	}
	if (optind < o->argc)
		target = o->argv[optind++];
	if (optind < o->argc) {
		fprintf(stderr, "pmtree: logs: too many arguments\n");
		return (CLI_USAGE);
	}
	if ((rc = client_open(&c, o)) != CLI_OK)
		return (rc);
	/* Watched before the reply: the reply shows the pid was the root's. */
	if (f)
		root = root_watch(&c);
	rep = client_call(&c, json_pack("{ssss}", "cmd", "logs", "target",
	    target), &rc);
	client_close(&c);
	if (rep != NULL) {
		files = json_object_get(rep, "files");
		/* pmtree.log, first without a target, holds no worker's lines. */
		if (form != FORM_FILE && *target == '\0')
			json_array_remove(files, 0);
		print_last(files, (size_t)n, form);
		rc = f ? follow(files, root, form) : CLI_OK;
		json_decref(rep);
	}
	if (root >= 0)
		close(root);
	return (rc);
}

/* The root names the files; the client reads them itself. */
static void
logs_server(struct commands *c, struct control_conn *conn, json_t *req,
    const struct ctl_cmd *self)
{
	const struct cfg_tree *t = commands_tree(c);
	const char *spec = json_string_value(json_object_get(req, "target"));
	json_t *files = json_array();
	struct target *tg;
	char path[4200];
	size_t nt, k;
	unsigned id, last;

	if (spec == NULL || *spec == '\0') {
		snprintf(path, sizeof(path), "%s/pmtree.log", t->log.dir);
		json_array_append_new(files, json_string(path));
		spec = "";
	}
	if ((tg = commands_targets(c, conn, spec, &nt)) == NULL) {
		json_decref(files);
		return;
	}
	for (k = 0; k < nt; k++) {
		last = nodetab_last(tg[k].node);
		for (id = tg[k].node->id; id <= last; id++) {
			if (t->nodes[id]->kind != CFG_WORKER)
				continue;
			snprintf(path, sizeof(path), "%s/%s.log", t->log.dir,
			    t->nodes[id]->path);
			json_array_append_new(files, json_string(path));
		}
	}
	xfree(tg);
	control_reply(conn, json_pack("{sbsoss}", "ok", 1, "files", files,
	    "format", t->log.format == CFG_FORMAT_JSON ? "json" : "text"));
}

const struct cmd_entry cmd_logs_entry = {
	.ctl = { .name = "logs", .handler = logs_server },
	.min_args = 0,
	.max_args = 5,
	.usage = "logs [TARGET] [-f] [-n N] [--raw | --json]",
	.help = "Prints the last N lines (default 20) of the target's logs; -f follows\n"
	    "new ones and exits 0 once the tree stops.  --raw prints only the\n"
	    "workers' lines, byte for byte; --json one JSON record a line\n"
	    "({\"ts\",\"name\",\"stream\",\"line\"}), whatever the files' format.\n"
	    "Both leave pmtree.log's events out.",
	.exec = cmd_logs,
};
