/*
 * The control protocol's request parser (doc/protocol.md): any line is
 * either NULL or a request object whose members have their types, never
 * a crash or a leak.  A request, written back out by jansson, is still
 * the same request.
 */
#include <string.h>

#include "control.h"
#include "fuzz.h"

static void
check_request(const json_t *req)
{
	const char *key;
	json_t *v;

	CHECK(json_is_object(req));
	CHECK(json_is_string(json_object_get(req, "cmd")));
	json_object_foreach((json_t *)req, key, v) {
		if (strcmp(key, "cmd") == 0 || strcmp(key, "target") == 0 ||
		    strcmp(key, "signal") == 0)
			CHECK(json_is_string(v));
		else if (strcmp(key, "group") == 0)
			CHECK(json_is_boolean(v));
		else if (strcmp(key, "count") == 0)
			CHECK(json_is_integer(v));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *req, *again;
	char *text;
	size_t len;

	if ((req = control_parse((const char *)data, size)) == NULL)
		return (0);
	check_request(req);
	/* Numbers may grow when written out ("1e9" -> "1000000000.0"). */
	text = json_dumps(req, JSON_COMPACT);
	CHECK(text != NULL);
	len = strlen(text);
	if (len <= CONTROL_MAX_LINE) {
		again = control_parse(text, len);
		CHECK(again != NULL);
		CHECK(json_equal(req, again));
		json_decref(again);
	}
	free(text);
	json_decref(req);
	return (0);
}
