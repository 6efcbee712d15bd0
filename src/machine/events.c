/*
 * A machine's life (machine.h): its slots made from a group's children,
 * freed; and the events of the slots' processes (start, ready, exit,
 * timer), each handed to the slot's cell, then to the plan.
 */
#include <string.h>

#include "smint.h"
#include "xmalloc.h"

static size_t
sm_count_slots(const struct cfg_node *g)
{
	size_t k, n = 0;

	for (k = 0; k < g->group.nchildren; k++) {
		const struct cfg_node *c = g->group.children[k];

		n += c->kind == CFG_WORKER ? c->worker.instances : 1;
	}
	return (n);
}

/* A child not to start with its group is shown so, and what is below it. */
static void
sm_init_held(struct sm *sm, size_t i)
{
	sm_emit(sm, (struct action){ .kind = ACT_REPORT, .slot = i });
	if (sm->slots[i].node->kind == CFG_GROUP)
		sm_emit(sm, (struct action){ .kind = ACT_BELOW, .slot = i,
		    .value = BELOW_PARK });
}

void
sm_init(struct sm *sm, const struct cfg_node *g)
{
	size_t k, n = 0;
	unsigned inst;

	memset(sm, 0, sizeof(*sm));
	sm->group = g;
	sm->nslots = sm_count_slots(g);
	sm->slots = xcalloc(sm->nslots, sizeof(*sm->slots));
	for (k = 0; k < g->group.nchildren; k++) {
		const struct cfg_node *c = g->group.children[k];
		unsigned ninst = c->kind == CFG_WORKER ? c->worker.instances : 1;

		for (inst = 0; inst < ninst; inst++) {
			sm->slots[n].node = c;
			sm->slots[n].instance = inst;
			/* Not to start with its group: stopped as by command. */
			sm->slots[n].state = c->autostart ? SLOT_WAITING :
			    SLOT_STOPPED;
			sm->slots[n].held = !c->autostart;
			sm->slots[n].waits = SM_NONE;
			if (!c->autostart)
				sm_init_held(sm, n);
			n++;
		}
	}
	sm_index(sm);
	intensity_init(&sm->intensity, g->group.intensity, g->group.period_ms);
}

void
sm_clear(struct sm *sm)
{
	intensity_free(&sm->intensity);
	xfree(sm->slots);
	xfree(sm->kfirst);
	xfree(sm->scratch);
	xfree(sm->acts);
	memset(sm, 0, sizeof(*sm));
}

void
sm_start(struct sm *sm, uint64_t now)
{
	sm_step(sm, now);
}

void
sm_ready(struct sm *sm, size_t i, uint64_t now)
{
	struct sev e = { .now = now };

	slot_event(sm, i, SEV_READY, &e);
	sm_step(sm, now);
}

void
sm_exited(struct sm *sm, size_t i, struct exit_info x, uint64_t now)
{
	struct sev e = { .now = now, .exit = x };

	/* Its workers may not have been told: their rows know their pids. */
	if (sm->slots[i].node->kind == CFG_GROUP && sm_slot_live(&sm->slots[i]) &&
	    x.code != SM_EXIT_OK)
		sm_emit(sm, (struct action){ .kind = ACT_BELOW, .slot = i,
		    .value = BELOW_LOST });
	slot_event(sm, i, SEV_EXIT, &e);
	sm_step(sm, now);
}

void
sm_timer(struct sm *sm, size_t i, uint64_t now)
{
	struct sev e = { .now = now };

	if (sm->slots[i].due == 0)
		return;
	sm->slots[i].due = 0;
	slot_event(sm, i, SEV_TIMER, &e);
	sm_step(sm, now);
}

struct sm *
sm_new(const struct cfg_node *g)
{
	struct sm *sm = xmalloc(sizeof(*sm));

	sm_init(sm, g);
	return (sm);
}

void
sm_free(struct sm *sm)
{
	if (sm == NULL)
		return;
	sm_clear(sm);
	xfree(sm);
}
