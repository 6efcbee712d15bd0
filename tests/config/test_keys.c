/*
 * The worker key descriptors against the loader.  For every key in the
 * table, set alone to its example value in a tree read from YAML: a reload
 * restarts the worker (but for the keys config.h says do not), `pmtree
 * check` shows the change if and only if the key has a printer (no
 * printer: documented as not shown), and the key is taken in `defaults`,
 * with the same result, if and only if the table allows it there.  A new
 * key is covered by its entry alone.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgint.h"

struct loaded {
	struct cfg_tree		*tree;
	const struct cfg_worker	*w;
	char			*printed;
	size_t			 nerr;
};

/*
 * A worker with `cmd` and `ready: notify` (so that `watchdog` may be set),
 * KEY: EX in place of either of them or beside them, or in the root's
 * `defaults`; KEY NULL is the worker alone.
 */
static char *
yaml_with(const struct cfgkey *k, bool in_defaults)
{
	const char *key = k != NULL ? k->name : "";
	char *s;

	ck_assert_int_ne(asprintf(&s, "%s%s%s%s%s"
	    "children:\n"
	    "  - name: w\n"
	    "%s%s%s%s%s%s",
	    k != NULL && in_defaults ? "defaults: {" : "",
	    k != NULL && in_defaults ? key : "",
	    k != NULL && in_defaults ? ": " : "",
	    k != NULL && in_defaults ? k->example : "",
	    k != NULL && in_defaults ? "}\n" : "",
	    strcmp(key, "cmd") != 0 || in_defaults ? "    cmd: ./a\n" : "",
	    strcmp(key, "ready") != 0 ? "    ready: notify\n" : "",
	    k != NULL && !in_defaults ? "    " : "",
	    k != NULL && !in_defaults ? key : "",
	    k != NULL && !in_defaults ? ": " : "",
	    k != NULL && !in_defaults ? k->example : ""), -1);
	return (s);
}

static struct loaded
load(const struct cfgkey *k, bool in_defaults)
{
	struct loaded r = { NULL, NULL, NULL, 0 };
	char *yaml = yaml_with(k, in_defaults);
	struct diag d;
	size_t len;
	FILE *f;

	diag_init(&d, "keys.yaml");
	r.tree = config_load_buffer("keys.yaml", yaml, strlen(yaml), &d);
	r.nerr = d.n;
	if (r.tree != NULL) {
		r.w = &config_find(r.tree, "w")->worker;
		ck_assert_ptr_nonnull(f = open_memstream(&r.printed, &len));
		config_print(r.tree, f);
		fclose(f);
	}
	diag_free(&d);
	free(yaml);
	return (r);
}

static void
loaded_free(struct loaded *r)
{
	config_free(r->tree);
	free(r->printed);
}

/*
 * config_worker_same: a change of count alone restarts nothing, nor one of
 * how it stops.
 */
static bool
restarts(const struct cfgkey *k)
{
	return (strcmp(k->name, "instances") != 0 &&
	    strcmp(k->name, "stop_command") != 0 &&
	    strcmp(k->name, "max_memory") != 0);
}

START_TEST(every_key)
{
	const struct cfgkey *k = &cfgkeys[_i];
	struct loaded base, own, def;

	/*
	 * `name` names the node, `after`, `autostart` and `significant` place
	 * it among its siblings: the group loader reads them, no worker field.
	 */
	if (k->parse == NULL) {
		ck_assert_msg(strcmp(k->name, "name") == 0 ||
		    strcmp(k->name, "after") == 0 ||
		    strcmp(k->name, "autostart") == 0 ||
		    strcmp(k->name, "significant") == 0, "%s: no parser",
		    k->name);
		return;
	}
	ck_assert_msg(k->example != NULL, "%s: no example", k->name);
	ck_assert_msg(k->where & CFGK_WORKER, "%s: not a worker's", k->name);
	base = load(NULL, false);
	own = load(k, false);
	ck_assert_msg(base.tree != NULL && own.tree != NULL, "%s: %s does "
	    "not load", k->name, k->example);
	ck_assert_msg(config_worker_same(base.w, own.w) == !restarts(k),
	    "%s: %s %s restart the worker", k->name, k->example,
	    restarts(k) ? "does not" : "would");
	ck_assert_msg((strcmp(base.printed, own.printed) != 0) ==
	    (k->print != NULL), "%s: check's printout %s", k->name,
	    k->print != NULL ? "does not show it" : "shows it, no printer");
	def = load(k, true);
	if (k->where & CFGK_DEFAULTS) {
		ck_assert_msg(def.tree != NULL, "%s: refused in defaults",
		    k->name);
		ck_assert_msg(config_worker_same(own.w, def.w) &&
		    own.w->instances == def.w->instances, "%s: differs when "
		    "inherited", k->name);
		ck_assert_str_eq(own.printed, def.printed);
	} else
		ck_assert_msg(def.tree == NULL && def.nerr == 1, "%s: taken in "
		    "defaults", k->name);
	loaded_free(&base);
	loaded_free(&own);
	loaded_free(&def);
}
END_TEST

/* Built-in settings, a copy and a clear, through the fields alone. */
START_TEST(copy_is_same)
{
	struct cfg_worker a, b;

	cfgworker_builtin(&a, "/srv");
	cfgworker_copy(&b, &a);
	ck_assert(config_worker_same(&a, &b));
	ck_assert_ptr_ne(a.env, b.env);
	ck_assert_ptr_ne(a.backoff_ms, b.backoff_ms);
	ck_assert_str_eq(b.cwd, "/srv");
	ck_assert_uint_eq(b.n_backoff, 9);
	ck_assert_uint_eq(b.instances, 1);
	ck_assert_int_eq(b.log_stdout, CFG_INHERIT);
	cfgworker_clear(&a);
	cfgworker_clear(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config-keys");
	TCase *tc = tcase_create("keys");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, every_key, 0, (int)cfgnkeys);
	tcase_add_test(tc, copy_is_same);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
