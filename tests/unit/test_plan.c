/*
 * sm_plan, the reload diff: which new slot is which old one, and which
 * must restart.  Pure, so every case is a table of nodes, no fork.
 */
#include <check.h>
#include <string.h>

#include "smint.h"
#include "treebuild.h"
#include "xmalloc.h"

static struct cfg_node *old_root, *new_root;
static struct sm sm;
static struct sm_keep *keep;
static size_t nkeep;

static void
setup(void)
{
	old_root = tb_group(NULL, "", CFG_ONE_FOR_ONE, 3, 5000);
	new_root = tb_group(NULL, "", CFG_ONE_FOR_ONE, 3, 5000);
	keep = NULL;
	nkeep = 0;
}

static void
teardown(void)
{
	sm_clear(&sm);
	xfree(keep);
	tb_free(old_root);
	tb_free(new_root);
}

/* The old machine over OLD's children (one instance each unless set). */
static void
go(void)
{
	sm_init(&sm, old_root);
}

/* The plan for NEW with COUNT[k] instances of its k-th child. */
static void
plan(const unsigned *count)
{
	nkeep = sm_plan(&sm, new_root, count, &keep);
}

static void
expect(size_t i, const char *name, unsigned inst, size_t old, bool changed)
{
	ck_assert_uint_lt(i, nkeep);
	ck_assert_str_eq(keep[i].node->name, name);
	ck_assert_uint_eq(keep[i].instance, inst);
	ck_assert_msg(keep[i].old == old, "%s:%u was slot %zu, want %zu", name,
	    inst, keep[i].old, old);
	ck_assert_msg(keep[i].changed == changed, "%s:%u changed %d", name,
	    inst, keep[i].changed);
}

/* Same children, reordered: matched by name, nothing restarts. */
START_TEST(test_plan_reorder)
{
	static const unsigned one[] = { 1, 1, 1 };

	tb_worker(old_root, "a");
	tb_worker(old_root, "b");
	tb_worker(old_root, "c");
	tb_worker(new_root, "c");
	tb_worker(new_root, "a");
	tb_worker(new_root, "b");
	go();
	plan(one);
	ck_assert_uint_eq(nkeep, 3);
	expect(0, "c", 0, 2, false);
	expect(1, "a", 0, 0, false);
	expect(2, "b", 0, 1, false);
}
END_TEST

/* A new name is new; a worker whose command changed restarts. */
START_TEST(test_plan_new_and_changed)
{
	static const unsigned one[] = { 1, 1 };
	struct cfg_node *b;

	tb_worker(old_root, "a");
	tb_worker(old_root, "b");
	tb_worker(new_root, "x");
	b = tb_worker(new_root, "b");
	xfree(b->worker.argv[0]);
	b->worker.argv[0] = xstrdup("false");
	go();
	plan(one);
	ck_assert_uint_eq(nkeep, 2);
	expect(0, "x", 0, SM_NEW, false);
	expect(1, "b", 0, 1, true);
}
END_TEST

/* More instances: the old ones carry on, the new ones are new. */
START_TEST(test_plan_instances)
{
	static const unsigned three[] = { 3 };
	struct cfg_node *w;

	w = tb_worker(old_root, "w");
	w->worker.instances = 2;
	w = tb_worker(new_root, "w");
	w->worker.instances = 3;
	go();
	plan(three);
	ck_assert_uint_eq(nkeep, 3);
	expect(0, "w", 0, 0, false);
	expect(1, "w", 1, 1, false);
	expect(2, "w", 2, SM_NEW, false);
}
END_TEST

/* A name that changed kind is another child; a group never "changes". */
START_TEST(test_plan_kind_and_groups)
{
	static const unsigned one[] = { 1, 1 };
	struct cfg_node *g;

	tb_worker(old_root, "a");
	g = tb_group(old_root, "g", CFG_ONE_FOR_ONE, 3, 5000);
	tb_worker(g, "w");
	tb_group(new_root, "a", CFG_ONE_FOR_ALL, 3, 5000);
	g = tb_group(new_root, "g", CFG_REST_FOR_ONE, 9, 1000);
	tb_worker(g, "w");
	go();
	plan(one);
	ck_assert_uint_eq(nkeep, 2);
	expect(0, "a", 0, SM_NEW, false);
	expect(1, "g", 0, 1, false);
}
END_TEST

/* A retired slot (removed, still stopping) is never matched again. */
START_TEST(test_plan_skips_retired)
{
	static const unsigned one[] = { 1 };

	tb_worker(old_root, "a");
	tb_worker(new_root, "a");
	go();
	sm.slots[0].retired = true;
	plan(one);
	expect(0, "a", 0, SM_NEW, false);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plan_reorder);
	tcase_add_test(tc, test_plan_new_and_changed);
	tcase_add_test(tc, test_plan_instances);
	tcase_add_test(tc, test_plan_kind_and_groups);
	tcase_add_test(tc, test_plan_skips_retired);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? 0 : 1);
}
