#include "msg.h"

/*
 * One table per direction: a frame of a type that never goes that way is
 * refused by the codec, before any handler sees it.
 */
const struct ipc_type msg_up_types[MSG_NTYPES] = {
	[MSG_NODE_STATE] = { sizeof(struct msg_node_state),
	    sizeof(struct msg_node_state) },
	[MSG_NODE_INFO] = { sizeof(struct msg_node_info),
	    sizeof(struct msg_node_info) +
	    NOTIFY_MAX_METRICS * sizeof(struct notify_metric) + NOTIFY_DGRAM_MAX },
};

const struct ipc_type msg_down_types[MSG_NTYPES] = {
	[MSG_COMMAND] = { sizeof(struct msg_command),
	    sizeof(struct msg_command) },
	[MSG_RELOAD] = { sizeof(struct msg_reload), sizeof(struct msg_reload) },
	[MSG_SCALE] = { sizeof(struct msg_scale), sizeof(struct msg_scale) },
};
