#include <stdlib.h>
#include <unistd.h>

#include "fdutil.h"

static int
fdutil_cmp(const void *a, const void *b)
{
	return (*(const int *)a - *(const int *)b);
}

void
fdutil_close_except(const int *keep, size_t n)
{
	int sorted[16], from = 3;
	size_t k, m = 0;

	for (k = 0; k < n && m < sizeof(sorted) / sizeof(sorted[0]); k++) {
		if (keep[k] >= 3)
			sorted[m++] = keep[k];
	}
	qsort(sorted, m, sizeof(sorted[0]), fdutil_cmp);
	for (k = 0; k < m; k++) {
		if (sorted[k] > from)
			(void)close_range((unsigned)from, (unsigned)sorted[k] - 1, 0);
		from = sorted[k] + 1;
	}
	(void)close_range((unsigned)from, ~0U, 0);
}
