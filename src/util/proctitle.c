#include <sys/prctl.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proctitle.h"
#include "xmalloc.h"

extern char **environ;

static char	*title_base;
static size_t	 title_len;
static char	**title_environ;	/* the copy that replaced environ */

/* Called once, before anything reads environ, from main. */
void
proctitle_init(int argc, char **argv)
{
	char *end;
	size_t n, k;

	if (argc == 0 || argv[0] == NULL)
		return;
	end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	for (n = 0; environ[n] != NULL; n++) {
		if (environ[n] == end)
			end += strlen(environ[n]) + 1;
	}
	title_environ = xcalloc(n + 1, sizeof(*title_environ));
	for (k = 0; k < n; k++)
		title_environ[k] = xstrdup(environ[k]);
	environ = title_environ;
	title_base = argv[0];
	title_len = (size_t)(end - argv[0]);
}

void
proctitle_set(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(void)prctl(PR_SET_NAME, buf);
	if (title_base == NULL || title_len < 2)
		return;
	memset(title_base, 0, title_len);
	strncpy(title_base, buf, title_len - 1);
}
