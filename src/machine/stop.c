/*
 * How a slot is asked to stop (machine.h): SIGKILL at once for
 * brutal_kill, else its stop_command if it has one, else its stop signal,
 * then SIGCONT; what was sent and when, which the executor reads to say
 * what a stop waits for; and the stop command's end, which may call for
 * the stop signal after all.
 */
#include <signal.h>

#include "smint.h"

static void
slot_sent(struct slot *s, int sig, uint64_t now)
{
	s->stop_sig = sig;
	s->stop_sent_at = now;
}

static void
slot_signal(struct sm *sm, size_t i, int sig)
{
	sm_emit(sm, (struct action){ .kind = ACT_SIGNAL, .slot = i,
	    .sig = sig });
}

/*
 * SIG to the worker's process group, then SIGCONT: a stopped (SIGSTOPped,
 * frozen) worker acts on it instead of waiting for the KILL.
 */
static void
slot_stop_signal(struct sm *sm, size_t i, int sig, uint64_t now)
{
	slot_sent(&sm->slots[i], sig, now);
	slot_signal(sm, i, sig);
	if (sig != SIGKILL && sig != SIGCONT)
		slot_signal(sm, i, SIGCONT);
}

/*
 * GRACE is the worker's shutdown.  The stop_command may run as long as
 * the worker may take: its process group is SIGKILLed with the worker's,
 * or at that time if the worker ended first.  A child group gets TERM.
 */
void
slot_send_stop(struct sm *sm, size_t i, uint64_t grace, uint64_t now)
{
	struct slot *s = &sm->slots[i];
	const struct cfg_worker *w = &s->node->worker;

	if (s->node->kind == CFG_GROUP) {
		slot_sent(s, SIGTERM, now);
		slot_signal(sm, i, SIGTERM);
		return;
	}
	if (grace == 0) {
		s->killed = true;
		slot_stop_signal(sm, i, SIGKILL, now);
		return;
	}
	if (w->stop_argc == 0) {
		slot_stop_signal(sm, i, w->stop_signal, now);
		return;
	}
	s->stop_cmd = true;
	slot_sent(s, SM_SIG_COMMAND, now);
	sm_emit(sm, (struct action){ .kind = ACT_STOP_COMMAND, .slot = i,
	    .value = grace == CFG_INFINITY ? 0 : now + grace });
	slot_signal(sm, i, SIGCONT);
}

/* A stop_command still running goes: its worker is killed, or gone. */
void
slot_stop_command_kill(struct sm *sm, size_t i)
{
	if (sm->slots[i].stop_cmd)
		sm_emit(sm, (struct action){ .kind = ACT_STOP_COMMAND_KILL,
		    .slot = i });
}

/*
 * Exit 0: the worker has the rest of its shutdown to go.  Anything else
 * (it could not be run, exited non-zero, was killed) and the worker is
 * still stopping by it: its stop signal now.
 */
void
sm_stop_command_exited(struct sm *sm, size_t i, struct exit_info x,
    uint64_t now)
{
	struct slot *s = &sm->slots[i];
	int sig = s->node->worker.stop_signal;

	s->stop_cmd = false;
	if (s->node->kind != CFG_WORKER || x.code == 0 ||
	    s->state != SLOT_STOPPING || s->killed ||
	    s->stop_sig != SM_SIG_COMMAND)
		return;
	sm_emit(sm, (struct action){ .kind = ACT_NOTE, .slot = i,
	    .note = NOTE_STOP_FAILED, .sig = sig });
	slot_stop_signal(sm, i, sig, now);
}
