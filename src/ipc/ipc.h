/*
 * Framed messages between pmtree's own processes over a socketpair: an
 * 8-byte header (payload length, type, protocol version) then the payload.
 * Every frame is checked against its type's size range before it is handed
 * on; a bad one closes the channel, and the owner treats that as the peer's
 * failure, never its own.
 */
#ifndef PMTREE_IPC_H
#define PMTREE_IPC_H

#include <stddef.h>
#include <stdint.h>

#define IPC_VERSION	1
#define IPC_MAX_PAYLOAD	(64 * 1024)
#define IPC_HDR_SIZE	8

struct event_base;
struct ipc;

struct ipc_hdr {
	uint32_t	len;
	uint16_t	type;
	uint8_t		version;
	uint8_t		flags;
};

/* The payload size range of each message type; see msg.h. */
struct ipc_type {
	size_t	min;
	size_t	max;
};

/* Returns -1 when the message makes no sense: the channel is then closed. */
typedef int ipc_msg_cb(struct ipc *, uint16_t type, const void *, size_t,
    void *);
/*
 * The channel is closed: EOF, a read error or a bad frame (WHY says which).
 * The callback may free the channel.
 */
typedef void ipc_close_cb(struct ipc *, const char *why, void *);

/*
 * Checks the header at the start of BUF (LEN bytes available).  Returns the
 * whole frame's size, 0 if more bytes are needed, or -1 with WHY set.
 */
long		 ipc_frame_check(const void *buf, size_t len,
		    const struct ipc_type *types, size_t ntypes,
		    const char **why);

struct ipc	*ipc_new(struct event_base *, int fd, const struct ipc_type *,
		    size_t ntypes, ipc_msg_cb *, ipc_close_cb *, void *arg);
void		 ipc_free(struct ipc *);
int		 ipc_send(struct ipc *, uint16_t type, const void *, size_t);
struct bufferevent;

/* The loop is over: writes out what is still queued (a second at most). */
void		 ipc_flush(struct ipc *);
void		 ipc_flush_bev(struct bufferevent *);
/* The peer is gone: handles what it sent that is still unread. */
void		 ipc_read_rest(struct ipc *);

#endif
