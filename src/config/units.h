/*
 * The scalar forms of the YAML schema: durations, sizes and signal names.
 * Pure functions; each returns 0 on success or -1 with a message in ERR.
 */
#ifndef PMTREE_UNITS_H
#define PMTREE_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* "0", "1.5s", "1m30s", "250ms", "2h" -> milliseconds. */
int		 units_duration(const char *, uint64_t *ms, char *err, size_t errlen);
/* "0", "10MB", "512KiB", "1gb" -> bytes (all powers of 1024). */
int		 units_size(const char *, uint64_t *bytes, char *err, size_t errlen);
/* "TERM", "sigterm", "15" -> signal number. */
int		 units_signal(const char *, int *sig, char *err, size_t errlen);
/* The short name of a signal ("TERM"), or NULL for an unknown one. */
const char	*units_signal_name(int sig);

#endif
