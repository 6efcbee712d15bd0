/*
 * chaos [-s SEED] [-k] [-v] [-x kglcrf] [SECONDS]: the chaos soak test of pmtree.
 *
 * Runs a tree of about 200 fx-chaos workers in nested groups (all three
 * strategies, instances, `ready: notify` workers, workers that log numbered
 * lines, workers with children in and out of their process group), and for
 * SECONDS (default 300) lets three threads loose on it at random:
 *
 *   - the killer SIGKILLs workers, group supervisors and the log collector;
 *   - two commanders send stop/start/restart/scale/signal/reload/status;
 *   - the flooder opens bursts of control connections that carry garbage,
 *     oversized lines, half lines, pipelined and valid requests.
 *
 * Then it starts everything again, returns the YAML file to its first
 * form, and checks (printing each figure and PASS/FAIL):
 *
 *   1. every permanent worker runs and is ready, as the YAML says;
 *   2. no zombie whose parent is a pmtree process;
 *   3. after `pmtree shutdown` returned, no process the tree ever had is
 *      alive, and no process has the run folder as cwd or its tag in env;
 *   4. every line a writer wrote is in the logs exactly once, unmixed, in
 *      its own file: per writer, the seqs found form 0..k with no repeat,
 *      and k is at least the last seq its write(2) returned for;
 *   5. the root's fd count and VmRSS are back at their starting level;
 *   6. the chaos itself: kills, commands, flood connections (figures);
 *      the tree survived, and every command and valid request was
 *      answered (SPEC §5: commands reply when the action is complete);
 *   7. no sanitizer report in pmtree's stderr (the ASan build).
 *
 * -s sets the seed of the random choices (printed at the start), -k keeps
 * the run folder, -v mirrors the driver's log on stderr, -x leaves out
 * activities: k worker kills, g group supervisor kills, l log collector
 * kills, c commands, r reloads, f the flood.
 *
 * Exit 0 when all hold, 1 when one fails, 2 on a usage or set-up error.
 * Built with ASan (so is pmtree), it slows its pace and widens its
 * deadlines by $CHAOS_SLOW (default 3; 1 otherwise).  The binaries come
 * from $PMTREE_BIN and $FX_CHAOS.  The run folder (/tmp/pmtree-chaos.*)
 * is removed on success unless -k, kept on failure; chaos.log in it tells
 * every action of the driver, with the time since the start.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fx-chaos.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD	1
#endif
#endif
#ifdef ASAN_BUILD
#define SLOW_DEFAULT	3.0
#else
#define ASAN_BUILD	0
#define SLOW_DEFAULT	1.0
#endif

#define MAXPROCS	65536
#define FD_SLACK	4
#define RSS_SLACK	(1024 * 1024)

/* --- the tree ------------------------------------------------------------ */

/*
 * Depth-first, in start order.  A group has a strategy; a worker has N
 * instances and fx-chaos arguments.  Variant B (the other YAML file that
 * reloads switch to) changes what its comments say.
 */
struct ent {
	int		 depth;
	const char	*name;
	const char	*strategy;	/* a group */
	int		 n;		/* a worker: instances */
	const char	*args;
	const char	*extra;		/* more YAML keys, flow style */
};

#define NOTIFY	"ready: notify"

static const struct ent tree[] = {
	{ 0, "alpha", "one_for_one", 0, NULL, NULL },
	{ 1, "lg", NULL, 8, "--log 20", NULL },		/* B: 10 */
	{ 1, "sl", NULL, 16, "", NULL },
	{ 1, "nt", NULL, 8, "--notify", NOTIFY },
	{ 1, "deep", "rest_for_one", 0, NULL, NULL },
	{ 2, "n1", NULL, 4, "--notify", NOTIFY },
	{ 2, "lw", NULL, 4, "--log 30", NULL },
	{ 2, "s1", NULL, 8, "--kid", NULL },
	{ 2, "deeper", "one_for_all", 0, NULL, NULL },
	{ 3, "a", NULL, 4, "", NULL },
	{ 3, "b", NULL, 3, "--log 40 --kid", NULL },
	{ 3, "c", NULL, 2, "--notify", NOTIFY },
	{ 1, "kd", NULL, 6, "--kid", NULL },
	{ 0, "beta", "one_for_all", 0, NULL, NULL },
	{ 1, "bn", NULL, 6, "--notify", NOTIFY },
	{ 1, "bl", NULL, 6, "--log 25", NULL },		/* B: env */
	{ 1, "bs", NULL, 12, "", NULL },
	{ 1, "bsk", NULL, 3, "--setsid-kid", NULL },
	{ 0, "gamma", "rest_for_one", 0, NULL, NULL },	/* B: one_for_all */
	{ 1, "g1", NULL, 10, "", NULL },
	{ 1, "gl", NULL, 6, "--log 20", NULL },
	{ 1, "inner", "one_for_one", 0, NULL, NULL },
	{ 2, "in", NULL, 10, "--notify", NOTIFY },
	{ 2, "il", NULL, 5, "--log 30 --setsid-kid", NULL },
	{ 2, "is", NULL, 15, "", NULL },		/* B: 12 */
	{ 1, "g2", NULL, 10, "--kid", NULL },
	{ 0, "delta", "one_for_one", 0, NULL, NULL },
	{ 1, "d1", NULL, 25, "", NULL },
	{ 1, "dl", NULL, 4, "--log 20", NULL },
	{ 1, "tmp", NULL, 3, "", "restart: temporary" },
	{ 1, "tr", NULL, 3, "", "restart: transient" },
							/* B: + extra */
	{ 0, "q", NULL, 12, "", NULL },
	{ 0, "rl", NULL, 3, "--log 20", NULL },
	{ 0, "rn", NULL, 4, "--notify", NOTIFY },	/* B: removed */
};
#define NTREE	(sizeof(tree) / sizeof(tree[0]))

/* Each entry's full path, filled in at the start. */
static char	paths[NTREE][64];

/* --- state ------------------------------------------------------------- */

static struct {
	int		 seconds;
	unsigned	 seed;
	double		 slow;
	bool		 keep;
	bool		 verbose;
	const char	*off;		/* -x: activities left out */
	const char	*pmtree;
	const char	*fixture;
	char		 dir[PATH_MAX];
	char		 yaml[PATH_MAX];
	char		 sock[PATH_MAX];
	char		 logdir[PATH_MAX];
	char		 pids[PATH_MAX];
	char		 seqdir[PATH_MAX];
	char		 tag[PATH_MAX + 16];	/* CHAOS_TAG=<dir> */
	pid_t		 run;		/* `pmtree run` = the root */
	bool		 run_done;
	int		 run_status;
	uint64_t	 t0;
	FILE		*dlog;		/* chaos.log */
} C;

static atomic_bool	stop_chaos;
static pthread_mutex_t	dlog_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t	reload_mu = PTHREAD_MUTEX_INITIALIZER;
static int		variant;	/* of the YAML file, under reload_mu */

/* Figures. */
static atomic_long	n_kill_worker, n_kill_group, n_kill_log;
static atomic_long	n_cmd, n_cmd_ok, n_cmd_err, n_cmd_timeout;
static atomic_long	n_cmd_kind[8];
static atomic_long	n_flood_conn, n_flood_refused, n_flood_replies;
static atomic_long	n_flood_noreply;
static atomic_long	n_zombie_stuck;

static const char *const cmd_kinds[] = { "stop", "start", "restart",
    "scale", "reload", "signal", "status", NULL };

/* Every supervisor process the tree had: pid and start time. */
struct proc {
	pid_t			pid;
	unsigned long long	start;
};
static pthread_mutex_t	sup_mu = PTHREAD_MUTEX_INITIALIZER;
static struct proc	sups[4096];
static int		nsups;

/* --- small helpers ----------------------------------------------------- */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Activity A is not left out by -x. */
static bool
on(char a)
{
	return (strchr(C.off, a) == NULL);
}

/* A deadline or pace in ms, scaled by the slowness. */
static long
slow(long ms)
{
	return ((long)((double)ms * C.slow));
}

__attribute__((format(printf, 1, 2))) static void
dlog(const char *fmt, ...)
{
	va_list ap;
	uint64_t t = now_ms() - C.t0;

	pthread_mutex_lock(&dlog_mu);
	if (C.dlog != NULL) {
		fprintf(C.dlog, "%4" PRIu64 ".%03" PRIu64 " ", t / 1000,
		    t % 1000);
		va_start(ap, fmt);
		vfprintf(C.dlog, fmt, ap);
		va_end(ap);
		fputc('\n', C.dlog);
		fflush(C.dlog);
	}
	if (C.verbose) {
		fprintf(stderr, "%4" PRIu64 ".%03" PRIu64 " ", t / 1000,
		    t % 1000);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	pthread_mutex_unlock(&dlog_mu);
}

__attribute__((noreturn, format(printf, 1, 2))) static void
fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "chaos: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (C.run > 0 && !C.run_done) {
		(void)kill(-C.run, SIGKILL);
		(void)kill(C.run, SIGKILL);
	}
	if (C.dir[0] != '\0')
		fprintf(stderr, "chaos: kept %s\n", C.dir);
	exit(2);
}

/* snprintf that must fit. */
__attribute__((format(printf, 3, 4))) static void
fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		fatal("too long: %s", buf);
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		fatal("out of memory");
	return (p);
}

static unsigned
rnd(unsigned *st, unsigned n)
{
	return (n == 0 ? 0 : (unsigned)rand_r(st) % n);
}

/* A random delay of mean MS: uniform in [0, 2 MS]. */
static long
rnd_pace(unsigned *st, long ms)
{
	return ((long)rnd(st, (unsigned)(2 * ms + 1)));
}

/* The whole of PATH, NUL-terminated; its length in *LEN; NULL if absent. */
static char *
slurp(const char *path, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (NULL);
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 131072;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return (buf);
}

/* --- /proc ------------------------------------------------------------- */

static bool
proc_stat(pid_t pid, char *state, pid_t *ppid, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	unsigned long long st = 0;
	ssize_t n;
	int fd, pp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (false);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (false);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %c %d", state, &pp) != 2 ||
	    chaos_stat_field(buf, CHAOS_STAT_STARTTIME, &st) < 0)
		return (false);
	*ppid = pp;
	if (start != NULL)
		*start = st;
	return (true);
}

/* Alive (not a zombie) and still the process that started at START. */
static bool
proc_same_alive(pid_t pid, unsigned long long start)
{
	unsigned long long st;
	pid_t pp;
	char s;

	return (pid > 0 && proc_stat(pid, &s, &pp, &st) && st == start &&
	    s != 'Z' && s != 'X');
}

static bool
proc_cmdline(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (false);
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return (false);
	buf[n] = '\0';
	return (true);
}

/* PID is below the root (at most 8 levels): one of ours, not a reused pid. */
static bool
proc_below_root(pid_t pid)
{
	pid_t pp;
	char s;
	int k;

	for (k = 0; k < 8 && pid > 1; k++) {
		if (!proc_stat(pid, &s, &pp, NULL) || s == 'Z')
			return (false);
		if (pp == C.run)
			return (true);
		pid = pp;
	}
	return (false);
}

static int
proc_all(pid_t *v, int max)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	if ((d = opendir("/proc")) == NULL)
		return (0);
	while (n < max && (e = readdir(d)) != NULL) {
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			v[n++] = (pid_t)atoi(e->d_name);
	}
	closedir(d);
	return (n);
}

static bool
proc_is_pmtree(pid_t pid)
{
	char cmd[128];

	return (proc_cmdline(pid, cmd, sizeof(cmd)) &&
	    strncmp(cmd, "pmtree", 6) == 0);
}

/* Ours: cwd in the run folder, or the tag in the environment. */
static bool
proc_marked(pid_t pid)
{
	char path[64], cwd[PATH_MAX], *env;
	size_t dl = strlen(C.dir), len, off, tl = strlen(C.tag) + 1;
	ssize_t n;
	bool r = false;

	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	if ((n = readlink(path, cwd, sizeof(cwd) - 1)) > 0) {
		cwd[n] = '\0';
		if (strncmp(cwd, C.dir, dl) == 0 &&
		    (cwd[dl] == '\0' || cwd[dl] == '/'))
			return (true);
	}
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	if ((env = slurp(path, &len)) == NULL)
		return (false);
	for (off = 0; off < len; off += strlen(env + off) + 1) {
		if (memcmp(env + off, C.tag, tl) == 0) {
			r = true;
			break;
		}
	}
	free(env);
	return (r);
}

/* Zombies whose parent is a live pmtree process of this tree (ids in OUT). */
static int
zombies(pid_t *out, int max)
{
	static pid_t all[MAXPROCS];
	pid_t pp, ppp;
	char s, ps;
	int n = proc_all(all, MAXPROCS), i, z = 0;

	for (i = 0; i < n; i++) {
		if (!proc_stat(all[i], &s, &pp, NULL) || s != 'Z')
			continue;
		if (pp != C.run && !(proc_stat(pp, &ps, &ppp, NULL) &&
		    proc_is_pmtree(pp) && proc_below_root(pp)))
			continue;
		if (z < max)
			out[z] = all[i];
		z++;
	}
	return (z);
}

static int
root_fds(void)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)C.run);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return (n);
}

static long
root_rss(void)
{
	char path[64], *s, *p;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)C.run);
	if ((s = slurp(path, NULL)) == NULL)
		return (-1);
	if ((p = strstr(s, "VmRSS:")) != NULL)
		kb = strtol(p + 6, NULL, 10);
	free(s);
	return (kb < 0 ? -1 : kb * 1024);
}

/* Reaps our children (adopted orphans too); notes the root's end. */
static void
reap(void)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == C.run) {
			C.run_done = true;
			C.run_status = st;
		}
	}
}

static bool
run_alive(void)
{
	reap();
	return (!C.run_done);
}

/* --- the control socket --------------------------------------------------- */

static int
sock_connect(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	fmt(sun.sun_path, sizeof(sun.sun_path), "%s", C.sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static bool
send_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (false);
		s += n;
		len -= (size_t)n;
	}
	return (true);
}

/* One line from FD within TIMEOUT_MS (without its newline), or NULL. */
static char *
read_line(int fd, long timeout_ms)
{
	uint64_t dl = now_ms() + (uint64_t)timeout_ms;
	struct pollfd p = { fd, POLLIN, 0 };
	char *buf = NULL, *nl;
	size_t len = 0, cap = 0;
	ssize_t n;
	long left;

	for (;;) {
		left = (long)(dl - now_ms());
		if ((int64_t)(dl - now_ms()) <= 0)
			break;
		if (poll(&p, 1, (int)(left > 500 ? 500 : left)) < 0 &&
		    errno != EINTR)
			break;
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 262144;
			buf = xrealloc(buf, cap);
		}
		/* Byte by byte would be slow; replies are one per request. */
		n = recv(fd, buf + len, cap - len - 1, MSG_PEEK);
		if (n <= 0)
			break;
		buf[len + (size_t)n] = '\0';
		if ((nl = memchr(buf + len, '\n', (size_t)n)) != NULL) {
			n = nl - (buf + len) + 1;
			if (recv(fd, buf + len, (size_t)n, 0) != n)
				break;
			len += (size_t)n - 1;
			buf[len] = '\0';
			return (buf);
		}
		if (recv(fd, buf + len, (size_t)n, 0) != n)
			break;
		len += (size_t)n;
	}
	free(buf);
	return (NULL);
}

/*
 * One request on a fresh connection; the reply (caller decrefs), or NULL
 * when there was none within TIMEOUT_MS (*TIMED_OUT says if that was it).
 */
static json_t *
call(const char *req, long timeout_ms, bool *timed_out)
{
	uint64_t t = now_ms();
	json_t *r;
	char *line;
	int fd;

	if (timed_out != NULL)
		*timed_out = false;
	if ((fd = sock_connect()) < 0)
		return (NULL);
	if (!send_all(fd, req, strlen(req)) || !send_all(fd, "\n", 1)) {
		close(fd);
		return (NULL);
	}
	line = read_line(fd, timeout_ms);
	close(fd);
	if (line == NULL) {
		if (timed_out != NULL)
			*timed_out = now_ms() - t >= (uint64_t)timeout_ms;
		return (NULL);
	}
	r = json_loads(line, 0, NULL);
	free(line);
	return (r);
}

static json_t *
status(void)
{
	json_t *r = call("{\"cmd\":\"status\"}", slow(10000), NULL), *st;

	if (r == NULL)
		return (NULL);
	st = json_incref(json_object_get(r, "status"));
	json_decref(r);
	return (st);
}

/* --- status snapshots ------------------------------------------------------ */

struct node {
	char	path[96];
	char	state[16];
	pid_t	pid;
	bool	sup;
	bool	ready;
};

struct snap {
	struct node	*v;
	int		 n;
	pid_t		 log;
	char		 logstate[16];
};

static void
snap_walk(struct snap *s, json_t *n)
{
	json_t *kids = json_object_get(n, "children"), *k;
	struct node *o;
	const char *p = json_string_value(json_object_get(n, "path"));
	const char *st = json_string_value(json_object_get(n, "state"));
	const char *ty = json_string_value(json_object_get(n, "type"));
	size_t i;

	s->v = xrealloc(s->v, sizeof(*s->v) * (size_t)(s->n + 1));
	o = &s->v[s->n++];
	memset(o, 0, sizeof(*o));
	snprintf(o->path, sizeof(o->path), "%s", p ? p : "?");
	snprintf(o->state, sizeof(o->state), "%s", st ? st : "?");
	o->pid = (pid_t)json_integer_value(json_object_get(n, "pid"));
	o->sup = ty != NULL && strcmp(ty, "supervisor") == 0;
	o->ready = json_is_true(json_object_get(n, "ready"));
	json_array_foreach(kids, i, k)
		snap_walk(s, k);
}

static bool
snap_take(struct snap *s)
{
	json_t *st = status(), *log;
	const char *ls;

	memset(s, 0, sizeof(*s));
	if (st == NULL)
		return (false);
	snap_walk(s, json_object_get(st, "tree"));
	log = json_object_get(st, "log");
	s->log = (pid_t)json_integer_value(json_object_get(log, "pid"));
	ls = json_string_value(json_object_get(log, "state"));
	snprintf(s->logstate, sizeof(s->logstate), "%s", ls ? ls : "?");
	json_decref(st);
	return (true);
}

static void
snap_free(struct snap *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static const struct node *
snap_find(const struct snap *s, const char *path)
{
	int i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].path, path) == 0)
			return (&s->v[i]);
	}
	return (NULL);
}

/* Notes every supervisor process the snapshot shows (for check 3). */
static void
track_sups(const struct snap *s)
{
	unsigned long long st;
	pid_t pids[512], pp;
	char c;
	int n = 0, i, k;

	for (i = 0; i < s->n && n < 511; i++) {
		if (s->v[i].sup && s->v[i].pid > 0)
			pids[n++] = s->v[i].pid;
	}
	if (s->log > 0)
		pids[n++] = s->log;
	pthread_mutex_lock(&sup_mu);
	for (i = 0; i < n; i++) {
		if (!proc_stat(pids[i], &c, &pp, &st) || c == 'Z' ||
		    !proc_is_pmtree(pids[i]))
			continue;
		for (k = 0; k < nsups; k++) {
			if (sups[k].pid == pids[i] && sups[k].start == st)
				break;
		}
		if (k == nsups && nsups < (int)(sizeof(sups) / sizeof(sups[0]))) {
			sups[nsups].pid = pids[i];
			sups[nsups].start = st;
			nsups++;
		}
	}
	pthread_mutex_unlock(&sup_mu);
}

/* --- the YAML files --------------------------------------------------------- */

static void
fill_paths(void)
{
	size_t i;
	int d;
	const char *stack[8];

	for (i = 0; i < NTREE; i++) {
		d = tree[i].depth;
		stack[d] = tree[i].name;
		paths[i][0] = '\0';
		for (int k = 0; k <= d; k++) {
			strcat(paths[i], stack[k]);
			if (k < d)
				strcat(paths[i], "/");
		}
	}
}

static void
yaml_cmd(FILE *f, const char *args)
{
	char buf[256], *w, *save = NULL;

	fprintf(f, "cmd: [\"%s\"", C.fixture);
	snprintf(buf, sizeof(buf), "%s", args);
	for (w = strtok_r(buf, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		fprintf(f, ", \"%s\"", w);
	fputc(']', f);
}

/* Writes variant V (0: A, 1: B) of the tree file, atomically. */
static void
write_yaml(int v)
{
	char tmp[PATH_MAX + 8];
	const struct ent *e;
	size_t i;
	int n, ind;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", C.yaml);
	if ((f = fopen(tmp, "we")) == NULL)
		fatal("%s: %s", tmp, strerror(errno));
	fprintf(f, "name: chaos\n"
	    "strategy: one_for_one\nintensity: 1000000\nperiod: 1s\n"
	    "control: {socket: run/chaos.sock}\n"
	    "log: {dir: logs, max_size: 2MB, keep: 200}\n"
	    "defaults: {shutdown: 3s, backoff: [0, 20ms, 100ms, 300ms], "
	    "stable_after: 2s}\n"
	    "children:\n");
	for (i = 0; i < NTREE; i++) {
		e = &tree[i];
		if (v == 1 && strcmp(paths[i], "rn") == 0)
			continue;
		ind = 2 + 4 * e->depth;
		if (e->strategy != NULL) {
			fprintf(f, "%*s- name: %s\n", ind, "", e->name);
			fprintf(f, "%*s  strategy: %s\n", ind, "",
			    v == 1 && strcmp(paths[i], "gamma") == 0 ?
			    "one_for_all" : e->strategy);
			fprintf(f, "%*s  intensity: 1000000\n", ind, "");
			fprintf(f, "%*s  period: 1s\n", ind, "");
			fprintf(f, "%*s  children:\n", ind, "");
			continue;
		}
		n = e->n;
		if (v == 1 && strcmp(paths[i], "alpha/lg") == 0)
			n = 10;
		if (v == 1 && strcmp(paths[i], "gamma/inner/is") == 0)
			n = 12;
		fprintf(f, "%*s- {name: %s, instances: %d, ", ind, "", e->name,
		    n);
		yaml_cmd(f, e->args);
		if (e->extra != NULL)
			fprintf(f, ", %s", e->extra);
		if (v == 1 && strcmp(paths[i], "beta/bl") == 0)
			fprintf(f, ", env: {CHAOS_VARIANT: b}");
		fprintf(f, "}\n");
		if (v == 1 && strcmp(paths[i], "delta/tr") == 0) {
			fprintf(f, "%*s- {name: extra, instances: 2, ", ind,
			    "");
			yaml_cmd(f, "");
			fprintf(f, "}\n");
		}
	}
	if (fclose(f) == EOF || rename(tmp, C.yaml) < 0)
		fatal("%s: %s", C.yaml, strerror(errno));
}

/* --- what should run -------------------------------------------------------- */

struct want {
	char	path[96];
	bool	optional;	/* temporary: running or exited */
};
static struct want	*wants;
static int		 nwants;

static void
fill_wants(void)
{
	size_t i;
	int k;

	for (i = 0; i < NTREE; i++) {
		if (tree[i].strategy != NULL)
			continue;
		for (k = 0; k < tree[i].n; k++) {
			wants = xrealloc(wants, sizeof(*wants) *
			    (size_t)(nwants + 1));
			if (tree[i].n == 1)
				fmt(wants[nwants].path,
				    sizeof(wants[nwants].path), "%s", paths[i]);
			else
				fmt(wants[nwants].path,
				    sizeof(wants[nwants].path), "%s:%d",
				    paths[i], k);
			wants[nwants].optional = tree[i].extra != NULL &&
			    strstr(tree[i].extra, "temporary") != NULL;
			nwants++;
		}
	}
}

/*
 * How far the tree is from what should run: the number of problems, the
 * first few described in WHY.
 */
static int
steady_problems(const struct snap *s, char *why, size_t len)
{
	const struct node *nd;
	size_t used = 0;
	int bad = 0, i, k;

#define WHY(...) do {							\
	if (bad++ < 8 && used < len) {					\
		int w_ = snprintf(why + used, len - used, __VA_ARGS__);	\
		if (w_ > 0)						\
			used += (size_t)w_;				\
	}								\
} while (0)
	why[0] = '\0';
	for (i = 0; i < nwants; i++) {
		nd = snap_find(s, wants[i].path);
		if (nd == NULL)
			WHY(" %s:absent", wants[i].path);
		else if (wants[i].optional &&
		    strcmp(nd->state, "exited") == 0)
			continue;
		else if (strcmp(nd->state, "running") != 0 || !nd->ready ||
		    nd->pid <= 0 || !proc_below_root(nd->pid))
			WHY(" %s:%s%s(pid %d)", wants[i].path, nd->state,
			    nd->ready ? "" : ",not-ready", (int)nd->pid);
	}
	for (i = 0; i < s->n; i++) {
		if (s->v[i].sup) {
			if (strcmp(s->v[i].state, "running") != 0 ||
			    s->v[i].pid <= 0)
				WHY(" group %s:%s", s->v[i].path, s->v[i].state);
			continue;
		}
		for (k = 0; k < nwants; k++) {
			if (strcmp(wants[k].path, s->v[i].path) == 0)
				break;
		}
		if (k == nwants)
			WHY(" %s:unexpected", s->v[i].path);
	}
	if (strcmp(s->logstate, "running") != 0 || s->log <= 0)
		WHY(" log:%s", s->logstate);
#undef WHY
	return (bad);
}

/* Polls until the tree is steady; false (WHY filled) at the deadline. */
static bool
wait_steady(long deadline_ms, char *why, size_t len)
{
	uint64_t dl = now_ms() + (uint64_t)deadline_ms;
	struct snap s;
	int bad;

	for (;;) {
		if (!run_alive()) {
			snprintf(why, len, " pmtree run exited");
			return (false);
		}
		if (snap_take(&s)) {
			track_sups(&s);
			bad = steady_problems(&s, why, len);
			snap_free(&s);
			if (bad == 0)
				return (true);
		} else
			snprintf(why, len, " no status");
		if (now_ms() > dl)
			return (false);
		nap(200);
	}
}

/* --- the killer ---------------------------------------------------------- */

static bool
kill_checked(pid_t pid, const char *title)
{
	char cmd[128];

	if (pid <= 0 || pid == C.run || !proc_below_root(pid))
		return (false);
	if (title != NULL && (!proc_cmdline(pid, cmd, sizeof(cmd)) ||
	    strncmp(cmd, title, strlen(title)) != 0))
		return (false);
	return (kill(pid, SIGKILL) == 0);
}

static void *
killer(void *arg)
{
	unsigned r = C.seed ^ 0x6b696c6cu;
	uint64_t nw, ng, nl, t;
	struct snap s;
	int i, k, n;
	int cand[1024];

	t = now_ms();
	nw = t + (uint64_t)rnd_pace(&r, slow(250));
	ng = t + (uint64_t)rnd_pace(&r, slow(5000));
	nl = t + (uint64_t)rnd_pace(&r, slow(6000));
	while (!atomic_load(&stop_chaos)) {
		t = now_ms();
		if (t < nw && t < ng && t < nl) {
			uint64_t m = nw < ng ? nw : ng;

			m = m < nl ? m : nl;
			nap((long)(m - t > 100 ? 100 : m - t));
			continue;
		}
		if (!snap_take(&s)) {
			nap(50);
			continue;
		}
		track_sups(&s);
		if (t >= nw) {
			for (i = n = 0; on('k') && i < s.n && n < 1024; i++) {
				if (!s.v[i].sup && s.v[i].pid > 0 &&
				    strcmp(s.v[i].state, "running") == 0)
					cand[n++] = i;
			}
			if (n > 0) {
				k = cand[rnd(&r, (unsigned)n)];
				if (kill_checked(s.v[k].pid, NULL)) {
					atomic_fetch_add(&n_kill_worker, 1);
					dlog("kill worker %s pid %d",
					    s.v[k].path, (int)s.v[k].pid);
				}
			}
			nw = t + (uint64_t)rnd_pace(&r, slow(250));
		}
		if (t >= ng) {
			for (i = n = 0; on('g') && i < s.n && n < 1024; i++) {
				if (s.v[i].sup && s.v[i].path[0] != '\0' &&
				    s.v[i].pid > 0)
					cand[n++] = i;
			}
			if (n > 0) {
				k = cand[rnd(&r, (unsigned)n)];
				if (kill_checked(s.v[k].pid, "pmtree: group")) {
					atomic_fetch_add(&n_kill_group, 1);
					dlog("kill group %s pid %d",
					    s.v[k].path, (int)s.v[k].pid);
				}
			}
			ng = t + (uint64_t)rnd_pace(&r, slow(5000));
		}
		if (t >= nl) {
			if (on('l') && kill_checked(s.log, "pmtree: log")) {
				atomic_fetch_add(&n_kill_log, 1);
				dlog("kill log collector pid %d", (int)s.log);
			}
			nl = t + (uint64_t)rnd_pace(&r, slow(6000));
		}
		snap_free(&s);
	}
	return (NULL);
}

/* --- the commanders ---------------------------------------------------------- */

/* A random target: a worker, an instance, a group, or a bare name. */
static void
pick_target(unsigned *r, const struct snap *s, char *buf, size_t len)
{
	size_t i = rnd(r, NTREE);
	const char *base;

	switch (rnd(r, 5)) {
	case 0:		/* an instance that is there now */
		if (s->n > 1) {
			const struct node *nd = &s->v[1 + rnd(r,
			    (unsigned)(s->n - 1))];

			snprintf(buf, len, "%s", nd->path);
			return;
		}
		/* FALLTHROUGH */
	case 1:		/* a bare name */
		base = strrchr(paths[i], '/');
		snprintf(buf, len, "%s", base ? base + 1 : paths[i]);
		return;
	case 2:		/* an instance by number, maybe one scaled away */
		if (tree[i].strategy == NULL) {
			snprintf(buf, len, "%s:%u", paths[i],
			    rnd(r, (unsigned)tree[i].n + 2));
			return;
		}
		/* FALLTHROUGH */
	default:	/* a worker or group path */
		snprintf(buf, len, "%s", paths[i]);
		return;
	}
}

static int
cmd_kind(const char *k)
{
	int i;

	for (i = 0; cmd_kinds[i] != NULL; i++) {
		if (strcmp(cmd_kinds[i], k) == 0)
			return (i);
	}
	return (0);
}

/* The status as it is now, in <dir>/hang-N.json (for a command that hung). */
static void
dump_status(long n)
{
	char path[PATH_MAX + 32];
	json_t *st = status();

	fmt(path, sizeof(path), "%s/hang-%ld.json", C.dir, n);
	if (st != NULL && json_dump_file(st, path, JSON_INDENT(1)) < 0)
		dlog("cannot write %s", path);
	json_decref(st);
}

/* Sends one command; counts and logs its outcome. */
static void
command(unsigned id, const char *kind, const char *req)
{
	bool to;
	json_t *r;
	uint64_t t = now_ms();
	const char *err;

	atomic_fetch_add(&n_cmd, 1);
	atomic_fetch_add(&n_cmd_kind[cmd_kind(kind)], 1);
	dlog("cmd%u > %s", id, req);
	r = call(req, slow(30000) > 45000 ? 45000 : 30000, &to);
	if (r == NULL) {
		if (to) {
			long nt = atomic_fetch_add(&n_cmd_timeout, 1) + 1;

			dlog("cmd%u < TIMEOUT after %" PRIu64 " ms: %s (status "
			    "in hang-%ld.json)", id, now_ms() - t, req, nt);
			dump_status(nt);
		} else {
			atomic_fetch_add(&n_cmd_err, 1);
			dlog("cmd%u < no reply (connection lost)", id);
		}
		return;
	}
	if (json_is_true(json_object_get(r, "ok")))
		atomic_fetch_add(&n_cmd_ok, 1);
	else {
		atomic_fetch_add(&n_cmd_err, 1);
		err = json_string_value(json_object_get(r, "error"));
		dlog("cmd%u < error: %s", id, err ? err : "?");
	}
	if (json_is_true(json_object_get(r, "ok")))
		dlog("cmd%u < ok in %" PRIu64 " ms", id, now_ms() - t);
	json_decref(r);
}

static void
do_reload(unsigned id, int v)
{
	pthread_mutex_lock(&reload_mu);
	variant = v;
	write_yaml(v);
	dlog("cmd%u: the YAML file is now variant %c", id, v ? 'B' : 'A');
	command(id, "reload", "{\"cmd\":\"reload\"}");
	pthread_mutex_unlock(&reload_mu);
}

static void *
commander(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	unsigned r = C.seed ^ (0x636d6400u + id);
	char req[512], target[128];
	struct snap s;
	unsigned a;
	size_t i;

	while (on('c') && !atomic_load(&stop_chaos)) {
		nap(rnd_pace(&r, slow(300)));
		if (atomic_load(&stop_chaos))
			break;
		if (!snap_take(&s))
			continue;
		pick_target(&r, &s, target, sizeof(target));
		a = rnd(&r, 100);
		if (a < 22) {
			snprintf(req, sizeof(req),
			    "{\"cmd\":\"restart\",\"target\":\"%s\"}", target);
			command(id, "restart", req);
		} else if (a < 40) {
			snprintf(req, sizeof(req),
			    "{\"cmd\":\"stop\",\"target\":\"%s\"}", target);
			command(id, "stop", req);
		} else if (a < 70) {
			/* Mostly something that is stopped now. */
			int k, n = 0, c[1024];

			for (k = 0; k < s.n && n < 1024; k++) {
				if (strcmp(s.v[k].state, "stopped") == 0 ||
				    strcmp(s.v[k].state, "exited") == 0)
					c[n++] = k;
			}
			if (n > 0 && rnd(&r, 4) != 0)
				snprintf(target, sizeof(target), "%s",
				    s.v[c[rnd(&r, (unsigned)n)]].path);
			snprintf(req, sizeof(req),
			    "{\"cmd\":\"start\",\"target\":\"%s\"}", target);
			command(id, "start", req);
		} else if (a < 80) {
			do
				i = rnd(&r, NTREE);
			while (tree[i].strategy != NULL || tree[i].n < 2);
			snprintf(req, sizeof(req),
			    "{\"cmd\":\"scale\",\"target\":\"%s\",\"count\":%u}",
			    paths[i], 1 + rnd(&r, (unsigned)tree[i].n + 3));
			command(id, "scale", req);
		} else if (a < 86 && on('r')) {
			do_reload(id, rnd(&r, 2));
		} else if (a < 92) {
			snprintf(req, sizeof(req),
			    "{\"cmd\":\"signal\",\"target\":\"%s\","
			    "\"signal\":\"%s\"}", target,
			    rnd(&r, 2) ? "TERM" : "KILL");
			command(id, "signal", req);
		} else {
			snprintf(req, sizeof(req),
			    "{\"cmd\":\"status\",\"target\":\"%s\"}", target);
			command(id, "status", req);
		}
		snap_free(&s);
	}
	return (NULL);
}

/* --- the flooder ------------------------------------------------------------- */

enum { F_GARBAGE, F_HUGE, F_HUGE_NL, F_STATUS, F_PIPELINE, F_HALF, F_BARE,
	F_ARRAY, F_DUPKEY, F_BINARY, F_UNKNOWN, F_NKINDS };

#define FLOOD_MAX	50	/* connections in a burst, at most */

struct fconn {
	int	fd;
	int	kind;
	int	want;	/* replies expected */
	int	got;
	bool	closed;
};

static void
send_str(int fd, const char *s)
{
	(void)send_all(fd, s, strlen(s));
}

static void
flood_send(struct fconn *c, unsigned *r)
{
	static char huge[70 * 1024];
	char bin[64];
	size_t k;

	if (huge[0] == '\0')
		memset(huge, 'x', sizeof(huge));
	switch (c->kind) {
	case F_GARBAGE:
		send_str(c->fd, "%$#@! not json at all\n");
		c->want = 1;
		break;
	case F_HUGE:	/* more than 64 KiB, no newline: dropped */
	case F_HUGE_NL:
		(void)send(c->fd, huge, sizeof(huge), MSG_NOSIGNAL |
		    MSG_DONTWAIT);
		if (c->kind == F_HUGE_NL)
			(void)send(c->fd, "\n", 1, MSG_NOSIGNAL |
			    MSG_DONTWAIT);
		c->want = 0;	/* a bad request reply, or just a close */
		break;
	case F_STATUS:
		send_str(c->fd, "{\"cmd\":\"status\"}\n");
		c->want = 1;
		break;
	case F_PIPELINE:
		send_str(c->fd, "{\"cmd\":\"status\",\"target\":\"q\"}\n"
		    "\n\n{\"cmd\":\"logs\"}\r\n"
		    "{\"cmd\":\"status\",\"target\":\"beta\"}\n");
		c->want = 3;
		break;
	case F_HALF:
		send_str(c->fd, "{\"cmd\":\"sta");
		c->want = 0;
		break;
	case F_BARE:
		c->want = 0;
		break;
	case F_ARRAY:
		send_str(c->fd, "[1,2,3]\n");
		c->want = 1;
		break;
	case F_DUPKEY:
		send_str(c->fd, "{\"cmd\":\"status\",\"cmd\":\"stop\"}\n");
		c->want = 1;
		break;
	case F_BINARY:
		for (k = 0; k < sizeof(bin) - 1; k++)
			bin[k] = (char)rnd(r, 256);
		bin[sizeof(bin) - 1] = '\n';
		(void)send_all(c->fd, bin, sizeof(bin));
		c->want = 1;
		break;
	case F_UNKNOWN:
		send_str(c->fd, "{\"cmd\":\"frobnicate\",\"x\":[{}]}\n"
		    "{\"cmd\":\"stop\"}\n");
		c->want = 2;
		break;
	}
}

/* Reads what comes on C's connection: counts reply lines, notes EOF. */
static void
flood_read(struct fconn *c)
{
	char buf[65536];
	ssize_t n, k;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			c->closed = true;
			return;
		}
		for (k = 0; k < n; k++) {
			if (buf[k] == '\n') {
				c->got++;
				atomic_fetch_add(&n_flood_replies, 1);
			}
		}
	}
}

/* N connections (random if 0), all of KIND (random if < 0). */
static void
flood_burst(unsigned *r, int kind, int n)
{
	struct fconn c[FLOOD_MAX];
	struct pollfd p[FLOOD_MAX];
	uint64_t dl;
	int i, k;

	if (n <= 0)
		n = 10 + (int)rnd(r, FLOOD_MAX - 10 + 1);

	for (i = 0; i < n; i++) {
		c[i].fd = sock_connect();
		c[i].kind = kind >= 0 ? kind : (int)rnd(r, F_NKINDS);
		c[i].want = c[i].got = 0;
		c[i].closed = false;
		if (c[i].fd < 0) {
			atomic_fetch_add(&n_flood_refused, 1);
			continue;
		}
		atomic_fetch_add(&n_flood_conn, 1);
		flood_send(&c[i], r);
	}
	/* Wait for the replies that must come, a bounded time. */
	dl = now_ms() + (uint64_t)slow(10000);
	for (;;) {
		for (i = k = 0; i < n; i++) {
			if (c[i].fd < 0 || c[i].closed || c[i].got >= c[i].want)
				continue;
			p[k].fd = c[i].fd;
			p[k].events = POLLIN;
			k++;
		}
		if (k == 0 || now_ms() > dl)
			break;
		(void)poll(p, (nfds_t)k, 100);
		for (i = 0; i < n; i++) {
			if (c[i].fd >= 0 && !c[i].closed &&
			    c[i].got < c[i].want)
				flood_read(&c[i]);
		}
	}
	for (i = 0; i < n; i++) {
		if (c[i].fd < 0)
			continue;
		if (c[i].got < c[i].want) {
			atomic_fetch_add(&n_flood_noreply, 1);
			dlog("flood: kind %d got %d of %d replies%s", c[i].kind,
			    c[i].got, c[i].want, c[i].closed ? " (closed)" : "");
		}
		close(c[i].fd);
	}
}

/* The biggest bursts the flood makes, one of each kind. */
static void
flood_warmup(void)
{
	unsigned r = C.seed;
	int k;

	for (k = 0; k < F_NKINDS; k++)
		flood_burst(&r, k, FLOOD_MAX);
}

static void *
flooder(void *arg)
{
	unsigned r = C.seed ^ 0x666c6f6fu;

	while (on('f') && !atomic_load(&stop_chaos)) {
		flood_burst(&r, -1, 0);
		nap(100 + rnd_pace(&r, slow(400)));
	}
	return (NULL);
}

/* --- the log check --------------------------------------------------------- */

struct writer {
	char		 nonce[17];
	pid_t		 pid;
	char		 name[96];	/* PMTREE_NAME */
	int64_t		 done;		/* last seq its write returned for */
	uint8_t		*seen;		/* count per seq */
	size_t		 nseen;
};

static struct writer	*wr;
static size_t		 nwr;

struct logfig {
	long	records;	/* in worker files */
	long	lines;		/* well-formed writer lines */
	long	malformed;
	long	wrongfile;
	long	dups;
	long	gaps;
	long	tail;		/* lines a write returned for, not found */
	long	writers;
	long	files;
	char	sample[1024];
};

static int
wr_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct writer *)a)->nonce,
	    ((const struct writer *)b)->nonce));
}

static struct writer *
wr_find(const char *nonce)
{
	struct writer key;

	snprintf(key.nonce, sizeof(key.nonce), "%s", nonce);
	return (bsearch(&key, wr, nwr, sizeof(*wr), wr_cmp));
}

static void
sample(struct logfig *f, const char *fmt, ...)
{
	size_t used = strlen(f->sample);
	va_list ap;

	if (used > sizeof(f->sample) - 200)
		return;
	va_start(ap, fmt);
	vsnprintf(f->sample + used, sizeof(f->sample) - used, fmt, ap);
	va_end(ap);
}

/* One record of file REL ("alpha/lg" for logs/alpha/lg.log.3). */
static void
check_record(struct logfig *f, const char *rel, char *rec, size_t len)
{
	char *sp1, *sp2 = NULL, *sp3 = NULL, *line, nonce[17], want[CHAOS_LINE_MAX + 64];
	const char *path, *stream;
	struct writer *w;
	size_t wl, base;
	long pid, seq;
	int hl;

	f->records++;
	if ((sp1 = memchr(rec, ' ', len)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - rec))) == NULL ||
	    (sp3 = memchr(sp2 + 1, ' ', len - (size_t)(sp2 + 1 - rec))) == NULL)
		goto bad;
	*sp2 = *sp3 = '\0';
	path = sp1 + 1;
	stream = sp2 + 1;
	line = sp3 + 1;
	if (strncmp(line, "cx", 2) != 0 ||
	    sscanf(line, "cx%16[0-9a-f] %ld %ld %n", nonce, &pid, &seq,
	    &hl) != 3 || seq < 0 || (w = wr_find(nonce)) == NULL ||
	    w->pid != pid)
		goto bad;
	wl = chaos_line(want, sizeof(want), nonce, pid, seq);
	if (wl == 0 || wl - 1 != len - (size_t)(line - rec) ||
	    memcmp(want, line, wl - 1) != 0 ||
	    strcmp(stream, seq % 7 == 3 ? "err" : "out") != 0)
		goto bad;
	base = strcspn(w->name, ":");
	if (strcmp(path, w->name) != 0 || strlen(rel) != base ||
	    strncmp(rel, w->name, base) != 0) {
		f->wrongfile++;
		sample(f, "\n    wrong file: %s holds a line of %s (%s)", rel,
		    w->name, path);
		return;
	}
	if ((size_t)seq >= w->nseen) {
		size_t nn = w->nseen ? w->nseen : 256;

		while (nn <= (size_t)seq)
			nn *= 2;
		w->seen = xrealloc(w->seen, nn);
		memset(w->seen + w->nseen, 0, nn - w->nseen);
		w->nseen = nn;
	}
	if (w->seen[seq] < 255)
		w->seen[seq]++;
	f->lines++;
	return;
bad:
	f->malformed++;
	if (sp2 != NULL && *sp2 == '\0')
		*sp2 = ' ';
	if (sp3 != NULL && *sp3 == '\0')
		*sp3 = ' ';
	sample(f, "\n    malformed in %s: %.150s", rel, rec);
}

static void
check_file(struct logfig *f, const char *file, const char *rel)
{
	char *s, *p, *nl;
	size_t len;

	if ((s = slurp(file, &len)) == NULL)
		return;
	f->files++;
	for (p = s; p < s + len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(s + len - p))) == NULL) {
			f->malformed++;
			sample(f, "\n    unterminated record at the end of %s",
			    file);
			break;
		}
		*nl = '\0';
		check_record(f, rel, p, (size_t)(nl - p));
	}
	free(s);
}

static struct logfig *walk_fig;

static int
walk_log(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	char rel[PATH_MAX], *dot;
	size_t dl = strlen(C.logdir);

	if (flag != FTW_F)
		return (0);
	snprintf(rel, sizeof(rel), "%s", path + dl + 1);
	/* x.log or x.log.N */
	if ((dot = strstr(rel, ".log")) == NULL ||
	    (dot[4] != '\0' && dot[4] != '.'))
		return (0);
	*dot = '\0';
	if (strcmp(rel, "pmtree") == 0)
		return (0);
	check_file(walk_fig, path, rel);
	return (0);
}

static void
load_writers(void)
{
	char *s, *p, *nl, name[96], role[16], nonce[17], path[PATH_MAX + 32];
	int pid, pgid;
	unsigned long long st;
	int64_t *v;
	size_t len;

	if ((s = slurp(C.pids, NULL)) == NULL)
		return;
	for (p = s; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (sscanf(p, "%d %d %llu %15s %95s %16s", &pid, &pgid, &st,
		    role, name, nonce) != 6 || strcmp(role, "worker") != 0)
			continue;
		wr = xrealloc(wr, sizeof(*wr) * (nwr + 1));
		memset(&wr[nwr], 0, sizeof(wr[nwr]));
		snprintf(wr[nwr].nonce, sizeof(wr[nwr].nonce), "%s", nonce);
		snprintf(wr[nwr].name, sizeof(wr[nwr].name), "%s", name);
		wr[nwr].pid = pid;
		wr[nwr].done = -1;
		snprintf(path, sizeof(path), "%s/%s", C.seqdir, nonce);
		if ((v = (int64_t *)(void *)slurp(path, &len)) != NULL) {
			if (len == sizeof(int64_t))
				wr[nwr].done = *v;
			free(v);
		}
		nwr++;
	}
	free(s);
	qsort(wr, nwr, sizeof(*wr), wr_cmp);
}

static void
check_logs(struct logfig *f)
{
	struct writer *w;
	size_t i, k, top;
	long dup, gap;

	memset(f, 0, sizeof(*f));
	load_writers();
	walk_fig = f;
	(void)nftw(C.logdir, walk_log, 16, FTW_PHYS);
	for (i = 0; i < nwr; i++) {
		w = &wr[i];
		if (w->done < 0 && w->nseen == 0)
			continue;
		f->writers++;
		for (top = w->nseen; top > 0 && w->seen[top - 1] == 0; top--)
			;
		dup = gap = 0;
		for (k = 0; k < top; k++) {
			if (w->seen[k] == 0)
				gap++;
			else if (w->seen[k] > 1)
				dup += w->seen[k] - 1;
		}
		if (dup > 0 || gap > 0)
			sample(f, "\n    %s (pid %d, cx%s): %ld dup, %ld "
			    "missing of 0..%zu", w->name, (int)w->pid,
			    w->nonce, dup, gap, top ? top - 1 : 0);
		f->dups += dup;
		f->gaps += gap;
		if (w->done >= 0 && (size_t)w->done >= top) {
			f->tail += (long)((size_t)w->done + 1 - top);
			sample(f, "\n    %s (pid %d, cx%s): write returned for "
			    "seq %" PRId64 ", logs end at %ld", w->name,
			    (int)w->pid, w->nonce, w->done, (long)top - 1);
		}
	}
}

/* --- running pmtree ------------------------------------------------------- */

static void
spawn_root(void)
{
	char out[PATH_MAX + 16], err[PATH_MAX + 16], life[32];
	int null, o, e;

	snprintf(out, sizeof(out), "%s/pmtree.out", C.dir);
	snprintf(err, sizeof(err), "%s/pmtree.err", C.dir);
	snprintf(life, sizeof(life), "%d", C.seconds + 1800);
	fflush(stdout);
	fflush(stderr);
	if ((C.run = fork()) < 0)
		fatal("fork: %s", strerror(errno));
	if (C.run == 0) {
		if (setpgid(0, 0) < 0 || chdir(C.dir) < 0)
			_exit(126);
		null = open("/dev/null", O_RDONLY);
		o = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
		e = open(err, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (null < 0 || o < 0 || e < 0 || dup2(null, 0) < 0 ||
		    dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		if (setenv("CHAOS_TAG", C.dir, 1) < 0 ||
		    setenv("CHAOS_PIDS", C.pids, 1) < 0 ||
		    setenv("CHAOS_SEQ", C.seqdir, 1) < 0 ||
		    setenv("FX_LIFETIME", life, 1) < 0 ||
		    unsetenv("PMTREE_SOCKET") < 0)
			_exit(126);
		execl(C.pmtree, "pmtree", "run", C.yaml, (char *)NULL);
		_exit(127);
	}
	(void)setpgid(C.run, C.run);
}

/* `pmtree -S SOCK shutdown`: its exit code, or -1 if not done in time. */
static int
run_shutdown(long deadline_ms)
{
	uint64_t dl = now_ms() + (uint64_t)deadline_ms;
	pid_t pid;
	int st, null;

	if ((pid = fork()) < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		if ((null = open("/dev/null", O_RDWR)) >= 0)
			(void)dup2(null, 0);
		if (chdir("/") < 0)
			_exit(126);
		execl(C.pmtree, "pmtree", "-S", C.sock, "shutdown",
		    (char *)NULL);
		_exit(127);
	}
	for (;;) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return (WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st));
		if (now_ms() > dl) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, &st, 0);
			return (-1);
		}
		nap(20);
	}
}

static void
dump_tail(const char *title, const char *path, size_t max)
{
	size_t len;
	char *s = slurp(path, &len);

	if (s == NULL)
		return;
	fprintf(stderr, "---- %s (last %zu bytes of %s)\n%s", title,
	    len > max ? max : len, path, len > max ? s + len - max : s);
	free(s);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)remove(path);
	return (0);
}

/* Kills whatever of the tree is still alive (after a failure). */
static void
kill_leftovers(void)
{
	static pid_t all[MAXPROCS];
	int n, i, round;

	if (C.run > 0 && !C.run_done) {
		(void)kill(-C.run, SIGKILL);
		(void)kill(C.run, SIGKILL);
	}
	for (round = 0; round < 50; round++) {
		n = proc_all(all, MAXPROCS);
		int left = 0;

		for (i = 0; i < n; i++) {
			if (all[i] != getpid() && proc_marked(all[i])) {
				(void)kill(all[i], SIGKILL);
				left++;
			}
		}
		reap();
		if (left == 0)
			break;
		nap(100);
	}
}

/* --- main ----------------------------------------------------------------- */

struct result {
	const char	*name;
	bool		 ok;
	char		 figures[1536];
};

static void
row(struct result *r, bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	r->name = name;
	r->ok = ok;
	va_start(ap, fmt);
	vsnprintf(r->figures, sizeof(r->figures), fmt, ap);
	va_end(ap);
}

static void
usage(void)
{
	fprintf(stderr, "usage: chaos [-s SEED] [-k] [-v] [-x kgldcrf] "
	    "[SECONDS]\n");
	exit(2);
}

static void
setup(int argc, char **argv)
{
	const char *e;
	int c;

	C.seconds = 300;
	C.seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	C.slow = SLOW_DEFAULT;
	C.off = "";
	while ((c = getopt(argc, argv, "s:kvx:")) != -1) {
		switch (c) {
		case 'x':
			C.off = optarg;
			break;
		case 's':
			C.seed = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'k':
			C.keep = true;
			break;
		case 'v':
			C.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind < argc && (C.seconds = atoi(argv[optind++])) <= 0)
		usage();
	if (optind != argc)
		usage();
	if ((e = getenv("CHAOS_SLOW")) != NULL && atof(e) > 0)
		C.slow = atof(e);
	if ((C.pmtree = getenv("PMTREE_BIN")) == NULL ||
	    (C.fixture = getenv("FX_CHAOS")) == NULL)
		fatal("PMTREE_BIN and FX_CHAOS must name the pmtree binary and "
		    "the fx-chaos fixture (meson test sets them)");
	if (access(C.pmtree, X_OK) < 0 || access(C.fixture, X_OK) < 0)
		fatal("%s or %s: not executable", C.pmtree, C.fixture);
	snprintf(C.dir, sizeof(C.dir), "/tmp/pmtree-chaos.XXXXXX");
	if (mkdtemp(C.dir) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	fmt(C.yaml, sizeof(C.yaml), "%s/chaos.yaml", C.dir);
	fmt(C.sock, sizeof(C.sock), "%s/run/chaos.sock", C.dir);
	fmt(C.logdir, sizeof(C.logdir), "%s/logs", C.dir);
	fmt(C.pids, sizeof(C.pids), "%s/pids", C.dir);
	fmt(C.seqdir, sizeof(C.seqdir), "%s/seq", C.dir);
	fmt(C.tag, sizeof(C.tag), "CHAOS_TAG=%s", C.dir);
	if (mkdir(C.seqdir, 0755) < 0)
		fatal("mkdir %s: %s", C.seqdir, strerror(errno));
	{
		char p[PATH_MAX + 16];

		snprintf(p, sizeof(p), "%s/chaos.log", C.dir);
		if ((C.dlog = fopen(p, "we")) == NULL)
			fatal("%s: %s", p, strerror(errno));
	}
	/* Orphans come to us, and we reap them. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fatal("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	json_object_seed(0);
	fill_paths();
	fill_wants();
}

int
main(int argc, char **argv)
{
	struct result res[10];
	struct logfig lf;
	pthread_t th[5];
	char why[2048];
	pid_t zv[16];
	uint64_t t, end, t_settle;
	long rss0, rss1, rss_peak = 0, rss, rss_cold;
	int fd0, fd1, fd_peak = 0, fdn, z, nres = 0, i, rc, left, left_late;
	int nz_seen = 0;
	bool ok, failed = false, steady, survived;
	unsigned long long zst[16];
	pid_t zprev[16];
	int nzprev = 0;

	setup(argc, argv);
	C.t0 = now_ms();
	printf("chaos: %d s, seed %u, slowness %.1f, folder %s\n", C.seconds,
	    C.seed, C.slow, C.dir);
	printf("chaos: %d workers (%d must run) in %zu tree entries\n",
	    nwants, nwants - 3, NTREE);
	fflush(stdout);
	dlog("seed %u", C.seed);

	/* Up, steady, and the root's starting level. */
	write_yaml(0);
	spawn_root();
	if (!wait_steady(slow(60000), why, sizeof(why))) {
		char p[PATH_MAX + 32];

		snprintf(p, sizeof(p), "%s/pmtree.err", C.dir);
		dump_tail("pmtree stderr", p, 3000);
		fprintf(stderr, "chaos: the tree did not come up:%s\n", why);
		kill_leftovers();
		fprintf(stderr, "chaos: kept %s\n", C.dir);
		return (1);
	}
	/*
	 * The starting level is taken after a warm-up: the root keeps its
	 * heap's high-water mark (measured: 50 connections at once, each with
	 * an oversized line, leave +3.5 MiB that stays flat over 40 more such
	 * bursts: retained, not leaked), so the warm-up reaches the mark the
	 * flood will reach, and check 5 looks for growth beyond it: leaks.
	 */
	rss_cold = root_rss();
	if (on('f'))
		flood_warmup();
	for (i = 0; i < 3; i++) {	/* the status buffer at its size */
		struct snap s;

		if (snap_take(&s))
			snap_free(&s);
	}
	fd0 = root_fds();
	rss0 = root_rss();
	dlog("up in %" PRIu64 " ms: root fds %d, rss %ld", now_ms() - C.t0,
	    fd0, rss0);
	printf("chaos: up in %.1f s; root: %d fds, VmRSS %ld KiB (%ld before "
	    "the warm-up)\n", (double)(now_ms() - C.t0) / 1000.0, fd0,
	    rss0 / 1024, rss_cold / 1024);
	fflush(stdout);

	/* The chaos. */
	if (pthread_create(&th[0], NULL, killer, NULL) != 0 ||
	    pthread_create(&th[1], NULL, commander, (void *)(uintptr_t)1) != 0 ||
	    pthread_create(&th[2], NULL, commander, (void *)(uintptr_t)2) != 0 ||
	    pthread_create(&th[3], NULL, commander, (void *)(uintptr_t)3) != 0 ||
	    pthread_create(&th[4], NULL, flooder, NULL) != 0)
		fatal("pthread_create failed");
	t = now_ms();
	end = t + (uint64_t)C.seconds * 1000;
	while (now_ms() < end) {
		nap(1000);
		if (!run_alive()) {
			dlog("pmtree run exited during the chaos");
			break;
		}
		if ((fdn = root_fds()) > fd_peak)
			fd_peak = fdn;
		if ((rss = root_rss()) > rss_peak)
			rss_peak = rss;
		if ((now_ms() - t) / 1000 % 10 == 0)
			dlog("root: %d fds, VmRSS %ld KiB", fdn, rss / 1024);
		/* A zombie seen twice, 3 s apart, is stuck. */
		if ((now_ms() - t) / 1000 % 3 == 0) {
			unsigned long long st;
			pid_t pp;
			char s;
			int k, j;

			z = zombies(zv, 16);
			nz_seen += z;
			for (k = 0; k < z && k < 16; k++) {
				for (j = 0; j < nzprev; j++) {
					if (zprev[j] == zv[k] &&
					    proc_stat(zv[k], &s, &pp, &st) &&
					    st == zst[j]) {
						atomic_fetch_add(&n_zombie_stuck,
						    1);
						dlog("zombie %d (parent %d) "
						    "stuck for 3 s", (int)zv[k],
						    (int)pp);
					}
				}
			}
			for (k = nzprev = 0; k < z && k < 16; k++) {
				if (proc_stat(zv[k], &s, &pp, &st)) {
					zprev[nzprev] = zv[k];
					zst[nzprev++] = st;
				}
			}
		}
	}
	atomic_store(&stop_chaos, true);
	survived = run_alive();
	dlog("chaos over; joining");
	for (i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	dlog("joined");
	printf("chaos: chaos over after %.1f s; restoring\n",
	    (double)(now_ms() - t) / 1000.0);
	fflush(stdout);

	/* Everything back: the first YAML, every hold lifted. */
	if (run_alive()) {
		static const char *const tops[] = { "alpha", "beta", "gamma",
		    "delta", "q", "rl", "rn" };
		char req[128];

		do_reload(0, 0);
		for (i = 0; i < (int)(sizeof(tops) / sizeof(tops[0])); i++) {
			snprintf(req, sizeof(req),
			    "{\"cmd\":\"start\",\"target\":\"%s\"}", tops[i]);
			command(0, "start", req);
		}
	}
	t_settle = now_ms();
	steady = wait_steady(slow(60000), why, sizeof(why));
	t_settle = now_ms() - t_settle;
	dlog("steady %d after %" PRIu64 " ms:%s", steady, t_settle, why);

	/* 1. Every permanent worker running. */
	{
		struct snap s;
		int running = 0;

		if (snap_take(&s)) {
			for (i = 0; i < s.n; i++)
				running += !s.v[i].sup &&
				    strcmp(s.v[i].state, "running") == 0;
			snap_free(&s);
		}
		row(&res[nres++], steady, "1 all permanent workers running",
		    "%d running of %d listed, %d must; settled in %.1f s%s%s",
		    running, nwants, nwants - 3, (double)t_settle / 1000.0,
		    steady ? "" : "; not so:", steady ? "" : why);
	}

	/* 2. No zombie. */
	{
		uint64_t dl = now_ms() + (uint64_t)slow(5000);

		while ((z = zombies(zv, 16)) > 0 && now_ms() < dl)
			nap(100);
		ok = z == 0 && atomic_load(&n_zombie_stuck) == 0;
		row(&res[nres++], ok, "2 no zombies",
		    "%d now; %ld stuck >= 3 s during the chaos (%d seen in "
		    "passing)", z, atomic_load(&n_zombie_stuck), nz_seen);
	}

	/* 5. The root's fds and memory (before the shutdown). */
	{
		uint64_t dl = now_ms() + (uint64_t)slow(20000);

		do {
			fd1 = root_fds();
			if (fd1 >= 0 && abs(fd1 - fd0) <= FD_SLACK)
				break;
			nap(200);
		} while (now_ms() < dl);
		rss1 = root_rss();
		/* ASan's quarantine holds freed memory: RSS says nothing. */
		ok = fd1 >= 0 && abs(fd1 - fd0) <= FD_SLACK && (ASAN_BUILD ||
		    (rss1 >= 0 && rss1 <= rss0 + RSS_SLACK));
		row(&res[nres++], ok, "5 root fds and RSS back",
		    "fds %d -> %d (peak %d, slack %d); VmRSS %ld -> %ld KiB "
		    "(peak %ld, slack %d%s; %ld before the warm-up)", fd0, fd1,
		    fd_peak, FD_SLACK, rss0 / 1024, rss1 / 1024,
		    rss_peak / 1024, RSS_SLACK / 1024, ASAN_BUILD ?
		    ", not judged under ASan" : "", rss_cold / 1024);
	}

	/* 3. Nothing left after the shutdown. */
	{
		static pid_t all[MAXPROCS];
		char *s, *p, *nl, role[16];
		int pid, pgid, nrec = 0, n, src;
		unsigned long long st;
		char left_s[512] = "";

		rc = run_alive() ? run_shutdown(slow(60000)) : -2;
		dlog("pmtree shutdown: %d", rc);
		left = left_late = 0;
		for (src = 0; src < 2; src++) {
			/* Workers and their kids, then supervisors. */
			if (src == 0 && (s = slurp(C.pids, NULL)) != NULL) {
				for (p = s; (nl = strchr(p, '\n')) != NULL;
				    p = nl + 1) {
					*nl = '\0';
					if (sscanf(p, "%d %d %llu %15s", &pid,
					    &pgid, &st, role) != 4)
						continue;
					nrec++;
					if (proc_same_alive(pid, st)) {
						left++;
						if (strlen(left_s) < 400)
							snprintf(left_s +
							    strlen(left_s), 100,
							    " %s %d", role, pid);
					}
				}
				free(s);
			}
			if (src == 1) {
				pthread_mutex_lock(&sup_mu);
				for (i = 0; i < nsups; i++) {
					nrec++;
					if (sups[i].pid != C.run &&
					    proc_same_alive(sups[i].pid,
					    sups[i].start)) {
						left++;
						if (strlen(left_s) < 400)
							snprintf(left_s +
							    strlen(left_s), 100,
							    " pmtree %d",
							    (int)sups[i].pid);
					}
				}
				pthread_mutex_unlock(&sup_mu);
			}
		}
		/*
		 * The root replies once all else is down, then exits (with
		 * 0): when it is gone, nothing of the tree may be left.
		 */
		{
			uint64_t dl = now_ms() + (uint64_t)slow(10000);

			while (run_alive() && now_ms() < dl)
				nap(20);
		}
		n = proc_all(all, MAXPROCS);
		for (i = 0; i < n; i++) {
			if (all[i] != getpid() && proc_marked(all[i])) {
				char st1;
				pid_t pp;

				if (proc_stat(all[i], &st1, &pp, NULL) &&
				    st1 != 'Z') {
					left_late++;
					if (strlen(left_s) < 400)
						snprintf(left_s + strlen(left_s),
						    100, " marked %d", all[i]);
				}
			}
		}
		ok = rc == 0 && left == 0 && left_late == 0 && C.run_done &&
		    WIFEXITED(C.run_status) && WEXITSTATUS(C.run_status) == 0;
		row(&res[nres++], ok, "3 nothing left after shutdown",
		    "shutdown exit %d, run exit %d; %d pids recorded (%d "
		    "supervisors), %d alive; %d others with the folder/tag%s",
		    rc, C.run_done ? (WIFEXITED(C.run_status) ?
		    WEXITSTATUS(C.run_status) : 128 + WTERMSIG(C.run_status)) :
		    -1, nrec, nsups, left, left_late, left_s);
	}

	/* 4. The logs. */
	check_logs(&lf);
	ok = lf.malformed == 0 && lf.wrongfile == 0 && lf.dups == 0 &&
	    lf.gaps == 0 && lf.tail == 0 && lf.lines > 0;
	row(&res[nres++], ok, "4 every line logged once, unmixed",
	    "%ld lines of %ld writers in %ld files (%ld records): %ld lost "
	    "(gaps), %ld lost (tail), %ld duplicated, %ld malformed, %ld in "
	    "a wrong file%s", lf.lines, lf.writers, lf.files, lf.records,
	    lf.gaps, lf.tail, lf.dups, lf.malformed, lf.wrongfile, lf.sample);

	/* 6. The chaos itself. */
	{
		char kinds[256] = "";

		for (i = 0; cmd_kinds[i] != NULL; i++)
			snprintf(kinds + strlen(kinds), sizeof(kinds) -
			    strlen(kinds), "%s%s %ld", i ? ", " : "",
			    cmd_kinds[i], atomic_load(&n_cmd_kind[i]));
		ok = survived && (!on('k') || atomic_load(&n_kill_worker) > 0) &&
		    atomic_load(&n_cmd_timeout) == 0 &&
		    atomic_load(&n_flood_noreply) == 0;
		row(&res[nres++], ok, "6 chaos survived",
		    "kills: %ld workers, %ld group supervisors, %ld log "
		    "collectors%s; commands: %ld (%s), %ld ok, %ld failed, %ld "
		    "unanswered; flood: %ld connections (%ld refused), %ld "
		    "replies, %ld requests unanswered",
		    atomic_load(&n_kill_worker), atomic_load(&n_kill_group),
		    atomic_load(&n_kill_log), survived ? "" :
		    " (the tree did NOT survive)", atomic_load(&n_cmd), kinds,
		    atomic_load(&n_cmd_ok), atomic_load(&n_cmd_err),
		    atomic_load(&n_cmd_timeout), atomic_load(&n_flood_conn),
		    atomic_load(&n_flood_refused),
		    atomic_load(&n_flood_replies),
		    atomic_load(&n_flood_noreply));
	}

	/* 7. No sanitizer report, no crash report from any process. */
	{
		static const char *const pat[] = { "AddressSanitizer",
		    "LeakSanitizer", "runtime error:", "UndefinedBehavior",
		    NULL };
		char p[PATH_MAX + 32], *txt, *at, first[200] = "";
		int nrep = 0, k;

		fmt(p, sizeof(p), "%s/pmtree.err", C.dir);
		if ((txt = slurp(p, NULL)) != NULL) {
			for (k = 0; pat[k] != NULL; k++) {
				for (at = txt; (at = strstr(at, pat[k])) != NULL;
				    at++) {
					if (nrep++ == 0)
						snprintf(first, sizeof(first),
						    ": %.120s", at);
				}
			}
			free(txt);
		}
		row(&res[nres++], nrep == 0, "7 no sanitizer reports",
		    "%d in pmtree's stderr%s", nrep, first);
	}

	/* The table, in invariant order. */
	printf("\n%-36s %-6s %s\n", "invariant", "result", "figures");
	for (int want = 1; want <= 7; want++) {
		for (i = 0; i < nres; i++) {
			if (res[i].name[0] - '0' != want)
				continue;
			printf("%-36s %-6s %s\n", res[i].name,
			    res[i].ok ? "PASS" : "FAIL", res[i].figures);
			failed |= !res[i].ok;
		}
	}
	printf("\nchaos: %s (seed %u, %d s)\n", failed ? "FAIL" : "PASS",
	    C.seed, C.seconds);
	fflush(stdout);
	if (failed) {
		char p[PATH_MAX + 32];

		snprintf(p, sizeof(p), "%s/logs/pmtree.log", C.dir);
		dump_tail("pmtree.log", p, 1500);
		kill_leftovers();
		fprintf(stderr, "chaos: kept %s (chaos.log: the driver's "
		    "actions)\n", C.dir);
		return (1);
	}
	kill_leftovers();
	if (C.dlog != NULL)
		fclose(C.dlog);
	C.dlog = NULL;
	if (!C.keep)
		(void)nftw(C.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		printf("chaos: kept %s\n", C.dir);
	return (0);
}
