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
};

struct logmsg {
	uint32_t	type;
	uint32_t	node;
	uint32_t	instance;
	int32_t		pid;
};

/*
 * The write the collector had under way.  Its bytes were written to the
 * file (or not: the file's size tells), and consumed from the pipe only
 * after that: a new collector settles it before it writes to that file.
 */
struct logjournal {
	uint32_t	busy;
	uint32_t	node;
	int32_t		pid;
	uint32_t	stream;		/* 0 out, 1 err */
	uint64_t	pre_size;
	uint64_t	out_len;
	uint64_t	consume_len;
	uint64_t	digest;
};

struct logshm {
	uint64_t		lines;
	uint64_t		bytes;
	uint64_t		errors;
	char			last_error[256];
	struct logjournal	journal;
};

/* The listening socket's abstract name, NUL first; length in *LEN. */
void	logproto_address(void *sockaddr_un, unsigned *len, int rootpid);

#endif
