/*
 * What the root's clients may hold: connections to the control socket and
 * to control.http, each kind under a cap of its own, both under what the
 * open-file limit leaves once supervision has its reserve.  A client over
 * the cap is the newest: it is the one turned away.
 */
#ifndef PMTREE_CLIENTS_H
#define PMTREE_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>

enum client_kind {
	CLIENT_CONTROL,
	CLIENT_HTTP,
	CLIENT_KINDS
};

#define CLIENTS_CONTROL_MAX	1024
#define CLIENTS_HTTP_MAX	256
/* Per worker, and then some, kept for supervision: pipes, pidfds, spawns. */
#define CLIENTS_RESERVE_PER_WORKER	4
#define CLIENTS_RESERVE		128

/* The caps, from the open-file limit NOFILE and the tree's NWORKERS. */
void	clients_limit(size_t nofile, size_t nworkers);
/* The caps again, once a reload or a scale made the tree NWORKERS big. */
void	clients_workers(size_t nworkers);
/* A new connection of KIND: true if admitted (then clients_leave once). */
bool	clients_admit(enum client_kind);
void	clients_leave(enum client_kind);
size_t	clients_cap(enum client_kind);
size_t	clients_count(enum client_kind);

#endif
