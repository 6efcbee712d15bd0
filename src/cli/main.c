#include <event2/event.h>

#include "cli.h"
#include "pool.h"

int
main(int argc, char **argv)
{
	/* Before libevent allocates: a forked supervisor's events go to its pool. */
	event_set_mem_functions(pool_malloc, pool_realloc, pool_free);
	return cli_main(argc, argv);
}
