/*
 * Limits and abuse (doc/security.md, "Resource limits"; SPEC §4): a tree
 * run out of file descriptors, out of processes, flooded with control
 * connections, fed endless lines, and logging to a full filesystem.
 *
 * These are the light checks of the normal suite; the heavy ones (10,000
 * workers, 1 GB lines, 1,000 connections) are tests/limits/big.sh, run by
 * scripts/limits.
 *
 * pmtree runs here with limits set in its process before the exec (soft
 * and hard RLIMIT_NOFILE, RLIMIT_NPROC under a uid of its own), so these
 * tests start it themselves (lim_spawn) rather than with h_start.
 */
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"

/* An unused uid/gid for the RLIMIT_NPROC test: no other process counts. */
#define LIM_UID		64917
#define LIM_GID		64917

#define LIM_CPU_MS	200	/* CPU allowed over LIM_IDLE_MS: no spinning */
#define LIM_IDLE_MS	2000
#define LIM_RSS_KB	(8 * 1024)
#define LIM_RECORD	16384	/* SPEC §4: longer lines are cut so */
#define LIM_SLOW_MS	30000	/* for what moves megabytes on a busy box */

/* snprintf into an array, aborting the test if it does not fit. */
#define LIM_FMT(buf, ...) do {						\
	int lim_n_ = snprintf((buf), sizeof(buf), __VA_ARGS__);		\
	if (lim_n_ < 0 || (size_t)lim_n_ >= sizeof(buf))		\
		ck_abort_msg("path too long");				\
} while (0)

struct limits {
	rlim_t	nofile;		/* 0: unchanged */
	rlim_t	nproc;		/* 0: unchanged */
	uid_t	uid;		/* 0: unchanged */
	gid_t	gid;
};

/* --- /proc ------------------------------------------------------------- */

/* utime + stime of PID in ms; -1 if it is gone. */
static long
lim_cpu_ms(pid_t pid)
{
	char path[64], *s, *p;
	unsigned long ut, st;
	long hz = sysconf(_SC_CLK_TCK);
	long r = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((s = h_read(path)) == NULL)
		return (-1);
	/* after "pid (comm) ": state ppid pgrp session tty tpgid flags
	 * minflt cminflt majflt cmajflt utime stime */
	if ((p = strrchr(s, ')')) != NULL && sscanf(p + 1,
	    " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) == 2)
		r = (long)((ut + st) * 1000 / (unsigned long)(hz > 0 ? hz : 100));
	free(s);
	return (r);
}

/* The log collector of the tree `t` of this test ("pmtree: log t"). */
static pid_t
lim_collector(void)
{
	pid_t pid = 0;

	h_assert(H_UNTIL((pid = h_find_title("pmtree: log t")) > 0),
	    "no log collector (pmtree: log t)");
	return (pid);
}

/*
 * CPU that PIDS (0-terminated) use over LIM_IDLE_MS: each must stay under
 * LIM_CPU_MS, or pmtree spins.
 */
static void
lim_assert_idle(const char *what, const pid_t *pids)
{
	long before[8], after;
	int i;

	for (i = 0; pids[i] > 0 && i < 8; i++)
		before[i] = lim_cpu_ms(pids[i]);
	(void)H_UNTIL_MS(LIM_IDLE_MS, false);
	for (i = 0; pids[i] > 0 && i < 8; i++) {
		after = lim_cpu_ms(pids[i]);
		h_assert(before[i] >= 0 && after >= 0,
		    "%s: pid %d is gone", what, (int)pids[i]);
		h_assert(after - before[i] < LIM_CPU_MS,
		    "%s: pid %d used %ld ms of CPU in %d ms: it spins", what,
		    (int)pids[i], after - before[i], LIM_IDLE_MS);
	}
}

/* --- pmtree under limits ------------------------------------------------- */

__attribute__((noreturn)) static void
lim_child(const struct limits *l)
{
	const char *bin = getenv("PMTREE_BIN");
	struct rlimit rl;
	int null, out, err, fd;

	if (setpgid(0, 0) < 0 || chdir(H.dir) < 0)
		_exit(126);
	null = open("/dev/null", O_RDONLY);
	out = open(H.run.out, O_WRONLY | O_CREAT | O_APPEND, 0644);
	err = open(H.run.err, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (null < 0 || out < 0 || err < 0 || dup2(null, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	/* Only 0-2: what we hold must not count toward its limit. */
	for (fd = 3; fd < 4096; fd++)
		(void)close(fd);
	if (setenv("FX_STARTS", H.starts, 1) < 0 ||
	    setenv("FX_KIDS", H.kids, 1) < 0 ||
	    setenv("PMTREE_IT_TAG", H.dir, 1) < 0 ||
	    unsetenv("PMTREE_SOCKET") < 0)
		_exit(126);
	if (l->uid != 0 && (setgroups(0, NULL) < 0 ||
	    setresgid(l->gid, l->gid, l->gid) < 0 ||
	    setresuid(l->uid, l->uid, l->uid) < 0))
		_exit(125);
	if (l->nofile > 0) {
		rl.rlim_cur = rl.rlim_max = l->nofile;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(124);
	}
	if (l->nproc > 0) {
		rl.rlim_cur = rl.rlim_max = l->nproc;
		if (setrlimit(RLIMIT_NPROC, &rl) < 0)
			_exit(124);
	}
	execl(bin, "pmtree", "run", H.yaml, (char *)NULL);
	_exit(127);
}

/* `pmtree run t.yaml` as H.run, under L; the harness's cleanup finds it. */
static void
lim_spawn(const struct limits *l)
{
	pid_t pid;

	ck_assert_msg(getenv("PMTREE_BIN") != NULL, "PMTREE_BIN is not set");
	memset(&H.run, 0, sizeof(H.run));
	LIM_FMT(H.run.out, "%s/pmtree.out", H.dir);
	LIM_FMT(H.run.err, "%s/pmtree.err", H.dir);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0)
		lim_child(l);
	(void)setpgid(pid, pid);
	H.run.pid = pid;
}

/* Waits for `tree t is up`. */
static void
lim_wait_up(void)
{
	h_assert(H_UNTIL(h_log_count("tree t is up") > 0 || h_done(&H.run)) &&
	    !H.run.done, "the tree did not come up");
}

/* `pmtree shutdown` returns 0 within DEADLINE ms and `run` exits 0. */
static void
lim_shutdown(const char *what, uint64_t deadline_ms)
{
	struct ctlrun r;
	uint64_t t0 = h_now_ms();
	int rc;

	ctl_bg(&r, "shutdown", NULL);
	rc = ctl_bg_wait(&r, deadline_ms);
	if (rc < 0)
		(void)kill(r.pid, SIGKILL);
	h_assert(rc == 0, "%s: `pmtree shutdown` %s after %llu ms "
	    "(pmtree.log: %d \"output not drained\")", what,
	    rc < 0 ? "still running" : "failed",
	    (unsigned long long)(h_now_ms() - t0),
	    h_log_count("output not drained"));
	h_assert(h_wait_exit(&H.run, H_DEADLINE_MS) == 0,
	    "%s: pmtree run did not exit 0 after shutdown", what);
}

/* Occurrences of NEEDLE in the file PATH. */
static int
lim_count(const char *path, const char *needle)
{
	char *s = h_read(path), *p;
	int n = 0;

	for (p = s; p != NULL && (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(s);
	return (n);
}

/* The RFC 3339 stamp at the start of a pmtree.log line, in µs; 0 if none. */
static uint64_t
lim_stamp_us(const char *line)
{
	struct tm tm;
	long us;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(line, "%d-%d-%dT%d:%d:%d.%6ldZ", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &us) != 7)
		return (0);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return ((uint64_t)timegm(&tm) * 1000000 + (uint64_t)us);
}

/* Stamps (µs) of the pmtree.log lines holding NEEDLE; how many, ≤ MAX. */
static int
lim_log_stamps(const char *needle, uint64_t *v, int max)
{
	char *s = h_read(H.log), *p, *nl;
	int n = 0;

	for (p = s; p != NULL && n < max && (nl = strchr(p, '\n')) != NULL;
	    p = nl + 1) {
		*nl = '\0';
		if (strstr(p, needle) != NULL)
			v[n++] = lim_stamp_us(p);
	}
	free(s);
	return (n);
}

static const char *
lim_writer(void)
{
	const char *w = getenv("FX_WRITER");

	ck_assert_msg(w != NULL, "FX_WRITER is not set (run with meson test)");
	return (w);
}

static off_t
lim_size(const char *path)
{
	struct stat sb;

	return (stat(path, &sb) == 0 ? sb.st_size : -1);
}

/* --- (1) out of file descriptors ----------------------------------------- */

/*
 * 40 workers under a hard limit of 64 fds, retried every second: some
 * cannot start.  Returns once pmtree said so and the first failures
 * settled.
 */
static void
lim_fd_tree(void)
{
	struct limits l = { .nofile = 64 };
	char *yaml = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&yaml, &len);
	int i;

	ck_assert(f != NULL);
	fprintf(f, "intensity: 1000\nperiod: 5s\n"
	    "defaults: {backoff: [1s], shutdown: 2s}\nchildren:\n");
	for (i = 0; i < 40; i++)
		fprintf(f, "  - {name: w%d, cmd: @SLEEPER@}\n", i);
	fclose(f);
	h_yaml("%s", yaml);
	free(yaml);
	lim_spawn(&l);
	h_assert(H_UNTIL(h_log_count("Too many open files") > 0 ||
	    h_done(&H.run)) && !H.run.done,
	    "no \"Too many open files\" in pmtree.log (or pmtree exited)");
	(void)H_UNTIL_MS(1500, false);
}

/*
 * Out of fds, pmtree keeps running, warns about the limit, retries the
 * failed starts with their backoff without spinning, answers `status`,
 * and shuts down promptly.
 */
START_TEST(fd_exhaustion)
{
	pid_t pids[3];
	int nw = 0;
	size_t ki;
	json_t *st, *kids, *k;

	lim_fd_tree();
	h_assert(h_log_count("limit on open files may be too low") == 1,
	    "no warning about the low fd limit in pmtree.log");
	pids[0] = H.run.pid;
	pids[1] = lim_collector();
	pids[2] = 0;
	lim_assert_idle("out of fds", pids);
	h_assert(!h_done(&H.run), "pmtree exited under fd exhaustion");

	/* status answers, or says clearly why not. */
	if (ctl("status", "--json", NULL) == 0) {
		st = json_loads(CTL.out, 0, NULL);
		h_assert(st != NULL, "status --json is not JSON: %s", CTL.out);
		kids = json_object_get(json_object_get(st, "tree"), "children");
		json_array_foreach(kids, ki, k)
			nw++;
		h_assert(nw == 40, "status lists %d workers, want 40", nw);
		json_decref(st);
	} else {
		h_assert(strstr(CTL.err, "pmtree: ") != NULL,
		    "status failed without a message: rc %d, stderr: %s",
		    CTL.rc, CTL.err);
	}
	/* Workers that could not start are failed starts, retried. */
	h_assert(h_log_count("restarting in 1000 ms") > 0,
	    "no retry with the backoff in pmtree.log");

	/* Without a limit raised: 40 sleepers stop in well under 15 s. */
	lim_shutdown("out of fds", H_DEADLINE_MS);
}
END_TEST

/*
 * Out of fds, pmtree.log is not flooded: the one worker retried every
 * second writes 2 lines a second; a loop that logs every turn of a 100 ms
 * pause writes 10 or 20.
 */
START_TEST(fd_exhaustion_quiet_log)
{
	int before, grown;

	lim_fd_tree();
	before = h_lines(H.log);
	(void)H_UNTIL_MS(LIM_IDLE_MS, false);
	grown = h_lines(H.log) - before;
	h_assert(!h_done(&H.run), "pmtree exited under fd exhaustion");
	h_assert(grown <= 12, "pmtree.log grew by %d lines in %d ms while "
	    "nothing changed (a retry loop logging each turn)", grown,
	    LIM_IDLE_MS);
}
END_TEST

/* --- (2) many control connections ---------------------------------------- */

#define LIM_CONNS	200

/*
 * 200 connections at once: idle ones do not block a new client; each gets
 * its reply; the root's fd count comes back down when they close.
 */
START_TEST(many_connections)
{
	static struct ctlconn c[LIM_CONNS];
	const char *req = "{\"cmd\":\"status\"}\n";
	int i, fds0, ok = 0;
	char *line;

	h_yaml("children:\n"
	    "  - {name: a, cmd: @SLEEPER@}\n"
	    "  - {name: b, cmd: @SLEEPER@, instances: 2}\n");
	h_start_up(3);
	/* A first status, so that whatever the root opens once is open. */
	h_assert(ctl("status", NULL) == 0, "status");
	(void)H_UNTIL_MS(300, false);
	fds0 = h_fds(H.run.pid);
	h_assert(fds0 > 0, "no /proc/%d/fd", (int)H.run.pid);

	for (i = 0; i < LIM_CONNS; i++)
		ctl_open(&c[i], NULL);
	/* 200 idle connections: a new client is served all the same. */
	h_assert(ctl("status", "--json", NULL) == 0,
	    "status with %d idle connections: rc %d: %s", LIM_CONNS, CTL.rc,
	    CTL.err);
	for (i = 0; i < LIM_CONNS; i++)
		h_assert(ctl_send(&c[i], req, strlen(req)),
		    "connection %d: the root hung up", i);
	for (i = 0; i < LIM_CONNS; i++) {
		line = ctl_readline(&c[i], H_DEADLINE_MS);
		if (line != NULL && strncmp(line, "{\"ok\":true", 10) == 0)
			ok++;
		free(line);
	}
	fprintf(stderr, "many_connections: %d of %d replies; root fds %d, "
	    "%d with the connections\n", ok, LIM_CONNS, fds0,
	    h_fds(H.run.pid));
	h_assert(ok == LIM_CONNS, "%d of %d connections got a status reply",
	    ok, LIM_CONNS);
	h_assert(!h_done(&H.run), "pmtree exited");
	for (i = 0; i < LIM_CONNS; i++)
		ctl_close(&c[i]);
	h_assert(H_UNTIL(h_fds(H.run.pid) <= fds0),
	    "the root holds %d fds, %d before the %d connections",
	    h_fds(H.run.pid), fds0, LIM_CONNS);
	h_assert(ctl("status", NULL) == 0, "status afterwards");
	lim_shutdown("after many connections", H_DEADLINE_MS);
}
END_TEST

/* --- (3) endless lines ---------------------------------------------------- */

/*
 * Waits until PATH is SIZE bytes long, sampling the collector's VmRSS;
 * returns the largest sample (KiB).
 */
static long
lim_wait_size_rss(const char *path, off_t size, pid_t coll, uint64_t dl_ms)
{
	uint64_t dl = h_now_ms() + dl_ms;
	long rss, max = 0;

	while (lim_size(path) < size && h_now_ms() < dl) {
		if ((rss = h_rss_kib(coll)) > max)
			max = rss;
		h_nap();
	}
	if ((rss = h_rss_kib(coll)) > max)
		max = rss;
	return (max);
}

/* The RSS the collector may reach: 8 MiB (ASan: its start + 8 MiB). */
static long
lim_rss_limit(long base_kb)
{
#if defined(__SANITIZE_ADDRESS__)
	return (base_kb + LIM_RSS_KB);
#else
	(void)base_kb;
	return (LIM_RSS_KB);
#endif
}

/* Byte OFF of the line: 'A' + OFF % 26 with PATTERN, else 'x'. */
static char
lim_byte(bool pattern, long off)
{
	return (pattern ? (char)('A' + off % 26) : 'x');
}

/*
 * Checks that PATH holds NREC records "<stamp> NAME out <payload>" whose
 * payloads are LIM_RECORD bytes; with PATTERN, the payload bytes are
 * 'A' + offset % 26 over the whole line, else all 'x'.
 */
static void
lim_check_records(const char *path, const char *name, int nrec, bool pattern)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, head[64];
	size_t cap = 0, hl, k;
	ssize_t n;
	long off = 0;
	int rec = 0;

	h_assert(f != NULL, "open %s: %s", path, strerror(errno));
	snprintf(head, sizeof(head), " %s out ", name);
	hl = strlen(head);
	while ((n = getline(&line, &cap, f)) > 0) {
		const char *pl;

		h_assert(line[n - 1] == '\n', "record %d has no newline", rec);
		line[--n] = '\0';
		h_assert(n > 27 && memcmp(line + 27, head, hl) == 0,
		    "record %d: bad head: %.80s", rec, line);
		pl = line + 27 + hl;
		h_assert((size_t)n - 27 - hl == LIM_RECORD,
		    "record %d holds %zu bytes, want %d", rec,
		    (size_t)n - 27 - hl, LIM_RECORD);
		/* One assertion per record: each costs Check a write(2). */
		for (k = 0; k < LIM_RECORD; k++) {
			if (pl[k] != lim_byte(pattern, off + (long)k))
				break;
		}
		h_assert(k == LIM_RECORD, "record %d, byte %zu: %c, want %c",
		    rec, k, pl[k], lim_byte(pattern, off + (long)k));
		off += LIM_RECORD;
		rec++;
	}
	free(line);
	fclose(f);
	h_assert(rec == nrec, "%s: %d records, want %d", path, rec, nrec);
}

/*
 * 64 MiB without a newline (`tr` writes it in pieces), then one: 4096
 * records of exactly 16 KiB (the last one is cut when its newline comes),
 * and the collector's memory does not grow with it.
 */
START_TEST(endless_line)
{
	const int nrec = 4096;
	char path[PATH_MAX + 16], go[PATH_MAX + 8];
	off_t want;
	long base, max;
	pid_t coll;

	LIM_FMT(path, "%s/logs/big.log", H.dir);
	LIM_FMT(go, "%s/go", H.dir);
	/* 64 MiB in one file: no rotation (10 MB by default) in the way. */
	h_write(strrchr(H.yaml, '/') + 1, "name: t\ncontrol: {socket: run/t.sock}\n"
	    "log: {dir: logs, max_size: 0}\nchildren:\n"
	    "  - {name: big, cmd: [sh, -c, \"while [ ! -e go ]; do sleep 0.05; "
	    "done; head -c %d /dev/zero | tr '\\\\0' x; echo; "
	    "exec sleep 1000\"]}\n",
	    nrec * LIM_RECORD);
	h_start();
	lim_wait_up();
	coll = lim_collector();
	base = h_rss_kib(coll);
	h_write("go", "go\n");
	/* "<27-byte stamp> big out <16384 bytes>\n" */
	want = (off_t)nrec * (27 + 9 + LIM_RECORD + 1);
	max = lim_wait_size_rss(path, want, coll, LIM_SLOW_MS);
	h_assert(lim_size(path) >= want, "big.log holds %lld bytes, want %lld "
	    "(%lld records of %d); the collector stalled?",
	    (long long)lim_size(path), (long long)want,
	    (long long)(lim_size(path) / (27 + 9 + LIM_RECORD + 1)), nrec);
	h_assert(max < lim_rss_limit(base), "the collector's VmRSS reached "
	    "%ld KiB (at the start %ld KiB)", max, base);
	lim_check_records(path, "big", nrec, false);
	h_assert(!h_done(&H.run), "pmtree exited");
	lim_shutdown("after the endless line", H_DEADLINE_MS);
}
END_TEST

/*
 * The same in a single write(2) of 1 MiB (as a program does that prints a
 * big buffer), its newline in a write of its own: 64 records, byte for
 * byte.  The write blocks on the full pipe many times; the collector must
 * keep reading.
 */
START_TEST(endless_line_one_write)
{
	const int nrec = 64;
	char path[PATH_MAX + 16];
	off_t want;
	long base, max;
	pid_t coll;

	LIM_FMT(path, "%s/logs/big.log", H.dir);
	h_yaml("children:\n"
	    "  - {name: big, cmd: [%s, --go, go, --long, '%d', "
	    "--stay]}\n", lim_writer(), nrec * LIM_RECORD);
	h_start();
	lim_wait_up();
	coll = lim_collector();
	base = h_rss_kib(coll);
	h_write("go", "go\n");
	want = (off_t)nrec * (27 + 9 + LIM_RECORD + 1);
	max = lim_wait_size_rss(path, want, coll, LIM_SLOW_MS);
	h_assert(lim_size(path) >= want, "big.log holds %lld bytes "
	    "(%lld records), want %lld (%d records): the collector stopped "
	    "reading while the worker is blocked in write(2)",
	    (long long)lim_size(path),
	    (long long)(lim_size(path) / (27 + 9 + LIM_RECORD + 1)),
	    (long long)want, nrec);
	h_assert(max < lim_rss_limit(base), "the collector's VmRSS reached "
	    "%ld KiB (at the start %ld KiB)", max, base);
	lim_check_records(path, "big", nrec, true);
	lim_shutdown("after the one-write line", H_DEADLINE_MS);
}
END_TEST

/* PATH holds fx-writer's lines 0 … N-1 of worker NAME, once, in order. */
static void
lim_check_seq(const char *path, const char *name, int n)
{
	char *s = h_read(path), *p, *nl, want[160];
	int seq = 0;

	h_assert(s != NULL, "read %s", path);
	for (p = s; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		snprintf(want, sizeof(want), " %s out W0 %010d ", name, seq);
		h_assert(strstr(p, want) != NULL, "%s, line %d: %.100s", path,
		    seq, p);
		seq++;
	}
	free(s);
	h_assert(seq == n, "%s holds %d lines, want %d", path, seq, n);
}

/*
 * Lines in big writes: 6000 lines of 100 bytes, 2000 (200 KB) to a
 * write(2); every line arrives, once, in order.
 */
START_TEST(big_writes)
{
	char path[PATH_MAX + 16];
	int n;

	LIM_FMT(path, "%s/logs/w.log", H.dir);
	h_yaml("children:\n"
	    "  - {name: w, cmd: [%s, --lines, '6000', --len, '99', "
	    "--batch, '2000', --stay]}\n", lim_writer());
	h_start_up(1);
	h_assert(H_UNTIL_MS(LIM_SLOW_MS, h_lines(path) >= 6000),
	    "w.log holds %d lines of 6000: the collector stopped reading "
	    "while the worker is blocked in write(2)", h_lines(path));
	n = h_lines(path);
	h_assert(n == 6000, "w.log holds %d lines, want 6000", n);
	lim_check_seq(path, "w", 6000);
	lim_shutdown("after big writes", H_DEADLINE_MS);
}
END_TEST

/* --- (4) out of processes ------------------------------------------------ */

/*
 * Under a uid of its own with RLIMIT_NPROC 4 (the root, the collector, a
 * and b), c cannot be forked: a failed start, retried with c's backoff
 * (500 ms), never faster, never a crash.
 */
START_TEST(fork_failure)
{
	struct limits l = { .nproc = 4, .uid = LIM_UID, .gid = LIM_GID };
	uint64_t t[64];
	int n, i, n1;
	json_t *st, *c;

	if (geteuid() != 0) {
		fprintf(stderr, "fork_failure: skipped (needs root for "
		    "RLIMIT_NPROC under another uid)\n");
		return;
	}
	h_yaml("intensity: 1000\nperiod: 5s\n"
	    "defaults: {backoff: [500ms]}\n"
	    "children:\n"
	    "  - {name: a, cmd: @SLEEPER@}\n"
	    "  - {name: b, cmd: @SLEEPER@}\n"
	    "  - {name: c, cmd: @SLEEPER@}\n"
	    "  - {name: d, cmd: @SLEEPER@}\n");
	h_assert(chown(H.dir, LIM_UID, LIM_GID) == 0 &&
	    chown(H.yaml, LIM_UID, LIM_GID) == 0, "chown: %s", strerror(errno));
	lim_spawn(&l);
	h_assert(H_UNTIL(h_log_count("c fork: ") >= 3 || h_done(&H.run)) &&
	    !H.run.done, "no 3 \"c fork: …\" failures in pmtree.log "
	    "(or pmtree exited)");
	h_assert(h_log_count("c fork: Resource temporarily unavailable") > 0,
	    "the fork failure is not explained in pmtree.log");
	{
		pid_t pids[] = { H.run.pid, 0 };

		n1 = h_log_count("c fork: ");
		lim_assert_idle("out of processes", pids);
		n = h_log_count("c fork: ");
		/* 2 s at one try per 500 ms: 4, give or take one. */
		h_assert(n - n1 <= 5, "%d fork attempts of c in %d ms, backoff "
		    "500 ms", n - n1, LIM_IDLE_MS);
		h_assert(n - n1 >= 2, "only %d fork attempts of c in %d ms: "
		    "not retried?", n - n1, LIM_IDLE_MS);
	}
	n = lim_log_stamps("c fork: ", t, 64);
	for (i = 1; i < n; i++)
		h_assert(t[i] - t[i - 1] >= 450000, "fork attempts of c %llu ms "
		    "apart, backoff 500 ms", (unsigned long long)
		    ((t[i] - t[i - 1]) / 1000));

	st = ctl_status();
	c = ctl_node(st, "c");
	h_assert(c != NULL, "status lists c");
	h_assert(json_integer_value(json_object_get(c, "restarts")) >= 2,
	    "c's restarts are not counted");
	h_assert(json_integer_value(json_object_get(json_object_get(c,
	    "last_exit"), "code")) == 127, "c's last_exit is not code 127");
	h_assert(strcmp(ctl_state_of("a"), "running") == 0 &&
	    strcmp(ctl_state_of("d"), "waiting") == 0,
	    "a runs, d waits for c: a %s, d %s", ctl_state_of("a"),
	    ctl_state_of("d"));
	json_decref(st);
	h_assert(!h_done(&H.run), "pmtree exited");
	lim_shutdown("out of processes", H_DEADLINE_MS);
}
END_TEST

/* --- (5) a full filesystem ------------------------------------------------ */

static char	lim_mnt[PATH_MAX];

/*
 * Unmounts lim_mnt when the test process is gone however it ends (Check
 * _exits it on a failed assertion): a process of its own reading a pipe.
 */
static void
lim_umount_guard(void)
{
	int p[2];
	pid_t pid;
	char ch;

	ck_assert(pipe2(p, O_CLOEXEC) == 0);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		char logs[PATH_MAX + 8];
		int fd;

		/* Only our pipe: holding the harness's guard pipe would hang
		 * its teardown. */
		for (fd = 0; fd < 4096; fd++)
			if (fd != p[0])
				(void)close(fd);
		(void)setsid();
		while (read(p[0], &ch, 1) < 0 && errno == EINTR)
			;
		(void)umount2(lim_mnt, MNT_DETACH);
		(void)rmdir(lim_mnt);
		if (snprintf(logs, sizeof(logs), "%s/logs", H.dir) <
		    (int)sizeof(logs))
			(void)rmdir(logs);
		(void)rmdir(H.dir);
		_exit(0);
	}
	close(p[0]);
	/* p[1] stays open, close-on-exec, until this process ends. */
}

/*
 * The group g's folder of logs is a 256 KiB tmpfs, nearly full: g/w's
 * lines do not fit.  pmtree runs on, reports the error once (pmtree.log,
 * stderr) and in status, retries, and writes every line once there is
 * room again.
 */
START_TEST(disk_full)
{
	char filler[PATH_MAX + 16], wlog[PATH_MAX + 16], logs[PATH_MAX + 8];
	json_t *st, *lg;
	const char *err;
	int fd, errs;
	pid_t pids[2];
	static char zero[192 * 1024];

	LIM_FMT(logs, "%s/logs", H.dir);
	LIM_FMT(lim_mnt, "%s/logs/g", H.dir);
	LIM_FMT(filler, "%s/filler", lim_mnt);
	LIM_FMT(wlog, "%s/w.log", lim_mnt);
	if (geteuid() != 0) {
		fprintf(stderr, "disk_full: skipped (needs root to mount)\n");
		return;
	}
	h_assert(mkdir(logs, 0755) == 0 && mkdir(lim_mnt, 0755) == 0,
	    "mkdir: %s", strerror(errno));
	if (mount("tmpfs", lim_mnt, "tmpfs", MS_NOSUID | MS_NODEV,
	    "size=256k,mode=0755") < 0) {
		fprintf(stderr, "disk_full: skipped (mount tmpfs: %s)\n",
		    strerror(errno));
		return;
	}
	lim_umount_guard();
	fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	h_assert(fd >= 0 && write(fd, zero, sizeof(zero)) ==
	    (ssize_t)sizeof(zero) && close(fd) == 0, "filler: %s",
	    strerror(errno));

	/* 1500 lines of 60 bytes: about 145 KiB in the file; 64 KiB free. */
	h_yaml("children:\n"
	    "  - name: g\n"
	    "    children:\n"
	    "      - {name: w, cmd: [%s, --lines, '1500', --len, '60', "
	    "--stay]}\n", lim_writer());
	h_start_up(1);
	h_assert(H_UNTIL(h_log_count("No space left on device") > 0),
	    "no \"No space left on device\" in pmtree.log");

	st = ctl_status();
	lg = json_object_get(st, "log");
	errs = (int)json_integer_value(json_object_get(lg, "errors"));
	err = json_string_value(json_object_get(lg, "last_error"));
	h_assert(errs > 0, "status: .log.errors is %d", errs);
	h_assert(err != NULL && strstr(err, "No space left on device") != NULL &&
	    strstr(err, wlog) != NULL,
	    "status: .log.last_error is %s, want the error and %s",
	    err ? err : "null", wlog);
	json_decref(st);

	/* It retries (each second) without spinning and says it only once. */
	pids[0] = lim_collector();
	pids[1] = 0;
	lim_assert_idle("disk full", pids);
	h_assert(!h_done(&H.run), "pmtree exited on a full disk");
	h_assert(h_log_count("No space left on device") == 1,
	    "pmtree.log reports the full disk %d times, want once",
	    h_log_count("No space left on device"));
	h_assert(lim_count(H.run.err, "No space left on device") == 1,
	    "stderr reports the full disk %d times, want once",
	    lim_count(H.run.err, "No space left on device"));
	h_assert(ctl("status", NULL) == 0, "status on a full disk");

	/* Room again: the lines that waited in the pipe are written. */
	h_assert(unlink(filler) == 0, "unlink filler: %s", strerror(errno));
	h_assert(H_UNTIL(h_lines(wlog) >= 1500), "w.log holds %d lines of "
	    "1500 after the disk got room", h_lines(wlog));
	h_assert(h_lines(wlog) == 1500, "w.log holds %d lines, want 1500",
	    h_lines(wlog));
	lim_check_seq(wlog, "g/w", 1500);

	lim_shutdown("after the full disk", H_DEADLINE_MS);
	if (umount2(lim_mnt, 0) < 0)
		(void)umount2(lim_mnt, MNT_DETACH);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("integration-limits");
	TCase *tc;

	tc = h_tcase("fds");
	tcase_add_test(tc, fd_exhaustion);
	tcase_add_test(tc, fd_exhaustion_quiet_log);
	suite_add_tcase(s, tc);
	tc = h_tcase("conns");
	tcase_add_test(tc, many_connections);
	suite_add_tcase(s, tc);
	tc = h_tcase("lines");
	tcase_set_timeout(tc, 150);	/* 3 tests, up to LIM_SLOW_MS each */
	tcase_add_test(tc, endless_line);
	tcase_add_test(tc, endless_line_one_write);
	tcase_add_test(tc, big_writes);
	suite_add_tcase(s, tc);
	tc = h_tcase("nproc");
	tcase_add_test(tc, fork_failure);
	suite_add_tcase(s, tc);
	tc = h_tcase("disk");
	tcase_add_test(tc, disk_full);
	suite_add_tcase(s, tc);
	return (h_main(s));
}
