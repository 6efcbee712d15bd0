/*
 * The integration harness: one temporary folder per test, a YAML file in it,
 * `pmtree run` started in its own process group with its output in files,
 * and polling helpers that wait for a condition with a deadline.
 *
 * Every process of a test's tree carries PMTREE_IT_TAG=<the folder> in its
 * environment, so the cleanup (the fixture's teardown, or a guard process
 * when a failed assertion _exits the test) finds and SIGKILLs all of them.
 *
 * Starts files: $FX_STARTS is <dir>/starts, $FX_KIDS is <dir>/kids (see
 * tests/fixtures/fx.h for the line format).
 */
#ifndef PMTREE_HARNESS_H
#define PMTREE_HARNESS_H

#include <sys/types.h>

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <check.h>

#define H_DEADLINE_MS	15000	/* for what should take milliseconds */
#define H_NAP_MS	10

struct hrun {
	pid_t	pid;
	bool	done;
	int	status;		/* wait status, once done */
	char	out[PATH_MAX];
	char	err[PATH_MAX];
};

struct hstart {
	pid_t		pid;
	uint64_t	ns;		/* CLOCK_MONOTONIC at its start */
	char		name[128];	/* PMTREE_NAME */
	int		instance;
	pid_t		worker;		/* kids file only: the forker */
	int		setsid;		/* kids file only */
};

struct h {
	char		dir[PATH_MAX];
	char		yaml[PATH_MAX];
	char		starts[PATH_MAX];
	char		kids[PATH_MAX];
	char		log[PATH_MAX];	/* <dir>/logs/pmtree.log */
	struct hrun	run;		/* the main `pmtree run` */
};

extern struct h H;

/* Polls EXPR every H_NAP_MS until true or DEADLINE ms passed; its value. */
#define H_UNTIL_MS(deadline, expr) __extension__ ({			\
	uint64_t h_dl_ = h_now_ms() + (deadline);			\
	bool h_ok_;							\
	while (!(h_ok_ = (expr)) && h_now_ms() < h_dl_)			\
		h_nap();						\
	h_ok_;								\
})
#define H_UNTIL(expr)	H_UNTIL_MS(H_DEADLINE_MS, expr)

/* snprintf into the array BUF, aborting the test if it does not fit. */
#define H_FMT(buf, ...) do {						\
	int h_n_ = snprintf((buf), sizeof(buf), __VA_ARGS__);		\
	if (h_n_ < 0 || (size_t)h_n_ >= sizeof(buf))			\
		ck_abort_msg("path too long");				\
} while (0)

/* ck_assert_msg that first dumps pmtree's log and output to stderr. */
#define h_assert(expr, ...) do {					\
	bool h_c_ = (expr);						\
	if (!h_c_)							\
		h_dump();						\
	ck_assert_msg(h_c_, __VA_ARGS__);				\
} while (0)

/* Suites. */
TCase	*h_tcase(const char *name);
int	 h_main(Suite *);

/* Files. "@SLEEPER@", "@CRASHER@", "@FORKER@", "@NOTIFY@" become paths. */
void	 h_yaml(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 h_write(const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
char	*h_read(const char *path);
int	 h_lines(const char *path);

/* pmtree. */
void	 h_spawn(struct hrun *, const char *tag, const char *config);
void	 h_spawn_detached(struct hrun *, const char *tag, const char *config);
void	 h_start(void);
void	 h_start_up(int nstarts);
void	 h_wait_starts(int n);
bool	 h_done(struct hrun *);
int	 h_wait_exit(struct hrun *, uint64_t deadline_ms);
void	 h_signal(int sig);
bool	 h_kill(pid_t, int sig);

/* pmtree.log. */
int	 h_log_count(const char *needle);
int	 h_log_index(const char *needle, int nth);
pid_t	 h_log_pid(const char *needle, int nth);
bool	 h_file_has(const char *path, const char *needle);

/* Starts files. */
int	 h_read_starts(const char *path, struct hstart *, int max);
int	 h_starts_of(const char *name);
pid_t	 h_pid_of(const char *name, int nth);
uint64_t h_ns_of(const char *name, int nth);

/* Processes. */
bool	 h_alive(pid_t);
bool	 h_gone(pid_t);
char	 h_state(pid_t);
pid_t	 h_ppid(pid_t);
pid_t	 h_pgid(pid_t);
bool	 h_cmdline(pid_t, char *buf, size_t len);
bool	 h_environ_has(pid_t, const char *entry);
pid_t	 h_find_title(const char *title);
/* How many fds PID has open, its VmRSS in KiB; -1 if it is gone. */
int	 h_fds(pid_t);
long	 h_rss_kib(pid_t);
/* PID has a descriptor open on PATH (as /proc/PID/fd shows it). */
bool	 h_has_fd_to(pid_t, const char *path);
int	 h_tree_procs(pid_t *out, int max);
int	 h_zombies(void);
int	 h_marked_alive(void);

/* A loopback listener on a free port (*PORT); a port free a moment ago. */
int	 h_listen_any(int *port);
int	 h_free_port(void);

/* Time. */
uint64_t h_now_ms(void);
void	 h_nap(void);

void	 h_dump(void);

#endif
