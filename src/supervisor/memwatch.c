/*
 * `max_memory`: the RSS of each worker that sets one, summed over its
 * process group, sampled every MEMWATCH_MS while one runs; over the
 * limit, the machine stops it (reason memory).  No timer, no read of
 * /proc while no running worker has a limit.
 */
#include <errno.h>
#include <string.h>

#include "evlog.h"
#include "procmem.h"
#include "svint.h"
#include "xmalloc.h"

#define MEMWATCH_MS	2000	/* SPEC: at least every 5 s */

static bool
sv_watched(const struct supervisor *sv, size_t i)
{
	const struct slot *s = sm_slot(sv->sm, i);

	return (s->node->kind == CFG_WORKER && s->node->worker.max_memory > 0 &&
	    !s->retired && (s->state == SLOT_STARTING ||
	    s->state == SLOT_RUNNING) && sv->kids[i]->pid > 0);
}

void
sv_memwatch_arm(struct supervisor *sv)
{
	struct timeval tv = { MEMWATCH_MS / 1000, (MEMWATCH_MS % 1000) * 1000 };

	if (sv->memwatch == NULL || evtimer_pending(sv->memwatch, NULL))
		return;
	(void)evtimer_add(sv->memwatch, &tv);
}

void
sv_memwatch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;
	struct procmem *v;
	size_t i, n = 0, *slot;

	v = xcalloc(sm_nslots(sv->sm) ? sm_nslots(sv->sm) : 1, sizeof(*v));
	slot = xcalloc(sm_nslots(sv->sm) ? sm_nslots(sv->sm) : 1,
	    sizeof(*slot));
	for (i = 0; i < sm_nslots(sv->sm); i++) {
		if (!sv_watched(sv, i))
			continue;
		v[n].pgid = sv->kids[i]->pid;
		slot[n++] = i;
	}
	if (n > 0 && procmem_scan(v, n) < 0)
		evlog(sv->kids[slot[0]]->name, "max_memory: reading /proc: %s",
		    strerror(errno));
	else {
		for (i = 0; i < n; i++) {
			if (v[i].rss > sm_slot(sv->sm, slot[i])->node->worker.max_memory)
				sm_over_memory(sv->sm, slot[i], v[i].rss,
				    supervisor_now());
		}
	}
	xfree(v);
	xfree(slot);
	sv_drain(sv);
	for (i = 0; i < sm_nslots(sv->sm); i++) {
		if (sv_watched(sv, i)) {
			sv_memwatch_arm(sv);
			break;
		}
	}
}
