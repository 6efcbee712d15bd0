/*
 * Control-plane helpers for the integration tests (see ctl.h).
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"

#define CTL_MAXARGS	32

struct ctlout CTL;

static int	ctl_nruns;

const char *
ctl_sock(void)
{
	static char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/run/t.sock", H.dir) >=
	    (int)sizeof(path))
		ck_abort_msg("path too long");
	return (path);
}

/* --- clients ---------------------------------------------------------- */

static void
ctl_apply_env(const char *const *env)
{
	char name[256];
	const char *eq;

	for (; env != NULL && *env != NULL; env++) {
		if ((eq = strchr(*env, '=')) == NULL) {
			(void)unsetenv(*env);
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(eq - *env), *env);
		(void)setenv(name, eq + 1, 1);
	}
}

__attribute__((noreturn)) static void
ctl_child(const struct ctlrun *r, const char *const *env,
    const char *const *argv)
{
	int null, out, err;

	if (chdir(H.dir) < 0)
		_exit(126);
	null = open("/dev/null", O_RDONLY);
	out = open(r->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	err = open(r->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (null < 0 || out < 0 || err < 0 || dup2(null, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	if (setenv("FX_STARTS", H.starts, 1) < 0 ||
	    setenv("FX_KIDS", H.kids, 1) < 0 ||
	    setenv("PMTREE_IT_TAG", H.dir, 1) < 0 ||
	    unsetenv("PMTREE_SOCKET") < 0)
		_exit(126);
	ctl_apply_env(env);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

static void
ctl_start(struct ctlrun *r, const char *const *env, const char *const *argv)
{
	pid_t pid;
	int n;

	memset(r, 0, sizeof(*r));
	n = ctl_nruns++;
	if (snprintf(r->out, sizeof(r->out), "%s/ctl-%d.out", H.dir, n) >=
	    (int)sizeof(r->out) ||
	    snprintf(r->err, sizeof(r->err), "%s/ctl-%d.err", H.dir, n) >=
	    (int)sizeof(r->err))
		ck_abort_msg("path too long");
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0)
		ctl_child(r, env, argv);
	r->pid = pid;
}

bool
ctl_bg_done(struct ctlrun *r)
{
	int st;

	if (r->done)
		return (true);
	if (waitpid(r->pid, &st, WNOHANG) != r->pid)
		return (false);
	r->done = true;
	r->rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return (true);
}

int
ctl_bg_wait(struct ctlrun *r, uint64_t deadline_ms)
{
	if (!H_UNTIL_MS(deadline_ms, ctl_bg_done(r)))
		return (-1);
	return (r->rc);
}

int
ctl_exec(const char *const *env, const char *const *argv)
{
	struct ctlrun r;

	ctl_start(&r, env, argv);
	if (ctl_bg_wait(&r, H_DEADLINE_MS) < 0) {
		(void)kill(r.pid, SIGKILL);
		(void)ctl_bg_wait(&r, H_DEADLINE_MS);
		h_dump();
		ck_abort_msg("%s %s did not finish in time", argv[0],
		    argv[1] != NULL ? argv[1] : "");
	}
	free(CTL.out);
	free(CTL.err);
	CTL.rc = r.rc;
	CTL.out = h_read(r.out);
	CTL.err = h_read(r.err);
	if (CTL.out == NULL)
		CTL.out = strdup("");
	if (CTL.err == NULL)
		CTL.err = strdup("");
	return (CTL.rc);
}

/* argv = pmtree [-S sock] ARG... */
static void
ctl_argv(const char **argv, bool with_sock, const char *arg, va_list ap)
{
	const char *bin = getenv("PMTREE_BIN");
	int n = 0;

	ck_assert_msg(bin != NULL, "PMTREE_BIN is not set");
	argv[n++] = bin;
	if (with_sock) {
		argv[n++] = "-S";
		argv[n++] = ctl_sock();
	}
	for (; arg != NULL; arg = va_arg(ap, const char *)) {
		ck_assert_msg(n < CTL_MAXARGS - 1, "too many arguments");
		argv[n++] = arg;
	}
	argv[n] = NULL;
}

int
ctl(const char *arg, ...)
{
	const char *argv[CTL_MAXARGS];
	va_list ap;

	va_start(ap, arg);
	ctl_argv(argv, true, arg, ap);
	va_end(ap);
	return (ctl_exec(NULL, argv));
}

int
ctl_env(const char *const *env, const char *arg, ...)
{
	const char *argv[CTL_MAXARGS];
	va_list ap;

	va_start(ap, arg);
	ctl_argv(argv, false, arg, ap);
	va_end(ap);
	return (ctl_exec(env, argv));
}

void
ctl_bg(struct ctlrun *r, const char *arg, ...)
{
	const char *argv[CTL_MAXARGS];
	va_list ap;

	va_start(ap, arg);
	ctl_argv(argv, true, arg, ap);
	va_end(ap);
	ctl_start(r, NULL, argv);
}

/* --- raw connections ---------------------------------------------------- */

void
ctl_open(struct ctlconn *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	if (path == NULL)
		path = ctl_sock();
	ck_assert_msg(strlen(path) < sizeof(sun.sun_path), "path too long");
	strcpy(sun.sun_path, path);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		ck_abort_msg("socket: %s", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		ck_abort_msg("connect %s: %s", path, strerror(errno));
}

void
ctl_close(struct ctlconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}

bool
ctl_send(struct ctlconn *c, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (false);
		s += n;
		len -= (size_t)n;
	}
	return (true);
}

/* Reads what is there into the buffer: 1 data, 0 EOF/error, -1 timeout. */
static int
ctl_fill(struct ctlconn *c, uint64_t deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	uint64_t now = h_now_ms();
	ssize_t n;
	int r;

	if (now >= deadline)
		return (-1);
	r = poll(&pfd, 1, (int)(deadline - now));
	if (r < 0 && errno == EINTR)
		return (1);
	if (r <= 0)
		return (r < 0 ? 0 : -1);
	if (c->cap - c->len < 4096) {
		c->cap = c->cap ? c->cap * 2 : 8192;
		if ((c->buf = realloc(c->buf, c->cap)) == NULL)
			ck_abort_msg("out of memory");
	}
	n = read(c->fd, c->buf + c->len, c->cap - c->len);
	if (n < 0 && errno == EINTR)
		return (1);
	if (n <= 0)
		return (0);
	c->len += (size_t)n;
	return (1);
}

char *
ctl_readline(struct ctlconn *c, int timeout_ms)
{
	uint64_t deadline = h_now_ms() + (uint64_t)timeout_ms;
	char *nl, *line;
	size_t n;

	for (;;) {
		if (c->len > 0 && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
			n = (size_t)(nl - c->buf);
			if ((line = malloc(n + 1)) == NULL)
				ck_abort_msg("out of memory");
			memcpy(line, c->buf, n);
			line[n] = '\0';
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return (line);
		}
		if (ctl_fill(c, deadline) <= 0)
			return (NULL);
	}
}

bool
ctl_wait_closed(struct ctlconn *c, int timeout_ms)
{
	uint64_t deadline = h_now_ms() + (uint64_t)timeout_ms;
	size_t before = c->len;
	int r;

	while ((r = ctl_fill(c, deadline)) == 1) {
		if (c->len != before)
			return (false);
	}
	return (r == 0);
}

json_t *
ctl_call(const char *request)
{
	struct ctlconn c;
	json_error_t err;
	json_t *rep;
	char *line;

	ctl_open(&c, NULL);
	ck_assert_msg(ctl_send(&c, request, strlen(request)) &&
	    ctl_send(&c, "\n", 1), "sending %s", request);
	line = ctl_readline(&c, H_DEADLINE_MS);
	ctl_close(&c);
	ck_assert_msg(line != NULL, "no reply to %s", request);
	rep = json_loads(line, 0, &err);
	ck_assert_msg(rep != NULL && json_is_object(rep),
	    "reply to %s is not a JSON object: %s", request, line);
	free(line);
	return (rep);
}

json_t *
ctl_status(void)
{
	json_t *rep = ctl_call("{\"cmd\":\"status\"}"), *st;

	ck_assert_msg(json_is_true(json_object_get(rep, "ok")),
	    "status failed");
	st = json_incref(json_object_get(rep, "status"));
	json_decref(rep);
	ck_assert_msg(json_is_object(st), "no status object");
	return (st);
}

static json_t *
ctl_find(json_t *n, const char *path)
{
	json_t *kids, *k, *r;
	size_t i;

	if (!json_is_object(n))
		return (NULL);
	if (json_is_string(json_object_get(n, "path")) &&
	    strcmp(json_string_value(json_object_get(n, "path")), path) == 0)
		return (n);
	kids = json_object_get(n, "children");
	json_array_foreach(kids, i, k) {
		if ((r = ctl_find(k, path)) != NULL)
			return (r);
	}
	return (NULL);
}

json_t *
ctl_node(json_t *st, const char *path)
{
	return (ctl_find(json_object_get(st, "tree"), path));
}

const char *
ctl_state_of(const char *path)
{
	static char state[32];
	json_t *st = ctl_status(), *n = ctl_node(st, path);
	const char *s = json_string_value(json_object_get(n, "state"));

	snprintf(state, sizeof(state), "%s", s != NULL ? s : "");
	json_decref(st);
	return (state);
}

pid_t
ctl_pid_of(const char *path)
{
	json_t *st = ctl_status(), *n = ctl_node(st, path);
	pid_t pid = (pid_t)json_integer_value(json_object_get(n, "pid"));

	json_decref(st);
	return (pid);
}

int
ctl_restarts_of(const char *path)
{
	json_t *st = ctl_status(), *n = ctl_node(st, path);
	int r = (int)json_integer_value(json_object_get(n, "restarts"));

	json_decref(st);
	return (r);
}

bool
ctl_is(const char *path, const char *state)
{
	return (strcmp(ctl_state_of(path), state) == 0);
}

bool
ctl_up(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;
	bool ok;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", ctl_sock());
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return (false);
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return (ok);
}

void
ctl_start_tree(void)
{
	h_start();
	h_assert(H_UNTIL(ctl_up() || h_done(&H.run)) && !H.run.done,
	    "the control socket did not come up");
}

bool
ctl_is_ready(const char *path)
{
	json_t *st = ctl_status(), *n = ctl_node(st, path);
	bool r;

	h_assert(n != NULL, "%s in status", path);
	r = json_is_true(json_object_get(n, "ready"));
	json_decref(st);
	return (r);
}

bool
ctl_running_anew(const char *path, pid_t old)
{
	json_t *st = ctl_status(), *n = ctl_node(st, path);
	pid_t pid = (pid_t)json_integer_value(json_object_get(n, "pid"));
	const char *s = json_string_value(json_object_get(n, "state"));
	bool r = s != NULL && strcmp(s, "running") == 0 && pid > 0 &&
	    pid != old && h_alive(pid);

	json_decref(st);
	return (r);
}

/* --- the starts file ---------------------------------------------------- */

static bool
ctl_start_is(const struct hstart *h, const char *path)
{
	char full[160];

	if (strcmp(h->name, path) == 0)
		return (true);
	snprintf(full, sizeof(full), "%s:%d", h->name, h->instance);
	return (strchr(h->name, ':') == NULL && strcmp(full, path) == 0);
}

static int
ctl_starts(const char *path, pid_t *last)
{
	static struct hstart v[1024];
	int n = h_read_starts(H.starts, v, 1024), i, k = 0;

	*last = 0;
	for (i = 0; i < n; i++) {
		if (ctl_start_is(&v[i], path)) {
			k++;
			*last = v[i].pid;
		}
	}
	return (k);
}

int
ctl_starts_of(const char *path)
{
	pid_t pid;

	return (ctl_starts(path, &pid));
}

pid_t
ctl_start_pid(const char *path)
{
	pid_t pid;

	(void)ctl_starts(path, &pid);
	return (pid);
}
