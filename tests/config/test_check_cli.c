/*
 * `pmtree check` as a user runs it: exit 0 and the tree on stdout for a
 * good file; exit 2 and FILE:LINE:COL: message lines on stderr otherwise;
 * FILE:LINE:COL: warning: message lines, exit status unchanged, for what
 * will fail at run time.  Arguments: the pmtree binary and the corpus
 * folder.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *pmtree, *corpus;

struct run {
	int	 status;	/* exit code, or -1 */
	char	*out;
	char	*err;
};

static char *
slurp(FILE *f)
{
	char *buf;
	long len;

	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	ck_assert_ptr_nonnull(buf = calloc(1, (size_t)len + 1));
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return (buf);
}

/*
 * Runs `pmtree check FILE` with the environment ENVP, its output captured
 * in temporary files.
 */
static void
run_check_env(const char *file, char *const *envp, struct run *r)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)pmtree, "check", (char *)file, NULL };
	FILE *out = tmpfile(), *err = tmpfile();
	pid_t pid;
	int st;

	ck_assert(out != NULL && err != NULL);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fileno(out), 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
	ck_assert_int_eq(posix_spawn(&pid, pmtree, &fa, NULL, argv, envp), 0);
	posix_spawn_file_actions_destroy(&fa);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->out = slurp(out);
	r->err = slurp(err);
}

static void
run_check(const char *file, struct run *r)
{
	run_check_env(file, environ, r);
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static char *
corpus_file(const char *sub, const char *name)
{
	char *p;

	ck_assert_int_ne(asprintf(&p, "%s/%s/%s", corpus, sub, name), -1);
	return (p);
}

/* Each line of ERR is a warning about FILE; no error. */
static void
only_warnings(const char *file, char *err)
{
	char *line, *save;
	size_t flen = strlen(file);
	unsigned l, c;
	int n;

	for (line = strtok_r(err, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		ck_assert(strncmp(line, file, flen) == 0);
		n = 0;
		ck_assert_int_eq(sscanf(line + flen, ":%u:%u: warning: %n", &l,
		    &c, &n), 2);
		ck_assert_int_gt(n, 0);
	}
}

/* Its programs are not there (./bin/proxy), and maybe not node: warned. */
START_TEST(good_file)
{
	char *file = corpus_file("good", "shop.yaml");
	struct run r;

	run_check(file, &r);
	ck_assert_int_eq(r.status, 0);
	only_warnings(file, r.err);
	ck_assert(strncmp(r.out, "shop ", 5) == 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\n    api/web       worker  node "
	    "server.js --port 3000  x4  permanent\n"));
	run_free(&r);
	free(file);
}
END_TEST

START_TEST(bad_file)
{
	char *file = corpus_file("bad", "unknown_key_root.yaml"), *want;
	struct run r;

	run_check(file, &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_int_ne(asprintf(&want, "%s:4:1: unknown key \"intensty\" "
	    "(did you mean \"intensity\"?)\n", file), -1);
	ck_assert_str_eq(r.err, want);
	free(want);
	run_free(&r);
	free(file);
}
END_TEST

/* Every error on its own line, sorted by position, FILE as given. */
START_TEST(many_errors_sorted)
{
	char *file = corpus_file("bad", "bad_durations.yaml"), *line, *save;
	unsigned l, c, last = 0, n = 0;
	size_t flen = strlen(file);
	struct run r;

	run_check(file, &r);
	ck_assert_int_eq(r.status, 2);
	for (line = strtok_r(r.err, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		ck_assert(strncmp(line, file, flen) == 0);
		ck_assert_int_eq(sscanf(line + flen, ":%u:%u: ", &l, &c), 2);
		ck_assert_uint_ge(l, last);
		last = l;
		n++;
	}
	ck_assert_uint_eq(n, 6);
	run_free(&r);
	free(file);
}
END_TEST

/* Runs `pmtree check` on bad/NAME: exit 2, and exactly the lines WANT. */
static void
expect_errors(const char *name, const char *const *want)
{
	char *file = corpus_file("bad", name), *all = NULL, *line;
	struct run r;
	size_t k;

	for (k = 0; want[k] != NULL; k++) {
		ck_assert_int_ne(asprintf(&line, "%s%s:%s\n", all ? all : "",
		    file, want[k]), -1);
		free(all);
		all = line;
	}
	run_check(file, &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, all);
	free(all);
	run_free(&r);
	free(file);
}

/* An integer key given a list or a mapping: said so, no stack bytes. */
START_TEST(integer_given_a_container)
{
	static const char *const want[] = {
		"9:12: intensity must be an integer ≥ 0 (got a mapping)",
		"10:13: log.keep must be an integer ≥ 0 (got a list)",
		"12:39: instances must be an integer ≥ 1 (got a list)",
		"13:40: ready.fd must be an integer from 3 to 2147483647 "
		    "(got a list)",
		"14:48: normal_exit_codes must be an integer from 0 to 255 "
		    "(got a list)",
		"15:39: instances must be an integer ≥ 1 (got a mapping)",
		NULL
	};

	expect_errors("int_containers.yaml", want);
}
END_TEST

#define E4	"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"	/* éééé */
#define E28	E4 E4 E4 E4 E4 E4 E4

/*
 * Newlines, tabs, ESC and DEL in values come out escaped: one error a
 * line.  A long value is cut before a whole UTF-8 character.
 */
START_TEST(control_bytes_escaped)
{
	static const char *const want[] = {
		"9:37: restart must be permanent, transient or temporary "
		    "(got \"a\\nb\\x1b[31mc\")",
		"10:41: stop_signal \"X\\r\\tY\\x7f\": unknown signal",
		"11:12: bad name \"q\\nr\": use letters, digits, \"_\", \".\" and "
		    "\"-\", not starting with \".\" or \"-\"",
		"12:37: restart must be permanent, transient or temporary "
		    "(got \"a" E28 "...\")",
		NULL
	};

	expect_errors("control_chars.yaml", want);
}
END_TEST

START_TEST(missing_file)
{
	char *want;
	struct run r;

	run_check("/nonexistent/pmtree.yaml", &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_int_ne(asprintf(&want, "/nonexistent/pmtree.yaml: cannot "
	    "open: No such file or directory\n"), -1);
	ck_assert_str_eq(r.err, want);
	free(want);
	run_free(&r);
}
END_TEST

/*
 * The warnings' tests run in a folder of their own: a tree file, programs
 * and a bin/ folder that is the whole PATH of `pmtree check`.
 */
static char tmp[64];

static char *
tmp_path(const char *name)
{
	char *p;

	ck_assert_int_ne(asprintf(&p, "%s/%s", tmp, name), -1);
	return (p);
}

static void
tmp_write(const char *name, const char *text, mode_t mode)
{
	char *p = tmp_path(name);
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(p, mode), 0);
	free(p);
}

static void
tmp_setup(void)
{
	char *bin;

	snprintf(tmp, sizeof(tmp), "/tmp/pmtree-check.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	bin = tmp_path("bin");
	ck_assert_int_eq(mkdir(bin, 0755), 0);
	free(bin);
	tmp_write("bin/tool", "#!/bin/sh\nexit 0\n", 0755);
}

static void
tmp_teardown(void)
{
	char *argv[] = { "rm", "-rf", tmp, NULL };
	pid_t pid;
	int st;

	ck_assert_int_eq(posix_spawnp(&pid, "rm", NULL, NULL, argv, environ),
	    0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* `pmtree check` on tmp/t.yaml holding TEXT, PATH being tmp/bin only. */
static void
check_tree(const char *text, struct run *r)
{
	char *file = tmp_path("t.yaml"), *path;
	char *envp[2];

	ck_assert_int_ne(asprintf(&path, "PATH=%s/bin", tmp), -1);
	envp[0] = path;
	envp[1] = NULL;
	tmp_write("t.yaml", text, 0644);
	run_check_env(file, envp, r);
	free(path);
	free(file);
}

/* Exactly the lines WANT (each "LINE:COL: ..." of tmp/t.yaml) on stderr. */
static void
expect_stderr(const struct run *r, const char *const *want)
{
	char *file = tmp_path("t.yaml"), *all, *line;
	size_t k;

	ck_assert_ptr_nonnull(all = strdup(""));
	for (k = 0; want[k] != NULL; k++) {
		ck_assert_int_ne(asprintf(&line, "%s%s:%s\n", all, file,
		    want[k]), -1);
		free(all);
		all = line;
	}
	ck_assert_str_eq(r->err, all);
	free(all);
	free(file);
}

/* A TCP socket on 127.0.0.1, a free port; listening if LISTEN. */
static int
tcp_socket(bool listening, unsigned *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (listening)
		ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return (fd);
}

/* Programs in PATH, by path, relative to cwd; a free port: nothing said. */
START_TEST(valid_tree_no_warnings)
{
	unsigned port;
	struct run r;
	char *text;
	int fd;

	/* A port the kernel just gave: let go, so that it is free. */
	fd = tcp_socket(false, &port);
	ck_assert_int_eq(close(fd), 0);
	tmp_write("srv", "#!/bin/sh\nexit 0\n", 0755);
	ck_assert_int_ne(asprintf(&text, "control:\n"
	    "  http: 127.0.0.1:%u\n"
	    "children:\n"
	    "  - {name: a, cmd: tool --flag}\n"
	    "  - {name: b, cmd: [\"%s/srv\"]}\n"
	    "  - {name: c, cmd: ./srv}\n"
	    "  - {name: d, cmd: ../srv, cwd: bin}\n"
	    "  - {name: e, cmd: sh, env: {PATH: /usr/bin:/bin}}\n",
	    port, tmp), -1);
	check_tree(text, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert(strncmp(r.out, "t ", 2) == 0);
	run_free(&r);
	free(text);
}
END_TEST

START_TEST(missing_programs_warned)
{
	static const char text[] =
	    "children:\n"
	    "  - name: a\n"
	    "    cmd: nodee server.js\n"
	    "  - name: b\n"
	    "    cmd: [\"/nonexistent/pmtree-srv\", \"-v\"]\n"
	    "  - name: c\n"
	    "    cmd: ./srv\n"
	    "    cwd: bin\n"
	    "  - name: d\n"
	    "    cmd: sh\n"
	    "    env: {PATH: \"\"}\n"
	    "  - name: e\n"
	    "    cmd: [\"bin\"]\n";
	const char *want[] = {
		"3:10: warning: program \"nodee\" not found in PATH",
		"5:11: warning: program \"/nonexistent/pmtree-srv\" not found",
		"7:10: warning: program \"./srv\" not found in bin",
		NULL,
		"13:11: warning: program \"bin\" not found in PATH",
		NULL
	};
	char *l10;
	struct run r;

	/* No PATH to search: exec'd from the cwd, as the spawn does. */
	ck_assert_int_ne(asprintf(&l10, "10:10: warning: program \"sh\" not "
	    "found in %s (PATH is empty)", tmp), -1);
	want[3] = l10;
	check_tree(text, &r);
	ck_assert_int_eq(r.status, 0);
	expect_stderr(&r, want);
	ck_assert(strncmp(r.out, "t ", 2) == 0);
	run_free(&r);
	free(l10);
}
END_TEST

/* There but not executable: by path, in PATH, a folder. */
START_TEST(not_executable_warned)
{
	static const char text[] =
	    "children:\n"
	    "  - {name: a, cmd: ./srv}\n"
	    "  - {name: b, cmd: plain}\n"
	    "  - {name: c, cmd: ./bin --x}\n";
	const char *want[] = {
		"2:20: warning: program \"./srv\" is not executable",
		NULL,
		"4:20: warning: program \"./bin\" is a directory",
		NULL
	};
	char *l3;
	struct run r;

	tmp_write("srv", "#!/bin/sh\nexit 0\n", 0644);
	tmp_write("bin/plain", "#!/bin/sh\nexit 0\n", 0644);
	ck_assert_int_ne(asprintf(&l3, "3:20: warning: program \"plain\" is "
	    "not executable: %s/bin/plain", tmp), -1);
	want[1] = l3;
	check_tree(text, &r);
	ck_assert_int_eq(r.status, 0);
	expect_stderr(&r, want);
	run_free(&r);
	free(l3);
}
END_TEST

/* The address bound (and listened on) first, as another server would. */
START_TEST(http_in_use_warned)
{
	const char *want[] = { NULL, NULL };
	char *text, *line;
	unsigned port;
	struct run r;
	int fd;

	fd = tcp_socket(true, &port);
	ck_assert_int_ne(asprintf(&text, "control:\n"
	    "  socket: run/t.sock\n"
	    "  http: 127.0.0.1:%u\n"
	    "children:\n"
	    "  - {name: a, cmd: tool}\n", port), -1);
	ck_assert_int_ne(asprintf(&line, "3:9: warning: control.http address "
	    "\"127.0.0.1:%u\" is already in use", port), -1);
	want[0] = line;
	check_tree(text, &r);
	ck_assert_int_eq(r.status, 0);
	expect_stderr(&r, want);
	ck_assert_int_eq(close(fd), 0);
	run_free(&r);
	free(line);
	free(text);
}
END_TEST

/*
 * An env_file that is not there yet, or that a start would refuse: warned
 * once per place it is written, however many workers inherit it.  A PATH
 * that only a file sets is the one a program is looked for in.
 */
START_TEST(env_file_warned)
{
	static const char text[] =
	    "defaults: {env_file: shared.env}\n"
	    "children:\n"
	    "  - {name: a, cmd: tool, env_file: .env}\n"
	    "  - {name: b, cmd: tool, env_file: [ok.env, bad.env]}\n"
	    "  - {name: c, cmd: tool}\n"
	    "  - {name: d, cmd: tool}\n"
	    "  - {name: e, cmd: tool, env_file: sub}\n"
	    "  - {name: f, cmd: only-here, env_file: [ok.env, path.env]}\n";
	const char *want[] = {
		"1:22: warning: env_file shared.env does not exist yet",
		"3:36: warning: env_file .env does not exist yet",
		"4:45: warning: env_file bad.env:2: unterminated double quote "
		    "(a quoted value ends on its line)",
		"7:36: warning: env_file sub: Is a directory",
		NULL
	};
	char *sub, *bin2, *path;
	struct run r;

	sub = tmp_path("sub");
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	bin2 = tmp_path("bin2");
	ck_assert_int_eq(mkdir(bin2, 0755), 0);
	tmp_write("bin2/only-here", "#!/bin/sh\nexit 0\n", 0755);
	ck_assert_int_ne(asprintf(&path, "PATH=%s\n", bin2), -1);
	tmp_write("path.env", path, 0644);
	tmp_write("ok.env", "A=1\n", 0644);
	tmp_write("bad.env", "A=1\nB=\"open\n", 0644);
	check_tree(text, &r);
	ck_assert_int_eq(r.status, 0);
	expect_stderr(&r, want);
	ck_assert(strncmp(r.out, "t ", 2) == 0);
	run_free(&r);
	free(path);
	free(bin2);
	free(sub);
}
END_TEST

/* Errors and warnings together, by position: the errors still exit 2. */
START_TEST(warnings_and_errors)
{
	static const char text[] =
	    "children:\n"
	    "  - name: a\n"
	    "    cmd: nodee\n"
	    "    shutdown: 30\n"
	    "  - name: b\n"
	    "    cmd: ./srv\n";
	const char *want[] = {
		"3:10: warning: program \"nodee\" not found in PATH",
		"4:15: shutdown \"30\": duration needs a unit (ms, s, m or h)",
		NULL,
		NULL
	};
	char *l6;
	struct run r;

	ck_assert_int_ne(asprintf(&l6, "6:10: warning: program \"./srv\" not "
	    "found in %s", tmp), -1);
	want[2] = l6;
	check_tree(text, &r);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	expect_stderr(&r, want);
	run_free(&r);
	free(l6);
}
END_TEST

int
main(int argc, char **argv)
{
	Suite *s = suite_create("check-cli");
	TCase *tc = tcase_create("check"), *tw;
	SRunner *sr;
	int failed;

	if (argc != 3) {
		fprintf(stderr, "usage: test_check_cli PMTREE CORPUS_DIR\n");
		return (EXIT_FAILURE);
	}
	pmtree = argv[1];
	corpus = argv[2];
	tcase_add_test(tc, good_file);
	tcase_add_test(tc, bad_file);
	tcase_add_test(tc, many_errors_sorted);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, integer_given_a_container);
	tcase_add_test(tc, control_bytes_escaped);
	suite_add_tcase(s, tc);
	tw = tcase_create("warnings");
	tcase_add_checked_fixture(tw, tmp_setup, tmp_teardown);
	tcase_add_test(tw, valid_tree_no_warnings);
	tcase_add_test(tw, missing_programs_warned);
	tcase_add_test(tw, not_executable_warned);
	tcase_add_test(tw, http_in_use_warned);
	tcase_add_test(tw, env_file_warned);
	tcase_add_test(tw, warnings_and_errors);
	suite_add_tcase(s, tw);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
