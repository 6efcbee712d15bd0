/*
 * The plan (machine.h): what starts and what stops next.  A slot needs
 * the slots of the siblings its `after` names, else, in a sequential group,
 * the slot just before it; instances of one worker in a sequential group
 * need the one before them too.  Needs only point back, so one pass in
 * slot order settles every slot, and one pass backwards finds what may
 * stop.  A retired slot never starts; nothing needs it but, in a
 * sequential group, it needs the slot before it: it stops first.
 */
#include <string.h>

#include "smint.h"
#include "xmalloc.h"

/* Each need of slot I, until F says stop; returns that need or SM_NONE. */
typedef bool need_fn(const bool *, size_t);

static size_t
plan_needs(const struct sm *sm, size_t i, need_fn *f, const bool *v)
{
	const struct slot *s = &sm->slots[i];
	const struct cfg_node *n = s->node;
	size_t k, j;

	/* A retired slot never starts: in a sequential group it stops first. */
	if (!sm->group->group.parallel && i > 0 &&
	    (s->retired || s->instance > 0 || !n->has_after) && f(v, i - 1))
		return (i - 1);
	if (s->retired)
		return (SM_NONE);
	for (k = 0; k < n->nafter; k++) {
		for (j = sm->kfirst[n->after[k]];
		    j < sm->kfirst[n->after[k] + 1]; j++) {
			if (f(v, j))
				return (j);
		}
	}
	return (SM_NONE);
}

static bool
need_unsettled(const bool *settled, size_t j)
{
	return (!settled[j]);
}

/* Marks J needed; never stops, so that every need is marked. */
static bool
need_mark(const bool *blocked, size_t j)
{
	((bool *)blocked)[j] = true;
	return (false);
}

void
sm_phase_all(struct sm *sm)
{
	size_t i;

	for (i = 0; i < sm->nslots; i++)
		sm->slots[i].phased = false;
}

void
sm_index(struct sm *sm)
{
	const struct cfg_group *g = &sm->group->group;
	size_t i = 0, k;

	sm->kfirst = xreallocarray(sm->kfirst, g->nchildren + 1,
	    sizeof(*sm->kfirst));
	for (k = 0; k < g->nchildren; k++) {
		sm->kfirst[k] = i;
		while (i < sm->nslots && !sm->slots[i].retired &&
		    sm->slots[i].node == g->children[k])
			i++;
	}
	sm->kfirst[k] = i;
	sm->scratch = xreallocarray(sm->scratch, sm->nslots ? sm->nslots : 1,
	    sizeof(*sm->scratch));
}

/* Ready, or a one-shot step that is done: what needs it may start. */
static bool
slot_up(const struct slot *s)
{
	return (s->state == SLOT_RUNNING ||
	    (s->state == SLOT_EXITED && s->finished));
}

/*
 * Whether what needs slot I may go: I is up, or it is not to run (stopped,
 * or ended for good) and what it needs is settled in turn, so that a
 * stopped link never lets a later one start ahead of an earlier one.
 */
static bool
slot_settled(const struct sm *sm, size_t i, const bool *settled)
{
	const struct slot *s = &sm->slots[i];

	if (slot_up(s))
		return (true);
	if (s->state != SLOT_STOPPED && s->state != SLOT_EXITED)
		return (false);
	return (plan_needs(sm, i, need_unsettled, settled) == SM_NONE);
}

static void
slot_waits(struct sm *sm, size_t i, size_t j)
{
	if (sm->slots[i].waits == j)
		return;
	sm->slots[i].waits = j;
	sm_emit(sm, (struct action){ .kind = ACT_WAITING, .slot = i });
}

/*
 * Starts what the plan has not let go yet, as far as the needs allow.
 * Returns true if a slot is left waiting for another.
 */
static bool
plan_start(struct sm *sm, uint64_t now)
{
	struct sev e = { .now = now };
	bool *settled = sm->scratch;
	struct slot *s;
	bool waiting = false;
	size_t i, j;

	for (i = 0; i < sm->nslots; i++) {
		s = &sm->slots[i];
		j = SM_NONE;
		if (!s->retired && !s->reached && (s->state == SLOT_WAITING ||
		    (s->state == SLOT_BACKOFF && s->due <= now))) {
			j = plan_needs(sm, i, need_unsettled, settled);
			if (j == SM_NONE)
				slot_event(sm, i, SEV_START, &e);
		}
		settled[i] = slot_settled(sm, i, settled);
		/* Down and held back too (a stopped link): what holds it back. */
		if (!settled[i] && !s->retired && !sm_slot_live(s) &&
		    j == SM_NONE && s->state != SLOT_BACKOFF)
			j = plan_needs(sm, i, need_unsettled, settled);
		/* Not the sibling that waits in turn: the one it waits for. */
		if (j != SM_NONE && sm->slots[j].waits != SM_NONE)
			j = sm->slots[j].waits;
		slot_waits(sm, i, j);
		waiting = waiting || (s->state == SLOT_WAITING && j != SM_NONE);
	}
	return (waiting);
}

/* Every slot that should run is up (an earlier one may be in backoff). */
static bool
sm_all_up(const struct sm *sm)
{
	size_t i;

	for (i = 0; i < sm->nslots; i++) {
		if (!slot_up(&sm->slots[i]) &&
		    sm->slots[i].state != SLOT_STOPPED &&
		    sm->slots[i].state != SLOT_EXITED)
			return (false);
	}
	return (true);
}

/* A slot a stop phase has to stop: it runs, and no stop was sent yet. */
static bool
slot_stoppable(const struct slot *s)
{
	return (s->state == SLOT_STARTING || s->state == SLOT_RUNNING ||
	    (s->state == SLOT_STOPPING && s->why == WHY_NONE));
}

/*
 * Moves the stop phase on: every live slot in range that nothing live
 * needs is stopped; what does not run is parked on the way.  Returns true
 * while the phase must wait for a slot to go down.
 */
static bool
plan_stop(struct sm *sm, uint64_t now)
{
	bool *blocked = sm->scratch, wait = false;
	struct sev e = { .now = now };
	struct slot *s;
	size_t i;

	memset(blocked, 0, sm->nslots * sizeof(*blocked));
	for (i = sm->nslots; i-- > sm->stop_from;) {
		s = &sm->slots[i];
		/* A retired slot goes for good, whatever else this phase is for. */
		e.why = sm->shutting_down ? WHY_SHUTDOWN : s->retired ?
		    WHY_COMMAND : sm->stop_why;
		if (!blocked[i] && !s->phased && slot_stoppable(s)) {
			slot_event(sm, i, SEV_STOP, &e);
			s->phased = true;
		}
		wait = wait || sm_slot_live(s);
		/* Through a slot that is down too: a stopped link keeps the order. */
		if (blocked[i] || sm_slot_live(s)) {
			(void)plan_needs(sm, i, need_mark, blocked);
			continue;
		}
		/*
		 * What is not running is parked too, unless it is to start again;
		 * once: a slot started by command meanwhile stays released.
		 */
		if (!s->phased && (e.why == WHY_SHUTDOWN || e.why == WHY_COMMAND))
			slot_event(sm, i, SEV_STOP, &e);
		s->phased = true;
	}
	return (wait);
}

/*
 * After a stop phase that was not a shutdown: what it took down starts
 * again by the plan, a one-shot step that was done runs again.
 */
static void
plan_rewind(struct sm *sm)
{
	struct slot *s;
	size_t i;

	for (i = sm->stop_from; i < sm->nslots; i++) {
		s = &sm->slots[i];
		s->reached = false;
		if (s->state == SLOT_EXITED && s->finished && !s->held) {
			s->finished = false;
			slot_set(sm, i, SLOT_WAITING);
		}
	}
}

/* The first slot the plan waits on (machine.h, sm_holder). */
static void
plan_holder(struct sm *sm)
{
	const struct slot *s;
	size_t i;

	sm->has_holder = false;
	for (i = 0; i < sm->nslots; i++) {
		s = &sm->slots[i];
		if (sm->stopping ? i >= sm->stop_from && s->state == SLOT_STOPPING :
		    !s->retired && (s->state == SLOT_STARTING ||
		    s->state == SLOT_BACKOFF || s->state == SLOT_STOPPING)) {
			sm->has_holder = true;
			sm->holder = i;
			if (!sm->stopping)
				return;
		}
	}
}

bool
sm_holder(const struct sm *sm, size_t *slot)
{
	if (sm->done || !sm->has_holder)
		return (false);
	*slot = sm->holder;
	return (true);
}

/* Returns true while the plan waits: a stop phase, or a slot for another. */
static bool
plan_step(struct sm *sm, uint64_t now)
{
	bool waiting;

	if (sm->stopping) {
		if (plan_stop(sm, now))
			return (true);
		sm->stopping = false;
		if (sm->shutting_down) {
			sm->done = true;
			sm_emit(sm, (struct action){ .kind = ACT_EXIT,
			    .value = (uint64_t)sm->exit_status });
			return (false);
		}
		plan_rewind(sm);
		if (sm->reconf_due) {
			sm->reconf_due = false;
			sm_emit(sm, (struct action){ .kind = ACT_RECONFIGURE });
		}
	}
	waiting = plan_start(sm, now);
	if (!sm->ready && sm_all_up(sm)) {
		sm->ready = true;
		sm_emit(sm, (struct action){ .kind = ACT_READY });
	}
	return (waiting || !sm->ready);
}

/*
 * Once the group is up and nothing waits, a child's restart holds nobody
 * back: then there is no holder, and no word of one to the parent.
 */
void
sm_step(struct sm *sm, uint64_t now)
{
	if (sm->done)
		return;
	if (plan_step(sm, now))
		plan_holder(sm);
	else
		sm->has_holder = false;
}
