/* `status` as people read it: an aligned tree, one line a node. */
#ifndef PMTREE_RENDER_H
#define PMTREE_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* STATUS is the object of `status --json`; TTY adds box drawing and color. */
void	render_status(FILE *, json_t *status, bool tty);

#endif
