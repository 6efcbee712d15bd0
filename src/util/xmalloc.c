#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"
#include "xmalloc.h"

static void
xmalloc_die(const char *what, size_t n)
{
	char buf[128];
	int len;

	len = snprintf(buf, sizeof(buf), "pmtree: %s %zu bytes: out of memory\n",
	    what, n);
	if (len > 0)
		(void)!write(STDERR_FILENO, buf, (size_t)len);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = pool_malloc(n ? n : 1);

	if (p == NULL)
		xmalloc_die("malloc", n);
	return (p);
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = pool_calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		xmalloc_die("calloc", nmemb * size);
	return (p);
}

void *
xreallocarray(void *old, size_t nmemb, size_t size)
{
	size_t n;
	void *p = NULL;

	if (!__builtin_mul_overflow(nmemb ? nmemb : 1, size ? size : 1, &n))
		p = pool_realloc(old, n);
	if (p == NULL)
		xmalloc_die("realloc", nmemb * size);
	return (p);
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = pool_malloc(n);

	if (p == NULL)
		xmalloc_die("strdup", n);
	return (memcpy(p, s, n));
}

void
xfree(void *p)
{
	pool_free(p);
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	/* Not vasprintf: the string is to come from the pool like the rest. */
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		xmalloc_die("asprintf", 0);
	*ret = xmalloc((size_t)n + 1);
	if ((size_t)n < sizeof(buf)) {
		memcpy(*ret, buf, (size_t)n + 1);
		return (n);
	}
	va_start(ap, fmt);
	(void)vsnprintf(*ret, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return (n);
}
