/* The log collector process (see collector.c). */
#ifndef PMTREE_COLLECTOR_H
#define PMTREE_COLLECTOR_H

#include "logproto.h"

/*
 * Runs the collector until TERM (then reads every open pipe to its end) or
 * until ROOTFD reaches EOF, when the root died: then it kills every worker
 * process group it knows first.  LISFD is the listening socket supervisors
 * connect to; the settings are in SHM (re-read on HUP).  Returns the
 * process's exit status.
 */
int	collector_main(int lisfd, int rootfd, struct logshm *);

#endif
