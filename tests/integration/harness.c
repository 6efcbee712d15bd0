/*
 * The integration harness (see harness.h).
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define H_MAXRUNS	8

/* snprintf into an array, aborting the test if it does not fit. */
#define H_MAXPROCS	65536	/* above pid_max: a busy machine has thousands */

struct h H;

static pid_t	h_runs[H_MAXRUNS];
static int	h_nruns;
static int	h_guard_fd = -1;
static pid_t	h_guard_pid;

static void	h_kill_all(void);

/* --- time --------------------------------------------------------------- */

uint64_t
h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

void
h_nap(void)
{
	struct timespec ts = { 0, H_NAP_MS * 1000000L };

	(void)nanosleep(&ts, NULL);
}

/* --- files -------------------------------------------------------------- */

char *
h_read(const char *path)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (NULL);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((buf = realloc(buf, cap)) == NULL)
				ck_abort_msg("out of memory");
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
	return (buf);
}

int
h_lines(const char *path)
{
	char *s = h_read(path), *p;
	int n = 0;

	if (s == NULL)
		return (0);
	for (p = s; *p != '\0'; p++)
		n += *p == '\n';
	free(s);
	return (n);
}

/* Replaces every @TOKEN@ by the value of the environment variable VAR. */
static char *
h_subst(char *s, const char *token, const char *var)
{
	const char *val = getenv(var);
	size_t tl = strlen(token), vl;
	char *at, *out;

	if (val == NULL)
		ck_abort_msg("%s is not set (run the tests with meson test)", var);
	vl = strlen(val);
	while ((at = strstr(s, token)) != NULL) {
		if ((out = malloc(strlen(s) - tl + vl + 1)) == NULL)
			ck_abort_msg("out of memory");
		memcpy(out, s, (size_t)(at - s));
		memcpy(out + (at - s), val, vl);
		strcpy(out + (at - s) + vl, at + tl);
		free(s);
		s = out;
	}
	return (s);
}

static void
h_vwrite(const char *path, const char *head, const char *fmt, va_list ap)
{
	char *s;
	FILE *f;

	if (vasprintf(&s, fmt, ap) < 0)
		ck_abort_msg("vasprintf failed");
	s = h_subst(s, "@SLEEPER@", "FX_SLEEPER");
	s = h_subst(s, "@CRASHER@", "FX_CRASHER");
	s = h_subst(s, "@FORKER@", "FX_FORKER");
	s = h_subst(s, "@NOTIFY@", "FX_NOTIFY");
	if ((f = fopen(path, "we")) == NULL)
		ck_abort_msg("fopen %s: %s", path, strerror(errno));
	if (fputs(head, f) == EOF || fputs(s, f) == EOF || fclose(f) == EOF)
		ck_abort_msg("writing %s: %s", path, strerror(errno));
	free(s);
}

/* The test's tree file, named `t`, with its socket and logs in the folder. */
void
h_yaml(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	h_vwrite(H.yaml, "name: t\ncontrol: {socket: run/t.sock}\n"
	    "log: {dir: logs}\n", fmt, ap);
	va_end(ap);
}

void
h_write(const char *name, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	H_FMT(path, "%s/%s", H.dir, name);
	va_start(ap, fmt);
	h_vwrite(path, "", fmt, ap);
	va_end(ap);
}

bool
h_file_has(const char *path, const char *needle)
{
	char *s = h_read(path);
	bool r = s != NULL && strstr(s, needle) != NULL;

	free(s);
	return (r);
}

/* --- pmtree.log ----------------------------------------------------------- */

/* The NTH (0-based) line of pmtree.log holding NEEDLE: its index, its text. */
static int
h_log_find(const char *needle, int nth, char *line, size_t len)
{
	char *s = h_read(H.log), *p, *nl;
	int idx = 0, found = -1;

	if (s == NULL)
		return (-1);
	for (p = s; *p != '\0'; p = nl + 1, idx++) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;	/* a line still being written */
		*nl = '\0';
		if (strstr(p, needle) != NULL && nth-- == 0) {
			found = idx;
			if (line != NULL)
				snprintf(line, len, "%s", p);
			break;
		}
	}
	free(s);
	return (found);
}

int
h_log_count(const char *needle)
{
	int n = 0;

	while (h_log_find(needle, n, NULL, 0) >= 0)
		n++;
	return (n);
}

int
h_log_index(const char *needle, int nth)
{
	return (h_log_find(needle, nth, NULL, 0));
}

pid_t
h_log_pid(const char *needle, int nth)
{
	char line[1200], *p;

	if (h_log_find(needle, nth, line, sizeof(line)) < 0 ||
	    (p = strstr(line, "(pid ")) == NULL)
		return (0);
	return ((pid_t)atoi(p + 5));
}

/* --- starts files ----------------------------------------------------------- */

int
h_read_starts(const char *path, struct hstart *v, int max)
{
	char *s = h_read(path), *p, *nl;
	unsigned long long ns;
	int n = 0, pid, w, ss;

	if (s == NULL)
		return (0);
	for (p = s; n < max && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		memset(&v[n], 0, sizeof(v[n]));
		w = ss = 0;
		if (sscanf(p, "%d %llu %127s %d %d %d", &pid, &ns, v[n].name,
		    &v[n].instance, &w, &ss) < 4)
			ck_abort_msg("bad line in %s: %s", path, p);
		v[n].pid = pid;
		v[n].ns = ns;
		v[n].worker = w;
		v[n].setsid = ss;
		n++;
	}
	free(s);
	return (n);
}

/* How many starts NAME has; *OUT = the NTH (0-based, -1 = last) or zeroes. */
static int
h_find_start(const char *name, int nth, struct hstart *out)
{
	static struct hstart v[1024];
	int n = h_read_starts(H.starts, v, 1024), i, k = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) != 0)
			continue;
		if (k == nth || nth == -1)
			*out = v[i];
		k++;
	}
	return (k);
}

int
h_starts_of(const char *name)
{
	struct hstart s;

	return (h_find_start(name, 0, &s));
}

pid_t
h_pid_of(const char *name, int nth)
{
	struct hstart s;

	(void)h_find_start(name, nth, &s);
	return (s.pid);
}

uint64_t
h_ns_of(const char *name, int nth)
{
	struct hstart s;

	(void)h_find_start(name, nth, &s);
	return (s.ns);
}

/* --- processes ------------------------------------------------------------ */

static bool
h_stat(pid_t pid, char *state, pid_t *ppid, pid_t *pgid)
{
	char path[64], *s, *p;
	int pp, pg;
	bool ok = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((s = h_read(path)) == NULL)
		return (false);
	if ((p = strrchr(s, ')')) != NULL &&
	    sscanf(p + 1, " %c %d %d", state, &pp, &pg) == 3) {
		*ppid = pp;
		*pgid = pg;
		ok = true;
	}
	free(s);
	return (ok);
}

char
h_state(pid_t pid)
{
	char st;
	pid_t pp, pg;

	return (pid > 0 && h_stat(pid, &st, &pp, &pg) ? st : 0);
}

pid_t
h_ppid(pid_t pid)
{
	char st;
	pid_t pp, pg;

	return (pid > 0 && h_stat(pid, &st, &pp, &pg) ? pp : 0);
}

pid_t
h_pgid(pid_t pid)
{
	char st;
	pid_t pp, pg;

	return (pid > 0 && h_stat(pid, &st, &pp, &pg) ? pg : 0);
}

/* Alive: exists and is neither a zombie nor dead. */
bool
h_alive(pid_t pid)
{
	char st = h_state(pid);

	return (st != 0 && st != 'Z' && st != 'X' && kill(pid, 0) == 0);
}

bool
h_gone(pid_t pid)
{
	return (!h_alive(pid));
}

/* The first string of /proc/PID/cmdline (the whole title for pmtree's). */
bool
h_cmdline(pid_t pid, char *buf, size_t len)
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

bool
h_environ_has(pid_t pid, const char *entry)
{
	char path[64], buf[65536];
	size_t el = strlen(entry) + 1, off = 0, len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (false);
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	for (off = 0; off < len; off += strlen(buf + off) + 1) {
		if (memcmp(buf + off, entry, el) == 0)
			return (true);
	}
	return (false);
}

/*
 * Ours: the process's folder is the test's (pmtree runs there and its
 * workers default to it), or it carries the tag in its environment.
 */
static bool
h_marked(pid_t pid)
{
	char path[64], cwd[PATH_MAX], tag[PATH_MAX + 16];
	size_t dl = strlen(H.dir);
	ssize_t n;

	if (H.dir[0] == '\0')
		return (false);
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	if ((n = readlink(path, cwd, sizeof(cwd) - 1)) > 0) {
		cwd[n] = '\0';
		if (strncmp(cwd, H.dir, dl) == 0 &&
		    (cwd[dl] == '\0' || cwd[dl] == '/'))
			return (true);
	}
	snprintf(tag, sizeof(tag), "PMTREE_IT_TAG=%s", H.dir);
	return (h_environ_has(pid, tag));
}

/* Every pid in /proc; returns how many. */
static int
h_all_pids(pid_t *v, int max)
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

/* Our live processes; those titled "pmtree…" only when PMTREE_ONLY. */
static int
h_marked_pids(pid_t *out, int max, bool pmtree_only)
{
	static pid_t all[H_MAXPROCS];
	char cmd[256];
	int n = h_all_pids(all, H_MAXPROCS), i, k = 0;

	for (i = 0; i < n && k < max; i++) {
		if (all[i] == getpid() || !h_alive(all[i]) || !h_marked(all[i]))
			continue;
		if (pmtree_only && (!h_cmdline(all[i], cmd, sizeof(cmd)) ||
		    strncmp(cmd, "pmtree", 6) != 0))
			continue;
		out[k++] = all[i];
	}
	return (k);
}

int
h_tree_procs(pid_t *out, int max)
{
	return (h_marked_pids(out, max, true));
}

int
h_marked_alive(void)
{
	static pid_t v[H_MAXPROCS];

	return (h_marked_pids(v, H_MAXPROCS, false));
}

/* A live process of this test whose title is exactly TITLE; 0 if none. */
pid_t
h_find_title(const char *title)
{
	pid_t v[64];
	char cmd[256];
	int n = h_tree_procs(v, 64), i;

	for (i = 0; i < n; i++) {
		if (h_cmdline(v[i], cmd, sizeof(cmd)) && strcmp(cmd, title) == 0)
			return (v[i]);
	}
	return (0);
}

/* Zombies whose parent is one of this test's pmtree processes. */
int
h_zombies(void)
{
	static pid_t all[H_MAXPROCS];
	pid_t sup[64], pp, pg;
	int n, ns, i, k, z = 0;
	char st;

	ns = h_tree_procs(sup, 64);
	n = h_all_pids(all, H_MAXPROCS);
	for (i = 0; i < n; i++) {
		if (!h_stat(all[i], &st, &pp, &pg) || st != 'Z')
			continue;
		for (k = 0; k < ns; k++) {
			if (pp == sup[k])
				z++;
		}
	}
	return (z);
}

/* --- pmtree --------------------------------------------------------------- */

__attribute__((noreturn)) static void
h_exec_pmtree(const struct hrun *r, const char *config, bool detach)
{
	const char *bin = getenv("PMTREE_BIN");
	int null, out, err;

	if (setpgid(0, 0) < 0 || chdir(H.dir) < 0)
		_exit(126);
	null = open("/dev/null", O_RDONLY);
	out = open(r->out, O_WRONLY | O_CREAT | O_APPEND, 0644);
	err = open(r->err, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (null < 0 || out < 0 || err < 0 || dup2(null, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	if (setenv("FX_STARTS", H.starts, 1) < 0 ||
	    setenv("FX_KIDS", H.kids, 1) < 0 ||
	    setenv("PMTREE_IT_TAG", H.dir, 1) < 0 ||
	    unsetenv("PMTREE_SOCKET") < 0)
		_exit(126);
	if (detach)
		execl(bin, "pmtree", "run", "-d", config, (char *)NULL);
	else
		execl(bin, "pmtree", "run", config, (char *)NULL);
	_exit(127);
}

static void
h_spawn_run(struct hrun *r, const char *tag, const char *config, bool detach)
{
	pid_t pid;

	ck_assert_msg(getenv("PMTREE_BIN") != NULL, "PMTREE_BIN is not set");
	ck_assert_msg(h_nruns < H_MAXRUNS, "too many runs");
	memset(r, 0, sizeof(*r));
	H_FMT(r->out, "%s/%s.out", H.dir, tag);
	H_FMT(r->err, "%s/%s.err", H.dir, tag);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0)
		h_exec_pmtree(r, config, detach);
	(void)setpgid(pid, pid);	/* also done by the child: no race */
	r->pid = pid;
	h_runs[h_nruns++] = pid;
}

/* Starts `pmtree run CONFIG` with output in <dir>/TAG.out and TAG.err. */
void
h_spawn(struct hrun *r, const char *tag, const char *config)
{
	h_spawn_run(r, tag, config, false);
}

/* The same with -d: R is the caller, which waits for the tree. */
void
h_spawn_detached(struct hrun *r, const char *tag, const char *config)
{
	h_spawn_run(r, tag, config, true);
}

void
h_start(void)
{
	h_spawn(&H.run, "pmtree", H.yaml);
}

/* Starts the tree; waits for `tree t is up` and NSTARTS lines in starts. */
void
h_start_up(int nstarts)
{
	h_start();
	h_assert(H_UNTIL(h_log_count("tree t is up") > 0 || h_done(&H.run)) &&
	    !H.run.done, "the tree did not come up");
	h_wait_starts(nstarts);
}

void
h_wait_starts(int n)
{
	h_assert(H_UNTIL(h_lines(H.starts) >= n), "%d starts, want %d",
	    h_lines(H.starts), n);
}

bool
h_done(struct hrun *r)
{
	int st;

	if (r->done)
		return (true);
	if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
		r->done = true;
		r->status = st;
	}
	return (r->done);
}

/* Its exit code (128 + N if killed by signal N), or -1 if still running. */
int
h_wait_exit(struct hrun *r, uint64_t deadline_ms)
{
	if (!H_UNTIL_MS(deadline_ms, h_done(r)))
		return (-1);
	if (WIFEXITED(r->status))
		return (WEXITSTATUS(r->status));
	return (128 + WTERMSIG(r->status));
}

/* kill(2) for a pid that must be real: never 0 or -1 (our own group). */
bool
h_kill(pid_t pid, int sig)
{
	return (pid > 0 && kill(pid, sig) == 0);
}

void
h_signal(int sig)
{
	ck_assert_msg(kill(H.run.pid, sig) == 0, "kill %d: %s",
	    (int)H.run.pid, strerror(errno));
}

/* --- set-up and clean-up ------------------------------------------------- */

/* SIGKILLs every process of this test until none is left (bounded). */
static void
h_kill_all(void)
{
	static pid_t v[H_MAXPROCS];
	uint64_t deadline = h_now_ms() + 10000;
	int i, n;

	for (i = 0; i < h_nruns; i++) {
		(void)kill(-h_runs[i], SIGKILL);
		(void)kill(h_runs[i], SIGKILL);
	}
	do {
		n = h_marked_pids(v, H_MAXPROCS, false);
		for (i = 0; i < n; i++)
			(void)kill(v[i], SIGKILL);
		if (n > 0)
			h_nap();
	} while (n > 0 && h_now_ms() < deadline);
}

static int
h_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)remove(path);
	return (0);
}

/*
 * The guard outlives a test that failed (Check _exits it on a failed
 * assertion, or kills it on a timeout): when the pipe closes it kills what
 * is left and removes the folder, unless a failure left FAILED in it.
 */
__attribute__((noreturn)) static void
h_guard(int rfd)
{
	char c, path[PATH_MAX + 8];
	int null;

	(void)setsid();		/* out of the reach of Check's killpg */
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		(void)dup2(null, 0);
		(void)dup2(null, 1);
		(void)dup2(null, 2);
	}
	while (read(rfd, &c, 1) < 0 && errno == EINTR)
		;
	h_kill_all();
	snprintf(path, sizeof(path), "%s/FAILED", H.dir);
	if (access(path, F_OK) < 0 && getenv("PMTREE_TEST_KEEP") == NULL)
		(void)nftw(H.dir, h_rm, 16, FTW_DEPTH | FTW_PHYS);
	_exit(0);
}

static void
h_setup(void)
{
	char rt[PATH_MAX];
	int p[2];

	memset(&H, 0, sizeof(H));
	h_nruns = 0;
	snprintf(H.dir, sizeof(H.dir), "/tmp/pmtree-it.XXXXXX");
	if (mkdtemp(H.dir) == NULL)
		ck_abort_msg("mkdtemp: %s", strerror(errno));
	H_FMT(H.yaml, "%s/t.yaml", H.dir);
	H_FMT(H.starts, "%s/starts", H.dir);
	H_FMT(H.kids, "%s/kids", H.dir);
	H_FMT(H.log, "%s/logs/pmtree.log", H.dir);
	/*
	 * A root links its socket into <rundir> (doc/protocol.md): the test's
	 * own, not the user's, where trees of other tests would meet.
	 */
	H_FMT(rt, "%s/rt", H.dir);
	if (setenv("XDG_RUNTIME_DIR", rt, 1) < 0)
		ck_abort_msg("setenv XDG_RUNTIME_DIR: %s", strerror(errno));
	if (pipe2(p, O_CLOEXEC) < 0)
		ck_abort_msg("pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	if ((h_guard_pid = fork()) < 0)
		ck_abort_msg("fork: %s", strerror(errno));
	if (h_guard_pid == 0) {
		close(p[1]);
		h_guard(p[0]);
	}
	close(p[0]);
	h_guard_fd = p[1];
	/* Orphans come to us, not to an init that may never reap them. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		ck_abort_msg("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
}

static void
h_teardown(void)
{
	int i, st;

	h_kill_all();
	for (i = 0; i < h_nruns; i++)
		(void)waitpid(h_runs[i], &st, WNOHANG);
	close(h_guard_fd);
	(void)waitpid(h_guard_pid, &st, 0);
	/* Adopted orphans, all killed by now. */
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
}

static void
h_dump_file(const char *title, const char *path)
{
	char *s = h_read(path);

	fprintf(stderr, "---- %s (%s)\n%s", title, path, s ? s : "(none)\n");
	free(s);
}

/* Shows what happened, and keeps the folder. */
void
h_dump(void)
{
	char path[PATH_MAX + 8];
	int fd;

	h_dump_file("pmtree.log", H.log);
	h_dump_file("pmtree stderr", H.run.err);
	h_dump_file("starts", H.starts);
	h_dump_file("kids", H.kids);
	snprintf(path, sizeof(path), "%s/FAILED", H.dir);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0644)) >= 0)
		close(fd);
	fprintf(stderr, "---- kept %s\n", H.dir);
}

TCase *
h_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, h_setup, h_teardown);
	tcase_set_timeout(tc, 60);
	return (tc);
}

int
h_main(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? 0 : 1);
}

int
h_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return (n);
}

long
h_rss_kib(pid_t pid)
{
	char path[64], *s, *p;
	long r = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((s = h_read(path)) == NULL)
		return (-1);
	if ((p = strstr(s, "\nVmRSS:")) != NULL)
		r = strtol(p + 7, NULL, 10);
	free(s);
	return (r);
}

bool
h_has_fd_to(pid_t pid, const char *path)
{
	char dir[64], link[PATH_MAX + 64], target[PATH_MAX];
	struct dirent *e;
	bool found = false;
	ssize_t n;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if ((d = opendir(dir)) == NULL)
		return (false);
	while (!found && (e = readdir(d)) != NULL) {
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			found = strcmp(target, path) == 0;
		}
	}
	closedir(d);
	return (found);
}

/* --- TCP ----------------------------------------------------------------- */

int
h_listen_any(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0 ||
	    listen(fd, 8) < 0)
		ck_abort_msg("a loopback listener: %s", strerror(errno));
	*port = ntohs(sin.sin_port);
	return (fd);
}

int
h_free_port(void)
{
	int port, fd = h_listen_any(&port);

	close(fd);
	return (port);
}
