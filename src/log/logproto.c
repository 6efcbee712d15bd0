#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "logproto.h"

/* Abstract: nothing to remove, and it dies with the last holder. */
void
logproto_address(void *sa, unsigned *len, int rootpid)
{
	struct sockaddr_un *sun = sa;
	int n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1,
	    "pmtree-log-%d", rootpid);
	*len = (unsigned)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}
