#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sockpath.h"

int
sockpath_rundir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (xdg != NULL && *xdg != '\0')
		n = snprintf(buf, len, "%s/pmtree", xdg);
	else
		n = snprintf(buf, len, "/tmp/pmtree-%u", (unsigned)getuid());
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

int
sockpath_default(const char *name, char *buf, size_t len)
{
	char dir[4096];
	int n;

	if (sockpath_rundir(dir, sizeof(dir)) < 0)
		return (-1);
	n = snprintf(buf, len, "%s/%s.sock", dir, name);
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

int
sockpath_for_tree(const char *configured, const char *name, char *buf,
    size_t len)
{
	const char *env = getenv("PMTREE_SOCKET");
	int n;

	if (configured != NULL)
		n = snprintf(buf, len, "%s", configured);
	else if (env != NULL && *env != '\0')
		n = snprintf(buf, len, "%s", env);
	else
		return (sockpath_default(name, buf, len));
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}
