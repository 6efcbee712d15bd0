#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "xmalloc.h"

struct ipc {
	struct bufferevent	*bev;
	const struct ipc_type	*types;
	size_t			 ntypes;
	ipc_msg_cb		*on_msg;
	ipc_close_cb		*on_close;
	void			*arg;
};

long
ipc_frame_check(const void *buf, size_t len, const struct ipc_type *types,
    size_t ntypes, const char **why)
{
	struct ipc_hdr h;

	if (len < IPC_HDR_SIZE)
		return (0);
	memcpy(&h, buf, sizeof(h));
	if (h.version != IPC_VERSION) {
		*why = "protocol version mismatch";
		return (-1);
	}
	if (h.type == 0 || h.type >= ntypes || types[h.type].max == 0) {
		*why = "unknown message type";
		return (-1);
	}
	if (h.len < types[h.type].min || h.len > types[h.type].max ||
	    h.len > IPC_MAX_PAYLOAD) {
		*why = "bad message size";
		return (-1);
	}
	if (len < IPC_HDR_SIZE + (size_t)h.len)
		return (0);
	return ((long)(IPC_HDR_SIZE + h.len));
}

static void
ipc_fail(struct ipc *c, const char *why)
{
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	c->on_close(c, why, c->arg);
}

static void
ipc_read_cb(struct bufferevent *bev, void *arg)
{
	struct ipc *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct ipc_hdr h;
	const char *why = NULL;
	unsigned char *p;
	size_t avail;
	long n;

	for (;;) {
		avail = evbuffer_get_length(in);
		if (avail < IPC_HDR_SIZE)
			return;
		p = evbuffer_pullup(in, IPC_HDR_SIZE);
		n = ipc_frame_check(p, avail, c->types, c->ntypes, &why);
		if (n < 0) {
			ipc_fail(c, why);
			return;
		}
		if (n == 0)
			return;
		p = evbuffer_pullup(in, n);
		memcpy(&h, p, sizeof(h));
		if (c->on_msg(c, h.type, p + IPC_HDR_SIZE, h.len, c->arg) < 0) {
			ipc_fail(c, "bad message");
			return;
		}
		if (evbuffer_drain(in, (size_t)n) < 0) {
			ipc_fail(c, "buffer error");
			return;
		}
	}
}

static void
ipc_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct ipc *c = arg;

	if (what & BEV_EVENT_EOF)
		ipc_fail(c, "end of file");
	else if (what & BEV_EVENT_ERROR)
		ipc_fail(c, "read error");
}

struct ipc *
ipc_new(struct event_base *base, int fd, const struct ipc_type *types,
    size_t ntypes, ipc_msg_cb *on_msg, ipc_close_cb *on_close, void *arg)
{
	struct ipc *c = xcalloc(1, sizeof(*c));

	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		xfree(c);
		return (NULL);
	}
	c->types = types;
	c->ntypes = ntypes;
	c->on_msg = on_msg;
	c->on_close = on_close;
	c->arg = arg;
	bufferevent_setcb(c->bev, ipc_read_cb, NULL, ipc_event_cb, c);
	bufferevent_enable(c->bev, EV_READ);
	return (c);
}

void
ipc_free(struct ipc *c)
{
	if (c == NULL)
		return;
	bufferevent_free(c->bev);
	xfree(c);
}

int
ipc_send(struct ipc *c, uint16_t type, const void *data, size_t len)
{
	struct ipc_hdr h = { .len = (uint32_t)len, .type = type,
	    .version = IPC_VERSION };
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (len > IPC_MAX_PAYLOAD)
		return (-1);
	if (evbuffer_add(out, &h, sizeof(h)) < 0 ||
	    evbuffer_add(out, data, len) < 0)
		return (-1);
	return (0);
}

void
ipc_read_rest(struct ipc *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	if (fd < 0)
		return;
	/* Only the loop may add to an input buffer; it will not run for this one. */
	evbuffer_unfreeze(in, 0);
	while (evbuffer_read(in, fd, IPC_MAX_PAYLOAD) > 0)
		;
	ipc_read_cb(c->bev, c);
}

void
ipc_flush(struct ipc *c)
{
	ipc_flush_bev(c->bev);
}

void
ipc_flush_bev(struct bufferevent *bev)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	struct pollfd p = { .fd = bufferevent_getfd(bev), .events = POLLOUT };

	if (p.fd < 0)
		return;
	/* Only the loop may drain an output buffer; it will not run again. */
	evbuffer_unfreeze(out, 1);
	while (evbuffer_get_length(out) > 0) {
		if (evbuffer_write(out, p.fd) > 0)
			continue;
		if (errno != EAGAIN || poll(&p, 1, 1000) <= 0)
			break;
	}
}
