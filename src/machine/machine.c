/*
 * The supervision machine (see machine.h).  Cells of the slot table are
 * tiny and only change the slot and queue actions; the plan (sm_step) is the
 * one place that decides what starts or stops next.
 */
#include <signal.h>
#include <string.h>

#include "smint.h"
#include "xmalloc.h"

typedef void cell_fn(struct sm *, size_t, const struct sev *);

static const char *state_names[SLOT_NSTATES] = {
	"waiting", "starting", "running", "stopping", "stopped", "backoff",
	"exited",
};

const char *
sm_reason_name(enum exit_reason r)
{
	static const char *names[REASON_NREASONS] = {
		NULL, "ready_timeout", "watchdog", "memory",
	};

	return (r < REASON_NREASONS ? names[r] : NULL);
}

const char *
sm_state_name(enum slot_state s)
{
	return (s < SLOT_NSTATES ? state_names[s] : "unknown");
}

bool
sm_slot_live(const struct slot *s)
{
	return (s->state == SLOT_STARTING || s->state == SLOT_RUNNING ||
	    s->state == SLOT_STOPPING);
}

void
sm_emit(struct sm *sm, struct action a)
{
	if (sm->nacts == sm->actcap) {
		sm->actcap = sm->actcap ? sm->actcap * 2 : 16;
		sm->acts = xreallocarray(sm->acts, sm->actcap, sizeof(a));
	}
	sm->acts[sm->nacts++] = a;
}

bool
sm_next(struct sm *sm, struct action *a)
{
	if (sm->acthead == sm->nacts) {
		sm->acthead = sm->nacts = 0;
		return (false);
	}
	*a = sm->acts[sm->acthead++];
	return (true);
}

static bool
slot_is_group(const struct slot *s)
{
	return (s->node->kind == CFG_GROUP);
}

static void
slot_timer(struct sm *sm, size_t i, uint64_t due)
{
	sm->slots[i].due = due;
	sm_emit(sm, (struct action){ .kind = ACT_TIMER, .slot = i, .value = due });
}

/* Every state change goes through here, so each is reported exactly once. */
void
slot_set(struct sm *sm, size_t i, enum slot_state st)
{
	struct slot *s = &sm->slots[i];

	if (s->due != 0)
		slot_timer(sm, i, 0);
	if (s->state == st)
		return;
	s->state = st;
	if (st != SLOT_STOPPING) {
		s->why = WHY_NONE;
		s->killed = false;
		s->stop_sig = SM_SIG_NONE;
		s->stop_since = s->stop_sent_at = 0;
	}
	sm_emit(sm, (struct action){ .kind = ACT_REPORT, .slot = i });
	/* Stopped, or ended for good (temporary): nothing below will start. */
	if (slot_is_group(s) && (st == SLOT_STOPPED || st == SLOT_EXITED))
		sm_emit(sm, (struct action){ .kind = ACT_BELOW, .slot = i,
		    .value = BELOW_PARK });
}

static void
sm_note(struct sm *sm, size_t i, enum note n, uint64_t value)
{
	sm_emit(sm, (struct action){ .kind = ACT_NOTE, .slot = i, .note = n,
	    .value = value });
}

/*
 * A worker's exit code in normal_exit_codes; a group's SM_EXIT_OK (it shut
 * down; SM_EXIT_GAVE_UP or any other code is a failure).  A signal is
 * never normal by itself.
 */
static bool
slot_exit_normal(const struct slot *s)
{
	const struct cfg_worker *w = &s->node->worker;
	size_t k;

	if (s->last.code < 0)
		return (false);
	if (slot_is_group(s))
		return (s->last.code == SM_EXIT_OK);
	for (k = 0; k < w->n_normal_exit_codes; k++) {
		if (w->normal_exit_codes[k] == s->last.code)
			return (true);
	}
	return (false);
}

static bool
slot_should_restart(const struct slot *s)
{
	switch (config_restart(s->node)) {
	case CFG_PERMANENT:
		return (true);
	case CFG_TRANSIENT:
		return (!slot_exit_normal(s));
	case CFG_TEMPORARY:
		break;
	}
	return (false);
}

/* Where a slot stopped by the plan lands: a temporary one is done. */
static enum slot_state
slot_rest_state(const struct slot *s)
{
	if (config_restart(s->node) == CFG_TEMPORARY)
		return (SLOT_EXITED);
	return (SLOT_WAITING);
}

/* The delay before the next automatic start; advances the schedule. */
static uint64_t
slot_backoff(struct slot *s, uint64_t now)
{
	const struct cfg_worker *w = &s->node->worker;
	size_t k;

	if (slot_is_group(s))
		return (0);
	if (now - s->started_at >= w->stable_after_ms)
		s->nfail = 0;
	k = s->nfail < w->n_backoff ? s->nfail : w->n_backoff - 1;
	s->nfail++;
	return (w->backoff_ms[k]);
}

/* --- the cells ---------------------------------------------------------- */

static void
cell_ignore(struct sm *sm, size_t i, const struct sev *e)
{
}

static void
cell_spawn(struct sm *sm, size_t i, const struct sev *e)
{
	struct slot *s = &sm->slots[i];

	/* A stop_command of its previous life must not act on this one. */
	slot_stop_command_kill(sm, i);
	s->starts++;
	s->started_at = e->now;
	s->reloading = false;
	s->reached = true;
	s->finished = false;
	slot_set(sm, i, SLOT_STARTING);
	sm_emit(sm, (struct action){ .kind = ACT_SPAWN, .slot = i });
	if (!slot_is_group(s) && s->node->worker.ready != CFG_READY_NONE &&
	    s->node->worker.ready_timeout_ms != CFG_INFINITY)
		slot_timer(sm, i, e->now + s->node->worker.ready_timeout_ms);
}

/* The watchdog, for the workers that asked for one, runs while they run. */
void
slot_watchdog(struct sm *sm, size_t i, uint64_t now)
{
	const struct slot *s = &sm->slots[i];

	if (!slot_is_group(s) && s->node->worker.watchdog_ms > 0)
		slot_timer(sm, i, now + s->node->worker.watchdog_ms);
}

static void
cell_ready(struct sm *sm, size_t i, const struct sev *e)
{
	const struct slot *s = &sm->slots[i];

	if (!slot_is_group(s) && s->node->worker.ready != CFG_READY_NONE)
		sm_note(sm, i, NOTE_READY, 0);
	slot_set(sm, i, SLOT_RUNNING);
	slot_watchdog(sm, i, e->now);
}

/* The stop signal or the stop_command (stop.c), and the shutdown timer. */
static void
cell_stop(struct sm *sm, size_t i, const struct sev *e)
{
	struct slot *s = &sm->slots[i];
	uint64_t grace = CFG_INFINITY;

	if (!slot_is_group(s))
		grace = s->node->worker.shutdown_ms;
	if (s->state != SLOT_STOPPING)
		s->stop_since = e->now;
	slot_set(sm, i, SLOT_STOPPING);
	s->why = e->why;
	slot_send_stop(sm, i, grace, e->now);
	if (grace != 0 && grace != CFG_INFINITY)
		slot_timer(sm, i, e->now + grace);
}

/*
 * A second reason to stop: a command or shutdown outranks a strategy stop.
 * A worker stopping by itself (STOPPING=1) has had no signal yet: now it does.
 */
static void
cell_restop(struct sm *sm, size_t i, const struct sev *e)
{
	struct slot *s = &sm->slots[i];

	if (s->why == WHY_NONE) {
		cell_stop(sm, i, e);
		return;
	}
	if (e->why > s->why)
		s->why = e->why;
}

/* Stopped for failing (WHY): its exit will be a crash, whatever its code. */
static void
slot_fail(struct sm *sm, size_t i, const struct sev *e, enum note why,
    uint64_t value)
{
	struct sev stop = *e;

	sm_note(sm, i, why, value);
	sm->slots[i].failing = why == NOTE_WATCHDOG ? REASON_WATCHDOG :
	    why == NOTE_MEMORY ? REASON_MEMORY : REASON_READY_TIMEOUT;
	stop.why = WHY_FAILED;
	cell_stop(sm, i, &stop);
}

/* A running worker's watchdog ran out: it is hung. */
static void
cell_watchdog(struct sm *sm, size_t i, const struct sev *e)
{
	slot_fail(sm, i, e, NOTE_WATCHDOG, 0);
}

static void
cell_ready_timeout(struct sm *sm, size_t i, const struct sev *e)
{
	slot_fail(sm, i, e, NOTE_READY_TIMEOUT, 0);
}

void
sm_over_memory(struct sm *sm, size_t i, uint64_t rss, uint64_t now)
{
	const struct slot *s = &sm->slots[i];
	struct sev e = { .now = now };

	if (s->node->kind != CFG_WORKER || s->retired ||
	    (s->state != SLOT_STARTING && s->state != SLOT_RUNNING))
		return;
	slot_fail(sm, i, &e, NOTE_MEMORY, rss);
	sm_step(sm, now);
}

static void
cell_kill(struct sm *sm, size_t i, const struct sev *e)
{
	sm->slots[i].killed = true;
	sm_note(sm, i, NOTE_KILL, 0);
	sm_emit(sm, (struct action){ .kind = ACT_SIGNAL, .slot = i,
	    .sig = SIGKILL });
	slot_stop_command_kill(sm, i);
}

/* A slot that is not running is stopped: held by a command or shutdown. */
static void
cell_park(struct sm *sm, size_t i, const struct sev *e)
{
	if (sm->slots[i].state == SLOT_EXITED && e->why != WHY_COMMAND)
		return;
	if (e->why == WHY_COMMAND)
		sm->slots[i].held = true;
	if (e->why == WHY_COMMAND || e->why == WHY_SHUTDOWN)
		slot_set(sm, i, SLOT_STOPPED);
	else if (sm->slots[i].state == SLOT_BACKOFF)
		slot_set(sm, i, SLOT_WAITING);
}

static void
cell_backoff_due(struct sm *sm, size_t i, const struct sev *e)
{
	sm->slots[i].due = 0;
	/* Once the plan let it go a restart is its own; before, the plan's. */
	if (!sm->stopping && sm->slots[i].reached)
		cell_spawn(sm, i, e);
}

static void	sm_crashed(struct sm *, size_t, bool, uint64_t);

/* A live slot's process is gone: stopped as asked, or crashed. */
static void
cell_exit(struct sm *sm, size_t i, const struct sev *e)
{
	struct slot *s = &sm->slots[i];
	enum stop_why why = s->state == SLOT_STOPPING ? s->why : WHY_NONE;

	s->has_exit = true;
	s->last = e->exit;
	s->reason = why == WHY_FAILED ? s->failing : REASON_NONE;
	s->failing = REASON_NONE;
	/* Gone by itself inside a stop phase: as if the phase had stopped it. */
	if (why == WHY_NONE && sm->stopping && i >= sm->stop_from)
		why = s->retired ? WHY_COMMAND : sm->stop_why;
	if (sm->shutting_down || why == WHY_COMMAND) {
		s->held = s->held || why == WHY_COMMAND;
		slot_set(sm, i, SLOT_STOPPED);
	} else if (why == WHY_RESTART) {
		s->nfail = 0;
		s->reached = false;
		slot_set(sm, i, SLOT_WAITING);
	} else if (why == WHY_STRATEGY) {
		s->restarts++;
		slot_set(sm, i, slot_rest_state(s));
	}
	else
		sm_crashed(sm, i, why == WHY_FAILED, e->now);
}

/*
 * The table.  Rows: the slot's state; columns: START, READY, EXIT, STOP,
 * TIMER.  What is not listed cannot happen or needs nothing.
 */
static cell_fn *const table[SLOT_NSTATES][SEV_NEVENTS] = {
	[SLOT_WAITING] =  { cell_spawn,  cell_ignore, cell_ignore, cell_park,
			    cell_ignore },
	[SLOT_STARTING] = { cell_ignore, cell_ready,  cell_exit,   cell_stop,
			    cell_ready_timeout },
	[SLOT_RUNNING] =  { cell_ignore, cell_ignore, cell_exit,   cell_stop,
			    cell_watchdog },
	[SLOT_STOPPING] = { cell_ignore, cell_ignore, cell_exit,   cell_restop,
			    cell_kill },
	[SLOT_STOPPED] =  { cell_spawn,  cell_ignore, cell_ignore, cell_ignore,
			    cell_ignore },
	[SLOT_BACKOFF] =  { cell_spawn,  cell_ignore, cell_ignore, cell_park,
			    cell_backoff_due },
	[SLOT_EXITED] =   { cell_spawn,  cell_ignore, cell_ignore, cell_park,
			    cell_ignore },
};

void
slot_event(struct sm *sm, size_t i, enum slot_event ev, const struct sev *e)
{
	table[sm->slots[i].state][ev](sm, i, e);
}

/* --- the plan ----------------------------------------------------------- */

/*
 * Starts a stop phase over every slot from FROM up, or widens the current
 * one; the strongest reason of the two stands (a command outranks a restart).
 */
void
sm_stop_from(struct sm *sm, size_t from, enum stop_why why)
{
	if (!sm->stopping) {
		sm->stopping = true;
		sm->stop_from = from;
		sm->stop_why = why;
		sm_phase_all(sm);
		return;
	}
	if (from < sm->stop_from)
		sm->stop_from = from;
	if (why > sm->stop_why)
		sm->stop_why = why;
}

/* Everything goes down, newest first; the first status given stands. */
static void
sm_begin_shutdown(struct sm *sm, int status)
{
	if (!sm->shutting_down) {
		sm->shutting_down = true;
		sm->exit_status = status;
	}
	sm_stop_from(sm, 0, WHY_SHUTDOWN);
	sm_phase_all(sm);
}

static void
sm_give_up(struct sm *sm, size_t i, uint64_t now)
{
	sm_note(sm, i, NOTE_GAVE_UP, intensity_count(&sm->intensity, now));
	slot_set(sm, i, SLOT_EXITED);
	sm_begin_shutdown(sm, SM_EXIT_GAVE_UP);
}

/* OTP's auto_shutdown: a significant child that ended may end the group. */
static void
sm_significant_end(struct sm *sm, size_t i)
{
	const struct slot *s = &sm->slots[i];
	size_t k;

	if (!s->node->significant || sm->shutting_down)
		return;
	switch (sm->group->group.auto_shutdown) {
	case CFG_AUTO_NEVER:
		return;
	case CFG_AUTO_ANY:
		break;
	case CFG_AUTO_ALL:
		for (k = 0; k < sm->nslots; k++) {
			if (!sm->slots[k].retired && sm->slots[k].node->significant &&
			    sm->slots[k].state != SLOT_EXITED)
				return;
		}
		break;
	}
	sm->ended = true;
	sm->end_code = slot_is_group(s) ? 0 : s->last.code >= 0 ?
	    s->last.code : 128 + s->last.sig;
	sm_note(sm, i, NOTE_AUTO_SHUTDOWN, (uint64_t)sm->end_code);
	sm_begin_shutdown(sm, SM_EXIT_OK);
}

/*
 * An exit the supervisor did not ask for, or a FAILED start it ended
 * itself (never a normal exit): restart, per type and strategy.
 */
static void
sm_crashed(struct sm *sm, size_t i, bool failed, uint64_t now)
{
	struct slot *s = &sm->slots[i];
	struct sev e = { .now = now };
	uint64_t delay;

	if (!slot_should_restart(s) &&
	    (!failed || config_restart(s->node) == CFG_TEMPORARY)) {
		s->finished = !failed && slot_exit_normal(s) &&
		    !slot_is_group(s) && s->node->worker.ready == CFG_READY_EXITED;
		sm_note(sm, i, s->finished ? NOTE_FINISHED : NOTE_NO_RESTART, 0);
		slot_set(sm, i, SLOT_EXITED);
		sm_significant_end(sm, i);
		return;
	}
	sm->restarts++;
	if (intensity_add(&sm->intensity, now)) {
		sm_give_up(sm, i, now);
		return;
	}
	s->restarts++;
	delay = slot_backoff(s, now);
	sm_note(sm, i, NOTE_RESTART, delay);
	slot_set(sm, i, SLOT_BACKOFF);
	s->due = now + delay;
	if (delay > 0)
		slot_timer(sm, i, s->due);
	switch (sm->group->group.strategy) {
	case CFG_ONE_FOR_ONE:
		if (delay == 0)
			cell_backoff_due(sm, i, &e);
		break;
	case CFG_ONE_FOR_ALL:
		sm_stop_from(sm, 0, WHY_STRATEGY);
		break;
	case CFG_REST_FOR_ONE:
		sm_stop_from(sm, i, WHY_STRATEGY);
		break;
	}
}

/* --- shutdown --------------------------------------------------------- */

void
sm_shutdown(struct sm *sm, int status, uint64_t now)
{
	sm_begin_shutdown(sm, status);
	sm_step(sm, now);
}

/*
 * The second TERM: every worker gets SIGKILL at once; a child group gets
 * INT, its order to do the same for its own subtree (a second TERM could
 * merge with the first while both are pending).
 */
void
sm_kill_all(struct sm *sm, uint64_t now)
{
	struct sev e = { .now = now, .why = WHY_SHUTDOWN };
	struct slot *s;
	size_t i;

	sm_shutdown(sm, SM_EXIT_OK, now);
	for (i = 0; i < sm->nslots; i++) {
		s = &sm->slots[i];
		if (s->state == SLOT_STARTING || s->state == SLOT_RUNNING)
			cell_stop(sm, i, &e);
		if (s->state != SLOT_STOPPING || s->killed) {
			/* A stop_command may outlive its worker. */
			slot_stop_command_kill(sm, i);
			continue;
		}
		if (s->due != 0)
			slot_timer(sm, i, 0);
		if (slot_is_group(s))
			sm_emit(sm, (struct action){ .kind = ACT_SIGNAL,
			    .slot = i, .sig = SIGINT });
		else
			cell_kill(sm, i, &e);
		s->killed = true;
	}
}
