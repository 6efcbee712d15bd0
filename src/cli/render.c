#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "render.h"

#define NCOLS 9

struct row {
	char	col[NCOLS][96];
	const char *color;
};

struct table {
	struct row	*rows;
	size_t		 n;
	size_t		 cap;
	bool		 tty;
};

static const char *headers[NCOLS] = {
	"NAME", "STATE", "PID", "UPTIME", "RESTARTS", "MEM", "CPU", "READY",
	"LAST EXIT",
};

static void
fmt_duration(char *buf, size_t len, json_t *ms)
{
	long long s;

	if (!json_is_integer(ms)) {
		snprintf(buf, len, "-");
		return;
	}
	s = json_integer_value(ms) / 1000;
	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s / 3600 % 24);
}

static void
fmt_bytes(char *buf, size_t len, json_t *b)
{
	double v;

	if (!json_is_integer(b)) {
		snprintf(buf, len, "-");
		return;
	}
	v = (double)json_integer_value(b);
	if (v < 1024 * 1024)
		snprintf(buf, len, "%.0fK", v / 1024);
	else if (v < 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.1fM", v / (1024 * 1024));
	else
		snprintf(buf, len, "%.2fG", v / (1024.0 * 1024 * 1024));
}

static void
fmt_exit(char *buf, size_t len, json_t *x)
{
	json_t *v, *why = json_object_get(x, "reason");
	char r[48] = "";

	if (json_is_string(why))
		snprintf(r, sizeof(r), " (%s)", json_string_value(why));
	if ((v = json_object_get(x, "code")) != NULL)
		snprintf(buf, len, "code %lld%s", json_integer_value(v), r);
	else if ((v = json_object_get(x, "signal")) != NULL &&
	    json_is_string(v))
		snprintf(buf, len, "SIG%s%s", json_string_value(v), r);
	else if (v != NULL)
		snprintf(buf, len, "signal %lld%s", json_integer_value(v), r);
	else
		snprintf(buf, len, "-");
}

static const char *
state_color(const char *state)
{
	if (strcmp(state, "running") == 0)
		return ("\033[32m");
	if (strcmp(state, "backoff") == 0 || strcmp(state, "starting") == 0 ||
	    strcmp(state, "stopping") == 0)
		return ("\033[33m");
	if (strcmp(state, "exited") == 0 || strcmp(state, "stopped") == 0)
		return ("\033[2m");
	return ("");
}

static struct row *
table_add(struct table *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->rows = realloc(t->rows, t->cap * sizeof(*t->rows));
		if (t->rows == NULL) {
			perror("pmtree: realloc");
			exit(1);
		}
	}
	memset(&t->rows[t->n], 0, sizeof(t->rows[0]));
	return (&t->rows[t->n++]);
}

static void
table_node(struct table *t, json_t *n, const char *prefix, bool last,
    bool top)
{
	const char *state = jstr(json_object_get(n, "state"), "?");
	bool worker = strcmp(jstr(json_object_get(n, "type"), ""),
	    "worker") == 0;
	json_t *kids = json_object_get(n, "children"), *pid, *cpu, *k;
	char sub[512];
	struct row *r = table_add(t);
	size_t i;

	snprintf(r->col[0], sizeof(r->col[0]), "%s%s%s", prefix,
	    top ? "" : t->tty ? (last ? "└─ " : "├─ ") : "  ",
	    jstr(json_object_get(n, "name"), "?"));
	if (json_is_string(json_object_get(n, "waiting_for")))
		snprintf(r->col[1], sizeof(r->col[1]), "%s for %s", state,
		    json_string_value(json_object_get(n, "waiting_for")));
	else
		snprintf(r->col[1], sizeof(r->col[1]), "%s", state);
	r->color = t->tty ? state_color(state) : "";
	pid = json_object_get(n, "pid");
	snprintf(r->col[2], sizeof(r->col[2]), json_is_integer(pid) ? "%lld" : "-",
	    json_integer_value(pid));
	fmt_duration(r->col[3], sizeof(r->col[3]), json_object_get(n, "uptime_ms"));
	snprintf(r->col[4], sizeof(r->col[4]), "%lld",
	    json_integer_value(json_object_get(n, "restarts")));
	fmt_bytes(r->col[5], sizeof(r->col[5]), json_object_get(n, "rss_bytes"));
	cpu = json_object_get(n, "cpu_percent");
	snprintf(r->col[6], sizeof(r->col[6]), json_is_number(cpu) ? "%.1f%%" : "-",
	    json_number_value(cpu));
	snprintf(r->col[7], sizeof(r->col[7]), "%s", !worker ? "-" :
	    json_is_true(json_object_get(n, "ready")) ? "yes" : "no");
	fmt_exit(r->col[8], sizeof(r->col[8]), json_object_get(n, "last_exit"));
	snprintf(sub, sizeof(sub), "%s%s", prefix,
	    top ? "" : t->tty ? (last ? "   " : "│  ") : "  ");
	json_array_foreach(kids, i, k)
		table_node(t, k, sub, i + 1 == json_array_size(kids), false);
}

/* Display width: box-drawing characters are 3 bytes, one column. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return (w);
}

void
render_status(FILE *f, json_t *st, bool tty)
{
	struct table t = { .tty = tty };
	size_t w[NCOLS], i, c;

	table_node(&t, json_object_get(st, "tree"), "", true, true);
	for (c = 0; c < NCOLS; c++) {
		w[c] = strlen(headers[c]);
		for (i = 0; i < t.n; i++)
			if (text_width(t.rows[i].col[c]) > w[c])
				w[c] = text_width(t.rows[i].col[c]);
	}
	for (c = 0; c < NCOLS; c++)
		fprintf(f, "%s%-*s", c ? "  " : "", c + 1 < NCOLS ? (int)w[c] : 0,
		    headers[c]);
	fputc('\n', f);
	for (i = 0; i < t.n; i++) {
		for (c = 0; c < NCOLS; c++) {
			int pad = (int)(w[c] - text_width(t.rows[i].col[c]));

			if (c + 1 == NCOLS)
				pad = 0;
			if (c == 1 && *t.rows[i].color != '\0')
				fprintf(f, "  %s%s\033[0m%*s", t.rows[i].color,
				    t.rows[i].col[c], pad, "");
			else
				fprintf(f, "%s%s%*s", c ? "  " : "",
				    t.rows[i].col[c], pad, "");
		}
		fputc('\n', f);
	}
	free(t.rows);
}
