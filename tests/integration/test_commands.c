/*
 * The commands (SPEC §5, §3): start, stop, restart, signal and shutdown on
 * every kind of target (worker, instance, group, nested group, a bare name
 * matching in two groups, a full path), held workers across strategy
 * restarts and group restarts, replies only once the action is complete.
 *
 * "Complete" is checked by looking once, right after the client returns,
 * never by polling; where the tree itself must act afterwards (a crash, a
 * SIGKILLed supervisor) the test polls.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"

static const char tree[] =
    "children:\n"
    "  - {name: q, cmd: @SLEEPER@}\n"
    "  - name: api\n"
    "    children:\n"
    "      - {name: db, cmd: @SLEEPER@}\n"
    "      - {name: web, cmd: @SLEEPER@, instances: 2}\n"
    "      - name: inner\n"
    "        children:\n"
    "          - {name: db, cmd: @SLEEPER@}\n"
    "          - {name: cache, cmd: @SLEEPER@}\n"
    "  - {name: z, cmd: @SLEEPER@}\n";

/* The same without the nested group (see stop_group_with_nested_group). */
static const char flat_tree[] =
    "children:\n"
    "  - {name: q, cmd: @SLEEPER@}\n"
    "  - name: api\n"
    "    children:\n"
    "      - {name: db, cmd: @SLEEPER@}\n"
    "      - {name: web, cmd: @SLEEPER@, instances: 2}\n"
    "  - {name: z, cmd: @SLEEPER@}\n";

static const char *W[] = { "q", "api/db", "api/web:0", "api/web:1",
    "api/inner/db", "api/inner/cache", "z" };
#define NW	(sizeof(W) / sizeof(W[0]))

/*
 * Workers below this group path get a new supervisor when their group is
 * restarted through an ancestor: their `restarts` count starts over.
 */
static const char *reset_below;

/* Every worker of `tree` at one moment ("absent" if not in the tree). */
struct snap {
	pid_t	pid[NW];
	char	state[NW][16];
	int	restarts[NW];
};

/* Gives the tree time to do what it should not (restart a held worker). */
static void
settle(void)
{
	(void)H_UNTIL_MS(200, false);
}

static void
up(void)
{
	h_yaml(tree);
	h_start_up((int)NW);
}

static size_t
widx(const char *path)
{
	size_t i;

	for (i = 0; i < NW; i++) {
		if (strcmp(W[i], path) == 0)
			return (i);
	}
	ck_abort_msg("not a worker of the tree: %s", path);
	return (0);
}

static void
snap(struct snap *s)
{
	json_t *st = ctl_status(), *n;
	const char *state;
	size_t i;

	for (i = 0; i < NW; i++) {
		n = ctl_node(st, W[i]);
		s->pid[i] = (pid_t)json_integer_value(json_object_get(n, "pid"));
		state = json_string_value(json_object_get(n, "state"));
		snprintf(s->state[i], sizeof(s->state[i]), "%s",
		    n == NULL ? "absent" : state != NULL ? state : "?");
		s->restarts[i] = (int)json_integer_value(json_object_get(n,
		    "restarts"));
	}
	json_decref(st);
}

/* `pmtree CMD TARGET` succeeds silently. */
static void
act(const char *cmd, const char *target)
{
	int rc = ctl(cmd, target, NULL);

	h_assert(rc == 0 && *CTL.out == '\0' && *CTL.err == '\0',
	    "%s %s: exit %d, stdout '%s', stderr '%s'", cmd, target, rc,
	    CTL.out, CTL.err);
}

/* TARGET names a group of the test's trees. */
static bool
is_group(const char *target)
{
	return (strcmp(target, "api") == 0 || strcmp(target, "inner") == 0 ||
	    strcmp(target, "api/inner") == 0 || strcmp(target, "g") == 0);
}

static bool
in_list(const char *path, const char *const *list)
{
	for (; list != NULL && *list != NULL; list++) {
		if (strcmp(*list, path) == 0)
			return (true);
	}
	return (false);
}

/* In NOW, the workers of LIST are stopped, their processes gone. */
static void
expect_stopped(const struct snap *before, const struct snap *now,
    const char *const *list)
{
	size_t i;

	for (i = 0; i < NW; i++) {
		if (!in_list(W[i], list))
			continue;
		h_assert(strcmp(now->state[i], "stopped") == 0 &&
		    now->pid[i] == 0, "%s stopped (is %s, pid %d)", W[i],
		    now->state[i], (int)now->pid[i]);
		h_assert(before == NULL || h_gone(before->pid[i]),
		    "%s: old process gone", W[i]);
	}
}

/*
 * In NOW, the workers of LIST run with new pids; their restarts did not
 * change: a command's restart is not counted.
 */
static void
expect_new(const struct snap *before, const struct snap *now,
    const char *const *list)
{
	size_t i;

	for (i = 0; i < NW; i++) {
		if (!in_list(W[i], list))
			continue;
		h_assert(strcmp(now->state[i], "running") == 0 &&
		    now->pid[i] > 0 && now->pid[i] != before->pid[i] &&
		    h_alive(now->pid[i]), "%s running anew (is %s, pid %d, "
		    "was %d)", W[i], now->state[i], (int)now->pid[i],
		    (int)before->pid[i]);
		h_assert(before->pid[i] == 0 || h_gone(before->pid[i]),
		    "%s: old process gone", W[i]);
		h_assert(now->restarts[i] == before->restarts[i] ||
		    (reset_below != NULL && strncmp(W[i], reset_below,
		    strlen(reset_below)) == 0 && now->restarts[i] == 0),
		    "%s restarts %d, was %d", W[i], now->restarts[i],
		    before->restarts[i]);
	}
}

/* In NOW, every worker not in LIST is as it was in BEFORE. */
static void
expect_others_same(const struct snap *before, const struct snap *now,
    const char *const *list)
{
	size_t i;

	for (i = 0; i < NW; i++) {
		if (in_list(W[i], list))
			continue;
		h_assert(strcmp(now->state[i], before->state[i]) == 0 &&
		    now->pid[i] == before->pid[i] &&
		    now->restarts[i] == before->restarts[i],
		    "%s untouched (%s pid %d, was %s pid %d)", W[i],
		    now->state[i], (int)now->pid[i], before->state[i],
		    (int)before->pid[i]);
	}
}

/*
 * The index of the NTH line of pmtree.log about worker PATH that holds
 * WHAT, or -1.  (pmtree 0.1.0 names an instance by its worker's path in
 * pmtree.log, "api/web started", not "api/web:1 started": the instance is
 * then told by the order of the lines: of api/web's two instances, 0
 * starts first and 1 stops first.)
 */
static int
log_line(const char *path, const char *what, int nth)
{
	char *s = h_read(H.log), *p, *nl, name[128], *colon;
	int idx = 0, found = -1, inst = 0, k;

	snprintf(name, sizeof(name), " %s%s", path, what);
	if ((colon = strchr(path, ':')) != NULL)
		inst = atoi(colon + 1);
	for (k = 0; s != NULL && found < 0 && k < 2; k++) {
		int want = k == 0 ? nth : nth * 2 + (strstr(what, "stopped") ?
		    1 - inst : inst);

		if (k == 1 && colon == NULL)
			break;
		if (k == 1)
			snprintf(name, sizeof(name), " %.*s%s",
			    (int)(colon - path), path, what);
		for (p = s, idx = 0; *p != '\0'; p = nl + 1, idx++) {
			if ((nl = strchr(p, '\n')) == NULL)
				break;
			*nl = '\0';
			if (strstr(p, name) != NULL && want-- == 0) {
				found = idx;
				break;
			}
			*nl = '\n';
		}
	}
	free(s);
	return (found);
}

/* Every worker of LIST runs, with a pid other than in BEFORE. */
static bool
all_anew(const struct snap *before, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++) {
		if (!ctl_running_anew(list[i], before->pid[widx(list[i])]))
			return (false);
	}
	return (true);
}

/*
 * STOP, START, RESTART of TARGET, which covers exactly LIST.  After
 * `start GROUP` it waits for the workers: that reply may come early (see
 * start_group_replies_after_held_started, a SPEC gap of its own).
 */
static void
stop_start_restart(const char *target, const char *const *list)
{
	struct snap s0, s1, s2, s3;
	bool group = is_group(target);
	size_t i;

	snap(&s0);
	act("stop", target);
	snap(&s1);
	expect_stopped(&s0, &s1, list);
	expect_others_same(&s0, &s1, list);
	act("stop", target);	/* already stopped: a success */
	snap(&s2);
	expect_others_same(&s1, &s2, NULL);
	act("start", target);
	if (group)
		(void)H_UNTIL(all_anew(&s0, list));
	snap(&s2);
	expect_new(&s0, &s2, list);
	expect_others_same(&s0, &s2, list);
	act("start", target);	/* already running: a success, no change */
	snap(&s3);
	expect_others_same(&s2, &s3, NULL);
	act("restart", target);
	snap(&s3);
	expect_new(&s2, &s3, list);
	expect_others_same(&s2, &s3, list);
	/* (A fixture records its start a moment after its exec.) */
	for (i = 0; list[i] != NULL; i++)
		h_assert(H_UNTIL(ctl_starts_of(list[i]) == 3),
		    "%s started 3 times", list[i]);
}

/* --- each kind of target ------------------------------------------------ */


START_TEST(worker_at_the_root)
{
	static const char *const l[] = { "q", NULL };

	up();
	stop_start_restart("q", l);
}
END_TEST

START_TEST(worker_in_a_group_by_path)
{
	static const char *const l[] = { "api/db", NULL };

	up();
	stop_start_restart("api/db", l);
}
END_TEST

START_TEST(instance)
{
	static const char *const l[] = { "api/web:1", NULL };
	static const char *const l0[] = { "api/web:0", NULL };
	struct snap s0, s1;

	up();
	stop_start_restart("api/web:1", l);
	/* A bare name with an instance. */
	snap(&s0);
	act("restart", "web:0");
	snap(&s1);
	expect_new(&s0, &s1, l0);
	expect_others_same(&s0, &s1, l0);
}
END_TEST

START_TEST(all_instances_of_a_worker)
{
	static const char *const l[] = { "api/web:0", "api/web:1", NULL };

	up();
	stop_start_restart("api/web", l);
}
END_TEST

/* A group of workers: all of them; its supervisor stays up. */
START_TEST(group)
{
	static const char *const l[] = { "api/db", "api/web:0", "api/web:1",
	    NULL };
	static const char *const rev[] = { "api/web:1", "api/web:0",
	    "api/db" };
	pid_t grp;
	size_t i;
	int at, prev = -1;

	h_yaml(flat_tree);
	h_start_up(5);
	grp = h_find_title("pmtree: group api");
	h_assert(grp > 0, "group api");
	stop_start_restart("api", l);
	h_assert(h_alive(grp) && ctl_pid_of("api") == grp && ctl_is("api",
	    "running"), "api's supervisor stayed up");
	/* The stop went in reverse start order, the start in order. */
	for (i = 0; i < sizeof(rev) / sizeof(rev[0]); i++) {
		at = log_line(rev[i], " stopped (", 0);
		h_assert(at > prev, "%s stopped in reverse order", rev[i]);
		prev = at;
	}
	prev = -1;
	for (i = sizeof(rev) / sizeof(rev[0]); i-- > 0;) {
		at = log_line(rev[i], " started (pid", 1);
		h_assert(at > prev, "%s started again in order", rev[i]);
		prev = at;
	}
}
END_TEST

/*
 * Closed SPEC gap, now a regression test (meson test integration-commands-spec-gaps).  SPEC §5: "On a
 * group, `stop` stops all its workers ... Commands reply when the action
 * is complete".  `stop api` where api holds a nested group never replies:
 * api/inner's supervisor exits right after its last worker stopped, and
 * that worker's final `stopped` report does not reach the root (the
 * supervisor leaves its loop with the report still buffered), so the
 * root's table keeps api/inner/db `stopping` with the pid of a dead
 * process, `status` shows it so, and the client waits forever.
 */
START_TEST(stop_group_with_nested_group)
{
	static const char *const below[] = { "api/db", "api/web:0",
	    "api/web:1", "api/inner/db", "api/inner/cache", NULL };
	struct ctlrun r;
	struct snap s0, s1;
	int rc;

	up();
	snap(&s0);
	ctl_bg(&r, "stop", "api", NULL);
	rc = ctl_bg_wait(&r, 5000);
	snap(&s1);
	expect_stopped(&s0, &s1, below);
	expect_others_same(&s0, &s1, below);
	h_assert(rc == 0, "stop api: exit %d (-1: no reply in 5 s)", rc);
}
END_TEST

START_TEST(nested_group)
{
	static const char *const l[] = { "api/inner/db", "api/inner/cache",
	    NULL };

	up();
	stop_start_restart("api/inner", l);
}
END_TEST

START_TEST(nested_group_by_bare_name)
{
	static const char *const l[] = { "api/inner/db", "api/inner/cache",
	    NULL };

	up();
	stop_start_restart("inner", l);
}
END_TEST

/* `db` names api/db and api/inner/db: the command applies to both. */
START_TEST(bare_name_in_two_groups)
{
	static const char *const l[] = { "api/db", "api/inner/db", NULL };

	up();
	stop_start_restart("db", l);
}
END_TEST

START_TEST(full_path_in_a_nested_group)
{
	static const char *const l[] = { "api/inner/db", NULL };

	up();
	stop_start_restart("api/inner/db", l);
}
END_TEST

/* --- held workers -------------------------------------------------------- */

/* A strategy restart of its siblings leaves a stopped worker stopped. */
static void
held_across_strategy(const char *strategy)
{
	pid_t a, c;

	h_yaml("children:\n"
	    "  - name: g\n"
	    "    strategy: %s\n"
	    "    children:\n"
	    "      - {name: a, cmd: @SLEEPER@}\n"
	    "      - {name: b, cmd: @SLEEPER@}\n"
	    "      - {name: c, cmd: @SLEEPER@}\n", strategy);
	h_start_up(3);
	a = ctl_pid_of("g/a");
	c = ctl_pid_of("g/c");
	act("stop", "g/b");
	h_assert(h_kill(a, SIGKILL), "crash a");
	h_assert(H_UNTIL(ctl_running_anew("g/a", a) &&
	    ctl_running_anew("g/c", c)), "a and c restarted by %s", strategy);
	h_assert(h_log_count(" g/c stopped (") == 1, "c was stopped by %s",
	    strategy);
	settle();
	h_assert(ctl_is("g/b", "stopped") && ctl_starts_of("g/b") == 1,
	    "b stays stopped across the %s restart", strategy);
	act("start", "g/b");
	h_assert(ctl_is("g/b", "running") && H_UNTIL(ctl_starts_of("g/b") == 2),
	    "b starts when asked");
}

START_TEST(held_across_one_for_all)
{
	held_across_strategy("one_for_all");
}
END_TEST

START_TEST(held_across_rest_for_one)
{
	held_across_strategy("rest_for_one");
}
END_TEST

/* The group's supervisor SIGKILLed: held workers stay stopped in its new life. */
static void
held_across_group_sigkill(const char *const *held)
{
	struct snap s0, s1;
	pid_t grp;
	size_t i;

	up();
	for (i = 0; held[i] != NULL; i++)
		act("stop", held[i]);
	snap(&s0);
	grp = h_find_title("pmtree: group api");
	h_assert(h_kill(grp, SIGKILL), "kill the group");
	h_assert(H_UNTIL(ctl_running_anew("api", grp) &&
	    ctl_running_anew("api/web:0", s0.pid[widx("api/web:0")]) &&
	    ctl_running_anew("api/inner/db", s0.pid[widx("api/inner/db")])),
	    "api restarted");
	settle();
	snap(&s1);
	expect_stopped(NULL, &s1, held);
	for (i = 0; held[i] != NULL; i++)
		h_assert(ctl_starts_of(held[i]) == 1, "%s not started again",
		    held[i]);
	h_assert(s1.pid[widx("q")] == s0.pid[widx("q")] &&
	    s1.pid[widx("z")] == s0.pid[widx("z")], "q and z untouched");
	/* Each can be started again. */
	for (i = 0; held[i] != NULL; i++) {
		act("start", held[i]);
		h_assert(ctl_is(held[i], "running"), "%s started", held[i]);
	}
}

START_TEST(held_across_group_sigkill_direct)
{
	static const char *const held[] = { "api/db", "api/web:1", NULL };

	held_across_group_sigkill(held);
}
END_TEST

/*
 * Closed SPEC gap, now a regression test (meson test integration-commands-spec-gaps).  SPEC §3: "A
 * worker stopped by command stays stopped until started again, also across
 * restarts of its group."  api/inner/cache's group, api/inner, is started
 * anew when api's supervisor is SIGKILLed and restarted, and cache comes
 * back running: the new api supervisor takes the holds of its own slots
 * from the root's table (sv_inherit), but hands api/inner a table without
 * them.  (`restart api`, where api's supervisor lives on, keeps it.)
 */
START_TEST(held_across_group_sigkill_nested)
{
	static const char *const held[] = { "api/inner/cache", NULL };

	held_across_group_sigkill(held);
}
END_TEST

/* `restart api` restarts every worker below it but the held ones. */
START_TEST(restart_group_keeps_held_stopped)
{
	static const char *const held[] = { "api/web:0", "api/inner/cache",
	    NULL };
	static const char *const moved[] = { "api/db", "api/web:1",
	    "api/inner/db", NULL };
	static const char *const below[] = { "api/db", "api/web:1",
	    "api/inner/db", "api/web:0", "api/inner/cache", NULL };
	struct snap s0, s1;
	size_t i;

	up();
	act("stop", "api/web:0");
	act("stop", "api/inner/cache");
	snap(&s0);
	reset_below = "api/inner/";
	act("restart", "api");
	snap(&s1);
	expect_new(&s0, &s1, moved);
	expect_stopped(NULL, &s1, held);
	expect_others_same(&s0, &s1, below);
	settle();
	for (i = 0; held[i] != NULL; i++)
		h_assert(ctl_starts_of(held[i]) == 1 && ctl_is(held[i], "stopped"),
		    "%s stays stopped", held[i]);
}
END_TEST

/*
 * `stop api` stops api/inner's supervisor too; `restart api` then leaves
 * all of it stopped and answers at once.
 */
START_TEST(restart_group_with_a_stopped_nested_group)
{
	struct ctlrun r;
	int rc;

	up();
	act("stop", "api");
	h_assert(H_UNTIL(ctl_is("api/inner", "stopped")), "api/inner stopped");
	ctl_bg(&r, "restart", "api", NULL);
	rc = ctl_bg_wait(&r, 5000);
	h_assert(rc == 0, "restart api: exit %d (-1: no reply in 5 s)", rc);
	h_assert(ctl_is("api/inner", "stopped") &&
	    ctl_is("api/inner/db", "stopped"), "api/inner stays stopped (%s)",
	    ctl_state_of("api/inner"));
}
END_TEST

/* `start api` releases every held worker below api, nested ones too. */
START_TEST(start_group_releases_held)
{
	static const char *const held[] = { "api/db", "api/web:1",
	    "api/inner/cache", NULL };
	struct snap s0;
	size_t i;

	up();
	for (i = 0; held[i] != NULL; i++)
		act("stop", held[i]);
	snap(&s0);
	act("start", "api");
	for (i = 0; held[i] != NULL; i++)
		h_assert(H_UNTIL(ctl_running_anew(held[i], 0)), "%s released",
		    held[i]);
	h_assert(ctl_pid_of("api/web:0") == s0.pid[widx("api/web:0")] &&
	    ctl_pid_of("api/inner/db") == s0.pid[widx("api/inner/db")],
	    "the running ones untouched");
}
END_TEST

/*
 * A command replies only once its action is done: with api's supervisor
 * frozen, `stop api/db` (and `start api/db`) cannot complete, so the
 * client must still be waiting; once thawed, it returns 0 and the state is
 * the one asked for.
 */
START_TEST(reply_waits_for_the_action)
{
	struct ctlrun r;
	pid_t grp, db;
	bool early;
	int rc;

	up();
	grp = h_find_title("pmtree: group api");
	db = ctl_pid_of("api/db");
	h_assert(h_kill(grp, SIGSTOP), "freeze api");
	ctl_bg(&r, "stop", "api/db", NULL);
	(void)H_UNTIL_MS(500, ctl_bg_done(&r));
	early = ctl_bg_done(&r);
	(void)h_kill(grp, SIGCONT);
	h_assert(!early, "stop api/db replied while api was frozen");
	rc = ctl_bg_wait(&r, H_DEADLINE_MS);
	h_assert(rc == 0, "stop api/db: exit %d", rc);
	h_assert(ctl_is("api/db", "stopped") && h_gone(db), "db stopped");

	h_assert(h_kill(grp, SIGSTOP), "freeze api");
	ctl_bg(&r, "start", "api/db", NULL);
	(void)H_UNTIL_MS(500, ctl_bg_done(&r));
	early = ctl_bg_done(&r);
	(void)h_kill(grp, SIGCONT);
	h_assert(!early, "start api/db replied while api was frozen");
	rc = ctl_bg_wait(&r, H_DEADLINE_MS);
	h_assert(rc == 0, "start api/db: exit %d", rc);
	h_assert(ctl_running_anew("api/db", db), "db running");
}
END_TEST

/*
 * Closed SPEC gap, now a regression test (meson test integration-commands-spec-gaps).  SPEC §5:
 * "Commands reply when the action is complete", and `start GROUP` starts
 * every held worker below it.  pmtree 0.1.0 answers `start api` as soon as
 * the workers that were not held are running: commands_target_done skips a
 * worker the root's table shows held (the hold is lifted by api's
 * supervisor, which has not reported yet), so the reply comes before the
 * held ones started.  Seen here with api's supervisor frozen: the client
 * returns at once, api/db still stopped.
 */
START_TEST(start_group_replies_after_held_started)
{
	struct ctlrun r;
	pid_t grp;
	bool early;
	int rc;

	up();
	act("stop", "api/db");
	grp = h_find_title("pmtree: group api");
	h_assert(h_kill(grp, SIGSTOP), "freeze api");
	ctl_bg(&r, "start", "api", NULL);
	(void)H_UNTIL_MS(500, ctl_bg_done(&r));
	early = ctl_bg_done(&r);
	(void)h_kill(grp, SIGCONT);
	rc = ctl_bg_wait(&r, H_DEADLINE_MS);
	h_assert(rc == 0, "start api: exit %d", rc);
	h_assert(!early, "start api replied before api/db was started "
	    "(its supervisor was frozen)");
	h_assert(ctl_is("api/db", "running"), "api/db running at the reply");
}
END_TEST

/* --- commands that cross ------------------------------------------------ */

/* The stderr of a background client, whole (the caller frees it). */
static char *
bg_err(const struct ctlrun *r)
{
	char *s = h_read(r->err);

	h_assert(s != NULL, "read %s", r->err);
	return (s);
}

/*
 * `restart api/inner`, then `stop api` before the restart is done: the
 * stop wins, and the restart answers (an error naming the stop) instead of
 * waiting for workers nobody will start.  api/inner's supervisor is frozen
 * so that the restart cannot finish first.
 */
START_TEST(restart_interrupted_by_stop_of_its_group)
{
	struct ctlrun r, s;
	pid_t inner;
	bool early;
	char *err;
	int rc;

	up();
	inner = h_find_title("pmtree: group api/inner");
	h_assert(h_kill(inner, SIGSTOP), "freeze api/inner");
	ctl_bg(&r, "restart", "api/inner", NULL);
	(void)H_UNTIL_MS(300, ctl_bg_done(&r));
	early = ctl_bg_done(&r);
	ctl_bg(&s, "stop", "api", NULL);
	(void)H_UNTIL_MS(300, ctl_bg_done(&s));
	(void)h_kill(inner, SIGCONT);
	h_assert(!early, "restart api/inner replied while api/inner was frozen");
	rc = ctl_bg_wait(&s, H_DEADLINE_MS);
	h_assert(rc == 0, "stop api: exit %d", rc);
	rc = ctl_bg_wait(&r, H_DEADLINE_MS);
	h_assert(rc == 1, "restart api/inner: exit %d (-1: no reply)", rc);
	err = bg_err(&r);
	h_assert(strstr(err, "interrupted by stop api") != NULL,
	    "restart api/inner: stderr '%s'", err);
	free(err);
	h_assert(ctl_is("api/inner", "stopped"), "api/inner stopped (%s)",
	    ctl_state_of("api/inner"));
	h_assert(ctl_is("api/inner/db", "stopped") &&
	    ctl_is("api/inner/cache", "stopped"), "its workers stopped");
}
END_TEST

/*
 * The other way round: `stop api` stops fast, then waits for slow (which
 * ignores TERM); `start api/fast` meanwhile takes fast over.  The stop
 * answers once slow is down, an error naming the start, instead of
 * waiting for fast to stop again (the chaos soak once found it waiting).
 */
START_TEST(stop_interrupted_by_start_of_a_worker)
{
	struct ctlrun s;
	char *err;
	int rc;

	h_yaml("children:\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - {name: slow, cmd: @SLEEPER@ --ignore-term, "
	    "shutdown: 1500ms}\n"
	    "      - {name: fast, cmd: @SLEEPER@}\n");
	h_start_up(2);
	ctl_bg(&s, "stop", "api", NULL);
	h_assert(H_UNTIL(ctl_is("api/fast", "stopped") &&
	    ctl_is("api/slow", "stopping")), "fast stopped, slow stopping");
	h_assert(ctl("start", "api/fast", NULL) == 0, "start api/fast: %s",
	    CTL.err);
	rc = ctl_bg_wait(&s, H_DEADLINE_MS);
	h_assert(rc == 1, "stop api: exit %d (-1: no reply)", rc);
	err = bg_err(&s);
	h_assert(strstr(err, "stop: interrupted by start api/fast") != NULL,
	    "stop api: stderr '%s'", err);
	free(err);
	h_assert(ctl_is("api/slow", "stopped"), "slow stopped (%s)",
	    ctl_state_of("api/slow"));
	h_assert(ctl_is("api/fast", "running"), "fast runs (%s)",
	    ctl_state_of("api/fast"));
}
END_TEST

/*
 * `stop api` while api/inner is down between two lives (its supervisor
 * SIGKILLed, api's one_for_all strategy still stopping a slow sibling):
 * api/inner/c was waiting for inner's next life, which never comes.  The
 * stop answers, and c reads `stopped`, not `waiting`, ever after.
 */
START_TEST(stop_group_while_a_nested_group_is_down)
{
	struct ctlrun s;
	pid_t inner;
	int rc;

	h_yaml("children:\n"
	    "  - name: api\n"
	    "    strategy: one_for_all\n"
	    "    children:\n"
	    "      - {name: slow, cmd: @SLEEPER@ --ignore-term, shutdown: 2s}\n"
	    "      - name: inner\n"
	    "        children:\n"
	    "          - {name: c, cmd: @SLEEPER@}\n");
	h_start_up(2);
	inner = h_find_title("pmtree: group api/inner");
	h_assert(h_kill(inner, SIGKILL), "kill api/inner's supervisor");
	h_assert(H_UNTIL(ctl_is("api/inner/c", "waiting") &&
	    ctl_is("api/slow", "stopping")), "c waits while slow stops (%s, %s)",
	    ctl_state_of("api/inner/c"), ctl_state_of("api/slow"));
	ctl_bg(&s, "stop", "api", NULL);
	rc = ctl_bg_wait(&s, H_DEADLINE_MS);
	h_assert(rc == 0, "stop api: exit %d (-1: no reply)", rc);
	h_assert(ctl_is("api/slow", "stopped") &&
	    ctl_is("api/inner", "stopped"), "api's children stopped");
	h_assert(ctl_is("api/inner/c", "stopped"), "c stopped (%s)",
	    ctl_state_of("api/inner/c"));
	act("start", "api");
	h_assert(ctl_is("api/inner/c", "running"), "c runs again");
}
END_TEST

/* --- signal ----------------------------------------------------------------- */

static void
expect_signal_exit(const char *path, pid_t old, const char *sig)
{
	json_t *st, *n, *x;

	h_assert(H_UNTIL(ctl_running_anew(path, old)), "%s restarted", path);
	st = ctl_status();
	n = ctl_node(st, path);
	x = json_object_get(n, "last_exit");
	h_assert(json_is_object(x) && json_object_size(x) == 1 &&
	    json_is_string(json_object_get(x, "signal")) &&
	    strcmp(json_string_value(json_object_get(x, "signal")), sig) == 0,
	    "%s last_exit is {\"signal\":\"%s\"}", path, sig);
	h_assert(json_integer_value(json_object_get(n, "restarts")) == 1,
	    "%s restarts 1", path);
	json_decref(st);
}

/* Exactly one `pmtree signal ARG...` succeeds silently. */
static void
signal_ok(const char *a1, const char *a2, const char *a3)
{
	int rc = ctl("signal", a1, a2, a3, NULL);

	h_assert(rc == 0 && *CTL.out == '\0' && *CTL.err == '\0',
	    "signal %s %s %s: exit %d, stderr '%s'", a1, a2, a3 ? a3 : "", rc,
	    CTL.err);
}

/* fx-sleeper dies of USR1: last_exit says so, and it is restarted. */
START_TEST(signal_worker)
{
	static const char *const hit[] = { "q", "z", "api/web:1", NULL };
	struct snap s0, s1;
	char num[16];

	up();
	snap(&s0);
	signal_ok("q", "USR1", NULL);
	expect_signal_exit("q", s0.pid[widx("q")], "USR1");
	signal_ok("z", "sigusr1", NULL);
	expect_signal_exit("z", s0.pid[widx("z")], "USR1");
	snprintf(num, sizeof(num), "%d", SIGUSR1);
	signal_ok("api/web:1", num, NULL);
	expect_signal_exit("api/web:1", s0.pid[widx("api/web:1")], "USR1");
	snap(&s1);
	expect_others_same(&s0, &s1, hit);
}
END_TEST

START_TEST(signal_bare_name_in_two_groups)
{
	static const char *const hit[] = { "api/db", "api/inner/db", NULL };
	struct snap s0, s1;

	up();
	snap(&s0);
	signal_ok("db", "USR1", NULL);
	expect_signal_exit("api/db", s0.pid[widx("api/db")], "USR1");
	expect_signal_exit("api/inner/db", s0.pid[widx("api/inner/db")],
	    "USR1");
	snap(&s1);
	expect_others_same(&s0, &s1, hit);
}
END_TEST

/*
 * A group target signals every worker below it, nested groups included,
 * each once (`inner` also matches as a bare name inside `api`'s subtree);
 * "" (the whole tree) is refused as a missing target.
 */
START_TEST(signal_group)
{
	static const char *const hit[] = { "api/db", "api/web:0", "api/web:1",
	    "api/inner/db", "api/inner/cache", NULL };
	struct ctlconn cc;
	struct snap s0, s1;
	char *line;
	size_t i;

	up();
	snap(&s0);
	ctl_open(&cc, NULL);
	h_assert(ctl_send(&cc, "{\"cmd\":\"signal\",\"target\":\"api\","
	    "\"signal\":\"USR1\"}\n", 48), "send");
	line = ctl_readline(&cc, 5000);
	h_assert(line != NULL && strstr(line, "\"sent\":5") != NULL,
	    "reply '%s'", line ? line : "(none)");
	free(line);
	ctl_close(&cc);
	for (i = 0; hit[i] != NULL; i++)
		expect_signal_exit(hit[i], s0.pid[widx(hit[i])], "USR1");
	snap(&s1);
	expect_others_same(&s0, &s1, hit);
	h_assert(ctl("signal", "", "USR1", NULL) == 2 &&
	    strcmp(CTL.err, "pmtree: signal: missing TARGET\n") == 0,
	    "signal '': exit %d, stderr '%s'", CTL.rc, CTL.err);
}
END_TEST

START_TEST(signal_errors)
{
	up();
	act("stop", "z");
	h_assert(ctl("signal", "z", "USR1", NULL) == 1 &&
	    strcmp(CTL.err, "pmtree: signal z: no running worker\n") == 0,
	    "signal to a stopped worker: exit %d, stderr '%s'", CTL.rc,
	    CTL.err);
	h_assert(ctl("signal", "q", "NOSUCH", NULL) == 2 &&
	    strncmp(CTL.err, "pmtree: signal: ", 16) == 0,
	    "unknown signal: exit %d, stderr '%s'", CTL.rc, CTL.err);
	h_assert(ctl("signal", "nope", "USR1", NULL) == 1 &&
	    strcmp(CTL.err, "pmtree: no such child: nope\n") == 0,
	    "no such child: exit %d, stderr '%s'", CTL.rc, CTL.err);
	h_assert(h_lines(H.starts) == (int)NW, "nothing restarted");
}
END_TEST

static bool
all_in_state(const pid_t *p, int n, bool stopped)
{
	int i;

	for (i = 0; i < n; i++) {
		if ((h_state(p[i]) == 'T') != stopped)
			return (false);
	}
	return (true);
}

/* Without --group only the main process; with it, its grandchildren too. */
START_TEST(signal_process_group)
{
	struct hstart k[8];
	pid_t fw, kids[2];
	int n, i;

	h_yaml("children:\n"
	    "  - {name: fw, cmd: @FORKER@ --kids 2}\n");
	h_start_up(1);
	fw = h_pid_of("fw", 0);
	n = h_read_starts(H.kids, k, 8);
	h_assert(n == 2, "two grandchildren");
	for (i = 0; i < 2; i++) {
		kids[i] = k[i].pid;
		h_assert(h_pgid(kids[i]) == fw, "kid %d in fw's group", i);
	}
	signal_ok("fw", "STOP", NULL);
	h_assert(H_UNTIL(h_state(fw) == 'T'), "fw stopped");
	settle();
	h_assert(all_in_state(kids, 2, false), "the grandchildren were not");
	signal_ok("fw", "CONT", NULL);
	h_assert(H_UNTIL(h_state(fw) != 'T'), "fw continued");
	signal_ok("--group", "fw", "STOP");
	h_assert(H_UNTIL(h_state(fw) == 'T' && all_in_state(kids, 2, true)),
	    "--group stops the grandchildren too");
	signal_ok("fw", "CONT", "--group");
	h_assert(H_UNTIL(h_state(fw) != 'T' && all_in_state(kids, 2, false)),
	    "--group (after the arguments) continues them all");
	h_assert(ctl_is("fw", "running") && ctl_pid_of("fw") == fw,
	    "fw never restarted");
}
END_TEST

/* --- restart of a stopped worker, shutdown ------------------------------ */

START_TEST(restart_a_stopped_worker)
{
	static const char *const l[] = { "z", NULL };
	struct snap s0, s1;

	up();
	snap(&s0);
	act("stop", "z");
	act("restart", "z");
	snap(&s1);
	expect_new(&s0, &s1, l);
	expect_others_same(&s0, &s1, l);
}
END_TEST

/* A listener on PORT, made after h_free_port found it free. */
static int
listen_on(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	return (fd);
}

/*
 * The supervisors of a group's child groups are forked together, each
 * waiting for its turn: g2's and g3's exist while g1 is not ready, and
 * start nothing.  A command makes the waiting ones go (they fork in their
 * turn instead), and the order still holds: g2 starts once g1 is ready,
 * g3 not at all (stopped before its turn), until started.
 */
START_TEST(groups_forked_ahead_wait_their_turn)
{
	int port = h_free_port(), lfd;
	pid_t root, w2, w3, g2;

	h_yaml("children:\n"
	    "  - name: g1\n"
	    "    children:\n"
	    "      - {name: a, cmd: @SLEEPER@,"
	    " ready: {tcp: \"127.0.0.1:%d\", owner: any},"
	    " ready_timeout: 60s}\n"
	    "  - name: g2\n"
	    "    children: [{name: b, cmd: @SLEEPER@}]\n"
	    "  - name: g3\n"
	    "    children: [{name: c, cmd: @SLEEPER@}]\n", port);
	h_start();
	root = H.run.pid;
	h_assert(H_UNTIL(h_starts_of("g1/a") == 1), "g1/a started");
	w2 = h_find_title("pmtree: group g2");
	w3 = h_find_title("pmtree: group g3");
	h_assert(w2 > 0 && w3 > 0, "g2's and g3's supervisors wait (%d, %d)",
	    (int)w2, (int)w3);
	h_assert(h_ppid(w2) == root && h_ppid(w3) == root, "children of the root");
	h_assert(h_log_count(" g2 supervisor started") == 0 &&
	    h_starts_of("g2/b") == 0, "g2 does not start before g1 is ready");
	h_assert(ctl("stop", "g3", NULL) == 0, "stop g3");
	h_assert(H_UNTIL(h_gone(w2) && h_gone(w3)), "the waiting ones left");
	h_assert(h_starts_of("g2/b") == 0 && h_zombies() == 0,
	    "g2 still waits for g1, no zombie");
	lfd = listen_on(port);
	h_assert(H_UNTIL(h_starts_of("g2/b") == 1), "g2/b starts once g1 is ready");
	g2 = h_log_pid(" g2 supervisor started (pid", 0);
	h_assert(g2 > 0 && g2 != w2 && h_alive(g2), "g2 forked in its turn");
	h_assert(h_log_index(" g1/a ready", 0) < h_log_index(" g2 supervisor "
	    "started", 0), "g2 after g1 is ready");
	h_assert(h_starts_of("g3/c") == 0 && h_find_title("pmtree: group g3") == 0,
	    "g3 stays stopped");
	/* The reply comes once c is spawned; its start line a moment later. */
	h_assert(ctl("start", "g3", NULL) == 0, "start g3");
	h_assert(H_UNTIL(h_starts_of("g3/c") == 1), "g3 starts when told");
	close(lfd);
}
END_TEST

/* `shutdown` returns once everything is down; pmtree run exits 0. */
START_TEST(shutdown_returns_when_down)
{
	struct ctlrun r;
	pid_t a, x, slow, grp, logp;
	uint64_t t0;
	int rc;

	h_yaml("children:\n"
	    "  - {name: a, cmd: @SLEEPER@}\n"
	    "  - name: api\n"
	    "    children:\n"
	    "      - {name: x, cmd: @SLEEPER@}\n"
	    "  - {name: slow, cmd: @SLEEPER@ --ignore-term, shutdown: 1s}\n");
	h_start_up(3);
	a = h_pid_of("a", 0);
	x = h_pid_of("api/x", 0);
	slow = h_pid_of("slow", 0);
	grp = h_find_title("pmtree: group api");
	logp = h_find_title("pmtree: log t");
	t0 = h_now_ms();
	ctl_bg(&r, "shutdown", NULL);
	h_assert(H_UNTIL(h_log_count("pmtree stopping") == 1), "stopping");
	/* While it stops: other commands are refused, a second shutdown waits. */
	h_assert(ctl("stop", "a", NULL) == 1 &&
	    strcmp(CTL.err, "pmtree: the tree is shutting down\n") == 0,
	    "stop while shutting down: exit %d, stderr '%s'", CTL.rc, CTL.err);
	h_assert(ctl("shutdown", NULL) == 0 && *CTL.err == '\0',
	    "second shutdown: exit %d, stderr '%s'", CTL.rc, CTL.err);
	h_assert(h_now_ms() - t0 >= 900, "returned after %llu ms, before "
	    "slow's 1 s shutdown", (unsigned long long)(h_now_ms() - t0));
	h_assert(h_gone(a) && h_gone(x) && h_gone(slow) && h_gone(grp),
	    "everything down when shutdown returns");
	h_assert(logp <= 0 || h_gone(logp), "the collector too");
	rc = ctl_bg_wait(&r, H_DEADLINE_MS);
	h_assert(rc == 0, "first shutdown: exit %d", rc);
	h_assert(h_wait_exit(&H.run, 5000) == 0, "pmtree run exits 0");
	h_assert(h_marked_alive() == 0, "no process left");
	h_assert(h_log_count("tree t stopped") == 1, "stopped line");
}
END_TEST

/* PATH runs with a pid other than OLD; its restarts are WANT. */
static void
expect_restarts(const char *path, pid_t old, int want)
{
	h_assert(H_UNTIL(ctl_pid_of(path) > 0 && ctl_pid_of(path) != old &&
	    strcmp(ctl_state_of(path), "running") == 0),
	    "%s running anew", path);
	h_assert(ctl_restarts_of(path) == want, "%s restarts %d, want %d", path,
	    ctl_restarts_of(path), want);
}

/*
 * restarts counts what the supervision decided, never a command: not a
 * restart, a reload that restarts a changed worker, or a scale; a crash
 * and a sibling's one_for_all restart do.
 */
START_TEST(restarts_count_automatic_restarts_only)
{
	static const char yaml[] = "children:\n"
	    "  - {name: w, cmd: @SLEEPER@, env: {V: \"%d\"}, backoff: [10ms]}\n"
	    "  - name: g\n    strategy: one_for_all\n    children:\n"
	    "      - {name: a, cmd: @SLEEPER@}\n"
	    "      - {name: c, cmd: @SLEEPER@, backoff: [10ms]}\n";
	pid_t pid;

	h_yaml(yaml, 1);
	h_start_up(3);
	pid = ctl_pid_of("w");
	h_assert(ctl("restart", "w", NULL) == 0, "restart w");
	expect_restarts("w", pid, 0);
	pid = ctl_pid_of("w");
	h_yaml(yaml, 2);
	h_assert(ctl("reload", NULL) == 0, "reload: %s", CTL.err);
	expect_restarts("w", pid, 0);
	h_assert(ctl("scale", "w", "2", NULL) == 0, "scale w 2");
	h_assert(H_UNTIL(strcmp(ctl_state_of("w:1"), "running") == 0), "w:1");
	h_assert(ctl_restarts_of("w:0") == 0 && ctl_restarts_of("w:1") == 0,
	    "scaled: w:0 %d, w:1 %d", ctl_restarts_of("w:0"),
	    ctl_restarts_of("w:1"));
	pid = ctl_pid_of("w:0");
	h_assert(h_kill(pid, SIGKILL), "kill w:0");
	expect_restarts("w:0", pid, 1);
	h_assert(ctl_restarts_of("w:1") == 0, "w:1 untouched");
	pid = ctl_pid_of("g/a");
	h_assert(h_kill(ctl_pid_of("g/c"), SIGKILL), "kill g/c");
	expect_restarts("g/a", pid, 1);
	h_assert(H_UNTIL(ctl_restarts_of("g/c") == 1 &&
	    strcmp(ctl_state_of("g/c"), "running") == 0), "g/c restarts %d",
	    ctl_restarts_of("g/c"));
}
END_TEST

/*
 * A SIGSTOPped worker with a 10 s shutdown: the stop signal is followed by
 * SIGCONT, so it exits on its TERM well before the KILL would come.
 */
START_TEST(stop_continues_a_stopped_worker)
{
	uint64_t t0;
	pid_t pid;

	h_yaml("children:\n  - {name: s, cmd: @SLEEPER@, shutdown: 10s}\n");
	h_start_up(1);
	pid = h_pid_of("s", 0);
	h_assert(kill(pid, SIGSTOP) == 0, "SIGSTOP");
	h_assert(H_UNTIL(h_state(pid) == 'T'), "stopped (state %c)",
	    h_state(pid));
	t0 = h_now_ms();
	h_assert(ctl("stop", "s", NULL) == 0, "stop s: %s", CTL.err);
	h_assert(h_now_ms() - t0 < 5000, "stop took %llu ms",
	    (unsigned long long)(h_now_ms() - t0));
	h_assert(h_log_count(" s exited with code 0") +
	    h_log_count(" s stopped") >= 1 && h_log_count("SIGKILL") == 0,
	    "ended by its stop signal, not killed");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-commands");
	TCase *tc = h_tcase("commands"), *gaps;

	tcase_add_test(tc, worker_at_the_root);
	tcase_add_test(tc, worker_in_a_group_by_path);
	tcase_add_test(tc, instance);
	tcase_add_test(tc, all_instances_of_a_worker);
	tcase_add_test(tc, group);
	tcase_add_test(tc, nested_group);
	tcase_add_test(tc, nested_group_by_bare_name);
	tcase_add_test(tc, bare_name_in_two_groups);
	tcase_add_test(tc, full_path_in_a_nested_group);
	tcase_add_test(tc, held_across_one_for_all);
	tcase_add_test(tc, held_across_rest_for_one);
	tcase_add_test(tc, held_across_group_sigkill_direct);
	tcase_add_test(tc, restart_group_keeps_held_stopped);
	tcase_add_test(tc, restart_group_with_a_stopped_nested_group);
	tcase_add_test(tc, start_group_releases_held);
	tcase_add_test(tc, reply_waits_for_the_action);
	tcase_add_test(tc, restart_interrupted_by_stop_of_its_group);
	tcase_add_test(tc, stop_interrupted_by_start_of_a_worker);
	tcase_add_test(tc, stop_group_while_a_nested_group_is_down);
	tcase_add_test(tc, signal_worker);
	tcase_add_test(tc, signal_bare_name_in_two_groups);
	tcase_add_test(tc, signal_group);
	tcase_add_test(tc, signal_errors);
	tcase_add_test(tc, signal_process_group);
	tcase_add_test(tc, restart_a_stopped_worker);
	tcase_add_test(tc, shutdown_returns_when_down);
	tcase_add_test(tc, stop_continues_a_stopped_worker);
	tcase_add_test(tc, restarts_count_automatic_restarts_only);
	tcase_add_test(tc, groups_forked_ahead_wait_their_turn);
	suite_add_tcase(s, tc);
	gaps = h_tcase("spec_gaps");
	tcase_set_tags(gaps, "spec_gap");
	tcase_add_test(gaps, start_group_replies_after_held_started);
	tcase_add_test(gaps, stop_group_with_nested_group);
	tcase_add_test(gaps, held_across_group_sigkill_nested);
	suite_add_tcase(s, gaps);
	return (h_main(s));
}
