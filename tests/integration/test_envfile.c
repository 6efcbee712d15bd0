/*
 * env_file (SPEC §7, doc/config.md): the files are read at every start of
 * the worker, between pmtree's own environment and the worker's `env`; a
 * file that is missing or malformed fails that start as a cwd that cannot
 * be entered does (an err record, code 127, backoff) until it is fixed.
 * Files are written whole and renamed into place, so that a start never
 * reads one half written.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "harness.h"

/* NAME in the test's folder holds TEXT, all at once. */
static void
put(const char *name, const char *text)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	FILE *f;

	H_FMT(tmp, "%s/.%s.tmp", H.dir, name);
	H_FMT(path, "%s/%s", H.dir, name);
	ck_assert_ptr_nonnull(f = fopen(tmp, "we"));
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
}

static bool
worker_log_has(const char *name, const char *needle)
{
	char path[PATH_MAX];

	H_FMT(path, "%s/logs/%s.log", H.dir, name);
	return (h_file_has(path, needle));
}

/* PATH's last_exit is {"code":CODE}. */
static bool
last_exit_code(const char *path, int code)
{
	json_t *st = ctl_status(), *x;
	bool ok;

	x = json_object_get(ctl_node(st, path), "last_exit");
	ok = json_is_object(x) && json_object_size(x) == 1 &&
	    json_integer_value(json_object_get(x, "code")) == code;
	json_decref(st);
	return (ok);
}

/* Lowest first: pmtree's environment, one.env, two.env, `env`. */
START_TEST(precedence)
{
	pid_t pid;

	ck_assert_int_eq(setenv("EF_PM", "pm", 1), 0);
	ck_assert_int_eq(setenv("EF_A", "pm", 1), 0);
	ck_assert_int_eq(setenv("EF_B", "pm", 1), 0);
	ck_assert_int_eq(setenv("EF_C", "pm", 1), 0);
	put("one.env", "# the first file\n"
	    "export EF_A=one\n"
	    "EF_B='one'\n"
	    "EF_C=one\n"
	    "EF_ONE=\"x \\\"y\\\"\"  # a comment\n"
	    "PMTREE_NAME=from-a-file\n");
	put("two.env", "EF_B=two\r\nEF_C=two\r\nEF_TWO=  2 ");
	h_yaml("children:\n"
	    "  - name: w\n"
	    "    cmd: @SLEEPER@\n"
	    "    env_file: [one.env, two.env]\n"
	    "    env: {EF_C: env}\n");
	h_start_up(1);
	pid = h_pid_of("w", 0);
	h_assert(h_environ_has(pid, "EF_PM=pm"), "pmtree's own is kept");
	h_assert(h_environ_has(pid, "EF_A=one"), "a file over pmtree's");
	h_assert(h_environ_has(pid, "EF_B=two"), "the later file wins");
	h_assert(h_environ_has(pid, "EF_C=env"), "env over the files");
	h_assert(h_environ_has(pid, "EF_ONE=x \"y\""), "double quotes");
	h_assert(h_environ_has(pid, "EF_TWO=2"), "no newline, blanks cut");
	h_assert(h_environ_has(pid, "PMTREE_NAME=w"), "pmtree's own last");
	h_assert(!h_file_has(H.run.err, "warning"), "nothing to warn about");
}
END_TEST

/* What a shell worker sees, in its log. */
START_TEST(shell_worker_log)
{
	put("app.env", "GREETING='hello $USER'\nexport WHO=\"the world\"\n");
	h_yaml("children:\n"
	    "  - name: say\n"
	    "    cmd: [sh, -c, 'echo \"$GREETING, $WHO\"; exec @SLEEPER@']\n"
	    "    env_file: app.env\n");
	h_start_up(1);
	h_assert(H_UNTIL(worker_log_has("say", " say out hello $USER, the "
	    "world\n")), "the values in the log");
}
END_TEST

/* An edit applies at the next start, without a reload. */
START_TEST(edit_applies_at_restart)
{
	pid_t first, second;

	put("app.env", "EF_V=1\n");
	h_yaml("children:\n"
	    "  - {name: w, cmd: @SLEEPER@, env_file: app.env}\n");
	h_start_up(1);
	first = h_pid_of("w", 0);
	h_assert(h_environ_has(first, "EF_V=1"), "the first value");
	put("app.env", "EF_V=2\nEF_NEW=yes\n");
	h_assert(!h_environ_has(first, "EF_V=2"), "a running worker keeps its");
	h_assert(h_kill(first, SIGKILL), "kill");
	h_wait_starts(2);
	second = h_pid_of("w", 1);
	h_assert(h_environ_has(second, "EF_V=2") &&
	    h_environ_has(second, "EF_NEW=yes"), "the edit applied");
	h_assert(h_log_count("reload") == 0, "no reload");
}
END_TEST

/*
 * Missing: each start fails (err record, pmtree.log, code 127, backoff)
 * and counts as a crash; once the file is there, the next start runs.
 */
START_TEST(missing_file_then_created)
{
	static const char why[] = "env_file late.env: No such file or "
	    "directory";
	char line[256];
	pid_t pid;

	h_yaml("intensity: 100\n"
	    "period: 10s\n"
	    "children:\n"
	    "  - name: w\n"
	    "    cmd: @SLEEPER@\n"
	    "    env_file: [late.env]\n"
	    "    backoff: [300ms]\n");
	h_start();
	snprintf(line, sizeof(line), " w %s", why);
	h_assert(H_UNTIL(h_log_count(line) >= 2), "two failed starts");
	h_assert(H_UNTIL(h_log_count(" w exited with code 127") >= 2),
	    "code 127");
	h_assert(h_log_count(" w restarting in 300 ms") >= 1, "backoff");
	h_assert(h_log_index(line, 0) < h_log_index(" w restarting", 0),
	    "the reason before the restart");
	h_assert(h_log_count(" w started") == 0, "never started");
	h_assert(h_starts_of("w") == 0, "never exec'd");
	snprintf(line, sizeof(line), " w err %s\n", why);
	h_assert(H_UNTIL(worker_log_has("w", line)), "the err record");
	snprintf(line, sizeof(line), "pmtree: w: %s", why);
	h_assert(h_file_has(H.run.err, line), "on stderr");
	h_assert(h_file_has(H.run.err, ":9:16: warning: env_file late.env "
	    "does not exist yet"), "run warns as check does");
	h_assert(last_exit_code("w", 127), "last_exit {\"code\":127}");
	h_assert(ctl_restarts_of("w") >= 1, "counted as restarts");
	put("late.env", "EF_LATE=here\n");
	h_wait_starts(1);
	pid = h_pid_of("w", 0);
	h_assert(h_environ_has(pid, "EF_LATE=here"), "read once there");
	h_assert(H_UNTIL(ctl_is("w", "running")), "running");
	h_assert(H_UNTIL(h_log_count("tree t is up") == 1), "the tree is up");
}
END_TEST

/* Malformed: the err record names the file as written and the line. */
START_TEST(malformed_line_named)
{
	static const char why[] = "env_file conf.env:3: expected \"=\" right "
	    "after \"EF\"";
	char line[256];

	put("conf.env", "EF_A=1\n# fine\nEF B=2\n");
	h_yaml("children:\n"
	    "  - {name: w, cmd: @SLEEPER@, env_file: conf.env, "
	    "backoff: [1s]}\n");
	h_start();
	snprintf(line, sizeof(line), " w %s", why);
	h_assert(H_UNTIL(h_log_count(line) >= 1), "pmtree.log names line 3");
	snprintf(line, sizeof(line), " w err %s\n", why);
	h_assert(H_UNTIL(worker_log_has("w", line)), "the err record");
	h_assert(H_UNTIL(h_log_count(" w exited with code 127") >= 1),
	    "code 127");
	h_assert(h_starts_of("w") == 0, "never exec'd");
	h_assert(h_file_has(H.run.err, ": warning: env_file conf.env:3: "
	    "expected \"=\" right after \"EF\""), "warned at run");
	/* Fixed: the next start (after its 1 s backoff) runs. */
	put("conf.env", "EF_A=1\n# fine\nEF_B=2\n");
	h_wait_starts(1);
	h_assert(h_environ_has(h_pid_of("w", 0), "EF_B=2"), "fixed");
}
END_TEST

/* Reload: a change of the list restarts the worker; of a file, not. */
START_TEST(reload_compares_the_list)
{
	pid_t first;
	int rc;

	put("a.env", "EF_V=a\n");
	put("b.env", "EF_V=b\n");
	h_yaml("children:\n"
	    "  - {name: w, cmd: @SLEEPER@, env_file: a.env}\n");
	h_start_up(1);
	first = h_pid_of("w", 0);
	put("a.env", "EF_V=a2\n");
	rc = ctl("reload", NULL);
	h_assert(rc == 0, "reload: exit %d, %s", rc, CTL.err);
	h_assert(h_starts_of("w") == 1 && h_alive(first), "not restarted");
	h_yaml("children:\n"
	    "  - {name: w, cmd: @SLEEPER@, env_file: [b.env]}\n");
	rc = ctl("reload", NULL);
	h_assert(rc == 0, "reload: exit %d, %s", rc, CTL.err);
	h_wait_starts(2);
	h_assert(h_environ_has(h_pid_of("w", 1), "EF_V=b"), "b.env read");
	h_assert(ctl_restarts_of("w") == 0, "a reload is no restart");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-envfile");
	TCase *tc = h_tcase("envfile");

	tcase_add_test(tc, precedence);
	tcase_add_test(tc, shell_worker_log);
	tcase_add_test(tc, edit_applies_at_restart);
	tcase_add_test(tc, missing_file_then_created);
	tcase_add_test(tc, malformed_line_named);
	tcase_add_test(tc, reload_compares_the_list);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
