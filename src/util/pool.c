#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_OFF 1
#endif
#endif

/* Blocks are announced to memcheck, which then checks them as malloc's. */
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MALLOCLIKE_BLOCK(p, n, rz, zeroed)	((void)0)
#define VALGRIND_FREELIKE_BLOCK(p, rz)			((void)0)
#define VALGRIND_RESIZEINPLACE_BLOCK(p, o, n, rz)	((void)0)
#endif

/*
 * Address space only: pages are used as blocks are carved.  Running out
 * sends the rest to libc, it does not fail.
 */
#define POOL_SPAN	((size_t)256 << 20)
/* 8 classes of 16 bytes to 128, then 4 for each power of two to POOL_MAX. */
#define POOL_NCLASS	44
/* Nested groups are at most 32 deep: their pools, the root's none. */
#define POOL_ANCESTORS	40
#define MAGIC_LIVE	0x706f6f6cU
#define MAGIC_FREE	0x66726565U

/* In front of every block; 16 bytes, so blocks are aligned as malloc's. */
struct hdr {
	uint32_t	 cls;
	uint32_t	 magic;
	union {
		struct hdr	*next;		/* free */
		size_t		 len;		/* live: as asked for */
	} u;
};

struct region {
	char	*base;
	char	*end;
};

static struct region	 pool;		/* this process's; base NULL: none */
static char		*pool_top;	/* where the next new block goes */
static struct hdr	*pool_freelist[POOL_NCLASS];
static struct region	 pool_anc[POOL_ANCESTORS];
static size_t		 pool_nanc;

static size_t
pool_class_size(unsigned c)
{
	unsigned k;

	if (c < 8)
		return ((size_t)(c + 1) * 16);
	k = 7 + (c - 8) / 4;
	return (((size_t)1 << k) + ((size_t)1 << (k - 2)) * ((c - 8) % 4 + 1));
}

/* N is 1 .. POOL_MAX. */
static unsigned
pool_class(size_t n)
{
	unsigned k;
	size_t step;

	if (n <= 128)
		return ((unsigned)((n + 15) / 16 - 1));
	k = 63 - (unsigned)__builtin_clzll((unsigned long long)(n - 1));
	step = (size_t)1 << (k - 2);
	return (8 + (k - 7) * 4 + (unsigned)((n - ((size_t)1 << k) + step - 1) /
	    step) - 1);
}

static bool
pool_in(const struct region *r, const void *p)
{
	return ((const char *)p >= r->base && (const char *)p < r->end);
}

static bool
pool_inherited(const void *p)
{
	size_t i;

	for (i = 0; i < pool_nanc; i++)
		if (pool_in(&pool_anc[i], p))
			return (true);
	return (false);
}

bool
pool_owns(const void *p)
{
	return (p != NULL && (pool_in(&pool, p) || pool_inherited(p)));
}

bool
pool_start(void)
{
#ifdef POOL_OFF
	return (false);
#else
	void *base;

	if (pool.base != NULL && pool_nanc == POOL_ANCESTORS)
		return (false);
	base = mmap(NULL, POOL_SPAN, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return (false);
	if (pool.base != NULL)
		pool_anc[pool_nanc++] = pool;
	pool.base = base;
	pool.end = pool.base + POOL_SPAN;
	pool_top = pool.base;
	memset(pool_freelist, 0, sizeof(pool_freelist));
	return (true);
#endif
}

/* NULL if the pool cannot serve N bytes; *FRESH: never used, so zero. */
static void *
pool_get(size_t n, bool *fresh)
{
	unsigned c;
	size_t need;
	struct hdr *h;

	if (pool.base == NULL || n > POOL_MAX)
		return (NULL);
	c = pool_class(n ? n : 1);
	if ((h = pool_freelist[c]) != NULL) {
		pool_freelist[c] = h->u.next;
		*fresh = false;
	} else {
		need = sizeof(*h) + pool_class_size(c);
		if ((size_t)(pool.end - pool_top) < need)
			return (NULL);
		h = (struct hdr *)(void *)pool_top;
		pool_top += need;
		h->cls = c;
		*fresh = true;
	}
	h->magic = MAGIC_LIVE;
	h->u.len = n;
	VALGRIND_MALLOCLIKE_BLOCK(h + 1, n, 0, *fresh);
	return (h + 1);
}

void *
pool_malloc(size_t n)
{
	bool fresh;
	void *p = pool_get(n, &fresh);

	return (p != NULL ? p : malloc(n));
}

void *
pool_calloc(size_t nmemb, size_t size)
{
	bool fresh;
	size_t n;
	void *p;

	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return (NULL);
	}
	if ((p = pool_get(n, &fresh)) == NULL)
		return (calloc(nmemb, size));
	/* A new block is still the zero pages of the mapping: left untouched. */
	if (!fresh)
		memset(p, 0, n);
	return (p);
}

static struct hdr *
pool_hdr(void *p, const char *what)
{
	struct hdr *h = (struct hdr *)p - 1;
	char msg[96];
	int len;

	if (h->magic == MAGIC_LIVE && h->cls < POOL_NCLASS)
		return (h);
	len = snprintf(msg, sizeof(msg), "pmtree: %s %p: %s\n", what, p,
	    h->magic == MAGIC_FREE ? "already freed" : "not a block");
	if (len > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)len);
	abort();
}

void
pool_free(void *p)
{
	struct hdr *h;

	if (p == NULL)
		return;
	if (!pool_in(&pool, p)) {
		/* An ancestor's block stays its, shared with it. */
		if (!pool_inherited(p))
			free(p);
		return;
	}
	h = pool_hdr(p, "free");
	h->magic = MAGIC_FREE;
	h->u.next = pool_freelist[h->cls];
	pool_freelist[h->cls] = h;
	VALGRIND_FREELIKE_BLOCK(p, 0);
}

void *
pool_realloc(void *p, size_t n)
{
	struct hdr *h;
	void *q;

	if (p == NULL)
		return (pool_malloc(n));
	if (!pool_owns(p))
		return (realloc(p, n));
	h = pool_hdr(p, "realloc");
	if (pool_in(&pool, p) && n <= pool_class_size(h->cls)) {
		VALGRIND_RESIZEINPLACE_BLOCK(p, h->u.len, n, 0);
		h->u.len = n;
		return (p);
	}
	if ((q = pool_malloc(n)) == NULL)
		return (NULL);
	memcpy(q, p, h->u.len < n ? h->u.len : n);
	pool_free(p);
	return (q);
}
