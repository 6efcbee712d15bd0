#include "clients.h"

static size_t clients_n[CLIENT_KINDS];
static size_t clients_max[CLIENT_KINDS] = { CLIENTS_CONTROL_MAX,
    CLIENTS_HTTP_MAX };

/*
 * What is left after the reserve goes a quarter to the control socket and
 * three quarters to HTTP, each at most its own cap and at least one, so
 * that the owner can always ask.
 */
static size_t clients_nofile;

void
clients_limit(size_t nofile, size_t nworkers)
{
	clients_nofile = nofile;
	clients_workers(nworkers);
}

void
clients_workers(size_t nworkers)
{
	size_t nofile = clients_nofile;
	size_t reserve = CLIENTS_RESERVE + CLIENTS_RESERVE_PER_WORKER * nworkers;
	size_t left = nofile > reserve ? nofile - reserve : 0;

	clients_max[CLIENT_CONTROL] = left / 4 < CLIENTS_CONTROL_MAX ?
	    left / 4 : CLIENTS_CONTROL_MAX;
	clients_max[CLIENT_HTTP] = left * 3 / 4 < CLIENTS_HTTP_MAX ?
	    left * 3 / 4 : CLIENTS_HTTP_MAX;
	if (clients_max[CLIENT_CONTROL] == 0)
		clients_max[CLIENT_CONTROL] = 1;
	if (clients_max[CLIENT_HTTP] == 0)
		clients_max[CLIENT_HTTP] = 1;
}

bool
clients_admit(enum client_kind k)
{
	if (clients_n[k] >= clients_max[k])
		return (false);
	clients_n[k]++;
	return (true);
}

void
clients_leave(enum client_kind k)
{
	if (clients_n[k] > 0)
		clients_n[k]--;
}

size_t
clients_cap(enum client_kind k)
{
	return (clients_max[k]);
}

size_t
clients_count(enum client_kind k)
{
	return (clients_n[k]);
}
