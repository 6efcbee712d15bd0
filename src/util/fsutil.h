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
/*
 * Takes an exclusive flock(2) on PATH, created 0600 if missing, and sets
 * *FD (close-on-exec).  Returns 0 when locked; 1 when another process
 * holds it (*FD is still open, to read its pid); -1 with errno and *WHAT
 * naming the call that failed.
 */
int	fsutil_lock(const char *path, int *fd, const char **what);
/*
 * Lets go of fsutil_lock's lock on PATH: unlinks the file while FD still
 * holds it (a process that locks it meanwhile sees it gone and starts
 * again), then closes FD.  -1 with errno if the unlink failed.
 */
int	fsutil_unlock(const char *path, int fd);
/* Replaces the content of FD with our pid and a newline; -1 with errno. */
int	fsutil_write_pid(int fd);
/* The pid written in FD's file, 0 if none can be read. */
int	fsutil_read_pid(int fd);

#endif
