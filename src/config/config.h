/*
 * The tree model: a YAML file loaded into an immutable tree of groups and
 * workers, every default merged, every duration and size parsed and every
 * relative path resolved.  Nothing outside src/config/ builds or changes it.
 */
#ifndef PMTREE_CONFIG_H
#define PMTREE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "diag.h"

/* A duration that never ends (`shutdown: infinity`). */
#define CFG_INFINITY UINT64_MAX

/* Limits against abuse; going over one is an error, never a crash. */
#define CFG_MAX_DEPTH	 32
#define CFG_MAX_WORKERS	 10000	/* counting instances */
#define CFG_MAX_FILESIZE (1024 * 1024)

enum cfg_kind { CFG_GROUP, CFG_WORKER };

enum cfg_strategy {
	CFG_ONE_FOR_ONE,
	CFG_ONE_FOR_ALL,
	CFG_REST_FOR_ONE,
};

enum cfg_restart {
	CFG_PERMANENT,
	CFG_TRANSIENT,
	CFG_TEMPORARY,
};

enum cfg_ready {
	CFG_READY_NONE,
	CFG_READY_NOTIFY,
	CFG_READY_FD,	/* s6 style: a newline on fd `ready_fd` */
	CFG_READY_TCP,
	CFG_READY_HTTP,
	CFG_READY_EXITED,	/* a one-shot step: ready once it exited normally */
};

/* Who must hold a tcp/http gate's port (SPEC §8): `owner: worker|any`. */
enum cfg_owner { CFG_OWNER_WORKER, CFG_OWNER_ANY };

enum cfg_format { CFG_FORMAT_TEXT, CFG_FORMAT_JSON };

/*
 * struct cfg_worker's tmpl: the keys whose values hold placeholders
 * (tmpl.h), found at load time, so that a start of any other worker
 * expands nothing.
 */
#define CFG_TMPL_CMD	0x01	/* argv */
#define CFG_TMPL_ENV	0x02	/* env: values only */
#define CFG_TMPL_CWD	0x04	/* cwd_shown (the text written) */
#define CFG_TMPL_READY	0x08	/* ready_host, ready_port, ready_url */

/* The highest port an instance may get: `port` + instances - 1. */
#define CFG_MAX_PORT	65535

/* A per-worker boolean that may be left to the tree's log settings. */
enum cfg_tristate { CFG_INHERIT = -1, CFG_OFF = 0, CFG_ON = 1 };

/*
 * log.stdout: how a line is echoed on pmtree's stdout.  false and true are
 * CFG_OFF and CFG_ON, so that a worker's value is a tristate's or more.
 */
enum cfg_echo {
	CFG_ECHO_OFF = CFG_OFF,
	CFG_ECHO_ON = CFG_ON,	/* "<path> | <line>" */
	CFG_ECHO_RAW,		/* the line only */
	CFG_ECHO_JSON,		/* the JSON record */
};

struct cfg_worker {
	char		**argv;		/* NULL-terminated, argc >= 1 */
	size_t		  argc;
	struct diag_pos	  cmd_pos;	/* of argv[0] in the file */
	char		 *cwd;		/* absolute */
	char		 *cwd_shown;	/* for messages: as written, or the folder */
	char		**env;		/* "KEY=VALUE", NULL-terminated */
	size_t		  nenv;
	char		**env_file;	/* absolute paths, read at each start */
	char		**env_file_shown;	/* the same as written */
	struct diag_pos	 *env_file_pos;	/* of each, in the YAML file */
	size_t		  n_env_file;	/* the count of all three */
	unsigned	  instances;	/* >= 1 */
	unsigned	  port;		/* instance k gets PORT=port+k; 0: none */
	unsigned	  tmpl;		/* CFG_TMPL_*: where placeholders are */
	enum cfg_restart  restart;
	int		 *normal_exit_codes;
	size_t		  n_normal_exit_codes;
	uint64_t	 *backoff_ms;	/* n_backoff >= 1; the last repeats */
	size_t		  n_backoff;
	uint64_t	  stable_after_ms;
	uint64_t	  shutdown_ms;	/* 0 = brutal_kill, CFG_INFINITY = wait */
	int		  stop_signal;
	char		**stop_argv;	/* stop_command: NULL-terminated */
	size_t		  stop_argc;	/* 0: none, the stop signal is sent */
	enum cfg_ready	  ready;
	int		  ready_fd;	/* CFG_READY_FD */
	char		 *ready_host;	/* CFG_READY_TCP */
	char		 *ready_port;	/* CFG_READY_TCP */
	char		 *ready_url;	/* CFG_READY_HTTP */
	enum cfg_owner	  ready_owner;	/* CFG_READY_TCP, CFG_READY_HTTP */
	uint64_t	  ready_timeout_ms;
	uint64_t	  watchdog_ms;	/* 0 = off */
	uint64_t	  max_memory;	/* bytes of RSS, 0 = off */
	bool		  has_uid;	/* `user`: run as this user */
	uid_t		  uid;
	gid_t		  user_gid;	/* that user's own group */
	bool		  has_gid;	/* `group`: run in this group */
	gid_t		  gid;
	bool		  log_off;	/* `log: off` */
	int		  log_stdout;	/* CFG_INHERIT or an enum cfg_echo */
	enum cfg_tristate log_file;
};

/* When a group ends by itself: OTP's auto_shutdown. */
enum cfg_auto_shutdown {
	CFG_AUTO_NEVER,
	CFG_AUTO_ANY,	/* the first significant child that terminates */
	CFG_AUTO_ALL,	/* once every significant child has terminated */
};

struct cfg_group {
	enum cfg_strategy   strategy;
	bool		    parallel;	/* `start: parallel` */
	enum cfg_auto_shutdown auto_shutdown;
	unsigned	    intensity;
	uint64_t	    period_ms;
	enum cfg_restart    restart;	/* the parent's judgement of its exit */
	struct cfg_node	  **children;	/* in start order */
	size_t		    nchildren;
};

struct cfg_node {
	enum cfg_kind	  kind;
	char		 *name;		/* "" for the root */
	char		 *path;		/* "api/web"; "" for the root */
	unsigned	  id;		/* preorder index, root = 0 */
	unsigned	  depth;	/* root = 0 */
	struct cfg_node	 *parent;	/* NULL for the root */
	struct diag_pos	  pos;		/* where the node starts in the file */
	/*
	 * `after`: the earlier siblings it needs, as indices into the parent's
	 * children (so a need always points back: no cycle can be written).
	 */
	unsigned	 *after;
	size_t		  nafter;
	bool		  has_after;	/* else the group's `start` decides */
	bool		  autostart;
	bool		  significant;
	union {
		struct cfg_group  group;
		struct cfg_worker worker;
	};
};

struct cfg_log {
	char		*dir;		/* absolute */
	enum cfg_echo	 to_stdout;
	enum cfg_format	 format;
	uint64_t	 max_size;	/* bytes, 0 = never rotate */
	unsigned	 keep;
};

struct cfg_tree {
	char		*file;		/* the path as given */
	char		*dir;		/* the file's folder, absolute */
	char		*name;		/* tree name */
	char		*control_socket;	/* absolute, or NULL: not set */
	char		*control_http;		/* "host:port", or NULL */
	struct diag_pos	 control_http_pos;	/* of its value in the file */
	struct cfg_log	 log;
	struct cfg_node	*root;		/* a CFG_GROUP; root->name is "" */
	struct cfg_node **nodes;	/* every node by id */
	size_t		 nnodes;
	size_t		 nworkers;	/* counting instances */
	uint64_t	 digest;	/* of the file's bytes: same file, same tree */
};

/*
 * Loads and validates FILE.  Returns the tree, or NULL with every error
 * appended to DIAG (none are printed).  The caller owns the tree.
 */
struct cfg_tree	*config_load(const char *file, struct diag *diag);
/* The same from LEN bytes in memory; FILE names them (and their folder). */
struct cfg_tree	*config_load_buffer(const char *file, const char *buf,
		    size_t len, struct diag *);
/*
 * As config_load, but the tree is kept as far as it could be read, errors
 * or not (*VALID says): `pmtree check` warns about it too.  A tree that is
 * not valid may lack nodes, and workers their argv; it is never run.
 * NULL when not even that could be read.
 */
struct cfg_tree	*config_load_draft(const char *file, struct diag *,
		    bool *valid);
void		 config_free(struct cfg_tree *);

/* Looks a node up by path ("api/web"; "" is the root); NULL if none. */
struct cfg_node	*config_find(const struct cfg_tree *, const char *path);

/*
 * Lets go of every node but the one at PATH, what is below it, and its
 * ancestors, each left with the one child on the way: all a group
 * supervisor needs of a tree it loaded itself.  Ids stay; nodes[id] is
 * NULL for a node let go.  -1 (nothing changed) if PATH is not there.
 */
int		 config_subtree(struct cfg_tree *, const char *path);

/*
 * True if two workers would run the same way: every key but `instances`
 * (a change of count alone adds or removes instances, it restarts nothing)
 * and `stop_command` (how it stops: the next stop uses the new one).
 */
bool		 config_worker_same(const struct cfg_worker *,
		    const struct cfg_worker *);

/* A worker's or a group's restart type: how its parent judges its exit. */
enum cfg_restart config_restart(const struct cfg_node *);
/*
 * An instance's name, as PMTREE_NAME, status, metrics and the logs give
 * it: PATH alone, or "PATH:K" when its worker runs several (MULTI).
 * snprintf's contract; _dup allocates it.
 */
int	config_instance_name(char *buf, size_t len, const char *path,
	    unsigned instance, bool multi);
char	*config_instance_name_dup(const char *path, unsigned instance,
	    bool multi);

/*
 * S as the loader resolves a path (`cwd`): relative to DIR unless it is
 * absolute, "." segments and repeated slashes removed.  Allocated.
 */
char	*config_path(const char *dir, const char *s);

/* Prints the tree one line a node, as `pmtree check` shows it. */
void		 config_print(const struct cfg_tree *, FILE *);

#endif
