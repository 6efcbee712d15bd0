/*
 * `pmtree check`'s warnings: what a file that loads says that will fail
 * once it runs (a program that cannot be found or executed, a control.http
 * address already in use).  They look at the filesystem and the network as
 * they are now, which the loader never does: it reads the file only.
 */
#ifndef PMTREE_CFGWARN_H
#define PMTREE_CFGWARN_H

#include "config.h"

/*
 * Adds a warning to DIAG, at the value's position, for each such thing in
 * T.  T may be a draft (config_load_draft) that did not load.
 */
void	cfgwarn_tree(const struct cfg_tree *t, struct diag *diag);

#endif
