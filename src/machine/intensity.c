/*
 * The window keeps only the stamps that can still matter, in a ring that
 * grows on demand: with `intensity: 1000000` a quiet tree holds none, so
 * memory follows the real restart rate, not the configured limit.
 */
#include <stdlib.h>
#include <string.h>

#include "intensity.h"
#include "xmalloc.h"

void
intensity_init(struct intensity *in, unsigned max, uint64_t period_ms)
{
	memset(in, 0, sizeof(*in));
	in->max = max;
	in->period_ms = period_ms;
}

void
intensity_free(struct intensity *in)
{
	xfree(in->ring);
	memset(in, 0, sizeof(*in));
}

/* Drops the stamps older than NOW - period (a stamp exactly at the edge stays). */
static void
intensity_expire(struct intensity *in, uint64_t now)
{
	uint64_t edge = now > in->period_ms ? now - in->period_ms : 0;

	while (in->n > 0 && in->ring[in->head] < edge) {
		in->head = (in->head + 1) % in->cap;
		in->n--;
	}
}

static void
intensity_grow(struct intensity *in)
{
	size_t ncap = in->cap ? in->cap * 2 : 8, i;
	uint64_t *r = xcalloc(ncap, sizeof(*r));

	for (i = 0; i < in->n; i++)
		r[i] = in->ring[(in->head + i) % in->cap];
	xfree(in->ring);
	in->ring = r;
	in->head = 0;
	in->cap = ncap;
}

bool
intensity_add(struct intensity *in, uint64_t now)
{
	intensity_expire(in, now);
	if (in->n == in->cap)
		intensity_grow(in);
	in->ring[(in->head + in->n) % in->cap] = now;
	in->n++;
	return (in->n > in->max);
}

size_t
intensity_count(struct intensity *in, uint64_t now)
{
	intensity_expire(in, now);
	return (in->n);
}
