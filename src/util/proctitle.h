/*
 * Process titles as `ps -o args` shows them ("pmtree: group api"): the
 * title overwrites argv's own memory, so environ is moved out of its way.
 */
#ifndef PMTREE_PROCTITLE_H
#define PMTREE_PROCTITLE_H

void	proctitle_init(int argc, char **argv);
void	proctitle_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
