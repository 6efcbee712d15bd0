/* Small filesystem helpers. */
#ifndef PMTREE_FSUTIL_H
#define PMTREE_FSUTIL_H

#include <sys/types.h>

/* mkdir -p PATH; the last component gets MODE.  -1 with errno on failure. */
int	fsutil_mkdirs(const char *path, mode_t mode);

#endif
