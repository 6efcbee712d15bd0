/*
 * Between the supervisors and the log collector: SOCK_SEQPACKET
 * connections to a listening socket the root holds for the tree's whole
 * life, so that connections wait in its backlog while a collector restarts.
 * And the memory the root shares with every collector it starts.
 */
#ifndef PMTREE_LOGPROTO_H
#define PMTREE_LOGPROTO_H

#include <stdint.h>

enum logmsg_type {
	LOGMSG_PIPES = 1,	/* supervisor -> collector, + fds out, err */
	LOGMSG_DRAINED,		/* collector -> supervisor: both at EOF */
	LOGMSG_RETRY,		/* collector -> supervisor: could not take them */
};

#define LOGMSG_PATH_MAX 4096

/* PIPES carries the worker's path after it, NUL-terminated. */
struct logmsg {
	uint32_t	type;
	uint32_t	instance;
	int32_t		pid;
	uint8_t		multi;		/* instances > 1: named path:N */
	uint8_t		log_off;
	int8_t		log_file;	/* enum cfg_tristate */
	int8_t		log_stdout;	/* CFG_INHERIT or an enum cfg_echo */
};

/* The tree's log settings; the root changes them on reload. */
struct logsettings {
	uint32_t	gen;		/* bumped on every change */
	uint32_t	json;
	uint32_t	to_stdout;	/* enum cfg_echo: log.stdout, run --stdout */
	uint32_t	keep;
	uint64_t	max_size;
	char		dir[4096];
};

/*
 * The write the collector had under way.  Its bytes were written to the
 * file (or not: the file's size tells), and consumed from the pipe only
 * after that, by one read(2) whose last byte lands in READ: READ is ~LAST
 * until that read is done, LAST once it is, so a new collector knows which.
 */
struct logjournal {
	uint32_t	busy;
	int32_t		pid;
	uint32_t	stream;		/* 0 out, 1 err */
	uint8_t		last;		/* the last byte to consume */
	uint8_t		read;
	uint64_t	pre_size;
	uint64_t	out_len;
	uint64_t	consume_len;
	char		path[4096 + 8];	/* the file */
};

#define LOGSHM_PENDING	8
#define LOGSHM_CARRIES	1024
#define LOGCARRY_MAX	(16 * 1024)	/* a record's most */

/*
 * A line's start read out of a pipe before its end came, so that a new
 * collector finds it.  A read under way appends PEND bytes at buf[AT]
 * (AT is LEN when it starts), the first being FIRST, which buf[AT] holds
 * once that read is done (its complement before).  PID 0: free.
 */
struct logcarry {
	int32_t		pid;
	uint32_t	stream;
	uint32_t	name;		/* a hash of the worker's path */
	uint32_t	life;		/* the collector holding it */
	uint32_t	len;
	uint32_t	at;
	uint32_t	pend;
	uint8_t		first;
};

struct logshm {
	struct logsettings	settings;
	uint64_t		lines;
	uint64_t		bytes;
	uint64_t		errors;
	char			last_error[256];
	uint32_t		life;		/* collectors started */
	struct logjournal	journal;	/* the write under way */
	/*
	 * Writes a dead collector made whose pipe bytes may still be
	 * unconsumed: each settled when its pipe comes back.  Apart from
	 * JOURNAL, which the next write reuses.
	 */
	struct logjournal	pending[LOGSHM_PENDING];
	struct logcarry		carry[LOGSHM_CARRIES];	/* touched as used */
	char			carry_buf[LOGSHM_CARRIES][LOGCARRY_MAX];
};

/* The listening socket's abstract name, NUL first; length in *LEN. */
void	logproto_address(void *sockaddr_un, unsigned *len, int rootpid);

#endif
