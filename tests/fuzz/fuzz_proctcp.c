/*
 * The /proc/net/tcp line parser (src/ready/owner.c): any bytes, as one
 * line of tcp (AF_INET) and of tcp6, are read without a crash or a read
 * past them, and what is accepted is well formed: printed again in the
 * kernel's format, it parses to the same socket.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "owner.h"

static void
one(const char *buf, size_t len, int family)
{
	struct owner_sock s, t;
	char line[256];
	uint32_t w[4];
	size_t nwords = family == AF_INET ? 1 : 4, k;
	int n;

	if (owner_parse_line(buf, len, family, &s) != 0)
		return;
	CHECK(s.family == family);
	CHECK(s.state <= 0xff);
	memcpy(w, s.addr, nwords * 4);
	n = snprintf(line, sizeof(line), "0: ");
	for (k = 0; k < nwords; k++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%08X", w[k]);
	n += snprintf(line + n, sizeof(line) - (size_t)n, ":%04X %0*d:0000 %02X "
	    "0:0 0:0 0 0 0 %llu", s.port, (int)nwords * 8, 0, s.state,
	    (unsigned long long)s.inode);
	CHECK(owner_parse_line(line, (size_t)n, family, &t) == 0);
	CHECK(memcmp(s.addr, t.addr, sizeof(s.addr)) == 0);
	CHECK(s.port == t.port && s.state == t.state && s.inode == t.inode);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one((const char *)data, size, AF_INET);
	one((const char *)data, size, AF_INET6);
	return (0);
}
