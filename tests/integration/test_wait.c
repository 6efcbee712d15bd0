/*
 * Never waiting silently (SPEC Part two): `run -d` says every 5 s what the
 * start waits for and, when the start fails, why; a waiting child's status
 * names the sibling it waits for, in JSON and in text.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "harness.h"

/* The -d caller's stderr holds NEEDLE. */
static bool
said(const struct hrun *r, const char *needle)
{
	return (h_file_has(r->err, needle));
}

static const char *
waiting_for(json_t *st, const char *path)
{
	json_t *v = json_object_get(ctl_node(st, path), "waiting_for");

	return (json_is_string(v) ? json_string_value(v) : json_is_null(v) ?
	    "null" : "(absent)");
}

/* status --json and text while a never-ready worker holds the start. */
START_TEST(waiting_for_in_status)
{
	json_t *st;

	h_yaml("children:\n"
	    "  - {name: db, cmd: @SLEEPER@}\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - {name: slow, cmd: @SLEEPER@, ready: notify, "
	    "instances: 2, ready_timeout: 60s}\n"
	    "      - {name: web, cmd: @SLEEPER@}\n"
	    "  - {name: proxy, cmd: @SLEEPER@}\n");
	h_start();
	h_wait_starts(2);
	h_assert(H_UNTIL(ctl_is("api/slow:0", "starting") &&
	    ctl_is("api/slow:1", "waiting")), "slow:0 starting");
	st = ctl_status();
	h_assert(strcmp(waiting_for(st, "api/slow:1"), "api/slow:0") == 0,
	    "slow:1 waits for slow:0: %s", waiting_for(st, "api/slow:1"));
	h_assert(strcmp(waiting_for(st, "api/web"), "api/slow:0") == 0,
	    "web waits for slow:0: %s", waiting_for(st, "api/web"));
	h_assert(strcmp(waiting_for(st, "proxy"), "api") == 0,
	    "proxy waits for api: %s", waiting_for(st, "proxy"));
	/* Present on every worker: null when it waits for nothing. */
	h_assert(strcmp(waiting_for(st, "db"), "null") == 0, "db: %s",
	    waiting_for(st, "db"));
	h_assert(strcmp(waiting_for(st, "api/slow:0"), "null") == 0,
	    "slow:0: %s", waiting_for(st, "api/slow:0"));
	json_decref(st);
	h_assert(ctl("status", NULL) == 0, "status: %s", CTL.err);
	h_assert(strstr(CTL.out, "waiting for api/slow:0") != NULL &&
	    strstr(CTL.out, "waiting for api ") != NULL,
	    "text status: '%s'", CTL.out);
	/* Once slow:0 is up, what waits waits for slow:1. */
	h_assert(ctl("signal", "api/slow:0", "KILL", NULL) == 0, "%s", CTL.err);
	h_assert(ctl("stop", "api/slow:0", NULL) == 0, "stop: %s", CTL.err);
	h_assert(H_UNTIL(ctl_is("api/slow:1", "starting")), "slow:1 starts");
	st = ctl_status();
	h_assert(strcmp(waiting_for(st, "api/web"), "api/slow:1") == 0,
	    "web now waits for slow:1: %s", waiting_for(st, "api/web"));
	json_decref(st);
}
END_TEST

/* A stopped group plans nothing: what is in it waits for nobody. */
START_TEST(stopped_group_waits_for_nothing)
{
	json_t *st;

	h_yaml("children:\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - {name: slow, cmd: @SLEEPER@, ready: notify, "
	    "ready_timeout: 60s}\n"
	    "      - {name: web, cmd: @SLEEPER@}\n");
	h_start();
	h_wait_starts(1);
	h_assert(H_UNTIL(ctl_is("api/slow", "starting")), "slow starting");
	h_assert(ctl("stop", "api", NULL) == 0, "stop api: %s", CTL.err);
	st = ctl_status();
	h_assert(strcmp(waiting_for(st, "api/web"), "null") == 0,
	    "web: %s (state %s)", waiting_for(st, "api/web"),
	    json_string_value(json_object_get(ctl_node(st, "api/web"),
	    "state")));
	json_decref(st);
}
END_TEST

/* run -d with a worker that never gets ready: a line every 5 s. */
START_TEST(daemon_says_what_it_waits_for)
{
	struct hrun r;

	h_yaml("children:\n"
	    "  - {name: db, cmd: @SLEEPER@}\n"
	    "  - name: queues\n"
	    "    children:\n"
	    "      - {name: orders, cmd: @SLEEPER@, ready: notify, "
	    "ready_timeout: 60s}\n"
	    "  - {name: web, cmd: @SLEEPER@}\n");
	h_spawn_detached(&r, "d", H.yaml);
	h_assert(H_UNTIL_MS(15000, said(&r, "pmtree: waiting for queues/orders: "
	    "starting, not ready after ")), "no waiting line: stderr '%s'",
	    h_read(r.err));
	/* Only the worker: the group that waits on it is not a line. */
	h_assert(!said(&r, "waiting for queues:"), "a line for the group");
	h_assert(!h_done(&r), "the caller still waits");
	h_assert(ctl_is("web", "waiting"), "web waits");
	/* Stopped while it waits: the caller says so and exits 1. */
	h_assert(ctl("shutdown", NULL) == 0, "shutdown: %s", CTL.err);
	h_assert(h_wait_exit(&r, H_DEADLINE_MS) == 1, "stopped before up: 1");
	h_assert(said(&r, "pmtree: the tree was stopped before it was up"),
	    "stderr: '%s'", h_read(r.err));
}
END_TEST

/* A crash loop before ready: backoff, the restarts and the last exit. */
START_TEST(daemon_says_backoff)
{
	struct hrun r;

	h_yaml("intensity: 100\n"
	    "children:\n"
	    "  - {name: orders, cmd: @CRASHER@ --code 7, ready: notify, "
	    "backoff: [300ms]}\n"
	    "  - {name: web, cmd: @SLEEPER@}\n");
	h_spawn_detached(&r, "d", H.yaml);
	h_assert(H_UNTIL_MS(15000, said(&r, "pmtree: waiting for orders: "
	    "backoff, ") || said(&r, "pmtree: waiting for orders: starting")),
	    "no waiting line: stderr '%s'", h_read(r.err));
	h_assert(H_UNTIL_MS(15000, said(&r, "restarts, last exit code 7")),
	    "the last exit: stderr '%s'", h_read(r.err));
	h_assert(ctl("shutdown", NULL) == 0, "shutdown: %s", CTL.err);
	h_assert(h_wait_exit(&r, H_DEADLINE_MS) == 1, "not up: 1");
}
END_TEST

/*
 * A parallel group with two children that never get ready, each needed by
 * a sibling: a line for each of them, not only for the first.
 */
START_TEST(daemon_says_every_holder)
{
	struct hrun r;

	h_yaml("children:\n"
	    "  - name: app\n"
	    "    start: parallel\n"
	    "    children:\n"
	    "      - {name: db, cmd: @SLEEPER@, ready: notify, "
	    "ready_timeout: 60s}\n"
	    "      - {name: cache, cmd: @SLEEPER@, ready: notify, "
	    "ready_timeout: 60s}\n"
	    "      - {name: api, cmd: @SLEEPER@, after: [db]}\n"
	    "      - {name: jobs, cmd: @SLEEPER@, after: [cache]}\n"
	    "      - {name: web, cmd: @SLEEPER@, after: [db, cache]}\n");
	h_spawn_detached(&r, "d", H.yaml);
	h_assert(H_UNTIL_MS(15000, said(&r, "pmtree: waiting for app/db: "
	    "starting, not ready after ") && said(&r, "pmtree: waiting for "
	    "app/cache: starting, not ready after ")),
	    "a line for each: stderr '%s'", h_read(r.err));
	h_assert(ctl("shutdown", NULL) == 0, "shutdown: %s", CTL.err);
	h_assert(h_wait_exit(&r, H_DEADLINE_MS) == 1, "stopped before up: 1");
}
END_TEST

/* The start gives up: the caller says so, and which worker crashed. */
START_TEST(daemon_says_why_it_gave_up)
{
	struct hrun r;

	h_yaml("intensity: 2\n"
	    "children:\n"
	    "  - {name: db, cmd: @SLEEPER@}\n"
	    "  - {name: orders, cmd: @CRASHER@ --code 3, ready: notify}\n");
	h_spawn_detached(&r, "d", H.yaml);
	h_assert(h_wait_exit(&r, H_DEADLINE_MS) == 1, "exit 1");
	h_assert(said(&r, "pmtree: the tree gave up: more than 2 restarts "
	    "within 5000 ms\n"), "stderr: '%s'", h_read(r.err));
	h_assert(said(&r, "pmtree: orders: 2 restarts, last exit code 3\n"),
	    "the worker: stderr '%s'", h_read(r.err));
	h_assert(!said(&r, "pmtree: db:"), "db did not crash");
	h_assert(said(&r, "pmtree: the tree could not start (see "),
	    "the pointer: stderr '%s'", h_read(r.err));
	h_assert(H_UNTIL(h_marked_alive() == 0), "nothing left");
}
END_TEST

/* A setup failure after detaching: the cause itself on the caller's stderr. */
START_TEST(daemon_says_the_http_error)
{
	char want[128];
	struct hrun r;
	int fd, port;

	fd = h_listen_any(&port);
	h_write("t.yaml", "name: t\n"
	    "control: {socket: run/t.sock, http: \"127.0.0.1:%d\"}\n"
	    "log: {dir: logs}\n"
	    "children:\n"
	    "  - {name: db, cmd: @SLEEPER@}\n", port);
	h_spawn_detached(&r, "d", H.yaml);
	h_assert(h_wait_exit(&r, H_DEADLINE_MS) == 1, "exit 1");
	snprintf(want, sizeof(want), "pmtree: control.http 127.0.0.1:%d: "
	    "Address already in use\n", port);
	h_assert(said(&r, want), "stderr: '%s'", h_read(r.err));
	h_assert(H_UNTIL(h_marked_alive() == 0), "nothing left");
	close(fd);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-wait");
	TCase *tc = h_tcase("wait");

	tcase_add_test(tc, waiting_for_in_status);
	tcase_add_test(tc, stopped_group_waits_for_nothing);
	tcase_add_test(tc, daemon_says_what_it_waits_for);
	tcase_add_test(tc, daemon_says_backoff);
	tcase_add_test(tc, daemon_says_every_holder);
	tcase_add_test(tc, daemon_says_why_it_gave_up);
	tcase_add_test(tc, daemon_says_the_http_error);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
