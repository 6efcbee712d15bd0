/*
 * The worker keys, one descriptor each: the key lists of a worker and of
 * `defaults`, the parser of each key, and the fields each one sets, from
 * which a worker's built-in settings, its copy (what `defaults` hands
 * down), its freeing and the reload comparison all follow.  A new key is
 * one entry here, plus its parser if no kind in cfgkind.c reads it.
 */
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "cfgint.h"

#define OFF(m)		offsetof(struct cfg_worker, m)
#define SZ(m)		sizeof(((struct cfg_worker *)NULL)->m)
#define NITEMS(v)	(sizeof(v) / sizeof((v)[0]))

/* Whether a change of the field restarts the worker on reload. */
#define CMP		true
#define NOCMP		false

#define F_NUM(m, d, c)	{ CFGF_SCALAR, OFF(m), SZ(m), 0, c, d, NULL, 0 }
#define F_STR(m)	{ CFGF_STR, OFF(m), 0, 0, CMP, 0, NULL, 0 }
#define F_DIR(m, c)	{ CFGF_DIR, OFF(m), 0, 0, c, 0, NULL, 0 }
#define F_STRV(m, n, c)	{ CFGF_STRV, OFF(m), 0, OFF(n), c, 0, NULL, 0 }
#define F_ARRAY(m, n, v) \
	{ CFGF_ARRAY, OFF(m), sizeof((v)[0]), OFF(n), CMP, 0, v, NITEMS(v) }
/* Positions in the file, for messages: empty at first, never compared. */
#define F_POS(m, n) \
	{ CFGF_ARRAY, OFF(m), sizeof(struct diag_pos), OFF(n), NOCMP, 0, NULL, 0 }

#define W		CFGK_WORKER
#define D		CFGK_DEFAULTS
#define SEC		1000
#define MIN		(60 * SEC)

const char *const cfgkey_restart_names[] = {
	"permanent", "transient", "temporary", NULL,
};

static const char *const stop_signals[] = {
	"TERM", "INT", "QUIT", "HUP", "USR1", "USR2", "KILL", NULL,
};

static const char *const shutdown_words[] = {
	"brutal_kill", "infinity", NULL,
};
static const uint64_t shutdown_values[] = { 0, CFG_INFINITY };

static const char *const watchdog_words[] = { "off", NULL };
static const uint64_t watchdog_values[] = { 0 };

static const char *const max_memory_words[] = { "off", NULL };
static const uint64_t max_memory_values[] = { 0 };


static const int default_exit_codes[] = { 0 };

static const uint64_t default_backoff[] = {
	0, 100, 500, 1 * SEC, 10 * SEC, 30 * SEC, 1 * MIN, 5 * MIN, 15 * MIN,
};

/*
 * In the order of the suggestions ("did you mean") and of `pmtree check`'s
 * columns.  A key without .print is not shown by `pmtree check`; a field
 * that no key lists (cmd_pos, tmpl) is copied as it is and never compared.
 * A key with .tmpl takes placeholders (tmpl.h): its parser checks them and
 * sets or clears that bit of the worker's tmpl.
 */
const struct cfgkey cfgkeys[] = {
	{ .name = "name", .where = W | CFGK_OWN },
	/* A child's place among its siblings (cfggroup.c reads them). */
	{ .name = "after", .where = W | CFGK_OWN },
	{ .name = "autostart", .where = W | CFGK_OWN },
	{ .name = "significant", .where = W | CFGK_OWN },
	{ .name = "cmd", .where = W | CFGK_OWN, .parse = cfgworker_cmd,
	  .print = cfgprint_cmd, .example = "./b", .tmpl = CFG_TMPL_CMD,
	  .f = { F_STRV(argv, argc, CMP) } },
	{ .name = "cwd", .where = W | D, .parse = cfgworker_cwd,
	  .example = "/tmp", .tmpl = CFG_TMPL_CWD,
	  .f = { F_DIR(cwd, CMP), F_DIR(cwd_shown, NOCMP) } },
	{ .name = "env", .where = W | D, .parse = cfgkind_map,
	  .example = "{A: b}", .tmpl = CFG_TMPL_ENV,
	  .f = { F_STRV(env, nenv, CMP) } },
	{ .name = "env_file", .where = W | D, .parse = cfgworker_env_file,
	  .example = ".env",
	  .f = { F_STRV(env_file, n_env_file, CMP),
	      F_STRV(env_file_shown, n_env_file, NOCMP),
	      F_POS(env_file_pos, n_env_file) } },
	{ .name = "instances", .where = W | D, .parse = cfgkind_uint,
	  .print = cfgprint_count, .min = 1, .max = UINT_MAX,
	  .example = "3",
	  .f = { F_NUM(instances, 1, NOCMP) } },
	/* Ports for several workers: only a worker's own (tmpl.h, cfgtmpl.c). */
	{ .name = "port", .where = W | CFGK_OWN, .parse = cfgkind_uint,
	  .print = cfgprint_port, .min = 1, .max = CFG_MAX_PORT,
	  .example = "9100",
	  .f = { F_NUM(port, 0, CMP) } },
	{ .name = "restart", .where = W | D, .parse = cfgkind_enum,
	  .print = cfgprint_enum, .words = cfgkey_restart_names,
	  .example = "temporary",
	  .f = { F_NUM(restart, CFG_PERMANENT, CMP) } },
	{ .name = "normal_exit_codes", .where = W | D, .parse = cfgkind_uints,
	  .min = 0, .max = 255, .example = "[0, 3]",
	  .f = { F_ARRAY(normal_exit_codes, n_normal_exit_codes,
	      default_exit_codes) } },
	{ .name = "backoff", .where = W | D, .parse = cfgworker_backoff,
	  .example = "[1s]",
	  .f = { F_ARRAY(backoff_ms, n_backoff, default_backoff) } },
	{ .name = "stable_after", .where = W | D, .parse = cfgkind_duration,
	  .example = "10m",
	  .f = { F_NUM(stable_after_ms, 30 * MIN, CMP) } },
	{ .name = "shutdown", .where = W | D, .parse = cfgkind_duration,
	  .words = shutdown_words, .values = shutdown_values,
	  .example = "infinity",
	  .f = { F_NUM(shutdown_ms, 5 * SEC, CMP) } },
	{ .name = "stop_signal", .where = W | D, .parse = cfgkind_signal,
	  .words = stop_signals, .example = "QUIT",
	  .f = { F_NUM(stop_signal, SIGTERM, CMP) } },
	/* How it stops, not how it runs: a reload does not restart it. */
	{ .name = "stop_command", .where = W | D,
	  .parse = cfgworker_stop_command, .print = cfgprint_stop_command,
	  .example = "nginx -s quit",
	  .f = { F_STRV(stop_argv, stop_argc, NOCMP) } },
	{ .name = "ready", .where = W | D, .parse = cfgworker_ready,
	  .print = cfgprint_ready, .example = "{fd: 3}",
	  .tmpl = CFG_TMPL_READY,
	  .f = { F_NUM(ready, CFG_READY_NONE, CMP), F_NUM(ready_fd, 0, CMP),
	      F_STR(ready_host), F_STR(ready_port), F_STR(ready_url),
	      F_NUM(ready_owner, CFG_OWNER_WORKER, CMP) } },
	{ .name = "ready_timeout", .where = W | D, .parse = cfgkind_duration,
	  .example = "1m",
	  .f = { F_NUM(ready_timeout_ms, 30 * SEC, CMP) } },
	{ .name = "watchdog", .where = W | D, .parse = cfgkind_duration,
	  .words = watchdog_words, .values = watchdog_values,
	  .example = "10s",
	  .f = { F_NUM(watchdog_ms, 0, CMP) } },
	/* A limit watched, not a way to run: a change restarts nothing. */
	{ .name = "max_memory", .where = W | D, .parse = cfgkind_size,
	  .words = max_memory_words, .values = max_memory_values,
	  .min = 4096, .example = "80MB",
	  .f = { F_NUM(max_memory, 0, NOCMP) } },
	{ .name = "log", .where = W | D, .parse = cfgworker_log,
	  .example = "off",
	  .f = { F_NUM(log_off, false, CMP),
	      F_NUM(log_stdout, CFG_INHERIT, CMP),
	      F_NUM(log_file, CFG_INHERIT, CMP) } },
	{ .name = "user", .where = W, .parse = cfgworker_user,
	  .example = "0",
	  .f = { F_NUM(has_uid, false, CMP), F_NUM(uid, 0, CMP),
	      F_NUM(user_gid, 0, NOCMP) } },
	{ .name = "group", .where = W, .parse = cfgworker_group,
	  .example = "0",
	  .f = { F_NUM(has_gid, false, CMP), F_NUM(gid, 0, CMP) } },
};
const size_t cfgnkeys = NITEMS(cfgkeys);

const struct cfgkey *
cfgkey_find(const char *name, unsigned mask)
{
	size_t i;

	for (i = 0; i < cfgnkeys; i++) {
		if ((cfgkeys[i].where & mask) != 0 &&
		    strcmp(cfgkeys[i].name, name) == 0)
			return (&cfgkeys[i]);
	}
	return (NULL);
}

void *
cfgkey_field(struct cfg_worker *w, const struct cfgfield *f)
{
	return ((char *)w + f->off);
}

size_t *
cfgkey_count(struct cfg_worker *w, const struct cfgfield *f)
{
	return ((size_t *)(void *)((char *)w + f->noff));
}

/* Stores V in the SIZE bytes at P, as the scalar there reads it. */
void
cfgkey_put(void *p, size_t size, uint64_t v)
{
	uint32_t v32 = (uint32_t)v;
	uint16_t v16 = (uint16_t)v;
	uint8_t v8 = (uint8_t)v;

	if (size == 8)
		memcpy(p, &v, 8);
	else if (size == 4)
		memcpy(p, &v32, 4);
	else if (size == 2)
		memcpy(p, &v16, 2);
	else
		memcpy(p, &v8, 1);
}

void
cfgkey_set(struct cfg_worker *w, const struct cfgfield *f, uint64_t v)
{
	cfgkey_put(cfgkey_field(w, f), f->size, v);
}

uint64_t
cfgkey_get(const struct cfg_worker *w, const struct cfgfield *f)
{
	const char *p = (const char *)w + f->off;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	if (f->size == 8) {
		memcpy(&v64, p, 8);
		return (v64);
	}
	if (f->size == 4) {
		memcpy(&v32, p, 4);
		return (v32);
	}
	if (f->size == 2) {
		memcpy(&v16, p, 2);
		return (v16);
	}
	memcpy(&v8, p, 1);
	return (v8);
}

static char **
strv_copy(char *const *v, size_t n)
{
	char **c;
	size_t i;

	c = cfgval_reallocarray(NULL, n + 1, sizeof(*c));
	for (i = 0; i < n; i++)
		c[i] = cfgval_strdup(v[i]);
	c[n] = NULL;
	return (c);
}

static void
field_init(struct cfg_worker *w, const struct cfgfield *f, const char *dir)
{
	void *p = cfgkey_field(w, f);

	switch (f->type) {
	case CFGF_SCALAR:
		cfgkey_set(w, f, (uint64_t)f->def);
		break;
	case CFGF_DIR:
		*(char **)p = cfgval_strdup(dir);
		break;
	case CFGF_STRV:
		*(char ***)p = strv_copy(NULL, 0);
		break;
	case CFGF_ARRAY:
		*(void **)p = cfgval_memdup(f->defv, f->ndef, f->size);
		*cfgkey_count(w, f) = f->ndef;
		break;
	case CFGF_STR:
	case CFGF_END:
		break;
	}
}

/* A worker that sets no key, in a file in DIR. */
void
cfgworker_builtin(struct cfg_worker *w, const char *dir)
{
	const struct cfgfield *f;
	size_t i;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < cfgnkeys; i++) {
		for (f = cfgkeys[i].f; f->type != CFGF_END; f++)
			field_init(w, f, dir);
	}
}

/* After *DST = *SRC: DST's own copy of what SRC points to. */
static void
field_copy(struct cfg_worker *dst, const struct cfgfield *f)
{
	void *p = cfgkey_field(dst, f);
	size_t n;

	switch (f->type) {
	case CFGF_STR:
	case CFGF_DIR:
		if (*(char **)p != NULL)
			*(char **)p = cfgval_strdup(*(char **)p);
		break;
	case CFGF_STRV:
		*(char ***)p = strv_copy(*(char ***)p, *cfgkey_count(dst, f));
		break;
	case CFGF_ARRAY:
		n = *cfgkey_count(dst, f);
		*(void **)p = cfgval_memdup(*(void **)p, n, f->size);
		break;
	case CFGF_SCALAR:
	case CFGF_END:
		break;
	}
}

void
cfgworker_copy(struct cfg_worker *dst, const struct cfg_worker *src)
{
	const struct cfgfield *f;
	size_t i;

	*dst = *src;
	for (i = 0; i < cfgnkeys; i++) {
		for (f = cfgkeys[i].f; f->type != CFGF_END; f++)
			field_copy(dst, f);
	}
}

void
cfgworker_clear(struct cfg_worker *w)
{
	const struct cfgfield *f;
	size_t i;

	for (i = 0; i < cfgnkeys; i++) {
		for (f = cfgkeys[i].f; f->type != CFGF_END; f++) {
			if (f->type == CFGF_STRV)
				argv_free(*(char ***)cfgkey_field(w, f));
			else if (f->type != CFGF_SCALAR)
				free(*(void **)cfgkey_field(w, f));
		}
	}
	memset(w, 0, sizeof(*w));
}

static bool
str_same(const char *a, const char *b)
{
	return (a == b || (a != NULL && b != NULL && strcmp(a, b) == 0));
}

static bool
field_same(const struct cfg_worker *a, const struct cfg_worker *b,
    const struct cfgfield *f)
{
	const char *pa = (const char *)a + f->off;
	const char *pb = (const char *)b + f->off;
	char *const *va, *const *vb;
	size_t na, nb, i;

	if (f->type == CFGF_SCALAR)
		return (memcmp(pa, pb, f->size) == 0);
	if (f->type == CFGF_STR || f->type == CFGF_DIR)
		return (str_same(*(char *const *)pa, *(char *const *)pb));
	memcpy(&na, (const char *)a + f->noff, sizeof(na));
	memcpy(&nb, (const char *)b + f->noff, sizeof(nb));
	if (na != nb)
		return (false);
	if (f->type == CFGF_ARRAY)
		return (na == 0 || memcmp(*(void *const *)pa,
		    *(void *const *)pb, na * f->size) == 0);
	va = *(char **const *)pa;
	vb = *(char **const *)pb;
	for (i = 0; i < na; i++) {
		if (strcmp(va[i], vb[i]) != 0)
			return (false);
	}
	return (true);
}

/* Every field a key marks as compared: `instances` is not (see config.h). */
bool
config_worker_same(const struct cfg_worker *a, const struct cfg_worker *b)
{
	const struct cfgfield *f;
	size_t i;

	for (i = 0; i < cfgnkeys; i++) {
		for (f = cfgkeys[i].f; f->type != CFGF_END; f++) {
			if (f->same && !field_same(a, b, f))
				return (false);
		}
	}
	return (true);
}
