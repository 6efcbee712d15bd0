/*
 * The machine's command entry points (machine.h): stop, start, restart
 * of one slot or all of them, holds, and what a worker says of itself
 * (WATCHDOG=1, STOPPING=1).  None counts toward intensity.  Last, what
 * the executor may read of the machine.
 */
#include "smint.h"

void
sm_cmd_stop(struct sm *sm, size_t i, uint64_t now)
{
	struct sev e = { .now = now, .why = WHY_COMMAND };

	slot_event(sm, i, SEV_STOP, &e);
	sm_step(sm, now);
}

/*
 * Releases a slot that is not running: at once when the plan has reached
 * it (a backoff is cut short), else where its turn comes in the plan.
 */
void
slot_release(struct sm *sm, size_t i, bool at_once, uint64_t now)
{
	struct slot *s = &sm->slots[i];
	struct sev e = { .now = now };

	if (s->retired)
		return;
	s->held = false;
	s->nfail = 0;
	if (s->state != SLOT_STOPPED && s->state != SLOT_EXITED &&
	    s->state != SLOT_BACKOFF)
		return;
	if (at_once && !sm->stopping && i <= sm->cursor) {
		slot_event(sm, i, SEV_START, &e);
		return;
	}
	slot_set(sm, i, SLOT_WAITING);
	if (i < sm->cursor)
		sm->cursor = i;
}

void
sm_cmd_start(struct sm *sm, size_t i, uint64_t now)
{
	if (sm->shutting_down)
		return;
	slot_release(sm, i, true, now);
	sm_step(sm, now);
}

void
sm_cmd_restart(struct sm *sm, size_t i, uint64_t now)
{
	struct slot *s = &sm->slots[i];
	struct sev e = { .now = now, .why = WHY_RESTART };

	if (sm->shutting_down)
		return;
	if (sm_slot_live(s)) {
		s->held = false;
		s->nfail = 0;
		slot_event(sm, i, SEV_STOP, &e);
	} else
		slot_release(sm, i, true, now);
	sm_step(sm, now);
}

void
sm_cmd_stop_all(struct sm *sm, uint64_t now)
{
	if (sm->shutting_down)
		return;
	sm_stop_from(sm, 0, WHY_COMMAND);
	sm->stop_at = sm->nslots;
	sm_step(sm, now);
}

void
sm_cmd_start_all(struct sm *sm, uint64_t now)
{
	size_t i;

	if (sm->shutting_down)
		return;
	for (i = 0; i < sm->nslots; i++)
		slot_release(sm, i, false, now);
	sm->cursor = 0;
	sm_step(sm, now);
}

void
sm_cmd_restart_all(struct sm *sm, uint64_t now)
{
	size_t i;

	if (sm->shutting_down)
		return;
	/* A restart of the group leaves what a command stopped stopped. */
	for (i = 0; i < sm->nslots; i++) {
		if (!sm->slots[i].held)
			slot_release(sm, i, false, now);
	}
	sm_stop_from(sm, 0, WHY_RESTART);
	sm->stop_at = sm->nslots;
	sm_step(sm, now);
}

void
sm_watchdog(struct sm *sm, size_t i, uint64_t now)
{
	if (sm->slots[i].state == SLOT_RUNNING && sm->slots[i].due != 0)
		slot_watchdog(sm, i, now);
}

void
sm_self_stopping(struct sm *sm, size_t i, uint64_t now)
{
	struct slot *s = &sm->slots[i];

	if (s->state != SLOT_STARTING && s->state != SLOT_RUNNING)
		return;
	slot_set(sm, i, SLOT_STOPPING);
	s->why = WHY_NONE;
	sm_step(sm, now);
}

void
sm_hold(struct sm *sm, size_t i)
{
	sm->slots[i].held = true;
	slot_set(sm, i, SLOT_STOPPED);
}

size_t
sm_nslots(const struct sm *sm)
{
	return (sm->nslots);
}

const struct slot *
sm_slot(const struct sm *sm, size_t i)
{
	return (&sm->slots[i]);
}

bool
sm_stopping(const struct sm *sm)
{
	return (sm->stopping);
}

bool
sm_shutting_down(const struct sm *sm)
{
	return (sm->shutting_down);
}

bool
sm_is_ready(const struct sm *sm)
{
	return (sm->ready);
}

unsigned
sm_restarts(const struct sm *sm)
{
	return (sm->restarts);
}
