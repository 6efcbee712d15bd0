#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "config.h"
#include "sockpath.h"
#include "xmalloc.h"

const char *
jstr(json_t *v, const char *def)
{
	return (json_is_string(v) ? json_string_value(v) : def);
}

static int
client_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * A tree linked under two names is one tree: true if PATH's socket is
 * one of the N seen, or is gone; else it becomes the N+1th.
 */
static bool
client_seen(dev_t *dev, ino_t *ino, int n, const char *path)
{
	struct stat st;
	int i;

	if (stat(path, &st) < 0)
		return (true);
	for (i = 0; i < n; i++) {
		if (dev[i] == st.st_dev && ino[i] == st.st_ino)
			return (true);
	}
	dev[n] = st.st_dev;
	ino[n] = st.st_ino;
	return (false);
}

/*
 * The only live tree of the run folder; several is a usage error.  An
 * entry may be a link to a socket elsewhere (SPEC Part two): connect and
 * stat follow it.
 */
static int
client_discover(struct client *c)
{
	char dir[4096], path[4096 + 256], first[4096 + 256] = "";
	dev_t *dev = NULL;
	ino_t *ino = NULL;
	struct dirent *de;
	int nlive = 0, cap = 0, fd;
	size_t len;
	DIR *d;

	if (sockpath_rundir(dir, sizeof(dir)) < 0 || (d = opendir(dir)) == NULL) {
		fprintf(stderr, "pmtree: no tree running at %s\n", dir);
		return (CLI_FAILED);
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".sock") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((fd = client_connect(path)) < 0)
			continue;
		close(fd);
		if (nlive == cap) {
			cap = cap == 0 ? 8 : 2 * cap;
			dev = xreallocarray(dev, (size_t)cap, sizeof(*dev));
			ino = xreallocarray(ino, (size_t)cap, sizeof(*ino));
		}
		if (client_seen(dev, ino, nlive, path))
			continue;
		if (nlive++ == 0)
			snprintf(first, sizeof(first), "%s", path);
		else {
			if (nlive == 2)
				fprintf(stderr, "pmtree: several trees are running; "
				    "choose one with -S:\n  %s\n", first);
			fprintf(stderr, "  %s\n", path);
		}
	}
	closedir(d);
	free(dev);
	free(ino);
	if (nlive == 0) {
		fprintf(stderr, "pmtree: no tree running at %s\n", dir);
		return (CLI_FAILED);
	}
	if (nlive > 1)
		return (CLI_USAGE);
	snprintf(c->path, sizeof(c->path), "%s", first);
	return (CLI_OK);
}

/*
 * -f: the socket CONFIG names, as `run` would bind it but for
 * $PMTREE_SOCKET, which -f is there to override.  A tree whose socket is
 * elsewhere has a link at the default path.
 */
static int
client_from_config(struct client *c, const char *file)
{
	struct cfg_tree *t;
	struct diag d;
	int n;

	diag_init(&d, file);
	if ((t = config_load(file, &d)) == NULL)
		diag_print(&d, stderr);
	diag_free(&d);
	if (t == NULL)
		return (CLI_USAGE);
	if (t->control_socket != NULL)
		n = snprintf(c->path, sizeof(c->path), "%s", t->control_socket);
	else
		n = sockpath_default(t->name, c->path, sizeof(c->path));
	config_free(t);
	if (n < 0 || (size_t)n >= sizeof(c->path)) {
		fprintf(stderr, "pmtree: %s: the socket's path is too long\n",
		    file);
		return (CLI_USAGE);
	}
	return (CLI_OK);
}

int
client_open(struct client *c, const struct cli_opts *o)
{
	const char *env = getenv("PMTREE_SOCKET");
	int rc;

	c->fd = -1;
	if (o->socket != NULL)
		snprintf(c->path, sizeof(c->path), "%s", o->socket);
	else if (o->config != NULL) {
		if ((rc = client_from_config(c, o->config)) != CLI_OK)
			return (rc);
	} else if (env != NULL && *env != '\0')
		snprintf(c->path, sizeof(c->path), "%s", env);
	else if ((rc = client_discover(c)) != CLI_OK)
		return (rc);
	if ((c->fd = client_connect(c->path)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			fprintf(stderr, "pmtree: no tree running at %s\n", c->path);
		else
			fprintf(stderr, "pmtree: connect %s: %s\n", c->path,
			    strerror(errno));
		return (CLI_FAILED);
	}
	return (CLI_OK);
}

void
client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int
client_write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = send(fd, s, len, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		s += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Reads one line; the caller frees it.  NULL on EOF or error. */
static char *
client_read_line(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *nl;
	ssize_t n;

	while (buf != NULL) {
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if ((nl = memchr(buf, '\n', len)) != NULL) {
			*nl = '\0';
			return (buf);
		}
	}
	free(buf);
	return (NULL);
}

char *
client_call_text(struct client *c, json_t *req)
{
	char *s = json_dumps(req, JSON_COMPACT), *line;

	json_decref(req);
	if (s == NULL) {
		fprintf(stderr, "pmtree: the request cannot be sent: are its "
		    "arguments UTF-8?\n");
		return (NULL);
	}
	if (client_write_all(c->fd, s, strlen(s)) < 0 ||
	    client_write_all(c->fd, "\n", 1) < 0) {
		int err = errno;

		free(s);
		/* A tree that refuses us says why before it closes. */
		if (err == EPIPE || err == ECONNRESET) {
			if ((line = client_read_line(c->fd)) != NULL)
				return (line);
		}
		fprintf(stderr, "pmtree: write %s: %s\n", c->path, strerror(err));
		return (NULL);
	}
	free(s);
	if ((line = client_read_line(c->fd)) == NULL)
		fprintf(stderr, "pmtree: %s: the tree closed the connection\n",
		    c->path);
	return (line);
}

json_t *
client_call(struct client *c, json_t *req, int *exitcode)
{
	char *line;
	json_t *rep;
	json_error_t err;

	*exitcode = CLI_FAILED;
	if ((line = client_call_text(c, req)) == NULL)
		return (NULL);
	rep = json_loads(line, 0, &err);
	free(line);
	if (rep == NULL || !json_is_object(rep)) {
		json_decref(rep);
		fprintf(stderr, "pmtree: %s: unreadable reply\n", c->path);
		return (NULL);
	}
	if (!json_is_true(json_object_get(rep, "ok"))) {
		/* File errors come as FILE:LINE:COL lines, printed as they are. */
		fprintf(stderr, json_is_true(json_object_get(rep, "diag")) ?
		    "%s\n" : "pmtree: %s\n",
		    jstr(json_object_get(rep, "error"), "failed"));
		*exitcode = (int)json_integer_value(json_object_get(rep, "exit"));
		if (*exitcode == 0)
			*exitcode = CLI_FAILED;
		json_decref(rep);
		return (NULL);
	}
	*exitcode = CLI_OK;
	return (rep);
}

json_t *
client_request(const struct cli_opts *o, json_t *req, int *rc)
{
	struct client c;
	json_t *rep;

	if ((*rc = client_open(&c, o)) != CLI_OK) {
		json_decref(req);
		return (NULL);
	}
	rep = client_call(&c, req, rc);
	client_close(&c);
	return (rep);
}
