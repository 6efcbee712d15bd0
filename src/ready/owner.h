/*
 * Who answers a TCP check (SPEC §8): the listening socket a probe reached
 * must belong to a process of the worker (its process group).  Found in
 * /proc/net/tcp and /proc/net/tcp6 (the socket's inode) and in the fds of
 * the worker's processes (/proc/PID/fd/N -> "socket:[INODE]").
 *
 * The parsing and the matching are pure, for the unit tests and the fuzz
 * target; owner_check and owner_holder read /proc.
 */
#ifndef PMTREE_OWNER_H
#define PMTREE_OWNER_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OWNER_LISTEN	0x0a	/* TCP_LISTEN, the "st" column */

/* One line of /proc/net/tcp or tcp6. */
struct owner_sock {
	int		 family;	/* AF_INET (tcp) or AF_INET6 (tcp6) */
	uint8_t		 addr[16];	/* network order; AF_INET: 4 bytes */
	uint16_t	 port;		/* host order */
	unsigned	 state;
	uint64_t	 inode;
};

/*
 * LINE (LEN bytes, no newline needed) of the file of FAMILY: 0 and *S
 * filled, or -1 (the heading, a malformed line).
 */
int	owner_parse_line(const char *line, size_t len, int family,
	    struct owner_sock *s);

/*
 * How well the listening socket S matches a connection to SA, as the
 * kernel picks a listener: -1 it would not take it; else higher is
 * preferred (the exact address over the wildcard, an IPv4 socket over an
 * IPv6 one for an IPv4 connection).  S must be listening.
 */
int	owner_score(const struct owner_sock *s, const struct sockaddr *sa);

/* SA is loopback, unspecified or (with IFA, a getifaddrs list) local. */
struct ifaddrs;
bool	owner_is_local(const struct sockaddr *sa, const struct ifaddrs *ifa);

/* "127.0.0.1:8080", "[::1]:8080" into BUF. */
void	owner_addr_str(const struct sockaddr *sa, char *buf, size_t len);

enum owner_verdict {
	OWNER_OURS,	/* a socket that takes it is the process group's */
	OWNER_OTHER,	/* listened on, by someone else: *INODE */
	OWNER_NONE,	/* nobody here listens there (or /proc unreadable) */
};

/*
 * Who holds the listener a connection to SA reached: reads /proc/net/tcp
 * (and tcp6) and the fds of the processes whose process group is PGID
 * (the leader's first, the others' only if it has none).
 */
enum owner_verdict owner_check(pid_t pgid, const struct sockaddr *sa,
	    uint64_t *inode);

/* A process with a descriptor on socket INODE, or -1: all of /proc. */
pid_t	owner_holder(uint64_t inode);

#endif
