/* Talking to a running tree over its control socket. */
#ifndef PMTREE_CLIENT_H
#define PMTREE_CLIENT_H

#include <jansson.h>

#include "cli.h"

struct client {
	int	fd;
	char	path[4096];
};

/*
 * Finds and connects to the tree's socket: -S, $PMTREE_SOCKET, or the
 * only live tree in the run folder.  Returns 0, or an exit code after
 * printing why.
 */
int	client_open(struct client *, const struct cli_opts *);
void	client_close(struct client *);
/*
 * Sends REQ (stolen) and waits for the reply.  Returns the reply's
 * payload on success; NULL after printing the error, with *EXITCODE set.
 */
json_t	*client_call(struct client *, json_t *req, int *exitcode);

/* Sends REQ (stolen); the reply line as it came (NULL on error), to free. */
char	*client_call_text(struct client *, json_t *req);
/* Connects, sends REQ (stolen), returns the reply or NULL with *RC set. */
json_t	*client_request(const struct cli_opts *, json_t *req, int *rc);

/* A JSON string's value, or DEF when it is not a string. */
const char *jstr(json_t *, const char *def);

#endif
