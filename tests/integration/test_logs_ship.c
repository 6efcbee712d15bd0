/*
 * What a log shipper reads (SPEC part two, changes to §4 and §5):
 * `pmtree logs --raw` (the workers' lines, byte for byte), `--json` (one
 * SPEC §4 record a line, from files of either format), `logs -f` ending
 * with the tree, and log.stdout's forms (true, false, raw, json) on
 * `pmtree run`'s stdout, a bad value, a reload that changes it.
 *
 * The lines a worker writes are in a file the test makes, bytes that are
 * not UTF-8, spaces and tabs included; `cat` writes them.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"

#define STAMP_LEN	27	/* 2026-11-22T10:17:25.123456Z */
#define NLINES		8	/* in DATA */

/* What the worker writes: one line per kind of trouble. */
static const char DATA[] =
	"plain line\n"
	"two  spaces\tand\ttabs \t \n"
	"not UTF-8: \xff\xfe, a cut \xe2\x82 sequence, \xc0\xaf overlong\n"
	"  leading spaces and an ending one \n"
	"\n"
	"quote \" backslash \\ control \x01 escape \x1b[0m\n"
	"UTF-8: \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82\n"
	"a last line, { \"like\": \"json\" }\n";

/* DATA as a JSON record's "line" decodes: each bad byte one U+FFFD. */
static const char DATA_JSON[] =
	"plain line\n"
	"two  spaces\tand\ttabs \t \n"
	"not UTF-8: \xef\xbf\xbd\xef\xbf\xbd, a cut \xef\xbf\xbd\xef\xbf\xbd"
	" sequence, \xef\xbf\xbd\xef\xbf\xbd overlong\n"
	"  leading spaces and an ending one \n"
	"\n"
	"quote \" backslash \\ control \x01 escape \x1b[0m\n"
	"UTF-8: \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82\n"
	"a last line, { \"like\": \"json\" }\n";

/* <dir>/REL, in one of a few static buffers. */
static const char *
at(const char *rel)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *b = bufs[next++ % 8];

	if ((size_t)snprintf(b, PATH_MAX, "%s/%s", H.dir, rel) >= PATH_MAX)
		ck_abort_msg("path too long");
	return (b);
}

/* S with every TOKEN made VAL (S is freed). */
static char *
subst(char *s, const char *token, const char *val)
{
	size_t tl = strlen(token), vl = strlen(val);
	char *a, *out;

	while ((a = strstr(s, token)) != NULL) {
		ck_assert((out = malloc(strlen(s) - tl + vl + 1)) != NULL);
		memcpy(out, s, (size_t)(a - s));
		memcpy(out + (a - s), val, vl);
		strcpy(out + (a - s) + vl, a + tl);
		free(s);
		s = out;
	}
	return (s);
}

/*
 * The tree file with LOG added to its log map (", stdout: raw"); @WRITER@
 * is fx-writer, @CAT@ a worker that writes DATA and stays.
 */
static void __attribute__((format(printf, 2, 3)))
tree(const char *log, const char *fmt, ...)
{
	const char *w = getenv("FX_WRITER");
	char cat[PATH_MAX * 2], *body;
	va_list ap;
	int fd;

	ck_assert_msg(w != NULL, "FX_WRITER is not set (run with meson test)");
	fd = open(at("data"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_msg(fd >= 0, "data: %s", strerror(errno));
	ck_assert(write(fd, DATA, sizeof(DATA) - 1) == (ssize_t)sizeof(DATA) - 1);
	ck_assert(close(fd) == 0);
	snprintf(cat, sizeof(cat), "[/bin/sh, -c, \"cat '%s' && exec @SLEEPER@\"]",
	    at("data"));
	va_start(ap, fmt);
	ck_assert(vasprintf(&body, fmt, ap) >= 0);
	va_end(ap);
	body = subst(body, "@WRITER@", w);
	body = subst(body, "@CAT@", cat);
	h_write("t.yaml", "name: t\ncontrol: {socket: run/t.sock}\n"
	    "log: {dir: logs%s}\n%s", log, body);
	free(body);
}

/* The whole file and its length; NULL if missing. */
static char *
slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (NULL);
	ck_assert(fstat(fd, &st) == 0);
	ck_assert((buf = malloc((size_t)st.st_size + 1)) != NULL);
	while (got < (size_t)st.st_size &&
	    (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	*len = got;
	return (buf);
}

/* FILE holds exactly the LEN bytes of WANT (it may still be growing). */
static bool
file_is(const char *path, const char *want, size_t len)
{
	size_t n;
	char *s = slurp(path, &n);
	bool ok = s != NULL && n == len && memcmp(s, want, len) == 0;

	free(s);
	return (ok);
}

/* W's NLINES records are in its file. */
static void
wait_records(void)
{
	h_assert(H_UNTIL(h_lines(at("logs/w.log")) == NLINES),
	    "%d records in w.log", h_lines(at("logs/w.log")));
}

/* The tree with a `cat` worker w, up, its records in its file. */
static void
cat_tree(const char *log)
{
	tree(log, "children:\n  - {name: w, cmd: @CAT@}\n");
	h_start_up(1);
	wait_records();
}

/* The last N lines of S, and their length. */
static const char *
last_lines(const char *s, int n, size_t *len)
{
	const char *p = s + strlen(s);
	int nl = 0;

	while (p > s && nl <= n)
		nl += *--p == '\n';
	if (nl > n)
		p++;
	*len = strlen(p);
	return (p);
}

/* CTL.out is the LEN bytes of WANT. */
static bool
out_is(const char *want, size_t len)
{
	return (strlen(CTL.out) == len && memcmp(CTL.out, want, len) == 0);
}

START_TEST(raw_text_files)
{
	const char *tail;
	size_t len;

	cat_tree("");
	h_assert(ctl("logs", "w", "--raw", "-n", "100", NULL) == 0, "exit %d: %s",
	    CTL.rc, CTL.err);
	h_assert(out_is(DATA, sizeof(DATA) - 1), "--raw is what w wrote, byte "
	    "for byte:\n%s", CTL.out);
	/* No target: every worker, and not pmtree.log's events. */
	h_assert(ctl("logs", "--raw", "-n", "100", NULL) == 0, "exit %d", CTL.rc);
	h_assert(out_is(DATA, sizeof(DATA) - 1), "--raw without a target:\n%s",
	    CTL.out);
	h_assert(ctl("logs", "w", "--raw", "-n", "3", NULL) == 0, "exit %d",
	    CTL.rc);
	tail = last_lines(DATA, 3, &len);
	h_assert(out_is(tail, len), "-n 3:\n%s", CTL.out);
	h_assert(ctl("logs", "w", "--raw", "-n", "0", NULL) == 0 &&
	    *CTL.out == '\0', "-n 0 prints nothing: %s", CTL.out);
}
END_TEST

START_TEST(raw_json_files)
{
	const char *tail;
	size_t len;

	cat_tree(", format: json");
	h_assert(ctl("logs", "w", "--raw", "-n", "100", NULL) == 0, "exit %d: %s",
	    CTL.rc, CTL.err);
	h_assert(out_is(DATA_JSON, sizeof(DATA_JSON) - 1), "--raw is the "
	    "records' lines decoded:\n%s", CTL.out);
	h_assert(ctl("logs", "w", "--raw", "-n", "2", NULL) == 0, "exit %d",
	    CTL.rc);
	tail = last_lines(DATA_JSON, 2, &len);
	h_assert(out_is(tail, len), "-n 2:\n%s", CTL.out);
}
END_TEST

/* Line K of S (0-based), without its newline, in BUF. */
static const char *
nth_line(const char *s, int k, char *buf, size_t room)
{
	const char *nl;

	while (k-- > 0 && (nl = strchr(s, '\n')) != NULL)
		s = nl + 1;
	nl = strchr(s, '\n');
	snprintf(buf, room, "%.*s", (int)(nl != NULL ? nl - s : 0), s);
	return (buf);
}

/*
 * Every line of OUT is a JSON record of exactly ts, name ("w"), stream
 * ("out") and line, in order: the records of FILE from the FIRST on, with
 * their stamps, the lines of WANT from the FIRST on.  Their number.
 */
static int
json_check(const char *out, const char *want, const char *file, int first)
{
	char *f, buf[4096], rec[4096];
	const char *p, *nl, *ts, *name, *stream, *line;
	json_error_t e;
	size_t flen, llen;
	int k = 0;
	json_t *o;

	f = slurp(file, &flen);
	h_assert(f != NULL, "no %s", file);
	for (p = out; (nl = strchr(p, '\n')) != NULL; p = nl + 1, k++) {
		o = json_loadb(p, (size_t)(nl - p), JSON_ALLOW_NUL, &e);
		h_assert(o != NULL, "record %d is not JSON (%s): %.*s", k, e.text,
		    (int)(nl - p), p);
		h_assert(json_object_size(o) == 4 && json_unpack(o,
		    "{s:s, s:s, s:s, s:s%}", "ts", &ts, "name", &name, "stream",
		    &stream, "line", &line, &llen) == 0, "record %d's members: "
		    "%.*s", k, (int)(nl - p), p);
		h_assert(strlen(ts) == STAMP_LEN && strcmp(name, "w") == 0 &&
		    strcmp(stream, "out") == 0, "record %d: ts %s, name %s, "
		    "stream %s", k, ts, name, stream);
		nth_line(f, first + k, rec, sizeof(rec));
		h_assert(strncmp(rec, "{\"ts\":\"", 7) == 0 ?
		    strncmp(rec + 7, ts, STAMP_LEN) == 0 :
		    strncmp(rec, ts, STAMP_LEN) == 0, "record %d has the file's "
		    "stamp: %s, file: %s", k, ts, rec);
		nth_line(want, first + k, buf, sizeof(buf));
		h_assert(llen == strlen(buf) && memcmp(line, buf, llen) == 0,
		    "record %d's line: %s, want %s", k, line, buf);
		json_decref(o);
	}
	h_assert(*p == '\0', "a last record without a newline: %s", p);
	free(f);
	return (k);
}

START_TEST(json_from_text_files)
{
	const char *ts, *stream, *line;
	json_t *o;

	tree("", "children:\n  - {name: w, cmd: @CAT@}\n"
	    "  - {name: e, cmd: @WRITER@ --err --lines 5 --len 20 --stay}\n");
	h_start_up(2);
	wait_records();
	h_assert(ctl("logs", "w", "--json", NULL) == 0, "exit %d: %s", CTL.rc,
	    CTL.err);
	h_assert(json_check(CTL.out, DATA_JSON, at("logs/w.log"), 0) == NLINES,
	    "every record");
	/* Escaped as the collector's JSON format does. */
	h_assert(strstr(CTL.out, "\"not UTF-8: \\ufffd\\ufffd, a cut ") != NULL &&
	    strstr(CTL.out, "control \\u0001 escape \\u001b[0m") != NULL,
	    "escapes: %s", CTL.out);
	h_assert(ctl("logs", "w", "--json", "-n", "3", NULL) == 0, "exit %d",
	    CTL.rc);
	h_assert(json_check(CTL.out, DATA_JSON, at("logs/w.log"), NLINES - 3) ==
	    3, "-n 3");
	h_assert(H_UNTIL(h_lines(at("logs/e.log")) == 5), "e's records");
	h_assert(ctl("logs", "e", "--json", "-n", "1", NULL) == 0, "exit %d",
	    CTL.rc);
	o = json_loads(CTL.out, 0, NULL);
	h_assert(o != NULL && json_unpack(o, "{s:s, s:s, s:s}", "ts", &ts,
	    "stream", &stream, "line", &line) == 0 &&
	    strcmp(stream, "err") == 0 && strcmp(line, "W0 0000000004 eeeeee") ==
	    0, "e's last record: %s", CTL.out);
	json_decref(o);
	/* No target: pmtree.log's events are not records of a worker. */
	h_assert(ctl("logs", "--json", "-n", "100", NULL) == 0, "exit %d",
	    CTL.rc);
	h_assert(h_lines(at("logs/pmtree.log")) > 0 &&
	    strstr(CTL.out, "tree t is up") == NULL &&
	    strstr(CTL.out, "\"name\":\"pmtree\"") == NULL, "pmtree.log left "
	    "out:\n%s", CTL.out);
}
END_TEST

START_TEST(json_from_json_files)
{
	char *f;
	size_t len;
	const char *tail;

	cat_tree(", format: json");
	h_assert(ctl("logs", "w", "--json", NULL) == 0, "exit %d: %s", CTL.rc,
	    CTL.err);
	f = slurp(at("logs/w.log"), &len);
	h_assert(out_is(f, len), "--json of JSON files is the file:\n%s\n%s",
	    CTL.out, f);
	h_assert(json_check(CTL.out, DATA_JSON, at("logs/w.log"), 0) == NLINES,
	    "every record");
	h_assert(ctl("logs", "w", "--json", "-n", "2", NULL) == 0, "exit %d",
	    CTL.rc);
	tail = last_lines(f, 2, &len);
	h_assert(out_is(tail, len), "-n 2: %s", CTL.out);
	free(f);
}
END_TEST

START_TEST(raw_and_json_usage)
{
	tree("", "children:\n  - {name: c, cmd: @SLEEPER@}\n");
	h_start_up(1);
	h_assert(ctl("logs", "--raw", "--json", NULL) == 2, "both: exit %d",
	    CTL.rc);
	h_assert(strstr(CTL.err, "[--raw | --json]") != NULL, "usage: %s",
	    CTL.err);
	h_assert(ctl("help", "logs", NULL) == 0 && strstr(CTL.out, "--raw") &&
	    strstr(CTL.out, "--json"), "help: %s", CTL.out);
}
END_TEST

/*
 * OUT has fx-writer's lines 0 .. N-1 ("W0 <seq> <filler>", 20 bytes),
 * each followed by END.
 */
static bool
has_lines(const char *out, int n, const char *end)
{
	char want[64];
	int k;

	for (k = 0; k < n; k++) {
		snprintf(want, sizeof(want), "W0 %010d %.6s%s", k,
		    "aaaaaabbbbbbccccccddddddeeeeeeffffffgggggghhhhhhiiiiii"
		    "jjjjjjkkkkkkllllllmmmmmmnnnnnnooooooppppppqqqqqqrrrrrr"
		    "ssssssttttttuuuuuuvvvvvvwwwwwwxxxxxxyyyyyyzzzzzz" + 6 * (k % 26),
		    end);
		if (strstr(out, want) == NULL)
			return (false);
	}
	return (true);
}

/* -f ends with exit 0 when the tree stops, with every line printed. */
static void
follow_until_shutdown(const char *form)
{
	struct ctlrun f;
	char *out;
	size_t len;
	int rc;

	tree("", "children:\n  - {name: w, cmd: @WRITER@ --go go --lines 200 "
	    "--every 2 --len 20 --stay}\n");
	h_start_up(1);
	if (*form != '\0')
		ctl_bg(&f, "logs", "w", "-f", "-n", "0", form, NULL);
	else
		ctl_bg(&f, "logs", "w", "-f", "-n", "0", NULL);
	h_assert(H_UNTIL(h_has_fd_to(f.pid, "anon_inode:inotify") ||
	    ctl_bg_done(&f)) && !f.done, "logs -f runs");
	h_assert(close(open(at("go"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == 0,
	    "go");
	h_assert(H_UNTIL(h_file_has(at("logs/w.log"), "W0 0000000199 ")),
	    "the writer is done");
	h_assert(ctl("shutdown", NULL) == 0, "shutdown: exit %d", CTL.rc);
	rc = ctl_bg_wait(&f, H_DEADLINE_MS);
	if (rc < 0)
		h_kill(f.pid, SIGKILL);
	h_assert(rc == 0, "logs -f %s: exit %d after shutdown (-1: still "
	    "running)", form, rc);
	out = slurp(f.out, &len);
	h_assert(out != NULL && has_lines(out, 200, strcmp(form, "--json") == 0 ?
	    "\"}\n" : "\n"), "logs -f %s printed the 200 lines:\n%s", form, out);
	if (strcmp(form, "--raw") == 0)
		h_assert(len == 200 * 21, "--raw: only the lines (%zu bytes)", len);
	free(out);
}

START_TEST(follow_ends_with_the_tree)
{
	follow_until_shutdown("");
}
END_TEST

START_TEST(follow_raw_ends_with_the_tree)
{
	follow_until_shutdown("--raw");
}
END_TEST

START_TEST(follow_json)
{
	follow_until_shutdown("--json");
}
END_TEST

/* pmtree's stdout is exactly LEN bytes of WANT, within the deadline. */
static bool
stdout_is(const char *want, size_t len)
{
	return (H_UNTIL(file_is(H.run.out, want, len)));
}

START_TEST(stdout_raw)
{
	tree(", stdout: raw", "children:\n  - {name: w, cmd: @CAT@}\n");
	h_start_up(1);
	wait_records();
	h_assert(stdout_is(DATA, sizeof(DATA) - 1), "stdout (%s) is the lines, "
	    "byte for byte", H.run.out);
}
END_TEST

START_TEST(stdout_json)
{
	char *f;
	size_t len;

	tree(", stdout: json", "children:\n  - {name: w, cmd: @CAT@}\n");
	h_start_up(1);
	wait_records();
	h_assert(H_UNTIL(h_lines(H.run.out) == NLINES), "%d on stdout",
	    h_lines(H.run.out));
	f = slurp(H.run.out, &len);
	h_assert(json_check(f, DATA_JSON, at("logs/w.log"), 0) == NLINES,
	    "every record");
	free(f);
}
END_TEST

/* With log.format json too, the echo is the file, record for record. */
START_TEST(stdout_json_is_the_file)
{
	char *f;
	size_t len;

	tree(", stdout: json, format: json",
	    "children:\n  - {name: w, cmd: @CAT@}\n");
	h_start_up(1);
	wait_records();
	f = slurp(at("logs/w.log"), &len);
	h_assert(stdout_is(f, len), "stdout is w.log");
	free(f);
}
END_TEST

/* false: nothing; a worker's own log.stdout still wins, in its form. */
START_TEST(stdout_false)
{
	char *s;
	size_t len;

	tree(", stdout: false", "children:\n"
	    "  - {name: q, cmd: @WRITER@ --lines 50 --stay}\n"
	    "  - {name: w, cmd: @CAT@, log: {stdout: json}}\n");
	h_start_up(2);
	wait_records();
	h_assert(H_UNTIL(h_lines(at("logs/q.log")) == 50), "q's records");
	h_assert(H_UNTIL(h_lines(H.run.out) == NLINES), "w echoed");
	s = slurp(H.run.out, &len);
	h_assert(strstr(s, "W0 ") == NULL, "q is not echoed:\n%s", s);
	h_assert(json_check(s, DATA_JSON, at("logs/w.log"), 0) == NLINES,
	    "w's records");
	free(s);
}
END_TEST

/* A bad value: FILE:LINE:COL, for check, run and reload alike. */
START_TEST(stdout_bad_value)
{
	const char *chk[] = { getenv("PMTREE_BIN"), "check", H.yaml, NULL };
	const char *run[] = { getenv("PMTREE_BIN"), "run", H.yaml, NULL };
	char want[PATH_MAX + 128];

	tree(", stdout: yes", "children:\n  - {name: c, cmd: @SLEEPER@}\n");
	snprintf(want, sizeof(want), "%s:3:26: log.stdout must be true, false, "
	    "raw or json (got \"yes\")\n", H.yaml);
	h_assert(ctl_exec(NULL, chk) == 2, "check: exit %d", CTL.rc);
	h_assert(strstr(CTL.err, want) != NULL, "check says %s; want %s",
	    CTL.err, want);
	h_assert(ctl_exec(NULL, run) == 2, "run: exit %d", CTL.rc);
	h_assert(strstr(CTL.err, want) != NULL, "run says %s", CTL.err);
	tree("", "children:\n  - {name: c, cmd: @SLEEPER@, log: {stdout: "
	    "jsn}}\n");
	snprintf(want, sizeof(want), "%s:5:%zu: log.stdout must be true, false, "
	    "raw or json (got \"jsn\")\n", H.yaml,
	    strlen("  - {name: c, cmd: ") + strlen(getenv("FX_SLEEPER")) +
	    strlen(", log: {stdout: ") + 1);
	h_assert(ctl_exec(NULL, chk) == 2 && strstr(CTL.err, want) != NULL,
	    "a worker's: %s; want %s", CTL.err, want);
	/* A running tree keeps its settings. */
	tree("", "children:\n  - {name: c, cmd: @SLEEPER@}\n");
	h_start_up(1);
	tree(", stdout: 1", "children:\n  - {name: c, cmd: @SLEEPER@}\n");
	snprintf(want, sizeof(want), "%s:3:26: log.stdout must be true, false, "
	    "raw or json (got \"1\")\n", H.yaml);
	h_assert(ctl("reload", NULL) == 2, "reload: exit %d", CTL.rc);
	h_assert(strstr(CTL.err, want) != NULL, "reload says %s", CTL.err);
}
END_TEST

/* OUT's size, once the file has grown by N records more (the settings
 * had time to reach the collector). */
static size_t
out_after(const char *file, int n)
{
	int n0 = h_lines(file);
	size_t len;
	char *s;

	h_assert(H_UNTIL(h_lines(file) >= n0 + n), "%s grows", file);
	s = slurp(H.run.out, &len);
	free(s);
	return (len);
}

/* A worker writing a line every 10 ms, for good. */
static void
writer_tree(const char *log)
{
	tree(log, "children:\n  - {name: w, cmd: @WRITER@ --every 10 "
	    "--lines 1000000 --len 20 --stay}\n");
}

static void
reload_to(const char *log)
{
	writer_tree(log);
	h_assert(ctl("reload", NULL) == 0, "reload to '%s': exit %d: %s", log,
	    CTL.rc, CTL.err);
}

/* The last complete line of pmtree's stdout is like PREFIX. */
static bool
last_echo_is(const char *prefix)
{
	size_t len, k;
	char *s = slurp(H.run.out, &len);
	bool ok = false;

	if (s != NULL && len > 0 && s[len - 1] == '\n') {
		for (k = len - 1; k > 0 && s[k - 1] != '\n'; k--)
			continue;
		ok = strncmp(s + k, prefix, strlen(prefix)) == 0;
	}
	free(s);
	return (ok);
}

/* log.stdout changes at once on reload, the worker kept running. */
START_TEST(stdout_reload)
{
	char log[PATH_MAX];
	size_t len;
	pid_t pid;

	H_FMT(log, "%s/logs/w.log", H.dir);

	writer_tree(", stdout: false");
	h_start_up(1);
	pid = h_pid_of("w", 0);
	len = out_after(log, 20);
	h_assert(len == 0 && out_after(log, 20) == 0, "false: nothing echoed");
	reload_to(", stdout: raw");
	h_assert(H_UNTIL(last_echo_is("W0 ")), "raw: the lines");
	reload_to(", stdout: json");
	h_assert(H_UNTIL(last_echo_is("{\"ts\":\"")), "json: the records");
	reload_to(", stdout: true");
	h_assert(H_UNTIL(last_echo_is("w | W0 ")), "true: <path> | <line>");
	reload_to(", stdout: false");
	len = out_after(log, 20);
	h_assert(out_after(log, 20) == len, "false again: nothing more");
	h_assert(h_pid_of("w", 0) == pid && h_starts_of("w") == 1,
	    "w kept running");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-logs-ship");
	TCase *tc = h_tcase("logs_ship");

	tcase_add_test(tc, raw_text_files);
	tcase_add_test(tc, raw_json_files);
	tcase_add_test(tc, json_from_text_files);
	tcase_add_test(tc, json_from_json_files);
	tcase_add_test(tc, raw_and_json_usage);
	tcase_add_test(tc, follow_ends_with_the_tree);
	tcase_add_test(tc, follow_raw_ends_with_the_tree);
	tcase_add_test(tc, follow_json);
	tcase_add_test(tc, stdout_raw);
	tcase_add_test(tc, stdout_json);
	tcase_add_test(tc, stdout_json_is_the_file);
	tcase_add_test(tc, stdout_false);
	tcase_add_test(tc, stdout_bad_value);
	tcase_add_test(tc, stdout_reload);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
