/* Open addressing with linear probing and backward-shift deletion. */
#include <stdlib.h>

#include "pidmap.h"
#include "xmalloc.h"

static size_t
pidmap_hash(const struct pidmap *m, pid_t pid)
{
	return (((size_t)pid * 2654435761u) & (m->cap - 1));
}

void
pidmap_init(struct pidmap *m, size_t expected)
{
	m->cap = 16;
	while (m->cap < expected * 2)
		m->cap *= 2;
	m->v = xcalloc(m->cap, sizeof(*m->v));
	m->n = 0;
}

void
pidmap_free(struct pidmap *m)
{
	xfree(m->v);
	m->v = NULL;
	m->cap = m->n = 0;
}

static void
pidmap_grow(struct pidmap *m)
{
	struct pidmap old = *m;
	size_t k;

	m->cap *= 2;
	m->v = xcalloc(m->cap, sizeof(*m->v));
	m->n = 0;
	for (k = 0; k < old.cap; k++) {
		if (old.v[k].pid != 0)
			pidmap_put(m, old.v[k].pid, old.v[k].slot);
	}
	xfree(old.v);
}

void
pidmap_put(struct pidmap *m, pid_t pid, size_t slot)
{
	size_t k;

	if ((m->n + 1) * 2 > m->cap)
		pidmap_grow(m);
	for (k = pidmap_hash(m, pid); m->v[k].pid != 0; k = (k + 1) & (m->cap - 1)) {
		if (m->v[k].pid == pid) {
			m->v[k].slot = slot;
			return;
		}
	}
	m->v[k].pid = pid;
	m->v[k].slot = slot;
	m->n++;
}

int
pidmap_get(const struct pidmap *m, pid_t pid, size_t *slot)
{
	size_t k;

	for (k = pidmap_hash(m, pid); m->v[k].pid != 0; k = (k + 1) & (m->cap - 1)) {
		if (m->v[k].pid == pid) {
			*slot = m->v[k].slot;
			return (0);
		}
	}
	return (-1);
}

int
pidmap_has(const struct pidmap *m, pid_t pid)
{
	size_t slot;

	return (pid > 0 && pidmap_get(m, pid, &slot) == 0);
}

int
pidmap_take(struct pidmap *m, pid_t pid, size_t *slot)
{
	size_t k, j, h;

	for (k = pidmap_hash(m, pid); m->v[k].pid != pid; k = (k + 1) & (m->cap - 1)) {
		if (m->v[k].pid == 0)
			return (-1);
	}
	*slot = m->v[k].slot;
	m->v[k].pid = 0;
	m->n--;
	/* Shift back the entries that probed past the hole. */
	for (j = (k + 1) & (m->cap - 1); m->v[j].pid != 0; j = (j + 1) & (m->cap - 1)) {
		h = pidmap_hash(m, m->v[j].pid);
		if (((j - h) & (m->cap - 1)) >= ((j - k) & (m->cap - 1))) {
			m->v[k] = m->v[j];
			m->v[j].pid = 0;
			k = j;
		}
	}
	return (0);
}
