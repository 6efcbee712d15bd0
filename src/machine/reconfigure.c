/*
 * A new configuration or a new count (machine.h): the reload diff
 * (sm_plan) and the move of the slots (sm_reconfigure).
 */
#include <string.h>

#include "smint.h"
#include "xmalloc.h"

/*
 * Carries an old slot over, or makes a fresh one.  What it waits for was
 * an old index: true if it waited, to be told anew.
 */
static bool
reconf_slot(struct slot *to, const struct slot *old, const struct sm_keep *k)
{
	bool waited = false;

	if (k->old != SM_NEW) {
		*to = old[k->old];
		waited = to->waits != SM_NONE;
		to->waits = SM_NONE;
	} else {
		memset(to, 0, sizeof(*to));
		to->state = k->node->autostart ? SLOT_WAITING : SLOT_STOPPED;
		to->held = !k->node->autostart;
		to->waits = SM_NONE;
	}
	to->node = k->node;
	to->instance = k->instance;
	return (waited);
}

/* What the new configuration asks of a slot it keeps (retired: see below). */
static void
reconf_act(struct sm *sm, size_t i, bool changed, uint64_t now)
{
	struct slot *s = &sm->slots[i];
	struct sev e = { .now = now };

	if (s->retired) {
		if (s->state == SLOT_STOPPING && WHY_COMMAND > s->why)
			s->why = WHY_COMMAND;
		return;
	}
	/* Nodes the new file adds below a group at rest are at rest too. */
	if (s->node->kind == CFG_GROUP &&
	    (s->state == SLOT_STOPPED || s->state == SLOT_EXITED))
		sm_emit(sm, (struct action){ .kind = ACT_BELOW, .slot = i,
		    .value = BELOW_PARK });
	if (!changed || s->held)
		return;
	e.why = WHY_RESTART;
	s->nfail = 0;
	if (sm_slot_live(s))
		slot_event(sm, i, SEV_STOP, &e);
	else
		slot_release(sm, i, now);
}

/* The old slot that is the same child: same name, kind and instance. */
static size_t
sm_find_old(const struct sm *sm, const struct cfg_node *c, unsigned inst)
{
	size_t k;

	for (k = 0; k < sm->nslots; k++) {
		const struct slot *s = &sm->slots[k];

		if (!s->retired && s->instance == inst &&
		    s->node->kind == c->kind && strcmp(s->node->name, c->name) == 0)
			return (k);
	}
	return (SM_NEW);
}

size_t
sm_plan(const struct sm *sm, const struct cfg_node *g, const unsigned *count,
    struct sm_keep **out)
{
	struct sm_keep *keep = NULL;
	size_t n = 0, cap = 0, k, old;
	unsigned inst;

	for (k = 0; k < g->group.nchildren; k++) {
		const struct cfg_node *c = g->group.children[k];

		for (inst = 0; inst < count[k]; inst++) {
			old = sm_find_old(sm, c, inst);
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				keep = xreallocarray(keep, cap, sizeof(*keep));
			}
			keep[n] = (struct sm_keep){ .node = c, .instance = inst,
			    .old = old };
			/* A group's own settings apply in place (its supervisor's). */
			keep[n].changed = c->kind == CFG_WORKER && old != SM_NEW &&
			    !config_worker_same(&sm->slots[old].node->worker,
			    &c->worker);
			n++;
		}
	}
	*out = keep;
	return (n);
}

size_t
sm_reconfigure(struct sm *sm, const struct cfg_node *g,
    const struct sm_keep *keep, size_t n, size_t *from, uint64_t now)
{
	bool *taken = xcalloc(sm->nslots ? sm->nslots : 1, sizeof(*taken));
	struct slot *old = sm->slots;
	size_t i, k, m = n;

	for (i = 0; i < n; i++) {
		if (keep[i].old != SM_NEW)
			taken[keep[i].old] = true;
	}
	for (k = 0; k < sm->nslots; k++)
		m += !taken[k] && sm_slot_live(&old[k]);
	sm->slots = xcalloc(m ? m : 1, sizeof(*sm->slots));
	for (i = 0; i < n; i++) {
		if (reconf_slot(&sm->slots[i], old, &keep[i]))
			sm_emit(sm, (struct action){ .kind = ACT_WAITING,
			    .slot = i });
		from[i] = keep[i].old;
	}
	for (k = 0; k < sm->nslots; k++) {
		if (taken[k] || !sm_slot_live(&old[k]))
			continue;
		sm->slots[i] = old[k];
		sm->slots[i].retired = true;
		sm->slots[i].waits = SM_NONE;
		from[i++] = k;
	}
	xfree(taken);
	xfree(old);
	sm->nslots = m;
	sm->group = g;
	sm->intensity.max = g->group.intensity;
	sm->intensity.period_ms = g->group.period_ms;
	sm_index(sm);
	for (i = 0; i < m; i++)
		reconf_act(sm, i, i < n && keep[i].changed, now);
	/*
	 * The retired stop like a group's children: newest (highest) first.
	 * The phase itself is for no reason of its own (its retired slots
	 * stop as by command): a strategy that widens it keeps its own.
	 */
	if (m > n)
		sm_stop_from(sm, n, WHY_NONE);
	sm_step(sm, now);
	return (m);
}

size_t
sm_retiring(const struct sm *sm)
{
	size_t i, n = 0;

	for (i = sm->nslots; i > 0 && sm->slots[i - 1].retired; i--)
		n += sm_slot_live(&sm->slots[i - 1]);
	return (n);
}
