/*
 * The control plane (SPEC §5, doc/protocol.md): the socket (where, its
 * modes, its lock, who may connect), the framing (one JSON object a line,
 * 64 KiB at most, requests in order, garbage refused), how the client finds
 * a tree and what it says when it cannot, `status` in text and JSON, and
 * `pmtree run -d`.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"

static const char tree[] =
    "strategy: one_for_all\n"
    "intensity: 5\n"
    "period: 10s\n"
    "children:\n"
    "  - {name: q, cmd: @SLEEPER@}\n"
    "  - name: api\n"
    "    strategy: rest_for_one\n"
    "    intensity: 2\n"
    "    period: 4s\n"
    "    children:\n"
    "      - {name: db, cmd: @SLEEPER@}\n"
    "      - {name: web, cmd: @SLEEPER@, instances: 2}\n"
    "      - name: inner\n"
    "        children:\n"
    "          - {name: db, cmd: @SLEEPER@}\n"
    "  - {name: z, cmd: @SLEEPER@}\n";

#define NWORKERS 6

/* Every node of `tree` in start order: path, name shown, type. */
static const struct {
	const char	*path;
	const char	*name;
	bool		 worker;
} nodes[] = {
	{ "", "t", false },
	{ "q", "q", true },
	{ "api", "api", false },
	{ "api/db", "db", true },
	{ "api/web:0", "web:0", true },
	{ "api/web:1", "web:1", true },
	{ "api/inner", "inner", false },
	{ "api/inner/db", "db", true },
	{ "z", "z", true },
};
#define NNODES (sizeof(nodes) / sizeof(nodes[0]))

static const char bad_request[] =
    "{\"ok\":false,\"error\":\"bad request\",\"exit\":2}";

static void
up(void)
{
	h_yaml(tree);
	h_start_up(NWORKERS);
}

/* Splits S into at most MAX lines, in place; how many. */
static int
split_lines(char *s, char **v, int max)
{
	int n = 0;
	char *nl;

	while (*s != '\0' && n < max) {
		v[n++] = s;
		if ((nl = strchr(s, '\n')) == NULL)
			break;
		*nl = '\0';
		s = nl + 1;
	}
	return (n);
}

/* The first word of a text status line (a node's name). */
static const char *
first_word(const char *line, char *buf, size_t len)
{
	size_t k;

	while (*line == ' ')
		line++;
	for (k = 0; k + 1 < len && line[k] != '\0' && line[k] != ' '; k++)
		buf[k] = line[k];
	buf[k] = '\0';
	return (buf);
}

/* --- the socket --------------------------------------------------------- */

START_TEST(socket_modes_and_lock)
{
	char path[PATH_MAX + 16], buf[32];
	struct stat sb;
	int fd;

	up();
	snprintf(path, sizeof(path), "%s/run", H.dir);
	h_assert(stat(path, &sb) == 0 && S_ISDIR(sb.st_mode), "run folder");
	h_assert((sb.st_mode & 07777) == 0700, "folder mode %o, want 700",
	    (unsigned)(sb.st_mode & 07777));
	h_assert(stat(ctl_sock(), &sb) == 0 && S_ISSOCK(sb.st_mode), "socket");
	h_assert((sb.st_mode & 07777) == 0600, "socket mode %o, want 600",
	    (unsigned)(sb.st_mode & 07777));
	snprintf(path, sizeof(path), "%s.lock", ctl_sock());
	h_assert(stat(path, &sb) == 0 && S_ISREG(sb.st_mode), "lock file");
	h_assert((sb.st_mode & 07777) == 0600, "lock mode %o, want 600",
	    (unsigned)(sb.st_mode & 07777));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	h_assert(fd >= 0, "open the lock");
	h_assert(flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK,
	    "the lock is held while the tree runs");
	memset(buf, 0, sizeof(buf));
	h_assert(read(fd, buf, sizeof(buf) - 1) > 0 &&
	    atoi(buf) == (int)H.run.pid, "the lock holds the root's pid: %s",
	    buf);
	close(fd);
	/* A graceful stop removes the socket (and frees the lock). */
	h_assert(ctl("shutdown", NULL) == 0, "shutdown: %s", CTL.err);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	h_assert(access(ctl_sock(), F_OK) < 0, "socket removed");
}
END_TEST

/* Not a JSON object with a string "cmd": one `bad request` reply, closed. */
START_TEST(garbage_is_refused_and_closed)
{
	static const char *garbage[] = {
		"hello\n",
		"{\"cmd\":\"status\"\n",
		"[\"status\"]\n",
		"\"status\"\n",
		"{\"cmd\":5}\n",
		"{\"target\":\"q\"}\n",
		"{\"cmd\":\"status\",\"cmd\":\"stop\"}\n",
		"\x01\x02\xff\xfe\n",
	};
	struct ctlconn c;
	pid_t q;
	size_t i;
	char *line;
	json_t *st;

	up();
	q = ctl_pid_of("q");
	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		ctl_open(&c, NULL);
		h_assert(ctl_send(&c, garbage[i], strlen(garbage[i])),
		    "send %zu", i);
		line = ctl_readline(&c, 5000);
		h_assert(line != NULL && strcmp(line, bad_request) == 0,
		    "garbage %zu: reply '%s'", i, line ? line : "(none)");
		free(line);
		h_assert(ctl_wait_closed(&c, 5000), "garbage %zu: closed", i);
		ctl_close(&c);
	}
	/* The tree did not notice. */
	st = ctl_status();
	h_assert(json_integer_value(json_object_get(st, "pid")) == H.run.pid,
	    "status answers");
	json_decref(st);
	h_assert(ctl("status", NULL) == 0, "pmtree status: %s", CTL.err);
	h_assert(ctl_pid_of("q") == q && h_alive(q), "q untouched");
	h_assert(h_lines(H.starts) == NWORKERS, "nothing restarted");
	h_assert(!h_done(&H.run), "the root runs on");
}
END_TEST

/* A well-formed request the root does not know: an error, and it reads on. */
START_TEST(unknown_command_keeps_the_connection)
{
	static const char reqs[] =
	    "{\"cmd\":\"bogus\"}\n"
	    "{\"cmd\":\"stop\"}\n"
	    "{\"cmd\":\"restart\",\"target\":\"\"}\n"
	    "{\"cmd\":\"signal\",\"target\":\"q\",\"signal\":\"NOPE\"}\n"
	    "{\"cmd\":\"status\"}\n";
	static const char *want[] = {
		"{\"ok\":false,\"error\":\"unknown command: bogus\",\"exit\":2}",
		"{\"ok\":false,\"error\":\"stop: missing TARGET\",\"exit\":2}",
		"{\"ok\":false,\"error\":\"restart: missing TARGET\",\"exit\":2}",
	};
	struct ctlconn c;
	json_t *rep;
	size_t i;
	char *line;

	up();
	ctl_open(&c, NULL);
	h_assert(ctl_send(&c, reqs, sizeof(reqs) - 1), "send");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		line = ctl_readline(&c, 5000);
		h_assert(line != NULL && strcmp(line, want[i]) == 0,
		    "reply %zu: '%s', want '%s'", i, line ? line : "(none)",
		    want[i]);
		free(line);
	}
	line = ctl_readline(&c, 5000);
	rep = line != NULL ? json_loads(line, 0, NULL) : NULL;
	h_assert(rep != NULL && json_is_false(json_object_get(rep, "ok")) &&
	    json_integer_value(json_object_get(rep, "exit")) == 2,
	    "bad signal name: exit 2: %s", line ? line : "(none)");
	json_decref(rep);
	free(line);
	line = ctl_readline(&c, 5000);
	rep = line != NULL ? json_loads(line, 0, NULL) : NULL;
	h_assert(rep != NULL && json_is_true(json_object_get(rep, "ok")) &&
	    json_is_object(json_object_get(rep, "status")),
	    "status still answered on the same connection");
	json_decref(rep);
	free(line);
	ctl_close(&c);
}
END_TEST

/* A request line of more than 64 KiB is refused; one just under is served. */
START_TEST(line_over_64k_is_dropped)
{
	static const char head[] = "{\"cmd\":\"status\",\"pad\":\"";
	static const char tail[] = "\"}\n";
	size_t big = 70 * 1024, small = 60 * 1024;
	struct ctlconn c;
	char *req, *line;
	json_t *rep;

	up();
	req = malloc(big + 64);
	ck_assert(req != NULL);
	/* Just under: answered. */
	memcpy(req, head, sizeof(head) - 1);
	memset(req + sizeof(head) - 1, 'x', small);
	memcpy(req + sizeof(head) - 1 + small, tail, sizeof(tail));
	ctl_open(&c, NULL);
	h_assert(ctl_send(&c, req, strlen(req)), "send 60 KiB");
	line = ctl_readline(&c, 5000);
	rep = line != NULL ? json_loads(line, 0, NULL) : NULL;
	h_assert(rep != NULL && json_is_true(json_object_get(rep, "ok")),
	    "a 60 KiB request is served");
	json_decref(rep);
	free(line);
	ctl_close(&c);
	/* Over, with its newline: bad request, closed. */
	memset(req + sizeof(head) - 1, 'x', big);
	memcpy(req + sizeof(head) - 1 + big, tail, sizeof(tail));
	ctl_open(&c, NULL);
	(void)ctl_send(&c, req, strlen(req));
	line = ctl_readline(&c, 5000);
	h_assert(line == NULL || strcmp(line, bad_request) == 0,
	    "a 70 KiB request is not served: '%.200s'", line);
	free(line);
	h_assert(ctl_wait_closed(&c, 5000), "closed after a 70 KiB line");
	ctl_close(&c);
	/* Over, and no newline ever: dropped without waiting for one. */
	memset(req, 'y', big);
	ctl_open(&c, NULL);
	(void)ctl_send(&c, req, big);
	line = ctl_readline(&c, 5000);
	h_assert(line == NULL || strcmp(line, bad_request) == 0,
	    "an endless line is not served: '%.200s'", line);
	free(line);
	h_assert(ctl_wait_closed(&c, 5000), "closed after 70 KiB, no newline");
	ctl_close(&c);
	free(req);
	h_assert(ctl("status", NULL) == 0, "status after: %s", CTL.err);
}
END_TEST

/* Clients that connect and stall (mid-line, or silent) block nobody. */
START_TEST(stalled_clients_block_nobody)
{
	static const char part[] = "{\"cmd\":\"sta";
	struct ctlconn a, b;
	uint64_t t0;
	char *line;
	json_t *rep;
	pid_t q;

	up();
	q = ctl_pid_of("q");
	ctl_open(&a, NULL);
	ctl_open(&b, NULL);
	h_assert(ctl_send(&a, part, sizeof(part) - 1), "half a line");
	t0 = h_now_ms();
	h_assert(ctl("status", NULL) == 0, "status: %s", CTL.err);
	h_assert(ctl("stop", "q", NULL) == 0, "stop: %s", CTL.err);
	h_assert(ctl("start", "q", NULL) == 0, "start: %s", CTL.err);
	h_assert(h_now_ms() - t0 < 3000, "served at once (%llu ms)",
	    (unsigned long long)(h_now_ms() - t0));
	h_assert(ctl_running_anew("q", q), "q restarted by the commands");
	/* The stalled one finishes its line: it is answered too. */
	h_assert(ctl_send(&a, "tus\"}\n", 6), "rest of the line");
	line = ctl_readline(&a, 5000);
	rep = line != NULL ? json_loads(line, 0, NULL) : NULL;
	h_assert(rep != NULL && json_is_true(json_object_get(rep, "ok")),
	    "the completed line is answered");
	json_decref(rep);
	free(line);
	ctl_close(&a);
	ctl_close(&b);
}
END_TEST

/* Several requests in one write: one reply each, in order. */
START_TEST(requests_in_order_on_one_connection)
{
	static const char reqs[] =
	    "{\"cmd\":\"status\",\"target\":\"q\"}\n"
	    "{\"cmd\":\"stop\",\"target\":\"q\"}\n"
	    "{\"cmd\":\"status\",\"target\":\"q\"}\n"
	    "{\"cmd\":\"start\",\"target\":\"q\"}\n"
	    "{\"cmd\":\"status\",\"target\":\"q\"}\n";
	static const char *want[] = { "running", "stop", "stopped", "start",
	    "running" };
	struct ctlconn c;
	json_t *rep, *n;
	const char *got;
	char *line;
	size_t i;

	up();
	ctl_open(&c, NULL);
	h_assert(ctl_send(&c, reqs, sizeof(reqs) - 1), "send");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		line = ctl_readline(&c, 10000);
		h_assert(line != NULL, "reply %zu", i);
		rep = json_loads(line, 0, NULL);
		h_assert(rep != NULL && json_is_true(json_object_get(rep, "ok")),
		    "reply %zu ok: %s", i, line);
		if (i % 2 == 0) {
			n = ctl_node(json_object_get(rep, "status"), "q");
			got = json_string_value(json_object_get(n, "state"));
		} else
			got = json_string_value(json_object_get(rep, "message"));
		h_assert(got != NULL && strcmp(got, want[i]) == 0,
		    "reply %zu: '%s', want '%s'", i, got ? got : "(none)",
		    want[i]);
		json_decref(rep);
		free(line);
	}
	h_assert(ctl_readline(&c, 200) == NULL, "no more replies");
	ctl_close(&c);
}
END_TEST

/*
 * PROTOCOL GAP (meson test integration-control-spec-gaps; SPEC §5 does not
 * spell the framing out, doc/protocol.md does: one reply per request, in
 * order).  A client that writes several requests and then closes its
 * sending side (`printf ... | socat`, `nc -N`) loses every request queued
 * behind one still being answered: on EOF the root marks the connection
 * closing, answers the current request and frees the connection with the
 * rest unread.  Here `start q` is never run and q stays stopped.
 */
START_TEST(requests_after_eof_are_answered)
{
	static const char reqs[] =
	    "{\"cmd\":\"stop\",\"target\":\"q\"}\n"
	    "{\"cmd\":\"start\",\"target\":\"q\"}\n";
	struct ctlconn c;
	char *l1, *l2;

	up();
	ctl_open(&c, NULL);
	h_assert(ctl_send(&c, reqs, sizeof(reqs) - 1), "send");
	h_assert(shutdown(c.fd, SHUT_WR) == 0, "half-close");
	l1 = ctl_readline(&c, 10000);
	l2 = ctl_readline(&c, 10000);
	h_assert(l1 != NULL && strstr(l1, "\"stop\"") != NULL, "stop answered");
	h_assert(l2 != NULL && strstr(l2, "\"start\"") != NULL,
	    "start answered after the client's EOF (got %s)", l2 ? l2 : "EOF");
	free(l1);
	free(l2);
	ctl_close(&c);
	h_assert(ctl_is("q", "running"), "q started again");
}
END_TEST

/*
 * Another uid: one error line that says why, then closed (SO_PEERCRED);
 * the request is never read.  The modes are opened up first, so that only
 * pmtree's own check stands in the way.
 */
static int
connect_as_nobody(void)
{
	static const char req[] = "{\"cmd\":\"status\"}\n";
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[512];
	ssize_t n;
	size_t got = 0;
	pid_t pid;
	int fd, st;

	if ((pid = fork()) < 0)
		return (-1);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(10);
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", ctl_sock());
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sun,
		    sizeof(sun)) < 0)
			_exit(11);
		(void)send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
		alarm(5);
		while (got < sizeof(buf) - 1 &&
		    (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
			got += (size_t)n;
		buf[got] = '\0';
		_exit(strncmp(buf, "{\"ok\":false,\"error\":\"permission denied:",
		    39) == 0 && strstr(buf, "\"status\"") == NULL &&
		    strchr(buf, '\n') == buf + got - 1 ? 0 : 12);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return (-1);
	return (WEXITSTATUS(st));
}

START_TEST(other_uid_is_refused)
{
	char path[PATH_MAX + 16];
	const char *argv[] = { "setpriv", "--reuid=nobody", "--regid=nogroup",
	    "--clear-groups", getenv("PMTREE_BIN"), "-S", ctl_sock(), "status",
	    NULL };
	const char *ver[] = { "setpriv", "--version", NULL };
	int rc, k;

	if (getuid() != 0) {
		fprintf(stderr, "other_uid_is_refused: skipped (not root)\n");
		return;
	}
	up();
	snprintf(path, sizeof(path), "%s/run", H.dir);
	h_assert(chmod(H.dir, 0711) == 0 && chmod(path, 0711) == 0 &&
	    chmod(ctl_sock(), 0666) == 0, "chmod");
	rc = connect_as_nobody();
	h_assert(rc == 0, "nobody: not one 'permission denied' line then EOF "
	    "(child status %d)", rc);
	if (ctl_exec(NULL, ver) == 0) {
		/* 20 tries: the root's close may come before or after the write. */
		for (k = 0; k < 20; k++) {
			rc = ctl_exec(NULL, argv);
			h_assert(rc == 1 && *CTL.out == '\0' &&
			    strstr(CTL.err, "permission denied: only uid") != NULL,
			    "setpriv nobody: exit %d (141: SIGPIPE), stdout '%s', "
			    "stderr '%s'", rc, CTL.out, CTL.err);
		}
	} else
		fprintf(stderr, "other_uid_is_refused: no setpriv, "
		    "raw check only\n");
	/* Root (our uid) is still served, and nothing changed. */
	h_assert(ctl("status", NULL) == 0, "status: %s", CTL.err);
	h_assert(h_lines(H.starts) == NWORKERS, "nothing restarted");
}
END_TEST

/* --- the client: bad arguments, no tree, discovery ------------------------ */

START_TEST(no_such_child)
{
	static const char *cmds[] = { "stop", "start", "restart", "status",
	    "logs" };
	static const char *targets[] = { "nope", "api/nope", "api/web:7",
	    "api/web:x", "q:1", "inner/db", "api/", "nope:0" };
	char want[128];
	size_t i, k;

	up();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		for (k = 0; k < sizeof(targets) / sizeof(targets[0]); k++) {
			snprintf(want, sizeof(want), "pmtree: no such child: %s\n",
			    targets[k]);
			h_assert(ctl(cmds[i], targets[k], NULL) == 1 &&
			    strcmp(CTL.err, want) == 0 && *CTL.out == '\0',
			    "%s %s: exit %d, stderr '%s'", cmds[i], targets[k],
			    CTL.rc, CTL.err);
		}
	}
	h_assert(ctl("signal", "nope", "USR1", NULL) == 1 &&
	    strcmp(CTL.err, "pmtree: no such child: nope\n") == 0,
	    "signal nope: exit %d, stderr '%s'", CTL.rc, CTL.err);
	h_assert(h_lines(H.starts) == NWORKERS, "nothing happened");
}
END_TEST

/* A missing argument is a usage error found before any tree is contacted. */
START_TEST(missing_argument_is_usage)
{
	static const char *const cmds[][3] = {
		{ "stop" }, { "start" }, { "restart" }, { "signal" },
		{ "signal", "q" }, { "stop", "a", "b" },
	};
	char sock[PATH_MAX + 16];
	const char *argv[8];
	size_t i, k, n;

	snprintf(sock, sizeof(sock), "%s/none.sock", H.dir);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		n = 0;
		argv[n++] = getenv("PMTREE_BIN");
		argv[n++] = "-S";
		argv[n++] = sock;
		for (k = 0; k < 3 && cmds[i][k] != NULL; k++)
			argv[n++] = cmds[i][k];
		argv[n] = NULL;
		h_assert(ctl_exec(NULL, argv) == 2, "%s: exit %d, want 2",
		    cmds[i][0], CTL.rc);
		h_assert(strstr(CTL.err, "argument") != NULL &&
		    strstr(CTL.err, "usage: pmtree") != NULL,
		    "%s: stderr '%s'", cmds[i][0], CTL.err);
		h_assert(strstr(CTL.err, "no tree running") == NULL,
		    "%s: the tree was contacted", cmds[i][0]);
	}
}
END_TEST

START_TEST(not_running)
{
	static const char *const cmds[][3] = {
		{ "status" }, { "stop", "q" }, { "signal", "q", "USR1" },
		{ "shutdown" },
	};
	char sock[PATH_MAX + 16], want[PATH_MAX + 64];
	const char *argv[8];
	size_t i, k, n;

	snprintf(sock, sizeof(sock), "%s/x.sock", H.dir);
	snprintf(want, sizeof(want), "pmtree: no tree running at %s\n", sock);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		n = 0;
		argv[n++] = getenv("PMTREE_BIN");
		argv[n++] = "-S";
		argv[n++] = sock;
		for (k = 0; k < 3 && cmds[i][k] != NULL; k++)
			argv[n++] = cmds[i][k];
		argv[n] = NULL;
		h_assert(ctl_exec(NULL, argv) == 1 && strcmp(CTL.err, want) == 0,
		    "%s: exit %d, stderr '%s'", cmds[i][0], CTL.rc, CTL.err);
	}
	/* A socket left behind by a SIGKILLed root: not running either. */
	up();
	h_signal(SIGKILL);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 128 + SIGKILL, "killed");
	h_assert(access(ctl_sock(), F_OK) == 0, "the socket file stays");
	snprintf(want, sizeof(want), "pmtree: no tree running at %s\n",
	    ctl_sock());
	h_assert(ctl("status", NULL) == 1 && strcmp(CTL.err, want) == 0,
	    "stale socket: exit %d, stderr '%s'", CTL.rc, CTL.err);
}
END_TEST

/* No -S, no PMTREE_SOCKET, nothing live in the run folder. */
START_TEST(discovery_finds_nothing)
{
	char xdg[PATH_MAX + 16], env[PATH_MAX + 32], want[PATH_MAX + 64];
	const char *envv[] = { env, NULL };

	snprintf(xdg, sizeof(xdg), "%s/xdg", H.dir);
	ck_assert(mkdir(xdg, 0700) == 0);
	snprintf(env, sizeof(env), "XDG_RUNTIME_DIR=%s", xdg);
	snprintf(want, sizeof(want), "pmtree: no tree running at %s/pmtree\n",
	    xdg);
	h_assert(ctl_env(envv, "status", NULL) == 1 &&
	    strcmp(CTL.err, want) == 0, "no run folder: exit %d, stderr '%s'",
	    CTL.rc, CTL.err);
	/* The folder, with a plain file named like a socket in it. */
	snprintf(want, sizeof(want), "%s/pmtree", xdg);
	ck_assert(mkdir(want, 0700) == 0);
	h_write("xdg/pmtree/file.sock", "not a socket\n");
	snprintf(want, sizeof(want), "pmtree: no tree running at %s/pmtree\n",
	    xdg);
	h_assert(ctl_env(envv, "stop", "q", NULL) == 1 &&
	    strcmp(CTL.err, want) == 0, "empty run folder: exit %d, stderr '%s'",
	    CTL.rc, CTL.err);
}
END_TEST

static const char plain_tree[] =
    "log: {dir: logs%s}\n"
    "children:\n"
    "  - {name: %s, cmd: @SLEEPER@}\n";

/* Trees without control.socket, in $XDG_RUNTIME_DIR/pmtree. */
START_TEST(discovery_one_then_two)
{
	char xdg[PATH_MAX + 16], env[PATH_MAX + 32], sock_t[PATH_MAX + 32],
	    sock_u[PATH_MAX + 32], path[PATH_MAX + 16], penv[PATH_MAX + 64];
	const char *envv[] = { env, NULL }, *penvv[] = { env, penv, NULL };
	struct hrun u;
	json_t *st;

	snprintf(xdg, sizeof(xdg), "%s/xdg", H.dir);
	ck_assert(mkdir(xdg, 0700) == 0);
	snprintf(env, sizeof(env), "XDG_RUNTIME_DIR=%s", xdg);
	ck_assert(setenv("XDG_RUNTIME_DIR", xdg, 1) == 0);	/* for `run` */
	snprintf(sock_t, sizeof(sock_t), "%s/pmtree/t.sock", xdg);
	snprintf(sock_u, sizeof(sock_u), "%s/pmtree/u.sock", xdg);
	h_write("t.yaml", plain_tree, "", "a");
	h_start_up(1);
	h_assert(access(sock_t, F_OK) == 0, "socket at %s", sock_t);
	h_assert(ctl_env(envv, "status", "--json", NULL) == 0,
	    "one tree: exit %d, stderr '%s'", CTL.rc, CTL.err);
	st = json_loads(CTL.out, 0, NULL);
	h_assert(st != NULL && strcmp(json_string_value(json_object_get(st,
	    "name")), "t") == 0, "found t");
	json_decref(st);
	/* A second live tree: the client will not guess. */
	h_write("u.yaml", plain_tree, "-u", "b");
	snprintf(path, sizeof(path), "%s/u.yaml", H.dir);
	h_spawn(&u, "u", path);
	h_wait_starts(2);
	h_assert(H_UNTIL(access(sock_u, F_OK) == 0), "socket at %s", sock_u);
	h_assert(ctl_env(envv, "status", NULL) == 2,
	    "two trees: exit %d, want 2", CTL.rc);
	h_assert(strstr(CTL.err, sock_t) != NULL &&
	    strstr(CTL.err, sock_u) != NULL, "both listed: '%s'", CTL.err);
	h_assert(*CTL.out == '\0', "no status printed");
	/* PMTREE_SOCKET and -S choose. */
	snprintf(penv, sizeof(penv), "PMTREE_SOCKET=%s", sock_u);
	h_assert(ctl_env(penvv, "status", "--json", NULL) == 0 &&
	    strstr(CTL.out, "\"name\":\"u\"") != NULL, "PMTREE_SOCKET: %s",
	    CTL.err);
	h_assert(ctl_env(envv, "-S", sock_t, "status", "--json", NULL) == 0 &&
	    strstr(CTL.out, "\"name\":\"t\"") != NULL, "-S: %s", CTL.err);
	(void)h_kill(u.pid, SIGTERM);
	h_assert(h_wait_exit(&u, H_DEADLINE_MS) == 0, "u exits 0");
	/* One left: found again. */
	h_assert(ctl_env(envv, "status", "--json", NULL) == 0 &&
	    strstr(CTL.out, "\"name\":\"t\"") != NULL, "one again: %s",
	    CTL.err);
}
END_TEST

/* --- status ------------------------------------------------------------- */

START_TEST(status_text_without_tty)
{
	static const char *headers[] = { "NAME", "STATE", "PID", "UPTIME",
	    "RESTARTS", "MEM", "CPU", "READY", "LAST EXIT" };
	char *lines[64], word[64];
	const char *at, *prev;
	json_t *st, *n;
	int nl;
	size_t i;

	up();
	h_assert(ctl("status", NULL) == 0, "status: %s", CTL.err);
	h_assert(strchr(CTL.out, '\033') == NULL, "no escape codes");
	h_assert(strstr(CTL.out, "\xe2\x94") == NULL, "no box drawing");
	for (at = CTL.out; *at != '\0'; at++)
		h_assert((unsigned char)*at < 0x80, "ASCII only");
	st = ctl_status();
	nl = split_lines(CTL.out, lines, 64);
	h_assert(nl == (int)NNODES + 1, "%d lines, want header + %zu nodes",
	    nl, NNODES);
	prev = lines[0];
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		at = strstr(prev, headers[i]);
		h_assert(at != NULL, "header %s in order: '%s'", headers[i],
		    lines[0]);
		prev = at + strlen(headers[i]);
	}
	h_assert(strncmp(lines[0], "NAME", 4) == 0, "header first");
	for (i = 0; i < NNODES; i++) {
		char pid[32];

		h_assert(strcmp(first_word(lines[i + 1], word, sizeof(word)),
		    nodes[i].name) == 0, "line %zu is %s: '%s'", i + 1,
		    nodes[i].name, lines[i + 1]);
		h_assert(strstr(lines[i + 1], " running ") != NULL,
		    "%s running: '%s'", nodes[i].path, lines[i + 1]);
		n = ctl_node(st, nodes[i].path);
		snprintf(pid, sizeof(pid), " %lld ",
		    (long long)json_integer_value(json_object_get(n, "pid")));
		h_assert(strstr(lines[i + 1], pid) != NULL, "%s pid%s: '%s'",
		    nodes[i].path, pid, lines[i + 1]);
	}
	/* Indentation shows the depth. */
	h_assert(strncmp(lines[8], "      db", 8) == 0, "depth: '%s'", lines[8]);
	json_decref(st);
}
END_TEST

/* With a TTY: colors and tree-drawing characters. */
START_TEST(status_text_with_tty)
{
	char buf[16384];
	size_t len = 0;
	ssize_t n;
	pid_t pid;
	int fd, st;

	up();
	fflush(stdout);
	fflush(stderr);
	pid = forkpty(&fd, NULL, NULL, NULL);
	ck_assert_msg(pid >= 0, "forkpty: %s", strerror(errno));
	if (pid == 0) {
		execl(getenv("PMTREE_BIN"), "pmtree", "-S", ctl_sock(),
		    "status", (char *)NULL);
		_exit(127);
	}
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	h_assert(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "status on a tty exits 0");
	h_assert(strstr(buf, "\033[32mrunning\033[0m") != NULL,
	    "running in green: '%s'", buf);
	h_assert(strstr(buf, "\xe2\x94\x94\xe2\x94\x80 ") != NULL &&
	    strstr(buf, "\xe2\x94\x9c\xe2\x94\x80 ") != NULL,
	    "tree-drawing characters: '%s'", buf);
}
END_TEST

/* The names listed by `pmtree status TARGET`, as one string. */
static const char *
status_names(const char *target)
{
	static char names[512];
	char *lines[64], word[64];
	int n, i;

	names[0] = '\0';
	h_assert(ctl("status", target, NULL) == 0, "status %s: %s", target,
	    CTL.err);
	n = split_lines(CTL.out, lines, 64);
	for (i = 1; i < n; i++) {
		strncat(names, first_word(lines[i], word, sizeof(word)),
		    sizeof(names) - strlen(names) - 2);
		strcat(names, " ");
	}
	return (names);
}

START_TEST(status_target_shows_subtree)
{
	json_t *st, *api, *kids;
	const char *s;

	up();
	s = status_names("api/web");
	h_assert(strcmp(s, "t api web:0 web:1 ") == 0, "api/web: '%s'", s);
	s = status_names("api/web:1");
	h_assert(strcmp(s, "t api web:1 ") == 0, "api/web:1: '%s'", s);
	s = status_names("inner");
	h_assert(strcmp(s, "t api inner db ") == 0, "inner: '%s'", s);
	s = status_names("api");
	h_assert(strcmp(s, "t api db web:0 web:1 inner db ") == 0, "api: '%s'",
	    s);
	s = status_names("db");
	h_assert(strcmp(s, "t api db inner db ") == 0, "db: '%s'", s);
	s = status_names("z");
	h_assert(strcmp(s, "t z ") == 0, "z: '%s'", s);
	/* The same in JSON. */
	h_assert(ctl("status", "web:1", "--json", NULL) == 0, "json: %s",
	    CTL.err);
	st = json_loads(CTL.out, 0, NULL);
	h_assert(st != NULL, "JSON: %s", CTL.out);
	kids = json_object_get(json_object_get(st, "tree"), "children");
	h_assert(json_array_size(kids) == 1, "root lists only api");
	api = json_array_get(kids, 0);
	h_assert(strcmp(json_string_value(json_object_get(api, "path")),
	    "api") == 0, "api");
	kids = json_object_get(api, "children");
	h_assert(json_array_size(kids) == 1 && strcmp(json_string_value(
	    json_object_get(json_array_get(kids, 0), "path")),
	    "api/web:1") == 0, "api lists only web:1");
	json_decref(st);
}
END_TEST

/* OBJ has exactly the keys KEYS (NULL-terminated). */
static void
expect_keys(json_t *obj, const char *what, const char *const *keys)
{
	size_t n = 0;

	h_assert(json_is_object(obj), "%s is an object", what);
	for (; keys[n] != NULL; n++)
		h_assert(json_object_get(obj, keys[n]) != NULL, "%s has %s",
		    what, keys[n]);
	h_assert(json_object_size(obj) == n, "%s has %zu keys, want %zu",
	    what, json_object_size(obj), n);
}

static const char *const sup_keys[] = { "name", "path", "type", "pid",
    "state", "strategy", "intensity", "period_ms", "restarts", "children",
    NULL };
static const char *const worker_keys[] = { "name", "path", "type",
    "instance", "pid", "state", "waiting_for", "ready", "uptime_ms", "restarts", "last_exit",
    "next_restart_ms", "rss_bytes", "cpu_percent", "status_text", "metrics",
    NULL };

static void
expect_str(json_t *o, const char *key, const char *want, const char *what)
{
	const char *s = json_string_value(json_object_get(o, key));

	h_assert(s != NULL && strcmp(s, want) == 0, "%s.%s = '%s', want '%s'",
	    what, key, s ? s : "(not a string)", want);
}

static void
expect_int(json_t *o, const char *key, long long want, const char *what)
{
	json_t *v = json_object_get(o, key);

	h_assert(json_is_integer(v) && json_integer_value(v) == want,
	    "%s.%s = %lld, want %lld", what, key,
	    (long long)json_integer_value(v), want);
}

static void
expect_null(json_t *o, const char *key, const char *what)
{
	h_assert(json_is_null(json_object_get(o, key)), "%s.%s is null", what,
	    key);
}

/* A running worker, as status --json shows it. */
static void
expect_running_worker(json_t *w, const char *path, const char *name,
    int instance)
{
	json_t *v;

	expect_keys(w, path, worker_keys);
	expect_str(w, "name", name, path);
	expect_str(w, "path", path, path);
	expect_str(w, "type", "worker", path);
	expect_int(w, "instance", instance, path);
	expect_int(w, "pid", ctl_start_pid(path), path);
	expect_str(w, "state", "running", path);
	h_assert(json_is_true(json_object_get(w, "ready")), "%s ready", path);
	v = json_object_get(w, "uptime_ms");
	h_assert(json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) < 60000, "%s uptime_ms", path);
	expect_int(w, "restarts", 0, path);
	expect_null(w, "last_exit", path);
	expect_null(w, "next_restart_ms", path);
	v = json_object_get(w, "rss_bytes");
	h_assert(json_is_integer(v) && json_integer_value(v) > 0,
	    "%s rss_bytes", path);
	v = json_object_get(w, "cpu_percent");
	h_assert(json_is_number(v) && json_number_value(v) >= 0,
	    "%s cpu_percent", path);
	expect_null(w, "status_text", path);
	v = json_object_get(w, "metrics");
	h_assert(json_is_object(v) && json_object_size(v) == 0,
	    "%s metrics {}", path);
}

static void
expect_group(json_t *g, const char *path, const char *name, pid_t pid,
    const char *strategy, int intensity, int period_ms, size_t nkids)
{
	expect_keys(g, path[0] ? path : "tree", sup_keys);
	expect_str(g, "name", name, path);
	expect_str(g, "path", path, path);
	expect_str(g, "type", "supervisor", path);
	expect_int(g, "pid", pid, path);
	expect_str(g, "state", "running", path);
	expect_str(g, "strategy", strategy, path);
	expect_int(g, "intensity", intensity, path);
	expect_int(g, "period_ms", period_ms, path);
	expect_int(g, "restarts", 0, path);
	h_assert(json_array_size(json_object_get(g, "children")) == nkids,
	    "%s has %zu children", path, nkids);
}

static const char *const top_keys[] = { "name", "pid", "version",
    "uptime_ms", "notify_dropped", "log", "tree", NULL };
static const char *const log_keys[] = { "pid", "state", "restarts", "lines",
    "bytes", "errors", "last_error", NULL };

START_TEST(status_json_schema)
{
	json_t *st, *v, *tr, *api, *inner, *kids;
	pid_t gapi, ginner;
	char ver[64];

	up();
	gapi = h_find_title("pmtree: group api");
	ginner = h_find_title("pmtree: group api/inner");
	h_assert(gapi > 0 && ginner > 0, "group processes");
	h_assert(ctl("status", "--json", NULL) == 0, "status: %s", CTL.err);
	h_assert(strchr(CTL.out, '\n') == CTL.out + strlen(CTL.out) - 1,
	    "one line");
	st = json_loads(CTL.out, 0, NULL);
	h_assert(st != NULL, "one JSON object: %s", CTL.out);
	expect_keys(st, "status", top_keys);
	expect_str(st, "name", "t", "status");
	expect_int(st, "pid", H.run.pid, "status");
	h_assert(ctl("--version", NULL) == 0, "--version");
	snprintf(ver, sizeof(ver), "pmtree %s\n",
	    json_string_value(json_object_get(st, "version")));
	h_assert(strcmp(CTL.out, ver) == 0, "version '%s' matches --version",
	    ver);
	v = json_object_get(st, "uptime_ms");
	h_assert(json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) < 60000, "uptime_ms");
	v = json_object_get(st, "log");
	expect_keys(v, "log", log_keys);
	h_assert(json_is_integer(json_object_get(v, "pid")) &&
	    h_alive((pid_t)json_integer_value(json_object_get(v, "pid"))),
	    "log.pid alive");
	h_assert(h_find_title("pmtree: log t") ==
	    (pid_t)json_integer_value(json_object_get(v, "pid")),
	    "log.pid is the collector");
	expect_str(v, "state", "running", "log");
	expect_int(v, "restarts", 0, "log");
	expect_int(v, "errors", 0, "log");
	h_assert(json_is_integer(json_object_get(v, "lines")) &&
	    json_is_integer(json_object_get(v, "bytes")), "log counters");
	expect_null(v, "last_error", "log");

	tr = json_object_get(st, "tree");
	expect_group(tr, "", "t", H.run.pid, "one_for_all", 5, 10000, 3);
	kids = json_object_get(tr, "children");
	expect_running_worker(json_array_get(kids, 0), "q", "q", 0);
	api = json_array_get(kids, 1);
	expect_group(api, "api", "api", gapi, "rest_for_one", 2, 4000, 4);
	expect_running_worker(json_array_get(kids, 2), "z", "z", 0);
	kids = json_object_get(api, "children");
	expect_running_worker(json_array_get(kids, 0), "api/db", "db", 0);
	expect_running_worker(json_array_get(kids, 1), "api/web:0", "web:0", 0);
	expect_running_worker(json_array_get(kids, 2), "api/web:1", "web:1", 1);
	inner = json_array_get(kids, 3);
	expect_group(inner, "api/inner", "inner", ginner, "one_for_one", 3,
	    5000, 1);
	expect_running_worker(json_array_get(json_object_get(inner,
	    "children"), 0), "api/inner/db", "db", 0);
	json_decref(st);
}
END_TEST

/* last_exit, next_restart_ms and the nulls of a worker that does not run. */
START_TEST(status_json_exits_and_nulls)
{
	json_t *st, *n, *v;
	pid_t k;

	h_yaml("intensity: 10\n"
	    "children:\n"
	    "  - {name: e, cmd: @CRASHER@ --code 7, restart: temporary}\n"
	    "  - {name: b, cmd: @CRASHER@ --after 100 --code 3, "
	    "backoff: [20s]}\n"
	    "  - {name: k, cmd: @SLEEPER@}\n"
	    "  - {name: s, cmd: @SLEEPER@}\n");
	h_start_up(4);
	k = h_pid_of("k", 0);
	h_assert(h_kill(k, SIGKILL), "kill k");
	h_assert(ctl("stop", "s", NULL) == 0, "stop s: %s", CTL.err);
	h_assert(H_UNTIL(ctl_is("b", "backoff") && ctl_is("e", "exited") &&
	    ctl_running_anew("k", k)), "states");
	st = ctl_status();

	n = ctl_node(st, "e");
	expect_keys(n, "e", worker_keys);
	expect_str(n, "state", "exited", "e");
	v = json_object_get(n, "last_exit");
	h_assert(json_is_object(v) && json_object_size(v) == 1, "e last_exit");
	expect_int(v, "code", 7, "e.last_exit");
	expect_null(n, "pid", "e");
	expect_null(n, "uptime_ms", "e");
	expect_null(n, "next_restart_ms", "e");
	h_assert(json_is_false(json_object_get(n, "ready")), "e not ready");
	expect_null(n, "status_text", "e");
	h_assert(json_is_object(json_object_get(n, "metrics")), "e metrics");

	n = ctl_node(st, "b");
	expect_str(n, "state", "backoff", "b");
	v = json_object_get(n, "last_exit");
	h_assert(json_is_object(v) && json_object_size(v) == 1, "b last_exit");
	expect_int(v, "code", 3, "b.last_exit");
	expect_null(n, "pid", "b");
	expect_null(n, "uptime_ms", "b");
	v = json_object_get(n, "next_restart_ms");
	h_assert(json_is_integer(v) && json_integer_value(v) > 0 &&
	    json_integer_value(v) <= 20000, "b next_restart_ms = %lld",
	    (long long)json_integer_value(v));
	expect_int(n, "restarts", 1, "b");	/* decided: due in next_restart_ms */

	n = ctl_node(st, "k");
	expect_str(n, "state", "running", "k");
	v = json_object_get(n, "last_exit");
	h_assert(json_is_object(v) && json_object_size(v) == 1, "k last_exit");
	expect_str(v, "signal", "KILL", "k.last_exit");
	expect_int(n, "restarts", 1, "k");
	expect_null(n, "next_restart_ms", "k");

	n = ctl_node(st, "s");
	expect_str(n, "state", "stopped", "s");
	expect_null(n, "pid", "s");
	expect_null(n, "uptime_ms", "s");
	h_assert(json_is_false(json_object_get(n, "ready")), "s not ready");
	/* fx-sleeper exits 0 on TERM. */
	v = json_object_get(n, "last_exit");
	h_assert(json_is_object(v) && json_object_size(v) == 1, "s last_exit");
	expect_int(v, "code", 0, "s.last_exit");
	json_decref(st);
}
END_TEST

/*
 * Closed SPEC gap, now a regression test (meson test integration-control-spec-gaps).  SPEC §5: `pid` is
 * null "when it does not apply", and "Supervisors (root and groups) have
 * ... a pid".  A worker in `starting` has a process, and so does a group
 * still starting its children.  pmtree 0.1.0 reports the state change
 * before the fork (sv_report runs on the REPORT action queued ahead of
 * SPAWN, and nothing reports again once the pid is known), so both show
 * "pid": null until they are ready.  (`ready: notify` is not implemented
 * yet either, which keeps `slow` starting until its ready_timeout.)
 */
START_TEST(status_pid_while_starting)
{
	json_t *st, *n;
	pid_t slow, grp;

	h_yaml("children:\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - {name: slow, cmd: @SLEEPER@, ready: notify, "
	    "ready_timeout: 20s}\n");
	h_start();
	h_wait_starts(1);
	slow = h_pid_of("api/slow", 0);
	grp = h_find_title("pmtree: group api");
	h_assert(H_UNTIL(ctl_is("api/slow", "starting")), "slow is starting");
	st = ctl_status();
	n = ctl_node(st, "api/slow");
	h_assert(json_integer_value(json_object_get(n, "pid")) == slow,
	    "a starting worker shows its pid %d (got %s)", (int)slow,
	    json_is_null(json_object_get(n, "pid")) ? "null" : "another");
	n = ctl_node(st, "api");
	h_assert(json_integer_value(json_object_get(n, "pid")) == grp,
	    "a starting group shows its pid %d", (int)grp);
	json_decref(st);
}
END_TEST

/* --- run -d --------------------------------------------------------------- */

START_TEST(run_daemon)
{
	char needle[64], path[PATH_MAX + 16], *lock;
	json_t *st, *n;
	pid_t pid, w[NNODES];
	size_t i;

	h_yaml(tree);
	h_assert(ctl_env(NULL, "run", "-d", H.yaml, NULL) == 0,
	    "run -d: exit %d, stderr '%s'", CTL.rc, CTL.err);
	/* Up when it returns: no waiting here. */
	st = ctl_status();
	pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
	for (i = 0; i < NNODES; i++) {
		n = ctl_node(st, nodes[i].path);
		w[i] = (pid_t)json_integer_value(json_object_get(n, "pid"));
		h_assert(strcmp(json_string_value(json_object_get(n, "state")),
		    "running") == 0 && h_alive(w[i]), "%s is running",
		    nodes[i].path);
	}
	json_decref(st);
	h_assert(h_alive(pid) && pid != getpid(), "the daemon runs");
	h_assert(h_pgid(pid) == pid, "the daemon has its own session");
	h_assert(h_find_title("pmtree: root t") == pid,
	    "status shows the daemon's pid");
	snprintf(path, sizeof(path), "%s.lock", ctl_sock());
	lock = h_read(path);
	h_assert(lock != NULL && atoi(lock) == (int)pid, "lock holds %d",
	    (int)pid);
	free(lock);
	/* Its messages went to pmtree.log, not to the caller. */
	h_assert(*CTL.out == '\0' && *CTL.err == '\0',
	    "nothing on the caller's stdout/stderr: '%s' '%s'", CTL.out,
	    CTL.err);
	snprintf(needle, sizeof(needle), "starting tree t (pid %d)", (int)pid);
	h_assert(h_log_count(needle) == 1, "pmtree.log: %s", needle);
	h_assert(h_log_count("tree t is up") == 1, "pmtree.log: up");
	h_assert(h_log_count(" q started (pid") == 1, "pmtree.log: q");
	/* shutdown stops it. */
	h_assert(ctl("shutdown", NULL) == 0, "shutdown: %s", CTL.err);
	for (i = 0; i < NNODES; i++)
		h_assert(nodes[i].worker ? h_gone(w[i]) : true, "%s gone",
		    nodes[i].path);
	h_assert(H_UNTIL_MS(5000, h_gone(pid)), "the daemon is gone");
	h_assert(h_log_count("tree t stopped") == 1, "pmtree.log: stopped");
	h_assert(H_UNTIL_MS(5000, h_marked_alive() == 0), "nothing left");
}
END_TEST

START_TEST(run_daemon_config_error)
{
	char want[PATH_MAX + 32];

	h_yaml("children:\n"
	    "  - {name: q, cmd: @SLEEPER@, bogus: 1}\n");
	h_assert(ctl_env(NULL, "run", "-d", H.yaml, NULL) == 2,
	    "run -d: exit %d, want 2", CTL.rc);
	snprintf(want, sizeof(want), "%s:5:", H.yaml);
	h_assert(strstr(CTL.err, want) != NULL &&
	    strstr(CTL.err, "bogus") != NULL, "stderr: '%s'", CTL.err);
	h_assert(h_marked_alive() == 0, "nothing detached");
	h_assert(access(ctl_sock(), F_OK) < 0, "no socket");
	h_assert(h_lines(H.starts) == 0, "nothing started");
}
END_TEST

/* Another failure to start: said on stderr before detaching, exit 1. */
START_TEST(run_daemon_already_running)
{
	char want[64];

	up();
	h_assert(ctl_env(NULL, "run", "-d", H.yaml, NULL) == 1,
	    "run -d: exit %d, want 1", CTL.rc);
	snprintf(want, sizeof(want), "pmtree: already running (pid %d)\n",
	    (int)H.run.pid);
	h_assert(strcmp(CTL.err, want) == 0, "stderr: '%s'", CTL.err);
	h_assert(h_lines(H.starts) == NWORKERS, "nothing more started");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-control");
	TCase *tc = h_tcase("control"), *gaps;

	tcase_add_test(tc, socket_modes_and_lock);
	tcase_add_test(tc, garbage_is_refused_and_closed);
	tcase_add_test(tc, unknown_command_keeps_the_connection);
	tcase_add_test(tc, line_over_64k_is_dropped);
	tcase_add_test(tc, stalled_clients_block_nobody);
	tcase_add_test(tc, requests_in_order_on_one_connection);
	tcase_add_test(tc, other_uid_is_refused);
	tcase_add_test(tc, no_such_child);
	tcase_add_test(tc, missing_argument_is_usage);
	tcase_add_test(tc, not_running);
	tcase_add_test(tc, discovery_finds_nothing);
	tcase_add_test(tc, discovery_one_then_two);
	tcase_add_test(tc, status_text_without_tty);
	tcase_add_test(tc, status_text_with_tty);
	tcase_add_test(tc, status_target_shows_subtree);
	tcase_add_test(tc, status_json_schema);
	tcase_add_test(tc, status_json_exits_and_nulls);
	tcase_add_test(tc, run_daemon);
	tcase_add_test(tc, run_daemon_config_error);
	tcase_add_test(tc, run_daemon_already_running);
	suite_add_tcase(s, tc);
	gaps = h_tcase("spec_gaps");
	tcase_set_tags(gaps, "spec_gap");
	tcase_add_test(gaps, status_pid_while_starting);
	tcase_add_test(gaps, requests_after_eof_are_answered);
	suite_add_tcase(s, gaps);
	return (h_main(s));
}
