/*
 * The warnings of `pmtree check`.  A program is looked for as the spawn
 * will look for it (src/worker/spawn.c): after the chdir to the worker's
 * cwd, in the PATH the worker gets, each entry in turn, as execvp does.
 * An env_file is read as each start will read it (envfile_read), once per
 * place it is written, however many workers inherit it.  control.http is
 * bound as the root will bind it, then let go.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgwarn.h"
#include "envfile.h"
#include "tmpl.h"
#include "xmalloc.h"

/*
 * The worker's PATH, as its start will make it: its `env` sets it, else
 * its env_file files may (the last one that does), else it inherits
 * pmtree's.  A copy, or NULL when there is none.
 */
static char *
worker_path(const struct cfg_worker *w)
{
	struct envfile ef;
	struct envfile_err err;
	const char *p;
	char *copy;
	size_t k;

	for (k = 0; k < w->nenv; k++) {
		if (strncmp(w->env[k], "PATH=", 5) == 0)
			return (xstrdup(w->env[k] + 5));
	}
	envfile_init(&ef);
	for (k = 0; k < w->n_env_file; k++)
		(void)envfile_read(&ef, w->env_file[k], &err);
	if ((p = envfile_get(&ef, "PATH")) == NULL)
		p = getenv("PATH");
	copy = p != NULL ? xstrdup(p) : NULL;
	envfile_free(&ef);
	return (copy);
}

/*
 * What execve of FILE would say, from the folder CWD, without running it:
 * 0, or an errno; EISDIR where execve says EACCES for a folder.
 */
static int
exec_probe(const char *cwd, const char *file)
{
	char buf[2 * PATH_MAX + 2];
	struct stat st;

	if (file[0] != '/') {
		if (snprintf(buf, sizeof(buf), "%s/%s", cwd, file) >=
		    (int)sizeof(buf))
			return (ENAMETOOLONG);
		file = buf;
	}
	if (stat(file, &st) < 0)
		return (errno);
	if (S_ISDIR(st.st_mode))
		return (EISDIR);
	if (!S_ISREG(st.st_mode))
		return (EACCES);
	if (faccessat(AT_FDCWD, file, X_OK, AT_EACCESS) < 0)
		return (errno);
	return (0);
}

/*
 * NAME over every PATH entry (an empty one is "."), keeping the most
 * telling error as spawn_exec_path does: a file found but not executable
 * (its path in FOUND) beats one not found.
 */
static int
path_probe(const char *cwd, const char *path, const char *name, char *found,
    size_t flen)
{
	char buf[PATH_MAX];
	const char *p, *end;
	size_t dl, nl = strlen(name);
	int err = ENOENT, e;

	for (p = path; p != NULL; p = *end ? end + 1 : NULL) {
		end = strchrnul(p, ':');
		dl = (size_t)(end - p);
		/* Longer than the spawn's buffer: it skips the entry too. */
		if (dl + nl + 2 > sizeof(buf))
			continue;
		snprintf(buf, sizeof(buf), "%.*s/%s", dl ? (int)dl : 1,
		    dl ? p : ".", name);
		if ((e = exec_probe(cwd, buf)) == 0)
			return (0);
		if (e == EACCES || e == EISDIR) {
			if (err != EACCES)
				snprintf(found, flen, "%s", buf);
			err = EACCES;
		} else if (e != ENOENT && e != ENOTDIR)
			return (e);
	}
	return (err);
}

static void
warn_in_path(const struct cfg_worker *w, const char *path, struct diag *d)
{
	const char *prog = w->argv[0];
	char found[PATH_MAX];
	int err;

	if ((err = path_probe(w->cwd, path, prog, found, sizeof(found))) == 0)
		return;
	if (err == ENOENT)
		diag_warn(d, w->cmd_pos, "program \"%s\" not found in PATH",
		    prog);
	else if (err == EACCES)
		diag_warn(d, w->cmd_pos, "program \"%s\" is not executable: %s",
		    prog, found);
	else
		diag_warn(d, w->cmd_pos, "program \"%s\" cannot be run: %s",
		    prog, strerror(err));
}

/* A path, or a name with no PATH to search: exec'd from the cwd as is. */
static void
warn_file(const struct cfg_worker *w, const char *path, struct diag *d)
{
	const char *prog = w->argv[0], *why = "";
	int err;

	if ((err = exec_probe(w->cwd, prog)) == 0)
		return;
	if (strchr(prog, '/') == NULL)
		why = path == NULL ? " (no PATH is set)" : " (PATH is empty)";
	if ((err == ENOENT || err == ENOTDIR) && prog[0] == '/')
		diag_warn(d, w->cmd_pos, "program \"%s\" not found", prog);
	else if (err == ENOENT || err == ENOTDIR)
		diag_warn(d, w->cmd_pos, "program \"%s\" not found in %s%s",
		    prog, w->cwd_shown, why);
	else if (err == EACCES)
		diag_warn(d, w->cmd_pos, "program \"%s\" is not executable",
		    prog);
	else if (err == EISDIR)
		diag_warn(d, w->cmd_pos, "program \"%s\" is a directory", prog);
	else
		diag_warn(d, w->cmd_pos, "program \"%s\" cannot be run: %s",
		    prog, strerror(err));
}

static void
warn_program(const struct cfg_worker *w, struct diag *d)
{
	char *path;

	/* A draft's worker may have no program: its error is said already. */
	if (w->argc == 0 || w->argv[0][0] == '\0')
		return;
	/* Placeholders in the program or a cwd it is found in: per instance. */
	if (tmpl_has(w->argv[0]) ||
	    ((w->tmpl & CFG_TMPL_CWD) != 0 && w->argv[0][0] != '/'))
		return;
	path = worker_path(w);
	if (strchr(w->argv[0], '/') != NULL || path == NULL || *path == '\0')
		warn_file(w, path, d);
	else
		warn_in_path(w, path, d);
	xfree(path);
}

/* The places of the env_file paths looked at already. */
struct seen {
	struct diag_pos	*v;
	size_t		 n;
	size_t		 cap;
};

static bool
seen_add(struct seen *s, struct diag_pos pos)
{
	size_t k;

	for (k = 0; k < s->n; k++) {
		if (s->v[k].line == pos.line && s->v[k].col == pos.col)
			return (false);
	}
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 8 : s->cap * 2;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = pos;
	return (true);
}

/* Missing, or what its next start would say of it. */
static void
warn_env_files(const struct cfg_worker *w, struct seen *seen, struct diag *d)
{
	struct envfile ef;
	struct envfile_err err;
	struct stat st;
	char why[PATH_MAX + 300];
	size_t k;

	for (k = 0; k < w->n_env_file; k++) {
		if (!seen_add(seen, w->env_file_pos[k]))
			continue;
		if (stat(w->env_file[k], &st) < 0 && errno == ENOENT) {
			diag_warn(d, w->env_file_pos[k], "env_file %s does not "
			    "exist yet", w->env_file_shown[k]);
			continue;
		}
		envfile_init(&ef);
		if (envfile_read(&ef, w->env_file[k], &err) < 0) {
			envfile_why(why, sizeof(why), w->env_file_shown[k],
			    &err);
			diag_warn(d, w->env_file_pos[k], "%s", why);
		}
		envfile_free(&ef);
	}
}

/*
 * "host:port" or "[v6]:port", already checked by the loader; -1 for a
 * host too long for the root's buffer, which refuses it as well.
 */
static int
split_hostport(const char *addr, char *host, size_t hlen, const char **port)
{
	const char *colon = strrchr(addr, ':');
	size_t n = (size_t)(colon - addr);

	if (n >= hlen)
		return (-1);
	if (addr[0] == '[') {
		addr++;
		n -= 2;
	}
	snprintf(host, hlen, "%.*s", (int)n, addr);
	*port = colon + 1;
	return (0);
}

/* Binds and listens as http_listen will; 0, or the last errno. */
static int
listen_probe(const struct addrinfo *ai)
{
	const struct addrinfo *a;
	int fd, one = 1, err = EADDRNOTAVAIL;

	for (a = ai; a != NULL; a = a->ai_next) {
		if ((fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
		    a->ai_protocol)) < 0) {
			err = errno;
			continue;
		}
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) < 0 || bind(fd, a->ai_addr, a->ai_addrlen) < 0 ||
		    listen(fd, 1) < 0)
			err = errno;
		else
			err = 0;
		close(fd);
		if (err == 0)
			return (0);
	}
	return (err);
}

static void
warn_listen(const char *addr, struct diag_pos pos, struct diag *d)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai;
	char host[256];
	const char *port;
	int rc;

	if (split_hostport(addr, host, sizeof(host), &port) < 0) {
		diag_warn(d, pos, "control.http \"%s\": the host is too long",
		    addr);
		return;
	}
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		diag_warn(d, pos, "control.http \"%s\": %s", addr,
		    gai_strerror(rc));
		return;
	}
	rc = listen_probe(ai);
	freeaddrinfo(ai);
	if (rc == EADDRINUSE)
		diag_warn(d, pos, "control.http address \"%s\" is already in "
		    "use", addr);
	else if (rc != 0)
		diag_warn(d, pos, "control.http address \"%s\" cannot be "
		    "listened on: %s", addr, strerror(rc));
}

void
cfgwarn_tree(const struct cfg_tree *t, struct diag *d)
{
	struct seen seen = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < t->nnodes; i++) {
		if (t->nodes[i]->kind != CFG_WORKER)
			continue;
		warn_program(&t->nodes[i]->worker, d);
		warn_env_files(&t->nodes[i]->worker, &seen, d);
	}
	xfree(seen.v);
	if (t->control_http != NULL)
		warn_listen(t->control_http, t->control_http_pos, d);
}
