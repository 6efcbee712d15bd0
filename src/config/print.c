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

/* Only when set: `stop_command [nginx -s quit]`, its words as cmd's. */
void
cfgprint_stop_command(FILE *f, const struct cfgkey *k,
    const struct cfg_worker *w)
{
	size_t i;

	if (w->stop_argc == 0)
		return;
	fprintf(f, "  %s [", k->name);
	for (i = 0; i < w->stop_argc; i++) {
		if (i > 0)
			fputc(' ', f);
		print_word(f, w->stop_argv[i]);
	}
	fputc(']', f);
}

/* A count worth showing only past one. */
void
cfgprint_count(FILE *f, const struct cfgkey *k, const struct cfg_worker *w)
{
	uint64_t n = cfgkey_get(w, &k->f[0]);

	if (n > 1)
		fprintf(f, "  x%llu", (unsigned long long)n);
}

/* The ports of all the instances: "port 9100", "port 9100-9103". */
void
cfgprint_port(FILE *f, const struct cfgkey *k, const struct cfg_worker *w)
{
	if (w->port == 0)
		return;
	fprintf(f, "  port %u", w->port);
	if (w->instances > 1)
		fprintf(f, "-%llu",
		    (unsigned long long)w->port + w->instances - 1);
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
	if (g->parallel)
		fputs("  parallel", f);
	if (g->auto_shutdown != CFG_AUTO_NEVER)
		fprintf(f, "  auto_shutdown %s", g->auto_shutdown == CFG_AUTO_ANY ?
		    "any_significant" : "all_significant");
}

/* A child's place among its siblings, when it is not the default. */
static void
print_place(FILE *f, const struct cfg_node *n)
{
	size_t k;

	if (n->has_after) {
		fputs("  after ", f);
		for (k = 0; k < n->nafter; k++) {
			if (n->after[k] < n->parent->group.nchildren)
				fprintf(f, "%s%s", k ? "," : "",
				    n->parent->group.children[n->after[k]]->name);
		}
		if (n->nafter == 0)
			fputs("-", f);
	}
	if (!n->autostart)
		fputs("  autostart false", f);
	if (n->significant)
		fputs("  significant", f);
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
		if (n->parent != NULL)
			print_place(f, n);
		fputc('\n', f);
	}
}
