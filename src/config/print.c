/*
 * config_print: the tree as `pmtree check` shows it, one line a node, the
 * names indented by depth and the columns after them aligned.
 */
#include <stdio.h>
#include <string.h>

#include "cfgint.h"

static const char *const strategy_names[] = {
	"one_for_one", "one_for_all", "rest_for_one",
};

static const char *
label(const struct cfg_tree *t, const struct cfg_node *n)
{
	return (n->parent == NULL ? t->name : n->path);
}

static void
print_duration(FILE *f, uint64_t ms)
{
	if (ms == CFG_INFINITY)
		fputs("infinity", f);
	else if (ms != 0 && ms % (60 * 60 * 1000) == 0)
		fprintf(f, "%lluh", (unsigned long long)(ms / (60 * 60 * 1000)));
	else if (ms != 0 && ms % (60 * 1000) == 0)
		fprintf(f, "%llum", (unsigned long long)(ms / (60 * 1000)));
	else if (ms != 0 && ms % 1000 == 0)
		fprintf(f, "%llus", (unsigned long long)(ms / 1000));
	else if (ms != 0)
		fprintf(f, "%llums", (unsigned long long)ms);
	else
		fputs("0", f);
}

/* Longer labels do not push every other line's columns to the right. */
#define MAX_LABEL_WIDTH 48

/* A word with control characters, as bash's $'...' (one line of output). */
static void
print_escaped(FILE *f, const char *w)
{
	const unsigned char *p;

	fputs("$'", f);
	for (p = (const unsigned char *)w; *p != '\0'; p++) {
		if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else if (*p == '\'' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

/* Characters a shell takes literally outside quotes. */
static int
is_safe(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("_./:=,@%+-", c)));
}

/* A word the way a shell (and argv_split) would read it back. */
static void
print_word(FILE *f, const char *w)
{
	const unsigned char *p;

	for (p = (const unsigned char *)w; *p != '\0' && is_safe(*p); p++)
		;
	if (*p == '\0' && p != (const unsigned char *)w) {
		fputs(w, f);
		return;
	}
	for (p = (const unsigned char *)w; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			print_escaped(f, w);
			return;
		}
	}
	fputc('\'', f);
	for (p = (const unsigned char *)w; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

void
cfgprint_cmd(FILE *f, const struct cfgkey *k, const struct cfg_worker *w)
{
	size_t i;

	for (i = 0; i < w->argc; i++) {
		if (i > 0)
			fputc(' ', f);
		print_word(f, w->argv[i]);
	}
}

/* A count worth showing only past one. */
void
cfgprint_count(FILE *f, const struct cfgkey *k, const struct cfg_worker *w)
{
	uint64_t n = cfgkey_get(w, &k->f[0]);

	if (n > 1)
		fprintf(f, "  x%llu", (unsigned long long)n);
}

void
cfgprint_enum(FILE *f, const struct cfgkey *k, const struct cfg_worker *w)
{
	fprintf(f, "  %s", k->words[cfgkey_get(w, &k->f[0])]);
}

void
cfgprint_ready(FILE *f, const struct cfgkey *k, const struct cfg_worker *w)
{
	switch (w->ready) {
	case CFG_READY_NONE:
		break;
	case CFG_READY_NOTIFY:
		fputs("  ready notify", f);
		break;
	case CFG_READY_EXITED:
		fputs("  ready exited", f);
		break;
	case CFG_READY_FD:
		fprintf(f, "  ready fd %d", w->ready_fd);
		break;
	case CFG_READY_TCP:
		fprintf(f, strchr(w->ready_host, ':') != NULL ?
		    "  ready tcp [%s]:%s" : "  ready tcp %s:%s", w->ready_host,
		    w->ready_port);
		break;
	case CFG_READY_HTTP:
		fprintf(f, "  ready http %s", w->ready_url);
		break;
	}
	if (w->ready_owner == CFG_OWNER_ANY)
		fputs(" owner any", f);
}

/* The keys with a printer, in the table's order. */
static void
print_worker(FILE *f, const struct cfg_worker *w)
{
	size_t i;

	fputs("worker  ", f);
	for (i = 0; i < cfgnkeys; i++) {
		if (cfgkeys[i].print != NULL)
			cfgkeys[i].print(f, &cfgkeys[i], w);
	}
}

/* The root's restart type means nothing: it is not shown. */
static void
print_group(FILE *f, const struct cfg_node *n)
{
	const struct cfg_group *g = &n->group;

	fprintf(f, "group   %s  intensity %u/", strategy_names[g->strategy],
	    g->intensity);
	print_duration(f, g->period_ms);
	if (n->parent != NULL)
		fprintf(f, "  %s", cfgkey_restart_names[g->restart]);
}

void
config_print(const struct cfg_tree *t, FILE *f)
{
	const struct cfg_node *n;
	size_t i, len, width = 0;

	for (i = 0; i < t->nnodes; i++) {
		n = t->nodes[i];
		len = 2 * n->depth + strlen(label(t, n));
		if (len > width && len <= MAX_LABEL_WIDTH)
			width = len;
	}
	for (i = 0; i < t->nnodes; i++) {
		n = t->nodes[i];
		fprintf(f, "%*s%-*s  ", (int)(2 * n->depth), "", 2 * n->depth <
		    width ? (int)(width - 2 * n->depth) : 0, label(t, n));
		if (n->kind == CFG_GROUP)
			print_group(f, n);
		else
			print_worker(f, &n->worker);
		fputc('\n', f);
	}
}
