/*
 * The IPC frame decoder: the input is a stream of bytes as a peer might
 * write it on a socketpair, consumed frame by frame as ipc.c's reader
 * does, with the real message tables, the first byte choosing which
 * direction's.  Each frame handed on must be a type of that direction
 * within its size range; a shorter view of the same bytes must never be
 * judged differently ("more needed" until it is whole).
 */
#include <string.h>

#include "fuzz.h"
#include "ipc.h"
#include "msg.h"

static const struct ipc_type *types;

/* The reader pulls up the header, then the whole frame: the same check. */
static long
check_at(const uint8_t *p, size_t avail)
{
	const char *why = NULL;
	long n;

	n = ipc_frame_check(p, avail, types, MSG_NTYPES, &why);
	CHECK(n >= -1);
	if (n == -1)
		CHECK(why != NULL && why[0] != '\0');
	if (avail < IPC_HDR_SIZE)
		CHECK(n == 0);
	return (n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t avail = size, k;
	struct ipc_hdr h;
	uint8_t *payload;
	long n;

	if (size == 0)
		return (0);
	types = data[0] & 1 ? msg_up_types : msg_down_types;
	p++;
	avail--;

	for (;;) {
		n = check_at(p, avail);
		if (n <= 0) {
			/* Garbage or a partial frame: the channel stops here. */
			if (n == 0 && avail >= IPC_HDR_SIZE) {
				memcpy(&h, p, sizeof(h));
				CHECK(IPC_HDR_SIZE + (size_t)h.len > avail);
			}
			break;
		}
		CHECK((size_t)n >= IPC_HDR_SIZE && (size_t)n <= avail);
		memcpy(&h, p, sizeof(h));
		CHECK(h.version == IPC_VERSION);
		CHECK(h.type > 0 && h.type < MSG_NTYPES);
		CHECK((size_t)n == IPC_HDR_SIZE + h.len);
		CHECK(h.len <= IPC_MAX_PAYLOAD);
		CHECK(types[h.type].max > 0 && h.len >= types[h.type].min &&
		    h.len <= types[h.type].max);
		/* The frame was not whole before its last byte came. */
		for (k = IPC_HDR_SIZE; k < (size_t)n; k += 1 + k / 4)
			CHECK(check_at(p, k) == 0);
		CHECK(check_at(p, (size_t)n - 1) == 0);
		CHECK(check_at(p, (size_t)n) == n);
		/*
		 * What a message callback gets: exactly the payload, in its
		 * own buffer so that ASan sees a read past it.
		 */
		if ((payload = malloc(h.len > 0 ? h.len : 1)) == NULL)
			abort();
		memcpy(payload, p + IPC_HDR_SIZE, h.len);
		free(payload);
		p += n;
		avail -= (size_t)n;
	}
	return (0);
}
