/*
 * Restart intensity as OTP counts it: a sliding window over the monotonic
 * clock of automatic restart decisions.  More than `max` decisions within the
 * last `period` ms (inclusive) means the supervisor gives up.
 */
#ifndef PMTREE_INTENSITY_H
#define PMTREE_INTENSITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct intensity {
	unsigned	 max;
	uint64_t	 period_ms;
	uint64_t	*ring;		/* stamps still inside the window */
	size_t		 head;
	size_t		 n;
	size_t		 cap;
};

void	intensity_init(struct intensity *, unsigned max, uint64_t period_ms);
void	intensity_free(struct intensity *);
/* Records a restart decision at NOW; true if the limit is now exceeded. */
bool	intensity_add(struct intensity *, uint64_t now);
/* Decisions still inside the window at NOW. */
size_t	intensity_count(struct intensity *, uint64_t now);

#endif
