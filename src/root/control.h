/*
 * The control socket: a Unix stream socket speaking newline-delimited JSON
 * (doc/protocol.md).  Only the tree's own uid and root may connect
 * (SO_PEERCRED).  A client that sends garbage, a line over 64 KiB, or
 * stalls mid-line is dropped; nothing else notices.
 */
#ifndef PMTREE_CONTROL_H
#define PMTREE_CONTROL_H

#include <jansson.h>

#define CONTROL_MAX_LINE	(64 * 1024)

/*
 * A successful `status` reply is exactly this prefix, the status object and
 * "}": a client may print the object without parsing it.
 */
#define CONTROL_STATUS_PREFIX	"{\"ok\":true,\"status\":"
#define CONTROL_IDLE_SECS	30

struct event_base;
struct control;
struct control_conn;

/*
 * Called for each request.  The handler answers with control_reply, now or
 * later; until it does, the connection reads no further request.
 */
typedef void control_fn(struct control_conn *, json_t *req, void *arg);

/*
 * A request line: a JSON object with a string "cmd", and "target" and
 * "signal" strings, "group" a boolean, "count" an integer if present.
 * NULL if it is not one.  Pure.
 */
json_t		*control_parse(const char *line, size_t len);

/* Binds PATH (creating its folder 0700, the socket 0600); NULL on error. */
struct control	*control_open(struct event_base *, const char *path,
		    control_fn *, void *arg);
/* Closes every connection, removes the socket file. */
void		 control_close(struct control *);
/* Sends REPLY (stolen) as one line, then reads the next request. */
void		 control_reply(struct control_conn *, json_t *reply);
/* Sends TEXT, one JSON object already serialized, as the reply line. */
void		 control_reply_text(struct control_conn *, const char *text,
		    size_t len);
/* A reply that says what failed, with the exit code the client should use. */
void		 control_error(struct control_conn *, int exitcode,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Flushes pending replies synchronously: the process is about to exit. */
void		 control_flush(struct control *);

#endif
