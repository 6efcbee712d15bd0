/*
 * Starting a tree (SPEC §1, §3): start order, the process layout, what a
 * worker gets (environment, stdin, its own process group).
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char tree[] =
    "children:\n"
    "  - {name: a, cmd: @SLEEPER@}\n"
    "  - name: api\n"
    "    children:\n"
    "      - {name: x, cmd: @SLEEPER@}\n"
    "      - {name: web, cmd: @SLEEPER@, instances: 2}\n"
    "  - {name: z, cmd: @SLEEPER@, env: {FOO: bar, PMTREE_IT_X: '3000'}}\n";

static const char *order[] = { "a", "api/x", "api/web:0", "api/web:1", "z" };
#define NORDER (sizeof(order) / sizeof(order[0]))

/*
 * With `ready: none` a worker is ready once exec'd, so the next one is
 * spawned while the previous is still initialising: the fixtures' own lines
 * in the starts file may come in any order.  The spawn order is the order
 * of the `started` lines in pmtree.log.
 */
START_TEST(start_in_order)
{
	char needle[64];
	size_t i;
	int at, prev = -1;

	h_yaml(tree);
	h_start_up(5);
	h_assert(h_log_count("tree t is up (5 workers)") == 1, "up line");
	h_assert(h_lines(H.starts) == (int)NORDER, "one start each");
	for (i = 0; i < NORDER; i++) {
		h_assert(h_starts_of(order[i]) == 1, "%s started once", order[i]);
		snprintf(needle, sizeof(needle), " %s started (pid", order[i]);
		at = h_log_index(needle, 0);
		h_assert(at > prev, "%s started after its elder sibling",
		    order[i]);
		prev = at;
	}
	h_assert(h_log_index(" a started (pid", 0) <
	    h_log_index(" api supervisor started (pid", 0), "a before api");
	h_assert(h_log_index(" api supervisor started (pid", 0) <
	    h_log_index(" api/x started (pid", 0), "api before api/x");
	h_assert(h_log_index(" api/web:1 started (pid", 0) <
	    h_log_index(" z started (pid", 0), "api before z");
	h_assert(h_log_index("tree t is up", 0) >
	    h_log_index(" z started (pid", 0), "up after the last start");
}
END_TEST

static void
expect_title(pid_t pid, const char *title)
{
	char cmd[256];

	h_assert(h_cmdline(pid, cmd, sizeof(cmd)), "cmdline of %d", (int)pid);
	h_assert(strcmp(cmd, title) == 0, "title of %d is '%s', want '%s'",
	    (int)pid, cmd, title);
}

START_TEST(process_layout)
{
	char needle[64];
	pid_t root, grp, w;
	size_t i;

	h_yaml(tree);
	h_start_up(5);
	root = H.run.pid;
	grp = h_log_pid(" api supervisor started (pid", 0);
	h_assert(grp > 0 && grp != root, "the group has its own process");
	expect_title(root, "pmtree: root t");
	expect_title(grp, "pmtree: group api");
	h_assert(h_find_title("pmtree: group api") == grp, "one group process");
	h_assert(h_ppid(grp) == root, "group's parent is the root");
	for (i = 0; i < NORDER; i++) {
		w = h_pid_of(order[i], 0);
		h_assert(h_alive(w), "%s alive", order[i]);
		h_assert(h_ppid(w) == (strncmp(order[i], "api/", 4) == 0 ?
		    grp : root), "%s's parent", order[i]);
		h_assert(h_pgid(w) == w, "%s leads its process group (pgid %d)",
		    order[i], (int)h_pgid(w));
		snprintf(needle, sizeof(needle), " %s started (pid", order[i]);
		h_assert(h_log_pid(needle, 0) == w, "%s: started (pid %d)",
		    order[i], (int)w);
	}
}
END_TEST

static void
expect_env(pid_t pid, const char *entry)
{
	h_assert(h_environ_has(pid, entry), "%d has %s", (int)pid, entry);
}

START_TEST(worker_environment)
{
	char path[64], target[PATH_MAX], buf[PATH_MAX + 16];
	pid_t w;
	ssize_t n;
	size_t i;

	h_yaml(tree);
	h_start_up(5);
	expect_env(h_pid_of("a", 0), "PMTREE_NAME=a");
	expect_env(h_pid_of("a", 0), "PMTREE_INSTANCE=0");
	expect_env(h_pid_of("a", 0), "PMTREE_TREE=t");
	expect_env(h_pid_of("api/x", 0), "PMTREE_NAME=api/x");
	expect_env(h_pid_of("api/web:0", 0), "PMTREE_NAME=api/web:0");
	expect_env(h_pid_of("api/web:0", 0), "PMTREE_INSTANCE=0");
	expect_env(h_pid_of("api/web:1", 0), "PMTREE_NAME=api/web:1");
	expect_env(h_pid_of("api/web:1", 0), "PMTREE_INSTANCE=1");
	expect_env(h_pid_of("api/web:1", 0), "PMTREE_TREE=t");
	/* pmtree's own environment, plus `env`. */
	snprintf(buf, sizeof(buf), "FX_STARTS=%s", H.starts);
	expect_env(h_pid_of("api/web:1", 0), buf);
	expect_env(h_pid_of("z", 0), "FOO=bar");
	expect_env(h_pid_of("z", 0), "PMTREE_IT_X=3000");
	h_assert(!h_environ_has(h_pid_of("a", 0), "FOO=bar"), "env is per worker");
	for (i = 0; i < NORDER; i++) {
		w = h_pid_of(order[i], 0);
		snprintf(path, sizeof(path), "/proc/%d/fd/0", (int)w);
		n = readlink(path, target, sizeof(target) - 1);
		h_assert(n > 0, "readlink %s", path);
		target[n] = '\0';
		h_assert(strcmp(target, "/dev/null") == 0, "%s's stdin is %s",
		    order[i], target);
	}
}
END_TEST

/* The root is the process `pmtree run` started; its workers are its own. */
START_TEST(single_worker_tree)
{
	h_yaml("children:\n  - {name: only, cmd: @SLEEPER@}\n");
	h_start_up(1);
	h_assert(h_log_pid("starting tree t (pid", 0) == H.run.pid, "root pid");
	h_assert(h_ppid(h_pid_of("only", 0)) == H.run.pid, "worker's parent");
	h_assert(h_file_has(H.run.err, "pmtree: only: started (pid"),
	    "events on stderr too");
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	h_assert(h_gone(h_pid_of("only", 0)), "worker gone");
	h_assert(h_log_count("tree t stopped") == 1, "stopped line");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-start-stop");
	TCase *tc = h_tcase("start");

	tcase_add_test(tc, start_in_order);
	tcase_add_test(tc, process_layout);
	tcase_add_test(tc, worker_environment);
	tcase_add_test(tc, single_worker_tree);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
