/*
 * The resident memory of process groups, read from /proc: what
 * `max_memory` watches.  One pass over /proc serves every group asked.
 */
#ifndef PMTREE_PROCMEM_H
#define PMTREE_PROCMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct procmem {
	pid_t		pgid;	/* asked */
	uint64_t	rss;	/* found: bytes, summed over its processes */
};

/*
 * Sums the RSS of every process whose process group is one of V[0..N-1]
 * (each rss set, 0 for a group with no process left).  Returns 0, or -1
 * with errno when /proc cannot be read.
 */
int	procmem_scan(struct procmem *v, size_t n);

/*
 * The process group and RSS (in pages) in the text of a /proc/PID/stat
 * file (LEN bytes, not NUL-terminated): 0, or -1 if it is not one.
 */
int	procmem_parse_stat(const char *buf, size_t len, pid_t *pgid,
	    uint64_t *rss_pages);

#endif
