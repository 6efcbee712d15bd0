/*
 * Who holds a listening socket.  A line of /proc/net/tcp (tcp6 the same,
 * with 32 hex digits of address):
 *
 *    0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000
 *       00000000  1000  0 123456 1 0000000000000000 100 0 0 10 0
 *
 * sl, local address:port, remote address:port, state (0A = LISTEN), queues,
 * timer, retransmits, uid, timeout, inode.  An address is printed as 32-bit
 * words in host order, each "%08X": the word's bytes in memory are the
 * address's bytes in network order.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "owner.h"
#include "xmalloc.h"

#define OWNER_MAXCAND	4096	/* sockets sharing a port (SO_REUSEPORT) */

/* --- the lines of /proc/net/tcp ------------------------------------------ */

/* The next word of [*P, END): *W and its length, or 0 at the end. */
static size_t
owner_word(const char **p, const char *end, const char **w)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	*w = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != '\n')
		s++;
	*p = s;
	return ((size_t)(s - *w));
}

static int
owner_hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* Exactly N (<= 8) hex digits at S: 0 and *V, or -1. */
static int
owner_hex(const char *s, size_t n, uint32_t *v)
{
	size_t i;
	int d;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((d = owner_hexdigit(s[i])) < 0)
			return (-1);
		*v = *v << 4 | (uint32_t)d;
	}
	return (0);
}

/* "ADDR:PORT", ADDR 8 (AF_INET) or 32 hex digits, PORT 4. */
static int
owner_endpoint(const char *w, size_t len, int family, uint8_t *addr,
    uint16_t *port)
{
	size_t nwords = family == AF_INET ? 1 : 4, i;
	uint32_t v;

	if (len != nwords * 8 + 5 || w[nwords * 8] != ':')
		return (-1);
	for (i = 0; i < nwords; i++) {
		if (owner_hex(w + i * 8, 8, &v) < 0)
			return (-1);
		memcpy(addr + i * 4, &v, 4);	/* host order: network bytes */
	}
	if (owner_hex(w + nwords * 8 + 1, 4, &v) < 0)
		return (-1);
	*port = (uint16_t)v;
	return (0);
}

/* A decimal number of 1 to 20 digits that fits 64 bits. */
static int
owner_dec(const char *w, size_t len, uint64_t *v)
{
	size_t i;

	*v = 0;
	if (len == 0 || len > 20)
		return (-1);
	for (i = 0; i < len; i++) {
		if (w[i] < '0' || w[i] > '9' ||
		    *v > (UINT64_MAX - (uint64_t)(w[i] - '0')) / 10)
			return (-1);
		*v = *v * 10 + (uint64_t)(w[i] - '0');
	}
	return (0);
}

int
owner_parse_line(const char *line, size_t len, int family,
    struct owner_sock *s)
{
	const char *p = line, *end = line + len, *w;
	uint16_t rport;
	uint8_t raddr[16];
	uint32_t st;
	size_t n, k;

	memset(s, 0, sizeof(*s));
	if (family != AF_INET && family != AF_INET6)
		return (-1);
	s->family = family;
	/* "N:" */
	if ((n = owner_word(&p, end, &w)) < 2 || w[n - 1] != ':')
		return (-1);
	for (k = 0; k < n - 1; k++) {
		if (w[k] < '0' || w[k] > '9')
			return (-1);
	}
	n = owner_word(&p, end, &w);
	if (owner_endpoint(w, n, family, s->addr, &s->port) < 0)
		return (-1);
	n = owner_word(&p, end, &w);
	if (owner_endpoint(w, n, family, raddr, &rport) < 0)
		return (-1);
	if (owner_word(&p, end, &w) != 2 || owner_hex(w, 2, &st) < 0)
		return (-1);
	s->state = st;
	for (k = 0; k < 5; k++) {	/* queues, timer, retransmits, uid, timeout */
		if (owner_word(&p, end, &w) == 0)
			return (-1);
	}
	n = owner_word(&p, end, &w);
	return (owner_dec(w, n, &s->inode));
}

/* --- matching ------------------------------------------------------------ */

/* An IPv4 or IPv6 address, a v4-mapped one taken as IPv4. */
struct owner_ip {
	int	 family;
	uint8_t	 a[16];
};

static const uint8_t owner_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff };

static void
owner_ip_of(int family, const uint8_t *addr, struct owner_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = family;
	if (family == AF_INET) {
		memcpy(ip->a, addr, 4);
		return;
	}
	if (memcmp(addr, owner_mapped, 12) == 0) {
		ip->family = AF_INET;
		memcpy(ip->a, addr + 12, 4);
		return;
	}
	memcpy(ip->a, addr, 16);
}

static bool
owner_ip_zero(const struct owner_ip *ip)
{
	static const uint8_t zero[16];

	return (memcmp(ip->a, zero, ip->family == AF_INET ? 4 : 16) == 0);
}

/*
 * Where a connection to SA went, and its port: 0.0.0.0 and :: reach the
 * loopback address.  -1 for another family.
 */
static int
owner_target(const struct sockaddr *sa, struct owner_ip *ip, uint16_t *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET) {
		owner_ip_of(AF_INET, (const uint8_t *)&sin->sin_addr, ip);
		*port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		owner_ip_of(AF_INET6, sin6->sin6_addr.s6_addr, ip);
		*port = ntohs(sin6->sin6_port);
	} else
		return (-1);
	if (!owner_ip_zero(ip))
		return (0);
	if (ip->family == AF_INET)
		ip->a[0] = 127, ip->a[3] = 1;
	else
		ip->a[15] = 1;
	return (0);
}

int
owner_score(const struct owner_sock *s, const struct sockaddr *sa)
{
	struct owner_ip t, l;
	uint16_t port;
	bool v4sock = s->family == AF_INET;

	if (owner_target(sa, &t, &port) < 0 || s->state != OWNER_LISTEN ||
	    s->port != port)
		return (-1);
	owner_ip_of(s->family, s->addr, &l);
	/* [::] also takes IPv4 (unless IPV6_V6ONLY, which /proc hides). */
	if (l.family == AF_INET6 && owner_ip_zero(&l))
		return (0);
	if (l.family != t.family)
		return (-1);
	if (memcmp(l.a, t.a, sizeof(l.a)) == 0)
		return (2 + v4sock);
	if (owner_ip_zero(&l))
		return (v4sock ? 1 : 0);
	return (-1);
}

bool
owner_is_local(const struct sockaddr *sa, const struct ifaddrs *ifa)
{
	struct owner_ip t, a;
	uint16_t port;

	if (owner_target(sa, &t, &port) < 0)
		return (false);
	if (t.family == AF_INET && t.a[0] == 127)
		return (true);
	if (t.family == AF_INET6 && memcmp(t.a, in6addr_loopback.s6_addr,
	    16) == 0)
		return (true);
	for (; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL ||
		    (ifa->ifa_addr->sa_family != AF_INET &&
		    ifa->ifa_addr->sa_family != AF_INET6) ||
		    owner_target(ifa->ifa_addr, &a, &port) < 0)
			continue;
		if (a.family == t.family && memcmp(a.a, t.a, sizeof(a.a)) == 0)
			return (true);
	}
	return (false);
}

void
owner_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)) != NULL)
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	else if (sa->sa_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)) != NULL)
		snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	else
		snprintf(buf, len, "?");
}

/* --- /proc ---------------------------------------------------------------- */

/* The inodes of the best-scoring listeners: what the kernel picks from. */
struct owner_cand {
	uint64_t	*inode;
	size_t		 n, cap;
	int		 best;
};

static void
owner_cand_add(struct owner_cand *c, const struct owner_sock *s, int score)
{
	if (score < 0 || score < c->best || s->inode == 0)
		return;
	if (score > c->best) {
		c->best = score;
		c->n = 0;
	}
	if (c->n == OWNER_MAXCAND)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap == 0 ? 4 : c->cap * 2;
		c->inode = xreallocarray(c->inode, c->cap, sizeof(*c->inode));
	}
	c->inode[c->n++] = s->inode;
}

/* The listeners of PATH (the file of FAMILY) that would take SA. */
static void
owner_read_net(const char *path, int family, const struct sockaddr *sa,
    struct owner_cand *c)
{
	struct owner_sock s;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return;		/* no IPv6 here: no tcp6 */
	while ((n = getline(&line, &cap, f)) > 0) {
		if (owner_parse_line(line, (size_t)n, family, &s) == 0)
			owner_cand_add(c, &s, owner_score(&s, sa));
	}
	free(line);
	fclose(f);
}

/* "socket:[INODE]" */
static bool
owner_link_inode(const char *link, size_t len, uint64_t *inode)
{
	if (len < 10 || memcmp(link, "socket:[", 8) != 0 ||
	    link[len - 1] != ']')
		return (false);
	return (owner_dec(link + 8, len - 9, inode) == 0);
}

static int
owner_opendir(const char *path, DIR **d)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return (-1);
	if ((*d = fdopendir(fd)) == NULL) {
		close(fd);
		return (-1);
	}
	return (0);
}

/* PID has a descriptor on one of the N sockets INODE. */
static bool
owner_has_fd(pid_t pid, const uint64_t *inode, size_t n)
{
	char path[64], link[64];
	struct dirent *e;
	uint64_t ino;
	ssize_t len;
	size_t i;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if (owner_opendir(path, &d) < 0)
		return (false);	/* gone, or another user's */
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(d), e->d_name, link, sizeof(link));
		if (len <= 0 || !owner_link_inode(link, (size_t)len, &ino))
			continue;
		for (i = 0; i < n && !found; i++)
			found = inode[i] == ino;
	}
	closedir(d);
	return (found);
}

/* A /proc entry's pid, or 0 for anything else. */
static pid_t
owner_pid_of(const char *name)
{
	uint64_t v;

	if (owner_dec(name, strlen(name), &v) < 0 || v == 0 || v > INT32_MAX)
		return (0);
	return ((pid_t)v);
}

/* PID's process group (field 5 of /proc/PID/stat), or -1. */
static pid_t
owner_pgid_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	int fd, k;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (-1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	buf[n] = '\0';
	/* The name may hold anything: fields 3 on start after its last ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return (-1);
	for (k = 0; k < 3 && p != NULL; k++)	/* state, ppid, pgrp */
		p = strchr(p + 1, ' ');
	return (p != NULL ? (pid_t)strtol(p + 1, NULL, 10) : -1);
}

/* A process of group PGID other than its leader holds one of C's sockets. */
static bool
owner_group_has(pid_t pgid, const struct owner_cand *c)
{
	struct dirent *e;
	bool found = false;
	pid_t pid;
	DIR *d;

	if (owner_opendir("/proc", &d) < 0)
		return (false);
	while (!found && (e = readdir(d)) != NULL) {
		if ((pid = owner_pid_of(e->d_name)) == 0 || pid == pgid ||
		    owner_pgid_of(pid) != pgid)
			continue;
		found = owner_has_fd(pid, c->inode, c->n);
	}
	closedir(d);
	return (found);
}

enum owner_verdict
owner_check(pid_t pgid, const struct sockaddr *sa, uint64_t *inode)
{
	struct owner_cand c = { .best = -1 };
	struct owner_ip t;
	enum owner_verdict v;
	uint16_t port;

	*inode = 0;
	if (owner_target(sa, &t, &port) < 0)
		return (OWNER_NONE);
	if (t.family == AF_INET)
		owner_read_net("/proc/net/tcp", AF_INET, sa, &c);
	owner_read_net("/proc/net/tcp6", AF_INET6, sa, &c);
	if (c.n == 0)
		v = OWNER_NONE;
	else if (owner_has_fd(pgid, c.inode, c.n) || owner_group_has(pgid, &c))
		v = OWNER_OURS;
	else {
		v = OWNER_OTHER;
		*inode = c.inode[0];
	}
	xfree(c.inode);
	return (v);
}

pid_t
owner_holder(uint64_t inode)
{
	struct dirent *e;
	pid_t pid, found = -1;
	DIR *d;

	if (owner_opendir("/proc", &d) < 0)
		return (-1);
	while (found < 0 && (e = readdir(d)) != NULL) {
		if ((pid = owner_pid_of(e->d_name)) != 0 &&
		    owner_has_fd(pid, &inode, 1))
			found = pid;
	}
	closedir(d);
	return (found);
}
