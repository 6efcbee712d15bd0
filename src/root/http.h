/*
 * The read-only HTTP endpoint (`control.http`, SPEC §6): /healthz,
 * /readyz, /readyz/<path>, /status and /metrics, for load balancers,
 * Kubernetes probes and Prometheus.  GET and HEAD only.
 */
#ifndef PMTREE_HTTP_H
#define PMTREE_HTTP_H

#include "config.h"
#include "nodetab.h"

struct event_base;
struct http;
struct obuf;

/* What the endpoint shows: the root's current view of the tree. */
struct http_view {
	const struct cfg_tree	*(*tree)(void *);
	struct nodetab		*(*table)(void *);
	/* Appends the `status --json` object. */
	void			 (*status)(struct obuf *, void *);
	void			 *arg;
};

/* Binds ADDR ("host:port"); NULL with errno set on failure. */
struct http	*http_open(struct event_base *, const char *addr,
		    const struct http_view *);
void		 http_close(struct http *);

#endif
