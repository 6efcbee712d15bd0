/* Small filesystem helpers. */
#ifndef PMTREE_FSUTIL_H
#define PMTREE_FSUTIL_H

#include <sys/types.h>

/* mkdir -p PATH; the last component gets MODE.  -1 with errno on failure. */
int	fsutil_mkdirs(const char *path, mode_t mode);
/*
 * Opens the folder REL (a relative path, "" for DIRFD itself) below the
 * folder DIRFD one component at a time, never following a symbolic link
 * (ELOOP), creating missing folders with MODE.  Returns a close-on-exec
 * fd, or -1 with errno.
 */
int	fsutil_opendirat(int dirfd, const char *rel, mode_t mode);

#endif
