/*
 * The sd_notify datagram parser: any datagram (it comes from a worker,
 * which may be anything) is read without a crash, every field it sets
 * points inside the datagram and every metric is well formed.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "notify.h"

static bool
metric_name_ok(const char *s)
{
	size_t k;

	for (k = 0; s[k] != '\0'; k++) {
		if (!((s[k] >= 'a' && s[k] <= 'z') ||
		    (s[k] >= 'A' && s[k] <= 'Z') ||
		    (s[k] >= '0' && s[k] <= '9' && k > 0) || s[k] == '_'))
			return (false);
	}
	return (k > 0);
}

/* True if LINE (without its newline) is one of BUF's lines. */
static bool
has_line(const char *buf, size_t len, const char *line)
{
	size_t ll = strlen(line), off = 0;
	const char *nl;

	while (off < len) {
		nl = memchr(buf + off, '\n', len - off);
		if ((nl ? (size_t)(nl - buf) : len) - off == ll &&
		    memcmp(buf + off, line, ll) == 0)
			return (true);
		if (nl == NULL)
			break;
		off = (size_t)(nl - buf) + 1;
	}
	return (false);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct notify_msg m;
	size_t k, len = size;

	notify_parse(buf, size, &m);
	/* Trailing NULs are dropped (a C string's, sent along), as systemd does. */
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	CHECK(m.ready == has_line(buf, len, "READY=1"));
	CHECK(m.reloading == has_line(buf, len, "RELOADING=1"));
	CHECK(m.stopping == has_line(buf, len, "STOPPING=1"));
	CHECK(m.watchdog == has_line(buf, len, "WATCHDOG=1"));
	if (m.status != NULL) {
		CHECK(m.status >= buf + 7 && m.status <= buf + len);
		CHECK(m.status_len <= (size_t)(buf + len - m.status));
		CHECK(memcmp(m.status - 7, "STATUS=", 7) == 0);
		CHECK(memchr(m.status, '\n', m.status_len) == NULL);
	} else
		CHECK(m.status_len == 0);
	CHECK(m.nmetrics <= NOTIFY_MAX_METRICS);
	for (k = 0; k < m.nmetrics; k++) {
		CHECK(memchr(m.metrics[k].name, '\0', NOTIFY_NAME_MAX) != NULL);
		CHECK(metric_name_ok(m.metrics[k].name));
		CHECK(isfinite(m.metrics[k].value));
	}
	return (0);
}
