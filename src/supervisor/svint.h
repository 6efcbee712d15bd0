/*
 * What the files of one supervisor share (supervisor.c, launch.c, link.c,
 * reap.c, reload.c, stopping.c): the supervisor and its children, private
 * to them.
 */
#ifndef PMTREE_SVINT_H
#define PMTREE_SVINT_H

#include <event2/event.h>

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "ipc.h"
#include "logconn.h"
#include "machine.h"
#include "msg.h"
#include "nodetab.h"
#include "pidmap.h"
#include "probe.h"
#include "spawn.h"
#include "supervisor.h"
#include "workerenv.h"

#define DRAIN_MS	2000	/* how long a finished worker's output may take */
#define DRAIN_ORPHANS_MS 100	/* then what it left outside its group may hold it */
#define SV_LOAD_STACK	(256 * 1024)	/* config_load recurses per level */
#define SWEEP_MS	10	/* after a worker's end, its orphans are looked for */

struct child {
	struct supervisor	*sv;
	size_t			 slot;
	pid_t			 pid;
	struct event		*timer;
	struct ipc		*ipc;	/* a child group's channel */
	struct event		*drain;	/* reaped, waiting for its output */
	struct probe		*probe;	/* readiness it does not announce */
	struct exit_info	 exit;
	pid_t			 draining;
	bool			 swept;		/* orphans killed while draining */
	bool			 sweep_due;	/* its orphans are to be killed */
	char			*name;		/* path, or path:instance */
	bool			 multi;		/* named path:instance */
	pid_t			 ahead;		/* its supervisor, forked ahead */
	int			 ahead_fd;	/* and its channel, if ahead > 0 */
	pid_t			 stop_pid;	/* its stop_command, running */
	struct event		*stop_due;	/* when that is SIGKILLed */
	bool			 stopping;	/* as last reported */
};

/*
 * What performing an action found out (a start that failed, a worker
 * ready at exec): handed to the machine once the action queue is empty,
 * never from inside it.
 */
struct sv_feedback {
	enum { SV_FB_READY, SV_FB_EXITED, SV_FB_RECONFIGURE,
	    SV_FB_STOP_EXITED } kind;
	size_t			 slot;
	struct exit_info	 exit;
	uint64_t		 at;
};

struct supervisor {
	struct event_base	*base;
	const struct cfg_tree	*tree;
	const struct cfg_node	*group;
	struct sm		*sm;
	struct child		**kids;		/* stable: callbacks hold them */
	struct pidmap		 pids;
	struct pidmap		 draining;	/* reaped, output not yet drained */
	struct pidmap		 stops;		/* stop_commands: pid -> slot */
	struct event		*stopwait;	/* "stopping: waiting for", 1 s */
	uint64_t		 stopwait_at;	/* its next time */
	size_t			 nstopping;	/* children stopping */
	struct event		*sweep;		/* for orphans of finished workers */
	struct event		*memwatch;	/* max_memory's samples */
	int			 notify_fd;	/* the workers' NOTIFY_SOCKET */
	struct event		*notify_ev;
	struct logconn		*logc;
	struct nodetab		 tab;
	struct ipc		*up;
	int			 sigfd;
	struct event		*sigev;
	int			 nterm;
	bool			 done;
	int			 status;
	supervisor_cb		*on_ready;
	void			*on_ready_arg;
	void			(*on_signal)(struct supervisor *, int, void *);
	void			*on_signal_arg;
	supervisor_cb		*on_change;
	void			*on_change_arg;
	bool			(*on_reap)(pid_t, int, void *);
	void			*on_reap_arg;
	struct cfg_tree		**owned;	/* loaded here by reloads */
	size_t			 nowned;
	/* A reload waiting for a stop phase (NULL with a scale waiting). */
	struct cfg_tree		*pending;
	uint32_t		 retiring;	/* as last told to the parent */
	bool			 wait_told;	/* the parent has our wait_node */
	struct sv_feedback	*fb;
	size_t			 nfb;
	size_t			 fbcap;
	pid_t			(*spare)(void *);	/* a child, not an orphan */
	void			*spare_arg;
	uint32_t		 pending_gen;
};

void	sv_report(struct supervisor *sv, size_t i);
uint32_t	sv_retiring_total(struct supervisor *sv);
void	sv_send_self(struct supervisor *sv);
void	sv_retiring_changed(struct supervisor *sv);
void	sv_wait_changed(struct supervisor *sv);
void	sv_report_ready(struct supervisor *sv);
void	sv_below(struct supervisor *sv, size_t i, enum below what);
int	sv_forward(struct supervisor *sv, size_t i, const struct cfg_node *node,
	    int inst, enum sm_op op);
int	sv_group_msg(struct ipc *c, uint16_t type, const void *data, size_t len, void *arg);
void	sv_group_closed(struct ipc *c, const char *why, void *arg);
void	sv_up_closed(struct ipc *c, const char *why, void *arg);
int	sv_up_msg(struct ipc *c, uint16_t type, const void *data, size_t len, void *arg);
void	sv_spawn_worker(struct supervisor *sv, size_t i);
void	sv_worker_env(struct supervisor *sv, size_t i, struct workerenv *env,
	    struct spawn_req *req, char *why, size_t len);
gid_t	*sv_worker_ids(const struct cfg_worker *w, struct spawn_req *req);
/* memwatch.c */
void	sv_memwatch_arm(struct supervisor *sv);
void	sv_memwatch_cb(evutil_socket_t fd, short what, void *arg);
/* stopping.c */
void	sv_stop_command(struct supervisor *sv, size_t i, uint64_t until);
void	sv_stop_command_kill(struct supervisor *sv, size_t i);
void	sv_stop_commands_end(struct supervisor *sv);
bool	sv_stop_reaped(struct supervisor *sv, pid_t pid, int status);
void	sv_stopwait_note(struct supervisor *sv, size_t i);
void	sv_stopwait_count(struct supervisor *sv);
void	sv_stopwait_cb(evutil_socket_t fd, short what, void *arg);
void	sv_notify_cb(evutil_socket_t fd, short what, void *arg);
void	sv_fork_ahead(struct supervisor *sv);
void	sv_ahead_drop(struct supervisor *sv);
void	sv_spawn_group(struct supervisor *sv, size_t i);
void	sv_child_free(struct child *k);
void	sv_reload_pending(struct supervisor *sv);
void	sv_name_kids(struct supervisor *sv);
void	sv_inherit(struct supervisor *sv, const struct nodetab *from);
void	sv_sweep(struct supervisor *sv, size_t nkids);
void	sv_sweep_cb(evutil_socket_t fd, short what, void *arg);
void	sv_drained(pid_t pid, void *arg);
void	sv_reap(struct supervisor *sv);
const char *	sv_who(const struct supervisor *sv);
void	sv_fmt_exit(char *buf, size_t len, struct exit_info x);
void	sv_drain(struct supervisor *sv);
void	sv_feedback(struct supervisor *sv, const struct sv_feedback *f);
ssize_t	sv_route(struct supervisor *sv, const struct cfg_node *node);

#endif
