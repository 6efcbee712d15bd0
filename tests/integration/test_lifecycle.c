/*
 * The lifecycle with real processes (SPEC section 7): `start: parallel`
 * and `after`, one-shot steps, `autostart: false`, significant children
 * and the exit code of `pmtree run`.
 */
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "harness.h"

static const char *
waiting_for(const char *path)
{
	static char buf[256];
	json_t *st = ctl_status(), *v;

	v = json_object_get(ctl_node(st, path), "waiting_for");
	snprintf(buf, sizeof(buf), "%s", json_is_string(v) ?
	    json_string_value(v) : "null");
	json_decref(st);
	return (buf);
}

/* A crash-looping sibling keeps nobody down in a parallel group. */
START_TEST(parallel_starts_all)
{
	h_yaml("children:\n"
	    "  - name: workers\n"
	    "    start: parallel\n"
	    "    intensity: 1000\n"
	    "    children:\n"
	    "      - {name: broken, cmd: [@CRASHER@, --code, '1'], "
	    "ready: notify, backoff: [100ms]}\n"
	    "      - {name: orders, cmd: @SLEEPER@}\n"
	    "      - {name: mail, cmd: @SLEEPER@}\n");
	h_start();
	h_wait_starts(3);
	h_assert(H_UNTIL(ctl_is("workers/orders", "running") &&
	    ctl_is("workers/mail", "running")), "orders and mail run");
	h_assert(h_starts_of("workers/broken") >= 1, "broken started");
	h_assert(strcmp(waiting_for("workers/mail"), "null") == 0,
	    "mail waits for nothing");
}
END_TEST

/* The same in a sequential group: what follows waits, and says for what. */
START_TEST(sequential_waits_for_broken)
{
	h_yaml("children:\n"
	    "  - name: workers\n"
	    "    intensity: 1000\n"
	    "    children:\n"
	    "      - {name: broken, cmd: [@CRASHER@, --code, '1'], "
	    "ready: notify, backoff: [100ms]}\n"
	    "      - {name: orders, cmd: @SLEEPER@}\n");
	h_start();
	h_assert(H_UNTIL(h_starts_of("workers/broken") >= 3),
	    "broken restarts");
	h_assert(ctl_is("workers/orders", "waiting"), "orders waits (%s)",
	    ctl_state_of("workers/orders"));
	h_assert(strcmp(waiting_for("workers/orders"), "workers/broken") == 0,
	    "orders waits for %s", waiting_for("workers/orders"));
}
END_TEST

/* `after` in a parallel group: api waits for db's readiness, cron does not. */
START_TEST(after_waits_for_readiness)
{
	h_yaml("children:\n"
	    "  - name: app\n"
	    "    start: parallel\n"
	    "    children:\n"
	    "      - {name: db, cmd: [@NOTIFY@, --delay, '600'], "
	    "ready: notify}\n"
	    "      - {name: api, cmd: @SLEEPER@, after: [db]}\n"
	    "      - {name: cron, cmd: @SLEEPER@}\n");
	h_start();
	h_wait_starts(2);
	h_assert(H_UNTIL(ctl_is("app/cron", "running") &&
	    ctl_is("app/db", "starting")), "cron runs while db starts");
	h_assert(ctl_is("app/api", "waiting"), "api waits (%s)",
	    ctl_state_of("app/api"));
	h_assert(strcmp(waiting_for("app/api"), "app/db") == 0,
	    "api waits for %s", waiting_for("app/api"));
	h_assert(H_UNTIL(ctl_is("app/api", "running")), "api runs");
	h_assert(h_log_index("app/db ready", 0) >= 0 &&
	    h_log_index("app/db ready", 0) < h_log_index("app/api started", 0),
	    "api started after db was ready");
}
END_TEST

/* Stop order is the reverse of the needs: api goes before db. */
START_TEST(after_stop_order)
{
	h_yaml("children:\n"
	    "  - name: app\n"
	    "    start: parallel\n"
	    "    children:\n"
	    "      - {name: db, cmd: @SLEEPER@}\n"
	    "      - {name: api, cmd: [@SLEEPER@, --ignore-term], "
	    "shutdown: 400ms, after: [db]}\n");
	h_start_up(2);
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	h_assert(h_log_index("app/api stopped", 0) >= 0 &&
	    h_log_index("app/api stopped", 0) < h_log_index("app/db stopped", 0),
	    "api stopped before db");
}
END_TEST

/*
 * rest_for_one [db, migrate, api]: the migration runs before api, shows
 * exited and ready, and runs again when db's crash restarts its siblings.
 */
START_TEST(oneshot_step)
{
	char path[PATH_MAX + 16], *text;

	H_FMT(path, "%s/migrated", H.dir);
	h_yaml("children:\n"
	    "  - name: app\n"
	    "    strategy: rest_for_one\n"
	    "    children:\n"
	    "      - {name: db, cmd: @SLEEPER@}\n"
	    "      - {name: migrate, cmd: [sh, -c, 'echo run >> migrated'], "
	    "ready: exited}\n"
	    "      - {name: api, cmd: @SLEEPER@}\n");
	h_start_up(2);
	h_assert(H_UNTIL(ctl_is("app/api", "running")), "api runs");
	h_assert(ctl_is("app/migrate", "exited"), "migrate exited (%s)",
	    ctl_state_of("app/migrate"));
	h_assert(ctl_is_ready("app/migrate"), "migrate is ready");
	h_assert(h_log_count("app/migrate done (one-shot step, normal exit)")
	    == 1, "done line");
	h_assert(h_kill(ctl_pid_of("app/db"), SIGKILL), "kill db");
	h_assert(H_UNTIL(h_starts_of("app/api") == 2 &&
	    ctl_is("app/api", "running")), "api again");
	h_assert(h_log_count("app/migrate done (one-shot step, normal exit)")
	    == 2, "migrate ran again");
	h_assert(h_log_index("app/migrate done", 1) <
	    h_log_index("app/api started", 1), "before api");
	text = h_read(path);
	h_assert(text != NULL && strcmp(text, "run\nrun\n") == 0,
	    "migrated: '%s'", text ? text : "(none)");
	free(text);
}
END_TEST

/* A one-shot step that fails is a crash: backoff, then intensity. */
START_TEST(oneshot_fails_escalates)
{
	h_yaml("children:\n"
	    "  - {name: migrate, cmd: [@CRASHER@, --code, '2'], ready: exited, "
	    "backoff: [50ms]}\n"
	    "  - {name: api, cmd: @SLEEPER@}\n");
	h_start();
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 3, "gave up: exit 3");
	h_assert(h_starts_of("api") == 0, "api never started");
	h_assert(h_log_count("gave up") >= 1, "gave-up line");
}
END_TEST

START_TEST(autostart_false)
{
	h_yaml("children:\n"
	    "  - {name: tool, cmd: @SLEEPER@, autostart: false}\n"
	    "  - {name: web, cmd: @SLEEPER@}\n");
	h_start_up(1);
	h_assert(ctl_is("tool", "stopped"), "tool stopped (%s)",
	    ctl_state_of("tool"));
	h_assert(ctl_is("web", "running"), "web runs");
	h_assert(h_starts_of("tool") == 0, "tool never started");
	h_assert(ctl("start", "tool", NULL) == 0, "start: %s", CTL.err);
	h_assert(H_UNTIL(ctl_is("tool", "running")), "tool runs");
}
END_TEST

/* A significant test runner ends the tree with its own code. */
START_TEST(significant_exit_code)
{
	h_yaml("auto_shutdown: any_significant\n"
	    "children:\n"
	    "  - {name: api, cmd: @SLEEPER@}\n"
	    "  - {name: tests, cmd: [sh, -c, 'exit 7'], restart: temporary, "
	    "significant: true}\n");
	h_start();
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 7, "exit 7");
	h_assert(h_gone(h_pid_of("api", 0)), "api gone");
	h_assert(h_log_count("tree t ended by a significant child: exit code 7")
	    == 1, "end line");
	h_assert(h_zombies() == 0, "no zombie");
}
END_TEST

START_TEST(significant_signal_code)
{
	h_yaml("auto_shutdown: any_significant\n"
	    "children:\n"
	    "  - {name: main, cmd: [sh, -c, 'kill -9 $$'], restart: temporary, "
	    "significant: true}\n");
	h_start();
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 137, "exit 137");
}
END_TEST

/* A nested group that ends by auto_shutdown is a group: the tree exits 0. */
START_TEST(significant_group)
{
	h_yaml("auto_shutdown: any_significant\n"
	    "children:\n"
	    "  - {name: web, cmd: @SLEEPER@}\n"
	    "  - name: job\n"
	    "    restart: transient\n"
	    "    significant: true\n"
	    "    auto_shutdown: any_significant\n"
	    "    children:\n"
	    "      - {name: step, cmd: [sh, -c, 'exit 5'], restart: temporary, "
	    "significant: true}\n");
	h_start();
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	h_assert(h_log_count("job/step significant child ended (code 5)") == 1,
	    "the group's line");
}
END_TEST

/* Transient and significant: only a normal exit ends the tree. */
START_TEST(significant_transient_restarts)
{
	h_yaml("auto_shutdown: any_significant\n"
	    "children:\n"
	    "  - {name: main, cmd: [@CRASHER@, --code, '1', --until, '3'], "
	    "restart: transient, significant: true, backoff: [50ms]}\n");
	h_start();
	h_assert(H_UNTIL(h_starts_of("main") == 3 && ctl_is("main", "running")),
	    "main restarted twice");
	h_assert(!h_done(&H.run), "the tree still runs");
	h_assert(ctl("stop", "main", NULL) == 0, "stop: %s", CTL.err);
	h_assert(!h_done(&H.run), "a stop by command ends nothing");
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
}
END_TEST

/*
 * Every per-start piece at once: port, env_file, a watchdog, and a
 * stop_command that sees them all (and PMTREE_PID) in its environment.
 */
START_TEST(everything_in_one_worker)
{
	char path[PATH_MAX + 16], *text;

	h_write("web.env", "FROM_FILE=yes\n");
	h_yaml("children:\n"
	    "  - name: web\n"
	    "    cmd: @NOTIFY@\n"
	    "    ready: notify\n"
	    "    watchdog: 60s\n"
	    "    port: 9300\n"
	    "    env_file: web.env\n"
	    "    env: {ME: '{{name}}'}\n"
	    "    stop_command: [sh, -c, 'echo $PORT $FROM_FILE $ME "
	    "$PMTREE_PID > stopped; kill $PMTREE_PID']\n");
	h_start_up(1);
	h_assert(H_UNTIL(ctl_is("web", "running")), "web runs");
	h_signal(SIGTERM);
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0, "exit 0");
	H_FMT(path, "%s/stopped", H.dir);
	text = h_read(path);
	h_assert(text != NULL && strncmp(text, "9300 yes web ", 13) == 0 &&
	    atoi(text + 13) == h_pid_of("web", 0), "stopped: '%s'",
	    text ? text : "(none)");
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = h_tcase("lifecycle");

	tcase_add_test(tc, parallel_starts_all);
	tcase_add_test(tc, sequential_waits_for_broken);
	tcase_add_test(tc, after_waits_for_readiness);
	tcase_add_test(tc, after_stop_order);
	tcase_add_test(tc, oneshot_step);
	tcase_add_test(tc, oneshot_fails_escalates);
	tcase_add_test(tc, autostart_false);
	tcase_add_test(tc, significant_exit_code);
	tcase_add_test(tc, significant_signal_code);
	tcase_add_test(tc, significant_group);
	tcase_add_test(tc, significant_transient_restarts);
	tcase_add_test(tc, everything_in_one_worker);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
