/*
 * What the collector's files share (collector.c: files, connections, life
 * cycle; stream.c: the streams, the journal and the carries), private to
 * them.
 */
#ifndef PMTREE_COLINT_H
#define PMTREE_COLINT_H

#include <event2/event.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "collector.h"
#include "config.h"
#include "format.h"
#include "frame.h"
#include "logfile.h"
#include "logproto.h"

#define SCRATCH		(64 * 1024)	/* a pipe's default size */
#define MAX_RECS	4096
#define PUMP_ROUNDS	16		/* per wake-up, then the others' turn */
#define DRAIN_SECS	2
#define RETRY_SECS	1
#define ACCEPT_PAUSE_MS	100

struct conn;

/* A worker's log file, shared by its instances and both its streams. */
struct file {
	char		*wpath;		/* the worker's path: api/web */
	struct logfile	 lf;
	bool		 open;
	struct file	*next;		/* in its hash bucket */
};

struct stream {
	struct collector	*c;
	struct conn		*conn;
	struct file		*file;
	pid_t			 pid;
	int			 which;		/* 0 out, 1 err */
	int			 fd;
	struct event		*ev;
	struct logmsg		 how;		/* the worker's own log settings */
	int			 color;
	bool			 stalled;	/* its file cannot be written */
	char			*carry;		/* a line's start, read ahead */
	size_t			 carry_len;
	struct logcarry		*slot;		/* where CARRY is, if shared */
	char			*name;		/* path, or path:instance */
	struct stream		*twin;		/* the worker's other stream, open */
	struct stream		*prev;
	struct stream		*next;
};

struct conn {
	struct collector	*c;
	int			 fd;
	struct event		*ev;
	struct conn		*next;
};

#define FILE_BUCKETS 4096

struct collector {
	struct event_base	*base;
	struct logshm		*shm;
	struct logsettings	 set;		/* the copy in use */
	bool			 tty;
	int			 lisfd;
	struct event		*lisev;
	int			 rootfd;
	struct event		*rootev;
	int			 sigfd;
	struct event		*sigev;
	struct conn		*conns;
	struct stream		*streams;
	struct file		*files[FILE_BUCKETS];
	int			 scratch[2];
	char			*rbuf;
	char			*cbuf;		/* bytes consumed into a carry */
	struct frame_rec	*recs;
	struct obuf		 out;
	struct obuf		 echo;
	bool			 draining;
	struct event		*drain_timer;
	struct event		*retry_timer;
	struct event		*resume;	/* accepting again after EMFILE */
	bool			 short_of_fds;	/* said once per episode */
	bool			 short_of_carries;
	uint8_t			 no_mark;	/* where an unjournaled read marks */
	int			 cfree[LOGSHM_CARRIES];	/* last freed on top */
	int			 ncfree;
	int			 stale[LOGSHM_CARRIES];	/* a dead one's, not taken back */
	int			 nstale;
	int			 status;
};

void	collector_error(struct collector *c, struct logfile *lf,
	    const char *what);
void	collector_recovered(struct collector *c);
uint32_t	name_hash(const char *p);
struct logfile *	file_open(struct collector *c, struct file *f);
struct file *	file_get(struct collector *c, const char *wpath);
struct logfile *	file_by_path(struct collector *c, const char *path);
void	collector_maybe_done(struct collector *c);
void	journal_settle_file(struct collector *c);
void	carry_setup(struct collector *c);
void	conn_send(struct conn *cn, uint32_t type, pid_t pid);
void	stream_free(struct stream *s);
void	stream_pump(struct stream *s);
void	stream_add_pair(struct collector *c, struct conn *cn,
	    const struct logmsg *m, const char *wpath, const int fds[2]);

#endif
