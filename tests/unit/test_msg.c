/*
 * The message tables: each direction takes only its own types, each of
 * its size, so a frame going the wrong way is refused by the codec before
 * a handler copies it anywhere.
 */
#include <check.h>
#include <string.h>

#include "ipc.h"
#include "msg.h"

/* ipc_frame_check on a frame of TYPE with LEN zero bytes of payload. */
static long
judge(const struct ipc_type *types, uint16_t type, size_t len)
{
	static uint8_t buf[IPC_HDR_SIZE + 65536];
	struct ipc_hdr h = { .len = (uint32_t)len, .type = type,
	    .version = IPC_VERSION };
	const char *why = NULL;

	ck_assert_uint_le(len, sizeof(buf) - IPC_HDR_SIZE);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	return (ipc_frame_check(buf, IPC_HDR_SIZE + len, types, MSG_NTYPES,
	    &why));
}

START_TEST(test_up_takes_states_and_info_only)
{
	size_t info_max = msg_up_types[MSG_NODE_INFO].max;

	ck_assert_int_gt(judge(msg_up_types, MSG_NODE_STATE,
	    sizeof(struct msg_node_state)), 0);
	ck_assert_int_gt(judge(msg_up_types, MSG_NODE_INFO, info_max), 0);
	ck_assert_int_eq(judge(msg_up_types, MSG_NODE_INFO, info_max + 1), -1);
	ck_assert_int_eq(judge(msg_up_types, MSG_COMMAND,
	    sizeof(struct msg_command)), -1);
	ck_assert_int_eq(judge(msg_up_types, MSG_RELOAD,
	    sizeof(struct msg_reload)), -1);
	ck_assert_int_eq(judge(msg_up_types, MSG_SCALE,
	    sizeof(struct msg_scale)), -1);
}
END_TEST

START_TEST(test_down_takes_commands_only)
{
	ck_assert_int_gt(judge(msg_down_types, MSG_COMMAND,
	    sizeof(struct msg_command)), 0);
	ck_assert_int_gt(judge(msg_down_types, MSG_RELOAD,
	    sizeof(struct msg_reload)), 0);
	ck_assert_int_gt(judge(msg_down_types, MSG_SCALE,
	    sizeof(struct msg_scale)), 0);
	/* The 6 KB a child may send up never comes down. */
	ck_assert_int_eq(judge(msg_down_types, MSG_NODE_INFO,
	    msg_up_types[MSG_NODE_INFO].max), -1);
	ck_assert_int_eq(judge(msg_down_types, MSG_NODE_STATE,
	    sizeof(struct msg_node_state)), -1);
	ck_assert_int_eq(judge(msg_down_types, MSG_COMMAND,
	    sizeof(struct msg_command) + 1), -1);
	ck_assert_int_eq(judge(msg_down_types, MSG_COMMAND,
	    sizeof(struct msg_command) - 1), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("msg");
	TCase *tc = tcase_create("tables");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_up_takes_states_and_info_only);
	tcase_add_test(tc, test_down_takes_commands_only);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? 0 : 1);
}
