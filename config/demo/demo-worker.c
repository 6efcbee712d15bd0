/*
 * demo-worker: a tiny stand-in for a real service, used by config/demo.yaml.
 *
 * It prints a status line every --interval milliseconds, can crash on
 * purpose (--crash-every, --crash-chance), can take a while to start
 * (--startup-ms), stops cleanly on TERM or INT, and speaks the sd_notify
 * protocol when NOTIFY_SOCKET is set (READY=1, STATUS=..., STOPPING=1, and
 * WATCHDOG=1 when WATCHDOG_USEC asks for it).  Only libc is needed:
 *
 *	cc -std=gnu11 -Wall -Wextra -Wpedantic -o demo-worker demo-worker.c
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static struct {
	int			fd;	/* -1: no NOTIFY_SOCKET, or unusable */
	struct sockaddr_un	addr;
	socklen_t		len;
	int			watchdog;
} notify = { .fd = -1 };

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: demo-worker [--name NAME] [--interval MS] [--crash-every N]\n"
	    "                   [--crash-chance PERCENT] [--startup-ms MS]\n"
	    "\n"
	    "  --name NAME            name shown in the output (default: $PMTREE_NAME)\n"
	    "  --interval MS          time between status lines (default: 1000)\n"
	    "  --crash-every N        exit with code 1 after N ticks (default: never)\n"
	    "  --crash-chance PERCENT chance to exit with code 1 at each tick (default: 0)\n"
	    "  --startup-ms MS        time spent starting before \"ready\" (default: 0)\n");
}

/* Parses a whole non-negative decimal number no greater than MAX. */
static int
parse_num(const char *opt, const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max) {
		fprintf(stderr, "demo-worker: %s: expected a number from 0 to %ld, "
		    "got \"%s\"\n", opt, max, s);
		return (-1);
	}
	*out = v;
	return (0);
}

/* Opens the sd_notify socket if NOTIFY_SOCKET is set; failures are ignored. */
static void
notify_open(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd_usec = getenv("WATCHDOG_USEC");
	const char *wd_pid = getenv("WATCHDOG_PID");
	size_t n;

	if (path == NULL || path[0] == '\0')
		return;
	n = strlen(path);
	if (n >= sizeof(notify.addr.sun_path))
		return;
	memset(&notify.addr, 0, sizeof(notify.addr));
	notify.addr.sun_family = AF_UNIX;
	memcpy(notify.addr.sun_path, path, n);
	if (path[0] == '@')
		notify.addr.sun_path[0] = '\0';	/* the abstract namespace */
	notify.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	notify.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	/* As sd_watchdog_enabled(3): only if the ping is meant for us. */
	if (wd_usec != NULL && wd_usec[0] != '\0' &&
	    (wd_pid == NULL || wd_pid[0] == '\0' || atol(wd_pid) == (long)getpid()))
		notify.watchdog = 1;
}

/* Sends one sd_notify datagram; a failure is not an error for a demo. */
static void
notify_send(const char *msg)
{
	if (notify.fd < 0)
		return;
	(void)sendto(notify.fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
	    (const struct sockaddr *)&notify.addr, notify.len);
}

/*
 * Sleeps MS milliseconds, or less when TERM or INT arrives.  Those signals
 * are blocked except inside pselect(), so none can slip in between the
 * check of the flag and the wait.  Returns 0, or -1 when a stop was asked.
 */
static int
sleep_ms(long ms, const sigset_t *unblocked)
{
	struct timespec now, end, left;

	clock_gettime(CLOCK_MONOTONIC, &now);
	end.tv_sec = now.tv_sec + ms / 1000;
	end.tv_nsec = now.tv_nsec + (ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		if (stop_requested)
			return (-1);
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0)
			return (0);
		(void)pselect(0, NULL, NULL, NULL, &left, unblocked);
	}
}

static _Noreturn void
shut_down(void)
{
	notify_send("STOPPING=1");
	printf("shutting down\n");
	exit(0);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "crash-every", required_argument, NULL, 'c' },
		{ "crash-chance", required_argument, NULL, 'p' },
		{ "startup-ms", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = getenv("PMTREE_NAME");
	long interval = 1000, crash_every = 0, crash_chance = 0, startup = 0;
	long tick, served = 0;
	struct sigaction sa;
	sigset_t block, unblocked;
	char msg[128];
	int ch;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			name = optarg;
			break;
		case 'i':
			if (parse_num("--interval", optarg, 86400000L, &interval) == -1)
				return (2);
			if (interval == 0) {
				fprintf(stderr, "demo-worker: --interval: must be at least 1\n");
				return (2);
			}
			break;
		case 'c':
			if (parse_num("--crash-every", optarg, LONG_MAX, &crash_every) == -1)
				return (2);
			break;
		case 'p':
			if (parse_num("--crash-chance", optarg, 100, &crash_chance) == -1)
				return (2);
			break;
		case 's':
			if (parse_num("--startup-ms", optarg, 86400000L, &startup) == -1)
				return (2);
			break;
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "demo-worker: unexpected argument: %s\n", argv[optind]);
		usage(stderr);
		return (2);
	}
	if (name == NULL || name[0] == '\0')
		name = "demo-worker";

	/* A pipe to pmtree's log collector: one flush per line, not per 4 KiB. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: a stop must cut a wait short */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigdelset(&unblocked, SIGTERM);
	sigdelset(&unblocked, SIGINT);

	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	notify_open();

	printf("starting %s (pid %ld)\n", name, (long)getpid());
	if (startup > 0 && sleep_ms(startup, &unblocked) == -1)
		shut_down();
	printf("ready\n");
	notify_send("READY=1");

	for (tick = 1;; tick++) {
		if (sleep_ms(interval, &unblocked) == -1)
			shut_down();
		served += rand() % 5;
		printf("tick %ld served %ld requests\n", tick, served);
		snprintf(msg, sizeof(msg), "STATUS=served %ld requests%s", served,
		    notify.watchdog ? "\nWATCHDOG=1" : "");
		notify_send(msg);
		if ((crash_every > 0 && tick >= crash_every) ||
		    (crash_chance > 0 && rand() % 100 < crash_chance)) {
			fprintf(stderr, "fatal: simulated crash after %ld ticks\n", tick);
			return (1);
		}
	}
}
