/*
 * pmtree's worker-side helper: tell the supervisor, over the sd_notify
 * protocol, that the worker is ready, how it is doing, and that it lives.
 * Each call is one datagram to $NOTIFY_SOCKET; without it (not run by
 * pmtree, or by systemd) each is a no-op that returns 0.
 *
 * Returns 1 when sent, 0 when there is no NOTIFY_SOCKET, -1 with errno set
 * when it could not be sent.  Safe to call from any thread.
 */
#ifndef PMTREE_H
#define PMTREE_H

#ifdef __cplusplus
extern "C" {
#endif

/* READY=1: with `ready: notify`, the worker is ready; the next may start. */
int	pmtree_notify_ready(void);
/* STATUS=TEXT: one line shown in `pmtree status` as status_text. */
int	pmtree_notify_status(const char *text);
/* X_METRIC_NAME=VALUE: a custom metric, shown in status and /metrics. */
int	pmtree_notify_metric(const char *name, double value);
/* WATCHDOG=1: alive; send it more often than `watchdog` (half is usual). */
int	pmtree_notify_watchdog(void);
/* Any sd_notify message, several KEY=VALUE lines at once if need be. */
int	pmtree_notify(const char *message);

#ifdef __cplusplus
}
#endif

#endif
