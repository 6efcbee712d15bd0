/*
 * The name <rundir>/<tree name>.sock is held with the lock that a tree
 * whose socket is there by default takes, <rundir>/<name>.sock.lock: so
 * one tree at a time owns the name, a linked one or a default one, and
 * two roots never both believe the link is theirs.  The link itself is
 * put in place by a rename, so a client never sees a half-made one.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evlog.h"
#include "fsutil.h"
#include "sockpath.h"
#include "socklink.h"

/* 1 if a tree answers at PATH, 0 if none does, -1 if we cannot tell. */
static int
socklink_live(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, live;

	strcpy(sun.sun_path, path);	/* the caller checked its length */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		evlog("pmtree", "socket for %s: %s", path, strerror(errno));
		return (-1);
	}
	/* A full backlog (EAGAIN) is a live tree too. */
	live = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
	    errno == EAGAIN;
	close(fd);
	return (live);
}

/* Nothing there, our own link, a stale link or a dead socket: ours to take. */
static bool
socklink_free(const struct socklink *sl)
{
	char buf[PATH_MAX];
	struct stat st;
	ssize_t n;
	int live;

	if (lstat(sl->path, &st) < 0) {
		if (errno == ENOENT)
			return (true);
		evlog("pmtree", "lstat %s: %s", sl->path, strerror(errno));
		return (false);
	}
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlink(sl->path, buf, sizeof(buf) - 1)) < 0) {
			evlog("pmtree", "readlink %s: %s", sl->path,
			    strerror(errno));
			return (false);
		}
		buf[n] = '\0';
		/* Left by a root of ours that was SIGKILLed. */
		if (strcmp(buf, sl->target) == 0)
			return (true);
	} else if (!S_ISSOCK(st.st_mode)) {
		evlog("pmtree", "%s is neither a socket nor a link: not linked "
		    "there", sl->path);
		return (false);
	}
	if ((live = socklink_live(sl->path)) > 0)
		evlog("pmtree", "%s is another live tree's: not linked there",
		    sl->path);
	return (live == 0);
}

static int
socklink_put(const struct socklink *sl)
{
	char tmp[PATH_MAX + 32];
	const char *slash = strrchr(sl->path, '/');

	snprintf(tmp, sizeof(tmp), "%.*s/.%s.%d", (int)(slash - sl->path),
	    sl->path, slash + 1, (int)getpid());
	/* A leftover of a killed root that had our pid. */
	if (unlink(tmp) < 0 && errno != ENOENT) {
		evlog("pmtree", "unlink %s: %s", tmp, strerror(errno));
		return (-1);
	}
	if (symlink(sl->target, tmp) < 0) {
		evlog("pmtree", "symlink %s: %s", tmp, strerror(errno));
		return (-1);
	}
	if (rename(tmp, sl->path) < 0) {
		evlog("pmtree", "rename %s to %s: %s", tmp, sl->path,
		    strerror(errno));
		if (unlink(tmp) < 0)
			evlog("pmtree", "unlink %s: %s", tmp, strerror(errno));
		return (-1);
	}
	return (0);
}

static void
socklink_unlock(struct socklink *sl)
{
	char lock[PATH_MAX + 8];

	snprintf(lock, sizeof(lock), "%s.lock", sl->path);
	if (fsutil_unlock(lock, sl->lockfd) < 0)
		evlog("pmtree", "unlink %s: %s", lock, strerror(errno));
	sl->lockfd = -1;
}

/* The link's path and target; false if SOCK is in <rundir> or too long. */
static bool
socklink_paths(struct socklink *sl, const char *sock, const char *name)
{
	char dir[PATH_MAX], rdir[PATH_MAX];
	struct sockaddr_un sun;
	const char *slash;
	int n;

	if (sockpath_rundir(dir, sizeof(dir)) < 0) {
		evlog("pmtree", "the run folder's path is too long: not linked");
		return (false);
	}
	if (realpath(sock, sl->target) == NULL) {
		evlog("pmtree", "realpath %s: %s", sock, strerror(errno));
		return (false);
	}
	if (fsutil_mkdirs(dir, 0700) < 0) {
		evlog("pmtree", "mkdir %s: %s", dir, strerror(errno));
		return (false);
	}
	if (realpath(dir, rdir) == NULL) {
		evlog("pmtree", "realpath %s: %s", dir, strerror(errno));
		return (false);
	}
	slash = strrchr(sl->target, '/');
	if ((size_t)(slash - sl->target) == strlen(rdir) &&
	    strncmp(sl->target, rdir, strlen(rdir)) == 0)
		return (false);
	n = snprintf(sl->path, sizeof(sl->path), "%s/%s.sock", dir, name);
	/* A client connects to the link's path: it must fit an address. */
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path)) {
		evlog("pmtree", "%s/%s.sock is too long for a socket address: "
		    "not linked", dir, name);
		return (false);
	}
	return (true);
}

void
socklink_make(struct socklink *sl, const char *sock, const char *name)
{
	char lock[PATH_MAX + 8];
	const char *what;

	sl->lockfd = -1;
	if (!socklink_paths(sl, sock, name))
		return;
	snprintf(lock, sizeof(lock), "%s.lock", sl->path);
	switch (fsutil_lock(lock, &sl->lockfd, &what)) {
	case -1:
		evlog("pmtree", "%s %s: %s", what, lock, strerror(errno));
		return;
	case 1:
		evlog("pmtree", "%s is the tree of pid %d's: not linked there",
		    sl->path, fsutil_read_pid(sl->lockfd));
		close(sl->lockfd);
		sl->lockfd = -1;
		return;
	}
	if (!socklink_free(sl) || socklink_put(sl) < 0) {
		socklink_unlock(sl);
		return;
	}
	/* What a second root of that name reports as "already running". */
	if (fsutil_write_pid(sl->lockfd) < 0)
		evlog("pmtree", "writing the pid to %s: %s", lock,
		    strerror(errno));
	evlog("pmtree", "linked %s to %s", sl->path, sl->target);
}

void
socklink_remove(struct socklink *sl)
{
	char buf[PATH_MAX];
	ssize_t n;

	if (sl->lockfd < 0)
		return;
	if ((n = readlink(sl->path, buf, sizeof(buf) - 1)) < 0) {
		if (errno != ENOENT)
			evlog("pmtree", "readlink %s: %s", sl->path,
			    strerror(errno));
	} else {
		buf[n] = '\0';
		if (strcmp(buf, sl->target) == 0 && unlink(sl->path) < 0)
			evlog("pmtree", "unlink %s: %s", sl->path,
			    strerror(errno));
	}
	socklink_unlock(sl);
}
