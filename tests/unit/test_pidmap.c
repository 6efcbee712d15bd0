/*
 * Unit tests of the supervisor's lookup tables: pidmap.c (pid -> slot,
 * linear probing with backward-shift deletion) and nodetab.c (the node
 * states of a subtree, by preorder id and instance).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nodetab.h"
#include "pidmap.h"
#include "treebuild.h"

static struct pidmap pm;

static void
pm_setup(void)
{
	pidmap_init(&pm, 0);
}

static void
pm_teardown(void)
{
	pidmap_free(&pm);
}

static size_t
pm_get(pid_t pid)
{
	size_t slot = (size_t)-1;

	ck_assert_msg(pidmap_take(&pm, pid, &slot) == 0, "pid %d missing",
	    (int)pid);
	return (slot);
}

static size_t
pm_home(pid_t pid)
{
	return (((size_t)pid * 2654435761u) & (pm.cap - 1));
}

/* N pids > FROM that share one home bucket HOME in the current table. */
static void
pm_colliding(size_t home, pid_t from, pid_t *out, size_t n)
{
	pid_t p;
	size_t k = 0;

	for (p = from + 1; k < n; p++) {
		if (pm_home(p) == home)
			out[k++] = p;
	}
}

/* Every stored pid sits where probing from its home can reach it. */
static void
pm_check_invariant(void)
{
	size_t k, j, cnt = 0;

	for (k = 0; k < pm.cap; k++) {
		if (pm.v[k].pid == 0)
			continue;
		cnt++;
		for (j = pm_home(pm.v[k].pid); j != k; j = (j + 1) & (pm.cap - 1))
			ck_assert_msg(pm.v[j].pid != 0,
			    "hole between home and pid %d", (int)pm.v[k].pid);
	}
	ck_assert_uint_eq(cnt, pm.n);
}

START_TEST(test_pm_init_capacity)
{
	pidmap_free(&pm);
	pidmap_init(&pm, 0);
	ck_assert_uint_eq(pm.cap, 16);
	pidmap_free(&pm);
	pidmap_init(&pm, 100);
	ck_assert_uint_eq(pm.cap, 256);
	ck_assert_uint_eq(pm.n, 0);
}
END_TEST

START_TEST(test_pm_put_take)
{
	size_t slot;

	pidmap_put(&pm, 4242, 7);
	pidmap_put(&pm, 17, 0);
	ck_assert_uint_eq(pm.n, 2);
	ck_assert_uint_eq(pm_get(4242), 7);
	ck_assert_uint_eq(pm.n, 1);
	ck_assert_int_eq(pidmap_take(&pm, 4242, &slot), -1);
	ck_assert_uint_eq(pm_get(17), 0);
	ck_assert_uint_eq(pm.n, 0);
}
END_TEST

START_TEST(test_pm_take_missing)
{
	size_t slot = 99;

	ck_assert_int_eq(pidmap_take(&pm, 1, &slot), -1);
	pidmap_put(&pm, 2, 5);
	ck_assert_int_eq(pidmap_take(&pm, 3, &slot), -1);
	ck_assert_uint_eq(slot, 99);
	ck_assert_uint_eq(pm.n, 1);
}
END_TEST

START_TEST(test_pm_has)
{
	pid_t p[3];

	pm_colliding(5, 100, p, 3);
	ck_assert_int_eq(pidmap_has(&pm, p[0]), 0);
	pidmap_put(&pm, p[0], 1);
	pidmap_put(&pm, p[1], 2);
	pidmap_put(&pm, p[2], 3);
	ck_assert_int_ne(pidmap_has(&pm, p[2]), 0);
	ck_assert_uint_eq(pm_get(p[1]), 2);
	ck_assert_int_eq(pidmap_has(&pm, p[1]), 0);
	ck_assert_int_ne(pidmap_has(&pm, p[0]), 0);
	ck_assert_int_ne(pidmap_has(&pm, p[2]), 0);
	ck_assert_uint_eq(pm.n, 2);	/* has() takes nothing */
}
END_TEST

START_TEST(test_pm_put_replaces)
{
	pidmap_put(&pm, 300, 1);
	pidmap_put(&pm, 300, 2);
	ck_assert_uint_eq(pm.n, 1);
	ck_assert_uint_eq(pm_get(300), 2);
}
END_TEST

START_TEST(test_pm_collisions_delete_middle)
{
	pid_t p[5];
	size_t k;

	pm_colliding(3, 1000, p, 5);
	for (k = 0; k < 5; k++)
		pidmap_put(&pm, p[k], k);
	ck_assert_uint_eq(pm.cap, 16);
	pm_check_invariant();
	/* Remove from the middle of the chain: the rest shift back. */
	ck_assert_uint_eq(pm_get(p[1]), 1);
	pm_check_invariant();
	ck_assert_uint_eq(pm_get(p[3]), 3);
	pm_check_invariant();
	ck_assert_uint_eq(pm_get(p[4]), 4);
	ck_assert_uint_eq(pm_get(p[0]), 0);
	ck_assert_uint_eq(pm_get(p[2]), 2);
	ck_assert_uint_eq(pm.n, 0);
}
END_TEST

START_TEST(test_pm_collisions_wrap_around)
{
	pid_t a[3], b[2];
	size_t k;

	/* A chain from the last bucket wraps to 0 and 1, mixed with 0's own. */
	pm_colliding(pm.cap - 1, 1, a, 3);
	pm_colliding(0, 1, b, 2);
	pidmap_put(&pm, a[0], 10);
	pidmap_put(&pm, a[1], 11);
	pidmap_put(&pm, b[0], 20);
	pidmap_put(&pm, a[2], 12);
	pidmap_put(&pm, b[1], 21);
	pm_check_invariant();
	ck_assert_uint_eq(pm_get(a[0]), 10);
	pm_check_invariant();
	ck_assert_uint_eq(pm_get(a[1]), 11);
	pm_check_invariant();
	ck_assert_uint_eq(pm_get(b[1]), 21);
	ck_assert_uint_eq(pm_get(a[2]), 12);
	ck_assert_uint_eq(pm_get(b[0]), 20);
	for (k = 0; k < pm.cap; k++)
		ck_assert_int_eq(pm.v[k].pid, 0);
}
END_TEST

START_TEST(test_pm_growth)
{
	pid_t p;

	for (p = 1; p <= 1000; p++)
		pidmap_put(&pm, p * 7, (size_t)p);
	ck_assert_uint_eq(pm.n, 1000);
	ck_assert_uint_ge(pm.cap, 2000);
	ck_assert_uint_eq(pm.cap & (pm.cap - 1), 0);
	pm_check_invariant();
	for (p = 1000; p >= 1; p--)
		ck_assert_uint_eq(pm_get(p * 7), (size_t)p);
	ck_assert_uint_eq(pm.n, 0);
}
END_TEST

/* Many random puts and takes against a reference array indexed by pid. */
START_TEST(test_pm_random_vs_reference)
{
	enum { NPID = 4096 };
	static long ref[NPID];		/* slot + 1, 0 = absent */
	unsigned seed = 42, i;
	size_t slot, n = 0;
	pid_t pid;
	int r;

	memset(ref, 0, sizeof(ref));
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		pid = (pid_t)(1 + (seed >> 8) % (NPID - 1));
		if ((seed >> 4) % 3 == 0) {
			if (ref[pid] == 0)
				n++;
			ref[pid] = (long)i + 1;
			pidmap_put(&pm, pid, i);
		} else {
			r = pidmap_take(&pm, pid, &slot);
			if (r != (ref[pid] ? 0 : -1) ||
			    (r == 0 && slot != (size_t)ref[pid] - 1))
				ck_abort_msg("op %u: take(%d) = %d slot %zu, "
				    "expected %ld", i, (int)pid, r, slot,
				    ref[pid] - 1);
			if (ref[pid] != 0)
				n--;
			ref[pid] = 0;
		}
		if (pm.n != n || (pidmap_has(&pm, pid) != 0) != (ref[pid] != 0))
			ck_abort_msg("op %u: n %zu, expected %zu; pid %d", i,
			    pm.n, n, (int)pid);
		if (i % 10000 == 0)
			pm_check_invariant();
	}
	for (pid = 1; pid < NPID; pid++) {
		r = pidmap_take(&pm, pid, &slot);
		ck_assert_int_eq(r, ref[pid] ? 0 : -1);
		if (r == 0)
			ck_assert_uint_eq(slot, (size_t)ref[pid] - 1);
	}
	ck_assert_uint_eq(pm.n, 0);
}
END_TEST

START_TEST(test_pm_large_pids)
{
	pid_t big[] = { 4194304, 2147483647, 4194303, 65536, 131072 };
	size_t k;

	for (k = 0; k < 5; k++)
		pidmap_put(&pm, big[k], k);
	for (k = 0; k < 5; k++)
		ck_assert_uint_eq(pm_get(big[k]), k);
}
END_TEST

/* --- nodetab ------------------------------------------------------------ */

/*
 * root(0) { a(1), g(2) { b(3), c(4) x3 }, e(5) {}, d(6) }
 */
static struct cfg_tree *tree;
static struct nodetab tab;

static void
nt_setup(void)
{
	struct cfg_node *root, *g;

	root = tb_group(NULL, "", CFG_ONE_FOR_ONE, 3, 5000);
	tb_worker(root, "a");
	g = tb_group(root, "g", CFG_REST_FOR_ONE, 3, 5000);
	tb_worker(g, "b");
	tb_worker(g, "c")->worker.instances = 3;
	tb_group(root, "e", CFG_ONE_FOR_ONE, 3, 5000);
	tb_worker(root, "d");
	tree = tb_tree(root);
	memset(&tab, 0, sizeof(tab));
}

static void
nt_teardown(void)
{
	nodetab_free(&tab);
	tb_tree_free(tree);
}

static struct cfg_node *
nt(const char *name)
{
	size_t k;

	for (k = 0; k < tree->nnodes; k++) {
		if (strcmp(tree->nodes[k]->name, name) == 0)
			return (tree->nodes[k]);
	}
	ck_abort_msg("no node %s", name);
	return (NULL);
}

START_TEST(test_nt_preorder_ids)
{
	ck_assert_uint_eq(tree->nnodes, 7);
	ck_assert_uint_eq(nt("a")->id, 1);
	ck_assert_uint_eq(nt("g")->id, 2);
	ck_assert_uint_eq(nt("c")->id, 4);
	ck_assert_str_eq(nt("c")->path, "g/c");
	ck_assert_uint_eq(nt("d")->id, 6);
}
END_TEST

START_TEST(test_nt_last)
{
	ck_assert_uint_eq(nodetab_last(tree->root), 6);
	ck_assert_uint_eq(nodetab_last(nt("g")), 4);
	ck_assert_uint_eq(nodetab_last(nt("a")), 1);
	ck_assert_uint_eq(nodetab_last(nt("c")), 4);
	/* An empty group is a range of one: itself. */
	ck_assert_uint_eq(nodetab_last(nt("e")), 5);
}
END_TEST

START_TEST(test_nt_subtree_range)
{
	nodetab_init(&tab, tree, nt("g"));
	ck_assert_uint_eq(tab.first, 2);
	ck_assert_uint_eq(tab.n, 3);
	ck_assert_ptr_null(nodetab_get(&tab, 0, 0));
	ck_assert_ptr_null(nodetab_get(&tab, 1, 0));
	ck_assert_ptr_nonnull(nodetab_get(&tab, 2, 0));
	ck_assert_ptr_nonnull(nodetab_get(&tab, 3, 0));
	ck_assert_ptr_nonnull(nodetab_get(&tab, 4, 0));
	ck_assert_ptr_null(nodetab_get(&tab, 5, 0));
	ck_assert_ptr_null(nodetab_get(&tab, 6, 0));
	ck_assert_ptr_null(nodetab_get(&tab, 1000, 0));
}
END_TEST

START_TEST(test_nt_instances)
{
	struct msg_node_state *s[3];
	unsigned k, j;

	nodetab_init(&tab, tree, nt("g"));
	for (k = 0; k < 3; k++) {
		s[k] = nodetab_get(&tab, 4, k);
		ck_assert_ptr_nonnull(s[k]);
		ck_assert_int_eq(s[k]->pid, 0);
		for (j = 0; j < k; j++)
			ck_assert_ptr_ne(s[j], s[k]);
	}
	ck_assert_ptr_null(nodetab_get(&tab, 4, 3));
	/* A worker with one instance and a group have instance 0 only. */
	ck_assert_ptr_null(nodetab_get(&tab, 3, 1));
	ck_assert_ptr_null(nodetab_get(&tab, 2, 1));
}
END_TEST

START_TEST(test_nt_entries_persist)
{
	nodetab_init(&tab, tree, tree->root);
	ck_assert_uint_eq(tab.first, 0);
	ck_assert_uint_eq(tab.n, 7);
	nodetab_get(&tab, 4, 2)->pid = 1234;
	nodetab_get(&tab, 6, 0)->restarts = 5;
	ck_assert_int_eq(nodetab_get(&tab, 4, 2)->pid, 1234);
	ck_assert_int_eq(nodetab_get(&tab, 4, 1)->pid, 0);
	ck_assert_uint_eq(nodetab_get(&tab, 6, 0)->restarts, 5);
	ck_assert_ptr_nonnull(nodetab_get(&tab, 5, 0));
	ck_assert_ptr_null(nodetab_get(&tab, 7, 0));
}
END_TEST

START_TEST(test_nt_leaf_top)
{
	nodetab_init(&tab, tree, nt("d"));
	ck_assert_uint_eq(tab.first, 6);
	ck_assert_uint_eq(tab.n, 1);
	ck_assert_ptr_nonnull(nodetab_get(&tab, 6, 0));
	ck_assert_ptr_null(nodetab_get(&tab, 5, 0));
}
END_TEST

static Suite *
tables_suite(void)
{
	Suite *s = suite_create("tables");
	TCase *tc;

	tc = tcase_create("pidmap");
	tcase_add_checked_fixture(tc, pm_setup, pm_teardown);
	tcase_add_test(tc, test_pm_init_capacity);
	tcase_add_test(tc, test_pm_put_take);
	tcase_add_test(tc, test_pm_take_missing);
	tcase_add_test(tc, test_pm_has);
	tcase_add_test(tc, test_pm_put_replaces);
	tcase_add_test(tc, test_pm_collisions_delete_middle);
	tcase_add_test(tc, test_pm_collisions_wrap_around);
	tcase_add_test(tc, test_pm_growth);
	tcase_add_test(tc, test_pm_random_vs_reference);
	tcase_add_test(tc, test_pm_large_pids);
	suite_add_tcase(s, tc);

	tc = tcase_create("nodetab");
	tcase_add_checked_fixture(tc, nt_setup, nt_teardown);
	tcase_add_test(tc, test_nt_preorder_ids);
	tcase_add_test(tc, test_nt_last);
	tcase_add_test(tc, test_nt_subtree_range);
	tcase_add_test(tc, test_nt_instances);
	tcase_add_test(tc, test_nt_entries_persist);
	tcase_add_test(tc, test_nt_leaf_top);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(tables_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
