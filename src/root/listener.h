/*
 * A listening socket's accept loop, for the root's clients (the control
 * socket, control.http): every connection accepted non-blocking and
 * close-on-exec, handed to a callback that admits or refuses it; out of
 * fds, accepting pauses for a moment instead of spinning on a socket that
 * stays readable.
 */
#ifndef PMTREE_LISTENER_H
#define PMTREE_LISTENER_H

struct event_base;
struct listener;

typedef void listener_fn(int fd, void *arg);

/*
 * Takes FD (closed by listener_free; still the caller's if NULL is
 * returned); WHAT names it in pmtree.log.
 */
struct listener	*listener_new(struct event_base *, int fd, const char *what,
		    int priority, listener_fn *, void *arg);
void		 listener_free(struct listener *);

#endif
